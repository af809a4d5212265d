"""A sentence's words with their offsets, lower-cased, for walking it word by word."""

from __future__ import annotations

from bisect import bisect_left

from localize.text._words import SPAN_WORD

__all__ = ["WordSpan", "word_index", "word_spans"]

WordSpan = tuple[int, int, str]  # start, end, the word lower-cased


def word_spans(text: str) -> list[WordSpan]:
    return [(m.start(), m.end(), m.group().lower()) for m in SPAN_WORD.finditer(text)]


def word_index(words: list[WordSpan], pos: int) -> int:
    """The index of the first word at or after ``pos``; ``len(words)`` if none (a binary
    search: ``words`` are in text order)."""
    # ``(pos,)`` sorts before every word starting at ``pos`` and after every one starting
    # before it: tuples compare by their first item first, and a prefix before a longer tuple.
    # No key function to call at every step (a third of the search's time).
    return bisect_left(words, (pos,))
