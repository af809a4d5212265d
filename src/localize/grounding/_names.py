"""Named bodies and laws in running text: the capitalised phrase around a name, and where
an acronym is spelled out ("National Cyber Security Centre (NCSC)").

Shared by the facts derived from a story or profile (their acronym expansions) and the
``institution`` check (the names a section gives)."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from localize.regions import RegionProfile
from localize.text import ACRONYM_ONLY, PAREN_ACRONYM, is_capitalised, leading_run
from localize.text._words import NAME_TOKEN

__all__ = [
    "CONNECTORS",
    "NAME_TOKEN",
    "YEAR",
    "FirstWords",
    "entry_names",
    "expansions",
    "find_whole",
    "gap_is_space",
    "iter_led",
    "iter_whole",
    "name_end",
    "name_start",
    "names_in",
    "spaced_alternation",
    "strip_possessive",
    "whole_name",
]

YEAR = re.compile(r"(?:19|20)\d\d")
CONNECTORS = frozenset({"of", "for", "on", "and", "the"})


def names_in(text: str, names: Iterable[str]) -> bool:
    """Whether ``text`` names any of ``names`` whole, not inside a longer word or hyphenation."""
    # The plain substring test first: most names are not in a text at all, and ``in`` is far
    # cheaper than any regex search.
    return any(n in text and find_whole(whole_name(n), text) is not None for n in names)


@lru_cache(maxsize=4096)
def whole_name(name: str, *, spaced: bool = False) -> re.Pattern[str]:
    """A name's pattern for `find_whole`, which tests the start of the name itself; ``spaced``:
    any whitespace between its words (see `spaced_alternation`)."""
    # Kept here: the profiles' names outnumber the re module's own cache of 512 patterns.
    return re.compile(rf"{spaced_alternation((name,)) if spaced else re.escape(name)}(?![\w-])")


# What may not stand before a whole name: a word character or a hyphen.
_JOINED_BEFORE = re.compile(r"[\w-]")


def find_whole(pattern: re.Pattern[str], text: str, pos: int = 0) -> re.Match[str] | None:
    r"""The first match of ``pattern`` at or after ``pos`` that follows no word character or
    hyphen: what ``(?<![\w-])`` in front of the pattern finds, and sooner.

    Led by a lookbehind, a pattern is tried at every offset of the text; led by its names (a
    literal, or an alternation of literals), the regex engine skips to where one of their first
    characters stands. A match whose start fails the test is one the lookbehind would have
    refused whichever name matched, so the search goes on from the next offset.
    """
    while (m := pattern.search(text, pos)) is not None:
        start = m.start()
        if not start or _JOINED_BEFORE.match(text, start - 1) is None:
            return m
        pos = start + 1
    return None


def iter_whole(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Every match `find_whole` finds, left to right, as ``finditer`` gives them (the patterns
    here never match an empty string)."""
    pos = 0
    while (m := find_whole(pattern, text, pos)) is not None:
        yield m
        pos = max(m.end(), m.start() + 1)


def spaced_alternation(names: Iterable[str]) -> str:
    """The names as one alternation, in the order given, each matching with any whitespace
    between its words (a name wrapped across lines is the same name)."""
    return "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in names)


_WORD_RUN = re.compile(r"\w+")  # as `word_runs` reads them, walked here with their offsets


def iter_led(pattern: re.Pattern[str], leads: frozenset[str], text: str) -> list[re.Match[str]]:
    r"""What ``pattern.finditer(text)`` finds, for a pattern of whole names (led by
    ``(?<![\w-])``, each name followed by no word character) whose names' leading runs are
    ``leads``: it is tried only where such a run starts in the text, not at every offset.

    A match starts at a maximal run of word characters, the leading run of the name it
    matched (see `FirstWords`), so no other offset can start one; a match found where the plain
    search would try it first is the one it finds, and the search goes on from its end.
    """
    found: list[re.Match[str]] = []
    pos = 0
    for run in _WORD_RUN.finditer(text):
        start = run.start()
        if start < pos or run.group() not in leads:
            continue
        m = pattern.match(text, start)
        if m is not None:
            found.append(m)
            pos = max(m.end(), start + 1)
    return found


