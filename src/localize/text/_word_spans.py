"""A sentence's words with their offsets, lower-cased, for walking it word by word."""

from __future__ import annotations

import re

__all__ = ["WordSpan", "word_index", "word_spans"]

WordSpan = tuple[int, int, str]  # start, end, the word lower-cased

_WORD = re.compile(r"[A-Za-z0-9][\w'\u2019.&-]*[\w]|[A-Za-z0-9]")


def word_spans(text: str) -> list[WordSpan]:
    return [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(text)]


def word_index(words: list[WordSpan], pos: int) -> int:
    """The index of the first word at or after ``pos``; ``len(words)`` if none."""
    for i, (a, _, _) in enumerate(words):
        if a >= pos:
            return i
    return len(words)
