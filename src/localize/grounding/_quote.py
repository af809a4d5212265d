"""The ``quote`` check: a quoted passage that is not in the story."""

from __future__ import annotations

import re
from collections.abc import Iterator

from localize.grounding._context import CheckContext
from localize.grounding._facts import Facts
from localize.grounding._findings import Finding
from localize.text import fold_tokens

__all__ = ["check_quote", "mask_quotes"]

_DOUBLE_QUOTED = re.compile(r"[\"\u201c\u201d]([^\"\u201c\u201d\n]+)[\"\u201c\u201d]")
# An opening single quote follows no word character and precedes one; a closing one follows a
# non-space and precedes no word character. Apostrophes inside words (Anthropic's, don't, UK's)
# are neither, so they neither open nor close a quote.
_SINGLE_QUOTED = re.compile(
    r"(?<![\w'\u2019\u2018])['\u2018](?=\w)"
    r"((?:[^\n'\u2018\u2019]|(?<=\w)['\u2019](?=\w))+?)"
    r"(?<=\S)['\u2019](?!\w)"
)
_SINGLE_QUOTE_MIN_WORDS = 3
_JSON_KEY_AFTER = re.compile(r"\s*:")
_JSON_VALUE_BEFORE = re.compile(r"[{,]\s*\"[^\"\n]*\"\s*:\s*\Z")
# An editor's [insertion] stands for zero or more of the speaker's words; an ellipsis for an
# elision, which may be longer.
_QUOTE_GAP = re.compile(r"\[[^\]\n]*\]|\.\.\.|\u2026")
_BRACKET_MAX_WORDS = 8
_ELLIPSIS_MAX_WORDS = 60


def _quoted_passages(body: str) -> Iterator[str]:
    for m in _DOUBLE_QUOTED.finditer(body):
        # JSON keys and values ({"body": "..."}) are a leak, reported as one; not quotes.
        if _JSON_KEY_AFTER.match(body, m.end()) or _JSON_VALUE_BEFORE.search(body, 0, m.start()):
            continue
        yield m.group(1)
    for m in _SINGLE_QUOTED.finditer(body):
        if len(m.group(1).split()) >= _SINGLE_QUOTE_MIN_WORDS:
            yield m.group(1)


def _quote_in(quote: str, haystack: str) -> bool:
    pieces: list[str] = []
    gaps: list[int] = []
    pos = 0
    for m in _QUOTE_GAP.finditer(quote):
        pieces.append(" ".join(fold_tokens(quote[pos : m.start()])))
        gaps.append(_BRACKET_MAX_WORDS if m.group().startswith("[") else _ELLIPSIS_MAX_WORDS)
        pos = m.end()
    pieces.append(" ".join(fold_tokens(quote[pos:])))
    if not gaps:
        return f" {pieces[0]} " in haystack
    pattern = ""
    for i, piece in enumerate(pieces):
        if piece:
            pattern += re.escape(" " + piece)
        if i < len(gaps):
            pattern += rf"(?: \S+){{0,{gaps[i]}}}"
    return not pattern or re.search(pattern + " ", haystack) is not None


def _check_quotes(body: str, story: Facts) -> Iterator[Finding]:
    seen: set[str] = set()
    for quote in _quoted_passages(body):
        quote = quote.strip()
        key = " ".join(fold_tokens(quote))
        if not key or key in seen:
            continue
        seen.add(key)
        if not _quote_in(quote, story.folded):
            yield Finding(
                "quote", "error", f'The quote "{quote}" does not appear in the story.', quote
            )


def mask_quotes(text: str) -> str:
    """``text`` with its double-quoted passages blanked out, offsets kept."""
    return _DOUBLE_QUOTED.sub(lambda m: " " * len(m.group()), text)


def check_quote(ctx: CheckContext) -> Iterator[Finding]:
    return _check_quotes(ctx.body, ctx.story_facts)
