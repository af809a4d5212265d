"""A newsroom's own checks, and switching any check off or changing its severity (issue 19.2).

A check passed in Python, one installed under the ``localize.checks`` entry point, a profile's
``checks:`` block and ``--check NAME=SETTING`` all go through the same report, re-ask and review
page as the built-in checks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

import localize
from localize import CheckContext, Finding, LLMClient, ProfileError
from localize.cli._main import cli
from localize.grounding import _plugins, registered_checks, unregister_check
from tests.fault_server import Script, completion
from tests.support import ROOT, STORIES

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1", "localhost"])

WIRE = STORIES / "wire.txt"
PASSES = (STORIES / "wire-with-uk-section.txt").read_text(encoding="utf-8").splitlines()[-1]
WARNS = PASSES + " Defenders must prioritize patching."  # a spelling warning
BANNED = PASSES + " It is a game-changer for defenders."


def banned_phrases(ctx: CheckContext) -> list[Finding]:
    """A house-style rule: phrases the style guide bans."""
    return [
        Finding("banned-phrases", "error", f'The style guide bans "{p}".', p)
        for p in ("game-changer",)
        if p in ctx.body
    ]


def legal_words(ctx: CheckContext) -> list[Finding]:
    """Words the legal desk must see before publication."""
    return [Finding("legal-words", "warning", "Legal must review this.", "exposed")] * (
        "exposed" in ctx.body
    )


legal_words.severity = "warning"  # type: ignore[attr-defined]  # its default, until set


@pytest.fixture
def installed() -> Iterator[None]:
    """`legal_words` installed as a package would install it, under ``localize.checks``."""
    ep = EntryPoint("legal-words", f"{__name__}:legal_words", _plugins.ENTRY_POINT_GROUP)
    real, loaded = _plugins.entry_points, _plugins._loaded
    _plugins.entry_points = lambda group: [ep] if group == ep.group else []  # type: ignore[assignment]
    _plugins._loaded = False
    try:
        yield
    finally:
        _plugins.entry_points, _plugins._loaded = real, loaded  # type: ignore[assignment]
        if "legal-words" in {c.name for c in registered_checks()}:
            unregister_check("legal-words")


def _client(script: Script) -> LLMClient:
    return LLMClient(model="m", base_url=script.url, api_key="k", structured="text")


def test_a_python_check_flags_the_section_and_is_sent_back(httpserver: HTTPServer) -> None:
    replies = [completion(json.dumps({"body": b})) for b in (BANNED, PASSES)]
    script = Script(httpserver, *replies)
    result = localize.localize(
        WIRE, "uk", client=_client(script), checks=[banned_phrases], audit=False
    )
    assert result.ok and result.provenance.attempts == 2  # re-asked, then fixed
    reask = json.loads(script.received[1].get_data())["messages"][-1]["content"]
    assert 'The style guide bans "game-changer"' in reask
    # One attempt only: the finding stays, and the section is flagged.
    script.requests = 0
    flagged = localize.localize(
        WIRE, "uk", client=_client(script), checks=[banned_phrases], audit=False, max_attempts=1
    )
    assert flagged.status == "flagged"
    assert [f.check for f in flagged.checks.errors] == ["banned-phrases"]


def test_check_takes_the_same_callables() -> None:
    report = localize.check(BANNED, WIRE, "uk", checks=[banned_phrases])
    assert [(f.check, f.severity, f.text) for f in report.errors] == [
        ("banned-phrases", "error", "game-changer")
    ]
    assert localize.check(BANNED, WIRE, "uk").ok  # not registered: only for that call
    with pytest.raises(localize.ConfigError, match="already registered"):
        localize.check(BANNED, WIRE, "uk", checks=[lambda_named("length")])


def lambda_named(name: str) -> object:
    def check(ctx: CheckContext) -> list[Finding]:
        return []

    check.check_name = name  # type: ignore[attr-defined]
    return check


def test_an_installed_check_runs_everywhere(installed: None, tmp_path: Path) -> None:
    body = PASSES + " Defenders are exposed."
    report = localize.check(body, WIRE, "uk")
    assert ("legal-words", "warning") in {(f.check, f.severity) for f in report.findings}
    # The CLI: --check sets its severity as it does a built-in check's.
    section = tmp_path / "s.md"
    section.write_text(body)
    args = ["check", str(section), "--story", str(WIRE), "-r", "uk", "-f", "json"]
    res = CliRunner().invoke(cli, [*args, "--check", "legal-words=error"])
    data = json.loads(res.stdout)
    assert res.exit_code == 4 and data["status"] == "flagged", res.output
    assert {"check": "legal-words", "severity": "error"}.items() <= data["findings"][-1].items()
    # The review page shows it with the built-in findings.
    out = tmp_path / "review.html"
    review = ["review", str(WIRE), "-r", "uk", "--section", str(section), "-o", str(out)]
    assert CliRunner().invoke(cli, review).exit_code == 0
    assert "legal-words" in out.read_text() and "Legal must review this." in out.read_text()


def test_a_profile_checks_block_and_check_options(tmp_path: Path) -> None:
    own = (ROOT / "examples" / "pipeline" / "profiles" / "ie.yaml").read_text(encoding="utf-8")
    profile = tmp_path / "ie-desk.yaml"
    profile.write_text(
        own.replace("id: ie", "id: ie-desk", 1) + "checks:\n  spelling: off\n", encoding="utf-8"
    )
    loaded = localize.get_region(profile)
    assert dict(loaded.checks) == {"spelling": "off"}
    assert loaded.model_dump()["checks"] == {"spelling": "off"}
    report = localize.check(WARNS, WIRE, profile)
    assert "spelling" not in {f.check for f in report.findings}
    assert "spelling" in {c for c, _ in report.skipped}
    # A run's setting wins over the profile's.
    again = localize.check(WARNS, WIRE, profile, severities={"spelling": "error"})
    assert "spelling" in {f.check for f in again.errors}
    # A name the registry does not know is an error naming the profile's field.
    profile.write_text(profile.read_text().replace("spelling: off", "speling: off"))
    with pytest.raises(ProfileError, match=r"field 'checks'.*unknown check 'speling'"):
        localize.localize(WIRE, profile, client=LLMClient(model="m", api_key="k"), audit=False)


def test_check_option_is_checked_up_front() -> None:
    res = CliRunner().invoke(cli, ["rewrite", str(WIRE), "-r", "uk", "--check", "nope=off"])
    assert res.exit_code == 2 and "--check: severity for unknown check 'nope'" in res.stderr
    res = CliRunner().invoke(cli, ["rewrite", str(WIRE), "-r", "uk", "--check", "spelling"])
    assert res.exit_code == 2 and "--check: expected NAME=off|warning|error" in res.stderr


def test_check_option_in_rewrite_goes_through_the_run(httpserver: HTTPServer) -> None:
    script = Script(httpserver, completion(json.dumps({"body": WARNS})))
    args = ["rewrite", str(WIRE), "-r", "uk", "--base-url", script.url, "-m", "m", "-f", "json"]
    args += ["--structured", "text", "--no-cache", "--no-log", "--max-attempts", "1"]
    assert CliRunner().invoke(cli, args).exit_code == 0  # a spelling warning passes
    res = CliRunner().invoke(cli, [*args, "--check", "spelling=error"])
    assert res.exit_code == 4 and json.loads(res.stdout)["status"] == "flagged", res.output
    res = CliRunner().invoke(cli, [*args, "--check", "spelling=off", "--strict"])
    assert res.exit_code == 0, res.output  # off: nothing for --strict to count


def test_a_batch_runs_the_same_callables(httpserver: HTTPServer, tmp_path: Path) -> None:
    script = Script(httpserver, completion(json.dumps({"body": BANNED})))
    settings = localize.Settings.resolve(
        {}, base_url=script.url, model="m", structured="text", max_attempts=1
    )
    summary = localize.run_batch(
        [WIRE], ["uk"], tmp_path / "r.jsonl", settings=settings, checks=[banned_phrases],
        audit=False, cache=False,
    )  # fmt: skip
    (line,) = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert summary.exit_code == 4 and line["status"] == "flagged"
    assert "banned-phrases" in {f["check"] for f in line["checks"]["findings"]}
