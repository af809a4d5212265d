"""The ``length`` check: a body outside the template's word bounds."""

from __future__ import annotations

import re
from collections.abc import Iterator

from localize.grounding._context import CheckContext
from localize.grounding._findings import Finding

__all__ = ["check_length"]


# Chinese, Japanese and Korean script, written without spaces between words.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_CJK_CHARS_PER_WORD = 2  # a Japanese or Chinese word averages about two characters


def _word_count(body: str) -> int:
    """Words, with text in a script that has no spaces counted at two characters a word."""
    cjk = len(_CJK.findall(body))
    return len(_CJK.sub(" ", body).split()) + cjk // _CJK_CHARS_PER_WORD


def _check_length(body: str, min_words: int | None, max_words: int | None) -> Iterator[Finding]:
    n = _word_count(body)
    if min_words is not None and n < min_words:
        yield Finding(
            "length", "error", f"The section is {n} words long; write at least {min_words} words."
        )
    elif max_words is not None and n > max_words:
        yield Finding(
            "length", "error", f"The section is {n} words long; write at most {max_words} words."
        )


def check_length(ctx: CheckContext) -> Iterator[Finding]:
    return _check_length(ctx.body, ctx.min_words, ctx.max_words)
