"""The check registry: every grounding check is a named entry that `check` runs in order.

An entry is a name, a default severity and a function that takes a `CheckContext` and returns
findings. The built-in checks are registered here, in report order; a newsroom adds its own with
`register_check` and they run after the built-in ones. Severity is decided in one place,
`resolve_severities`: an entry's default, overridden per run (or per profile) by a mapping of
check name to ``"off"``, ``"warning"`` or ``"error"``; `check` stamps the result on every
finding the entry returns, so a check function need not know how it is configured.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from localize.errors import ConfigError
from localize.grounding._context import CheckContext
from localize.grounding._findings import Finding, Severity
from localize.grounding._institution import check_institution
from localize.grounding._leak import check_leak
from localize.grounding._length import check_length
from localize.grounding._mention import check_mention
from localize.grounding._meta_text import check_meta_text
from localize.grounding._number import check_number
from localize.grounding._paraphrase import check_paraphrase
from localize.grounding._quote import check_quote
from localize.grounding._region_fit import check_region_fit
from localize.grounding._repetition import check_repetition
from localize.grounding._spelling import check_spelling
from localize.grounding._verifier import VERIFIED

__all__ = [
    "BUILT_IN",
    "SEVERITY_SETTINGS",
    "VERIFIER",
    "CheckFunction",
    "RegisteredCheck",
    "SeveritySetting",
    "register_check",
    "registered_checks",
    "resolve_severities",
    "unregister_check",
]

CheckFunction = Callable[[CheckContext], Iterable[Finding]]
# What a run may set a check to: its findings as errors or warnings, or not run at all.
SeveritySetting = Literal["off", "warning", "error"]
SEVERITY_SETTINGS: tuple[SeveritySetting, ...] = ("off", "warning", "error")
_NAME = re.compile(r"[a-z][a-z0-9_-]*")


@dataclass(frozen=True, slots=True)
class RegisteredCheck:
    """One entry: ``function`` finds problems; the registry decides how severe they are."""

    name: str
    function: CheckFunction
    severity: Severity = "error"
    # Why the check cannot judge a section in another language; None when it can.
    english_only: str | None = None
    # What the model is told to do about this check's errors when a section is sent back.
    advice: str | None = None


def _attribution(ctx: CheckContext) -> Iterable[Finding]:
    return (f for f in ctx.action_findings if f.check == "attribution")


def _claim(ctx: CheckContext) -> Iterable[Finding]:
    return (f for f in ctx.action_findings if f.check == "claim")


def _support(ctx: CheckContext) -> Iterable[Finding]:
    return ctx.support_findings


def _region(ctx: CheckContext) -> Iterable[Finding]:
    # Another region's body is reported once: by ``institution`` when that check catches it (a
    # name in neither the story nor the profile), else here.
    found = check_region_fit(ctx.body, ctx.story, ctx.profile)
    if not any(f.text for f in found):
        return found
    named = [f.text for f in check_institution(ctx)]
    return [f for f in found if not (f.text and any(f.text in t for t in named))]


def _paraphrase(ctx: CheckContext) -> Iterable[Finding]:
    return check_paraphrase(ctx.body, ctx.story, ctx.profile)


def _meta(ctx: CheckContext) -> Iterable[Finding]:
    return check_meta_text(ctx.body)


# Report order: the order the checks are documented in.
BUILT_IN = (
    RegisteredCheck(
        "quote",
        check_quote,
        english_only="a quotation in another language is a translation, which cannot match "
        "the story's words",
        advice="quote only the story's own words, exactly",
    ),
    RegisteredCheck(
        "number",
        check_number,
        english_only="it reads English number words and number formats",
        advice="use only figures the story gives, written as the story writes them",
    ),
    RegisteredCheck(
        "institution",
        check_institution,
        advice="name only bodies and laws that the story or the region profile names",
    ),
    RegisteredCheck("mention", check_mention, "warning"),
    RegisteredCheck(
        "region",
        _region,
        advice="write for this region only: its readers, its bodies and laws, its language",
    ),
    RegisteredCheck(
        "spelling",
        check_spelling,
        "warning",
        english_only="it compares British and American English spellings",
    ),
    RegisteredCheck("length", check_length),
    RegisteredCheck("repetition", check_repetition, advice="say each thing once"),
    RegisteredCheck(
        "leak",
        check_leak,
        advice="return only the section's prose, with no labels, markup or notes",
    ),
    RegisteredCheck(
        "attribution",
        _attribution,
        english_only="it reads who did what from English wording",
        advice="keep who did what exactly as the story tells it",
    ),
    RegisteredCheck(
        "claim",
        _claim,
        english_only="it reads what a body did from English verbs",
        advice="say only what the story reports; name a body only for its standing remit",
    ),
    RegisteredCheck(
        "paraphrase",
        _paraphrase,
        english_only="it compares English words, negations and opposites with the story's",
        advice="say what the story says, without changing its words' meaning",
    ),
    RegisteredCheck(
        "meta",
        _meta,
        advice="write about the news itself, never about the story, the article or the section",
    ),
    RegisteredCheck(
        "support",
        _support,
        "warning",
        english_only="it aligns sentences by their English words",
    ),
)
BUILT_IN_NAMES = tuple(c.name for c in BUILT_IN)


def _from_the_verifier(_ctx: CheckContext) -> Iterable[Finding]:
    return ()  # its findings are the endpoint's verdicts, added after the checks have run


# The opt-in model verifier (`localize.grounding._verifier`). Not a deterministic check (so not
# in BUILT_IN, CHECK_IDS or the evaluations): its findings come from the endpoint, after every
# check above, on runs that ask for it. It is registered so that its severity is set the way
# every check's is (``--check verified=error``, a profile's ``checks:``), its name cannot be
# taken, and its advice goes with its errors into a re-ask. A warning by default: see there.
VERIFIER = RegisteredCheck(
    VERIFIED,
    _from_the_verifier,
    "warning",
    advice="say only what the story sentences you draw on support",
)

_registry: dict[str, RegisteredCheck] = {c.name: c for c in (*BUILT_IN, VERIFIER)}


def register_check(
    name: str,
    function: CheckFunction,
    *,
    severity: Severity = "error",
    english_only: str | None = None,
    advice: str | None = None,
    replace: bool = False,
) -> RegisteredCheck:
    """Add a check that every later `check` runs, after the built-in ones.

    ``function`` takes a `CheckContext` and returns the section's `Finding` objects for this
    check (their ``check`` should be ``name``). ``severity`` is the default; a run's
    ``severities`` override it. ``english_only`` says why the check cannot judge other
    languages (it is then skipped for them); ``advice`` is added to its errors in a re-ask.
    A name already registered is refused unless ``replace`` is true.
    """
    if not _NAME.fullmatch(name):
        raise ConfigError(
            f"check name {name!r}: use lower-case letters, digits, '-' and '_', "
            "starting with a letter"
        )
    if severity not in ("error", "warning"):
        raise ConfigError(
            f"check {name!r}: severity must be 'error' or 'warning', not {severity!r}"
        )
    if name in _registry and not replace:
        raise ConfigError(f"check {name!r} is already registered (pass replace=True to replace it)")
    entry = RegisteredCheck(name, function, severity, english_only, advice)
    _registry[name] = entry
    return entry


def unregister_check(name: str) -> None:
    """Remove a check added with `register_check`; the built-in checks stay (turn one off
    with a severity of ``"off"`` instead)."""
    if name in BUILT_IN_NAMES or name == VERIFIED:
        raise ConfigError(f"check {name!r} is built in; set its severity to 'off' instead")
    if _registry.pop(name, None) is None:
        raise ConfigError(f"no check named {name!r} is registered")


def registered_checks() -> tuple[RegisteredCheck, ...]:
    """Every registered check, in the order `check` runs and reports them."""
    return tuple(_registry.values())


def resolve_severities(
    *overrides: Mapping[str, str] | None,
    extra: Iterable[RegisteredCheck] = (),
) -> dict[str, SeveritySetting]:
    """Each registered check's setting (and each of ``extra``, a run's own checks): its default
    severity, overridden by each mapping in turn (say a profile's, then a run's), so the last
    one given wins.

    An unknown check name or setting is a `ConfigError` naming it.
    """
    entries = (*_registry.values(), *extra)
    settings: dict[str, SeveritySetting] = {c.name: c.severity for c in entries}
    for mapping in overrides:
        for name, value in (mapping or {}).items():
            if name not in settings:
                known = ", ".join(settings)
                raise ConfigError(f"severity for unknown check {name!r} (checks: {known})")
            if value not in SEVERITY_SETTINGS:
                raise ConfigError(
                    f"severity of check {name!r} must be 'off', 'warning' or 'error', not {value!r}"
                )
            settings[name] = value
    return settings
