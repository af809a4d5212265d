"""What an editor sees (issue 19, point 6): finding messages, region suggestions, cache-hit and
cost wording, the review page's provenance, --dry-run's model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

import localize
from localize import RegionNotFoundError
from localize.backends import Spend, Usage
from localize.batch import BatchSummary, JobResult
from localize.cli._main import cli
from localize.review._annotate import _provenance_html
from localize.section import LocalizedSection
from localize.text import Citation
from tests.fault_server import Script, completion
from tests.support import STORIES

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1", "localhost"])

WIRE = STORIES / "wire.txt"
PASSES = (STORIES / "wire-with-uk-section.txt").read_text(encoding="utf-8").splitlines()[-1]


def _support(body: str, cited: tuple[int, ...]) -> str:
    section = LocalizedSection(heading="H", body=body, citations=(Citation(0, len(body), cited),))
    (finding,) = [f for f in localize.check(section, WIRE, "uk").findings if f.check == "support"]
    return finding.message


def test_support_messages_read_as_sentences() -> None:
    names = _support("Katie Moussouris disputes the findings of the Amazon paper.", (1,))
    assert 'cites [1], which does not mention "Moussouris" or "Amazon"; the story' in names
    nothing = _support("Cheese markets rallied strongly today in the UK.", (1, 2))
    assert nothing.endswith("cites [1], [2], which do not say what it says.")


def test_a_finding_that_quotes_its_sentence_is_not_followed_by_it_again(tmp_path: Path) -> None:
    section = tmp_path / "s.md"
    section.write_text("Cheese markets rallied strongly today across the whole of the country.")
    res = CliRunner().invoke(cli, ["check", str(section), "--story", str(WIRE), "-r", "uk"])
    support = [line for line in res.stdout.splitlines() if line.startswith("warning support")]
    assert support and all(line.count("Cheese markets") == 1 for line in support)


@pytest.mark.parametrize(("asked", "meant"), [("Scotland", "uk-scotland"), ("gb", "uk")])
def test_region_suggestions_match_names_aliases_and_initials(asked: str, meant: str) -> None:
    with pytest.raises(RegionNotFoundError) as info:
        localize.get_region(asked)
    assert info.value.suggestion == meant


def test_a_cache_hit_says_so_not_an_old_model_and_port(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    script = Script(httpserver, completion(json.dumps({"body": PASSES})))
    args = ["rewrite", str(WIRE), "-r", "uk", "--base-url", script.url, "-m", "m", "--no-log"]
    args += ["--structured", "text", "--cache-dir", str(tmp_path / "cache")]
    first = CliRunner().invoke(cli, args)
    assert f"localize: model fault-model at {script.url.split('//')[1].split('/')[0]}" in (
        first.stderr
    )
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0 and script.requests == 1, again.output
    assert "localize: from the cache: 1 answer(s) written earlier by fault-model" in again.stderr
    assert " at 127.0.0.1" not in again.stderr and " at localhost" not in again.stderr


def test_batch_cost_wording_does_not_depend_on_the_cache() -> None:
    local = BatchSummary(total=2, model="smollm2", endpoint="127.0.0.1:8765")
    assert local.cost_text() == "unknown (no price for model)"  # nothing spent: still unknown
    local.add(JobResult("a", "uk", None, "x", Spend(Usage(10, 5, 0)), None))
    assert local.cost_text() == "unknown (no price for model)"
    assert local.to_dict()["estimated_cost_usd"] is None
    openai = BatchSummary(total=1, model="gpt-4o-mini", endpoint="api.openai.com")
    assert openai.cost_text() == "$0.0000"  # a priced model answered from the cache: free


def test_the_review_provenance_reads_for_an_editor() -> None:
    page = _provenance_html(
        {"model": "m", "batch_id": None, "estimate_approximate": True, "trimmed_paragraphs": []}
    )
    assert "<th>Model</th>" in page and "<th>Batch</th><td>none</td>" in page
    assert "<td>yes</td>" in page and "none (whole story)" in page
    assert "None" not in page and "True" not in page and "[]" not in page


def test_dry_run_counts_for_the_endpoints_only_model(httpserver: HTTPServer) -> None:
    data = {"object": "list", "data": [{"id": "served-model", "object": "model"}]}
    httpserver.expect_request("/v1/models", method="GET").respond_with_json(data)
    args = ["rewrite", str(WIRE), "-r", "uk", "--dry-run", "-f", "json"]
    res = CliRunner().invoke(cli, [*args, "--base-url", httpserver.url_for("/v1")])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["model"] == "served-model"
