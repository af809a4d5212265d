"""Record and replay without surprises (issue 19, point 4): the cache never hides a request from
a recording, a replay failure is never an internal error, replays stay out of the audit log, and
a mismatch shows the words that changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

import localize
from localize import AuditLog, Settings
from localize.cli._main import cli
from localize.testing._mismatch import _line_diff
from localize.testing._recording import use_cassette
from tests.fault_server import Script, completion
from tests.support import ROOT, STORIES, audit_db

WIRE = STORIES / "wire.txt"
PIPELINE = ROOT / "examples" / "pipeline"
CASSETTE = PIPELINE / "tests" / "cassettes" / "test_sections"
TEMPLATE = PIPELINE / "newsroom_sections" / "templates" / "house-section.jinja"
PASSES = (STORIES / "wire-with-uk-section.txt").read_text(encoding="utf-8").splitlines()[-1]


@pytest.mark.block_network(allowed_hosts=["127.0.0.1", "localhost"])
def test_a_recording_holds_every_request_whatever_the_cache(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    script = Script(httpserver, completion(json.dumps({"body": PASSES})))
    settings = Settings.resolve({}, base_url=script.url, model="m", structured="text")
    cassette = tmp_path / "c.yaml"
    with use_cassette(cassette, "rewrite", rerecord="again"):
        for _ in range(2):  # the cache is on (the default): it must not answer the second
            localize.localize(WIRE, "uk", settings=settings, audit=False)
    assert script.requests == 2
    assert len(yaml.safe_load(cassette.read_text())["interactions"]) == 2
    httpserver.clear()  # the endpoint is gone: only the cassette answers now
    with use_cassette(cassette, "none", rerecord="again"):
        for cache in (False, True):  # with or without the cache, as recorded
            result = localize.localize(WIRE, "uk", settings=settings, cache=cache, audit=False)
            assert result.provenance.response_cache_hits == 0


def test_a_batch_replay_failure_names_the_change_and_exits_2(tmp_path: Path) -> None:
    changed = tmp_path / "house-section.jinja"
    changed.write_text(TEMPLATE.read_text(encoding="utf-8").replace("Rules:", "Rules!"))
    out = tmp_path / "out.jsonl"
    cassette = CASSETTE / "test_every_story_and_region_is_written_or_reported.yaml"
    args = ["batch", str(PIPELINE / "stories"), "-r", "uk,eu", "-t", str(changed), "-o", str(out)]
    args += ["--profiles", str(PIPELINE / "profiles"), "--cassette", str(cassette)]
    res = CliRunner().invoke(cli, [*args, "--record-mode", "none", "--max-retries", "0"])
    assert res.exit_code == 2, res.output
    assert "internal error" not in res.output
    errors = [json.loads(line)["error"] for line in out.read_text().splitlines()]
    assert errors and all("not in the recording" in e for e in errors)
    assert all("internal error" not in e for e in errors)
    # Each job's line names its own request.
    assert len({e.split(" for story ")[1].split(":")[0] for e in errors}) == len(errors)


def test_a_replay_stays_out_of_the_audit_log() -> None:
    cassette = CASSETTE / "test_the_newsroom_own_region.yaml"
    args = ["rewrite", str(PIPELINE / "stories" / "router-flaw.txt"), "-r", "ie"]
    args += ["--profiles", str(PIPELINE / "profiles"), "-t", str(TEMPLATE)]
    res = CliRunner().invoke(cli, [*args, "--cassette", str(cassette), "--record-mode", "none"])
    assert res.exit_code in (0, 4), res.output
    assert AuditLog(audit_db()).entries() == []


def test_a_mismatch_shows_the_words_that_differ() -> None:
    line = "In an open letter, " + "with many words before the change, " * 8
    line += "signed by 76 experts, they argue that the restriction is a 'dangerous' move."
    diff = _line_diff(line, line.replace("76 experts", "77 experts"))
    assert diff == ["~…words before the change, signed by [-76-] [+77+] experts, they argue "
                    "that the restriction…"]  # fmt: skip
