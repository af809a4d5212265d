"""JSON from outside, parsed so that the only failure is a `ValueError` with a short reason.

``json.loads`` fails in more ways than ``JSONDecodeError``: nesting a few thousand deep raises
``RecursionError``, a 5000-digit integer ``ValueError`` (Python's int limit), and it accepts
``NaN``, ``Infinity`` and ``1e400`` (a float that is infinite), which json.dumps writes back as
invalid JSON. A lone surrogate escape (``"\\ud800"``) decodes to a string that no UTF-8 file or
terminal can hold. `loads` refuses all of these with one reason a reader can put after a file
name.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["JSONProblem", "loads"]


class JSONProblem(ValueError):
    """Why a JSON text was refused: ``detail`` ("nested too deeply", "Expecting value"), and
    ``line`` where the parser knows it (a syntax error; the text did not parse)."""

    def __init__(self, detail: str, line: int | None = None) -> None:
        self.detail = detail
        self.line = line
        super().__init__(self.reason)

    @property
    def reason(self) -> str:
        """The problem as a reader puts it after a file name: "invalid JSON at line 3: ..."."""
        at = f" at line {self.line}" if self.line is not None else ""
        return f"invalid JSON{at}: {self.detail}"


def _no_constant(name: str) -> Any:
    raise JSONProblem(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONProblem(f"the number {text[:20]}{'...' if len(text) > 20 else ''} is too large")
    return value


def _int(text: str) -> int:
    if len(text.lstrip("-")) > 1000:
        raise JSONProblem(f"an integer of {len(text)} digits is too long")
    return int(text)


def _check_strings(data: Any) -> None:
    """Refuse lone surrogates anywhere in the value (iteratively: nesting is already bounded)."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            strings = [item]
        elif isinstance(item, dict):
            strings = list(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
            continue
        else:
            continue
        for s in strings:
            if not s.isascii():
                try:
                    s.encode("utf-8")
                except UnicodeEncodeError as exc:
                    raise JSONProblem(
                        f"a string holds a lone surrogate (\\u{ord(s[exc.start]):04x})"
                    ) from None


def loads(text: str | bytes) -> Any:
    """``json.loads``, refusing what a strict reader must refuse (see the module notes)."""
    try:
        data = json.loads(text, parse_constant=_no_constant, parse_float=_finite, parse_int=_int)
    except JSONProblem:
        raise
    except json.JSONDecodeError as exc:
        raise JSONProblem(exc.msg, exc.lineno) from None
    except RecursionError:
        raise JSONProblem("nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise JSONProblem(str(exc)) from None
    _check_strings(data)
    return data
