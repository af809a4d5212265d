"""Citations: which numbered story sentences a piece of a section says it rests on.

A model cites in one of two ways, and both end up as `Citation` spans over the section body,
with the markers kept out of the body itself:

- structured output: each sentence with its source ids (``{"text": ..., "sources": [3, 5]}``);
- plain text: inline markers after a sentence, ``[3]``, ``[3, 5]``, ``[3][5]``, ``[3-5]`` or
  ``[S3]``. An editor's bracketed insertion (``[cybersecurity]``) is not a marker.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Citation", "join_cited", "strip_markers"]

# The most sentences a range marker may span. Numbers have at most three digits, so "[2019]"
# and "[2019-2024]" (years) are never markers.
_MAX_RANGE = 12


@dataclass(frozen=True, slots=True)
class Citation:
    """Story sentence numbers cited for the body text between ``start`` and ``end``.

    An inline marker cites the text before it: its span is empty, at the marker's position.
    """

    start: int
    end: int
    sources: tuple[int, ...]


_MARKER = re.compile(
    r"[ \t]?\[(?:S|s)?(\d{1,3}(?:\s*(?:,|;|-|\u2013)\s*(?:S|s)?\d{1,3})*)\]"
    r"(?:\[(?:S|s)?\d{1,3}(?:\s*(?:,|;|-|\u2013)\s*(?:S|s)?\d{1,3})*\])*"
)
_NUMBER = re.compile(r"\d+|[-\u2013]")


def _numbers(marker: str) -> tuple[int, ...] | None:
    out: list[int] = []
    dash = False
    for tok in _NUMBER.findall(marker):
        if tok in "-\u2013":
            dash = True
            continue
        n = int(tok)
        if dash and out:
            lo = out[-1]
            if not 0 < n - lo <= _MAX_RANGE:
                return None  # "[2019-2024]": years, not a range of sentences
            out.extend(range(lo + 1, n + 1))
        else:
            out.append(n)
        dash = False
    if not out or any(n < 1 for n in out):
        return None
    return tuple(dict.fromkeys(out))


def strip_markers(text: str) -> tuple[str, tuple[Citation, ...]]:
    """Remove inline citation markers; return the clean text and where each marker stood."""
    parts: list[str] = []
    citations: list[Citation] = []
    pos = 0
    length = 0
    for m in _MARKER.finditer(text):
        numbers = _numbers(m.group())
        if numbers is None:
            continue
        parts.append(text[pos : m.start()])
        length += m.start() - pos
        citations.append(Citation(length, length, numbers))
        pos = m.end()
    parts.append(text[pos:])
    return "".join(parts), tuple(citations)


def join_cited(
    paragraphs: Sequence[Iterable[tuple[str, Sequence[int]]]],
) -> tuple[str, tuple[Citation, ...]]:
    """Build a body from cited sentences, paragraph by paragraph, with one span per sentence.

    Inline markers a model also wrote inside a sentence's text are taken out and kept too.
    """
    body = ""
    citations: list[Citation] = []
    for paragraph in paragraphs:
        sentences = [(t, s) for t, s in paragraph if t.strip()]
        if not sentences:
            continue
        if body:
            body += "\n\n"
        for i, (text, sources) in enumerate(sentences):
            clean, inline = strip_markers(" ".join(text.split()))
            if i:
                body += " "
            start = len(body)
            body += clean
            ids = tuple(dict.fromkeys([*sources, *(n for c in inline for n in c.sources)]))
            citations.append(Citation(start, len(body), tuple(n for n in ids if n >= 1)))
    return body, tuple(citations)
