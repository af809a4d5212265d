"""Why a request is not in a recording: what changed since it was recorded, in words.

The new request is set against the closest recorded one not yet replayed (same route, same story
and region when both carry localize's origin header). The origin header names the template
(name, version, text digest), story and profile; the body shows the model, the parameters and
the first message that differs, with a short line diff.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from localize.prompting._origin import RequestOrigin

__all__ = ["Mismatch", "describe_mismatch"]

_DIFF_LINES = 8
_LINE_CHARS = 160
_CONTEXT_WORDS = 6


@dataclass(frozen=True)
class Mismatch:
    """One request the recording did not have, and what differs from its closest recording."""

    request: str
    changes: tuple[str, ...]
    diff: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        return f"{self.request}: {'; '.join(self.changes)}"

    def report(self) -> str:
        lines = [f"{self.request}:"]
        lines += [f"  - {change}" for change in self.changes]
        lines += [f"      {line}" for line in self.diff]
        return "\n".join(lines)


def _json(body: object) -> Any:
    if body is None:
        return None
    try:
        return json.loads(body)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _path(request: Any) -> str:
    return urlsplit(str(request.uri)).path


def _messages(body: Any) -> list[Any]:
    messages = body.get("messages") if isinstance(body, dict) else None
    return messages if isinstance(messages, list) else []


def _differences(old: Any, new: Any) -> int:
    if not isinstance(old, dict) or not isinstance(new, dict):
        return 0 if old == new else 1_000
    keys = sum(bool(old.get(k) != new.get(k)) for k in (old.keys() | new.keys()) - {"messages"})
    old_messages, new_messages = _messages(old), _messages(new)
    messages = sum(bool(a != b) for a, b in zip(old_messages, new_messages, strict=False))
    return keys + messages + abs(len(old_messages) - len(new_messages))


def _closest(request: Any, recorded: Sequence[Any], played: Collection[int]) -> int | None:
    origin = RequestOrigin.from_headers(request.headers)
    body = _json(request.body)
    candidates = [
        i
        for i, r in enumerate(recorded)
        if i not in played and r.method == request.method and _path(r) == _path(request)
    ]

    def distance(i: int) -> tuple[int, int, int]:
        other = RequestOrigin.from_headers(recorded[i].headers)
        same_job = (
            origin is not None
            and other is not None
            and (other.story, other.region) == (origin.story, origin.region)
        )
        return (0 if same_job else 1, _differences(_json(recorded[i].body), body), i)

    return min(candidates, key=distance, default=None)


def _origin_changes(old: RequestOrigin | None, new: RequestOrigin | None) -> list[str]:
    if old is None or new is None:
        return []
    changes = []
    if old.template != new.template:
        changes.append(f"template: recorded {old.template_label}, now '{new.template}'")
    elif old.template_version != new.template_version:
        changes.append(
            f"template '{new.template}': recorded at version {old.template_version}, "
            f"now {new.template_version}"
        )
    elif old.template_sha256 != new.template_sha256:
        changes.append(
            f"template {new.template_label}: its text changed since the recording "
            "(same name and version)"
        )
    if old.story != new.story:
        changes.append(f"story: recorded '{old.story}', now '{new.story}'")
    elif old.story_sha256 != new.story_sha256:
        changes.append(f"story '{new.story}': its text changed since the recording")
    if old.region != new.region:
        changes.append(f"region: recorded '{old.region}', now '{new.region}'")
    elif old.profile_sha256 != new.profile_sha256:
        changes.append(f"profile '{new.region}': changed since the recording")
    return changes


def _content(message: Any) -> str:
    content = message.get("content") if isinstance(message, dict) else message
    return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)


def _line_diff(old: str, new: str) -> list[str]:
    """The changed lines; a line changed in place shows the words that differ, with a few words
    around them, so a change deep in a long paragraph ("76 experts" -> "77") is not cut off."""
    a, b = old.splitlines(), new.splitlines()
    lines: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            for was, now in zip(a[i1:i2], b[j1:j2], strict=True):
                lines += _word_diff(was, now)
            continue
        lines += [f"-{line}"[:_LINE_CHARS] for line in a[i1:i2]]
        lines += [f"+{line}"[:_LINE_CHARS] for line in b[j1:j2]]
    if len(lines) > _DIFF_LINES:
        lines = [*lines[:_DIFF_LINES], f"... ({len(lines) - _DIFF_LINES} more changed lines)"]
    return lines


def _word_diff(old: str, new: str) -> list[str]:
    """One line per changed run of words: ``…words before [-recorded-] [+now+] words after…``."""
    a, b = old.split(), new.split()
    out: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        before = " ".join(a[max(0, i1 - _CONTEXT_WORDS) : i1])
        after = " ".join(a[i2 : i2 + _CONTEXT_WORDS])
        was = f"[-{' '.join(a[i1:i2])}-] " if i2 > i1 else ""
        now = f"[+{' '.join(b[j1:j2])}+] " if j2 > j1 else ""
        out.append(f"~…{before} {was}{now}{after}…"[: _LINE_CHARS * 2])
    return out


def _parameter(name: str, old: Any, new: Any) -> str:
    if isinstance(old, dict | list) or isinstance(new, dict | list):
        return name
    return f"{name} {old!r} -> {new!r}"


def _body_changes(old: Any, new: Any) -> tuple[list[str], list[str]]:
    if not isinstance(old, dict) or not isinstance(new, dict):
        return ["the request body changed"], []
    changes = []
    if old.get("model") != new.get("model"):
        changes.append(f"model: recorded {old.get('model')!r}, now {new.get('model')!r}")
    params = sorted(
        k for k in (old.keys() | new.keys()) - {"model", "messages"} if old.get(k) != new.get(k)
    )
    if params:
        changes.append(
            "parameters changed: "
            + ", ".join(_parameter(k, old.get(k), new.get(k)) for k in params)
        )
    diff: list[str] = []
    old_messages, new_messages = _messages(old), _messages(new)
    for i, (a, b) in enumerate(zip(old_messages, new_messages, strict=False)):
        if a != b:
            role = b.get("role", "?") if isinstance(b, dict) else "?"
            changes.append(f"message {i + 1} ({role}) differs from the recording")
            diff = _line_diff(_content(a), _content(b))
            break
    if len(old_messages) != len(new_messages):
        changes.append(
            f"the recording has {len(old_messages)} message(s) here, this request "
            f"{len(new_messages)} (an earlier answer or its check findings differ)"
        )
    return changes, diff


def describe_mismatch(request: Any, recorded: Sequence[Any], played: Collection[int]) -> Mismatch:
    """What differs between ``request`` and the closest of ``recorded`` not in ``played``."""
    origin = RequestOrigin.from_headers(request.headers)
    label = f"{request.method} {_path(request)}"
    if origin is not None:
        label += (
            f" for story '{origin.story}', region '{origin.region}' "
            f"(template {origin.template_label})"
        )
    index = _closest(request, recorded, played)
    if index is None:
        same_route = sum(
            r.method == request.method and _path(r) == _path(request) for r in recorded
        )
        if not same_route:
            return Mismatch(label, (f"the recording has no {request.method} request to this path",))
        return Mismatch(
            label,
            (
                f"all {same_route} recorded request(s) to this path were replayed already: "
                "the run now makes more requests than when it was recorded",
            ),
        )
    old = recorded[index]
    old_origin = RequestOrigin.from_headers(old.headers)
    changes = _origin_changes(old_origin, origin)
    body_changes, diff = _body_changes(_json(old.body), _json(request.body))
    if old_origin is not None and origin is not None and not changes and body_changes:
        body_changes.append(
            "template, story and profile are as recorded: a localize upgrade, a setting "
            "(such as the context window) or an earlier answer changed the request"
        )
    changes += body_changes
    if urlsplit(old.uri).query != urlsplit(request.uri).query:
        changes.append("the query string differs from the recording")
    changes = changes or ["the request differs from the recording"]
    return Mismatch(label, tuple(changes), tuple(diff))
