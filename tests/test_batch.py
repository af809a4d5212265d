"""`localize batch`: inputs, the results file (resume, torn lines, lock), pacing, scheduling,
Batch API file formats, bad input, and a small real batch from recorded traffic."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
from click.testing import CliRunner

import localize.cli._main  # noqa: F401  (imported first: _batch_cli reuses its error handling)
from localize import (
    AuditLog,
    CheckReport,
    Completion,
    Finding,
    LLMClient,
    Settings,
    Story,
    load_story,
    prepare,
)
from localize.backends import Spend, Usage
from localize.backends._cache import DiskCache
from localize.backends._local import LOCAL_MODEL
from localize.batch import (
    BatchSummary,
    Job,
    JobResult,
    RateGate,
    ResultsFile,
    StoryInput,
    _results,
    _run,
    alocalize_many,
    collect_batch,
    export_requests,
    iter_jobs,
    load_inputs,
    load_manifest,
    merge_results,
    plan_batch,
    plan_jobs,
    resolve_regions,
    stream_inputs,
    submit_batch,
)
from localize.batch._collector import _YOUNG, batch_collector
from localize.batch._run import _Scheduler, run_batch
from localize.cli._batch import batch
from localize.errors import ConfigError, InputError, OutputError, RegionNotFoundError, StoryError
from localize.pipeline import review_completion
from tests.fault_server import Script, completion
from tests.support import RECORD_BASE_URL, STORIES, audit_db, request_bodies

WIRE = STORIES / "wire.txt"


@pytest.fixture(autouse=True)
def _cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LOCALIZE_CACHE_DIR", str(tmp_path / "cache"))


def invoke(*args: str | Path) -> Any:
    return CliRunner().invoke(batch, [str(a) for a in args])


def result(story: str, region: str, ok: bool = True) -> JobResult:
    """A results line; an ok one holds a real section built from a canned answer."""
    if not ok:
        return JobResult(story, region, None, "boom")
    prep = prepare(Story(("The lede.",), None, story), region, settings=Settings.resolve({}))
    answer = Completion(SECTION, "stop", Usage(10, 5), "m", "json_schema")
    done = review_completion(prep, answer, endpoint="http://127.0.0.1:1/v1")
    return JobResult(story, region, done)


# ------------------------------------------------------------------------------------ inputs


def test_inputs_from_files_folders_and_jsonl(tmp_path: Path) -> None:
    folder = tmp_path / "stories"
    folder.mkdir()
    (folder / "a.txt").write_text("Headline\n\nFirst paragraph.")
    (folder / "b.md").write_text("# Title\n\nBody text.")
    (folder / ".hidden.txt").write_text("skipped")
    (folder / "notes.csv").write_text("skipped")
    (folder / "empty.txt").write_text("   ")
    lines = [
        json.dumps({"id": "j1", "body": "Some text.", "headline": "H"}),
        "",
        "{broken",
        json.dumps({"body": "no id"}),
        json.dumps({"id": 7, "body": 3}),
    ]
    (tmp_path / "more.jsonl").write_text("\n".join(lines) + "\n")
    inputs = load_inputs([folder, tmp_path / "more.jsonl", WIRE])
    assert [i.id for i in inputs] == ["a", "b", "empty", "j1", "more:3", "more:4", "7", "wire"]
    by_id = {i.id: i for i in inputs}
    assert by_id["j1"].story is not None and by_id["j1"].story.headline == "H"
    assert by_id["empty"].story is None and "empty.txt: the story is empty" in str(
        by_id["empty"].error
    )
    assert "line 3: invalid JSON" in str(by_id["more:3"].error)
    assert "line 4: field 'id' is missing" in str(by_id["more:4"].error)
    assert "field 'body' is missing" in str(by_id["7"].error)


def test_inputs_that_stop_the_run(tmp_path: Path) -> None:
    with pytest.raises(StoryError, match="no such file or folder"):
        load_inputs([tmp_path / "nope.txt"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(StoryError, match="folder has no story files"):
        load_inputs([tmp_path / "empty"])
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "wire.txt").write_text("Another story.")
    with pytest.raises(InputError, match="story id 'wire' is used twice"):
        load_inputs([WIRE, tmp_path / "x"])
    assert len(load_inputs([WIRE, WIRE])) == 1  # the same file twice is one story


def test_jobs_are_story_major_and_regions_checked_first() -> None:
    stories = [StoryInput.of(load_story(STORIES / n)) for n in ("wire.txt", "brief.txt")]
    regions = resolve_regions(["uk", "EU", "uk", ""])
    assert [r.id for r in regions] == ["uk", "eu"]
    assert [j.key for j in plan_jobs(stories, regions)] == [
        ("wire", "uk"),
        ("wire", "eu"),
        ("brief", "uk"),
        ("brief", "eu"),
    ]
    with pytest.raises(RegionNotFoundError, match="'ukk'"):
        resolve_regions(["uk", "ukk"])


def test_a_disclosure_replaces_every_profiles_line() -> None:
    plan = plan_batch([WIRE], ["uk", "us"], disclosure="Drafted with AI.")
    assert {j.region.disclosure for j in plan.jobs} == {"Drafted with AI."}
    with pytest.raises(ConfigError, match="--disclosure"):
        plan_batch([WIRE], ["uk"], disclosure=" ")


# ------------------------------------------------------------------------------ results file


def test_result_lines_have_exactly_the_documented_keys() -> None:
    line = result("s", "uk").to_line()
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert list(json.loads(line)) == [
        "story_id",
        "region",
        "ok",
        "status",
        "section",
        "checks",
        "provenance",
        "error",
    ]


def test_append_then_resume(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    with ResultsFile(out) as rf:
        rf.begin([("a", "uk"), ("a", "eu")])
        rf.append(result("a", "uk"))
        rf.append(result("a", "eu", ok=False))
    with ResultsFile(out) as rf:
        assert rf.done == {("a", "uk")} and rf.failed == {("a", "eu")}
        rf.begin([("a", "eu")])  # the failed pair is retried: its old line goes
        rf.append(result("a", "eu"))
    keys = [(d["story_id"], d["region"], d["status"]) for d in map(json.loads, out.open())]
    status = result("a", "uk").status  # the canned section, passed or flagged: written
    assert keys == [("a", "uk", status), ("a", "eu", status)] and status != "failed"


def test_a_torn_last_line_is_dropped(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    whole = result("a", "uk").to_line()
    out.write_bytes(whole + result("a", "eu").to_line()[:40])  # killed mid-write
    with ResultsFile(out) as rf:
        assert rf.done == {("a", "uk")} and rf.dropped_torn_line
        rf.begin([("a", "eu")])
        rf.append(result("a", "eu"))
    assert out.read_bytes() == whole + result("a", "eu").to_line()


class _Fsyncs:
    """Every fsync of one file: the file's size when it ran, and whether it ran on the main
    thread (the event loop's)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
        self.calls: list[tuple[int, bool]] = []
        real = os.fsync

        def fsync(fd: Any) -> None:
            info = os.fstat(fd)
            if (info.st_dev, info.st_ino) == (path.stat().st_dev, path.stat().st_ino):
                self.calls.append((info.st_size, threading.current_thread() is main))
            real(fd)

        main = threading.main_thread()
        monkeypatch.setattr(os, "fsync", fsync)


class _NoClient:
    async def aclose(self) -> None:
        pass


def _drive_into(rf: ResultsFile, results: list[JobResult], *, then_wait: bool) -> Any:
    """`_drive` over jobs that finish as ``results`` (then hang, when ``then_wait``)."""

    async def fake_jobs(*_: Any, **__: Any) -> Any:
        for r in results:
            await asyncio.sleep(0)
            yield r
        if then_wait:
            await asyncio.Event().wait()

    summary = BatchSummary(total=len(results))
    drive = _run._drive(fake_jobs(), _NoClient(), rf, summary, None)  # type: ignore[arg-type]
    return summary, drive, fake_jobs


def test_a_run_fsyncs_off_the_loop_and_returns_with_every_line_durable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "r.jsonl"
    out.write_bytes(result("s0", "uk").to_line())  # an existing file, so fsyncs can be told
    fsyncs = _Fsyncs(monkeypatch, out)
    lines = [result(f"s{i}", "uk", ok=i % 3 != 0) for i in range(1, 40)]
    with ResultsFile(out) as rf:
        summary, drive, fake = _drive_into(rf, lines, then_wait=False)
        monkeypatch.setattr(_run, "run_jobs", fake)
        asyncio.run(drive)
        size = out.stat().st_size
        # At return, before the file closes: the last fsync covered every line, and none of
        # them held the event loop.
        assert fsyncs.calls and fsyncs.calls[-1][0] == size
        assert not any(on_main for _, on_main in fsyncs.calls)
    assert summary.finished_jobs == len(lines)
    with ResultsFile(out) as rf:
        assert len(rf.done | rf.failed) == len(lines) + 1


def test_a_cancelled_run_fsyncs_what_it_wrote_and_a_resumed_run_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "r.jsonl"
    out.write_bytes(result("s0", "uk").to_line())
    fsyncs = _Fsyncs(monkeypatch, out)
    lines = [result(f"s{i}", "uk") for i in range(1, 6)]
    with ResultsFile(out) as rf:
        summary, drive, fake = _drive_into(rf, lines, then_wait=True)
        monkeypatch.setattr(_run, "run_jobs", fake)

        async def cancel_when_written() -> None:
            task = asyncio.create_task(drive)
            while summary.finished_jobs < len(lines):
                await asyncio.sleep(0)
            task.cancel()  # as Ctrl-C does: asyncio.run cancels the run
            with pytest.raises(asyncio.CancelledError):
                await task

        asyncio.run(cancel_when_written())
        assert fsyncs.calls and fsyncs.calls[-1][0] == out.stat().st_size
    with ResultsFile(out) as rf:
        assert rf.done == {(f"s{i}", "uk") for i in range(6)} and not rf.dropped_torn_line


def test_a_whole_last_line_without_its_newline_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    out.write_bytes(result("a", "uk").to_line()[:-1])
    with ResultsFile(out) as rf:
        assert rf.done == {("a", "uk")} and not rf.dropped_torn_line
        rf.append(result("a", "eu"))
    assert len(out.read_bytes().splitlines()) == 2


def test_a_file_that_is_not_a_results_file_is_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "notes.jsonl"
    out.write_text('{"something": "else"}\n')
    with pytest.raises(OutputError, match="line 1 is not a localize result"):
        ResultsFile(out).open()
    assert out.read_text() == '{"something": "else"}\n'


def test_a_resumed_file_is_read_a_line_at_a_time_past_any_whole_file_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A million-job results file is gigabytes: resuming it (and retrying its failed pairs) must
    # hold its keys, not its bytes, and must not refuse it for its size.
    monkeypatch.setattr(_results, "MAX_RESULTS_BYTES", 100)
    out = tmp_path / "r.jsonl"
    lines = [result(f"s{i}", "uk", ok=i % 2 == 0).to_line() for i in range(20)]
    out.write_bytes(b"".join(lines))
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"{self} read whole"))
    with ResultsFile(out) as rf:
        assert len(rf.done) == 10 and len(rf.failed) == 10
        rf.begin(sorted(rf.failed))  # the failed lines go, streamed through a new file
    monkeypatch.undo()
    assert out.read_bytes() == b"".join(lines[::2])