@dataclass(frozen=True, slots=True)
class FirstWords:
    """Which of a list of names (or of groups of names) a text may hold whole.

    A name matched whole (after no word character, as written, before no word character) starts
    at a maximal run of word characters in the text, and that run is the name's own leading run
    (the name's next character, a space or a full stop, or the text's after a one-word name,
    is no word character). So a text whose runs (`word_runs`) miss a name's leading run cannot
    hold it: a set lookup rules out most of a profile's names before any regex is tried. A name
    that starts with no word character is always a candidate.
    """

    by_word: dict[str, tuple[int, ...]]  # leading run -> indices of the names (groups) it leads
    always: tuple[int, ...]  # names that start with no word character

    @classmethod
    def of(cls, groups: Sequence[Iterable[str]]) -> FirstWords:
        """The index of ``groups``: each a group of names, found when any of them may be."""
        by_word: dict[str, list[int]] = {}
        always: list[int] = []
        for i, names in enumerate(groups):
            for name in names:
                lead = leading_run(name)
                if lead is None:
                    always.append(i)
                else:
                    by_word.setdefault(lead, []).append(i)
        return cls({w: tuple(dict.fromkeys(ix)) for w, ix in by_word.items()}, tuple(always))

    def candidates(self, runs: frozenset[str]) -> list[int]:
        """The indices, in order, of the groups a text with these word runs may hold."""
        found = set(self.always)
        for word in runs & self.by_word.keys():
            found.update(self.by_word[word])
        return sorted(found)


@lru_cache(maxsize=64)
def entry_names(profile: RegionProfile) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each name of the profile's bodies and laws, paired with every name of the same entry."""
    named: list[tuple[str, tuple[str, ...]]] = []
    for names in (
        *((i.name, i.acronym, *i.aliases) for i in profile.institutions),
        *((law.name, law.short_name, *law.aliases) for law in profile.laws),
    ):
        given = tuple(n for n in names if n)
        named.extend((n, given) for n in given)
    return tuple(named)


def expansions(text: str) -> Iterator[tuple[str, str]]:
    """(acronym, name) for every "Name Of Body (ACR)" in a text."""
    # A name and its acronym share a line (`name_start` stops at a line break), and no token
    # spans one: the tokens before the bracket are its line's, read once per line, and the line
    # is found going forward, so a long one-line text with many acronyms stays linear.
    line = line_end = -1
    tokens: list[re.Match[str]] = []
    starts: list[int] = []
    for m in PAREN_ACRONYM.finditer(text):
        at = m.start()
        if at < 2 or text[at - 1] != " ":
            continue
        if at > line_end:
            line = text.rfind("\n", max(line_end, 0), at) + 1
            found = text.find("\n", at)
            line_end = len(text) if found < 0 else found
            tokens = list(NAME_TOKEN.finditer(text, line, line_end))
            starts = [t.start() for t in tokens]
        k = bisect_left(starts, at) - 1
        if k < 0 or tokens[k].end() != at - 1:
            continue
        first = name_start(text, tokens, k)
        if first < k:
            yield m.group(1), text[tokens[first].start() : tokens[k].end()]


def gap_is_space(text: str, a: re.Match[str], b: re.Match[str]) -> bool:
    gap = text[a.end() : b.start()]
    return bool(gap) and gap.isspace() and "\n" not in gap


def name_start(text: str, tokens: list[re.Match[str]], k: int) -> int:
    """Index of the first token of the capitalised name phrase that ends at token ``k``."""
    first = k
    j = k - 1
    while j >= 0 and gap_is_space(text, tokens[j], tokens[j + 1]):
        word = tokens[j].group()
        if is_capitalised(word):
            first = j
        elif word in CONNECTORS and j > 0 and gap_is_space(text, tokens[j - 1], tokens[j]):
            before = tokens[j - 1].group()
            # "the" only inside a name ("Office of the Australian ..."), never before one.
            if word == "the" and before not in ("of", "for", "on"):
                break
            if word != "the" and not is_capitalised(before):
                break
        else:
            break
        j -= 1
    return first


def name_end(text: str, tokens: list[re.Match[str]], k: int) -> int:
    """Index of the last token of a name whose head is token ``k`` ("Bureau of Industry ...")."""
    j = k + 1
    if (
        j < len(tokens)
        and gap_is_space(text, tokens[k], tokens[j])
        and YEAR.fullmatch(tokens[j].group())
    ):
        return j  # Computer Misuse Act 1990
    if not (
        j < len(tokens)
        and tokens[j].group() in ("of", "for", "on")
        and gap_is_space(text, tokens[k], tokens[j])
    ):
        return k
    last = k
    prev = ""
    while j < len(tokens):
        word = tokens[j].group()
        gap = text[tokens[j - 1].end() : tokens[j].start()]
        if "\n" in gap or not (gap.isspace() or (gap.strip() == "," and is_capitalised(word))):
            break
        if is_capitalised(word):
            if prev == "and" and ACRONYM_ONLY.fullmatch(word):
                break  # "Department of Homeland Security and CISA": two bodies
            last = j
        elif word == "the":
            if prev not in ("of", "for", "on"):
                break  # "... and Trade and the Home Office": the next body
        elif word not in CONNECTORS or prev in CONNECTORS:
            break
        prev = word
        j += 1
    return last


def strip_possessive(word: str) -> str:
    return word[:-2] if word.endswith(("'s", "\u2019s")) else word
