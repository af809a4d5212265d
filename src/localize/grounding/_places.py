"""Countries and nations a text names, and whether a story gives them (part of ``paraphrase``).

A summary that calls a Scottish club Welsh, or sets a story from Porto "in Spain", names a place
the story never gives: a swapped entity no clause alignment sees, since "Welsh" is a word of the
English lexicon and the story's own place ("Scotland", "Porto") shares no word with it. Yet a
restatement names places the story only implies: "the Portuguese side" for Porto, "British"
where the story says "the UK", "England" for an NHS story set in the UK. So a story gives a place
when it writes any word naming it (its name, another spelling, its demonym: "Portuguese") or any
word placing the story in it (its capital, a province: "Porto", "Cardiff"); a nation of the
United Kingdom is given by the United Kingdom when the story names none of the other nations,
and the United Kingdom by any of its nations.

The table (places.txt beside this module) comes from the `countryinfo` package's data, written by
scripts/make_places.py: nothing is read at run time but that file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from localize.grounding._analysis import per_story
from localize.grounding._names import iter_led
from localize.story import Story
from localize.text import (
    is_capitalised,
    is_common_word,
    leading_run,
    sentence_initial,
)

__all__ = ["gives_place", "in_given_place", "story_places", "unknown_places"]


@dataclass(frozen=True, slots=True)
class _Places:
    parent: dict[str, str]  # a nation -> the country it is part of
    parts: dict[str, frozenset[str]]  # a country -> its nations
    naming: dict[str, frozenset[str]]  # a word naming a place -> the places it names
    placing: dict[str, frozenset[str]]  # a word naming or placing a story in a place -> them
    lowered: dict[str, frozenset[str]]  # the naming words lower-cased -> the places they name
    longest: int  # words in the longest phrase of either
    pattern: re.Pattern[str]  # the naming words, whole, longest first
    # Where `pattern` can match (`iter_led`): at a run of word characters that is a naming
    # word's leading run, or a whole one-run word with the plural "s" ("Scots").
    leads: frozenset[str]
    # Every phrase of `placing` cut after each of its words but the last: a run of a story's
    # words that is none of these is the start of no longer place phrase.
    openings: frozenset[str]


@lru_cache(maxsize=1)
def _places() -> _Places:
    """The table, read once on first use."""
    table = files("localize.grounding").joinpath("places.txt").read_text(encoding="utf-8")
    parent: dict[str, str] = {}
    parts: dict[str, set[str]] = {}
    naming: dict[str, set[str]] = {}
    placing: dict[str, set[str]] = {}
    for line in table.splitlines():
        if not line or line.startswith("#"):
            continue
        name, part_of, named, placed = line.split("\t")
        if part_of != "-":
            parent[name] = part_of
            parts.setdefault(part_of, set()).add(name)
        for word in named.split("|"):
            naming.setdefault(word, set()).add(name)
            placing.setdefault(word, set()).add(name)
        for word in placed.split("|") if placed else ():
            # A province that is a word of the lexicon ("Central", "Down", "Reading") places a
            # story nowhere: the word is the reason it is there.
            if " " in word or not is_common_word(word.lower()):
                placing.setdefault(word, set()).add(name)
    words = sorted(naming, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(w) for w in words) + r")(?:s|'s|\u2019s)?(?![\w-])"
    )
    return _Places(
        parent,
        {k: frozenset(v) for k, v in parts.items()},
        {k: frozenset(v) for k, v in naming.items()},
        {k: frozenset(v) for k, v in placing.items()},
        _lowered(naming),
        max(len(w.split()) for w in placing),
        pattern,
        frozenset(_leads(naming)),
        frozenset(" ".join(w.split()[:n]) for w in placing for n in range(1, len(w.split()))),
    )


def _leads(words: dict[str, set[str]]) -> Iterator[str]:
    """The runs of `_Places.leads`: where `pattern` can match, a run of the text is a naming
    word's leading run, or a whole one-run word followed by the plural "s"."""
    for word in words:
        lead = leading_run(word)
        if lead is None:  # cannot happen with the shipped table; a lead of "" keeps it exact
            yield ""
            continue
        yield lead
        if lead == word:
            yield lead + "s"


def _lowered(words: dict[str, set[str]]) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for word, places in words.items():
        out.setdefault(word.lower(), set()).update(places)
    return {k: frozenset(v) for k, v in out.items()}