def test_a_line_past_the_line_limit_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_results, "MAX_RESULTS_LINE_BYTES", 64)
    out, part = tmp_path / "r.jsonl", tmp_path / "part.jsonl"
    for path in (out, part):
        path.write_bytes(b"x" * 1000 + b"\n")
    with pytest.raises(OutputError, match="line 1 is larger than 64 bytes; this does not look"):
        ResultsFile(out).open()
    assert out.read_bytes() == b"x" * 1000 + b"\n"
    with pytest.raises(InputError, match=r"part.jsonl, line 1 is larger than 64 bytes"):
        merge_results([part], tmp_path / "all.jsonl")


def test_merge_leaves_one_line_per_pair_a_section_winning(tmp_path: Path) -> None:
    one, two, out = tmp_path / "1.jsonl", tmp_path / "2.jsonl", tmp_path / "all.jsonl"
    with ResultsFile(one) as f:
        f.append(result("a", "uk"))
        f.append(result("b", "uk", ok=False))
    with ResultsFile(two) as f:
        f.append(result("b", "uk"))  # a retry elsewhere that wrote its section
        f.append(result("c", "uk", ok=False))
    with ResultsFile(out) as f:
        f.append(result("c", "uk", ok=False))  # failed before: stays one failed line
    with two.open("ab") as f:
        f.write(b'{"story_id": "d", "reg')  # a shard killed mid-write
    report = merge_results([one, two], out)
    assert (report.added_ok, report.added_failed, report.torn) == (2, 0, 1)
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    written = sorted((x["story_id"], x["section"] is not None) for x in lines)
    assert written == [("a", True), ("b", True), ("c", False)]
    assert merge_results([one, two], out).already_done == 2  # merging again adds nothing
    (tmp_path / "bad.jsonl").write_text("not a result\n{}\n")
    with pytest.raises(InputError, match=r"bad.jsonl, line 1: not a localize results line"):
        merge_results([tmp_path / "bad.jsonl"], out)


