"""A story's own figure or date put where the story gives another (part of ``paraphrase``).

The ``number`` check asks only whether a section's figure appears somewhere in the story, so a
value moved from one statement to another passes it: for "revenue rose 12% to $4.1bn, while
operating profit fell 3%", the section's "revenue rose 3%" gives a figure the story gives, for
the profit. Here each value (a percentage, an amount of money, a count, a year, a date, a
weekday, a period: "Q3", "the first half", "March") is read with its setting: the content words
nearest it on either side, up to a clause boundary or another value of its kind. A section's
value is misplaced when

- the story gives the same value (its kind and value) elsewhere, in no setting that shares a
  word with the section's on the same side ("profit fell" before the story's 3%);
- a story value of the same kind but another value sits in the section value's setting,
  sharing at least two words on the same sides ("revenue rose" before the story's 12%), and its
  clause shares more with the section's than the value's own story clauses do;
- the section's value does not restate that one (a rounding or a hedged approximation of it,
  as the ``number`` check accepts: `localize.grounding._number.restates`), and the section does
  not give that value too (two statements folded into one sentence).

A range or a list ("from 3% to 12%", "12% and 3%") shares one setting: a value read through the
values beside it, so each item of the story's list keeps the list's words, and a section's own
list is left alone. Only what precedes or follows a value on its own side counts, so "profit
rose 12% while revenue fell" does not confuse the revenue's words with the profit's. A period
the story never gives is the aligned-clause rule's (`_paraphrase`); names are left to its
"another story name in a name's place" rule: read this way they flagged consistent summaries
("Joe Hart, pictured with Frank Lampard").
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from localize.grounding._analysis import per_story
from localize.grounding._dates import MONTH_NAMES, PERIOD_ORDINALS, period_code, scan_dates
from localize.grounding._figures import Figure, scan_figures, scanned_once
from localize.grounding._number import restates
from localize.story import Story
from localize.text import STOPWORDS, lemma, story_sentences, word_set

__all__ = ["misplaced_value", "story_swaps"]

# A word, or a mark that ends a clause inside a sentence (a semicolon, a colon, a dash, a
# bracket, a quotation mark): a value's setting stops there.
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*[A-Za-z]|[A-Za-z]|[;:()\u2014\u2013\"\u201c\u201d]")
# Words that open another clause: the setting stops there too.
_CLAUSE_WORDS = word_set("but while whereas although though yet")
# The content words read on each side of a value, and how many of one side the section's
# setting must share with the story value's to stand in its place.
_REACH = 3
_SHARED = 2
# A value's clause, for what it is about: this many content words on either side.
_CLAUSE_REACH = 6
_YEARS = (1900, 2100)
# A period: a quarter or a half ("Q3", "the third quarter", "the first half", "H1"), or a month
# on its own ("in March"; with a day it is a date). "May" opening a sentence is a verb.
_PERIOD = re.compile(
    r"\b(?:(?P<code>[Qq][1-4]|[Hh][12])|(?P<ord>" + "|".join(PERIOD_ORDINALS) + r")[- ]"
    r"(?P<unit>quarter|half)|(?P<month>" + "|".join(MONTH_NAMES) + r"))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Value:
    """One value of a text: its kind ("percent", "money", "count", "year", "date", "weekday",
    "period": a quarter, a half or a month),
    what it is (a number, a (month, day) reading set, a weekday), and its span."""

    kind: str
    key: Hashable
    start: int
    end: int
    figure: Figure | None = None
    year: int | None = None  # a date's year, if it gives one

    @property
    def countable(self) -> bool:
        """False for a name's numeral ("Tokyo 2020"): no value another can stand for."""
        return self.figure is None or self.figure.countable


@dataclass(frozen=True, slots=True)
class _Placed:
    """A value with its setting: the content lemmas nearest it before and after."""

    value: _Value
    sentence: int
    text: str  # the value as written
    before: frozenset[str]
    after: frozenset[str]
    # The same, farther: up to _CLAUSE_REACH words each side, for what the clause is about.
    wide_before: frozenset[str]
    wide_after: frozenset[str]
    grouped: bool  # an item of a range or a list of values of its kind


def _figure_kind(fig: Figure, text: str) -> str:
    if fig.percent:
        return "percent"
    if fig.currency is not None:
        return "money"
    span = text[fig.start : fig.end]
    if span.isdigit() and len(span) == 4 and _YEARS[0] <= fig.value <= _YEARS[1]:
        return "year"
    return "count"


