"""Grounding checks: does a section say only what the story and the region profile support?

`check` runs eleven deterministic checks over a section and returns a `CheckReport`, which also
links every section sentence to the story sentences and profile entries it rests on (see
`localize.grounding._support`). The token-level checks live here; ``attribution`` and ``claim``
(who did
what) in `localize.grounding.attribution._checks`, ``support`` in `localize.grounding._support`:

- ``quote`` (error): a quoted passage that is not in the story. Case, whitespace, punctuation
  and quote style are folded; an editor's ``[insertion]`` stands for up to 8 words and an
  ellipsis for an elision. Single-quoted passages count from 3 words, so apostrophes (UK's,
  don't) and scare quotes ('dangerous') are not quotes.
- ``number`` (error): a figure, date or weekday in neither the story nor the profile (dates
  compare by day and month in any format, `localize.grounding._dates`). Numerals and number words
  compare by value (76 == "Seventy-six", £5m == "£5 million"); money must also match the
  currency. Not figures: numerals in names (NIS2, GPT-5.5, Claude Opus 4.8, Act 2018), ordinals,
  times, "24/7", and number words used as idiom or pronoun ("one of", "no one", "two-factor",
  "zero-day"). "One" alone is never flagged; "two" and up are quantities and are checked, but
  a count the story implies passes ("the two models" for its "Fable and Mythos"). A name's
  numeral is checked when it is a reference ("Article 23") or the story gives that name another
  number ("Claude Opus 4.9" for 4.8); a percentage must be one in the story, not a count.
- ``institution`` (error): an acronym or a named body or law (a capitalised phrase around
  Agency, Office, Act...) found in neither the story nor this region's profile, so the UK's NCSC
  is an error in an EU section; or a known acronym given a wrong expansion. Profile aliases are
  names too; capitalised emphasis ("NOT") is not an acronym.
- ``mention`` (warning): the section names none of the profile's institutions or laws, where the
  profile has one for the story's beat (`localize.regions._select`); the message suggests those.
  Where it has none, no body is asked for: naming one would be name-dropping.
- ``spelling`` (warning): a word in the other spelling variant (American in a British-spelling
  edition or the reverse), unless the story or profile uses it or it is a proper noun. A warning
  because a spelling slip misleads no reader; it is not worth a re-ask.
- ``length`` (error): a body outside the word bounds.
- ``repetition`` (error): a repeated sentence, or a run of 8+ words that occurs twice.
- ``leak`` (error): prompt or model artefacts (template syntax, role labels, "As an AI").
- ``attribution`` (error): the story's act, words or figure given to another actor.
- ``claim`` (error): a public body doing or saying something the story does not report.
- ``support`` (warning): a sentence resting on nothing, or a citation that does not hold.

Errors make a section unpublishable (an invented fact or a broken answer); warnings are for an
editor's eye. Everything is pure and offline: regexes are compiled at import and what is derived
from a story or a profile is cached, so a check costs about a millisecond.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import breame.spelling as _breame  # type: ignore[import-untyped, unused-ignore]

from localize.grounding._dates import DateMention, KnownDates, outside_dates, scan_dates
from localize.grounding._figures import Figure, scan_figures
from localize.grounding._findings import Finding
from localize.grounding._support import SentenceLink, link_sentences
from localize.grounding.attribution._checks import check_actions
from localize.prompting._templates import PromptTemplate, load_template
from localize.regions._namesakes import foreign_namesakes
from localize.regions._profiles import RegionLike, RegionProfile, get_region
from localize.regions._select import Selection, select_entries
from localize.section import LocalizedSection
from localize.story import Story, StoryLike, as_story
from localize.text._citations import Citation
from localize.text._wordfold import fold as _fold
from localize.text._wordfold import fold_tokens as _fold_tokens
from localize.text._wordfold import is_capitalised as _is_capitalised
from localize.text._wordfold import sentence_initial as _sentence_initial
from localize.text._wordfold import word_set as _wordset

__all__ = ["CHECK_IDS", "ENGLISH_ONLY_CHECKS", "CheckReport", "Finding", "check"]

# Report order: the same order the checks are documented in.
CHECK_IDS = (
    "quote",
    "number",
    "institution",
    "mention",
    "spelling",
    "length",
    "repetition",
    "leak",
    "attribution",
    "claim",
    "support",
)

# Checks that read English text, and why they cannot judge a section in another language.
ENGLISH_ONLY_CHECKS: dict[str, str] = {
    "quote": "a quotation in another language is a translation, which cannot match the "
    "story's words",
    "number": "it reads English number words and number formats",
    "spelling": "it compares British and American English spellings",
    "attribution": "it reads who did what from English wording",
    "claim": "it reads what a body did from English verbs",
    "support": "it aligns sentences by their English words",
}

# What the model is told to do about each kind of error when a section is sent back.
_ADVICE: dict[str, str] = {
    "quote": "quote only the story's own words, exactly",
    "number": "use only figures the story gives, written as the story writes them",
    "institution": "name only bodies and laws that the story or the region profile names",
    "repetition": "say each thing once",
    "leak": "return only the section's prose, with no labels, markup or notes",
    "attribution": "keep who did what exactly as the story tells it",
    "claim": "say only what the story reports; name a body only for its standing remit",
}


@dataclass(frozen=True, slots=True)
class CheckReport:
    """Every finding for one section; ``ok`` when none is an error."""

    findings: tuple[Finding, ...]
    # (check id, why) for checks that did not run: those that read English, on other languages.
    skipped: tuple[tuple[str, str], ...] = ()
    # Each section sentence and the story sentences and profile entries it rests on.
    sentences: tuple[SentenceLink, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def error_count(self) -> int:
        return len(self.errors)

    @property
    def warning_count(self) -> int:
        return len(self.warnings)

    def to_dict(self) -> dict[str, Any]:
        """``errors``/``warnings`` are findings in Python; JSON carries them in ``findings``
        and their numbers as ``error_count``/``warning_count`` (one meaning per name)."""
        return {
            "ok": self.ok,
            "findings": [f.to_dict() for f in self.findings],
            "error_count": self.error_count,
            "warning_count": self.warning_count,
            "skipped": [{"check": c, "reason": why} for c, why in self.skipped],
            "sentences": [link.to_dict() for link in self.sentences],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CheckReport:
        skipped = tuple((s["check"], s["reason"]) for s in data.get("skipped", ()))
        return cls(
            tuple(Finding(**f) for f in data["findings"]),
            skipped,
            tuple(SentenceLink.from_dict(s) for s in data.get("sentences") or ()),
        )

    def feedback(self) -> str:
        """The errors as a bullet list addressed to the model, for a re-ask ("" when none).

        Warnings are left out: a re-ask costs a generation, and a spelling slip or a missing
        mention is not worth one.
        """
        lines: list[str] = []
        for f in self.errors:
            advice = _ADVICE.get(f.check)
            line = f"- {f.message.rstrip('.')}; {advice}." if advice else f"- {f.message}"
            if line not in lines:
                lines.append(line)
        return "Fix these problems:\n" + "\n".join(lines) if lines else ""


# --- text helpers -------------------------------------------------------------------------------

_LEADING_HEADING = re.compile(r"\A\s*#{1,6}[ \t]+[^\n]*(?:\n|\Z)")
_APOSTROPHES = str.maketrans("", "", "'\u2019\u2018\u02bc")
_LETTERS = re.compile(r"[A-Za-z]+")


# --- per-story and per-profile data, derived once -------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the grounding checks search in one source (a story or a profile)."""

    folded: str  # see _fold: for quotes and named bodies
    words: frozenset[str]  # lower-case words, for the spelling check
    acronyms: frozenset[str]
    figures: dict[Decimal, frozenset[str | None]]  # value -> currencies it is given in
    expansions: dict[str, frozenset[str]]  # acronym -> folded names written before it
    percents: frozenset[Decimal]  # values given as a percentage
    numbered_names: dict[str, frozenset[Decimal]]  # "opus" -> {4.8}: numerals after a name
    list_sizes: frozenset[int]  # lengths of lists of names ("Fable and Mythos": 2)
    lower_words: frozenset[str]  # words written in lower case somewhere
    dates: KnownDates