def test_cli_shard_option_is_checked(tmp_path: Path) -> None:
    for bad in ("2", "0/2", "3/2", "a/b"):
        res = invoke(WIRE, "-r", "uk", "-o", tmp_path / "o.jsonl", "--shard", bad)
        assert res.exit_code == 2 and "--shard" in res.stderr


def test_a_stream_is_written_not_read_locked_or_resumed(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with ResultsFile(fifo) as rf:  # opening a FIFO to read would block: it must not be read
        assert rf.is_stream and rf.done == set()
    assert not (tmp_path / "pipe.lock").exists()
    assert ResultsFile("-").is_stream and not ResultsFile(tmp_path / "r.jsonl").is_stream


def test_two_runs_on_one_file_refuse(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    with ResultsFile(out):
        with pytest.raises(OutputError, match="another localize run is writing this file"):
            ResultsFile(out).open()
        res = invoke(WIRE, "--regions", "uk", "--output", out)
        assert res.exit_code == 2 and "another localize run" in res.stderr
    assert not (tmp_path / "r.jsonl.lock").exists()  # released and removed
    with ResultsFile(out):  # free again
        pass


# --------------------------------------------------------------------------------- rate gate


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sent: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def run_gate(gate: RateGate, clock: FakeClock, tokens: list[int]) -> list[float]:
    async def go() -> list[float]:
        times = []
        for t in tokens:
            await gate.acquire(t)
            times.append(round(clock.now, 6))
        return times

    return asyncio.run(go())


def test_gate_spaces_requests_under_the_rpm() -> None:
    clock = FakeClock()
    gate = RateGate(rpm=60, headroom=1.0, clock=clock, sleep=clock.sleep)
    assert run_gate(gate, clock, [100] * 4) == [0.0, 1.0, 2.0, 3.0]


def test_gate_spaces_requests_by_their_tokens_under_the_tpm() -> None:
    clock = FakeClock()
    gate = RateGate(rpm=600, tpm=6000, headroom=1.0, clock=clock, sleep=clock.sleep)
    # 6000 tokens a minute is 100 a second: 500 tokens hold the next request for 5 s.
    assert run_gate(gate, clock, [500, 100, 100]) == [0.0, 5.0, 6.0]


def test_gate_keeps_headroom_below_the_limit() -> None:
    clock = FakeClock()
    gate = RateGate(rpm=60, clock=clock, sleep=clock.sleep)  # default headroom 0.95
    times = run_gate(gate, clock, [1] * 11)
    assert times[-1] == pytest.approx(10 / 0.95)


def test_a_429_pauses_every_request_and_slows_the_run() -> None:
    clock = FakeClock()
    gate = RateGate(rpm=60, headroom=1.0, clock=clock, sleep=clock.sleep)
    run_gate(gate, clock, [1])
    gate.penalize(5.0)
    gate.penalize(5.0)  # a second 429 from the same episode: one slowdown step only
    assert gate.rate_limited == 2
    assert gate.slowdown() == pytest.approx(1.25)
    times = run_gate(gate, clock, [1, 1])
    # Spacing after the pause: 1 s x the slowdown, which has decayed for 5 s (half-life 30 s).
    assert times == [5.0, pytest.approx(6 + 0.25 * 0.5 ** (5 / 30))]
    clock.now += 300  # ten half-lives without a 429: back to the configured pace
    assert gate.slowdown() == pytest.approx(1.0, abs=1e-3)


def test_gate_without_limits_only_pauses_after_a_429() -> None:
    clock = FakeClock()
    gate = RateGate(clock=clock, sleep=clock.sleep)
    assert run_gate(gate, clock, [10_000] * 3) == [0.0, 0.0, 0.0]
    gate.penalize(2.0)
    assert run_gate(gate, clock, [1]) == [2.0]


@pytest.mark.parametrize(("option", "value"), [("rpm", 0), ("tpm", -1), ("rpm", 2.5)])
def test_a_limit_that_is_not_a_rate_names_its_option(
    option: str, value: Any, tmp_path: Path
) -> None:
    # rpm=0 and tpm=-1 passed silently (as no limit) to a library caller; the CLI refused them.
    with pytest.raises(ConfigError, match=f"^--{option}: must be a whole number of at least 1"):
        RateGate(**{option: value})
    out = tmp_path / "r.jsonl"
    with pytest.raises(ConfigError, match=f"--{option}"):
        run_batch([WIRE], ["uk"], out, **{option: value})
    assert not out.exists()


class _Counted(RateGate):
    """A gate that keeps the tokens each request was counted at."""

    def __init__(self, **limits: Any) -> None:
        super().__init__(**limits)
        self.counted: list[int] = []

    async def acquire(self, tokens: int) -> None:
        self.counted.append(tokens)
        await super().acquire(tokens)


def _answered(request: httpx2.Request) -> httpx2.Response:
    message = {"role": "assistant", "content": '{"body": "A section."}'}
    body = {"choices": [{"index": 0, "finish_reason": "stop", "message": message}]}
    return httpx2.Response(200, json=body)


@pytest.mark.parametrize(("tpm", "counts"), [(None, False), (1_000_000, True)])
def test_a_requests_tokens_are_counted_only_for_a_gate_under_a_tpm_limit(
    tpm: int | None, counts: bool
) -> None:
    # Counting a re-ask's whole prompt costs about 0.1 ms a request: a gate without a TPM limit
    # paces by requests alone and is given 0.
    gate = _Counted(tpm=tpm)
    assert gate.counts_tokens is counts
    client = LLMClient(
        model="gpt-4o-mini",
        base_url="https://llm.example/v1",
        api_key="k",
        structured="json_object",
        gate=gate,
        async_http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(_answered)),
    )
    messages: list[Any] = [{"role": "user", "content": "Write the section. " * 50}]

    async def go() -> None:
        await client.acomplete(messages, params={"max_tokens": 10}, schema={})
        await client.aclose()

    asyncio.run(go())
    assert (gate.counted[0] > 10) is counts and len(gate.counted) == 1


def test_waiters_are_served_in_order() -> None:
    clock = FakeClock()
    gate = RateGate(rpm=60, headroom=1.0, clock=clock, sleep=clock.sleep)
    order: list[int] = []

    async def one(i: int) -> None:
        await gate.acquire(1)
        order.append(i)

    async def go() -> None:
        await asyncio.gather(*(one(i) for i in range(5)))

    asyncio.run(go())
    assert order == [0, 1, 2, 3, 4] and clock.now == 4.0


# -------------------------------------------------------------------------------- scheduling


def test_a_storys_first_region_runs_before_its_others() -> None:
    stories = [StoryInput(f"s{i}", error="x") for i in range(3)]
    jobs = plan_jobs(stories, resolve_regions(["uk", "eu", "us"]))

    async def go() -> list[tuple[str, str]]:
        sched = _Scheduler(jobs, warm_first=True)
        first = [await sched.next() for _ in range(3)]
        picked = [j.key for j in first if j]
        # Only leads can start while each story's lead is in flight.
        assert picked == [("s0", "uk"), ("s1", "uk"), ("s2", "uk")]
        waiting = asyncio.ensure_future(sched.next())
        await asyncio.sleep(0)
        assert not waiting.done()
        assert first[1] is not None
        sched.finished(first[1])
        nxt = await waiting
        assert nxt is not None
        picked.append(nxt.key)
        return picked

    assert asyncio.run(go())[-1] == ("s1", "eu")


def test_the_scheduler_reads_stories_as_it_needs_them_and_lets_them_go() -> None:
    taken: list[str] = []

    def stories() -> Iterator[StoryInput]:
        for i in range(50):
            taken.append(f"s{i}")
            yield StoryInput(f"s{i}", error="x")

    jobs = iter_jobs(stories(), resolve_regions(["uk", "eu"]))

    async def go() -> None:
        sched = _Scheduler(jobs, warm_first=True)
        lead = await sched.next()
        # One story open, and the next story's first job seen (to know the first one ended).
        assert lead is not None and lead.key == ("s0", "uk") and taken == ["s0", "s1"]
        second = await sched.next()  # s0's other region waits for its lead: s1 opens
        assert second is not None and second.key == ("s1", "uk") and len(taken) == 3
        sched.finished(lead)
        rest = await sched.next()
        assert rest is not None and rest.key == ("s0", "eu")
        sched.finished(rest)
        # s0's last job is done: nothing of it is held any more.
        assert "s0" not in sched._lead and "s0" not in sched._in_flight

    asyncio.run(go())


def test_inputs_are_counted_up_front_and_read_one_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps({"id": f"s{i}", "body": "Text."}) + "\n" for i in range(5)))
    stream = stream_inputs([path])
    assert stream.ids == [f"s{i}" for i in range(5)]
    it = iter(stream)
    first = next(it)
    assert first.story is not None and first.id == "s0"
    # A file that is not UTF-8 is found before any request, and fails only its own jobs.
    path.write_bytes(path.read_bytes() + b'{"id": "x", "body": "\xff"}\n')
    (failed,) = stream_inputs([path])
    assert failed.id == "many" and "bad byte at offset" in str(failed.error)