def _periods(text: str, spans: list[tuple[int, int]]) -> Iterator[_Value]:
    """The quarters, halves and months of a text outside its dates, as "q3", "h1", "march"."""
    for m in _PERIOD.finditer(text):
        if any(a <= m.start() < b for a, b in spans):
            continue
        if m["month"]:
            if not m["month"][0].isupper() or (
                m["month"] == "May" and not text[: m.start()].strip()
            ):
                continue  # "march on", "may": verbs
            yield _Value("period", m["month"].lower(), m.start(), m.end())
        elif m["code"]:
            yield _Value("period", m["code"].lower(), m.start(), m.end())
        elif code := period_code(m["ord"], m["unit"]):
            yield _Value("period", code, m.start(), m.end())


@scanned_once
def _values(text: str) -> list[_Value]:
    """Every figure, date, weekday and period of a text, in order; a date's numerals are the
    date's. Read once a sentence: the story's for every region, a section's for each rule."""
    out: list[_Value] = []
    spans: list[tuple[int, int]] = []
    for d in scan_dates(text):
        if d.weekday is not None:
            out.append(_Value("weekday", d.weekday, d.start, d.end))
        else:
            out.append(_Value("date", d.readings, d.start, d.end, year=d.year))
            spans.append((d.start, d.end))
    for fig in scan_figures(text):
        if any(a <= fig.start < b for a, b in spans):
            continue
        out.append(_Value(_figure_kind(fig, text), fig.value, fig.start, fig.end, figure=fig))
    periods = list(_periods(text, spans))
    # A period's numeral ("Q3") is the period's.
    out = [v for v in out if not any(p.start <= v.start < p.end for p in periods)]
    out.extend(periods)
    return sorted(out, key=lambda v: v.start)


# Temperature units after a figure ("degrees Celsius", "F").
_UNITS = word_set("degree degrees celsius fahrenheit c f")


@lru_cache(maxsize=16384)
def _item(word: str) -> str | None:
    """What a word is in a sentence's sequence (`_placed`): a clause boundary (""), a stop word
    (None) or its content lemma. Read once a word: story sentences repeat their words."""
    low = word.lower().replace("\u2019", "'").removesuffix("'s")
    if not low[0].isalpha() or low in _CLAUSE_WORDS:
        return ""
    if low in STOPWORDS:
        return None
    return lemma(low)


def _placed(text: str, sentence: int, values: Sequence[_Value]) -> Iterator[_Placed]:
    """Each value of a sentence (``values``, from `_values`) with its setting."""
    if not values:
        return
    # The sentence as a sequence: a value (its index), a content lemma, a stop word (None), or a
    # clause boundary ("").
    items: list[int | str | None] = []
    at = 0
    for m in _TOKEN.finditer(text):
        start = m.start()
        while at < len(values) and values[at].start <= start:
            items.append(at)
            at += 1
        if at and start < values[at - 1].end:
            continue  # a value's own word ("million", "March")
        if items and isinstance(items[-1], int) and m.group().lower() in _UNITS:
            # A unit is the value's own too, glued or spelled: "1.6C" in the story is "1.6
            # degrees Celsius" in a section, and neither is the setting of the statement.
            continue
        items.append(_item(m.group()))
    items.extend(range(at, len(values)))
    position = {item: n for n, item in enumerate(items) if isinstance(item, int)}
    for i, value in enumerate(values):
        n = position[i]
        before, grouped_before = _side(items, values, n, -1)
        after, grouped_after = _side(items, values, n, 1)
        yield _Placed(
            value,
            sentence,
            text[value.start : value.end],
            frozenset(before),
            frozenset(after),
            frozenset(_side(items, values, n, -1, _CLAUSE_REACH)[0]),
            frozenset(_side(items, values, n, 1, _CLAUSE_REACH)[0]),
            grouped_before or grouped_after,
        )


def _side(
    items: list[int | str | None],
    values: Sequence[_Value],
    n: int,
    step: int,
    reach: int = _REACH,
) -> tuple[set[str], bool]:
    """The content lemmas within reach on one side of the value at ``n``, and whether a value of
    its kind stands right beside it (a range or a list: read through it)."""
    value = items[n]
    assert isinstance(value, int)
    kind = values[value].kind
    found: set[str] = set()
    grouped = False
    j = n + step
    while 0 <= j < len(items) and len(found) < reach:
        item = items[j]
        if item == "":
            break
        if isinstance(item, int):
            if values[item].kind == kind:
                if found:
                    break  # another statement's value: its words are its own
                grouped = True
        elif item is not None:
            found.add(item)
        j += step
    return found, grouped


@per_story
def _story_values(story: Story) -> dict[str, tuple[_Value, ...]]:
    """The story's values by kind, without their settings: most section sentences give none of
    them, and need no story value's setting."""
    by_kind: dict[str, list[_Value]] = {}
    for s in story_sentences(story):
        for v in _values(s.text):
            by_kind.setdefault(v.kind, []).append(v)
    return {k: tuple(v) for k, v in by_kind.items()}


