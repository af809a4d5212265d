"""Figures in prose: numerals and number words with their value, currency and kind.

One scanner for every check that compares figures: the ``number`` check (is a section's figure
in the story?) and the ``attribution`` check (is it given to the story's actor?).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache, wraps
from typing import TypeVar

from localize.text import is_capitalised, sentence_initial, word_set

__all__ = ["Figure", "scan_figures", "scanned_once"]

_NUMBER_WORDS: dict[str, int] = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALE_WORDS: dict[str, int] = {
    "hundred": 100,
    "thousand": 10**3,
    "million": 10**6,
    "billion": 10**9,
    "trillion": 10**12,
}
_SCALE_SUFFIXES: dict[str, int] = {
    "k": 10**3,
    "m": 10**6,
    "mn": 10**6,
    "bn": 10**9,
    "tn": 10**12,
    "trn": 10**12,
}
_CURRENCY_WORDS: dict[str, str] = {
    "pound": "GBP",
    "pounds": "GBP",
    "sterling": "GBP",
    "dollar": "$",
    "dollars": "$",
    "euro": "EUR",
    "euros": "EUR",
}
_CURRENCY_CODES = frozenset({"GBP", "USD", "EUR", "AUD"})
_CURRENCY_BEFORE = re.compile(
    r"(?:(?P<sym>US\$|A\$|AU\$|[\u00a3$\u20ac]) ?|\b(?P<code>USD|GBP|EUR|AUD)\s?)\Z"
)
_SYMBOL_CURRENCY = {
    "\u00a3": "GBP",
    "$": "$",
    "\u20ac": "EUR",
    "US$": "USD",
    "A$": "AUD",
    "AU$": "AUD",
}
# After a numeral, a unit worth a hundredth of another: "13 cents" is $0.13, "50p" is £0.50,
# "70 basis points" is 0.7 percentage points.
_HUNDREDTHS = re.compile(r" ?(?:cents?|pence|p|basis points?|bps?)\b", re.IGNORECASE)
# After a numeral, a time of day ("5 pm", "9 a.m."; "5pm" is a glued suffix, read as a name).
_CLOCK = re.compile(r" ?(?:[ap]\.m\.|[ap]m\b)", re.IGNORECASE)
_PERCENT = re.compile(r"\s?%|\s(?:per\s?cent|percent)\b", re.IGNORECASE)
_NUM_TOKEN = re.compile(r"(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)|(?P<word>[^\W\d_]+)")
# A number straight after a capitalised word is a name's numeral (Claude Opus 4.8, Kimi 2.7,
# Data Protection Act 2018), unless that word is one a sentence or a date can start with.
_NOT_NAME_WORDS = word_set("""
    a about above across after against all almost also among an and another any approximately
    around as at before below between both but by circa despite during each either estimated
    even every exactly fewer for from fully her his if in including into its just last latest
    least less like more most my nearly neither next nor not of on once only or other our over
    past per perhaps plus possibly precisely reportedly roughly since so some than that the their
    these this those through to total totalling toward towards under until up upwards versus via
    what when where whereas which while whose with within without yet your
    monday tuesday wednesday thursday friday saturday sunday
