"""The CLI: every bad input gets one line on stderr, a non-zero exit and no output file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from localize._disclosure import DEFAULT_DISCLOSURE
from localize.cli._main import cli
from tests.support import RECORD_BASE_URL, ROOT, STORIES

WIRE = str(STORIES / "wire.txt")


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), env=env)


def _one_line_error(result: Any, code: int, *needles: str) -> None:
    assert result.exit_code == code, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0]


def test_help_lists_every_rewrite_option() -> None:
    out = run("rewrite", "--help").output
    for flag in (
        "--region",
        "--format",
        "--output",
        "--splice",
        "--dry-run",
        "--template",
        "--model",
        "--base-url",
        "--max-attempts",
        "--strict",
        "--context-window",
        "--structured",
        "--profiles",
        "--timeout",
        "--max-retries",
        "--no-cache",
        "--cache-dir",
        "--no-demo-model",
    ):
        assert flag in out


def test_regions_list_and_show() -> None:
    listing = run("regions").output
    assert "uk           United Kingdom (en-GB, GBP)  built-in" in listing.splitlines()
    assert "uk-scotland  Scotland (en-GB, GBP)  built-in" in listing.splitlines()
    shown = run("regions", "show", "eu", "--format", "json").output
    assert json.loads(shown)["institutions"][1]["acronym"] == "ENISA"


def test_regions_json_and_profiles_before_or_after_the_subcommand(tmp_path: Path) -> None:
    (tmp_path / "ie.yaml").write_text(
        (ROOT / "src" / "localize" / "regions" / "profiles" / "uk.yaml")
        .read_text()
        .replace("id: uk", "id: ie")
    )
    listing = json.loads(run("regions", "--format", "json", "--profiles", str(tmp_path)).stdout)
    ids = [r["id"] for r in listing]
    assert ids == sorted(ids) and {"au", "eu", "ie", "uk", "us", "uk-scotland"} <= set(ids)
    assert listing[0] == {
        "id": "au",
        "name": "Australia",
        "locale": "en-AU",
        "currency": "AUD",
        "language": "en",
        "version": "2026.12",
        "source": "built-in",
    }
    # The user's ie (a copy of the UK profile here) overrides the built-in one.
    ie = next(r for r in listing if r["id"] == "ie")
    assert ie["name"] == "United Kingdom" and ie["source"] == str(tmp_path / "ie.yaml")
    for args in (
        ["regions", "--profiles", str(tmp_path), "show", "ie"],
        ["regions", "show", "ie", "--profiles", str(tmp_path)],
    ):
        assert "id: ie" in run(*args).stdout


def test_dry_run_prints_messages_and_counts_without_calling() -> None:
    result = run("rewrite", WIRE, "--region", "uk", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "--- system (" in result.output and "--- user (" in result.output
    assert "approximate" in result.output and "trimmed paragraphs: none" in result.output
    assert "embedded demo model" not in result.stderr  # nothing was started


def test_dry_run_honours_format_json_and_output(tmp_path: Path) -> None:
    result = run("rewrite", WIRE, "-r", "uk", "--dry-run", "--format", "json")
    data = json.loads(result.stdout)
    assert [m["role"] for m in data["messages"]] == ["system", "user"]
    assert data["prompt_tokens"] > sum(m["tokens"] for m in data["messages"])  # + chat format
    assert data["trimmed_paragraphs"] == [] and data["window"] == 4096
    out = tmp_path / "prompt.json"
    written = run("rewrite", WIRE, "-r", "uk", "--dry-run", "-f", "json", "-o", str(out))
    assert written.stdout == "" and json.loads(out.read_text()) == data


def test_output_dash_is_stdout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("rewrite", WIRE, "-r", "uk", "--dry-run", "-o", "-")
    assert result.exit_code == 0 and "--- user (" in result.stdout
    assert list(tmp_path.iterdir()) == []  # no file named '-'


@pytest.mark.parametrize(
    "args",
    [
        ["rewrite", WIRE, "-r", "narnia", "-f", "json"],
        ["rewrite", WIRE, "-r", "uk", "-f", "json", "--max-attempts", "0"],
        ["check", WIRE, "--story", "/nope.txt", "-r", "uk", "-f", "json"],
        ["regions", "-f", "json", "--profiles", "/nope"],
        ["regions", "show", "narnia", "-f", "json"],
    ],
)
def test_json_modes_print_json_even_on_failure(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["exit_code"] == 2 and data["error"]
    assert data["error"] in result.stderr


def test_dry_run_reports_trimmed_paragraphs() -> None:
    result = run(
        "rewrite",
        str(STORIES / "brief.txt"),
        "--region",
        "uk",
        "--dry-run",
        "--context-window",
        "1500",
    )
    assert result.exit_code == 0, result.output
    assert "trimmed paragraphs: none" not in result.output


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda p: None, "no such file"),
        (lambda p: p.write_text("   \n"), "empty"),
        (lambda p: p.write_bytes(b"\x00\x01\x02binary"), "binary"),
        (lambda p: p.write_bytes(b"\xff\xfe caf\xe9"), "not UTF-8"),
    ],
)
def test_bad_story_files(tmp_path: Path, make: Any, needle: str) -> None:
    story = tmp_path / "story.txt"
    make(story)
    out = tmp_path / "out.md"
    result = run("rewrite", str(story), "--region", "uk", "-o", str(out))
    _one_line_error(result, 2, str(story), needle)
    assert not out.exists()


def test_unknown_region_lists_regions_and_closest(tmp_path: Path) -> None:
    result = run("rewrite", WIRE, "--region", "ukk", "-o", str(tmp_path / "o.md"))
    _one_line_error(result, 2, "unknown region 'ukk'", "Did you mean 'uk'", "au, ca, de, eu, fr")
    assert not (tmp_path / "o.md").exists()


def test_bad_profile_names_file_and_field(tmp_path: Path) -> None:
    profile = tmp_path / "xx.yaml"
    profile.write_text("id: xx\nname: X\n")
    result = run("rewrite", WIRE, "--region", str(profile))
    _one_line_error(result, 2, str(profile), "audience")


def test_template_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jinja"
    broken.write_text("{% block user %}{{ story.headline {% endblock %}")
    _one_line_error(
        run("rewrite", WIRE, "-r", "uk", "--template", str(broken), "--dry-run"),
        2,
        str(broken),
        "syntax error",
    )
    missing = tmp_path / "missing.jinja"
    missing.write_text("{% block user %}{{ story.headline }} {{ tone }}{% endblock %}")
    _one_line_error(
        run("rewrite", WIRE, "-r", "uk", "--template", str(missing), "--dry-run"),
        2,
        "missing variable(s): tone",
    )


@pytest.mark.parametrize(
    ("defaults", "needle"),
    [
        ("{max_tokens: abc}", "'defaults.max_tokens' must be a whole number from 1 to"),
        ("{max_tokens: [1]}", "'defaults.max_tokens' must be a whole number"),
        ("{temperature: hot}", "'defaults.temperature' must be a number from 0 to 2, got 'hot'"),
        ("{seed: 1.5}", "'defaults.seed' must be a whole number, got 1.5"),
        ("{stop: 5}", "'defaults.stop' must be a string or a list of strings"),
    ],
)
def test_a_template_s_generation_defaults_of_the_wrong_type_are_refused(
    tmp_path: Path, defaults: str, needle: str
) -> None:
    # max_tokens: abc ended a dry run in a traceback; temperature: hot went to the endpoint.
    path = tmp_path / "t.jinja"
    path.write_text(
        f"---\ndefaults: {defaults}\n---\n"
        "{% block system %}s{% endblock %}{% block user %}{{ story.text }}{% endblock %}"
    )
    result = run("rewrite", WIRE, "-r", "uk", "--template", str(path), "--dry-run")
    _one_line_error(result, 2, f"{path}: front matter {needle}")


def test_unwritable_output_fails_before_any_call(tmp_path: Path) -> None:
    result = run(
        "rewrite",
        WIRE,
        "-r",
        "uk",
        "-o",
        str(tmp_path / "no" / "such" / "o.md"),
        "--base-url",
        "http://127.0.0.1:9/v1",
    )
    _one_line_error(result, 2, "does not exist")


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])  # port 9 on loopback: refused at once
def test_unreachable_endpoint(tmp_path: Path) -> None:
    out = tmp_path / "o.md"
    result = run(
        "rewrite",
        WIRE,
        "-r",
        "uk",
        "--base-url",
        "http://127.0.0.1:9/v1",
        "-o",
        str(out),
        env={"LOCALIZE_MAX_RETRIES": "1"},
    )
    _one_line_error(result, 3, "cannot connect to http://127.0.0.1:9/v1")
    assert not out.exists()


def test_bad_option_values_exit_2() -> None:
    # click's own report was three lines (usage, hint, error): one line, as every bad input.
    _one_line_error(
        run("rewrite", WIRE, "-r", "uk", "--format", "pdf"),
        2,
        "localize: error: Invalid value for '-f' / '--format': 'pdf' is not one of",
        "rewrite --help')",
    )
    _one_line_error(run("rewrite", WIRE), 2, "Missing option '-r' / '--region'")
    _one_line_error(run("nosuch"), 2, "No such command 'nosuch'")
    _one_line_error(run("--bogus"), 2, "No such option '--bogus'")  # the group's own options
    _one_line_error(
        run("rewrite", WIRE, "-r", "uk", "--max-attempts", "0"),
        2,
        "--max-attempts: must be from 1 to 20, got 0",  # the library's own words
    )
    result = run("rewrite", WIRE, "-r", "uk", "--dry-run", env={"LOCALIZE_TIMEOUT": "soon"})
    _one_line_error(result, 2, "LOCALIZE_TIMEOUT")


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["rewrite", WIRE, "-r", "uk", "--marker", "<!-- here -->"], ("--marker", "--splice")),
        (["rewrite", WIRE, "-r", "uk", "--record-mode", "none"], ("--record-mode", "--cassette")),
        (["batch", WIRE, "-r", "uk", "-o", "OUT", "--record-mode", "none"], ("--cassette",)),
    ],
)
def test_an_option_that_needs_another_is_refused_without_it(
    args: list[str], needles: tuple[str, ...], tmp_path: Path
) -> None:
    # Passed over silently, they looked applied: a section placed at the marker, a replay.
    env = {"LOCALIZE_BASE_URL": "http://127.0.0.1:9/v1", "LOCALIZE_MODEL": "m"}
    out = tmp_path / "x.jsonl"
    _one_line_error(run(*(str(out) if a == "OUT" else a for a in args), env=env), 2, *needles)
    assert not out.exists()


@pytest.mark.vcr
def test_rewrite_writes_json_with_provenance(tmp_path: Path) -> None:
    out = tmp_path / "uk.json"
    result = run(
        "rewrite",
        WIRE,
        "--region",
        "uk",
        "--format",
        "json",
        "-o",
        str(out),
        "--base-url",
        RECORD_BASE_URL,
        "--model",
        "smollm2-135m-instruct",
    )
    # The demo model's section keeps a length error: written for review, flagged, exit 4.
    assert result.exit_code == 4, result.output
    data = json.loads(out.read_text())
    assert data["ok"] is False and data["status"] == "flagged"
    assert data["section"]["heading"] == "What it means for the UK"
    prov = data["provenance"]
    assert prov["model"] == "smollm2-135m-instruct"
    assert prov["endpoint_host"] == "127.0.0.1:8765"
    assert prov["template_name"] == "section" and len(prov["template_sha256"]) == 64
    assert prov["prompt_tokens"] > 0 and prov["completion_tokens"] > 0
    assert prov["attempts"] >= 1 and prov["latency_s"] >= 0
    assert prov["trimmed_paragraphs"] == []
    assert set(data["checks"]) >= {"ok", "findings"}


@pytest.mark.vcr
def test_rewrite_splice_markdown_and_strict(tmp_path: Path) -> None:
    result = run(
        "rewrite",
        WIRE,
        "--region",
        "eu",
        "--splice",
        "--base-url",
        RECORD_BASE_URL,
        "--model",
        "smollm2-135m-instruct",
    )
    # Flagged (a length error is left): shown for review with its findings, exit 4, never 0.
    assert result.exit_code == 4, result.output
    assert "flagged: 1 check error(s) remain" in result.stderr
    # wire.txt is plain text, so the story comes back as text with the section at its end.
    assert result.stdout.startswith("A coalition of cybersecurity veterans")
    assert "\n\nWhat it means for the EU\n\n" in result.stdout
    assert result.stdout.endswith(f"\n\n{DEFAULT_DISCLOSURE}\n")
    out = tmp_path / "eu.md"
    strict = run(
        "rewrite",
        WIRE,
        "--region",
        "eu",
        "--strict",
        "--max-attempts",
        "1",
        "-o",
        str(out),
        "--base-url",
        RECORD_BASE_URL,
        "--model",
        "smollm2-135m-instruct",
    )
    # The embedded model's EU answer keeps a check error after every attempt: without --strict
    # it is printed with its findings, with --strict nothing is written. (One attempt: its
    # request is the recorded first one; a strict re-ask sends warnings too.)
    assert "check error [" in result.stderr
    assert strict.exit_code == 4 and not out.exists()
    assert "nothing written (--strict)" in strict.stderr
    # With --format json the refusal is a JSON object on stdout, and still no file is written.
    # The same requests again: the response cache answers them, nothing new is sent (the mode
    # is named, so no json_schema probe is sent either).
    as_json = run(
        "rewrite",
        WIRE,
        "--region",
        "eu",
        "--structured",
        "json_object",
        "--strict",
        "--max-attempts",
        "1",
        "--format",
        "json",
        "-o",
        str(out),
        "--base-url",
        RECORD_BASE_URL,
        "--model",
        "smollm2-135m-instruct",
    )
    refused = json.loads(as_json.stdout)
    assert as_json.exit_code == 4 and not out.exists()
    assert refused["ok"] is False and "nothing written (--strict)" in refused["error"]
    assert refused["status"] == "flagged"
    assert refused["checks"]["error_count"] >= 1 and refused["section"]["body"]
    assert refused["provenance"]["response_cache_hits"] == refused["provenance"]["attempts"]


def _seed_split(tmp_path: Path) -> tuple[Path, Path]:
    """The seed wire story's own UK paragraph, and the story without it."""
    lines = (STORIES / "wire-with-uk-section.txt").read_text().splitlines()
    story, section = tmp_path / "story.txt", tmp_path / "section.md"
    story.write_text("\n".join(lines[:-1]))
    section.write_text("## What it means for the UK\n\n" + lines[-1])
    return story, section


