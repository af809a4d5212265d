"""Text primitives: sentences, word folding, word spans, acronyms and citations; one idea of a
word."""

from __future__ import annotations

from localize.text._acronyms import ACRONYM, ACRONYM_ONLY, ACRONYM_WORD, PAREN_ACRONYM
from localize.text._citations import Citation, join_cited, strip_markers
from localize.text._lemmas import STOPWORDS, content_lemmas, is_common_word, lemma
from localize.text._sentences import (
    Sentence,
    split_sentences,
    story_paragraph_sentences,
    story_sentences,
)
from localize.text._word_spans import WordSpan, word_index, word_spans
from localize.text._wordfold import fold, fold_tokens, is_capitalised, sentence_initial, word_set
from localize.text._words import leading_run, word_runs

__all__ = [
    "ACRONYM",
    "ACRONYM_ONLY",
    "ACRONYM_WORD",
    "PAREN_ACRONYM",
    "STOPWORDS",
    "Citation",
    "Sentence",
    "WordSpan",
    "content_lemmas",
    "fold",
    "fold_tokens",
    "is_capitalised",
    "is_common_word",
    "join_cited",
    "leading_run",
    "lemma",
    "sentence_initial",
    "split_sentences",
    "story_paragraph_sentences",
    "story_sentences",
    "strip_markers",
    "word_index",
    "word_runs",
    "word_set",
    "word_spans",
]