def _facts(text: str, extra_expansions: Iterable[tuple[str, str]] = ()) -> _Facts:
    figures: dict[Decimal, set[str | None]] = {}
    percents: set[Decimal] = set()
    numbered: dict[str, set[Decimal]] = {}
    for fig in scan_figures(text):
        figures.setdefault(fig.value, set()).add(fig.currency)
        if fig.percent:
            percents.add(fig.value)
        if fig.name:
            numbered.setdefault(fig.name, set()).add(fig.value)
    acronyms: set[str] = set()
    for m in _ACRONYM.finditer(text):
        acronyms.add(m.group(1))
        acronyms.update(m.group(1).split("-"))
    expansions: dict[str, set[str]] = {}
    for acr, name in (*_expansions(text), *extra_expansions):
        expansions.setdefault(acr, set()).add(_fold(name))
    return _Facts(
        folded=_fold(text),
        words=frozenset(w.lower() for w in _LETTERS.findall(text)),
        acronyms=frozenset(acronyms),
        figures={k: frozenset(v) for k, v in figures.items()},
        expansions={k: frozenset(v) for k, v in expansions.items()},
        percents=frozenset(percents),
        numbered_names={k: frozenset(v) for k, v in numbered.items()},
        list_sizes=frozenset(_list_sizes(text)),
        lower_words=frozenset(w for w in _LETTERS.findall(text) if w.islower()),
        dates=KnownDates.of(text),
    )


# "Fable and Mythos", "Alex Stamos, Casey Ellis and Jon Callas": a list of names, whose length
# a section may give as a count ("the two models").
_LIST_ITEM = r"[A-Z][\w.\u2019'-]*(?:\s+(?:[A-Z][\w.\u2019'-]*|\d[\d.]*))*"
_NAME_LIST = re.compile(rf"{_LIST_ITEM}(?:,\s+{_LIST_ITEM})*,?\s+(?:and|or)\s+{_LIST_ITEM}")
_LIST_SEPARATOR = re.compile(r",\s+(?:and\s+|or\s+)?|\s+(?:and|or)\s+")


def _list_sizes(text: str) -> Iterator[int]:
    for m in _NAME_LIST.finditer(text):
        yield len(_LIST_SEPARATOR.split(m.group()))


@lru_cache(maxsize=32)
def _story_facts(story: Story) -> _Facts:
    return _facts(story.text)


@dataclass(frozen=True, slots=True)
class _ProfileFacts:
    facts: _Facts
    label: str  # "the United Kingdom profile", for messages
    spelling: str  # british, american or canadian
    acronym_names: dict[str, str]  # institution acronym -> its name
    region_words: frozenset[str]  # lower-case words that name a region
    mention_names: tuple[str, ...]  # folded institution and law names
    mention_acronyms: tuple[re.Pattern[str], ...]