""")
_MONTH_WORDS = word_set("""
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
""")
_NOT_NAME_WORDS |= _MONTH_WORDS
# "two-factor", "one-off", "twenty-first": number words inside idioms and ordinals, not
# quantities. Fractions ("two-thirds") are quantities, compared as their value.
_IDIOM_TAIL = re.compile(
    r"-(?:factor|fold|way|step|off|stop|time|tier|sided|pronged|shot|size|track|handed|"
    r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)\b",
    re.IGNORECASE,
)
_FRACTION_TAIL = re.compile(r"-(thirds?|quarters?|fifths?|tenths?)\b", re.IGNORECASE)
_DENOMINATORS = {"third": 3, "quarter": 4, "fifth": 5, "tenth": 10}
# A unit of time right after a count, spaced or hyphened ("six weeks", "a three-year deal").
_MEASURE = re.compile(
    r"(?:\s|-)(second|minute|hour|day|week|fortnight|month|year|decade|centur(?:y|ies))s?\b",
    re.IGNORECASE,
)
# A rate: a figure (and its currency word) a unit of time ("12 euros an hour", "7% a year").
_RATE = re.compile(
    r"(?:\s+(?:euros?|dollars?|pounds?|cents?|pence))?\s+(?:a|an|per|each|every)\s+"
    r"(second|minute|hour|day|week|fortnight|month|year)\b",
    re.IGNORECASE,
)


def _measure(text: str, end: int, plain: bool) -> str | None:
    """The unit of time written right after a figure ending at ``end``, singular ("year"), or
    its rate ("per hour"), or None. Only a ``plain`` figure (no amount, no rate) counts units."""
    rate = _RATE.match(text, end)
    if rate is not None:
        return f"per {rate.group(1).lower()}"
    m = _MEASURE.match(text, end) if plain else None
    if m is None:
        return None
    unit = m.group(1).lower()
    return "century" if unit.startswith("centur") else unit


_FIGURE_WORDS = frozenset(_NUMBER_WORDS.keys() | _SCALE_WORDS.keys())


def _letters_at(at: int) -> str:
    """A class of every figure word's letter at ``at``, in either case."""
    letters = "".join(sorted({w[at] for w in _FIGURE_WORDS}))
    return f"[{letters}{letters.upper()}]"


# A digit or a number word as a whole token (as _NUM_TOKEN splits words): a text without one
# holds no figure.
_ANY_FIGURE = re.compile(
    # The lookahead (every word's first two letters) turns most offsets away before the
    # case-insensitive alternation, which gets no fast skip, is tried there.
    rf"\d|(?={_letters_at(0)}{_letters_at(1)})(?<![^\W\d_])(?:"
    + "|".join(sorted(_FIGURE_WORDS, key=len, reverse=True))
    + r")(?![^\W\d_])",
    re.IGNORECASE,
)

_Token = tuple[int, int, str | None, str]  # start, end, numeral or None, word or ""
_PREFIX_CHAR = re.compile(r"[\w.]")