@per_story
def _story_placed(story: Story, kind: str) -> tuple[_Placed, ...]:
    """The story's values of one kind, each with its setting and sentence number: read for the
    kinds a section gives that the story gives too, and only in the sentences that hold one."""
    return tuple(
        p
        for s in story_sentences(story)
        if any(v.kind == kind for v in _values(s.text))
        for p in _sentence_placed(story, s.number, s.text)
        if p.value.kind == kind
    )


@per_story
def _sentence_placed(story: Story, number: int, text: str) -> tuple[_Placed, ...]:
    """Every value of one story sentence (its number and text) with its setting, read once for
    all kinds."""
    return tuple(_placed(text, number, _values(text)))


def _same(a: _Value, b: _Value) -> bool:
    """Whether two values of one kind are the same value."""
    if a.kind == "date":
        assert isinstance(a.key, frozenset) and isinstance(b.key, frozenset)
        return bool(a.key & b.key) and (a.year is None or b.year is None or a.year == b.year)
    if a.figure is not None and b.figure is not None:
        return a.key == b.key or a.key in b.figure.alternatives or b.key in a.figure.alternatives
    return a.key == b.key


def _shared(here: _Placed, there: _Placed, *, wide: bool = False) -> int:
    """How many words two settings share on the same side."""
    if wide:
        return len(here.wide_before & there.wide_before) + len(here.wide_after & there.wide_after)
    return len(here.before & there.before) + len(here.after & there.after)


def _restated(said: _Placed, told: _Placed, text: str) -> bool:
    """Whether the section's value stands for the story's: the same, or a rounding or an
    approximation of it."""
    if _same(said.value, told.value):
        return True
    fig, other = said.value.figure, told.value.figure
    if fig is None or other is None:
        return False
    assert isinstance(other.value, Decimal)
    return restates(other.value, fig, text)


def misplaced_value(text: str, story: Story) -> tuple[str, int] | None:
    """A value of ``text`` (one section sentence) that the story gives for something else, put
    where the story gives another: what it says, and the number of the story sentence whose
    value it replaces. None when every value is the story's in its own setting."""
    told = _story_values(story)
    values = _values(text)
    # Most sentences give no value the story gives too: no need to read their settings.
    if not any(_same(v, t) for v in values for t in told.get(v.kind, ())):
        return None
    for said in _placed(text, 0, values):
        if said.grouped or not said.value.countable:
            continue  # a range or a list (its items share one setting), or a name's numeral
        kind = _story_placed(story, said.value.kind)
        own = [t for t in kind if _same(said.value, t.value)]
        if not own or any(_shared(said, t) for t in own):
            # Not the story's value (the number check's), or the story's in this setting: one
            # word in common is enough (a looser test flagged consistent held-out summaries).
            continue
        best: _Placed | None = None
        for t in kind:
            # A name's numeral ("Tokyo 2020") is no figure another can take the place of.
            if t.grouped or not t.value.countable:
                continue
            if _restated(said, t, text):
                continue
            if any(v.kind == t.value.kind and _same(v, t.value) for v in values):
                continue  # the section gives that value too: two statements in one sentence
            shared = _shared(said, t)
            if shared >= _SHARED and (best is None or _shared(said, t) > _shared(said, best)):
                best = t
        # The replaced value's clause must hold the section's better than the value's own, and
        # the section must not hold more words that only the value's own clause gives, in
        # whatever order: "a 5% rise in bread prices" is "bread prices rose 5%", however alike
        # "a 7% rise in milk prices" is written.
        if (
            best is not None
            and _shared(said, best, wide=True)
            > max((_shared(said, t, wide=True) for t in own), default=0)
            and not any(_own_words(said, t, best) for t in own)
        ):
            return f"gives {said.text} where the story gives {best.text}", best.sentence
    return None


def _own_words(said: _Placed, own: _Placed, other: _Placed) -> bool:
    """Whether the section's clause holds words only the value's own story clause gives, at
    least as many as it holds only the other value's clause gives."""
    words = said.wide_before | said.wide_after
    mine = own.wide_before | own.wide_after
    theirs = other.wide_before | other.wide_after
    only_mine = len(words & (mine - theirs))
    return only_mine > 0 and only_mine >= len(words & (theirs - mine))


def story_swaps(text: str, story: Story) -> Iterator[tuple[int, int, list[str]]]:
    """For measuring this rule (benchmarks/story_swaps.py): each value of ``text`` that the
    story gives too, as its span and the story's other values of its kind, as written there."""
    for v in _values(text):
        if not v.countable:
            continue
        kind = _story_placed(story, v.kind)
        if not any(_same(v, t.value) for t in kind):
            continue
        written = text[v.start : v.end].lower()
        others = {
            t.text
            for t in kind
            if not t.grouped
            and t.value.countable
            and not _same(v, t.value)
            and t.text.lower() != written
        }
        if others:
            yield v.start, v.end, sorted(others)