@lru_cache(maxsize=32)
def _profile_facts(profile: RegionProfile) -> _ProfileFacts:
    pairs: list[tuple[str, str]] = []
    names: list[str] = []
    acronyms: list[str] = []
    for inst in profile.institutions:
        names.append(inst.name)
        if inst.acronym:
            acronyms.append(inst.acronym)
            if _ACRONYM_ONLY.fullmatch(inst.acronym):
                pairs.append((inst.acronym, inst.name))
    # Laws are left out of the acronym-to-name pairs: a short name is often no acronym of the
    # name ("the Network and Information Security Directive (NIS2)" is right).
    for law in profile.laws:
        names.append(law.name)
        if law.short_name:
            acronyms.append(law.short_name)
    # Whole aliases only: "federal government" must not make "Federal" a region word.
    region_words = set(_COMMON_REGION_WORDS)
    region_words.update(_fold(alias).strip() for alias in (profile.name, *profile.aliases))
    return _ProfileFacts(
        facts=_facts(profile.text, pairs),
        acronym_names=dict(pairs),
        label=f"the {profile.name} profile",
        spelling=profile.spelling,
        region_words=frozenset(region_words),
        mention_names=tuple(_fold(n) for n in names),
        mention_acronyms=tuple(re.compile(rf"(?<![\w-]){re.escape(a)}(?![\w-])") for a in acronyms),
    )


# --- quote --------------------------------------------------------------------------------------

_DOUBLE_QUOTED = re.compile(r"[\"\u201c\u201d]([^\"\u201c\u201d\n]+)[\"\u201c\u201d]")
# An opening single quote follows no word character and precedes one; a closing one follows a
# non-space and precedes no word character. Apostrophes inside words (Anthropic's, don't, UK's)
# are neither, so they neither open nor close a quote.
_SINGLE_QUOTED = re.compile(
    r"(?<![\w'\u2019\u2018])['\u2018](?=\w)"
    r"((?:[^\n'\u2018\u2019]|(?<=\w)['\u2019](?=\w))+?)"
    r"(?<=\S)['\u2019](?!\w)"
)
_SINGLE_QUOTE_MIN_WORDS = 3
_JSON_KEY_AFTER = re.compile(r"\s*:")
_JSON_VALUE_BEFORE = re.compile(r"[{,]\s*\"[^\"\n]*\"\s*:\s*\Z")
# An editor's [insertion] stands for zero or more of the speaker's words; an ellipsis for an
# elision, which may be longer.
_QUOTE_GAP = re.compile(r"\[[^\]\n]*\]|\.\.\.|\u2026")
_BRACKET_MAX_WORDS = 8
_ELLIPSIS_MAX_WORDS = 60


def _quoted_passages(body: str) -> Iterator[str]:
    for m in _DOUBLE_QUOTED.finditer(body):
        # JSON keys and values ({"body": "..."}) are a leak, reported as one; not quotes.
        if _JSON_KEY_AFTER.match(body, m.end()) or _JSON_VALUE_BEFORE.search(body, 0, m.start()):
            continue
        yield m.group(1)
    for m in _SINGLE_QUOTED.finditer(body):
        if len(m.group(1).split()) >= _SINGLE_QUOTE_MIN_WORDS:
            yield m.group(1)


def _quote_in(quote: str, haystack: str) -> bool:
    pieces: list[str] = []
    gaps: list[int] = []
    pos = 0
    for m in _QUOTE_GAP.finditer(quote):
        pieces.append(" ".join(_fold_tokens(quote[pos : m.start()])))
        gaps.append(_BRACKET_MAX_WORDS if m.group().startswith("[") else _ELLIPSIS_MAX_WORDS)
        pos = m.end()
    pieces.append(" ".join(_fold_tokens(quote[pos:])))
    if not gaps:
        return f" {pieces[0]} " in haystack
    pattern = ""
    for i, piece in enumerate(pieces):
        if piece:
            pattern += re.escape(" " + piece)
        if i < len(gaps):
            pattern += rf"(?: \S+){{0,{gaps[i]}}}"
    return not pattern or re.search(pattern + " ", haystack) is not None


def _check_quotes(body: str, story: _Facts) -> Iterator[Finding]:
    seen: set[str] = set()
    for quote in _quoted_passages(body):
        quote = quote.strip()
        key = " ".join(_fold_tokens(quote))
        if not key or key in seen:
            continue
        seen.add(key)
        if not _quote_in(quote, story.folded):
            yield Finding(
                "quote", "error", f'The quote "{quote}" does not appear in the story.', quote
            )


# --- number -------------------------------------------------------------------------------------


def _same_currency(a: str, b: str) -> bool:
    # A bare "$" may be US or Australian dollars.
    return a == b or (a == "$" and b in ("USD", "AUD")) or (b == "$" and a in ("USD", "AUD"))


# A numeral after these words is a reference the story must give as it is ("Article 23").
_REFERENCE_WORDS = _wordset("""
    article articles section clause chapter annex recital paragraph part schedule title rule
    version v
""")
# Law names carry years: an unknown one is the institution check's business.
_LAW_WORDS = _wordset("act bill directive regulation regulations law")
_MAX_LIST_COUNT = 12


def _numbered_name_finding(
    fig: Figure, span: str, story: _Facts, profile: _Facts
) -> Finding | None:
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
    if known and not _YEAR.fullmatch(str(fig.value)):
        versions = ", ".join(sorted(str(v) for v in known))
        return Finding(
            "number",
            "error",
            f'The number in "{span}" is not the story\'s ({versions}).',
            span,
        )
    return None


