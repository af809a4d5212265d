"""The check registry: named checks, a newsroom's own, and severity set in one place."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from localize import ConfigError, Finding, get_region, parse_story
from localize.grounding import (
    CHECK_IDS,
    CheckContext,
    check,
    register_check,
    registered_checks,
    resolve_severities,
    unregister_check,
)

STORY = parse_story(
    "US bans exports\n\nThe US government banned exports of two AI models to 50 companies on "
    "Monday. The National Cyber Security Centre said it was studying the order."
)
# "organization" is the American spelling: a spelling warning in a UK section.
BODY = (
    "The NCSC advises every UK organization to review its suppliers. The ICO enforces UK GDPR "
    "and expects firms to protect personal data."
)


def test_built_in_checks_are_registered_in_report_order() -> None:
    assert tuple(c.name for c in registered_checks())[: len(CHECK_IDS)] == CHECK_IDS
    assert resolve_severities()["spelling"] == "warning"
    assert resolve_severities()["quote"] == "error"


def test_severity_override_changes_findings_and_ok() -> None:
    uk = get_region("uk")
    plain = check(BODY, STORY, uk, min_words=1)
    assert plain.ok and [f.check for f in plain.warnings] == ["spelling"]
    strict = check(BODY, STORY, uk, min_words=1, severities={"spelling": "error"})
    assert not strict.ok and [(f.check, f.severity) for f in strict.errors] == [
        ("spelling", "error")
    ]
    off = check(BODY, STORY, uk, min_words=1, severities={"spelling": "off"})
    assert off.findings == () and ("spelling", "turned off for this run") in off.skipped


def test_later_overrides_win() -> None:
    settings = resolve_severities({"mention": "error"}, {"mention": "off"})
    assert settings["mention"] == "off"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"spellling": "off"}, "unknown check 'spellling'"),
        ({"spelling": "fatal"}, "severity of check 'spelling' must be"),
    ],
)
def test_bad_severity_overrides_are_config_errors(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        check(BODY, STORY, get_region("uk"), severities=overrides)


def _house_style(ctx: CheckContext) -> Iterator[Finding]:
    if "firms" in ctx.body:
        yield Finding("house-style", "warning", 'Write "companies", not "firms".', "firms")


@pytest.fixture
def house_style() -> Iterator[None]:
    register_check("house-style", _house_style, severity="warning")
    yield
    unregister_check("house-style")


@pytest.mark.usefixtures("house_style")
def test_a_registered_check_runs_after_the_built_in_ones() -> None:
    report = check(BODY + " Most firms agree.", STORY, get_region("uk"), min_words=1)
    assert [f.check for f in report.findings][-1] == "house-style"
    raised = check(BODY, STORY, get_region("uk"), min_words=1, severities={"house-style": "error"})
    assert [f.check for f in raised.errors] == ["house-style"]


@pytest.mark.usefixtures("house_style")
def test_registering_a_name_twice_is_refused() -> None:
    with pytest.raises(ConfigError, match="already registered"):
        register_check("house-style", _house_style)


def test_bad_registrations_are_refused() -> None:
    with pytest.raises(ConfigError, match="check name 'House Style'"):
        register_check("House Style", _house_style)
    with pytest.raises(ConfigError, match="is built in"):
        unregister_check("quote")


def test_grounding_never_loads_prompt_templates() -> None:
    """The word bounds are passed in: nothing under grounding/ imports the prompting package."""
    root = Path(__file__).resolve().parents[1] / "src" / "localize" / "grounding"
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("localize.prompting"), path
    assert "length" not in {f.check for f in check("Too short.", STORY, get_region("uk")).findings}
