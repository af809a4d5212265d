"""The ``number`` check: a figure, date or weekday in neither the story nor the profile."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

from localize.grounding._context import CheckContext
from localize.grounding._dates import DateMention, outside_dates, scan_dates, scan_quarters
from localize.grounding._facts import Facts, ProfileFacts
from localize.grounding._figures import Figure, scan_figures
from localize.grounding._findings import Finding
from localize.grounding._names import YEAR
from localize.text import word_set

__all__ = ["check_number", "restates"]


def _same_currency(a: str, b: str) -> bool:
    # A bare "$" may be US or Australian dollars.
    return a == b or (a == "$" and b in ("USD", "AUD")) or (b == "$" and a in ("USD", "AUD"))


# A numeral after these words is a reference the story must give as it is ("Article 23").
_REFERENCE_WORDS = word_set("""
    article articles section clause chapter annex recital paragraph part schedule title rule
    version v
""")
# Law names carry years: an unknown one is the institution check's business.
_LAW_WORDS = word_set("act bill directive regulation regulations law")
_MAX_LIST_COUNT = 12
_SMALL_COUNTS = frozenset(Decimal(n) for n in range(_MAX_LIST_COUNT + 1))


def _numbered_name_finding(fig: Figure, span: str, story: Facts, profile: Facts) -> Finding | None:
    """A name's numeral the sources do not give: "Article 23", "Claude Opus 4.9" for 4.8."""
    name = fig.name
    if name is None or name in _LAW_WORDS:
        return None
    known = story.numbered_names.get(name, frozenset()) | profile.numbered_names.get(
        name, frozenset()
    )
    if fig.value in known:
        return None
    if name in _REFERENCE_WORDS:
        return Finding(
            "number", "error", f'The reference "{span}" does not appear in the story.', span
        )
    if known and not YEAR.fullmatch(str(fig.value)):
        versions = ", ".join(sorted(str(v) for v in known))
        return Finding(
            "number",
            "error",
            f'The number in "{span}" is not the story\'s ({versions}).',
            span,
        )
    return None


def _date_findings(
    body: str, mentions: list[DateMention], story: Facts, profile: Facts
) -> Iterator[Finding]:
    """Dates and weekdays the sources do not give."""
    known = story.dates | profile.dates
    for mention in mentions:
        if not known.reports(mention):
            span = body[mention.start : mention.end]
            what = "day" if mention.weekday else "date"
            yield Finding(
                "number", "error", f'The {what} "{span}" does not appear in the story.', span
            )


# Words before a figure that make it an approximation, and how far the story's figure may be
# from it: as a fraction of the figure's value, below and above it.
_HEDGES: dict[str, tuple[Decimal, Decimal]] = {
    **dict.fromkeys(
        ("about", "around", "roughly", "approximately", "some", "circa", "estimated", "close to"),
        (Decimal("0.1"), Decimal("0.1")),
    ),
    **dict.fromkeys(("nearly", "almost", "just under"), (Decimal("0.1"), Decimal(0))),
    **dict.fromkeys(
        ("more than", "over", "above", "at least", "upwards of", "in excess of", "just over"),
        (Decimal(0), Decimal("0.25")),
    ),
    **dict.fromkeys(
        ("less than", "fewer than", "under", "below", "up to", "at most"),
        (Decimal("0.25"), Decimal(0)),
    ),
}
_HEDGE = re.compile(
    r"\b(" + "|".join(sorted(_HEDGES, key=len, reverse=True)) + r")\s+\Z", re.IGNORECASE
)
# How far, in percentage points, a percentage may be from a fraction it writes ("two-thirds"
# for 66%, "a quarter" for 26%).
_FRACTION_POINTS = Decimal(2)
# How far, as a fraction of the figure, a story's figure may be and still be written rounded
# without a hedge: "14%" for 13.8%, "$3 billion" for $3.1 billion, not "£1bn" for £1.3bn.
_ROUNDING = Decimal("0.05")