def _date_findings(
    body: str, mentions: list[DateMention], story: _Facts, profile: _Facts
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


def _figure_finding(fig: Figure, span: str, story: _Facts, profile: _Facts) -> Finding | None:
    """A countable figure the sources do not give, or give as no percentage or in another
    currency."""
    currencies = story.figures.get(fig.value, frozenset()) | profile.figures.get(
        fig.value, frozenset()
    )
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


def _check_numbers(body: str, story: _Facts, profile: _ProfileFacts) -> Iterator[Finding]:
    """Figures, references and dates the story does not give."""
    mentions = list(scan_dates(body))
    yield from _date_findings(body, mentions, story, profile.facts)
    seen: set[str] = set()
    for fig in outside_dates(scan_figures(body), mentions):  # a date's numerals are its own
        if fig.countable:
            span = body[fig.start : fig.end]
            found = None if span in seen else _figure_finding(fig, span, story, profile.facts)
        else:
            start = body.rfind(" ", 0, fig.start - 1) + 1 if fig.name else fig.start
            span = body[start : fig.end]
            found = (
                None if span in seen else _numbered_name_finding(fig, span, story, profile.facts)
            )
        if found is not None:
            seen.add(span)
            yield found


# --- institution --------------------------------------------------------------------------------

_ACRONYM = re.compile(
    r"(?<![\w-])([A-Z][A-Z0-9]*[A-Z][A-Z0-9]*(?:-[A-Z][A-Z0-9]*)*)(?:s|['\u2019]s)?(?!\w)"
)
_ACRONYM_ONLY = re.compile(r"[A-Z][A-Z0-9]*[A-Z][A-Z0-9]*(?:-[A-Z][A-Z0-9]*)*")
_YEAR = re.compile(r"(?:19|20)\d\d")
_LABEL_AFTER = re.compile(r"(?:[ \t]+[A-Z]+)*[ \t]*:")
_PAREN_ACRONYM = re.compile(r"\(([A-Z][A-Z0-9]*[A-Z][A-Z0-9]*(?:-[A-Z][A-Z0-9]*)*)\)")
_NAME_TOKEN = re.compile(r"[^\W_](?:[\w-]*[^\W_])?(?:['\u2019]s)?")
_CONNECTORS = frozenset({"of", "for", "on", "and", "the"})
# Acronyms any section may use without a source: everyday business and technology terms, and
# regions. They name no institution, so they cannot be an invented one.
_EVERYDAY_ACRONYMS = _wordset("""
    AI AGI API CEO CTO CISO CIO CFO COO CSO IT OT PDF FAQ OK TV PR HR GDP ID IP VPN MFA
    SMS URL PC OS USB GPU CPU LLM ML SME SMB B2B B2C CV DNS HTTP HTTPS SQL ICT CCTV NGO PLC LLC
    CVE SOC EDR XDR SIEM MSP MSSP IAM SSO ISP VAT GPS AM PM QA UX UI RAM COVID
    UK US USA EU GB UAE NZ
    II III IV VI VII VIII IX XI XII
""")
_COMMON_REGION_WORDS = _wordset("""
    uk britain british britains england scotland wales eu europe european europes us usa america
    american americas australia australian australias
""")
# Head words of a named public body or law: a capitalised phrase around one is a name to ground.
_HEADS = _wordset("""
    Agency Authority Commission Office Centre Center Department Ministry Directorate Council Board
    Bureau Regulator Commissioner Service Institute Administration Committee Parliament Court
    Tribunal Ombudsman Inspectorate Unit Taskforce Act Bill Directive Regulation Regulations
""")


def _expansions(text: str) -> Iterator[tuple[str, str]]:
    """(acronym, name) for every "Name Of Body (ACR)" in a text."""
    tokens = list(_NAME_TOKEN.finditer(text))
    ends = {t.end(): k for k, t in enumerate(tokens)}
    for m in _PAREN_ACRONYM.finditer(text):
        k = ends.get(m.start() - 1)
        if k is None or text[m.start() - 1] != " ":
            continue
        first = _name_start(text, tokens, k)
        if first < k:
            yield m.group(1), text[tokens[first].start() : tokens[k].end()]


def _gap_is_space(text: str, a: re.Match[str], b: re.Match[str]) -> bool:
    gap = text[a.end() : b.start()]
    return bool(gap) and gap.isspace() and "\n" not in gap


def _name_start(text: str, tokens: list[re.Match[str]], k: int) -> int:
    """Index of the first token of the capitalised name phrase that ends at token ``k``."""
    first = k
    j = k - 1
    while j >= 0 and _gap_is_space(text, tokens[j], tokens[j + 1]):
        word = tokens[j].group()
        if _is_capitalised(word):
            first = j
        elif word in _CONNECTORS and j > 0 and _gap_is_space(text, tokens[j - 1], tokens[j]):
            before = tokens[j - 1].group()
            # "the" only inside a name ("Office of the Australian ..."), never before one.
            if word == "the" and before not in ("of", "for", "on"):
                break
            if word != "the" and not _is_capitalised(before):
                break
        else:
            break
        j -= 1
    return first


def _name_end(text: str, tokens: list[re.Match[str]], k: int) -> int:
    """Index of the last token of a name whose head is token ``k`` ("Bureau of Industry ...")."""
    j = k + 1
    if (
        j < len(tokens)
        and _gap_is_space(text, tokens[k], tokens[j])
        and _YEAR.fullmatch(tokens[j].group())
    ):
        return j  # Computer Misuse Act 1990
    if not (
        j < len(tokens)
        and tokens[j].group() in ("of", "for", "on")
        and _gap_is_space(text, tokens[k], tokens[j])
    ):
        return k
    last = k
    prev = ""
    while j < len(tokens):
        word = tokens[j].group()
        gap = text[tokens[j - 1].end() : tokens[j].start()]
        if "\n" in gap or not (gap.isspace() or (gap.strip() == "," and _is_capitalised(word))):
            break
        if _is_capitalised(word):
            if prev == "and" and _ACRONYM_ONLY.fullmatch(word):
                break  # "Department of Homeland Security and CISA": two bodies
            last = j
        elif word == "the":
            if prev not in ("of", "for", "on"):
                break  # "... and Trade and the Home Office": the next body
        elif word not in _CONNECTORS or prev in _CONNECTORS:
            break
        prev = word
        j += 1
    return last


def _is_head(word: str) -> bool:
    bare = _strip_possessive(word)
    return bare in _HEADS or bare.split("-", 1)[0] in _HEADS  # Directorate-General


def _strip_possessive(word: str) -> str:
    return word[:-2] if word.endswith(("'s", "\u2019s")) else word


@dataclass
class _Reported:
    """What the institution check has reported so far, so one fault yields one finding."""

    spans: list[tuple[int, int]] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)  # acronyms and folded names

    def overlaps(self, start: int, end: int) -> bool:
        return any(a < end and start < b for a, b in self.spans)


