"""Story and profile text is data: markers that could end its block or open a chat turn are defused.

Two kinds of marker are neutralised in every value a template prints: the template's own
delimiter tags (``<story>``, ``</story>``, ``<region>``: whatever tags its text uses), and the
control tokens of common chat templates (``<|im_start|>``, ``<|eot_id|>``, ``[INST]``, ``<<SYS>>``,
``<s>``, ``<start_of_turn>`` ...), which llama.cpp and similar servers would otherwise parse as
real special tokens. Their brackets are swapped for look-alikes (angle brackets for single
guillemets U+2039/U+203A, square brackets for U+2045/U+2046, the full-width bar U+FF5C for a broken
bar), so the text still reads the same to a person (and in ``--dry-run``) but no longer matches a
delimiter or a special token.

Markers are looked for in a folded copy of the text: invisible format characters dropped (a
zero-width space in ``</st\u200bory>``, a soft hyphen, a word joiner) and each other non-ASCII
character NFKC-normalised (full-width ``\uff1c/story\uff1e``). A marker found there is
replaced, in the original text, by its folded and defused form; the text around it is untouched.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from functools import lru_cache

__all__ = ["find_markers", "neutralise", "template_tags"]

_SWAP = str.maketrans(
    {"<": "\u2039", ">": "\u203a", "[": "\u2045", "]": "\u2046", "\uff5c": "\u00a6"}
)

# Chat-template control tokens, by family. Matched case-insensitively, with stray spaces.
_CONTROL_TOKENS = (
    # ChatML, Llama 3, Phi, DeepSeek (with full-width bars): <|im_start|>, <|eot_id|>
    "<\\s*[|\uff5c][^<>\\n|\uff5c]{1,48}[|\uff5c]\\s*>",
    r"\[\s*/?\s*(?:INST|SYS|SYSTEM_PROMPT|AVAILABLE_TOOLS|TOOL_CALLS|TOOL_RESULTS)\s*\]",  # Mistral
    r"<<\s*/?\s*SYS\s*>>",  # Llama 2
    r"<\s*/?\s*(?:s|bos|eos|pad|unk|start_of_turn|end_of_turn|think|tool_call)\s*>",
)
# A tag as a template's own text uses it to fence a block: <story>, </region>.
_TAG = re.compile(r"<\s*/?\s*([A-Za-z][\w.-]{0,40})\s*>")


def template_tags(text: str) -> frozenset[str]:
    """The tag names a template's text uses as delimiters (lower-cased)."""
    return frozenset(m.group(1).lower() for m in _TAG.finditer(text))


@lru_cache(maxsize=64)
def _pattern(tags: frozenset[str]) -> re.Pattern[str]:
    parts = list(_CONTROL_TOKENS)
    if tags:
        names = "|".join(re.escape(t) for t in sorted(tags))
        parts.append(rf"<\s*/?\s*(?:{names})\s*/?\s*>")
    return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE)


# Unicode's default-ignorable code points: invisible, so a marker split by one still reads as
# the marker to a person, and may to a tokenizer that drops them.
_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e0fff]"
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


class _Folded:
    """The folded text, and for each of its segments where it starts in the original."""

    def __init__(self, text: str) -> None:
        pieces: list[str] = []
        self.folded_starts: list[int] = []
        self.original_starts: list[int] = []
        self.ascii: list[bool] = []  # an ASCII run maps one to one; else one original char
        at = pos = 0
        for m in _NON_ASCII.finditer(text):
            if m.start() > pos:
                self._add(pieces, text[pos : m.start()], pos, at, True)
                at += m.start() - pos
            for i in range(m.start(), m.end()):
                c = text[i]
                folded = "" if _IGNORABLE.match(c) else unicodedata.normalize("NFKC", c)
                self._add(pieces, folded, i, at, False)
                at += len(folded)
            pos = m.end()
        if pos < len(text):
            self._add(pieces, text[pos:], pos, at, True)
        self.text = "".join(pieces)

    def _add(self, pieces: list[str], folded: str, original: int, at: int, ascii: bool) -> None:
        pieces.append(folded)
        if folded:
            self.folded_starts.append(at)
            self.original_starts.append(original)
            self.ascii.append(ascii)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the folded span ``[start, end)`` (``end > start``)."""
        return self._position(start), self._position(end - 1) + 1

    def _position(self, at: int) -> int:
        k = bisect_right(self.folded_starts, at) - 1
        if self.ascii[k]:
            return self.original_starts[k] + at - self.folded_starts[k]
        return self.original_starts[k]


def _markers(text: str, tags: frozenset[str]) -> Iterator[tuple[int, int, str]]:
    """Each marker's original span and its folded text."""
    pattern = _pattern(tags)
    if text.isascii():  # nothing to fold: the common case, at regex speed
        for m in pattern.finditer(text):
            yield m.start(), m.end(), m.group(0)
        return
    folded = _Folded(text)
    for m in pattern.finditer(folded.text):
        start, end = folded.span(m.start(), m.end())
        yield start, end, m.group(0)


def find_markers(text: str, tags: frozenset[str] = frozenset()) -> list[str]:
    """The delimiters and control tokens in ``text``, in order, as written."""
    return [text[start:end] for start, end, _ in _markers(text, tags)]


def neutralise(text: str, tags: frozenset[str] = frozenset()) -> str:
    """``text`` with every delimiter and control token defused (see the module docstring)."""
    out: list[str] = []
    pos = 0
    for start, end, marker in _markers(text, tags):
        out.append(text[pos:start])
        out.append(marker.translate(_SWAP))
        pos = end
    out.append(text[pos:])
    return "".join(out)
