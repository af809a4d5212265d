"""The ``number`` check: a figure, date or weekday in neither the story nor the profile."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from localize.grounding._context import CheckContext
from localize.grounding._dates import DateMention, outside_dates, scan_dates
from localize.grounding._facts import Facts, ProfileFacts
from localize.grounding._figures import Figure, scan_figures
from localize.grounding._findings import Finding
from localize.grounding._names import YEAR
from localize.text import word_set

__all__ = ["check_number"]


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


_DIGITS = re.compile(r"(\d+(?:,\d{3})*)(?:\.(\d+))?")
_CENTS = re.compile(r"\s+cents?\b", re.IGNORECASE)


def _restated(fig: Figure, span: str, after: str, story: Facts) -> bool:
    """Whether a figure the story does not give as written is one it gives in another form:
    rounded ("$1.5 billion" for "$1.53 billion", "12%" for "12.4%"; two significant digits at
    least, so "$3 billion" is no rounding of "$3.4 billion") or in cents ("87 cents" for
    "$0.87")."""
    if _CENTS.match(after) and fig.value / 100 in story.figures:
        return True
    digits = _DIGITS.search(span)
    if digits is None:
        return False
    whole, decimals = digits.group(1).replace(",", ""), digits.group(2) or ""
    if len((whole + decimals).lstrip("0")) < 2:
        return False
    mantissa = Decimal(f"{whole}.{decimals}" if decimals else whole)
    if not mantissa:
        return False
    half_unit = fig.value / mantissa * Decimal(10) ** -len(decimals) / 2
    return any(
        abs(value - fig.value) < half_unit and (not fig.percent or value in story.percents)
        for value in story.figures
    )


def _figure_finding(
    fig: Figure, span: str, after: str, story: Facts, profile: Facts
) -> Finding | None:
    """A countable figure the sources do not give, or give as no percentage or in another
    currency."""
    currencies = story.figures.get(fig.value, frozenset()) | profile.figures.get(
        fig.value, frozenset()
    )
    unknown = not currencies or (fig.percent and fig.value not in story.percents | profile.percents)
    if unknown and _restated(fig, span, after, story):
        return None
    if not currencies:
        if (
            not fig.percent
            and fig.value == fig.value.to_integral_value()
            and fig.value <= _MAX_LIST_COUNT
            and int(fig.value) in story.list_sizes
        ):
            return None  # "the two models" for the story's "Fable and Mythos"
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
    return None


def _check_numbers(body: str, story: Facts, profile: ProfileFacts) -> Iterator[Finding]:
    """Figures, references and dates the story does not give."""
    mentions = list(scan_dates(body))
    yield from _date_findings(body, mentions, story, profile.facts)
    seen: set[str] = set()
    for fig in outside_dates(scan_figures(body), mentions):  # a date's numerals are its own
        if fig.countable:
            span = body[fig.start : fig.end]
            after = body[fig.end : fig.end + 8]
            found = (
                None if span in seen else _figure_finding(fig, span, after, story, profile.facts)
            )
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