def _check_institutions(
    body: str, story: _Facts, profile: _ProfileFacts, english: bool = True
) -> Iterator[Finding]:
    tokens = list(_NAME_TOKEN.finditer(body))
    reported = _Reported()
    yield from _wrong_expansions(body, tokens, story, profile, reported)
    yield from _unknown_bodies(body, tokens, story, profile, reported)
    if english:
        # In another language an acronym is often the story's, translated (OMS for WHO, UE for
        # EU): unknown to the story, yet right.
        yield from _unknown_acronyms(body, story, profile, reported)


def _wrong_expansions(
    body: str,
    tokens: list[re.Match[str]],
    story: _Facts,
    profile: _ProfileFacts,
    reported: _Reported,
) -> Iterator[Finding]:
    """A known acronym after a name that is not its expansion: "National Crime ... (NCSC)"."""
    ends = {t.end(): k for k, t in enumerate(tokens)}
    for m in _PAREN_ACRONYM.finditer(body):
        acr = m.group(1)
        known = profile.facts.expansions.get(acr, frozenset()) | story.expansions.get(
            acr, frozenset()
        )
        k = ends.get(m.start() - 1)
        if not known or k is None:
            continue
        first = _drop_leading(tokens, _name_start(body, tokens, k), k, profile)
        phrase = tokens[first : k + 1]
        if sum(_is_capitalised(t.group()) for t in phrase) < 2:
            continue  # a description ("the UK's cyber agency (NCSC)"), not an expansion
        folded = _fold(body[phrase[0].start() : phrase[-1].end()])
        if any(name.endswith(folded) or folded.endswith(name) for name in known):
            continue
        span = body[phrase[0].start() : m.end()]
        reported.spans.append((phrase[0].start(), m.end()))
        reported.keys.add(acr)
        yield Finding(
            "institution",
            "error",
            f'"{span}" gives {acr} the wrong name: {acr} is the '
            f"{_display_name(acr, profile, story)}.",
            span,
        )


def _unknown_bodies(
    body: str,
    tokens: list[re.Match[str]],
    story: _Facts,
    profile: _ProfileFacts,
    reported: _Reported,
) -> Iterator[Finding]:
    """Named bodies and laws (a capitalised phrase around Agency, Office, Act...) not grounded."""
    grounded = story.folded + profile.facts.folded
    k = 0
    while k < len(tokens):
        word = tokens[k].group()
        # A head followed by another capitalised word is a modifier ("Information
        # Commissioner's Office"): the name is judged at its last head.
        if not _is_head(word) or (
            k + 1 < len(tokens)
            and _gap_is_space(body, tokens[k], tokens[k + 1])
            and _is_capitalised(tokens[k + 1].group())
        ):
            k += 1
            continue
        head = k
        first = _name_start(body, tokens, k)
        last = _name_end(body, tokens, k)
        k = last + 1
        if reported.overlaps(tokens[first].start(), tokens[last].end()):
            continue
        if _name_grounded(body, tokens, first, head, last, grounded, profile):
            continue
        first = _drop_leading(tokens, first, last, profile)
        if last - first < 1:
            continue  # one word ("Parliament", "the Commission"): too vague to judge
        start, end = tokens[first].start(), tokens[last].end()
        key = _fold(body[start:end])
        paren = _PAREN_ACRONYM.match(body, end + 1) if body[end : end + 1] == " " else None
        if paren:
            if _acronym_grounded(paren.group(1), story, profile):
                # A known acronym vouches for its spelled-out name ("the Network and
                # Information Security Directive (NIS2)"); a wrong one was reported already.
                continue
            reported.keys.add(paren.group(1))
            end = paren.end()
        reported.spans.append((start, end))
        if key in reported.keys:
            continue
        reported.keys.add(key)
        yield Finding(
            "institution",
            "error",
            f'"{body[start:end]}" is not named in the story or {profile.label}.',
            body[start:end],
        )