def _hyphen_prefix(text: str, hyphen: int) -> str:
    """The run of word characters and dots that ends at the hyphen at ``hyphen`` ("GPT" in
    "GPT-5"). Scanned backwards from the hyphen: a regex search bounded at the hyphen would
    rescan the text from its start for every figure, quadratic in the story's length."""
    j = hyphen
    while j > 0 and _PREFIX_CHAR.match(text, j - 1):
        j -= 1
    return text[j:hyphen]


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure: its value, currency, span in the text, and whether it is a quantity."""

    value: Decimal
    currency: str | None
    start: int
    end: int
    # False for numerals that are part of a name, an ordinal or an idiom ("one of", "no one"):
    # they still ground figures in a story but are never flagged in a section.
    countable: bool
    percent: bool = False
    name: str | None = None  # the name a numeral belongs to, lower case ("opus", "article")
    # The place value of the figure's last written digit: 0.01 for "6.86" and "6.90", 100
    # million for "1.5 billion". A story figure finer than this that rounds to the value
    # supports it ("14%" for 13.8%).
    unit: Decimal = Decimal(1)
    # Other values the text may mean, any of which grounds it: "7.8 m" after tokenising is
    # 7.8 million or 7.8 metres; "50, 000" is 50,000 or a list.
    alternatives: tuple[Decimal, ...] = ()
    fraction: bool = False  # "two-thirds": compared with percentages too
    # The unit of time written right after a count, singular ("year" for "three years", "a
    # three-year deal", "34-year-old"), or the rate of any figure ("per hour" for "12 euros an
    # hour"), or None: "three months" is not the story's "three years".
    measure: str | None = None


def _spoken_pair(before: str, word: str) -> bool:
    """Whether two number words in a row are two numbers: a unit or a teen before a tens word
    ("twelve fifty", "five twenty"), which no single number is written as."""
    return (
        _NUMBER_WORDS.get(before, 100) < 20 and word in _NUMBER_WORDS and _NUMBER_WORDS[word] >= 20
    )


def _words_value(words: list[str]) -> int:
    total = current = 0
    for w in words:
        if w in _NUMBER_WORDS:
            current += _NUMBER_WORDS[w]
        elif w == "hundred":
            current = max(current, 1) * 100
        elif w in _SCALE_WORDS:
            total += max(current, 1) * _SCALE_WORDS[w]
            current = 0
    return total + current


# A sentence's figures and dates are read by the number, misplaced-value and attribution checks
# alike, a story sentence's for every region: a text up to this long is scanned once and what was
# found kept, for as many texts as the sentences of a batch's jobs in flight (32 jobs of about 60
# story and section sentences each, twice over). A longer text (a whole story, read once for its
# facts) is not kept: the cache must not hold stories whose jobs are done.
_KEPT_LENGTH = 1000
_SCANS_KEPT = 4096

T = TypeVar("T")


def scanned_once(scan: Callable[[str], Iterable[T]]) -> Callable[[str], tuple[T, ...]]:
    """``scan`` as a function that returns a tuple, scanning a sentence-long text only once."""
    kept = lru_cache(maxsize=_SCANS_KEPT)(lambda text: tuple(scan(text)))

    @wraps(scan)
    def scanned(text: str) -> tuple[T, ...]:
        return tuple(scan(text)) if len(text) > _KEPT_LENGTH else kept(text)

    return scanned


@scanned_once
def scan_figures(text: str) -> Iterator[Figure]:
    """Every figure in a text: numerals (with scale, currency), number words (seventy-six) and
    halves ("half a percentage point", "two and a half")."""
    lower = text.lower()
    if "half" not in lower and "decade" not in lower:
        yield from _scan(text)
        return
    figures = list(_scan(text))
    if "decade" in lower:
        figures = [_in_years(text, fig) for fig in figures]
    yield from figures
    if "half" in lower:
        yield from _halves(text, figures)


# "three decades" is also 30 years: a story's "for 30 years" grounds it, and the reverse.
_DECADES = re.compile(r"\s+decades?(?![\w-])", re.IGNORECASE)


def _in_years(text: str, fig: Figure) -> Figure:
    if fig.currency is not None or fig.percent or not _DECADES.match(text, fig.end):
        return fig
    return replace(fig, alternatives=(*fig.alternatives, fig.value * 10))


# "half a point", "a half", "half of": a half as news writes it. It grounds a section's "0.5" or
# "50%", and is never flagged itself (like "one of", a word of the language as much as a figure).
_HALF = re.compile(r"(?<![\w-])half(?![\w-])", re.IGNORECASE)
_HALF_A = re.compile(r"(?<![\w-])half\s+an?\s+\Z", re.IGNORECASE)
_AND_A_HALF = re.compile(r"\s+and\s+a\s+half(?![\w-])", re.IGNORECASE)


def _halves(text: str, figures: list[Figure]) -> Iterator[Figure]:
    for fig in figures:
        more = _AND_A_HALF.match(text, fig.end)
        if more is not None:  # "two and a half years": 2.5
            half = fig.value + Decimal("0.5")
            yield Figure(half, fig.currency, fig.start, more.end(), False, fig.percent)
    for m in _HALF.finditer(text):
        yield Figure(Decimal("0.5"), None, m.start(), m.end(), False, fraction=True)


def _scan(text: str) -> Iterator[Figure]:
    if not _ANY_FIGURE.search(text):
        return  # most sentences hold none: skip tokenising them
    # Read by span and groups, not by name: a whole story is tokenised for its facts.
    tokens: list[_Token] = []
    for m in _NUM_TOKEN.finditer(text):
        start, end = m.span()
        num, word = m.groups()
        tokens.append((start, end, num, word or ""))
    # Only a numeral or a number word starts a figure: the loop goes from one to the next,
    # past those a figure before took in.
    starts = [k for k, t in enumerate(tokens) if t[2] or t[3].lower() in _FIGURE_WORDS]
    i = 0
    for k in starts:
        if k < i:
            continue
        i = k
        if tokens[i][2]:
            fig, i = _digit_figure(text, tokens, i)
            yield fig
        else:
            first = tokens[i][3].lower()
            fig, i = _word_figure(text, tokens, i)
            yield fig
            if (
                i < len(tokens)
                and text[fig.end : tokens[i][0]].isspace()
                and _spoken_pair(first, tokens[i][3].lower())
            ):
                # "twelve fifty" is also 12.50, as a price is said: it grounds "12.50" in a
                # story, and a section's own "twelve fifty" is checked as its two numbers.
                cents = Decimal(_NUMBER_WORDS[tokens[i][3].lower()]) / 100
                yield Figure(fig.value + cents, None, fig.start, tokens[i][1], countable=False)


def _digit_figure(text: str, tokens: list[_Token], i: int) -> tuple[Figure, int]:
    start, end, num, _ = tokens[i]
    assert num is not None
    value = Decimal(num.replace(",", ""))
    decimals = num.partition(".")[2]
    unit = Decimal(1).scaleb(-len(decimals))
    alternatives: tuple[Decimal, ...] = ()
    countable = True
    name: str | None = None
    prev = text[start - 1] if start else ""
    prev2 = text[start - 2] if start > 1 else ""
    nxt = text[end : end + 2]
    hyphened = _hyphen_prefix(text, start - 1) if prev == "-" else ""
    if prev.isalpha() or (hyphened and not hyphened.islower()):
        countable = False  # NIS2, x86, GPT-5.5, COVID-19 (but mid-2024 is a date)
    elif (prev in "./:" and prev2.isdigit()) or (nxt[:1] in ("/", ":") and nxt[1:].isdigit()):
        countable = False  # 24/7, 06:00, 4.8.1
    elif i > 0:
        _, p_end, _, p_word = tokens[i - 1]
        if (
            p_word
            and p_end == start - 1
            and text[p_end] == " "
            and is_capitalised(p_word)
            and p_word.lower() not in _NOT_NAME_WORDS
            and p_word not in _CURRENCY_CODES
        ):
            countable = False  # Claude Opus 4.8, Act 2018
            name = p_word.lower()
    j = i + 1
    hundredths = _HUNDREDTHS.match(text, end)
    group = _spaced_thousands(text, tokens, i)
    if group is not None:
        # "50, 000": tokenised text (XSum's) spaces a thousands separator.
        alternatives = (value,)
        value = value * 1000 + group
        end = tokens[j][1]
        j += 1
    scale = 1
    # A suffix glued to the digits: 5m, 1.2bn, 15th, 5G.
    if j < len(tokens) and tokens[j][0] == end and tokens[j][3]:
        suffix = tokens[j][3].lower()
        if suffix in _SCALE_SUFFIXES:
            scale = _SCALE_SUFFIXES[suffix]
        elif suffix != "s":  # the 1990s is a figure
            countable = False  # ordinals (21st) and names (5G, 3D, 2FA)
        end = tokens[j][1]
        j += 1
    elif j < len(tokens) and text[end : tokens[j][0]].isspace():
        after = tokens[j][3].lower()
        if after in _SCALE_WORDS:
            scale = _SCALE_WORDS[after]
        elif (
            after in _SCALE_SUFFIXES
            and text[end : tokens[j][0]] == " "
            and _word_ends(text, tokens[j][1])
        ):
            # "7.8 m", "2 bn": a suffix spaced off by tokenising, or a unit (metres).
            scale = _SCALE_SUFFIXES[after]
            alternatives = (*alternatives, value)
        if scale != 1:
            end = tokens[j][1]
            j += 1
    if _CLOCK.match(text, end):
        countable = False  # "5 pm", "9 a.m.": a time of day, not a quantity
    value *= scale
    unit *= scale
    if hundredths:
        alternatives = (*alternatives, value / 100)
    percent = _PERCENT.match(text, end)
    if percent:
        end = percent.end()
        countable = True  # "Article 5%" is no name
    currency = None
    before = _CURRENCY_BEFORE.search(text, max(0, start - 4), start)
    if before is not None:
        currency = _SYMBOL_CURRENCY[before["sym"]] if before["sym"] else before["code"]
        start = before.start()
    else:
        currency = _currency_after(text, tokens, j, end)
    plain = percent is None and currency is None
    return (
        Figure(
            value,
            currency,
            start,
            end,
            countable,
            percent is not None,
            name,
            unit=unit,
            alternatives=alternatives,
            measure=_measure(text, end, plain),
        ),
        j,
    )


def _word_ends(text: str, end: int) -> bool:
    """Whether a token ending at ``end`` is a word of its own ("m", not the start of "m.")."""
    return end == len(text) or not (text[end].isalnum() or text[end] in ".-/")


def _spaced_thousands(text: str, tokens: list[_Token], i: int) -> Decimal | None:
    """The group of "50, 000" after the 50: three digits after a comma and a space, after a
    bare numeral of at most three digits ("in 2019, 300 people" is two figures)."""
    start, end, num, _ = tokens[i]
    if (
        num is None
        or not num.isdigit()
        or len(num) > 3
        or i + 1 >= len(tokens)
        or text[end : end + 2] != ", "
    ):
        return None
    if i > 0 and tokens[i - 1][3].lower().rstrip(".") in _MONTH_WORDS:
        p_end = tokens[i - 1][1]
        if text[p_end:start].strip(". ") == "":
            return None  # "March 5, 900 people": a date's day, then a figure
    g_start, g_end, group, _ = tokens[i + 1]
    if g_start != end + 2 or group is None or len(group) != 3 or not group.isdigit():
        return None
    if not _word_ends(text, g_end) and text[g_end : g_end + 1] not in (".", "-"):
        return None
    if text[g_end : g_end + 1] == "." and text[g_end + 1 : g_end + 2].isdigit():
        return None
    return Decimal(group)


def _currency_after(text: str, tokens: list[_Token], j: int, end: int) -> str | None:
    """The currency named by the word right after a figure ("5 million euros"), if any."""
    if j < len(tokens) and text[end : tokens[j][0]].isspace():
        return _CURRENCY_WORDS.get(tokens[j][3].lower())
    return None


def _word_figure(text: str, tokens: list[_Token], i: int) -> tuple[Figure, int]:
    start = tokens[i][0]
    words = [tokens[i][3].lower()]
    j = i + 1
    while j < len(tokens):
        gap = text[tokens[j - 1][1] : tokens[j][0]]
        w = tokens[j][3].lower()
        if gap.isspace() and _spoken_pair(words[-1], w):
            break  # "twelve fifty": two numbers said in a row (a price), not one
        if (gap == "-" or gap.isspace()) and (w in _NUMBER_WORDS or w in _SCALE_WORDS):
            words.append(w)
            j += 1
        elif (
            gap.isspace()
            and w == "and"
            and words[-1] in _SCALE_WORDS
            and j + 1 < len(tokens)
            and text[tokens[j][1] : tokens[j + 1][0]].isspace()
            and tokens[j + 1][3].lower() in _NUMBER_WORDS
        ):
            j += 1  # "one hundred and fifty"
        else:
            break
    end = tokens[j - 1][1]
    value = Decimal(_words_value(words))
    first = tokens[i][3]
    countable = True
    percent = _PERCENT.match(text, end)
    fraction = _FRACTION_TAIL.match(text, end)
    if fraction:
        value /= _DENOMINATORS[fraction.group(1).lower().rstrip("s")]
        end = fraction.end()
        j += 1
        countable = not (is_capitalised(first) and not sentence_initial(text, start))
    elif words == ["one"] or words[0] == "zero":
        countable = False  # "one of", "no one", "zero-day": pronouns and idioms
    elif all(w in _SCALE_WORDS for w in words):
        before = text[max(0, start - 64) : start].rstrip().rsplit(maxsplit=1)
        countable = bool(before) and before[-1].lower() == "a"  # "a million", not "millions"
        halved = _HALF_A.search(text, max(0, start - 16), start) if countable else None
        if halved is not None:  # "half a billion dollars" is 500 million, from "half"
            value /= 2
            start = halved.start()
    elif is_capitalised(first) and not sentence_initial(text, start):
        countable = False  # Five Eyes
    elif _IDIOM_TAIL.match(text, end):
        countable = False
    if percent and countable:
        end = percent.end()
    currency = _currency_after(text, tokens, j, end)
    plain = percent is None and currency is None and fraction is None
    return (
        Figure(
            value,
            currency,
            start,
            end,
            countable,
            percent is not None and countable,
            fraction=fraction is not None,
            measure=_measure(text, end, plain),
        ),
        j,
    )
