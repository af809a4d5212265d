"""Jobs and their results: the JSONL results file (locked, resumable) and the run summary.

Results go to a JSONL file (`ResultsFile`), one complete line per job, written with a single
``write`` as each job finishes, under an exclusive lock. Running again skips the pairs already
done and retries the failed ones, so a run killed at any moment loses no finished job and
duplicates none. A batch makes its lines durable in groups (`GroupSync`): a written line
survives a killed process at once, and a power loss once its group's ``fsync`` is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from localize import _strict_json as strict_json
from localize._atomic import (
    append_whole,
    check_writable,
    fsync_dir,
    write_atomic,
    write_failed,
)
from localize._reading import MAX_FILE_BYTES, human_size, read_limited
from localize._types import Status
from localize.backends import Spend, Usage
from localize.batch._inputs import (
    BatchStory,
    StoryInput,
    StoryStream,
    resolve_regions,
    stream_inputs,
)
from localize.budget import price
from localize.config import Settings
from localize.errors import (
    ChecksFailedError,
    ConfigError,
    InputError,
    LocalizeError,
    OutputError,
)
from localize.grounding import CheckFunction, RegisteredCheck
from localize.grounding._plugins import as_checks
from localize.prompting._templates import PromptTemplate, load_template
from localize.regions._profiles import RegionLike, RegionProfile
from localize.result import LocalizeResult

__all__ = [
    "BatchPlan",
    "BatchSummary",
    "GroupSync",
    "Job",
    "JobResult",
    "MergeReport",
    "ResultsFile",
    "iter_jobs",
    "merge_results",
    "plan_batch",
    "plan_jobs",
    "read_results",
]

# A results line is a few kilobytes: this is hundreds of thousands of jobs. Files read whole
# (`read_results`, a Batch API output file) stop here; a results file resumed or merged is read a
# line at a time, with no limit on its size.
MAX_RESULTS_BYTES = 1024 * 1024 * 1024
# One results line: a section, its findings and its spend are kilobytes; past this the file is
# not a results file (a log, a dump), and a line is never read whole into memory past it.
MAX_RESULTS_LINE_BYTES = MAX_FILE_BYTES


@dataclass(frozen=True)
class Job:
    """One (story, region) pair."""

    story: StoryInput
    region: RegionProfile

    @property
    def key(self) -> tuple[str, str]:
        return (self.story.id, self.region.id)


def plan_jobs(stories: Iterable[StoryInput], regions: Sequence[RegionProfile]) -> list[Job]:
    """Every pair, story-major: one story's regions back to back share a warm prompt prefix."""
    return list(iter_jobs(stories, regions))


def iter_jobs(stories: Iterable[StoryInput], regions: Sequence[RegionProfile]) -> Iterator[Job]:
    """`plan_jobs`, one story at a time: a story is read when its first job is taken."""
    for s in stories:
        for r in regions:
            yield Job(s, r)


@dataclass(frozen=True)
class BatchPlan:
    """A batch checked before any request: its settings, template, attempts, stories, regions.

    ``jobs`` reads the stories again as it goes (see `StoryStream`); ``job_keys()`` and ``total``
    need only the ids.
    """

    settings: Settings
    template: PromptTemplate
    max_attempts: int
    stories: StoryStream
    regions: list[RegionProfile]
    # The run's own checks (a newsroom's callables), run after the registered ones on every job.
    checks: tuple[RegisteredCheck, ...] = ()

    @property
    def jobs(self) -> Iterator[Job]:
        return iter_jobs(self.stories, self.regions)

    @property
    def total(self) -> int:
        return len(self.stories) * len(self.regions)

    def job_keys(self) -> Iterator[tuple[str, str]]:
        """Every job's (story id, region id), in job order, without reading a story."""
        return ((sid, r.id) for sid in self.stories.ids for r in self.regions)

    def shard(self, index: int, count: int) -> BatchPlan:
        """Shard ``index`` of ``count`` (1-based) of this plan, split by story."""
        if not 1 <= index <= count:
            raise ConfigError(
                f"must be i/N with 1 <= i <= N, got {index}/{count}", option="--shard"
            )
        return replace(self, stories=self.stories.shard(index, count))


