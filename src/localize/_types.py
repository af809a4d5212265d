"""Types shared along the flow: a chat message and the structured-output modes."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["STATUSES", "STRUCTURED_MODES", "ChatMessage", "Status", "StructuredMode"]

ChatMessage = dict[str, str]
StructuredMode = Literal["auto", "json_schema", "json_object", "text"]
STRUCTURED_MODES: tuple[StructuredMode, ...] = get_args(StructuredMode)
# What became of one (story, region) job: a section that passed the checks, a section with check
# errors left (returned for review, never ok), or no section at all.
Status = Literal["passed", "flagged", "failed"]
STATUSES: tuple[Status, ...] = get_args(Status)
