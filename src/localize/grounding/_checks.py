"""Grounding checks: does a section say only what the story and the region profile support?

`check` runs the registered checks (`localize.grounding._registry`; fourteen built in, one module
each) over a section and returns a `CheckReport`, which also links every section sentence to the
story sentences and profile entries it rests on (see `localize.grounding._support`). Each check
reads a `CheckContext`; ``attribution`` and ``claim`` (who did what) live in
`localize.grounding.attribution._checks`, ``support`` in `localize.grounding._support`:

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
- ``region`` (error): the section does not fit its region: another region's body, law, readers
  or currency, a story organisation made this region's own, no word about its region at all,
  or another language than the profile's (`localize.grounding._region_fit`).
- ``spelling`` (warning): a word in the other spelling variant (American in a British-spelling
  edition or the reverse), unless the story or profile uses it or it is a proper noun. A warning
  because a spelling slip misleads no reader; it is not worth a re-ask.
- ``length`` (error): a body outside the word bounds.
- ``repetition`` (error): a repeated sentence, or a run of 8+ words that occurs twice.
- ``leak`` (error): prompt or model artefacts (template syntax, role labels, "As an AI").
- ``attribution`` (error): the story's act, words or figure given to another actor.
- ``claim`` (error): a public body doing or saying something the story does not report, in
  any form (done, reported, planned, hedged about the story's event, in a relative clause), or
  given a remit its profile does not give it.
- ``paraphrase`` (error): a clause restating a story clause with an opposite, an added or
  dropped negation, or another date or name (`localize.grounding._paraphrase`); or a figure,
  date or period the story gives, put where it gives another (`localize.grounding._misplaced`).
- ``meta`` (error): text about the story or the section itself ("This story is about").
- ``support`` (warning): a sentence resting on nothing, or a citation that does not hold.
- ``verified`` (warning; opt-in, not run by `check`): the configured endpoint found a sentence
  unsupported by the story sentences linked to it (`localize.grounding._verifier`).

Errors make a section unpublishable (an invented fact or a broken answer); warnings are for an
editor's eye. A run may turn a check off or change its severity (`resolve_severities`).
Everything is pure and offline: regexes are compiled at import and what is derived from a story
or a profile is cached, so a check costs about a millisecond.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from localize.grounding._context import CheckContext
from localize.grounding._findings import Finding
from localize.grounding._plugins import load_plugin_checks
from localize.grounding._registry import (
    BUILT_IN,
    RegisteredCheck,
    registered_checks,
    resolve_severities,
)
from localize.grounding._support import SentenceLink
from localize.grounding._verifier import Verification
from localize.regions import RegionLike, get_region
from localize.section import LocalizedSection
from localize.story import StoryLike, as_story
from localize.text import Citation

__all__ = ["CHECK_IDS", "ENGLISH_ONLY_CHECKS", "CheckReport", "Finding", "check"]

# The built-in checks, in report order.
CHECK_IDS = tuple(c.name for c in BUILT_IN)

# Built-in checks that read English text, and why they cannot judge a section in another language.
ENGLISH_ONLY_CHECKS: dict[str, str] = {
    c.name: c.english_only for c in BUILT_IN if c.english_only is not None
}

_LEADING_HEADING = re.compile(r"\A\s*#{1,6}[ \t]+[^\n]*(?:\n|\Z)")
_TURNED_OFF = "turned off for this run"


def _advice(check_id: str) -> str | None:
    return next((c.advice for c in registered_checks() if c.name == check_id), None)


@dataclass(frozen=True, slots=True)
class CheckReport:
    """Every finding for one section; ``ok`` when none is an error."""

    findings: tuple[Finding, ...]
    # (check id, why) for checks that did not run: those that read English, on other languages.
    skipped: tuple[tuple[str, str], ...] = ()
    # Each section sentence and the story sentences and profile entries it rests on.
    sentences: tuple[SentenceLink, ...] = ()
    # The model verifier's verdicts and cost, on runs that ask for it (None: not verified).
    verification: Verification | None = None

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
            "verification": None if self.verification is None else self.verification.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CheckReport:
        skipped = tuple((s["check"], s["reason"]) for s in data.get("skipped", ()))
        return cls(
            tuple(Finding(**f) for f in data["findings"]),
            skipped,
            tuple(SentenceLink.from_dict(s) for s in data.get("sentences") or ()),
            Verification.from_dict(data["verification"]) if data.get("verification") else None,
        )

    def feedback(self) -> str:
        """The errors as a bullet list addressed to the model, for a re-ask ("" when none).

        Warnings are left out: a re-ask costs a generation, and a spelling slip or a missing
        mention is not worth one.
        """
        lines: list[str] = []
        for f in self.errors:
            advice = _advice(f.check)
            line = f"- {f.message.rstrip('.')}; {advice}." if advice else f"- {f.message}"
            if line not in lines:
                lines.append(line)
        return "Fix these problems:\n" + "\n".join(lines) if lines else ""


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
    min_words: int | None = None,
    max_words: int | None = None,
    profiles: str | Path | None = None,
    citations: tuple[Citation, ...] | None = None,
    severities: Mapping[str, str] | None = None,
    extra: Sequence[RegisteredCheck] = (),
) -> CheckReport:
    """Check a section against its story and region profile.

    A ``str`` section is the body; a leading Markdown heading line is not checked (except for
    leaks, which are looked for everywhere). ``story`` and ``region`` take the same forms as in
    `localize.localize`; a `Story` and a `RegionProfile` are used as they are. ``min_words`` and
    ``max_words`` bound the body's length (None: no bound; the template's bounds are the
    caller's to pass, `localize.check` does). ``citations`` (default: the section's own) are
    verified and complete the sentence links in the report. ``severities`` maps a check name to
    ``"off"``, ``"warning"`` or ``"error"`` for this run (`resolve_severities`). ``extra`` are
    this run's own checks, run after the registered ones (those installed under the
    ``localize.checks`` entry point among them, see `localize.grounding._plugins`).
    """
    story = as_story(story)
    region = get_region(region, profiles=profiles)
    load_plugin_checks()
    settings = resolve_severities(severities, extra=extra)
    raw, body, citations = _section_body(section, citations)
    ctx = CheckContext(raw, body, citations, story, region, min_words, max_words)
    findings: list[Finding] = []
    skipped: list[tuple[str, str]] = []
    entries = (*registered_checks(), *extra)
    for entry in entries:
        setting = settings[entry.name]
        if not region.english and entry.english_only is not None:
            skipped.append((entry.name, entry.english_only))
            continue
        if setting == "off":
            skipped.append((entry.name, _TURNED_OFF))
            continue
        for finding in entry.function(ctx):
            findings.append(
                finding if finding.severity == setting else replace(finding, severity=setting)
            )
    order = {entry.name: n for n, entry in enumerate(entries)}
    findings.sort(key=lambda f: order.get(f.check, len(order)))
    return CheckReport(tuple(findings), tuple(skipped), ctx.links)
