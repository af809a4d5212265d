"""`Finding`: one problem a grounding check found in a section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Finding", "Severity"]

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
