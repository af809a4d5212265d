"""The CLI in a newsroom: stories on stdin in any format, HTML out, splicing, profile tooling."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from localize._disclosure import COMPOSITE_SYNTHETIC, DEFAULT_DISCLOSURE, TRAINED_ALGORITHMIC_MEDIA
from localize.cli._main import cli
from tests.support import PAGES, RECORD_BASE_URL, ROOT, STORIES

WIRE = STORIES / "wire.txt"
PAGE = PAGES / "wire-cms.html"
PROFILES = ROOT / "src" / "localize" / "regions" / "profiles"
RECORDED = ("--base-url", RECORD_BASE_URL, "--model", "smollm2-135m-instruct")


def run(*args: str, stdin: str | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), input=stdin)


def test_help_lists_the_new_options() -> None:
    out = run("rewrite", "--help").output
    for flag in ("--input-format", "--marker", "--disclosure", "html"):
        assert flag in out
    assert "validate" in run("regions", "--help").output


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json"])
def test_stdin_story_in_each_format_reaches_the_prompt(fmt: str) -> None:
    source = {
        "text": WIRE.read_text(),
        "markdown": "# Export ban\n\n" + WIRE.read_text(),
        "html": PAGE.read_text(),
        "json": json.dumps({"id": "w1", "headline": "Export ban", "body": WIRE.read_text()}),
    }[fmt]
    detected = run("rewrite", "-", "-r", "uk", "--dry-run", stdin=source)
    forced = run("rewrite", "-", "-r", "uk", "--dry-run", "--input-format", fmt, stdin=source)
    for result in (detected, forced):
        assert result.exit_code == 0, result.output
        assert "A coalition of cybersecurity veterans" in result.output
    if fmt == "html":
        assert "Headline: [1] Security veterans warn US ban" in detected.output
        assert "Sign up to Tech Weekly" not in detected.output
    if fmt in ("markdown", "json"):
        assert "Headline: [1] Export ban" in detected.output and '"headline"' not in detected.output


def test_empty_disclosure_or_marker_is_refused() -> None:
    for option in ("--disclosure", "--marker"):
        result = run("rewrite", str(WIRE), "-r", "uk", option, " ")
        assert result.exit_code == 2
        assert result.stderr.splitlines() == [f"localize: error: {option}: must not be empty"]


def test_regions_validate_prints_file_line_field_and_fails(tmp_path: Path) -> None:
    good = run("regions", "validate", str(PROFILES))
    assert good.exit_code == 0 and good.output.startswith("ok:")
    bad = tmp_path / "ie.yaml"
    bad.write_text((PROFILES / "ie.yaml").read_text().replace("currency: EUR", "currency: Euro"))
    twin = tmp_path / "twin.yaml"
    twin.write_text("id: ie\nextends: uk\n")
    result = run("regions", "validate", str(bad), str(twin), str(tmp_path / "missing.yaml"))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith(f"{tmp_path / 'missing.yaml'}: no such file") for line in lines)
    assert any(line.startswith(f"{bad}:7: field 'currency': ") for line in lines)
    assert any(
        line.startswith(f"{twin}:1: field 'id': region id 'ie' is defined twice") for line in lines
    )
    assert lines[-1] == "FAILED: 3 problem(s)"


def test_regions_schema_is_a_json_schema_for_profile_files() -> None:
    result = run("regions", "schema")
    schema = json.loads(result.output)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    ie = yaml.safe_load((PROFILES / "ie.yaml").read_text())
    assert validator.is_valid(ie)
    assert not validator.is_valid({**ie, "currency": "Euro"})
    assert schema["properties"]["institutions"]["items"]["$ref"].endswith("Institution")


def test_check_says_which_checks_it_skipped_for_another_language(tmp_path: Path) -> None:
    profile = tmp_path / "de.yaml"
    data = yaml.safe_load((PROFILES / "uk.yaml").read_text())
    data.update(id="uk-de", language="de", locale="de-DE")
    profile.write_text(yaml.safe_dump(data, allow_unicode=True))
    section = tmp_path / "s.md"
    section.write_text('Das NCSC warnt: "Gefährlich", 3,5 Prozent. Die Organisation prüft.')
    result = run("check", str(section), "--story", str(WIRE), "-r", str(profile))
    skipped = [line.split()[1] for line in result.output.splitlines() if line.startswith("skipped")]
    assert skipped == [
        "quote",
        "number",
        "spelling",
        "attribution",
        "claim",
        "paraphrase",
        "support",
    ]


@pytest.mark.vcr(allow_playback_repeats=True)
def test_html_page_from_stdin_spliced_for_scotland() -> None:
    """One recorded generation for an extending profile, rendered as a page and as JSON."""
    page = PAGE.read_text()
    at = page.index("<p>The implications for UK businesses")
    marked = page[:at] + "<!-- localize -->\n    " + page[at:]
    args = ("rewrite", "-", "-r", "uk-scotland", "--max-attempts", "1", *RECORDED)
    spliced = run(*args, "--splice", stdin=marked)
    # The demo model's section is flagged (too short): still spliced for review, exit 4.
    assert spliced.exit_code == 4, spliced.output
    out = spliced.stdout
    # The page comes back whole, with the section where the editor put the marker.
    assert out.startswith("<!DOCTYPE html>") and "Sign up to Tech Weekly" in out
    section = out.index('<section class="localize" data-region="uk-scotland" lang="en-GB">')
    assert out.index("Moussouris elaborated") < section < out.index("The implications for UK")
    assert "<h2>What it means for Scotland</h2>" in out and DEFAULT_DISCLOSURE in out

    as_json = run(*args, "--splice", "-f", "json", stdin=marked)
    data = json.loads(as_json.stdout)
    prov = data["provenance"]
    assert prov["digital_source_type"] == TRAINED_ALGORITHMIC_MEDIA
    assert data["document_digital_source_type"] == COMPOSITE_SYNTHETIC
    assert data["document_format"] == "html" and prov["disclosure"] == DEFAULT_DISCLOSURE
    assert prov["region"] == "uk-scotland" and prov["profile_version"] == "2026.12"
    assert prov["profile_source"] == "built-in" and prov["story_id"] == prov["story_sha256"][:12]
    assert "system_fingerprint" in prov


def test_unparseable_profile_is_one_line_with_its_line_number(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\nname: [unclosed\n")
    result = run("rewrite", str(WIRE), "-r", str(broken), "--dry-run")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    # PyYAML words the problem one way, libyaml (used when PyYAML has it) another.
    assert line.startswith(f"localize: error: {broken}:3: not valid YAML: ")
    assert "expected ',' or ']'" in line
