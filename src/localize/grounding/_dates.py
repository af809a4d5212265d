"""Dates in news prose, read into comparable parts: a section may give only the story's dates.

Read: numeric dates (``12/30/2021``, ``30.12.2021``, ``2021-12-30``), written dates with a month
name (``17 April``, ``April 17th``, ``the 17th of April 2026``, ``April 17, 2026``) and weekdays
(``on Friday``). A numeric date is ambiguous between day-month and month-day order, so it keeps
both readings. A bare year is a figure, the number check's business, not a date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from localize.grounding._figures import Figure, scanned_once

__all__ = [
    "MONTHS_PERIOD",
    "MONTH_NAMES",
    "PERIOD_ORDINALS",
    "WEEKDAYS",
    "DateMention",
    "KnownDates",
    "months_period_words",
    "outside_dates",
    "period_code",
    "scan_dates",
    "scan_quarters",
]

# A quarter or a half named by its ordinal ("the fourth quarter", "the second half") is also
# written as a code ("Q4", "H2"): both read as "q4", "h2", so a section that abbreviates the
# story's period restates it.
PERIOD_ORDINALS = {"first": "1", "second": "2", "third": "3", "fourth": "4"}
_PERIOD_UNITS = {"quarter": "q", "quarters": "q", "half": "h"}


def period_code(ordinal: str, unit: str) -> str | None:
    """The code of "fourth" + "quarter" ("q4"), "second" + "half" ("h2"), or None."""
    number = PERIOD_ORDINALS.get(ordinal.lower())
    code = _PERIOD_UNITS.get(unit.lower())
    if number is None or code is None or (code == "h" and number not in "12"):
        return None
    return code + number


# "The first three months" of a year is its first quarter, "the first six months" its first half:
# a section that writes one for the other restates the story's period. ("The last three months"
# is as often the three months before the story as the fourth quarter.)
_MONTHS_PHRASE = r"first[- ](?P<months>three|six)[- ]months"
_MONTHS_PERIOD = {"three": ("q1", "first quarter"), "six": ("h1", "first half")}
MONTHS_PERIOD = re.compile(rf"\b{_MONTHS_PHRASE}\b", re.IGNORECASE)
# A quarter as a code or by its ordinal ("Q3", "the third quarter", "fourth-quarter"), or a
# half as a code ("H1"): a half in words is as often a match's as a year's.
_QUARTER = re.compile(
    r"\b(?:(?P<code>[Qq][1-4]|[Hh][12])|(?P<ord>first|second|third|fourth)[- ](?P<unit>quarter)"
    rf"|{_MONTHS_PHRASE})\b",
    re.IGNORECASE,
)


def months_period_words(match: re.Match[str]) -> str:
    """The period a MONTHS_PERIOD match names, in words ("first quarter")."""
    return _MONTHS_PERIOD[match["months"].lower()][1]


def scan_quarters(text: str) -> Iterator[tuple[str, int, int]]:
    """Each quarter or half of a text as its code ("q3", "h1"), with its span."""
    for m in _QUARTER.finditer(text):
        if m["months"]:
            code: str | None = _MONTHS_PERIOD[m["months"].lower()][0]
        elif m["code"]:
            code = m["code"].lower()
        else:
            code = period_code(m["ord"], m["unit"])
        if code is not None:
            yield code, m.start(), m.end()


MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_BARE_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# Abbreviations only with their full stop ("Jan."), or "May" would be read in "May I".
# The lookahead holds every month's first three letters, in either case: it turns most offsets
# away at once, where the regex engine would try all 21 names one by one (a case-insensitive
# literal gets no fast skip), which made a story's dates the dearest part of its facts.
_MONTH = (
    r"(?=[ADFJMNOSadfjmnos][ACEOPUaceopu][BCGLNPRTVYbcglnprtvy])"
    r"(?P<{g}>(?:" + "|".join(MONTH_NAMES) + r")\b"
    r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.)"
)
_DAY = r"(?P<{g}>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<{g}>(?:19|20)\d\d)"
_DATE = re.compile(
    # Every date starts with a digit or a month's first letter: one test at each offset turns
    # most away before the four forms below are tried there.
    r"(?=[\dADFJMNOSadfjmnos])(?:"
    + "|".join(
        (
            # 2021-12-30
            r"(?<![\w.-])(?P<iy>(?:19|20)\d\d)-(?P<im>[01]?\d)-(?P<id>[0-3]?\d)(?![\d])",
            # 12/30/2021, 30/12/21, 30.12.2021 (dotted only with a four-digit year: "10.1.12" is
            # a version number)
            r"(?<![\w./-])(?P<na>[0-3]?\d)(?:/(?P<nb>[0-3]?\d)/(?P<ny>(?:19|20)?\d\d)|"
            r"\.(?P<nb2>[0-3]?\d)\.(?P<ny2>(?:19|20)\d\d))(?![\d/]|\.\d)",
            # 17 April, the 17th of April 2026
            rf"\b{_DAY.format(g='dd')}\s+(?:of\s+)?{_MONTH.format(g='dm')}"
            rf"(?:,?\s+{_YEAR.format(g='dy')})?",
            # April 17th, April 17, 2026
            rf"{_MONTH.format(g='mm')}\s+{_DAY.format(g='md')}(?![\d%])"
            rf"(?:,?\s+{_YEAR.format(g='my')})?",
        )
    )
    + ")"
)
# Capitalised: "friday" in running text is no weekday a story names.
_WEEKDAY = re.compile(r"\b(" + "|".join(w.capitalize() for w in WEEKDAYS) + r")s?\b")
# A source may name a day in any case or short ("see you on friday", "Fri"), as chat and
# transcripts do: a section that writes it out gives the source's day. ("sat", "sun" and
# "wed" are words first.)
_SOURCE_WEEKDAY = re.compile(
    # The lookahead (each name's first two letters, either case) as in _MONTH.
    r"(?=[FMSTWfmstw][AEHORUaehoru])\b"
    r"(?:(" + "|".join(WEEKDAYS) + r")s?|(mon|tue|tues|thu|thur|thurs|fri)\.?)\b",
    re.IGNORECASE,
)
_SHORTWEEKDAYS = {w[:3]: w for w in WEEKDAYS} | {"tues": "tuesday", "thur": "thursday"}
_SHORTWEEKDAYS["thurs"] = "thursday"


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date in a text: its readings as (month, day), its year if given, and its span."""

    readings: frozenset[tuple[int, int]]
    year: int | None
    weekday: str | None
    start: int
    end: int