def _unknown_acronyms(
    body: str, story: _Facts, profile: _ProfileFacts, reported: _Reported
) -> Iterator[Finding]:
    for m in _ACRONYM.finditer(body):
        acr = m.group(1)
        if acr in reported.keys or reported.overlaps(m.start(), m.end()):
            continue
        if _LABEL_AFTER.match(body, m.end()):
            continue  # "REGION PROFILE:", "NOTE:": a label (the leak check's business)
        if _acronym_grounded(acr, story, profile):
            continue
        reported.keys.add(acr)
        yield Finding(
            "institution",
            "error",
            f"The acronym {acr} is not in the story or {profile.label}.",
            acr,
        )


def _acronym_grounded(acr: str, story: _Facts, profile: _ProfileFacts) -> bool:
    return (
        _is_emphasis(acr, story, profile)
        or acr in _EVERYDAY_ACRONYMS
        or acr in story.acronyms
        or acr in profile.facts.acronyms
        or acr.lower() in profile.region_words
    )


# Words a writer capitalises for emphasis ("this is NOT a ban"); other English words count when
# the story or the profile writes them in lower case.
_EMPHASIS_WORDS = _wordset("""
    not no never all any every must only now very new free stop warning urgent important
    critical do don't cannot will won't before after this that is are was and or but
""")


def _is_emphasis(word: str, story: _Facts, profile: _ProfileFacts) -> bool:
    lower = word.lower()
    if len(word) < 2 or not word.isalpha():
        return False
    return lower in _EMPHASIS_WORDS or (
        len(word) > 3 and (lower in story.lower_words or lower in profile.facts.lower_words)
    )


def _drop_leading(
    tokens: list[re.Match[str]], first: int, last: int, profile: _ProfileFacts
) -> int:
    """Skip words that lead into a name without being part of it: "The", "UK's", connectors.

    A bare region word stays: in "European Cyber Defence Authority" it is part of the name.
    """
    while first < last:
        word = tokens[first].group()
        bare = _strip_possessive(word)
        if word.lower() in _CONNECTORS or (bare != word and bare.lower() in profile.region_words):
            first += 1
        else:
            break
    return first


def _name_grounded(
    body: str,
    tokens: list[re.Match[str]],
    first: int,
    head: int,
    last: int,
    grounded: str,
    profile: _ProfileFacts,
) -> bool:
    """Whether the phrase, or a shorter phrase around its head, is in the story or the profile.

    Leading words may go when they are not part of the name (a region, "The", an acronym or the
    word a sentence starts with: "NCSC and Information Commissioner's Office"); trailing words
    may go when the phrase ran on past the name. At least two words must remain, so "Cyber
    Defence Agency" is not grounded by the profile's mere "Agency".
    """
    ends = [
        j
        for j in range(last, head - 1, -1)
        if _is_capitalised(tokens[j].group()) or _YEAR.fullmatch(tokens[j].group())
    ]
    lo = first
    while True:
        for hi in ends:
            phrase = _strip_possessive(body[tokens[lo].start() : tokens[hi].end()])
            if hi - lo >= 1 and _fold(phrase) in grounded:
                return True
        if lo >= head:
            return False
        word = tokens[lo].group()
        bare = _strip_possessive(word)
        droppable = (
            bare.lower() in profile.region_words
            or bare.lower() in _CONNECTORS
            or _ACRONYM_ONLY.fullmatch(bare) is not None
            or (lo == first and _sentence_initial(body, tokens[lo].start()))
        )
        if not droppable:
            return False
        lo += 1


def _display_name(acr: str, profile: _ProfileFacts, story: _Facts) -> str:
    if acr in profile.acronym_names:
        return profile.acronym_names[acr]
    return min(story.expansions.get(acr) or {acr}).strip().title()


# --- mention ------------------------------------------------------------------------------------


def _check_mention(body: str, profile: _ProfileFacts, selection: Selection) -> Iterator[Finding]:
    if not selection.relevant:
        return  # the profile has no body on this story's beat: naming one would be name-dropping
    folded = _fold(body)
    if any(name in folded for name in profile.mention_names):
        return
    if any(p.search(body) for p in profile.mention_acronyms):
        return
    examples = " or ".join(
        getattr(c.entry, "acronym", None) or c.name for c in selection.chosen[:2]
    )
    yield Finding(
        "mention",
        "warning",
        f"The section names no institution or law from {profile.label}, such as {examples} "
        f"(for this story's beat: {', '.join(selection.beats) or 'its subject'}).",
    )


# --- spelling -----------------------------------------------------------------------------------

# breame lists words whose other-variant spelling exists; these also have a sense, or a
# standing, in which the variant is correct too, so flagging them would be a false alarm.
_ALSO_BRITISH = _wordset("""
    program programs practice practices license licensed licenses licensing disk disks meter
    meters tire tires ton tons install installs draft drafts judgment connection connections
    inflection inflections filter filters gram grams kilogram kilograms milligram milligrams
    griffin griffins groin groins biased biasing siphon siphoned siphoning siphons analog analogs
    dialog dialogs medieval primeval encyclopedia encyclopedias encyclopedic fetus fetuses fetal
    sulfur sulfate sulfates sulfide sulfides sulfurous chimera chimeras gluing bevy bevies balk
    balked balking balks gage gaged gages gaging busses gasses pouf poufs misspelled yogurt
    yogurts homeopath homeopaths homeopathic homeopathy presidium presidiums pummel pummeled
    estrogen
""")
_ALSO_AMERICAN = _wordset("""
    buses busing gases gauge gauged gauges gauging fillet filleted filleting fillets aesthetic
    aesthetics aesthetically dialogue dialogues disc discs axe tonne tonnes cancellation
    cancellations archaeology archaeological archaeologically archaeologist archaeologists
    glamour likeable theatre theatres bingeing epaulette epaulettes analogue analogues monologue
    monologues epilogue epilogues prologue prologues travelogue travelogues omelette omelettes
    woolly sheikh catalogue catalogued catalogues cataloguing analyses catalyses paralyses
    psychoanalyses
""")


