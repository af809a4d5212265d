"""Lemmas: one form for a word's inflections ("raised", "raises" -> "raise"; "controls" ->
"control"), from lemminflect's tables (shipped inside its wheel; nothing is downloaded).

Used where two texts must be compared word for word whatever the inflection: a remit a section
gives a body against the profile's, a section sentence against the story sentence it rests on.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

from lemminflect import getAllLemmas  # type: ignore[import-untyped, unused-ignore]

from localize.text._wordfold import word_set
from localize.text._words import CONTENT_WORD, bare_word

__all__ = ["STOPWORDS", "content_lemmas", "is_common_word", "lemma", "lemma_words"]

# Function words, left out when texts are compared by their content (the sentence aligner's and
# the paraphrase and remit checks' one list).
STOPWORDS = word_set(
    """
    a about above after again against all also am an and any are as at be been before being
    below between both but by can could did do does doing down during each even ever every few
    for from further had has have having he her here hers him his how i if in into is it its
    itself just like made make makes many may me might more most much must my no nor not now of
    off on once only or other our out over own per said same say says she should since so some
    still such than that the their them then there these they this those through to too under
    until up upon us very was we were what when where whether which while who whom whose why
    will with within without would yet you your one two new way ways well across among according
    """
)
# Parts of speech tried in order: a word that is both ("controls", "cut") gets its verb lemma in
# every text alike, which is all a comparison needs.
_POS_ORDER = ("VERB", "NOUN", "ADJ", "ADV")


@lru_cache(maxsize=4096)
def _lexicon(word: str) -> Mapping[str, tuple[str, ...]]:
    """lemminflect's lemmas of ``word`` by part of speech, looked up once per word: `lemma`,
    `is_common_word` and `word_root` each asked for the same words, and lemminflect deep-copies
    every answer. Read-only, since it is shared. Small: the three ask about a word at about the
    same time, and each keeps its own answers longer."""
    return MappingProxyType(getAllLemmas(word))


@lru_cache(maxsize=16384)
def lemma(word: str) -> str:
    w = bare_word(word)
    if not w or w[0].isdigit():
        return w
    found = _lexicon(w)
    for pos in _POS_ORDER:
        if pos in found:
            return str(found[pos][0])
    return w


@lru_cache(maxsize=16384)
def is_common_word(word: str) -> bool:
    """Whether lemminflect's English lexicon holds the word: "Expert" and "Committee" are
    common words written with a capital, "Paris" and "Johnson" are not in it and are names."""
    return bool(_lexicon(bare_word(word)))


def lemma_words(text: str) -> list[tuple[int, int, str]]:
    """(start, end, lemma) for every word of ``text``."""
    return [(m.start(), m.end(), lemma(m.group())) for m in CONTENT_WORD.finditer(text)]


def content_lemmas(text: str) -> frozenset[str]:
    """The lemmas of a text's content words (stop words dropped)."""
    return frozenset(
        lemma(w) for w in CONTENT_WORD.findall(text) if w.lower().strip("'\u2019") not in STOPWORDS
    )


# Derivations back to the word they are made from: a noun made from a verb ("reduction",
# "approval", "growth") or from an adjective ("weakness", "stability"). Each suffix with the
# endings its root may take, the shortest stem it may leave, and the part of speech the root
# must have in lemminflect's lexicon; the derived word must be only a noun there, so "partial"
# (an adjective) never becomes "party", nor "station" (a verb too) "state", and a stem of two or
# three letters ("mission", "passion", "shoal", "business") is no derivation. Adverbs ("hardly",
# "largely", "shortly") and nouns in "-ity" ("minority", "publicity", "reality") are left out:
# too many of them have drifted from their root's sense, and an opposite of the root would then
# be a false one.
_DERIVATIONS: tuple[tuple[str, tuple[str, ...], int, str], ...] = (
    ("ication", ("y",), 4, "VERB"),
    ("ation", ("ate", "", "e"), 4, "VERB"),
    ("ction", ("ce", "ct"), 4, "VERB"),
    ("ssion", ("ss", "t"), 4, "VERB"),
    ("sion", ("d", "de", "se"), 4, "VERB"),
    ("ion", ("", "e"), 4, "VERB"),
    ("ment", ("",), 4, "VERB"),
    ("ial", ("y",), 3, "VERB"),
    ("al", ("e", ""), 4, "VERB"),
    ("ance", ("", "e"), 4, "VERB"),
    ("ence", ("", "e"), 4, "VERB"),
    ("ure", ("", "e"), 4, "VERB"),
    ("th", ("",), 4, "VERB"),
    ("iness", ("y",), 4, "ADJ"),
    ("ness", ("",), 4, "ADJ"),
    ("ility", ("le",), 2, "ADJ"),
)
_ONLY_A_NOUN = frozenset({"NOUN"})


@lru_cache(maxsize=16384)
def word_root(word: str) -> str | None:
    """The verb or adjective a noun is derived from ("reduction" -> "reduce", "growth" ->
    "grow", "weakness" -> "weak"), or None: a restatement may turn "cut costs" into "a cost
    reduction", and an opposite must be found in either form."""
    noun: bool | None = None
    for suffix, endings, shortest, pos in _DERIVATIONS:
        if not word.endswith(suffix):
            continue
        if len(word) - len(suffix) < shortest:
            return None  # "mission" is no "-ion" noun of "miss" once "-ssion" leaves "mi"
        if noun is None:
            noun = frozenset(_lexicon(word)) == _ONLY_A_NOUN
        if not noun:
            return None
        stem = word[: -len(suffix)]
        for ending in endings:
            root = stem + ending
            if root != word and root in _lexicon(root).get(pos, ()):
                return root
    return None