def test_shards_split_the_stories_and_cover_them_once() -> None:
    plan = plan_batch([STORIES], ["uk", "us"])
    shards = [plan.shard(i, 3) for i in (1, 2, 3)]
    keys = [k for s in shards for k in s.job_keys()]
    assert sorted(keys) == sorted(plan.job_keys()) and len(set(keys)) == len(keys)
    assert sum(s.total for s in shards) == plan.total
    for s in shards:  # a story's regions stay together, in one shard
        assert [j.key for j in s.jobs] == list(s.job_keys())
    with pytest.raises(ConfigError, match="--shard"):
        plan.shard(4, 3)


def test_a_shard_with_no_stories_leaves_an_empty_results_file_to_merge(tmp_path: Path) -> None:
    # It left no file, so `batch merge` of every shard's file stopped: "no such results file".
    plan = plan_batch([WIRE], ["uk"])
    (empty,) = [i for i in (1, 2) if plan.shard(i, 2).total == 0]
    out = tmp_path / f"shard-{empty}.jsonl"
    settings = Settings.resolve({}, base_url="http://127.0.0.1:9/v1", model="m")  # not called
    summary = run_batch([WIRE], ["uk"], out, settings=settings, shard=(empty, 2), audit=False)
    assert summary.total == 0 and out.read_bytes() == b""
    report = merge_results([out], tmp_path / "all.jsonl")
    assert (report.added_ok, report.added_failed) == (0, 0)


def test_summary_counts_what_was_paid_for_failed_jobs_included() -> None:
    s = BatchSummary(total=3)
    s.add(JobResult("a", "uk", None, "boom", Spend(Usage(100, 20, 0), 1), 0.5))
    s.add(JobResult("a", "eu", None, "x", Spend(Usage(7, 3, 0)), None))
    assert (s.done, s.failed, s.tokens, s.spend.cache_hits) == (0, 2, 130, 1)
    assert not s.cost_known and "unknown" in s.cost_text()
    assert "done 0 (0 flagged with check errors), failed 2" in s.line()
    assert s.to_dict()["estimated_cost_usd"] is None and not s.ok


def test_summary_counts_flagged_sections_and_never_exits_0_for_them() -> None:
    s = BatchSummary(total=1)
    canned = result("a", "uk")
    s.add(canned)
    assert s.ok == canned.ok == canned.result.checks.ok  # type: ignore[union-attr]
    assert s.check_errors == (0 if canned.ok else 1)
    assert s.exit_code == (0 if canned.ok else 4)


def _job(status: str, story: str = "s") -> JobResult:
    """A finished job of the given status, from a real check report."""
    if status == "failed":
        return JobResult(story, "uk", None, "boom")
    base = result(story, "uk").result
    assert base is not None
    findings = (Finding("length", "error", "too short"),) if status == "flagged" else ()
    return JobResult(story, "uk", dataclasses.replace(base, checks=CheckReport(findings)))


@pytest.mark.parametrize(
    ("status", "ok", "code"), [("passed", True, 0), ("flagged", False, 4), ("failed", False, 1)]
)
def test_a_line_is_ok_only_when_passed_and_the_exit_code_tells_each_status(
    status: str, ok: bool, code: int
) -> None:
    job = _job(status)
    line = json.loads(job.to_line())
    assert (job.status, job.ok, line["status"], line["ok"]) == (status, ok, status, ok)
    s = BatchSummary(total=1)
    s.add(job)
    assert (s.ok, s.exit_code) == (ok, code)