def _only_ize(a: str, b: str) -> bool:
    """Whether two spellings differ only as -ise/-ize or -yse/-yze do."""
    return a != b and a.replace("z", "s") == b.replace("z", "s")


def _other_variant(word: str, spelling: str) -> str | None:
    """The house spelling of ``word`` when it is the other variant's spelling, else None.

    Canadian spelling is British (colour, centre, defence) except that it writes -ize and -yze
    (organization, analyze) as American does.
    """
    if spelling == "canadian":
        british = _other_variant(word, "british")  # word is American: colour for color
        if british is not None:
            return None if _only_ize(word, british) else british
        american = _other_variant(word, "american")  # word is British: organization
        return american if american is not None and _only_ize(word, american) else None
    if spelling == "british":
        if word in _ALSO_BRITISH or not _breame.american_spelling_exists(word):
            return None
        return str(_breame.get_british_spelling(word))
    if word in _ALSO_AMERICAN or not _breame.british_spelling_exists(word):
        return None
    return str(_breame.get_american_spelling(word))


def _check_spelling(body: str, story: _Facts, profile: _ProfileFacts) -> Iterator[Finding]:
    seen: set[str] = set()
    variant = profile.spelling.capitalize()
    other = "British" if profile.spelling == "american" else "American"
    for m in _LETTERS.finditer(body):
        word = m.group()
        lower = word.lower()
        if lower in seen or lower in story.words or lower in profile.facts.words:
            continue
        # Proper nouns keep their own spelling: "Australian Cyber Security Centre" in a US
        # edition, "Pearl Harbor" in a British one.
        if (word.isupper() and len(word) > 1) or (
            word[0].isupper() and not _sentence_initial(body, m.start())
        ):
            continue
        expected = _other_variant(lower, profile.spelling)
        if expected is None:
            continue
        seen.add(lower)
        if profile.spelling == "canadian":  # either other variant: color, or organisation
            other = "British" if _breame.american_spelling_exists(lower) else "American"
        if word[0].isupper():
            expected = expected[0].upper() + expected[1:]
        yield Finding(
            "spelling",
            "warning",
            f'"{word}" is the {other} spelling; this edition uses {variant} spelling '
            f'("{expected}").',
            word,
        )


# --- length -------------------------------------------------------------------------------------


# Chinese, Japanese and Korean script, written without spaces between words.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_CJK_CHARS_PER_WORD = 2  # a Japanese or Chinese word averages about two characters


def _word_count(body: str) -> int:
    """Words, with text in a script that has no spaces counted at two characters a word."""
    cjk = len(_CJK.findall(body))
    return len(_CJK.sub(" ", body).split()) + cjk // _CJK_CHARS_PER_WORD


def _check_length(body: str, min_words: int | None, max_words: int | None) -> Iterator[Finding]:
    n = _word_count(body)
    if min_words is not None and n < min_words:
        yield Finding(
            "length", "error", f"The section is {n} words long; write at least {min_words} words."
        )
    elif max_words is not None and n > max_words:
        yield Finding(
            "length", "error", f"The section is {n} words long; write at most {max_words} words."
        )


# --- repetition ---------------------------------------------------------------------------------

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"'\u201d\u2019)]*|\n|\Z)")
_WORD_SPAN = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_MIN_SENTENCE_WORDS = 4
_RUN_WORDS = 8


def _check_repetition(body: str) -> Iterator[Finding]:
    seen_sentences: dict[str, int] = {}
    repeated: list[str] = []
    for m in _SENTENCE.finditer(body):
        key = " ".join(_fold_tokens(m.group()))
        if len(key.split()) < _MIN_SENTENCE_WORDS:
            continue
        count = seen_sentences.get(key, 0) + 1
        seen_sentences[key] = count
        if count == 2:
            repeated.append(key)
            text = m.group().strip()
            yield Finding("repetition", "error", f'The sentence "{text}" is repeated.', text)

    words = list(_WORD_SPAN.finditer(body))
    folded = [w.group().lower().translate(_APOSTROPHES) for w in words]
    first_at: dict[tuple[str, ...], int] = {}
    i = 0
    while i + _RUN_WORDS <= len(folded):
        gram = tuple(folded[i : i + _RUN_WORDS])
        j = first_at.setdefault(gram, i)
        if j == i:
            i += 1
            continue
        n = _RUN_WORDS
        while i + n < len(folded) and folded[j + n] == folded[i + n]:
            n += 1
        run = " ".join(folded[i : i + n])
        if not any(run in sentence for sentence in repeated):
            repeated.append(run)  # a third occurrence is the same fault
            text = body[words[i].start() : words[i + n - 1].end()]
            yield Finding("repetition", "error", f'The passage "{text}" is repeated.', text)
        i += n


# --- leak ---------------------------------------------------------------------------------------

