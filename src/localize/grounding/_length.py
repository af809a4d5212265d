"""The ``length`` check: a body outside the template's word bounds."""

from __future__ import annotations

from collections.abc import Iterator

from localize.grounding._context import CheckContext
from localize.grounding._findings import Finding

__all__ = ["check_length"]


def _check_length(body: str, min_words: int | None, max_words: int | None) -> Iterator[Finding]:
    n = len(body.split())
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