def _rounds_to(told: Decimal, fig: Figure) -> bool:
    """Whether ``told``, written finer than ``fig``, rounds to it: "14%" for 13.8%, "$1.5
    billion" for $1.46 billion (not "$6.90" for $6.86: its last zero is written)."""
    if fig.value < fig.unit * 10:
        return False  # one significant digit: "$3 billion" is no rounding of $3.4 billion
    if told % fig.unit == 0:
        return False  # as fine as the figure or coarser: a different number, not a rounding
    if abs(told - fig.value) > fig.value * _ROUNDING:
        return False  # "£1bn" for £1.3bn is a rounding, but too coarse to stand for it
    return (told / fig.unit).quantize(Decimal(1), ROUND_HALF_UP) * fig.unit == fig.value


def _hedge_before(body: str, fig: Figure) -> str | None:
    """The hedge right before a figure ("about", "more than"), lower-cased, or None."""
    hedged = _HEDGE.search(body, max(0, fig.start - 20), fig.start)
    return hedged.group(1).lower() if hedged else None


def restates(told: Decimal, fig: Figure, body: str) -> bool:
    """Whether ``fig``, as ``body`` writes it (with any hedge before it), stands for the figure
    ``told``: the same value, a rounding of it, or a hedged approximation."""
    return (
        told == fig.value or told in fig.alternatives or _near(told, fig, _hedge_before(body, fig))
    )


def _near(told: Decimal, fig: Figure, hedge: str | None) -> bool:
    """Whether ``told`` is a figure that ``fig``, so hedged, writes: rounded, or within the
    hedge's reach ("about 2,000" for 1,960; "more than 200" for 240)."""
    if _rounds_to(told, fig):
        return True
    if hedge is None or fig.value == 0:
        return False
    below, above = _HEDGES[hedge]
    if below and above:
        # "About" approximates a finer figure by a round one, the one it rounds to ("about
        # 3,000" for 2,960, not "about 3,100"), not one round figure by another ("about $2.8
        # billion" for "approximately $3 billion").
        coarse = fig.unit
        while (fig.value / (coarse * 10)) % 1 == 0:
            coarse *= 10
        if told % coarse == 0:
            return False
        if (told / coarse).quantize(Decimal(1), ROUND_HALF_UP) * coarse != fig.value:
            return False
    # A bound ("more than 200", "under £12.50") holds any figure on its side within reach.
    return fig.value * (1 - below) <= told <= fig.value * (1 + above)


def _same_kind(fig: Figure, currencies: frozenset[str | None]) -> bool:
    """Whether a figure's currency may be one the source gives its value in."""
    return (
        fig.currency is None
        or None in currencies
        or any(c is not None and _same_currency(fig.currency, c) for c in currencies)
    )


def _fraction_of(fig: Figure, told: Decimal, percents: frozenset[Decimal]) -> bool:
    """Whether a percentage writes a fraction the source gives ("66%" for two-thirds), or a
    fraction a percentage ("two-thirds" for 66%): one quantity in two forms."""
    if fig.percent and 0 < told < 1 and told not in percents:
        return abs(told * 100 - fig.value) <= _FRACTION_POINTS
    if fig.fraction and told in percents:
        return abs(fig.value * 100 - told) <= _FRACTION_POINTS
    return False


def _approximates(fig: Figure, hedge: str | None, story: Facts, profile: Facts) -> bool:
    """Whether a figure not given as it is written stands for one the sources give: a
    rounding, a hedged approximation, a fraction written as a percentage or back, or a
    difference or change the story's figures imply."""
    for facts in (story, profile):
        for told, currencies in facts.figures.items():
            if not _same_kind(fig, currencies):
                continue
            if fig.percent != (told in facts.percents):
                if _fraction_of(fig, told, facts.percents):
                    return True
                continue
            if _near(told, fig, hedge):
                return True
    # A difference or change two of the story's figures imply ("up 2 points" for 10% and 12%).
    for told, currencies in story.implied.items():
        if fig.percent != (told in story.implied_percents):
            continue
        if (fig.currency is None) != (None in currencies) or not _same_kind(fig, currencies):
            continue  # a difference of amounts is an amount; of counts, a count
        if fig.currency is None and not fig.percent and fig.value in _SMALL_COUNTS:
            continue  # small counts differ by small counts everywhere: no evidence
        if told == fig.value or _rounds_to(told, fig):
            return True
    return False


