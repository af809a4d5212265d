"""Sentences: news prose split into numbered sentences with their character spans.

The prompt numbers the story's sentences ([1], [2], ...) so a model can cite them, and the
checks link each section sentence to the story sentences it rests on. The numbering depends on
the story alone (headline first, then the paragraphs in order), so it is identical for every
region and the prompt's shared prefix stays shared; a story trimmed to fit a window keeps the
numbers of the sentences it keeps, since only trailing paragraphs are dropped.

The splitter is a rule-based one written for news copy (abbreviations, initials, decimals,
quotes closing after the full stop). pysbd does the same job but costs 1 to 3 ms a paragraph,
which alone would spend the checks' whole time budget on one section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from localize.story import Story
from localize.text._wordfold import word_set

__all__ = ["Sentence", "split_sentences", "story_paragraph_sentences", "story_sentences"]


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence: its number (1-based, in reading order), text and span in the source text."""

    number: int
    text: str
    start: int
    end: int
    paragraph: int


# A candidate boundary: sentence-ending punctuation, closing quotes or brackets, then space.
# The lookbehind starts a run of stops only at its first: "....." without a space after it is
# tried once, not once per dot (quadratic in the run's length).
_BOUNDARY = re.compile(r"(?<![.!?\u2026])[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s)")
_NEXT_STARTS_SENTENCE = re.compile(r"\s+[\"'\u201c\u2018(\[]*[A-Z0-9\u00c0-\u00de]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*(?:\n[ \t]*)+|\n(?=[ \t]*(?:[-*\u2022]|\d+[.)])\s)")
# Words after which a full stop does not end a sentence.
_ABBREVIATIONS = word_set(
    """
    mr mrs ms dr prof st jr sr inc ltd co corp plc vs etc eg ie al gen gov sen rep col lt
    capt sgt fig no nos vol pp approx dept est jan feb mar apr jun jul aug sep sept oct nov dec
    """
)
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)\Z")
# How far back the word before a full stop is looked for: a bounded search, not one from the
# text's start for every stop.
_WORD_WINDOW = 80
# A "sentence" longer than this (a page with no full stop, a run of names or numbers) is cut at
# a space: every check walks a sentence word by word, and a megabyte-long one would make that
# work grow with the square of the story. News sentences run to a few hundred characters.
MAX_SENTENCE_CHARS = 2000


def _ends_sentence(text: str, dot: int) -> bool:
    """Whether the punctuation at ``dot`` (a full stop) really closes a sentence."""
    m = _WORD_BEFORE.search(text, max(0, dot - _WORD_WINDOW), dot)
    if m is None:
        return True
    word = m.group(1)
    if word.lower().rstrip(".") in _ABBREVIATIONS:
        return False
    # Initials and dotted abbreviations: "J. Smith", "U.S.", "e.g." -- a single letter before
    # the dot, or dots inside the word.
    return not (len(word) == 1 and word.isupper()) and "." not in word


def _spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = start
    for m in _BOUNDARY.finditer(text, start, end):
        if not _NEXT_STARTS_SENTENCE.match(text, m.end(), end):
            continue
        single_stop = text[m.start()] == "." and len(m.group().rstrip("\"'\u201d\u2019)]")) == 1
        if single_stop and not _ends_sentence(text, m.start()):
            continue
        spans.append((pos, m.end()))
        pos = m.end()
    spans.append((pos, end))
    out: list[tuple[int, int]] = []
    for a, b in _capped(text, spans):
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out


def _capped(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans longer than MAX_SENTENCE_CHARS cut at the last space before the limit."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        while b - a > MAX_SENTENCE_CHARS:
            cut = text.rfind(" ", a + 1, a + MAX_SENTENCE_CHARS)
            cut = cut if cut > a else a + MAX_SENTENCE_CHARS
            out.append((a, cut))
            a = cut
        out.append((a, b))
    return out


def split_sentences(
    text: str, *, first_number: int = 1, first_paragraph: int = 0
) -> list[Sentence]:
    """Split ``text`` into sentences; blank lines and list items also end a sentence."""
    sentences: list[Sentence] = []
    paragraph = first_paragraph
    pos = 0
    for brk in (*_PARAGRAPH_BREAK.finditer(text), None):
        stop = brk.start() if brk else len(text)
        for a, b in _spans(text, pos, stop):
            sentences.append(Sentence(first_number + len(sentences), text[a:b], a, b, paragraph))
        if brk is not None:
            if brk.group().count("\n") > 1:
                paragraph += 1
            pos = brk.end()
    return sentences


@lru_cache(maxsize=64)
def _numbered(
    headline: str | None, paragraphs: tuple[str, ...]
) -> tuple[tuple[Sentence, ...], ...]:
    blocks = ([headline] if headline else []) + list(paragraphs)
    out: list[tuple[Sentence, ...]] = []
    number = 1
    for i, block in enumerate(blocks):
        sentences = tuple(
            Sentence(s.number, s.text, s.start, s.end, i)
            for s in split_sentences(" ".join(block.split()), first_number=number)
        )
        number += len(sentences)
        out.append(sentences)
    return tuple(out)


def story_paragraph_sentences(story: Story) -> tuple[tuple[Sentence, ...], ...]:
    """The story's numbered sentences per block: the headline (if any), then each paragraph.

    Spans are offsets within the block's text with its whitespace collapsed.
    """
    return _numbered(story.headline, story.paragraphs)


def story_sentences(story: Story) -> tuple[Sentence, ...]:
    """Every numbered sentence of the story, headline first."""
    return tuple(s for block in story_paragraph_sentences(story) for s in block)
