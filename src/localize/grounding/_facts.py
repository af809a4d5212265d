"""What the token-level checks search in a source: a story's or a profile's figures, dates,
acronyms, names and words (`Facts`), and a profile's names and spelling (`ProfileFacts`)."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from localize.grounding._analysis import per_story
from localize.grounding._dates import KnownDates, scan_quarters
from localize.grounding._figures import Figure, scan_figures
from localize.grounding._names import expansions
from localize.regions import RegionProfile
from localize.story import Story
from localize.text import ACRONYM_ONLY, ACRONYM_WORD, fold, split_sentences, word_set
from localize.text._words import LETTERS

__all__ = ["Facts", "ProfileFacts", "facts", "profile_facts", "story_facts"]

COMMON_REGION_WORDS = word_set("""
    uk britain british britains england scotland wales eu europe european europes us usa america
    american americas australia australian australias
""")


@dataclass(frozen=True, slots=True)
class Facts:
    """What the grounding checks search in one source (a story or a profile)."""

    folded: str  # see _fold: for quotes and named bodies
    words: frozenset[str]  # lower-case words, for the spelling check
    acronyms: frozenset[str]
    figures: dict[Decimal, frozenset[str | None]]  # value -> currencies it is given in
    expansions: dict[str, frozenset[str]]  # acronym -> folded names written before it
    percents: frozenset[Decimal]  # values given as a percentage
    numbered_names: dict[str, frozenset[Decimal]]  # "opus" -> {4.8}: numerals after a name
    list_sizes: frozenset[int]  # lengths of lists of names ("Fable and Mythos": 2)
    # Counts written with a unit of time ("three years", "a six-week trial") -> those units.
    measures: dict[Decimal, frozenset[str]]
    quarters: frozenset[str]  # quarters and halves as codes ("q3" for "the third quarter")
    # What two figures of one sentence imply: their difference ("rose from 10 to 12": 2) and,
    # for amounts, the change as a percentage (20, or 16.7 from the larger). -> currencies.
    implied: dict[Decimal, frozenset[str | None]]
    implied_percents: frozenset[Decimal]  # implied values that are percentages
    lower_words: frozenset[str]  # words written in lower case somewhere
    dates: KnownDates


def facts(text: str, extra_expansions: Iterable[tuple[str, str]] = ()) -> Facts:
    figures: dict[Decimal, set[str | None]] = {}
    percents: set[Decimal] = set()
    numbered: dict[str, set[Decimal]] = {}
    measures: dict[Decimal, set[str]] = {}
    scanned = list(scan_figures(text))
    for fig in scanned:
        if fig.measure is not None:
            measures.setdefault(fig.value, set()).add(fig.measure)
        for value in (fig.value, *fig.alternatives):  # any reading may be the one a section gives
            figures.setdefault(value, set()).add(fig.currency)
        if fig.percent:
            percents.add(fig.value)
        if fig.name:
            numbered.setdefault(fig.name, set()).add(fig.value)
    implied: dict[Decimal, set[str | None]] = {}
    implied_percents: set[Decimal] = set()
    for value, currency, percent in _implied(text, scanned):
        implied.setdefault(value, set()).add(currency)
        if percent:
            implied_percents.add(value)
    acronyms: set[str] = set()
    for m in ACRONYM_WORD.finditer(text):
        acronyms.add(m.group(1))
        acronyms.update(m.group(1).split("-"))
    expanded: dict[str, set[str]] = {}
    for acr, name in (*expansions(text), *extra_expansions):
        expanded.setdefault(acr, set()).add(fold(name))
    letters = LETTERS.findall(text)
    return Facts(
        folded=fold(text),
        words=frozenset(map(str.lower, letters)),
        acronyms=frozenset(acronyms),
        figures={k: frozenset(v) for k, v in figures.items()},
        expansions={k: frozenset(v) for k, v in expanded.items()},
        percents=frozenset(percents),
        numbered_names={k: frozenset(v) for k, v in numbered.items()},
        list_sizes=frozenset(_list_sizes(text)),
        measures={k: frozenset(v) for k, v in measures.items()},
        quarters=frozenset(code for code, _, _ in scan_quarters(text)),
        implied={k: frozenset(v) for k, v in implied.items()},
        implied_percents=frozenset(implied_percents),
        lower_words=frozenset(filter(str.islower, letters)),
        dates=KnownDates.of(text),
    )


# "Fable and Mythos", "Alex Stamos, Casey Ellis and Jon Callas": a list of names, whose length
# a section may give as a count ("the two models").
# Bounded: a name of at most eight words and 40 characters a word, a list of at most 30 names.
# Unbounded, a page of capitalised words with no "and" is tried from every word to its end
# (quadratic in the story's length).
_LIST_WORD = r"[A-Z][\w.\u2019'-]{0,40}"
_LIST_ITEM = rf"{_LIST_WORD}(?:\s+(?:{_LIST_WORD}|\d[\d.]{{0,20}})){{0,7}}"
_NAME_LIST = re.compile(rf"{_LIST_ITEM}(?:,\s+{_LIST_ITEM}){{0,30}},?\s+(?:and|or)\s+{_LIST_ITEM}")
_LIST_SEPARATOR = re.compile(r",\s+(?:and\s+|or\s+)?|\s+(?:and|or)\s+")


_YEARS = (1900, 2100)
# At most this many figures of one sentence are paired: a table's row of figures is no change.
_MAX_PAIRED = 6


def _year(fig: Figure) -> bool:
    """Whether a figure reads as a year: a whole number from 1900 to 2100, no amount or rate."""
    return (
        fig.currency is None
        and not fig.percent
        and fig.unit == 1
        and fig.value == fig.value.to_integral_value()
        and _YEARS[0] <= fig.value <= _YEARS[1]
    )


def _implied(text: str, figures: list[Figure]) -> Iterator[tuple[Decimal, str | None, bool]]:
    """The differences and changes that pairs of one sentence's quantities imply, as (value,
    currency, whether a percentage)."""
    ends = [s.end for s in split_sentences(text)]
    by_sentence: dict[int, list[Figure]] = {}
    for fig in figures:
        if fig.countable and fig.value > 0:
            by_sentence.setdefault(bisect_right(ends, fig.start), []).append(fig)
    for group in by_sentence.values():
        if len(group) > _MAX_PAIRED:
            continue
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if a.percent != b.percent or a.value == b.value:
                    continue
                if a.currency is not None and b.currency is not None and a.currency != b.currency:
                    continue
                if _year(a) != _year(b):
                    continue  # "November 1, 2018" implies no 2017: a year and a count differ
                low, high = sorted((a.value, b.value))
                # Two percentages differ by percentage points, which are no percentage.
                yield high - low, a.currency or b.currency, False
                if not a.percent and not _year(a):  # two years imply years apart, no rate
                    yield (high - low) / low * 100, None, True
                    yield (high - low) / high * 100, None, True


# A transcript's turn: "Anna: ..." at the start of a line or after a sentence. Its speakers
# are a list a section may count too ("the two friends").
_SPEAKER = re.compile(
    r"(?:^|(?<=[.!?\n])\s*)([A-Z][\w'-]{0,40}(?: [A-Z][\w'-]{0,40}){0,2}):\s", re.M
)


def _list_sizes(text: str) -> Iterator[int]:
    for m in _NAME_LIST.finditer(text):
        yield len(_LIST_SEPARATOR.split(m.group()))
    speakers = {m.group(1) for m in _SPEAKER.finditer(text)}
    if len(speakers) > 1:
        yield len(speakers)


@per_story
def story_facts(story: Story) -> Facts:
    return facts(story.text)


@dataclass(frozen=True, slots=True)
class ProfileFacts:
    facts: Facts
    label: str  # "the United Kingdom profile", for messages
    spelling: str  # british, american or canadian
    acronym_names: dict[str, str]  # institution acronym -> its name
    region_words: frozenset[str]  # lower-case words that name a region
    mention_names: tuple[str, ...]  # folded institution and law names
    mention_acronyms: tuple[str, ...]  # institution acronyms, looked for whole (`names_in`)


@lru_cache(maxsize=32)
def profile_facts(profile: RegionProfile) -> ProfileFacts:
    pairs: list[tuple[str, str]] = []
    names: list[str] = []
    acronyms: list[str] = []
    for inst in profile.institutions:
        names.append(inst.name)
        if inst.acronym:
            acronyms.append(inst.acronym)
            if ACRONYM_ONLY.fullmatch(inst.acronym):
                pairs.append((inst.acronym, inst.name))
    # Laws are left out of the acronym-to-name pairs: a short name is often no acronym of the
    # name ("the Network and Information Security Directive (NIS2)" is right).
    for law in profile.laws:
        names.append(law.name)
        if law.short_name:
            acronyms.append(law.short_name)
    # Whole aliases only: "federal government" must not make "Federal" a region word.
    region_words = set(COMMON_REGION_WORDS)
    region_words.update(fold(alias).strip() for alias in (profile.name, *profile.aliases))
    return ProfileFacts(
        facts=facts(profile.text, pairs),
        acronym_names=dict(pairs),
        label=f"the {profile.name} profile",
        spelling=profile.spelling,
        region_words=frozenset(region_words),
        mention_names=tuple(fold(n) for n in names),
        mention_acronyms=tuple(acronyms),
    )