def test_a_resumed_run_still_exits_4_for_flagged_lines(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    with ResultsFile(out) as rf:
        rf.append(_job("flagged", "wire"))
    with ResultsFile(out) as rf:  # a flagged section is done (not retried), and still flagged
        assert rf.done == rf.flagged == {("wire", "uk")} and not rf.failed
    again = run_batch([WIRE], ["uk"], out, audit=False)  # nothing left to run: nothing is sent
    assert (again.skipped, again.skipped_flagged, again.ok, again.exit_code) == (1, 1, False, 4)
    assert "skipped 1 already done (1 of them flagged)" in again.line()


# ------------------------------------------------------------------------ bad input, the CLI


def test_cli_help_documents_every_flag() -> None:
    out = invoke("--help").output
    for flag in (
        "--regions",
        "--output",
        "--concurrency",
        "--rpm",
        "--tpm",
        "--no-cache",
        "--cache-dir",
        "--submit",
        "--export",
        "--strict",
        "--structured",
        "--context-window",
        "--timeout",
        "--max-retries",
        "--format",
        "--model",
        "--base-url",
        "--max-attempts",
        "--template",
        "--profiles",
        "--disclosure",
        "--shard",
    ):
        assert flag in out
    assert "--manifest" in invoke("collect", "--help").output
    assert "--output" in invoke("merge", "--help").output


def test_export_takes_one_shard(tmp_path: Path) -> None:
    parts = []
    for i in (1, 2):
        req = tmp_path / f"requests-{i}.jsonl"
        res = invoke(STORIES, "-r", "uk", "--export", req, "-m", "gpt-4o-mini", "--shard", f"{i}/2")
        assert res.exit_code == 0, res.output
        parts.append({json.loads(x)["custom_id"] for x in req.read_text().splitlines()})
    whole = {f"{p.stem}::uk" for p in STORIES.iterdir() if p.suffix in (".txt", ".md")}
    assert parts[0] | parts[1] == whole and not parts[0] & parts[1]


def _one_line_error(res: Any, code: int, *needles: str) -> None:
    assert res.exit_code == code, res.output
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, res.stderr
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--regions", "uk,narnia"], ["unknown region 'narnia'"]),
        (["--regions", " , "], ["--regions"]),
        (["--regions", "uk", "--template", "nope"], ["nope"]),
        (["--regions", "uk", "--disclosure", " "], ["--disclosure", "must not be empty"]),
    ],
)
def test_bad_options_stop_before_any_request(
    tmp_path: Path, args: list[str], needles: list[str]
) -> None:
    out = tmp_path / "r.jsonl"
    res = invoke(WIRE, "--output", out, "--base-url", RECORD_BASE_URL, *args)
    _one_line_error(res, 2, *needles)
    assert not out.exists()


def test_an_unwritable_output_stops_before_any_request(tmp_path: Path) -> None:
    res = invoke(
        WIRE,
        "--regions",
        "uk",
        "--output",
        tmp_path / "no" / "r.jsonl",
        "--base-url",
        RECORD_BASE_URL,
    )
    _one_line_error(res, 2, "does not exist")
    res = invoke(WIRE, "--regions", "uk", "--output", tmp_path, "--base-url", RECORD_BASE_URL)
    assert res.exit_code == 2


def test_a_missing_story_path_stops(tmp_path: Path) -> None:
    res = invoke(tmp_path / "nope.txt", "--regions", "uk", "--output", tmp_path / "r.jsonl")
    assert res.exit_code == 2 and "does not exist" in res.stderr
    assert not (tmp_path / "r.jsonl").exists()


def test_nothing_to_do_when_every_pair_is_done(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    done = result("wire", "uk")
    out.write_bytes(done.to_line())
    res = invoke(WIRE, "--regions", "uk", "--output", out, "--base-url", RECORD_BASE_URL)
    assert res.exit_code == (0 if done.ok else 4) and "already done" in res.stderr


# ---------------------------------------------------------------------- Batch API file format


@pytest.fixture
def exported(tmp_path: Path) -> tuple[Path, Path, list[Job]]:
    bad = tmp_path / "bad.txt"
    bad.write_text("")
    jobs = plan_jobs(load_inputs([WIRE, bad]), resolve_regions(["uk", "us"]))
    settings = Settings.resolve({}, model="gpt-4o-mini", api_key="sk-test")
    path, manifest, failed = export_requests(jobs, tmp_path / "requests.jsonl", settings=settings)
    assert [(f.story_id, f.region) for f in failed] == [("bad", "uk"), ("bad", "us")]
    return path, manifest, jobs


def test_export_writes_batch_api_request_lines(exported: tuple[Path, Path, list[Job]]) -> None:
    path, manifest, _ = exported
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["custom_id"] for line in lines] == ["wire::uk", "wire::us"]
    for line in lines:
        assert set(line) == {"custom_id", "method", "url", "body"}
        assert line["method"] == "POST" and line["url"] == "/v1/chat/completions"
        body = line["body"]
        assert body["model"] == "gpt-4o-mini" and body["temperature"] == 0
        assert body["max_completion_tokens"] == 450 and "max_tokens" not in body
        assert body["response_format"]["type"] == "json_schema"
        assert body["response_format"]["json_schema"]["strict"] is True
        assert [m["role"] for m in body["messages"]] == ["system", "user"]
    # Same story, same prefix: the requests differ only after the story.
    a, b = (line["body"]["messages"][1]["content"] for line in lines)
    assert a.split("<region>")[0] == b.split("<region>")[0]
    assert manifest.name == "requests.jsonl.manifest.json"
    data = load_manifest(manifest)
    assert set(data.regions) == {"uk", "us"} and set(data.stories) == {"wire"}


def _answer_line(cid: str, content: str, *, status: int = 200, finish: str = "stop") -> str:
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {
                "index": 0,
                "finish_reason": finish,
                "message": {"role": "assistant", "content": content},
            }
        ],
        "usage": {
            "prompt_tokens": 900,
            "completion_tokens": 80,
            "total_tokens": 980,
            "prompt_tokens_details": {"cached_tokens": 768},
        },
    }
    if status != 200:
        body = {"error": {"message": "Invalid request", "type": "invalid_request_error"}}
    return json.dumps(
        {
            "id": "batch_req_1",
            "custom_id": cid,
            "response": {"status_code": status, "request_id": "req_9", "body": body},
            "error": None,
        }
    )


SECTION = json.dumps(
    {
        "body": (
            "The United States has banned the export of advanced AI chips to China. For "
            "businesses in the United Kingdom that buy or build on these chips, the ban "
            "is a reason to check their supply chains, and the National Cyber Security Centre "
            "(NCSC) may advise organisations on the security side of any changes."
        )
    }
)


def test_collect_turns_output_lines_into_checked_results(
    exported: tuple[Path, Path, list[Job]],
) -> None:
    _, manifest_path, _ = exported
    manifest = load_manifest(manifest_path)
    lines = [_answer_line("wire::uk", SECTION), _answer_line("wire::us", "no json here")]
    results, missing = collect_batch(lines, manifest)
    assert missing == []
    uk, us = results
    assert uk.result is not None and uk.result.section.heading.endswith("the UK")
    prov = uk.result.provenance
    assert prov.cached_tokens == 768 and prov.model == "gpt-4o-mini-2024-07-18"
    assert prov.profile_source == "built-in"  # carried by the manifest, as a live run records it
    full = (900 - 768) * 0.15 + 768 * 0.075 + 80 * 0.60
    assert prov.estimated_cost_usd == pytest.approx(full / 1e6 / 2)  # the Batch API's half price
    assert uk.spend.usage.total_tokens == 980 and uk.cost_usd == prov.estimated_cost_usd
    assert not us.ok and "not a JSON object" in str(us.error)
    assert us.spend.usage.total_tokens == 980  # an unusable answer was still paid for
    assert list(json.loads(uk.to_line())) == list(json.loads(us.to_line()))


