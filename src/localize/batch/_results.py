"""Jobs and their results: the JSONL results file (locked, resumable) and the run summary.

Results go to a JSONL file (`ResultsFile`), one complete line per job, written with a single
``write`` and an ``fsync`` as each job finishes, under an exclusive lock. Running again skips the
pairs already done and retries the failed ones, so a run killed at any moment loses no finished
job and duplicates none.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import sys
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from localize._atomic import check_writable, fsync_dir, write_atomic
from localize.backends import Spend
from localize.batch._inputs import BatchStory, StoryInput, as_inputs, resolve_regions
from localize.config import Settings
from localize.errors import ConfigError, InputError, OutputError
from localize.prompting._templates import PromptTemplate, load_template
from localize.regions._profiles import RegionLike, RegionProfile
from localize.result import LocalizeResult

__all__ = [
    "BatchPlan",
    "BatchSummary",
    "Job",
    "JobResult",
    "ResultsFile",
    "plan_batch",
    "plan_jobs",
    "read_results",
]


@dataclass(frozen=True)
class Job:
    """One (story, region) pair."""

    story: StoryInput
    region: RegionProfile

    @property
    def key(self) -> tuple[str, str]:
        return (self.story.id, self.region.id)


def plan_jobs(stories: Sequence[StoryInput], regions: Sequence[RegionProfile]) -> list[Job]:
    """Every pair, story-major: one story's regions back to back share a warm prompt prefix."""
    return [Job(s, r) for s in stories for r in regions]


@dataclass(frozen=True)
class BatchPlan:
    """A batch checked before any request: its settings, template, attempts and every job."""

    settings: Settings
    template: PromptTemplate
    max_attempts: int
    jobs: list[Job]


def plan_batch(
    stories: Iterable[BatchStory],
    regions: Iterable[RegionLike],
    *,
    settings: Settings | None = None,
    template: PromptTemplate | str | Path | None = None,
    max_attempts: int | None = None,
    disclosure: str | None = None,
) -> BatchPlan:
    """Regions, template, attempts and inputs, each checked in that order, and the jobs.

    ``disclosure`` replaces each profile's disclosure line (see `localize._disclosure`).
    """
    settings = settings or Settings.resolve()
    profiles = resolve_regions(regions, settings.profiles)
    if disclosure is not None:
        if not disclosure.strip():
            raise ConfigError("must not be empty", option="--disclosure")
        profiles = [p.model_copy(update={"disclosure": disclosure}) for p in profiles]
    tmpl = load_template(template or settings.template)
    attempts = settings.check_attempts(max_attempts)
    jobs = plan_jobs(as_inputs(stories), profiles)
    # A broken template (a sandbox refusal, an undefined name) fails every job the same way:
    # render it once now, so it is a TemplateError before the first request, not N failed lines.
    first = next((j for j in jobs if j.story.story is not None), None)
    if first is not None:
        tmpl.render(story=first.story.story, region=first.region)
    return BatchPlan(settings, tmpl, attempts, jobs)