def test_check_passes_the_human_written_section(tmp_path: Path) -> None:
    story, section = _seed_split(tmp_path)
    result = run("check", str(section), "--story", str(story), "--region", "uk", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["findings"] == [] and data["status"] == "passed"


def test_check_flags_an_invented_regulator_and_quote(tmp_path: Path) -> None:
    story, section = _seed_split(tmp_path)
    section.write_text(
        section.read_text() + " The UK Cyber Defence Agency (UKCDA) said the ban "
        '"will cost British firms dearly".'
    )
    result = run("check", str(section), "--story", str(story), "--region", "uk", "--format", "json")
    assert result.exit_code == 4  # flagged
    assert json.loads(result.stdout)["status"] == "flagged"
    findings = json.loads(result.stdout)["findings"]
    assert {"institution", "quote"} <= {f["check"] for f in findings}
    assert any(f["text"] == "will cost British firms dearly" for f in findings)
    text = run("check", str(section), "--story", str(story), "--region", "uk")
    assert text.exit_code == 4 and "flagged: " in text.stdout


def test_check_bad_input_exits_2(tmp_path: Path) -> None:
    story, section = _seed_split(tmp_path)
    _one_line_error(
        run("check", str(tmp_path / "none.md"), "--story", str(story), "-r", "uk"),
        2,
        "no such file",
    )
    _one_line_error(
        run("check", str(section), "--story", str(story), "-r", "mars"), 2, "unknown region 'mars'"
    )
    assert run("check", str(section), "-r", "uk").exit_code == 2  # --story is required