def plan_batch(
    stories: Iterable[BatchStory],
    regions: Iterable[RegionLike],
    *,
    settings: Settings | None = None,
    template: PromptTemplate | str | Path | None = None,
    max_attempts: int | None = None,
    disclosure: str | None = None,
    checks: Iterable[RegisteredCheck | CheckFunction] | None = None,
) -> BatchPlan:
    """Regions, template, attempts and inputs, each checked in that order, and the jobs.

    ``disclosure`` replaces each profile's disclosure line (see `localize._disclosure`).
    ``checks`` are the run's own checks (as for `localize.localize`).
    """
    settings = settings or Settings.resolve()
    profiles = resolve_regions(regions, settings.profiles)
    if disclosure is not None:
        if not disclosure.strip():
            raise ConfigError("must not be empty", option="--disclosure")
        profiles = [p.model_copy(update={"disclosure": disclosure}) for p in profiles]
    tmpl = load_template(template or settings.template, settings.templates)
    attempts = settings.check_attempts(max_attempts)
    inputs = stream_inputs(stories)
    # A broken template (a sandbox refusal, an undefined name) fails every job the same way:
    # render it once now, so it is a TemplateError before the first request, not N failed lines.
    first = next((s.story for s in inputs if s.story is not None), None)
    if first is not None:
        tmpl.render(story=first, region=profiles[0])
    return BatchPlan(settings, tmpl, attempts, inputs, profiles, as_checks(checks))


