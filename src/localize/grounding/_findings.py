"""`Finding`: one problem a grounding check found in a section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Finding", "Severity", "shorten"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem a check found in a section; ``text`` is the span it is about ("" if none)."""

    check: str
    severity: Severity
    message: str
    text: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "check": self.check,
            "severity": self.severity,
            "message": self.message,
            "text": self.text,
        }


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, for quoting it in a message."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"
