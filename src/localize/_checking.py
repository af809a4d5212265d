"""`localize.check`: the grounding checks on any section, its word bounds taken from a template.

Grounding knows nothing of prompt templates; this is the one floor above it that resolves what a
caller may pass by name (a story file, a region id, a template) and hands the grounding checks
resolved values, the template's word bounds among them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from localize.backends import LLMClient
from localize.config import Settings
from localize.grounding import CheckFunction, CheckReport, RegisteredCheck
from localize.grounding import check as check_section
from localize.grounding._plugins import as_checks
from localize.grounding._policy import CheckPolicy
from localize.pipeline import connect, verify_report
from localize.prompting import PromptTemplate, load_template
from localize.regions import RegionLike, get_region
from localize.section import LocalizedSection
from localize.story import StoryLike, as_story
from localize.text import Citation

__all__ = ["check"]


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
    severities: Mapping[str, str] | None = None,
    checks: Iterable[RegisteredCheck | CheckFunction] | None = None,
    verify: bool = False,
    client: LLMClient | None = None,
) -> CheckReport:
    """Check a section against its story and region profile.

    A ``str`` section is the body; a leading Markdown heading line is not checked (except for
    leaks, which are looked for everywhere). ``story`` and ``region`` take the same forms as in
    `localize.localize` (see `localize.as_story` and `localize.get_region`). The word bounds
    are the template's (``words`` in its front matter; the built-in ``section`` template by
    default), unless ``min_words`` or ``max_words`` is given. ``citations`` (default: the
    section's own) are verified and complete the sentence links in the report. ``severities``
    maps a check name to ``"off"``, ``"warning"`` or ``"error"`` for this call, over the
    profile's ``checks:`` block. ``checks`` are the newsroom's own checks for this call (see
    `localize.localize`).

    ``verify`` then asks an endpoint whether each sentence is supported by the story sentences
    linked to it (one request; see `localize.localize`): ``client``, else the endpoint the
    environment and config file set (a `ConfigError` when none is: the verifier is off on the
    embedded demo model). Without ``verify`` nothing is sent, and no setting turns it on here.
    """
    story = as_story(story)
    profile = get_region(region, profiles=profiles)
    if template is not None or min_words is None or max_words is None:
        tmpl = load_template(template)
        min_words = tmpl.min_words if min_words is None else min_words
        max_words = tmpl.max_words if max_words is None else max_words
    severities = {**dict(profile.checks), **dict(severities or {})}
    extra = as_checks(checks)
    report = check_section(
        section,
        story,
        profile,
        min_words=min_words,
        max_words=max_words,
        citations=citations,
        severities=severities,
        extra=extra,
    )
    if not verify:
        return report
    policy = CheckPolicy.of(severities=severities.items(), checks=extra)
    if client is not None:
        return verify_report(report, profile, policy, client)
    with connect(Settings.resolve(verify=True), cache=False) as own:
        return verify_report(report, profile, policy, own)