_LEAKS_RAW = tuple(
    re.compile(p)
    for p in (
        r"\{\{|\}\}|\{%|%\}|\{#",  # template syntax
        r"<\|[A-Za-z0-9_]+\|>|\[/?INST\]|<</?SYS>>|</?s>|</?think>",  # chat-format tokens
        r"(?im)^[ \t]*(?:system|user|assistant|human)[ \t]*:",  # role labels
        r"(?i)</?(?:story|region|profile|section|instructions?|article|context|input|output)>",
        r"(?m)^[ \t]*(?:Headline|Region|Audience|Institutions|Laws|Spelling and style|Story|"
        r"Region profile|Instructions|Heading|Body)[ \t]*:",  # the prompt's labels
        r"\b(?:STORY|REGION PROFILE|REGION|PROFILE|INSTRUCTIONS|SECTION|OUTPUT)[ \t]*:",
        r"(?im)^[ \t]*#{1,6}[ \t]*(?:instructions|story|region|region profile|rules|task|output|"
        r"response|answer)\b",
        r"\{\s*\"(?:body|heading|section|text|paragraphs|sources)\"\s*:",  # a raw JSON answer
        r"```",
    )
)
# Conversational artefacts; looked for outside quotes, since a source may say "I cannot".
_LEAKS_PROSE = tuple(
    re.compile(p)
    for p in (
        r"(?i)\bas an ai\b",
        r"(?i)\b(?:I cannot|I can['\u2019]t|I(?:'m| am) unable to|I(?:'m| am) sorry|"
        r"I apologi[sz]e)\b",
        r"(?i)\bhere(?:['\u2019]s| is| are)\s+(?:the|your|a|an|my)\s+(?:[\w-]+\s+){0,3}?"
        r"(?:section|paragraphs?|text|draft|version|rewrite|response|answer|json|output)\b",
        r"(?m)^[ \t]*Sure\b[,!.]|\A\s*(?:Okay|OK)\b[,!]|\A\s*Certainly!",
        r"(?i)\bword count\s*:|\blet me know if\b",
        # A weak model may echo the re-ask instead of answering it.
        r"(?i)\bfix these problems\b|\bcannot be published as it is\b|"
        r"\bthe section is \d+ words long\b|\bJSON object with the key\b",
    )
)


def _mask_quotes(text: str) -> str:
    return _DOUBLE_QUOTED.sub(lambda m: " " * len(m.group()), text)


def _check_leaks(raw: str) -> Iterator[Finding]:
    prose = _mask_quotes(raw)
    for patterns, text in ((_LEAKS_RAW, raw), (_LEAKS_PROSE, prose)):
        for pattern in patterns:
            m = pattern.search(text)
            if m:
                span = raw[m.start() : m.end()].strip()
                yield Finding(
                    "leak", "error", f'The section contains prompt or model text ("{span}").', span
                )


# --- entry point --------------------------------------------------------------------------------


def _section_body(
    section: LocalizedSection | str, citations: tuple[Citation, ...] | None
) -> tuple[str, str, tuple[Citation, ...]]:
    """The whole text, the body to check (no leading heading) and the citations aimed at it."""
    raw = section.body if isinstance(section, LocalizedSection) else section
    if citations is None:
        citations = section.citations if isinstance(section, LocalizedSection) else ()
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    heading = _LEADING_HEADING.match(raw)
    body = raw[heading.end() if heading else 0 :]
    # Citation spans are offsets into the body: keep them aligned with the stripped text.
    shift = heading.end() if heading else 0
    shift += len(body) - len(body.lstrip())
    if shift:
        citations = tuple(
            Citation(max(0, c.start - shift), max(0, c.end - shift), c.sources) for c in citations
        )
    return raw, body.strip(), citations


def check(
    section: LocalizedSection | str,
    story: StoryLike,
    region: RegionLike,
    *,
    template: PromptTemplate | str | Path | None = None,
    min_words: int | None = None,
    max_words: int | None = None,
    profiles: str | Path | None = None,
    citations: tuple[Citation, ...] | None = None,
) -> CheckReport:
    """Check a section against its story and region profile.

    A ``str`` section is the body; a leading Markdown heading line is not checked (except for
    leaks, which are looked for everywhere). ``story`` and ``region`` take the same forms as in
    `localize.localize` (see `localize.as_story` and `localize.get_region`). The word bounds
    are the template's (``words`` in its front matter; the built-in ``section`` template by
    default), unless ``min_words`` or ``max_words`` is given. ``citations`` (default: the
    section's own) are verified and complete the sentence links in the report.
    """
    story = as_story(story)
    region = get_region(region, profiles=profiles)
    tmpl = load_template(template)
    min_words = tmpl.min_words if min_words is None else min_words
    max_words = tmpl.max_words if max_words is None else max_words
    raw, body, citations = _section_body(section, citations)
    story_facts = _story_facts(story)
    profile_facts = _profile_facts(region)
    skipped = () if region.english else tuple(ENGLISH_ONLY_CHECKS.items())
    english = region.english
    links, support_findings = link_sentences(body, citations, story, region)
    findings = [
        *(_check_quotes(body, story_facts) if english else ()),
        *(_check_numbers(body, story_facts, profile_facts) if english else ()),
        *_check_institutions(body, story_facts, profile_facts, english),
        *(
            Finding("institution", "error", message, span)
            for message, span in foreign_namesakes(body, story.text, region)
        ),
        *_check_mention(body, profile_facts, select_entries(story.text, region)),
        *(_check_spelling(body, story_facts, profile_facts) if english else ()),
        *_check_length(body, min_words, max_words),
        *_check_repetition(body),
        *_check_leaks(raw),
        *(check_actions(body, story, region) if english else ()),
        *(support_findings if english else ()),
    ]
    findings.sort(key=lambda f: CHECK_IDS.index(f.check))
    return CheckReport(tuple(findings), skipped, links)
