"""`localize eval FILE.jsonl`: the checks' figures on an annotated factual-consistency set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from localize.cli._main import cli
from localize.errors import InputError
from localize.evaluation._factual import evaluate_factual, load_factual
from tests.support import ROOT

FIXTURES = ROOT / "tests" / "data" / "factual"
DOC = (
    "Northwind Traders sold 400 bicycles in March, the company said on Tuesday.\n\n"
    "Sales were up from 300 a year earlier, and the firm plans to open two shops in Leeds."
)
ROWS: list[dict[str, Any]] = [
    {
        "id": "clean-1",
        "domain": "retail",
        "label": 1,
        "edit_types": [],
        "doc": DOC,
        "summary": "Northwind Traders sold 400 bicycles in March.",
    },
    {
        "id": "number-1",
        "domain": "retail",
        "label": 0,
        "edit_types": ["entity_modification"],
        "doc": DOC,
        "summary": "Northwind Traders sold 900 bicycles in March.",
    },
    {"id": 7, "label": 1, "doc": DOC, "summary": "The firm plans to open two shops in Leeds."},
]


def _jsonl(tmp_path: Path, rows: list[Any], name: str = "set.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_eval_scores_a_factual_set_by_fault_type_and_domain(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, ROWS)
    res = CliRunner().invoke(cli, ["eval", str(path), "-f", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["faulty"] == {"flagged": 1, "total": 1, "rate": 1.0}
    assert data["consistent"] == {"flagged": 0, "total": 2, "rate": 0.0}
    assert (data["recall"], data["specificity"], data["balanced_accuracy"]) == (1.0, 1.0, 1.0)
    assert data["by_type"] == {"entity_modification": {"flagged": 1, "total": 1, "rate": 1.0}}
    assert set(data["by_domain"]) == {"retail", "-"}  # a row without a domain is "-"
    assert data["by_domain"]["-"]["recall"] is None  # no faulty row there: no recall to give
    assert data["fired_on_faulty"] == {"number": 1} and data["fired_on_consistent"] == {}
    assert data["region"] == "us" and data["ms_per_check"] >= 0


def test_eval_text_report_names_recall_specificity_and_checks(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["eval", str(_jsonl(tmp_path, ROWS))])
    assert res.exit_code == 0, res.output
    assert "recall 1 / 1 = 100.0%; specificity 100.0% (0 / 2 consistent flagged)" in res.output
    assert "entity_modification" in res.output and "domain retail" in res.output
    assert "checks firing on faults: number 1" in res.output
    assert "time per check:" in res.output


def test_misses_and_false_flags_are_listed(tmp_path: Path) -> None:
    missed = {**ROWS[1], "id": "missed", "summary": ROWS[0]["summary"]}  # labelled, not caught
    flagged = {**ROWS[0], "id": "flagged", "summary": ROWS[1]["summary"]}  # caught, labelled 1
    ev = evaluate_factual(load_factual(_jsonl(tmp_path, [missed, flagged])), repeat=0)
    assert ev.misses == [f"missed ['entity_modification']: {ROWS[0]['summary']}"]
    assert len(ev.false_flags) == 1 and ev.false_flags[0].startswith("flagged: number ")
    assert (ev.recall, ev.specificity, ev.balanced_accuracy) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2: invalid JSON"),
        ("[1, 2]", "line 2: not a JSON object"),
        ('{"label": 1, "doc": "d", "summary": "s"}', "line 2: field 'id' is missing"),
        ('{"id": "x", "label": 2, "doc": "d", "summary": "s"}', "line 2: field 'label' must be"),
        ('{"id": "x", "label": true, "doc": "d", "summary": "s"}', "line 2: field 'label'"),
        ('{"id": "x", "label": 1, "doc": " ", "summary": "s"}', "line 2: field 'doc' must be"),
        ('{"id": "x", "label": 1, "doc": "d"}', "line 2: field 'summary' is missing"),
        (
            '{"id": "x", "label": 0, "doc": "d", "summary": "s", "edit_types": "entity"}',
            "line 2: field 'edit_types' must be a list",
        ),
        (
            '{"id": "x", "label": 0, "doc": "d", "summary": "s", "edit_types": 0}',
            "line 2: field 'edit_types' must be a list",
        ),
        ('{"id": "clean-1", "label": 1, "doc": "d", "summary": "s"}', "line 2: id 'clean-1' is"),
    ],
)
def test_a_bad_row_is_one_error_naming_file_and_line(
    tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.jsonl line 2"):
        load_factual(path)
    res = CliRunner().invoke(cli, ["eval", str(path)])
    assert res.exit_code == 2
    (error,) = res.stderr.strip().splitlines()
    assert str(path) in error and message in error


def test_an_empty_or_missing_set_and_generate_on_a_set_are_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    for path, message in ((empty, "holds no labelled rows"), (tmp_path / "no.jsonl", "no.jsonl")):
        res = CliRunner().invoke(cli, ["eval", str(path)])
        assert res.exit_code == 2 and message in res.stderr, res.output
    res = CliRunner().invoke(cli, ["eval", str(_jsonl(tmp_path, ROWS)), "--generate"])
    assert res.exit_code == 2 and "--generate: needs a folder" in res.stderr


def test_the_fixture_sets_load_with_honest_shapes() -> None:
    files = sorted(FIXTURES.glob("*.jsonl"))
    sets = {p.stem.rsplit("-", 1)[0] for p in files}
    assert sets == {"summedits", "xsumfaith", "frank-xsum", "cliff"}
    for path in files:
        rows = load_factual(path)
        assert path.stem.endswith(("-dev", "-heldout"))
        assert all(len(r.doc) <= 8000 for r in rows)
        assert {r.consistent for r in rows} == {True, False}
        assert all(r.fault_types for r in rows if not r.consistent and r.domain == "xsum")
        # SummEdits' news domain is the benchmark the checks are judged on: never in a fixture.
        assert "news" not in {r.domain for r in rows}
    dev = {
        r.doc
        for p in files
        if p.stem.endswith("-dev") and "summedits" not in p.stem
        for r in load_factual(p)
    }
    held = {
        r.doc
        for p in files
        if p.stem.endswith("-heldout") and "summedits" not in p.stem
        for r in load_factual(p)
    }
    assert not dev & held  # no document is in both parts, in any set


def test_eval_honours_check_settings_on_a_set(tmp_path: Path) -> None:
    path = _jsonl(tmp_path, ROWS)
    res = CliRunner().invoke(cli, ["eval", str(path), "-f", "json", "--check", "number=off"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    # The number swap is the only fault, and only the number check catches it.
    assert data["faulty"] == {"flagged": 0, "total": 1, "rate": 0.0}
    assert data["fired_on_faulty"] == {}


@pytest.mark.parametrize(
    ("args", "flag"),
    [(["--strict"], "--strict"), (["--profiles", "."], "--profiles")],
)
def test_options_that_do_not_apply_to_a_set_are_refused(
    tmp_path: Path, args: list[str], flag: str
) -> None:
    path = _jsonl(tmp_path, ROWS)
    res = CliRunner().invoke(cli, ["eval", str(path), *args])
    assert res.exit_code == 2
    assert f"{flag}: does not apply to a factual-consistency set" in res.output