def test_collect_weighs_findings_as_the_run_does(exported: tuple[Path, Path, list[Job]]) -> None:
    manifest = load_manifest(exported[1])
    body = json.loads(SECTION)["body"] + " Defenders must prioritize patching."
    line = [_answer_line("wire::uk", json.dumps({"body": body}))]

    def status(settings: Settings | None = None) -> str:
        (job,) = collect_batch(line, manifest, settings=settings)[0]
        return job.status

    assert status() == "passed"  # a spelling warning
    assert status(Settings.resolve({}, checks={"spelling": "error"})) == "flagged"
    assert status(Settings.resolve({}, strict=True)) == "flagged"
    assert status(Settings.resolve({}, strict=True, checks={"spelling": "off"})) == "passed"


def test_collect_reports_errors_gaps_and_skips(exported: tuple[Path, Path, list[Job]]) -> None:
    manifest = load_manifest(exported[1])
    errored = json.dumps(
        {
            "id": "x",
            "custom_id": "wire::us",
            "response": None,
            "error": {"code": "batch_expired", "message": "expired"},
        }
    )
    results, missing = collect_batch([errored], manifest)
    assert [r.error for r in results] == ["batch request failed: expired"]
    assert missing == ["wire::uk"]
    results, _ = collect_batch([_answer_line("wire::uk", SECTION, status=400)], manifest)
    assert "HTTP 400: Invalid request" in str(results[0].error)
    results, _ = collect_batch([_answer_line("wire::uk", SECTION, finish="length")], manifest)
    assert "cut off" in str(results[0].error)
    results, _ = collect_batch([_answer_line("wire::uk", SECTION)], manifest, skip={("wire", "uk")})
    assert results == []
    with pytest.raises(InputError, match="not in the manifest"):
        collect_batch([_answer_line("other::uk", SECTION)], manifest)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"choices": [None]}, "choices[0] is NoneType data"),
        ({"choices": [{"message": {"content": 5}}]}, "message.content is int data"),
        ({"model": {"id": "m"}}, "model is dict data"),
        ({"usage": {"prompt_tokens": "900"}}, "prompt_tokens is str data"),
        ({"usage": {"prompt_tokens": -1}}, "prompt_tokens is -1, not a token count"),
        ({"status_code": 503, "error": "overloaded"}, "batch request failed: HTTP 503"),
    ],
    ids=[
        "null-choice",
        "number-content",
        "object-model",
        "text-tokens",
        "negative-tokens",
        "text-error",
    ],
)
def test_collect_fails_a_job_whose_answer_is_misshapen(
    exported: tuple[Path, Path, list[Job]], change: dict[str, Any], needle: str
) -> None:
    # Each was a traceback that stopped the whole collect (or an object in provenance).
    line = json.loads(_answer_line("wire::uk", SECTION))
    line["response"]["status_code"] = change.pop("status_code", 200)
    line["response"]["body"].update(change)
    results, _ = collect_batch([json.dumps(line)], load_manifest(exported[1]))
    assert [r.result for r in results] == [None] and needle in str(results[0].error)


def test_collect_a_vllm_output_file_from_the_cli(
    tmp_path: Path, exported: tuple[Path, Path, list[Job]]
) -> None:
    _, manifest, _ = exported
    output = tmp_path / "vllm-out.jsonl"
    output.write_text(
        "\n".join([_answer_line("wire::uk", SECTION), _answer_line("wire::us", SECTION)]) + "\n"
    )
    out = tmp_path / "results.jsonl"
    res = invoke("collect", output, "--output", out, "--manifest", manifest)
    lines = [json.loads(line) for line in out.open()]
    code = 0 if all(d["ok"] for d in lines) else 4  # 4: a section was flagged
    assert res.exit_code == code, res.output
    assert [d["region"] for d in lines] == ["uk", "us"]
    again = invoke("collect", output, "--output", out, "--manifest", manifest)
    assert again.exit_code == code and len(out.read_text().splitlines()) == 2  # no duplicates
    logged = AuditLog(audit_db()).entries()  # each collected section, once
    assert sorted((e.region, e.source) for e in logged) == [
        ("uk", "batch-collect"),
        ("us", "batch-collect"),
    ]


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("hello", "line 2: invalid JSON"),
        ("[1, 2]", "line 2: not a JSON object"),
        ('{"response": {}}', "line 2: has no custom_id"),
        ('{"custom_id": "other::uk"}', "line 2: custom_id 'other::uk' is not in the manifest"),
    ],
    ids=["not-json", "a-list", "no-id", "another-batch"],
)
def test_collect_names_the_output_file_and_line_that_is_not_an_output_line(
    tmp_path: Path, exported: tuple[Path, Path, list[Job]], line: str, needle: str
) -> None:
    # The error said "batch output line 2", naming no file; a list or a line with no id was
    # "custom_id None is not in the manifest", as if it were another batch's.
    output = tmp_path / "vllm-out.jsonl"
    output.write_text(_answer_line("wire::uk", SECTION) + "\n" + line + "\n")
    out = tmp_path / "results.jsonl"
    res = invoke("collect", output, "--output", out, "--manifest", exported[1])
    assert res.exit_code == 2, res.output
    (error,) = res.stderr.strip().splitlines()
    assert f"localize: error: {output} {needle}" in error
    assert not out.exists() or not out.read_text()  # nothing half-collected


