"""Ctrl-C and SIGTERM stop every command the same way: one line, exit 128 + the signal (130,
143), nothing half-written, and a batch prints its summary and keeps every finished job
(cli/_interrupt.py).

Real processes against a loopback server (tests/fault_server.py): the signal arrives while the
command waits for an answer, as it would from a terminal or a supervisor.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from localize.batch import read_results
from tests.fault_server import Script, completion
from tests.support import STORIES

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])

ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "OPENAI_API_KEY": "test"}
ENDPOINT = ("--model", "fault-model", "--max-attempts", "1", "--no-cache", "--no-log")


def _signal_on(
    runs: list[subprocess.Popen[bytes]], signum: int, request_no: int, *, group: bool
) -> Callable[[Request], Response]:
    """A reply that sends ``signum`` to the command (or its whole process group, as a terminal
    does) when request number ``request_no`` arrives, then answers it."""
    answered = 0

    def reply(request: Request) -> Response:
        nonlocal answered
        answered += 1
        if answered == request_no:
            if group:
                os.killpg(runs[0].pid, signum)
            else:
                os.kill(runs[0].pid, signum)
        return completion()

    return reply


def _start(args: list[str], runs: list[subprocess.Popen[bytes]]) -> tuple[int, str, str]:
    runs.append(
        subprocess.Popen(
            [sys.executable, "-m", "localize", *args],
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    )
    out, err = runs[0].communicate(timeout=120)
    return runs[0].returncode, out.decode(), err.decode()


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_during_rewrite_exits_128_plus_it_with_one_line_and_no_file(
    httpserver: HTTPServer, tmp_path: Path, signum: int, code: int
) -> None:
    runs: list[subprocess.Popen[bytes]] = []
    s = Script(httpserver, _signal_on(runs, signum, 1, group=True))
    out = tmp_path / "out.json"
    args = ["rewrite", str(STORIES / "brief.txt"), "-r", "uk", "--base-url", s.url, "-f", "json"]
    returncode, stdout, err = _start([*args, "-o", str(out), *ENDPOINT], runs)
    assert returncode == code, err
    assert err.strip().splitlines()[-1] == "localize: interrupted"
    assert "Traceback" not in err and "Aborted!" not in err
    assert not out.exists() and list(tmp_path.iterdir()) == []  # no file, no temporary left
    # In a JSON mode stdout stays JSON, as for every failure.
    assert json.loads(stdout) == {"ok": False, "error": "interrupted", "exit_code": code}


@pytest.mark.parametrize(
    ("workers", "group"),
    [(1, False), (2, False), (2, True)],
    ids=["one-process", "workers-parent-only", "workers-process-group"],
)
def test_sigterm_stops_a_batch_like_ctrl_c_with_its_summary_and_exit_143(
    httpserver: HTTPServer, stories: Path, tmp_path: Path, workers: int, group: bool
) -> None:
    runs: list[subprocess.Popen[bytes]] = []
    s = Script(httpserver, _signal_on(runs, signal.SIGTERM, 4, group=group))
    out = tmp_path / "out.jsonl"
    args = [
        *("batch", str(stories), "-r", "uk,us", "-o", str(out), "-c", "2"),
        *("--workers", str(workers), "--base-url", s.url, *ENDPOINT),
    ]
    returncode, _, err = _start(args, runs)
    assert returncode == 143, err
    assert "interrupted" in err and "Traceback" not in err
    assert "localize: done " in err  # the summary line
    kept = sorted((d["story_id"], d["region"]) for _, d in read_results(out))  # all whole
    assert 0 < len(kept) < 12
    s.replies = [completion()]
    done = subprocess.run(
        [sys.executable, "-m", "localize", *args], env=ENV, capture_output=True, timeout=120
    )
    assert done.returncode in (0, 4), done.stderr.decode()
    assert len(list(read_results(out))) == 12  # each pair once: nothing lost, nothing twice
