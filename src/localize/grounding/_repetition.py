"""The ``repetition`` check: a repeated sentence, or a run of 8+ words that occurs twice."""

from __future__ import annotations

import re
from collections.abc import Iterator

from localize.grounding._context import CheckContext
from localize.grounding._findings import Finding
from localize.text import fold_tokens
from localize.text._words import APOSTROPHES, TEXT_WORD

__all__ = ["check_repetition"]

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"'\u201d\u2019)]*|\n|\Z)")
_MIN_SENTENCE_WORDS = 4
_RUN_WORDS = 8


def _check_repetition(body: str) -> Iterator[Finding]:
    seen_sentences: dict[str, int] = {}
    repeated: list[str] = []
    for m in _SENTENCE.finditer(body):
        key = " ".join(fold_tokens(m.group()))
        if len(key.split()) < _MIN_SENTENCE_WORDS:
            continue
        count = seen_sentences.get(key, 0) + 1
        seen_sentences[key] = count
        if count == 2:
            repeated.append(key)
            text = m.group().strip()
            yield Finding("repetition", "error", f'The sentence "{text}" is repeated.', text)

    words = list(TEXT_WORD.finditer(body))
    folded = [w.group().lower().translate(APOSTROPHES) for w in words]
    first_at: dict[tuple[str, ...], int] = {}
    i = 0
    while i + _RUN_WORDS <= len(folded):
        gram = tuple(folded[i : i + _RUN_WORDS])
        j = first_at.setdefault(gram, i)
        if j == i:
            i += 1
            continue
        n = _RUN_WORDS
        while i + n < len(folded) and folded[j + n] == folded[i + n]:
            n += 1
        run = " ".join(folded[i : i + n])
        if not any(run in sentence for sentence in repeated):
            repeated.append(run)  # a third occurrence is the same fault
            text = body[words[i].start() : words[i + n - 1].end()]
            yield Finding("repetition", "error", f'The passage "{text}" is repeated.', text)
        i += n


def check_repetition(ctx: CheckContext) -> Iterator[Finding]:
    return _check_repetition(ctx.body)