def _figure_finding(
    body: str, fig: Figure, span: str, story: Facts, profile: Facts
) -> Finding | None:
    """A countable figure the sources do not give, or give as no percentage or in another
    currency."""
    currencies: frozenset[str | None] = frozenset()
    for value in (fig.value, *fig.alternatives):
        currencies |= story.figures.get(value, frozenset()) | profile.figures.get(
            value, frozenset()
        )
    if not currencies or (fig.percent and fig.value not in story.percents | profile.percents):
        if (
            not fig.percent
            and fig.value == fig.value.to_integral_value()
            and fig.value <= _MAX_LIST_COUNT
            and int(fig.value) in story.list_sizes
        ):
            return None  # "the two models" for the story's "Fable and Mythos"
        if _approximates(fig, _hedge_before(body, fig), story, profile):
            return None
    if not currencies:
        if _same_duration(fig, story) or _same_duration(fig, profile):
            return None  # "36 months" for the story's "three years"
        return Finding(
            "number", "error", f'The figure "{span}" does not appear in the story.', span
        )
    if fig.percent and fig.value not in story.percents | profile.percents:
        return Finding(
            "number",
            "error",
            f'The percentage "{span}" does not appear in the story; '
            f"{fig.value} there is not a percentage.",
            span,
        )
    if (
        fig.currency is not None
        and None not in currencies
        and not any(c is not None and _same_currency(fig.currency, c) for c in currencies)
    ):
        return Finding(
            "number", "error", f'The figure "{span}" is not in the story in that currency.', span
        )
    return _measure_finding(fig, span, story, profile)


# A unit of time in days, to tell "36 months" from "three years" apart from "three months".
_DAYS: dict[str, Decimal] = {
    "second": Decimal(1) / 86400,
    "minute": Decimal(1) / 1440,
    "hour": Decimal(1) / 24,
    "day": Decimal(1),
    "week": Decimal(7),
    "fortnight": Decimal(14),
    "month": Decimal("30.44"),
    "year": Decimal("365.25"),
    "decade": Decimal("3652.5"),
    "century": Decimal("36525"),
}
# How far apart two durations may be and still be one written two ways ("four weeks", "a
# month"; "18 months", "a year and a half").
_DURATION_SLACK = Decimal("0.1")


def _same_duration(fig: Figure, facts: Facts) -> bool:
    """Whether a count of a unit of time is a duration the source gives in another unit."""
    if fig.measure not in _DAYS:
        return False  # no unit of time, or a rate ("per hour")
    days = fig.value * _DAYS[fig.measure]
    return any(
        abs(days - told * _DAYS[unit]) <= days * _DURATION_SLACK
        for told, units in facts.measures.items()
        for unit in units
        if unit in _DAYS
    )


def _in_units(measure: str) -> str:
    """A unit of time as a message gives it: "in years", "per hour"."""
    return measure if measure.startswith("per ") else f"in {measure}s"


def _measure_finding(fig: Figure, span: str, story: Facts, profile: Facts) -> Finding | None:
    """A count the story gives only in other units of time: "three months" where the story's
    three is "three years" (its other threes, with no unit, are other counts); or a figure the
    story gives only at another rate ("12 euros a month" for "12 euros an hour")."""
    told = story.measures.get(fig.value, frozenset()) | profile.measures.get(fig.value, frozenset())
    if fig.measure is None or not told or fig.measure in told:
        return None
    if _same_duration(fig, story) or _same_duration(fig, profile):
        return None
    units = " or ".join(_in_units(u) for u in sorted(told))
    return Finding(
        "number",
        "error",
        f'The figure "{span}" is given {units} in the story, not {_in_units(fig.measure)}.',
        span,
    )