@dataclass(frozen=True)
class JobResult:
    """One finished job: its line of the results file, plus what this run paid for it.

    ``result`` is the `LocalizeResult` when a section was written, else ``error`` says why.
    ``status`` is the result's (``"passed"`` or ``"flagged"``), or ``"failed"`` with no section;
    ``ok`` only for ``"passed"``. ``to_dict()`` is the line: the shape
    ``LocalizeResult.to_dict()`` has, with ``section``, ``checks`` and ``provenance`` null on
    failure. ``spend`` (not written) counts
    the tokens of answers the endpoint produced, failed jobs' included, and the response-cache
    hits; ``cost_usd`` estimates them (None without a known price).
    """

    story_id: str
    region: str
    result: LocalizeResult | None = None
    error: str | None = None
    spend: Spend = field(default=Spend(), compare=False)
    cost_usd: float | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        """A section was written and no check error remains in it."""
        return self.result is not None and self.result.ok

    @property
    def written(self) -> bool:
        """A section was written (passed or flagged): the job is done, not to be retried."""
        return self.result is not None

    @property
    def status(self) -> Status:
        return self.result.status if self.result is not None else "failed"

    @property
    def key(self) -> tuple[str, str]:
        return (self.story_id, self.region)

    def to_dict(self) -> dict[str, Any]:
        if self.result is not None:
            return self.result.to_dict()
        return {
            "story_id": self.story_id,
            "region": self.region,
            "ok": False,
            "status": "failed",
            "section": None,
            "checks": None,
            "provenance": None,
            "error": self.error,
        }

    def to_line(self) -> bytes:
        """One JSONL line: compact, UTF-8, newline-terminated (no newline inside)."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))
        return (text + "\n").encode("utf-8")

    @classmethod
    def failure(
        cls, job: Job, error: str, *, spend: Spend | None = None, cost_usd: float | None = None
    ) -> JobResult:
        return cls(job.story.id, job.region.id, None, error, spend or Spend(), cost_usd)


def _parse_line(raw: bytes) -> dict[str, Any] | None:
    """A results line as a dict, or None when it is not one."""
    try:
        data = strict_json.loads(raw)
    except ValueError:  # JSONProblem, or bytes that are not UTF-8
        return None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("story_id"), str)
        or not isinstance(data.get("region"), str)
        or not isinstance(data.get("ok"), bool)
    ):
        return None
    return data


def _written(data: dict[str, Any]) -> bool:
    """A results line holds a section (passed or flagged): that pair is done."""
    return data.get("section") is not None


def _flagged(data: dict[str, Any]) -> bool:
    """A results line holds a section that is not ok (lines before ``status`` included)."""
    return _written(data) and not data["ok"]


def read_results(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """Every line of a results file with its number; a line that is not a result raises."""
    path = Path(path)
    raw = read_limited(
        path, MAX_RESULTS_BYTES, lambda m: InputError(f"{path}: {m}"), what="results file"
    )
    lines: list[tuple[int, dict[str, Any]]] = []
    for n, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        data = _parse_line(line)
        if data is None:
            raise InputError(f"{path}, line {n}: not a localize results line")
        lines.append((n, data))
    return lines


# --------------------------------------------------------------------------------- results file


class ResultsFile:
    """The JSONL results file: locked, resumable, appended one fsync'd line per job.

    ``open()`` takes an exclusive lock on a sidecar ``<name>.lock`` beside the file the path
    really names (symbolic links and relative spellings resolved), and on the file itself when
    it exists (a hard link is the same file), so two runs refuse rather than interleave. It
    reads the lines already there and drops a torn last line left by a killed run.
    ``begin(keys)`` removes the failed lines of pairs about to be retried, so each pair ends
    with exactly one line. Both happen before any request is sent. The file is created with its
    first line: a run stopped before any job finished (a refused key) leaves none behind.

    ``-`` (standard output) and anything that is not a regular file (``/dev/stdout``, a pipe)
    is a stream: lines are written and flushed as jobs finish, nothing is read back, locked or
    resumed.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.done: set[tuple[str, str]] = set()
        self.failed: set[tuple[str, str]] = set()
        # The done pairs whose section is flagged: a resumed run's exit code still tells them.
        self.flagged: set[tuple[str, str]] = set()
        self.dropped_torn_line = False
        self._lock_fd: int | None = None
        self._file_lock_fd: int | None = None
        # The lock belongs to the file, not to the spelling of its path.
        real = Path(os.path.realpath(self.path))
        self._lock_path = real.parent / f"{real.name}.lock"
        self._fd: int | None = None
        # Lines appended, and how many of them an fsync has covered: `__exit__` syncs the rest.
        # Two counters, each written by one side, so a worker thread's fsync needs no lock.
        self._appended = 0
        self._synced = 0
        self._stream: BinaryIO | None = None

    @property
    def is_stream(self) -> bool:
        return str(self.path) == "-" or (self.path.exists() and not self.path.is_file())

    def __enter__(self) -> ResultsFile:
        return self.open()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.sync()
        except OutputError:
            if exc is None:
                raise
            # Already failing: that error says more than a failed last fsync after it.
        finally:
            self.close()

    def open(self) -> ResultsFile:
        if self.is_stream:
            return self
        check_writable(self.path)
        try:
            self._lock()
            self._read()
        except BaseException:
            self.close()
            raise
        return self

    def _lock(self) -> None:
        while True:
            try:
                fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise OutputError(
                    f"cannot create lock file {self._lock_path}: {exc.strerror}",
                    path=str(self.path),
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise OutputError(
                        f"another localize run is writing this file (it holds "
                        f"{self._lock_path}); wait for it to finish or choose another --output",
                        path=str(self.path),
                    ) from None
                raise OutputError(
                    f"cannot lock {self._lock_path}: {exc.strerror}", path=str(self.path)
                ) from None
            # The previous holder unlinks the lock file when it finishes: a lock on an unlinked
            # file locks nothing, so try again until the locked file is the one on disk.
            try:
                same = os.fstat(fd).st_ino == os.stat(self._lock_path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self._lock_fd = fd
                self._lock_file_itself()
                return
            os.close(fd)

    def _lock_file_itself(self) -> None:
        """Lock the results file's own inode too: another name for it has another sidecar."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise OutputError(f"cannot open: {exc.strerror}", path=str(self.path)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise OutputError(
                "another localize run is writing this file (under another name); wait for it "
                "to finish or choose another --output",
                path=str(self.path),
            ) from None
        self._file_lock_fd = fd

    def _read(self) -> None:
        """Note the pairs the file holds, a line at a time: a resumed run of a million jobs
        holds their keys, never the file (gigabytes of sections)."""
        try:
            f = self.path.open("rb")
        except FileNotFoundError:
            return
        except OSError as exc:
            raise OutputError(f"cannot read: {exc.strerror}", path=str(self.path)) from None
        with f:
            end = 0  # where the last whole line ends
            not_results = (
                "; this does not look like a results file from `localize batch` (nothing was "
                "changed): choose another --output"
            )
            for n, line in _lines(f, lambda m: OutputError(m + not_results, path=str(self.path))):
                if not line.endswith(b"\n"):
                    # A run killed mid-write leaves at most one torn line, always the last.
                    data = _parse_line(line)
                    if data is not None:
                        self._saw(data)
                        self._append_raw(b"\n")  # the line is whole: only its newline is missing
                    else:
                        os.truncate(self.path, end)
                        self.dropped_torn_line = True
                    break
                end += len(line)
                if not line.strip():
                    continue
                data = _parse_line(line)
                if data is None:
                    raise OutputError(
                        f"line {n} is not a localize result{not_results}", path=str(self.path)
                    )
                self._saw(data)
        self.failed -= self.done

    def _saw(self, data: dict[str, Any]) -> None:
        key = (data["story_id"], data["region"])
        (self.done if _written(data) else self.failed).add(key)
        if _flagged(data):
            self.flagged.add(key)

    def _append_raw(self, data: bytes) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)

    def begin(self, keys: Iterable[tuple[str, str]]) -> None:
        """Drop the failed lines of pairs about to be retried (the file is opened at the first
        line appended). ``keys`` may be an iterator: it is read once, not held."""
        if self.is_stream:
            self._open_stream()
            return
        retry = {k for k in keys if k in self.failed} if self.failed else set()
        if retry and self.path.exists():
            self._rewrite_without(retry)
            self.failed -= retry

    def _open_for_append(self) -> None:
        existed = self.path.exists()
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if not existed:
            fsync_dir(self.path.parent)  # the new file's name must survive a crash too

    def _open_stream(self) -> None:
        if str(self.path) == "-":
            self._stream = sys.stdout.buffer
            return
        try:
            self._stream = self.path.open("ab", buffering=0)
        except OSError as exc:
            raise OutputError(f"cannot write: {exc.strerror}", path=str(self.path)) from None

    def _rewrite_without(self, drop: set[tuple[str, str]]) -> None:
        with self.path.open("rb") as f:  # streamed, as `_read` reads it
            write_atomic(
                self.path,
                (
                    line
                    for line in f
                    if not (
                        (data := _parse_line(line)) is not None
                        and not _written(data)
                        and (data["story_id"], data["region"]) in drop
                    )
                ),
            )

    def append(self, result: JobResult, *, durable: bool = True) -> None:
        """Write one whole line; ``durable``: fsync it before returning (see `append_line`)."""
        self.append_line(result.to_line(), result.key, result.written, durable=durable)
        if result.status == "flagged":
            self.flagged.add(result.key)

    def append_line(
        self, line: bytes, key: tuple[str, str], written: bool, *, durable: bool = True
    ) -> None:
        """Write one whole results line (newline-terminated); ``written``: it holds a section
        (the pair is done). ``durable``: fsync it now, else `sync` later (merging many lines
        makes them durable once, at the end)."""
        if self._fd is None and self._stream is None:
            if self.is_stream:
                self.begin(())
            else:
                self._open_for_append()
        if self._stream is not None:
            try:
                self._stream.write(line)
                self._stream.flush()
            except OSError as exc:
                name = "<stdout>" if str(self.path) == "-" else str(self.path)
                raise write_failed(exc, name) from None
        else:
            assert self._fd is not None
            # A full disk stops the run with the file named, and leaves no torn line.
            append_whole(self._fd, line, self.path)
            self._appended += 1
            if durable:
                self.sync()
        (self.done if written else self.failed).add(key)
        if written:
            self.failed.discard(key)

    def sync(self) -> None:
        """Make every line written so far durable (nothing to do when none is waiting).

        Safe from a worker thread while the event loop appends (see `GroupSync`): the fsync
        covers at least the lines written before it began; a line written during it is counted
        as still waiting, for the next one.
        """
        upto = self._appended
        if self._fd is not None and upto > self._synced:
            try:
                os.fsync(self._fd)
            except OSError as exc:
                raise write_failed(exc, self.path) from None
            self._synced = max(self._synced, upto)

    def close(self) -> None:
        if self._stream is not None and self._stream is not sys.stdout.buffer:
            self._stream.close()
        self._stream = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._file_lock_fd is not None:
            os.close(self._file_lock_fd)
            self._file_lock_fd = None
        if self._lock_fd is not None:
            # Unlink while still holding the lock (see _lock), so no stale .lock file remains.
            with contextlib.suppress(OSError):
                os.unlink(self._lock_path)
            os.close(self._lock_fd)
            self._lock_fd = None


class GroupSync:
    """Group commit for a `ResultsFile` appended from the event loop.

    Each line is still appended whole, at once (`ResultsFile.append_line`, durable=False), so
    a process killed at any moment (``kill -9``) loses no written line and leaves none torn. Only
    the ``fsync`` is batched: one in a worker thread, at most every ``every_lines`` lines or
    ``every_s`` seconds, since an fsync per job held the loop about 2 ms a job (8.45 s of
    4,000 jobs). The price: on a power loss (or an OS crash), the lines of the last group not yet
    fsynced may be lost, whole, never torn; a resumed run runs those jobs again. `aclose` (on
    every way out, cancellation included) and `ResultsFile.__exit__` fsync what is left, so
    the run returns with every line durable.
    """

    def __init__(
        self, results: ResultsFile, *, every_lines: int = 64, every_s: float = 0.05
    ) -> None:
        self._results = results
        self._every_lines = every_lines
        self._every_s = every_s
        self._pending = 0
        self._dirty = asyncio.Event()  # a line waits for an fsync
        self._full = asyncio.Event()  # ``every_lines`` lines wait: do not wait out ``every_s``
        self._task: asyncio.Task[None] | None = None
        self._inflight: asyncio.Future[None] | None = None  # the fsync running in a thread

    def append(self, result: JobResult) -> None:
        """Write the line whole now (see `ResultsFile.append`); fsync it with its group."""
        self._raise_failed()
        self._results.append(result, durable=False)
        self._pending += 1
        self._dirty.set()
        if self._pending >= self._every_lines:
            self._full.set()
        if self._task is None:
            self._task = asyncio.create_task(self._syncer())

    async def _syncer(self) -> None:
        while True:
            await self._dirty.wait()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), self._every_s)
            self._dirty.clear()
            self._full.clear()
            self._pending = 0
            self._inflight = asyncio.ensure_future(asyncio.to_thread(self._results.sync))
            # Shielded: cancelling the syncer must not leave an fsync running unawaited.
            await asyncio.shield(self._inflight)

    def _raise_failed(self) -> None:
        """A failed fsync (EIO, ENOSPC) stops the run, as it did when each line had its own."""
        if self._task is not None and self._task.done() and not self._task.cancelled():
            self._task.result()

    async def aclose(self) -> None:
        """Stop the syncer and fsync every line written; raises a failed fsync's error."""
        task, self._task = self._task, None
        if task is None:
            return
        if not task.done():
            task.cancel()
        await asyncio.wait([task])
        if not task.cancelled() and task.exception() is not None:
            task.result()
        # Wait out an fsync still running, so none runs in a thread once this returns.
        if self._inflight is not None:
            await asyncio.wait([self._inflight])
            self._inflight.result()
        # The last group, in a thread too: a cancelled run's loop may still be serving others.
        await asyncio.to_thread(self._results.sync)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


@dataclass(frozen=True)
class MergeReport:
    """What `merge_results` did: lines added (ok and failed), pairs already done in the output,
    and torn last lines skipped (a shard killed mid-write: its job runs again on resume)."""

    added_ok: int
    added_failed: int
    already_done: int
    torn: int


def _lines(f: BinaryIO, error: Callable[[str], LocalizeError]) -> Iterator[tuple[int, bytes]]:
    """An open results file's lines with their numbers, read one at a time; a line past
    `MAX_RESULTS_LINE_BYTES` is ``error("line N is larger than ...")``, never read whole."""
    n = 0
    while line := f.readline(MAX_RESULTS_LINE_BYTES + 1):
        n += 1
        if len(line) > MAX_RESULTS_LINE_BYTES:
            raise error(f"line {n} is larger than {human_size(MAX_RESULTS_LINE_BYTES)}")
        yield n, line


def _part_lines(path: Path) -> Iterator[tuple[tuple[str, str], bool, bytes] | None]:
    """A results file's lines as (key, ok, line), read a line at a time; None for a torn last
    line. Anything else that is not a results line raises, naming the file and line."""
    try:
        f = path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    with f:
        for n, raw in _lines(f, lambda m: InputError(f"{path}, {m}")):
            if not raw.strip():
                continue
            data = _parse_line(raw)
            if data is None:
                if not raw.endswith(b"\n") and not f.read(1):
                    yield None
                    return
                raise InputError(f"{path}, line {n}: not a localize results line")
            line = raw if raw.endswith(b"\n") else raw + b"\n"
            yield (data["story_id"], data["region"]), _written(data), line


def merge_results(parts: Sequence[str | Path], output: str | Path) -> MergeReport:
    """Results files of one batch (its shards' files, see `BatchPlan.shard`) into one.

    Each pair ends with one line in ``output``: an ok line wins over failed ones, a pair
    already done there keeps its line, and a failed line there is replaced by an ok one.
    ``output`` is locked and resumed as `localize batch` does it; the parts are read twice,
    a line at a time, never held, and the new lines are made durable once, at the end.
    """
    paths = [Path(p) for p in parts]
    for p in paths:
        if not p.is_file():
            raise InputError(f"{p}: no such results file")
    with ResultsFile(output) as out:
        ok_keys = {
            item[0] for p in paths for item in _part_lines(p) if item is not None and item[1]
        }
        out.begin(k for k in ok_keys if k not in out.done)
        already = sum(k in out.done for k in ok_keys)
        added_ok = added_failed = torn = 0
        for p in paths:
            for item in _part_lines(p):
                if item is None:
                    torn += 1
                    continue
                key, ok, line = item
                if key in out.done or (not ok and (key in ok_keys or key in out.failed)):
                    continue
                out.append_line(line, key, ok, durable=False)
                added_ok += ok
                added_failed += not ok
        out.sync()
    return MergeReport(added_ok, added_failed, already, torn)


@dataclass
class BatchSummary:
    """Counts for a run: done (sections written, and how many of those were flagged), failed
    (no section), skipped, what was spent, cost and time. ``ok`` says whether every job passed;
    ``exit_code`` is the CLI's."""

    total: int = 0
    skipped: int = 0
    done: int = 0
    failed: int = 0
    check_errors: int = 0
    # Of the pairs skipped as already done, those whose section was flagged.
    skipped_flagged: int = 0
    spend: Spend = field(default_factory=Spend)
    cost_usd: float = 0.0
    cost_known: bool = True
    rate_limited: int = 0
    concurrency: int = 0
    concurrency_reason: str = ""
    workers: int = 1  # processes the jobs ran in (``--workers``)
    # The model and endpoint host (never credentials) the run used; set once connected.
    model: str = ""
    endpoint: str = ""
    dropped_torn_line: bool = False
    interrupted: bool = False
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    def add(self, result: JobResult) -> None:
        if result.result is not None:
            self.done += 1
            self.check_errors += not result.result.checks.ok
        else:
            self.failed += 1
        self.spend = self.spend + result.spend
        if result.cost_usd is not None:
            self.cost_usd += result.cost_usd
        elif result.spend.usage.total_tokens:
            self.cost_known = False

    @property
    def ok(self) -> bool:
        """Every job written and passed: nothing failed, nothing flagged, not interrupted."""
        return not (self.failed or self.interrupted or self.check_errors or self.skipped_flagged)

    @property
    def exit_code(self) -> int:
        """130 interrupted, 1 a job wrote no section, 4 a section was flagged (in this run or
        skipped as done before), else 0."""
        if self.interrupted:
            return 130
        if self.failed:
            return 1
        return ChecksFailedError.exit_code if self.check_errors or self.skipped_flagged else 0

    @property
    def finished_jobs(self) -> int:
        return self.done + self.failed

    @property
    def to_run(self) -> int:
        return self.total - self.skipped

    @property
    def tokens(self) -> int:
        return self.spend.usage.total_tokens

    @property
    def elapsed_s(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def cost_text(self) -> str:
        return f"${self.cost_usd:.4f}" if self.priced else "unknown (no price for model)"

    @property
    def priced(self) -> bool:
        """Whether the run's cost is known: every answer paid for had a price, and the model at
        this endpoint has one at all (a run answered from the cache says the same as one that
        was not: "unknown" on a local model, never "$0.0000" one time and "unknown" the next)."""
        if not self.cost_known:
            return False
        if not self.model or not self.endpoint:
            return True  # not connected (nothing run): nothing was spent
        return price(self.model, Usage(1, 1, 0), f"https://{self.endpoint}/v1") is not None

    def to_dict(self) -> dict[str, Any]:
        usage = self.spend.usage
        return {
            "total": self.total,
            "skipped": self.skipped,
            "done": self.done,
            "failed": self.failed,
            "check_errors": self.check_errors,
            "skipped_flagged": self.skipped_flagged,
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "cached_tokens": usage.cached_tokens,
            "response_cache_hits": self.spend.cache_hits,
            "estimated_cost_usd": round(self.cost_usd, 6) if self.priced else None,
            "rate_limited": self.rate_limited,
            "interrupted": self.interrupted,
            "elapsed_s": round(self.elapsed_s, 3),
        }

    def line(self) -> str:
        usage, extra = self.spend.usage, ""
        before = f" ({self.skipped_flagged} of them flagged)" if self.skipped_flagged else ""
        if self.spend.cache_hits:
            extra += f", {self.spend.cache_hits} answer(s) from cache"
        if self.rate_limited:
            extra += f", {self.rate_limited} rate-limit response(s) (429)"
        return (
            f"done {self.done} ({self.check_errors} flagged with check errors), "
            f"failed {self.failed}, "
            f"skipped {self.skipped} already done{before} (of {self.total}); "
            f"tokens {self.tokens:,} "
            f"({usage.prompt_tokens:,} prompt, {usage.cached_tokens:,} of them provider-cached, "
            f"{usage.completion_tokens:,} completion){extra}; estimated cost {self.cost_text()}; "
            f"time {self.elapsed_s:.1f} s"
        )
