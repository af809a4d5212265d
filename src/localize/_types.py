"""Types shared along the flow: a chat message and the structured-output modes."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["STRUCTURED_MODES", "ChatMessage", "StructuredMode"]

ChatMessage = dict[str, str]
StructuredMode = Literal["auto", "json_schema", "json_object", "text"]
STRUCTURED_MODES: tuple[StructuredMode, ...] = get_args(StructuredMode)
