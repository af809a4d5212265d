"""Word folding for matching section text against story text: case, apostrophes, punctuation."""

from __future__ import annotations

from localize.text._words import APOSTROPHES, FOLD_WORD

__all__ = ["fold", "fold_tokens", "is_capitalised", "sentence_initial", "word_set"]

_SENTENCE_END = ".!?:\n"
_SENTENCE_LEAD = " \t\"'\u201c\u2018([*\u2022-\u2013\u2014"


# The characters APOSTROPHES drops, dropped with str.replace: str.translate walks a text that
# is not pure ASCII (curly quotes make most news so) a character at a time through its table,
# about twenty times slower on a story than four replaces.
_APOSTROPHE_CHARS = tuple(map(chr, APOSTROPHES))


def fold_tokens(text: str) -> list[str]:
    """Lower-case word tokens with apostrophes dropped, so matching ignores case, punctuation
    and quote style (curly "Anthropic's" == "anthropic's" == "anthropics")."""
    text = text.lower()
    for c in _APOSTROPHE_CHARS:
        if c in text:
            text = text.replace(c, "")
    return FOLD_WORD.findall(text)


def fold(text: str) -> str:
    """Folded tokens framed by spaces, so ``" x y " in fold(t)`` is a whole-word search."""
    return " " + " ".join(fold_tokens(text)) + " "


def sentence_initial(text: str, start: int) -> bool:
    """Whether the word at ``start`` begins a sentence (after quotes, brackets, bullets)."""
    before = text[:start].rstrip(_SENTENCE_LEAD)
    return not before or before[-1] in _SENTENCE_END


def is_capitalised(word: str) -> bool:
    """A name's word: "Anthropic", and "eSafety" or "iPhone" too."""
    return word[:1].isupper() or (len(word) > 1 and word[0].islower() and word[1].isupper())


def word_set(words: str) -> frozenset[str]:
    """A set from a whitespace-separated word list (long lists read better as a block)."""
    return frozenset(words.split())