def test_collect_finds_its_manifest_as_the_readme_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`batch --export requests.jsonl`, then `batch collect ... --output results.jsonl`."""
    monkeypatch.chdir(tmp_path)
    res = invoke(WIRE, "--regions", "uk,us", "--export", "requests.jsonl", "-m", "gpt-4o-mini")
    assert res.exit_code == 0, res.output
    Path("out.jsonl").write_text(_answer_line("wire::uk", SECTION) + "\n")
    res = invoke("collect", "out.jsonl", "--output", "results.jsonl", "--format", "json")
    assert res.exit_code == 1, res.output  # wire::us has no answer in this output
    summary = json.loads(res.stdout)
    assert summary["manifest"] == "requests.jsonl.manifest.json" and summary["done"] == 1
    assert "1 request(s) have no answer" in res.stderr


def _fake_openai(handler: Any) -> openai.OpenAI:
    return openai.OpenAI(
        api_key="sk-test",
        base_url="https://api.example.test/v1",
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
    )


def test_submit_uploads_the_file_and_creates_the_batch(
    exported: tuple[Path, Path, list[Job]],
) -> None:
    path, manifest, _ = exported
    seen: list[tuple[str, str]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append((request.method, request.url.path))
        if request.url.path.endswith("/files"):
            assert b'name="purpose"' in request.content and b"batch" in request.content
            assert path.read_bytes() in request.content
            return httpx2.Response(
                200,
                json={
                    "id": "file-1",
                    "object": "file",
                    "bytes": 1,
                    "created_at": 0,
                    "filename": "r.jsonl",
                    "purpose": "batch",
                    "status": "processed",
                },
            )
        body = json.loads(request.content)
        assert body == {
            "input_file_id": "file-1",
            "endpoint": "/v1/chat/completions",
            "completion_window": "24h",
            "metadata": {"created_by": "localize"},
        }
        return httpx2.Response(
            200,
            json={
                "id": "batch_1",
                "object": "batch",
                "endpoint": body["endpoint"],
                "input_file_id": "file-1",
                "completion_window": "24h",
                "status": "validating",
                "created_at": 0,
            },
        )

    assert submit_batch(path, manifest, client=_fake_openai(handler)) == "batch_1"
    assert seen == [("POST", "/v1/files"), ("POST", "/v1/batches")]
    assert load_manifest(manifest).batch_id == "batch_1"


def test_download_waits_for_a_finished_batch(exported: tuple[Path, Path, list[Job]]) -> None:
    from localize.batch import download_batch_output
    from localize.errors import BatchNotFinishedError

    status = {"s": "in_progress"}

    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("/content"):
            return httpx2.Response(200, content=_answer_line("wire::uk", SECTION).encode())
        return httpx2.Response(
            200,
            json={
                "id": "batch_1",
                "object": "batch",
                "endpoint": "/v1/chat/completions",
                "input_file_id": "file-1",
                "completion_window": "24h",
                "status": status["s"],
                "created_at": 0,
                "output_file_id": "file-out",
                "request_counts": {"completed": 1, "failed": 0, "total": 2},
            },
        )

    client = _fake_openai(handler)
    with pytest.raises(BatchNotFinishedError, match="in_progress \\(1 of 2 requests done\\)"):
        download_batch_output("batch_1", client=client)
    status["s"] = "completed"
    lines = download_batch_output("batch_1", client=client)
    results, missing = collect_batch(lines, load_manifest(exported[1]))
    assert [r.ok for r in results] == [True] and missing == ["wire::us"]


def test_submit_without_a_key_stops_before_writing(tmp_path: Path) -> None:
    res = invoke(WIRE, "--regions", "uk", "--output", tmp_path / "r.jsonl", "--submit")
    _one_line_error(res, 2, "OPENAI_API_KEY")
    assert list(tmp_path.iterdir()) == []


def test_export_from_the_cli(tmp_path: Path) -> None:
    req = tmp_path / "req.jsonl"
    res = invoke(
        WIRE, "--regions", "uk,eu", "--export", req, "--model", "my-model", "--disclosure", "AI."
    )
    assert res.exit_code == 0, res.output
    assert [json.loads(line)["body"]["model"] for line in req.open()] == ["my-model"] * 2
    # `collect` checks the answers with the manifest's profiles: they carry the disclosure.
    regions = load_manifest(Path(f"{req}.manifest.json")).regions.values()
    assert [r.disclosure for r in regions] == ["AI.", "AI."]


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_a_story_file_whose_name_is_not_utf8_is_run_and_resumed(
    tmp_path: Path, httpserver: Any
) -> None:
    # Its id and source held lone surrogates, which no UTF-8 writer takes: the export and the
    # run ended in "internal error: UnicodeEncodeError".
    folder = tmp_path / "stories"
    folder.mkdir()
    (folder / os.fsdecode(b"\xff\xfewire.txt")).write_bytes(WIRE.read_bytes())
    res = invoke(folder, "--regions", "uk", "--export", tmp_path / "req.jsonl")
    assert res.exit_code == 0, res.output
    (line,) = (tmp_path / "req.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["custom_id"] == "\ufffd\ufffdwire::uk"
    s = Script(httpserver, completion())
    out = tmp_path / "results.jsonl"
    args = [folder, "-r", "uk", "-o", out, "--base-url", s.url, "-m", "m", "--max-attempts", "1"]
    assert invoke(*args).exit_code in (0, 4)
    assert json.loads(out.read_text(encoding="utf-8"))["story_id"] == "\ufffd\ufffdwire"
    again = invoke(*args)
    assert "already done" in again.stderr and s.requests == 1


@pytest.mark.parametrize(
    ("args", "option"),
    [(["-c", "3"], "--concurrency"), (["--rpm", "5"], "--rpm"), (["--tpm", "900"], "--tpm")],
)
def test_an_export_refuses_the_options_of_a_run_here(
    tmp_path: Path, args: list[str], option: str
) -> None:
    # They were passed over: the export looked paced or limited.
    req = tmp_path / "req.jsonl"
    res = invoke(WIRE, "--regions", "uk", "--export", req, *args)
    assert res.exit_code == 2, res.output
    assert res.stderr.strip().splitlines() == [
        f"localize: error: {option}: is for jobs run here; --export and --submit send none "
        "(the provider runs them)"
    ]
    assert not req.exists()


def test_an_export_that_leaves_a_story_out_exits_1_as_a_run_would(tmp_path: Path) -> None:
    stories = tmp_path / "stories.jsonl"
    good = json.dumps({"id": "a", "body": WIRE.read_text(encoding="utf-8")})
    stories.write_text(f'{good}\n{{"id": "b", "body": 5}}\n', encoding="utf-8")
    req = tmp_path / "req.jsonl"
    res = invoke(stories, "--regions", "uk", "--export", req, "--format", "json")
    assert res.exit_code == 1, res.output
    assert "not exported: b uk" in res.stderr and "field 'body'" in res.stderr
    report = json.loads(res.stdout)
    assert report["ok"] is False and report["exported"] == 1
    assert len(req.read_text(encoding="utf-8").splitlines()) == 1
    res = invoke(stories, "--regions", "uk", "--export", tmp_path / "again.jsonl")
    assert res.exit_code == 1 and res.stderr.splitlines()[-1] == (
        "localize: error: 1 pair(s) not exported: their stories could not be read (see above); "
        "the requests written are for the others"
    )


# ----------------------------------------------------------------------------- recorded runs


@pytest.fixture
def recorded_client() -> Iterator[LLMClient]:
    # A long timeout only matters while recording on a busy 2-core machine; replay is instant.
    c = LLMClient(
        model=LOCAL_MODEL,
        base_url=RECORD_BASE_URL,
        max_retries=0,
        structured="json_object",
        timeout=600,
    )
    yield c
    c.close()


def _settings() -> Settings:
    return Settings.resolve({}, base_url=RECORD_BASE_URL, model=LOCAL_MODEL, timeout=600)


async def _collect(it: Any) -> list[JobResult]:
    return [r async for r in it]


@pytest.mark.vcr
def test_localize_many_runs_every_pair(
    recorded_client: LLMClient, tmp_path: Path, vcr: Any
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01binary")
    it = alocalize_many(
        [WIRE, bad],
        ["uk", "eu"],
        client=recorded_client,
        settings=_settings(),
        cache=DiskCache(tmp_path / "cache"),
        max_attempts=2,
        concurrency=2,
    )
    results = asyncio.run(_collect(it))
    assert sorted(r.key for r in results) == [
        ("bad", "eu"),
        ("bad", "uk"),
        ("wire", "eu"),
        ("wire", "uk"),
    ]
    by_key = {r.key: r for r in results}
    assert not by_key["bad", "uk"].ok and "binary file" in str(by_key["bad", "uk"].error)
    for region in ("uk", "eu"):
        r = by_key["wire", region]
        assert r.result is not None, r.error
        assert r.result.section.body and r.result.provenance.region == region
        assert r.result.provenance.response_cache_hits == 0
        assert r.spend.usage.total_tokens == r.result.provenance.prompt_tokens + (
            r.result.provenance.completion_tokens
        )
    bodies = request_bodies(vcr)
    assert all(b["messages"][1]["content"].startswith("<story>") for b in bodies)
    # The second run is answered from the response cache: no request is sent (the cassette
    # holds each answer once, so a repeated request would fail here).
    again = asyncio.run(
        _collect(
            alocalize_many(
                [WIRE],
                ["uk", "eu"],
                client=recorded_client,
                settings=_settings(),
                cache=DiskCache(tmp_path / "cache"),
                max_attempts=2,
            )
        )
    )
    assert len(vcr.requests) == len(bodies)
    for r in again:
        assert r.result is not None and r.spend.usage.total_tokens == 0
        assert r.spend.cache_hits == r.result.provenance.attempts
        assert r.result.provenance.response_cache_hits == r.result.provenance.attempts
        assert r.result.section == by_key[r.key].result.section  # type: ignore[union-attr]


@pytest.mark.vcr
def test_cli_batch_then_resume(tmp_path: Path, vcr: Any) -> None:
    out = tmp_path / "results.jsonl"
    args = [
        WIRE,
        "--regions",
        "uk,eu",
        "--output",
        out,
        "--base-url",
        RECORD_BASE_URL,
        "--model",
        LOCAL_MODEL,
        "--max-attempts",
        "1",
        "-c",
        "2",
        "--disclosure",
        "Drafted with AI  from the story.",
    ]
    env = {"LOCALIZE_STRUCTURED": "json_object", "LOCALIZE_TIMEOUT": "600"}
    res = CliRunner().invoke(batch, [str(a) for a in args], env=env)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted((d["story_id"], d["region"]) for d in lines) == [("wire", "eu"), ("wire", "uk")]
    for d in lines:
        assert (
            d["ok"] is False or d["provenance"]["disclosure"] == "Drafted with AI from the story."
        )
    # The summary counts what the file holds: sections, failures, flagged sections.
    ok = [d for d in lines if d["section"] is not None]
    flagged = sum(1 for d in ok if d["status"] == "flagged")
    assert all(d["ok"] is (d["status"] == "passed") for d in lines)
    done = f"done {len(ok)} ({flagged} flagged with check errors), failed {len(lines) - len(ok)}"
    assert done in res.stderr
    code = 1 if len(ok) < len(lines) else 4 if flagged else 0
    assert res.exit_code == code, res.output
    sent = len(vcr.requests)
    again = CliRunner().invoke(batch, [str(a) for a in args], env=env)
    assert again.exit_code == (4 if flagged else 0) and "already done" in again.stderr
    assert len(vcr.requests) == sent and len(out.read_text().splitlines()) == 2
    assert not Path(f"{out}.lock").exists()
    # The audit log holds each section written, as the results file does.
    logged = AuditLog(audit_db()).entries()
    assert sorted((e.region, e.body, e.source) for e in logged) == sorted(
        (d["region"], d["section"]["body"], "batch") for d in ok
    )
    # --strict over the same answers (now from the response cache, so nothing is sent):
    # warnings count as errors too, so every section with a finding is flagged (exit 4), and
    # the JSON summary on stdout says how many.
    strict_args = [*args[:3], "--output", tmp_path / "strict.jsonl", *args[5:]]
    strict = CliRunner().invoke(
        batch, [str(a) for a in [*strict_args, "--strict", "--format", "json"]], env=env
    )
    summary = json.loads(strict.stdout)
    assert len(vcr.requests) == sent and summary["response_cache_hits"] == 2
    with_findings = sum(1 for d in ok if d["checks"]["findings"])
    strict_lines = [json.loads(line) for line in (tmp_path / "strict.jsonl").open()]
    assert sum(d["status"] == "flagged" for d in strict_lines) == with_findings >= flagged
    assert summary["check_errors"] == with_findings and summary["ok"] is (with_findings == 0)
    assert strict.exit_code == (1 if len(ok) < len(lines) else 4 if with_findings else 0)
    # "-o -": the result lines on stdout and nothing else there (answered from the cache).
    streamed = CliRunner().invoke(
        batch, [str(a) for a in [*args[:3], "-o", "-", *args[5:]]], env=env
    )
    on_stdout = sorted(map(json.loads, streamed.stdout.splitlines()), key=lambda d: d["region"])
    in_file = sorted(lines, key=lambda d: d["region"])
    assert [(d["region"], d["section"], d["checks"]) for d in on_stdout] == [
        (d["region"], d["section"], d["checks"]) for d in in_file
    ]
    assert not (tmp_path / "-").exists() and len(vcr.requests) == sent


def test_env_is_clean() -> None:
    assert "OPENAI_API_KEY" not in os.environ


# ------------------------------------------------------------------------ the garbage collector


def test_a_run_freezes_what_is_alive_and_collects_young_objects_less_often() -> None:
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    with batch_collector():
        assert gc.get_threshold()[0] >= _YOUNG and gc.get_threshold()[1:] == before[1:]
        assert gc.get_freeze_count() > 0  # startup's objects are not walked again
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_callers_own_collector_settings_are_kept() -> None:
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(0)  # the caller turned the collector off
    try:
        with batch_collector():
            assert gc.get_threshold()[0] == 0
        # Still frozen, not ours to unfreeze (unfreezing empties it). Not an equal count: a
        # frozen object that dies meanwhile leaves the permanent generation.
        assert gc.get_freeze_count() > 0
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