# A run of a name's words: letters with the dots, apostrophes and hyphens names carry ("St.
# Helens", "Stoke-on-Trent", "U.S.").
_WORD = re.compile(r"[A-Za-z][A-Za-z.'\u2019-]*")


@per_story
def story_places(story: Story) -> frozenset[str]:
    """Every place the story gives: named, placed in, or implied as a whole or a part."""
    table = _places()
    given = _placed_in(story.text, table)
    for place in list(given):
        if place in table.parent:
            given.add(table.parent[place])
    for country, nations in table.parts.items():
        if country in given and not nations & given:
            given |= nations  # "the UK": any of its nations may be meant
    return frozenset(given)


def _placed_in(text: str, table: _Places) -> set[str]:
    """The places the text's words name or place it in, as written."""
    words = [w.rstrip(".").replace("\u2019", "'") for w in _WORD.findall(text)]
    words = [w.replace(".", "") if w.replace(".", "").isupper() else w for w in words]  # U.S.
    given: set[str] = set()
    for i, word in enumerate(words):
        if not word[:1].isupper():
            continue
        if "-" in word:  # "the Luxembourg-based court" gives Luxembourg
            given |= table.placing.get(word.partition("-")[0], frozenset())
        for n in range(1, table.longest + 1):
            phrase = " ".join(words[i : i + n])
            given |= table.placing.get(phrase, frozenset())
            given |= table.placing.get(phrase.removesuffix("'s"), frozenset())
            # A longer phrase keeps these n words as written (only its last loses a "'s"): it
            # is a place only if they open one. Most capitalised words open none.
            if phrase not in table.openings:
                break
    return given


def gives_place(word: str, given: frozenset[str]) -> bool:
    """Whether ``word`` (as written, or in lower case) names one of the places ``given``
    (`story_places`): "Portuguese" or "portuguese" for a story set in Porto. A city or a
    province is a place of its own: "Sydney" for a story set in Melbourne is a swap."""
    table = _places()
    places = table.naming.get(word) or table.lowered.get(word.lower())
    return bool(places and places & given)


def in_given_place(word: str, given: frozenset[str]) -> bool:
    """Whether ``word`` is a city or a province of a place ``given``: "Beijing" for a story
    that gives China, as news names a government by its capital ("Beijing said")."""
    table = _places()
    places = table.placing.get(word) or table.placing.get(word.title())
    return bool(places and places & given)


def unknown_places(
    text: str, given: frozenset[str], skip: frozenset[str]
) -> Iterator[tuple[str, int]]:
    """Each country, nation or demonym in ``text`` (as written, and where it starts) that names
    none of the places a story gives (``given``: `story_places`; "Welsh" for a story set in
    Scotland), in a story that gives one: a story that names no place may be set anywhere.
    ``skip``: the region profile's own words, lower-cased: a section names its own region, and
    the region's parts, by design."""
    if not given:
        return
    table = _places()
    # The long alternation is tried only where a naming word can start, not at every offset.
    found = (
        table.pattern.finditer(text)
        if "" in table.leads
        else iter_led(table.pattern, table.leads, text)
    )
    for m in found:
        word = m.group(1)
        places = table.naming[word]
        if places & given or any(_own(place, table, skip) for place in places):
            continue
        if not _inside_a_name(text, m.start(), m.end()):
            yield word, m.start()


def _own(place: str, table: _Places, skip: frozenset[str]) -> bool:
    """Whether a place is the section's own region or a part of it ("Wales" in a UK section):
    every word of its name, or of the name of the country it is part of, is a region word."""
    return any(
        all(w in skip for w in name.lower().split())
        for name in (place, table.parent.get(place, place))
    )


def _inside_a_name(text: str, start: int, end: int) -> bool:
    """Whether the words at ``start:end`` are part of a longer name: after a capitalised word
    that does not open the sentence ("Royal Welsh Show"), or before a capitalised word that is
    no word of the lexicon, a surname ("Jordan Henderson")."""
    before = _WORD.findall(text[max(0, start - 30) : start])
    if before and is_capitalised(before[-1]):
        prev_start = text.rfind(before[-1], 0, start)
        if not sentence_initial(text, prev_start):
            return True
    after = _WORD.match(text, end + 1) if text[end : end + 1] == " " else None
    return (
        after is not None
        and after.group()[:1].isupper()
        and not is_common_word(after.group().lower())
    )