@dataclass(frozen=True)
class JobResult:
    """One finished job: its line of the results file, plus what this run paid for it.

    ``result`` is the `LocalizeResult` when a section was written (``ok``), else ``error`` says
    why. ``to_dict()`` is the line: the shape ``LocalizeResult.to_dict()`` has, with
    ``section``, ``checks`` and ``provenance`` null on failure. ``spend`` (not written) counts
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
        """A section was written (``checks.ok`` says whether it passed the checks)."""
        return self.result is not None

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
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("story_id"), str)
        or not isinstance(data.get("region"), str)
        or not isinstance(data.get("ok"), bool)
    ):
        return None
    return data


def read_results(path: str | Path) -> list[tuple[int, dict[str, Any]]]:
    """Every line of a results file with its number; a line that is not a result raises."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
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
        self.dropped_torn_line = False
        self._lock_fd: int | None = None
        self._file_lock_fd: int | None = None
        # The lock belongs to the file, not to the spelling of its path.
        real = Path(os.path.realpath(self.path))
        self._lock_path = real.parent / f"{real.name}.lock"
        self._fd: int | None = None
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
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise OutputError(f"cannot read: {exc.strerror}", path=str(self.path)) from None
        lines = raw.split(b"\n")
        tail = lines.pop()  # bytes after the last newline: empty unless a write was cut short
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            data = _parse_line(line)
            if data is None:
                raise OutputError(
                    f"line {n} is not a localize result; this does not look like a results "
                    "file from `localize batch` (nothing was changed): choose another --output",
                    path=str(self.path),
                )
            key = (data["story_id"], data["region"])
            (self.done if data["ok"] else self.failed).add(key)
        if tail:
            # A run killed mid-write leaves at most one torn line, always the last.
            data = _parse_line(tail)
            if data is not None:
                key = (data["story_id"], data["region"])
                (self.done if data["ok"] else self.failed).add(key)
                self._append_raw(b"\n")  # the line is whole: only its newline is missing
            else:
                os.truncate(self.path, len(raw) - len(tail))
                self.dropped_torn_line = True
        self.failed -= self.done

    def _append_raw(self, data: bytes) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)

    def begin(self, keys: Collection[tuple[str, str]]) -> None:
        """Drop the failed lines of pairs about to be retried (the file is opened at the first
        line appended)."""
        if self.is_stream:
            self._open_stream()
            return
        retry = self.failed & set(keys)
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
        kept = [
            line
            for line in self.path.read_bytes().splitlines(keepends=True)
            if not (
                (data := _parse_line(line)) is not None
                and not data["ok"]
                and (data["story_id"], data["region"]) in drop
            )
        ]
        write_atomic(self.path, b"".join(kept))

    def append(self, result: JobResult) -> None:
        """Write one whole line and make it durable before returning."""
        if self._fd is None and self._stream is None:
            if self.is_stream:
                self.begin(())
            else:
                self._open_for_append()
        if self._stream is not None:
            self._stream.write(result.to_line())
            self._stream.flush()
        else:
            assert self._fd is not None
            _write_all(self._fd, result.to_line())
            os.fsync(self._fd)
        (self.done if result.ok else self.failed).add(result.key)
        if result.ok:
            self.failed.discard(result.key)

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


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


@dataclass
class BatchSummary:
    """Counts for a run: done (and how many of those with check errors), failed, skipped, what
    was spent, cost and time. ``ok(strict)`` says whether the run succeeded."""

    total: int = 0
    skipped: int = 0
    done: int = 0
    failed: int = 0
    check_errors: int = 0
    spend: Spend = field(default_factory=Spend)
    cost_usd: float = 0.0
    cost_known: bool = True
    rate_limited: int = 0
    concurrency: int = 0
    concurrency_reason: str = ""
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

    def ok(self, *, strict: bool = False) -> bool:
        """Every job done (and, with ``strict``, every section free of check errors)."""
        return not (self.failed or self.interrupted or (strict and self.check_errors))

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
        return f"${self.cost_usd:.4f}" if self.cost_known else "unknown (no price for model)"

    def to_dict(self) -> dict[str, Any]:
        usage = self.spend.usage
        return {
            "total": self.total,
            "skipped": self.skipped,
            "done": self.done,
            "failed": self.failed,
            "check_errors": self.check_errors,
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "cached_tokens": usage.cached_tokens,
            "response_cache_hits": self.spend.cache_hits,
            "estimated_cost_usd": round(self.cost_usd, 6) if self.cost_known else None,
            "rate_limited": self.rate_limited,
            "interrupted": self.interrupted,
            "elapsed_s": round(self.elapsed_s, 3),
        }

    def line(self) -> str:
        usage, extra = self.spend.usage, ""
        if self.spend.cache_hits:
            extra += f", {self.spend.cache_hits} answer(s) from cache"
        if self.rate_limited:
            extra += f", {self.rate_limited} rate-limit response(s) (429)"
        return (
            f"done {self.done} ({self.check_errors} with check errors), failed {self.failed}, "
            f"skipped {self.skipped} already done (of {self.total}); tokens {self.tokens:,} "
            f"({usage.prompt_tokens:,} prompt, {usage.cached_tokens:,} of them provider-cached, "
            f"{usage.completion_tokens:,} completion){extra}; estimated cost {self.cost_text()}; "
            f"time {self.elapsed_s:.1f} s"
        )