def _valid(month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= 31


def _year(text: str | None) -> int | None:
    if not text:
        return None
    value = int(text)
    return value + 2000 if value < 100 else value


def _mention(m: re.Match[str]) -> DateMention | None:
    g = m.groupdict()
    year: int | None
    if g["iy"]:
        readings = {(int(g["im"]), int(g["id"]))}
        year = int(g["iy"])
    elif g["na"]:
        a, b = int(g["na"]), int(g["nb"] or g["nb2"])
        readings = {(a, b), (b, a)}  # month/day or day/month
        year = _year(g["ny"] or g["ny2"])
    else:
        month_name = g["dm"] or g["mm"]
        day = g["dd"] or g["md"]
        readings = {(_MONTHS[month_name.lower().rstrip(".")], int(day))}
        year = _year(g["dy"] or g["my"])
    valid = frozenset(r for r in readings if _valid(*r))
    if not valid:
        return None
    return DateMention(valid, year, None, m.start(), m.end())


@scanned_once
def scan_dates(text: str) -> Iterator[DateMention]:
    """Every date and weekday in ``text``, in order of where they start."""
    found = [d for m in _DATE.finditer(text) if (d := _mention(m)) is not None]
    for m in _WEEKDAY.finditer(text):
        found.append(DateMention(frozenset(), None, m.group(1).lower(), m.start(), m.end()))
    yield from sorted(found, key=lambda d: d.start)


def outside_dates(figures: Iterable[Figure], mentions: Iterable[DateMention]) -> list[Figure]:
    """The figures that are not a date's numerals: those belong to the date ("12/30/2021")."""
    spans = [(d.start, d.end) for d in mentions if d.weekday is None]
    return [f for f in figures if not any(start <= f.start < end for start, end in spans)]


_SOURCE_DATE = re.compile(_DATE.pattern, re.IGNORECASE)
# Day/month without a year: "14/03", or "5/3" where a date is expected (after "on", "by", a
# weekday, or opening a line, as a chat's date stamp does). "24/7 support" and "1/2 of callers"
# are no dates.
_SHORT_DATE = re.compile(
    r"(?P<cue>(?:^|\b(?:on|by|from|until|till|since|before|after|dated|"
    r"mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|(?:mon|tues|wednes|thurs|fri|satur|sun)day)"
    r",?\s+))?(?<![\w./-])([0-3]?\d)/([0-3]?\d)(?![\w/]|\.\d)",
    re.IGNORECASE | re.MULTILINE,
)


def _short_dates(source: str) -> Iterator[tuple[int, int]]:
    if "/" not in source:
        return  # every short date has its slash: most stories have none to search for
    for m in _SHORT_DATE.finditer(source):
        padded = any(len(g) == 2 and g.startswith("0") for g in (m[2], m[3]))
        if m["cue"] is not None or padded:
            yield int(m[2]), int(m[3])


@dataclass(frozen=True, slots=True)
class KnownDates:
    """The dates, weekdays and years a source gives, read once."""

    days: frozenset[tuple[int, int]]
    weekdays: frozenset[str]
    years: frozenset[int]

    @classmethod
    def of(cls, source: str) -> KnownDates:
        # A source's dates in any case ("5th of may" in a chat) and day/month without a year
        # ("14/03"): what a section writes in full may be read there.
        told = [d for m in _SOURCE_DATE.finditer(source) if (d := _mention(m)) is not None]
        told += [
            DateMention(frozenset(r for r in ((a, b), (b, a)) if _valid(*r)), None, None, 0, 0)
            for a, b in _short_dates(source)
        ]
        return cls(
            days=frozenset(r for t in told for r in t.readings),
            weekdays=frozenset(
                (m[1] or _SHORTWEEKDAYS[m[2].lower()]).lower()
                for m in _SOURCE_WEEKDAY.finditer(source)
            ),
            years=frozenset(
                {t.year for t in told if t.year is not None}
                | {int(y) for y in _BARE_YEAR.findall(source)}
            ),
        )

    def __or__(self, other: KnownDates) -> KnownDates:
        return KnownDates(
            self.days | other.days, self.weekdays | other.weekdays, self.years | other.years
        )

    def reports(self, mention: DateMention) -> bool:
        """Whether the source gives this date: its day and month (either reading of a numeric
        date), and its year if it has one; or this weekday."""
        if mention.weekday is not None:
            return mention.weekday in self.weekdays
        if mention.year is not None and mention.year not in self.years:
            return False
        return bool(mention.readings & self.days)
