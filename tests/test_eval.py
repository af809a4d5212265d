"""`localize eval`: the checks' figures on a labelled folder, and a model's with --generate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from localize.cli._main import cli
from localize.evaluation._evaluation import embedded_baseline, evaluate_checks, load_cases
from tests.fault_server import Script, status
from tests.support import RECORD_BASE_URL, ROOT, STORIES, response_bodies

CORPUS = ROOT / "tests" / "data" / "checks"


def _folder(tmp_path: Path, cases: list[dict[str, Any]]) -> Path:
    folder = tmp_path / "labelled"
    (folder / "stories").mkdir(parents=True)
    (folder / "stories" / "wire.txt").write_text((STORIES / "wire.txt").read_text())
    (folder / "sections.yaml").write_text(json.dumps(cases))
    return folder


def test_eval_reports_every_check_on_the_project_corpus() -> None:
    res = CliRunner().invoke(cli, ["eval", str(CORPUS), "--repeat", "1", "-f", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    checks = data["checks"]["checks"]
    assert checks["attribution"]["planted"] >= 10 and checks["claim"]["planted"] >= 10
    assert all(v["caught"] == v["planted"] and v["clean_flagged"] == 0 for v in checks.values())
    assert data["checks"]["clean_sections"] >= 37 and data["checks"]["clean_flagged"] == 0
    assert data["baseline"] == embedded_baseline()


def test_eval_counts_misses_and_false_flags_on_a_newsroom_folder(tmp_path: Path) -> None:
    clean_but_flagged = (
        "For UK organisations, the loss of Fable and Mythos matters: Anthropic suspended access "
        "worldwide after the US order. The ICO has opened an investigation into the suspension."
    )
    missed = (
        "For UK organisations, the loss of Fable and Mythos matters: Anthropic suspended access "
        "worldwide after the US order, and the NCSC depends on defenders patching quickly."
    )
    folder = _folder(
        tmp_path,
        [
            {"id": "a", "region": "uk", "story": "wire", "section": clean_but_flagged},
            {
                "id": "b",
                "region": "uk",
                "story": "wire",
                "section": missed,
                "expect": [{"check": "number", "text": "200"}],
                "min_words": 10,
            },
        ],
    )
    ev = evaluate_checks(load_cases(folder), repeat=1)
    assert ev.clean_flagged == 1 and ev.per_check["claim"].clean_flagged == 1
    assert ev.per_check["number"].planted == 1 and ev.per_check["number"].caught == 0
    assert ev.missed == ["b: number '200'"] and not ev.ok
    res = CliRunner().invoke(cli, ["eval", str(folder), "--repeat", "1"])
    assert res.exit_code == 1
    assert "MISSED  b: number '200'" in res.output and "FLAGGED a: claim" in res.output


@pytest.mark.parametrize(
    ("cases", "message"),
    [
        ([{"id": "a", "region": "uk", "story": "nope", "section": "x"}], "story 'nope'"),
        ([{"id": "a", "region": "uk", "story": "wire"}], "missing field(s) section"),
        (
            [{"id": "a", "region": "zz", "story": "wire", "section": "x"}],
            "sections.yaml, case 1: unknown region 'zz'",
        ),
        (  # counted as a planted fault no check could catch: a typo read as a miss
            [
                {
                    **{"id": "a", "region": "uk", "story": "wire", "section": "x"},
                    "expect": [{"check": "numbr", "text": "2"}],
                }
            ],
            "case 1: 'expect' names unknown check 'numbr' (checks: quote, number,",
        ),
        # A list or a null was read as its Python text ("[1, 2]", "None") and checked.
        (
            [{"id": "a", "region": "uk", "story": "wire", "section": [1, 2]}],
            "case 1: 'section' must be non-empty text",
        ),
        ([{"id": None, "region": "uk", "story": "wire", "section": "x"}], "'id' must be non-empty"),
        (
            [{"id": "a", "region": "uk", "story": "wire", "section": "x", "min_words": -3}],
            "'min_words' must be a whole number, 0 or more",
        ),
        (
            [
                {
                    **{"id": "a", "region": "uk", "story": "wire", "section": "x"},
                    **{"min_words": 50, "max_words": 5},
                }
            ],
            "'min_words' (50) is over 'max_words' (5)",
        ),
        (
            [
                {
                    **{"id": "a", "region": "uk", "story": "wire", "section": "x"},
                    "expect": [{"check": "number", "text": [1]}],
                }
            ],
            "'expect' text must be text, got list",
        ),
    ],
)
def test_a_bad_folder_is_an_input_error(
    tmp_path: Path, cases: list[dict[str, Any]], message: str
) -> None:
    res = CliRunner().invoke(cli, ["eval", str(_folder(tmp_path, cases))])
    assert res.exit_code == 2 and message in res.output


@pytest.mark.parametrize(
    ("listing", "message"),
    [
        (b"wire: [\n", "stories.yaml:2: not valid YAML"),
        (b"\xff\xfe wire: a.txt\n", "stories.yaml: not UTF-8"),
        (b"wire: gone.txt\n", "sections.yaml, case 1: story 'wire': stories.yaml names gone.txt"),
    ],
    ids=["bad-yaml", "not-utf8", "names-a-missing-file"],
)
def test_a_bad_stories_listing_is_an_input_error_naming_it(
    tmp_path: Path, listing: bytes, message: str
) -> None:
    folder = _folder(tmp_path, [{"id": "a", "region": "uk", "story": "wire", "section": "x"}])
    (folder / "stories.yaml").write_bytes(listing)
    res = CliRunner().invoke(cli, ["eval", str(folder)])
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], res.stderr


@pytest.mark.vcr
def test_eval_generate_reports_pass_rate_attempts_and_tokens(tmp_path: Path, vcr: Any) -> None:
    section = "Anthropic suspended worldwide access to both Fable and Mythos."
    folder = _folder(tmp_path, [{"id": "a", "region": "uk", "story": "wire", "section": section}])
    res = CliRunner().invoke(
        cli,
        [
            "eval",
            str(folder),
            "--generate",
            "--base-url",
            RECORD_BASE_URL,
            "-m",
            "smollm2-135m-instruct",
            "--max-attempts",
            "2",
            "--repeat",
            "0",
            "-f",
            "json",
        ],
    )
    data = json.loads(res.stdout)
    gen = data["generation"]
    # The first request may be the json_schema probe llama.cpp refuses (auto negotiation).
    usage = [r["usage"] for r in response_bodies(vcr) if "usage" in r]
    assert gen["sections"] == 1 and gen["written"] == 1
    assert gen["tokens_per_section"] == sum(
        u["prompt_tokens"] + u["completion_tokens"] for u in usage
    )
    if gen["passed"]:
        assert gen["attempts_per_accepted"] == len(usage)
    else:
        assert gen["pass_rate"] == 0 and gen["attempts_per_accepted"] is None


def test_eval_honours_check_settings_on_a_folder() -> None:
    res = CliRunner().invoke(
        cli, ["eval", str(CORPUS), "--repeat", "0", "-f", "json", "--check", "region=off"]
    )
    assert res.exit_code == 1, res.output  # the region faults are now missed
    region = json.loads(res.output)["checks"]["checks"]["region"]
    assert region["planted"] > 0 and region["caught"] == 0


def test_eval_verify_needs_generate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCALIZE_BASE_URL", "http://127.0.0.1:9/v1")  # never contacted
    res = CliRunner().invoke(cli, ["eval", str(CORPUS), "--verify"])
    assert res.exit_code == 2
    assert "--verify: verifies generated sections: add --generate" in res.output


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_eval_generate_stops_on_a_refused_key(tmp_path: Path, httpserver: Any) -> None:
    # Every pair failed with the same 401 and the report said "0 passed" (exit 1), as if the
    # model had been measured; a batch stops on a refused key, and so does this.
    s = Script(httpserver, status(401))
    cases = [
        {"id": "a", "region": "uk", "story": "wire", "section": "x"},
        {"id": "b", "region": "us", "story": "wire", "section": "x"},
    ]
    folder = _folder(tmp_path, cases)
    args = ["eval", str(folder), "--generate", "--repeat", "0", "--base-url", s.url, "-m", "m"]
    res = CliRunner().invoke(cli, args, env={"OPENAI_API_KEY": "sk-refused-key-123"})
    assert res.exit_code == 3, res.output
    assert res.stderr.strip().splitlines()[-1].startswith("localize: error: ")
    assert "refused the API key" in res.stderr and s.requests == 1


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--strict"], "--strict"),
        (["--model", "gpt-4o"], "--model"),
        (["--template", "section"], "--template"),
        (["--no-cache"], "--no-cache"),
        (["--max-attempts", "2"], "--max-attempts"),
    ],
)
@pytest.mark.parametrize("kind", ["folder", "jsonl"])
def test_an_option_for_generate_is_refused_without_it(
    tmp_path: Path, args: list[str], option: str, kind: str
) -> None:
    # Passed over, each looked applied to the checks' figures (a stricter evaluation, another
    # template's word bounds, another model).
    if kind == "folder":
        target = _folder(tmp_path, [{"id": "a", "region": "uk", "story": "wire", "section": "x"}])
    else:
        target = tmp_path / "set.jsonl"
        row = {"id": "a", "label": 1, "doc": "The council met.", "summary": "The council met."}
        target.write_text(json.dumps(row) + "\n")
    res = CliRunner().invoke(cli, ["eval", str(target), "--repeat", "0", *args])
    assert res.exit_code == 2, res.output
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith(f"localize: error: {option}: "), line