# A quantity given by its size alone ("dozens of", "hundreds of thousands of"): the least and
# the most it may stand for, loosely (news writes "hundreds" for 1,500). The first word scales
# the second ("tens of thousands": ten times a thousand).
_VAGUE_SIZES: dict[str, tuple[Decimal, Decimal]] = {
    "dozens": (Decimal(12), Decimal(200)),
    "scores": (Decimal(20), Decimal(200)),
    "tens": (Decimal(10), Decimal(100)),
    "hundreds": (Decimal(100), Decimal(2000)),
    "thousands": (Decimal(1000), Decimal(10**6)),
    "millions": (Decimal(10**6), Decimal(10**9)),
    "billions": (Decimal(10**9), Decimal(10**12)),
}
_VAGUE = re.compile(
    r"\b(?:(?P<times>tens|dozens|hundreds) of )?"
    r"(?P<size>dozens|scores|hundreds|thousands|millions|billions) of\b",
    re.IGNORECASE,
)


def _vague_findings(body: str, story: Facts) -> Iterator[Finding]:
    """A quantity given by its size ("hundreds of investors") where the story gives neither
    that word nor a figure of that size: "hundreds" for the story's "dozens", or a size the
    story gives no figure for. A percentage is no count of anything."""
    for m in _VAGUE.finditer(body):
        size = m["size"].lower()
        if size in story.words:
            continue
        low, high = _VAGUE_SIZES[size]
        if m["times"]:
            times_low, times_high = _VAGUE_SIZES[m["times"].lower()]
            low, high = low * times_low, low * times_high
        if any(low <= v < high for v in story.figures if v not in story.percents):
            continue
        span = m.group()
        yield Finding(
            "number",
            "error",
            f'"{span}" is not in the story: it gives no figure of that size.',
            span,
        )


def _quarter_findings(body: str, story: Facts) -> Iterator[Finding]:
    """A quarter (or a half, as "H1") the story never gives, where it gives another: "Q4" for
    a story about Q3. A story that gives none says nothing of which one a section may name."""
    for code, start, end in scan_quarters(body):
        if code not in story.quarters and any(q[0] == code[0] for q in story.quarters):
            span = body[start:end]
            yield Finding(
                "number", "error", f'The period "{span}" does not appear in the story.', span
            )


def _check_numbers(body: str, story: Facts, profile: ProfileFacts) -> Iterator[Finding]:
    """Figures, references and dates the story does not give."""
    mentions = list(scan_dates(body))
    yield from _date_findings(body, mentions, story, profile.facts)
    yield from _vague_findings(body, story)
    yield from _quarter_findings(body, story)
    # "Three" in "the first three months" is the period's own where the story gives the period
    # (as its "first quarter"); where it gives none, the figure is checked as any other.
    periods = [(start, end) for code, start, end in scan_quarters(body) if code in story.quarters]
    seen: set[str] = set()
    for fig in outside_dates(scan_figures(body), mentions):  # a date's numerals are its own
        if any(start <= fig.start < end for start, end in periods):
            continue
        if fig.countable:
            span = body[fig.start : fig.end]
            found = None if span in seen else _figure_finding(body, fig, span, story, profile.facts)
        else:
            start = body.rfind(" ", 0, fig.start - 1) + 1 if fig.name else fig.start
            span = body[start : fig.end]
            found = (
                None if span in seen else _numbered_name_finding(fig, span, story, profile.facts)
            )
        if found is not None:
            seen.add(span)
            yield found


def check_number(ctx: CheckContext) -> Iterator[Finding]:
    return _check_numbers(ctx.body, ctx.story_facts, ctx.profile_facts)
