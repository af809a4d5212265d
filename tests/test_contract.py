"""The contract a pipeline relies on: ``ok`` and the exit code never pass a flagged section.

Each path is driven end to end against a scripted loopback endpoint that answers with a section
known to pass, to pass with a warning only, or to keep a check error (see tests/fault_server.py):
the Python result, ``rewrite``, ``check`` and ``batch`` must all say the same thing about it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

import localize
from localize import ChecksFailedError, LLMClient, Settings
from localize.cli._main import cli
from tests.fault_server import BODY, Script, completion, status
from tests.support import STORIES

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1", "localhost"])

WIRE = STORIES / "wire.txt"
# The seed story's human-written UK paragraph: no finding at all against wire.txt.
PASSES = (STORIES / "wire-with-uk-section.txt").read_text(encoding="utf-8").splitlines()[-1]
# The same with one American spelling: a warning only, which --strict counts as an error.
WARNS = PASSES + " Defenders must prioritize patching."
# Too short for the template's word bounds: a length error stays.
FLAGGED = BODY


@pytest.fixture
def serve(httpserver: HTTPServer) -> Callable[[str], Script]:
    return lambda body: Script(httpserver, completion(json.dumps({"body": body})))


def _client(script: Script) -> LLMClient:
    return LLMClient(model="fault-model", base_url=script.url, api_key="k", structured="text")


def _run(*args: str | Path) -> Any:
    return CliRunner().invoke(cli, [str(a) for a in args])


def _rewrite(script: Script, *args: str) -> Any:
    return _run(
        "rewrite", WIRE, "-r", "uk", "--base-url", script.url, "-m", "fault-model",
        "--structured", "text", "--no-cache", "--no-log", "--max-attempts", "1", *args,
    )  # fmt: skip


# -------------------------------------------------------------------------------- Python


@pytest.mark.parametrize(
    ("body", "ok", "status_"), [(PASSES, True, "passed"), (FLAGGED, False, "flagged")]
)
def test_ok_and_status_in_python(
    serve: Callable[[str], Script], body: str, ok: bool, status_: str
) -> None:
    result = localize.localize(WIRE, "uk", client=_client(serve(body)), audit=False)
    assert (result.ok, result.status) == (ok, status_)
    data = result.to_dict()
    assert (data["ok"], data["status"]) == (ok, status_)
    assert data["section"]["body"]  # a flagged section is returned, for review


def test_strict_counts_warnings_and_refuses_a_flagged_section(
    serve: Callable[[str], Script],
) -> None:
    client = _client(serve(WARNS))
    relaxed = localize.localize(WIRE, "uk", client=client, audit=False, max_attempts=1)
    assert relaxed.ok and relaxed.checks.warnings
    with pytest.raises(ChecksFailedError) as refused:
        localize.localize(WIRE, "uk", client=client, audit=False, max_attempts=1, strict=True)
    assert refused.value.result is not None and refused.value.result.status == "flagged"
    assert refused.value.exit_code == 4
    # The setting means the same as the argument.
    with pytest.raises(ChecksFailedError):
        localize.localize(
            WIRE, "uk", client=client, audit=False, max_attempts=1,
            settings=Settings.resolve({}, strict=True),
        )  # fmt: skip


# ------------------------------------------------------------------------------- the CLI


@pytest.mark.parametrize(("body", "code"), [(PASSES, 0), (WARNS, 0), (FLAGGED, 4)])
def test_rewrite_exit_code_and_json_say_the_status(
    serve: Callable[[str], Script], body: str, code: int
) -> None:
    res = _rewrite(serve(body), "-f", "json")
    assert res.exit_code == code, res.output
    data = json.loads(res.stdout)
    assert data["ok"] is (code == 0) and data["status"] == ("passed" if code == 0 else "flagged")
    if code:
        assert "flagged: 1 check error(s) remain" in res.stderr and "error:" not in res.stderr


def test_rewrite_strict_counts_warnings_and_writes_nothing(
    serve: Callable[[str], Script], tmp_path: Path
) -> None:
    out = tmp_path / "uk.md"
    res = _rewrite(serve(WARNS), "--strict", "-o", str(out))
    assert res.exit_code == 4 and not out.exists(), res.output
    assert "nothing written (--strict)" in res.stderr


def test_no_section_bad_input_and_endpoint_failure_have_their_own_codes(
    httpserver: HTTPServer,
) -> None:
    cut_off = Script(httpserver, completion(finish_reason="length"))
    res = _rewrite(cut_off)
    assert res.exit_code == 1 and "no usable section" in res.stderr, res.output
    assert _run("rewrite", WIRE, "-r", "mars").exit_code == 2
    httpserver.clear()
    failing = Script(httpserver, status(500))
    res = _rewrite(failing, "--max-retries", "0")
    assert res.exit_code == 3, res.output


@pytest.mark.parametrize(("body", "strict", "code"), [
    (PASSES, False, 0), (WARNS, False, 0), (WARNS, True, 4), (FLAGGED, False, 4),
])  # fmt: skip
def test_check_exit_code_means_the_same(tmp_path: Path, body: str, strict: bool, code: int) -> None:
    section = tmp_path / "s.md"
    section.write_text(body)
    res = _run("check", section, "--story", WIRE, "-r", "uk", *(["--strict"] if strict else []))
    assert res.exit_code == code, res.output


def test_batch_lines_and_exit_code_never_pass_a_flagged_section(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    # uk gets the passing paragraph; eu gets the short one (flagged): answers in request order.
    replies = [completion(json.dumps({"body": b})) for b in (PASSES, FLAGGED)]
    script = Script(httpserver, *replies)
    out = tmp_path / "r.jsonl"
    args = [WIRE, "-r", "uk,eu", "-o", out, "--base-url", script.url, "-m", "fault-model"]
    args += ["--structured", "text", "--no-cache", "--no-log", "--max-attempts", "1", "-c", "1"]
    res = _run("batch", *args)
    lines = {d["region"]: d for d in map(json.loads, out.read_text().splitlines())}
    assert res.exit_code == 4, res.output
    assert (lines["uk"]["ok"], lines["uk"]["status"]) == (True, "passed")
    assert (lines["eu"]["ok"], lines["eu"]["status"]) == (False, "flagged")
    assert lines["eu"]["section"]["body"] == FLAGGED  # there for an editor
    # A pipeline reading the file for publication takes only the ok lines.
    assert [r for r, d in lines.items() if d["ok"]] == ["uk"]
