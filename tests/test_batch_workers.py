"""`localize batch --workers N`: N processes, one results file, one rate gate (batch/_workers.py).

Workers are real processes talking to a real loopback server (tests/fault_server.py): a
cassette replays only inside the process that loads it.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import localize.cli._main  # noqa: F401  (imported first: _batch reuses its error handling)
from localize.backends import Completion, Usage
from localize.batch import JobResult, RateGate, plan_batch, read_results, resolve_regions, run_batch
from localize.batch import _inputs as batch_inputs
from localize.batch import _run as batch_run
from localize.batch._workers import _as_shipped, _frame, _GatePermits, _receive
from localize.cli._batch import batch
from localize.config import Settings
from localize.errors import ConfigError, EndpointAuthError, LocalizeError
from localize.pipeline import prepare, review_completion
from localize.story import Story
from tests.fault_server import BODY, Script, completion, status

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])

REGIONS = ["uk", "us"]


@pytest.fixture
def script(httpserver: HTTPServer) -> Callable[..., Script]:
    return lambda *replies: Script(httpserver, *replies)


def settings_for(url: str) -> Settings:
    return Settings.resolve(
        {}, base_url=url, model="fault-model", max_retries=2, max_attempts=1, logs=False
    )


def run(stories: Path, out: Path, url: str, **kw: Any) -> Any:
    options: dict[str, Any] = {"settings": settings_for(url), "cache": False, "audit": False}
    return run_batch([stories], REGIONS, out, **(options | kw))


def lines(path: Path) -> list[tuple[str, str, str]]:
    return sorted((d["story_id"], d["region"], d["status"]) for _, d in read_results(path))


def test_two_workers_write_what_one_process_writes(
    script: Callable[..., Script], stories: Path, tmp_path: Path
) -> None:
    s = script(completion())
    one = run(stories, tmp_path / "one.jsonl", s.url)
    two = run(stories, tmp_path / "two.jsonl", s.url, workers=2, concurrency=4)
    assert lines(tmp_path / "one.jsonl") == lines(tmp_path / "two.jsonl")
    assert len(lines(tmp_path / "two.jsonl")) == 12  # each pair once
    assert s.requests == 24  # 12 jobs each run, one request a job, no response cache
    for summary in (one, two):
        assert (summary.done, summary.failed, summary.total) == (12, 0, 12)
    assert two.exit_code == one.exit_code and two.workers == 2


def test_the_parent_runs_one_share_itself_so_n_workers_start_n_minus_1_processes(
    script: Callable[..., Script],
    stories: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A process costs about 1.9 s of CPU before its first job: with 2 workers on 2 cores a
    # third process only took CPU from the two running the jobs.
    spawn = multiprocessing.get_context("spawn").Process
    started: list[str] = []
    real_start = spawn.start

    def start(self: Any) -> None:
        started.append(self.name)
        real_start(self)

    monkeypatch.setattr(spawn, "start", start)
    s = script(completion())
    summary = run(stories, tmp_path / "out.jsonl", s.url, workers=3, concurrency=6)
    assert started == ["localize-worker-2", "localize-worker-3"]
    assert (summary.done, summary.workers) == (12, 3)
    assert len(lines(tmp_path / "out.jsonl")) == 12


@pytest.fixture
def gates(monkeypatch: pytest.MonkeyPatch) -> list[RateGate]:
    """Every `RateGate` a run makes in this process."""
    made: list[RateGate] = []

    class CountedGate(RateGate):
        def __init__(self, *args: Any, **kw: Any) -> None:
            super().__init__(*args, **kw)
            made.append(self)

    monkeypatch.setattr(batch_run, "RateGate", CountedGate)
    return made


def test_every_request_of_every_worker_passes_the_one_gate_and_a_429_slows_them_all(
    script: Callable[..., Script], stories: Path, tmp_path: Path, gates: list[RateGate]
) -> None:
    s = script(status(429, {"retry-after-ms": "10"}), completion())
    summary = run(stories, tmp_path / "out.jsonl", s.url, workers=2, concurrency=4, rpm=60_000)
    assert summary.done == 12
    # One gate, in this process: it granted every request the workers sent, the refused one
    # and its retry included, and heard of the 429 a worker got.
    (gate,) = gates
    assert gate.requests == s.requests == 13
    assert gate.rate_limited == summary.rate_limited == 1


def test_without_limits_a_worker_asks_only_its_first_permit_and_hears_a_429_anywhere(
    script: Callable[..., Script], stories: Path, tmp_path: Path, gates: list[RateGate]
) -> None:
    s = script(status(429, {"retry-after-ms": "10"}), completion())
    summary = run(stories, tmp_path / "out.jsonl", s.url, workers=2, concurrency=4)
    assert summary.done == 12 and s.requests == 13
    # The parent's gate granted its own share's requests and the worker's first only (the
    # worker's checks no longer wait on the parent's loop for each request), and still heard
    # of the 429, wherever it fell.
    (gate,) = gates
    assert gate.requests < s.requests
    assert gate.rate_limited == summary.rate_limited == 1


def test_an_unpaced_workers_gate_asks_once_then_waits_out_only_announced_pauses() -> None:
    sent: list[tuple[Any, ...]] = []
    permits = _GatePermits(sent.append, paced=False)

    async def scenario() -> None:
        first = asyncio.ensure_future(permits.acquire(10))
        await asyncio.sleep(0)
        assert sent == [("acquire", 1, 10)] and not first.done()  # the run's first rule
        permits.granted(1)
        await first
        await asyncio.wait_for(permits.acquire(10), 1)  # no message, no wait
        assert sent == [("acquire", 1, 10)]
        permits.pause(0.05)  # a 429 somewhere, announced by the parent
        loop = asyncio.get_running_loop()
        started = loop.time()
        await permits.acquire(10)
        assert loop.time() - started >= 0.04 and sent == [("acquire", 1, 10)]
        permits.penalize(1.0)  # this worker's own 429 goes to the parent, to announce to all
        assert sent[-1] == ("penalize", 1.0)

    asyncio.run(scenario())
    paced: list[tuple[Any, ...]] = []
    gate = _GatePermits(paced.append)  # under --rpm/--tpm every request asks

    async def every_request() -> None:
        for n in (1, 2):
            asked = asyncio.ensure_future(gate.acquire(5))
            await asyncio.sleep(0)
            gate.granted(n)
            await asked

    asyncio.run(every_request())
    assert paced == [("acquire", 1, 5), ("acquire", 2, 5)]


def test_a_refused_key_stops_every_worker_then_a_rerun_resumes(
    script: Callable[..., Script], stories: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    # Two jobs answer, then the key is refused: the run stops with that error, its type kept.
    s = script(completion(), completion(), status(401))
    with pytest.raises(EndpointAuthError):
        run(stories, out, s.url, workers=2, concurrency=2)
    kept = lines(out)
    # The first job ran alone and is kept; the other answered job's may still have been in
    # flight when the run stopped (cancelled, as one process cancels its jobs in flight).
    assert len(kept) in (1, 2) and all(status != "failed" for *_, status in kept)
    s.replies = [completion()]
    summary = run(stories, out, s.url, workers=2, concurrency=2)
    assert (summary.skipped, summary.done) == (len(kept), 12 - len(kept))
    assert len(lines(out)) == 12  # each pair once: nothing lost, nothing twice


def test_a_worker_that_dies_stops_the_run_naming_it_and_nothing_is_lost(
    script: Callable[..., Script], stories: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    answered = 0

    def kill_a_worker(request: Request) -> Response:
        nonlocal answered
        answered += 1
        if answered == 4:  # three jobs are done: kill the worker that sent this one
            for child in multiprocessing.active_children():
                os.kill(child.pid or 0, signal.SIGKILL)
                break
        return completion()

    s = script(kill_a_worker)
    with pytest.raises(LocalizeError, match=r"batch worker \d of 2 stopped unexpectedly"):
        run(stories, out, s.url, workers=2, concurrency=2)
    before = lines(out)
    assert 1 <= len(before) < 12  # the first job at least; those in flight may be lost
    summary = run(stories, out, s.url, workers=2, concurrency=2)
    assert summary.skipped == len(before)
    assert len(lines(out)) == 12


def test_ctrl_c_stops_the_workers_keeps_whole_lines_and_exits_130(
    script: Callable[..., Script], stories: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    runs: list[subprocess.Popen[bytes]] = []
    answered = 0

    def interrupt(request: Request) -> Response:
        nonlocal answered
        answered += 1
        if answered == 4:  # Ctrl-C at a terminal: SIGINT to the whole process group
            os.killpg(runs[0].pid, signal.SIGINT)
        return completion()

    s = script(interrupt)
    args = [
        *(sys.executable, "-m", "localize", "batch", str(stories), "-r", ",".join(REGIONS)),
        *("--workers", "2", "-c", "2", "-o", str(out), "--no-cache", "--no-log"),
        *("--base-url", s.url, "--model", "fault-model", "--max-attempts", "1"),
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "OPENAI_API_KEY": "test"}
    runs.append(subprocess.Popen(args, env=env, stderr=subprocess.PIPE, start_new_session=True))
    _, err = runs[0].communicate(timeout=120)
    assert runs[0].returncode == 130, err.decode()
    assert b"interrupted" in err and b"Traceback" not in err
    before = lines(out)  # every line whole (read_results refuses a torn one)
    assert 0 < len(before) < 12
    done = subprocess.run(args, env=env, capture_output=True, check=False, timeout=120)
    assert done.returncode in (0, 4), done.stderr.decode()
    assert len(lines(out)) == 12


def test_checks_that_cannot_reach_a_worker_are_refused_before_any_request(
    script: Callable[..., Script], stories: Path, tmp_path: Path
) -> None:
    s = script(completion())

    def local_check(section: Any, ctx: Any) -> list[Any]:  # a closure: no import reaches it
        return []

    with pytest.raises(ConfigError, match="--workers") as info:
        run(stories, tmp_path / "o.jsonl", s.url, workers=2, checks=[local_check])
    assert "module-level" in str(info.value)
    assert s.requests == 0 and not (tmp_path / "o.jsonl").exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--workers", "0"], "at least 1"),
        (["--workers", "-2"], "at least 1"),
        (["--workers", "two"], "'two' is not a valid integer"),
        (["--workers", "3", "-c", "2"], "at least 3 jobs in flight"),
        (["--workers", "2", "--slots", "1"], "at least 2 jobs in flight"),
        (["--workers", "2"], "embedded model"),  # no endpoint given
        (["--workers", "2", "--export", "requests.jsonl"], "--export and --submit send none"),
    ],
)
def test_bad_workers_values_name_the_option(
    stories: Path, tmp_path: Path, args: list[str], needle: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "LOCALIZE_BASE_URL", "LOCALIZE_SLOTS"):
        monkeypatch.delenv(name, raising=False)
    endpoint = [] if needle == "embedded model" else ["--base-url", "http://127.0.0.1:9/v1"]
    out = tmp_path / "o.jsonl"
    res = CliRunner().invoke(batch, [str(stories), "-r", "uk", "-o", str(out), *endpoint, *args])
    assert res.exit_code == 2, res.output
    assert "--workers" in res.output and needle in res.output
    assert not out.exists()


def test_help_documents_workers() -> None:
    out = CliRunner().invoke(batch, ["--help"]).output
    assert "--workers" in out


def test_a_workers_stream_parses_only_its_own_stories(
    stories: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = plan_batch([stories], REGIONS)
    parsed: list[str] = []
    real = batch_inputs.story_from_json

    def counted(data: Any, **kw: Any) -> Any:
        parsed.append(kw["id"])
        return real(data, **kw)

    monkeypatch.setattr(batch_inputs, "story_from_json", counted)
    mine = plan.stories.only(["story-1", "story-4"])
    assert [s.id for s in mine] == ["story-1", "story-4"]
    assert parsed == ["story-1", "story-4"]  # the other four are named, never parsed


def test_a_result_crosses_the_pipe_with_the_parents_own_region_profile() -> None:
    (uk,) = resolve_regions(["uk"])
    prep = prepare(Story(("The lede.",), None, "s"), uk, settings=Settings.resolve({}))
    answer = Completion(json.dumps({"body": BODY}), "stop", Usage(10, 5), "m", "json_object")
    result = JobResult("s", "uk", review_completion(prep, answer, endpoint="http://127.0.0.1:1/v1"))
    frame = _frame(("result", result))
    assert len(frame) < len(pickle.dumps(result)) - 10_000  # the profile is not in it
    (kind, back) = _receive_now(frame, {"uk": uk})
    assert kind == "result" and back.result.region is uk and back.to_line() == result.to_line()


def test_a_worker_uses_the_shipped_profiles_it_loaded_not_equal_copies() -> None:
    (uk,) = resolve_regions(["uk"])
    copy = pickle.loads(pickle.dumps(uk))
    changed = uk.model_copy(update={"disclosure": "Written with a model."})
    assert copy is not uk and copy == uk
    # An equal copy is the loaded object (the checks' per-profile caches hit by identity, not a
    # field-by-field comparison); a changed profile stays as it was sent.
    assert _as_shipped([copy, changed]) == [uk, changed]
    assert _as_shipped([copy])[0] is uk and _as_shipped([changed])[0] is changed


def _receive_now(frame: bytes, regions: dict[str, Any]) -> tuple[Any, ...]:
    async def read() -> tuple[Any, ...] | None:
        reader = asyncio.StreamReader()
        reader.feed_data(frame)
        reader.feed_eof()
        return await _receive(reader, regions)

    message = asyncio.run(read())
    assert message is not None
    return message


def test_a_resumed_run_counts_only_the_workers_it_starts(
    script: Callable[..., Script], stories: Path, tmp_path: Path
) -> None:
    s = script(completion())
    out = tmp_path / "out.jsonl"
    run(stories, out, s.url)
    # Keep every line but the last story's: one story is left to run.
    kept = [line for line in out.read_text().splitlines() if '"story-5"' not in line]
    out.write_text("".join(line + "\n" for line in kept))
    resumed = run(stories, out, s.url, workers=4, concurrency=8)
    assert resumed.workers == 1 and resumed.done == 2
    assert len(lines(out)) == 12
