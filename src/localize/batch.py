"""Many stories x many regions: concurrency, rate limits, resumable results.

Every (story, region) pair is one job. Jobs run on the async client, at most ``concurrency`` at a
time, paced by a `RateGate` that spaces requests to stay under a requests-per-minute and a
tokens-per-minute limit (tokens counted with tiktoken before sending) and pauses the whole run when
a 429 still arrives. Jobs are scheduled story by story, and a story's first region runs before its
other regions start, so the provider's prompt cache holds the shared prefix (system block and
story) when they go out.

Results go to a JSONL file (`ResultsFile`), one complete line per job, written with a single
``write`` and an ``fsync`` as each job finishes, under an exclusive lock. Running again skips the
pairs already done and retries the failed ones, so a run killed at any moment loses no finished
job and duplicates none.

The OpenAI Batch API (half price, within 24 h) takes the same jobs as a request file:
`export_requests` writes it (vLLM's offline ``run_batch`` reads the same format), `submit_batch`
uploads it and creates the batch, `collect_batch` turns the output back into result lines.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import errno
import fcntl
import json
import math
import os
import time
from collections import OrderedDict, deque
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Iterable,
    Iterator,
    Sequence,
)
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any, Final
from urllib.parse import urlsplit

import openai

from localize.atomic import check_writable, fsync_dir, write_atomic
from localize.audit import AuditLog, resolve_audit
from localize.budget import estimate_cost
from localize.config import DEFAULT_MODEL, Settings
from localize.errors import (
    BackendError,
    ConfigError,
    EndpointAuthError,
    InputError,
    LocalizeError,
    OutputError,
    StoryError,
)
from localize.llm import Completion, LLMClient, ResponseCache, StructuredMode, Usage
from localize.pipeline import (
    PreparedPrompt,
    Provenance,
    agenerate,
    connect,
    prepare,
    review_answer,
)
from localize.prompts import PromptTemplate, load_template
from localize.regions import RegionProfile, get_region, load_profiles
from localize.section import SectionOutput
from localize.story import STORY_SUFFIXES as FILE_SUFFIXES
from localize.story import Story, load_story, parse_story

__all__ = [
    "BatchSummary",
    "Job",
    "JobResult",
    "RateGate",
    "ResultsFile",
    "StoryInput",
    "batch_api_client",
    "collect_batch",
    "export_requests",
    "load_inputs",
    "localize_many",
    "plan_jobs",
    "resolve_regions",
    "run_jobs",
    "submit_batch",
]

# Story files, plus JSONL files of many stories.
STORY_SUFFIXES = (*FILE_SUFFIXES, ".jsonl")
DEFAULT_CONCURRENCY = 8
# The embedded llama.cpp server answers one request at a time: more in flight only queue there.
LOCAL_CONCURRENCY = 2
# Pace a little under the configured limits: token estimates and arrival times are not exact.
DEFAULT_HEADROOM = 0.95
RESULT_KEYS = ("story_id", "region", "ok", "section", "checks", "provenance", "error")
BATCH_ENDPOINT: Final = "/v1/chat/completions"
BATCH_DISCOUNT = 0.5  # the Batch API bills half the synchronous price


# --------------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class StoryInput:
    """One story to localise, or why it could not be read (its jobs then fail with that)."""

    id: str
    story: Story | None = None
    error: str | None = None
    source: str | None = None

    @classmethod
    def of(cls, story: Story) -> StoryInput:
        return cls(story.id, story, None, story.source)


def _jsonl_stories(path: Path) -> Iterator[StoryInput]:
    """A JSONL file of stories: one object per line with at least ``id`` and ``body``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StoryError(
            f"is not UTF-8 text (bad byte at offset {exc.start})", path=str(path)
        ) from None
    except OSError as exc:
        raise StoryError(f"cannot read: {exc.strerror}", path=str(path)) from None
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path} line {n}"
        fallback_id = f"{path.stem}:{n}"  # a line without a usable id still needs a job key
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield StoryInput(fallback_id, error=f"{where}: invalid JSON: {exc.msg}", source=where)
            continue
        if not isinstance(data, dict):
            yield StoryInput(fallback_id, error=f"{where}: not a JSON object", source=where)
            continue
        sid = data.get("id")
        if isinstance(sid, int) and not isinstance(sid, bool):
            sid = str(sid)
        if not isinstance(sid, str) or not sid.strip():
            yield StoryInput(
                fallback_id, error=f"{where}: field 'id' is missing or not a string", source=where
            )
            continue
        sid = sid.strip()
        body, headline = data.get("body"), data.get("headline")
        try:
            if not isinstance(body, str):
                raise StoryError("field 'body' is missing or not a string", path=where)
            if headline is not None and not isinstance(headline, str):
                raise StoryError("field 'headline' is not a string", path=where)
            story = parse_story(body, id=sid, source=where)
            if headline:
                story = Story(story.paragraphs, headline, sid, where)
        except StoryError as exc:
            yield StoryInput(sid, error=str(exc), source=where)
            continue
        yield StoryInput.of(story)


def _file_inputs(path: Path) -> Iterator[StoryInput]:
    if path.suffix.lower() == ".jsonl":
        yield from _jsonl_stories(path)
        return
    try:
        yield StoryInput.of(load_story(path))
    except StoryError as exc:
        yield StoryInput(path.stem, error=str(exc), source=str(path))


def load_inputs(paths: Iterable[str | Path]) -> list[StoryInput]:
    """Stories from files, folders of them, and JSONL files, in the order given.

    A path that does not exist, an empty folder or two different stories with one id stop the
    run (`InputError`) before any request; a story that does not parse becomes a `StoryInput`
    with an ``error``, so only its own jobs fail. A folder contributes its ``.txt``, ``.md``,
    ``.markdown``, ``.json`` and ``.jsonl`` files (not hidden ones, not subfolders), sorted.
    """
    found: list[StoryInput] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(
                p
                for p in path.iterdir()
                if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in STORY_SUFFIXES
            )
            if not files:
                raise StoryError(
                    f"folder has no story files ({', '.join(STORY_SUFFIXES)})", path=str(path)
                )
            for f in files:
                found.extend(_file_inputs(f))
        elif path.is_file():
            found.extend(_file_inputs(path))
        else:
            raise StoryError("no such file or folder", path=str(path))
    seen: dict[str, StoryInput] = {}
    out: list[StoryInput] = []
    for item in found:
        other = seen.get(item.id)
        if other is None:
            seen[item.id] = item
            out.append(item)
        elif other.source != item.source:
            # Resuming and the results file key on (story id, region): ids must be unique.
            raise InputError(
                f"story id '{item.id}' is used twice: {other.source} and "
                f"{item.source}; give one of them another name or id"
            )
    return out


def _as_inputs(stories: Iterable[Story | StoryInput | str | Path]) -> list[StoryInput]:
    out: list[StoryInput] = []
    paths: list[Path] = []
    for s in stories:
        if isinstance(s, StoryInput):
            out.append(s)
        elif isinstance(s, Story):
            out.append(StoryInput.of(s))
        elif isinstance(s, Path):
            paths.append(s)
        else:  # text, as in localize(): a path must be a Path
            out.append(StoryInput.of(parse_story(s)))
    return out + (load_inputs(paths) if paths else [])


def resolve_regions(
    regions: Iterable[str | RegionProfile], profiles: str | None = None
) -> list[RegionProfile]:
    """Region ids or profile files to profiles, duplicates dropped; an unknown id raises."""
    extra = load_profiles(profiles) if profiles else None
    out: dict[str, RegionProfile] = {}
    for r in regions:
        if isinstance(r, str) and not r.strip():
            continue
        profile = get_region(r, extra=extra)
        out.setdefault(profile.id, profile)
    if not out:
        raise ConfigError("no regions given", option="--regions")
    return list(out.values())


# ----------------------------------------------------------------------------------------- jobs


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
class JobResult:
    """One finished job: what goes on its line of the results file, plus run accounting."""

    story_id: str
    region: str
    ok: bool
    section: dict[str, str] | None = None
    checks: dict[str, Any] | None = None
    provenance: dict[str, Any] | None = None
    error: str | None = None
    # Not written: what this run paid for (answers served from the response cache cost nothing).
    spent: Usage = field(default=Usage(), compare=False)
    spent_cost_usd: float | None = field(default=None, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.story_id, self.region)

    def to_dict(self) -> dict[str, Any]:
        return {
            "story_id": self.story_id,
            "region": self.region,
            "ok": self.ok,
            "section": self.section,
            "checks": self.checks,
            "provenance": self.provenance,
            "error": self.error,
        }

    def to_line(self) -> bytes:
        """One JSONL line: compact, UTF-8, newline-terminated (no newline inside)."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))
        return (text + "\n").encode("utf-8")

    @classmethod
    def failure(cls, job: Job, error: str) -> JobResult:
        return cls(job.story.id, job.region.id, False, error=error)


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


# --------------------------------------------------------------------------------- results file


class ResultsFile:
    """The JSONL results file: locked, resumable, appended one fsync'd line per job.

    ``open()`` takes an exclusive lock on a sidecar ``<name>.lock`` (so two runs refuse rather
    than interleave), reads the lines already there and drops a torn last line left by a killed
    run. ``begin(keys)`` removes the failed lines of pairs about to be retried, so each pair ends
    with exactly one line. Both happen before any request is sent.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.done: set[tuple[str, str]] = set()
        self.failed: set[tuple[str, str]] = set()
        self.dropped_torn_line = False
        self._lock_fd: int | None = None
        self._lock_path = self.path.parent / f"{self.path.name}.lock"
        self._fd: int | None = None

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
        check_writable(self.path)
        self._lock()
        try:
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
                        f"{self._lock_path}); wait for it to finish or choose another --out",
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
                return
            os.close(fd)

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
                    "file from `localize batch` (nothing was changed): choose another --out",
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
        """Drop the failed lines of pairs about to be retried, then open for appending."""
        retry = self.failed & set(keys)
        if retry and self.path.exists():
            self._rewrite_without(retry)
            self.failed -= retry
        existed = self.path.exists()
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if not existed:
            fsync_dir(self.path.parent)  # the new file's name must survive a crash too

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
        if self._fd is None:
            self.begin(())
        assert self._fd is not None
        _write_all(self._fd, result.to_line())
        os.fsync(self._fd)
        (self.done if result.ok else self.failed).add(result.key)
        if result.ok:
            self.failed.discard(result.key)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
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


# ----------------------------------------------------------------------------------- rate gate


class RateGate:
    """A `localize.llm.RequestGate`: paces requests under RPM and TPM limits for a whole run.

    Requests are spaced evenly (no bursts): after a request of ``k`` tokens the next may leave
    ``max(60/rpm, k*60/tpm)`` seconds later, each limit scaled by ``headroom``. Waiters are
    served first come, first served. A 429 pauses every request for the Retry-After delay and
    stretches the spacing (x1.25 per rate-limit episode, at most x4), which decays back with a
    30-second half-life: a limit lower than configured is found and then probed again.
    """

    _SLOWDOWN_STEP = 1.25
    _SLOWDOWN_MAX = 4.0
    _HALF_LIFE_S = 30.0

    def __init__(
        self,
        rpm: int | None = None,
        tpm: int | None = None,
        *,
        headroom: float = DEFAULT_HEADROOM,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not 0 < headroom <= 1:
            raise ValueError("headroom must be in (0, 1]")
        self.rpm, self.tpm = rpm, tpm
        self._request_s = 60.0 / (rpm * headroom) if rpm else 0.0
        self._token_s = 60.0 / (tpm * headroom) if tpm else 0.0
        self._clock, self._sleep = clock, sleep
        self._next = -math.inf  # when the next request may leave
        self._paused_until = -math.inf
        self._slowdown = 1.0
        self._slowdown_at = 0.0
        self._lock: asyncio.Lock | None = None
        self.requests = 0
        self.rate_limited = 0  # 429s reported
        self.waited_s = 0.0

    def slowdown(self, now: float | None = None) -> float:
        """The current spacing multiplier (1.0 when no 429 arrived lately)."""
        now = self._clock() if now is None else now
        decay = math.pow(0.5, max(0.0, now - self._slowdown_at) / self._HALF_LIFE_S)
        return 1.0 + (self._slowdown - 1.0) * decay

    async def acquire(self, tokens: int) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()  # created here: bound to the running loop
        async with self._lock:
            while True:
                now = self._clock()
                start = max(now, self._next, self._paused_until)
                if start <= now:
                    break
                self.waited_s += start - now
                await self._sleep(start - now)
            spacing = max(self._request_s, max(tokens, 0) * self._token_s)
            self._next = now + spacing * self.slowdown(now)
            self.requests += 1

    def penalize(self, seconds: float) -> None:
        now = self._clock()
        self.rate_limited += 1
        if now >= self._paused_until:  # one slowdown step per episode, not per 429 in flight
            self._slowdown = min(self.slowdown(now) * self._SLOWDOWN_STEP, self._SLOWDOWN_MAX)
            self._slowdown_at = now
        self._paused_until = max(self._paused_until, now + max(seconds, 0.0))


# ------------------------------------------------------------------------------------- running


class _Scheduler:
    """Hands out jobs story by story; a story's first job warms the prompt cache for the rest.

    A story's other regions wait until its first job has finished; meanwhile the next stories'
    first jobs keep the workers busy, so the wait costs throughput only when there are fewer
    stories than workers.
    """

    def __init__(self, jobs: Iterable[Job], warm_first: bool) -> None:
        self._groups: OrderedDict[str, deque[Job]] = OrderedDict()
        for job in jobs:
            self._groups.setdefault(job.story.id, deque()).append(job)
        self._lead: dict[str, str] = {}  # story id -> "running" | "done"
        self._warm_first = warm_first
        self._changed = asyncio.Event()

    def _pick(self) -> Job | None:
        for sid, queue in self._groups.items():
            state = self._lead.get(sid)
            if state == "running" and self._warm_first:
                continue
            job = queue.popleft()
            if not queue:
                del self._groups[sid]
            if state is None:
                self._lead[sid] = "running"
            return job
        return None

    async def next(self) -> Job | None:
        while True:
            job = self._pick()
            if job is not None or not self._groups:
                return job
            self._changed.clear()
            await self._changed.wait()

    def finished(self, job: Job) -> None:
        if self._lead.get(job.story.id) == "running":
            self._lead[job.story.id] = "done"
        self._changed.set()


class _CacheTap:
    """Wraps the response cache to note, per job, which answers came from it (cost nothing)."""

    def __init__(self, inner: ResponseCache) -> None:
        self.inner = inner

    def get(self, key: str) -> Completion | None:
        found = self.inner.get(key)
        if found is not None:
            served = _served_from_cache.get(None)
            if served is not None:
                served.append(found.usage)
        return found

    def put(self, key: str, completion: Completion) -> None:
        self.inner.put(key, completion)


_served_from_cache: contextvars.ContextVar[list[Usage] | None] = contextvars.ContextVar(
    "localize_served_from_cache", default=None
)


def _success(job: Job, prep: PreparedPrompt, result: Any, from_cache: list[Usage]) -> JobResult:
    prov = result.provenance.to_dict()
    prov["response_cache_hits"] = len(from_cache)
    cached = sum(from_cache, Usage())
    spent = Usage(
        prov["prompt_tokens"] - cached.prompt_tokens,
        prov["completion_tokens"] - cached.completion_tokens,
        prov["cached_tokens"] - cached.cached_tokens,
    )
    cost = estimate_cost(
        prov["model"], spent.prompt_tokens, spent.completion_tokens, spent.cached_tokens
    )
    return JobResult(
        job.story.id,
        job.region.id,
        True,
        section={"heading": result.section.heading, "body": result.section.body},
        checks=result.checks.to_dict(),
        provenance=prov,
        error=None,
        spent=spent,
        spent_cost_usd=cost,
    )


async def _run_one(
    job: Job,
    client: LLMClient,
    template: PromptTemplate,
    settings: Settings,
    max_attempts: int,
    audit: AuditLog | None,
) -> JobResult:
    if job.story.story is None:
        return JobResult.failure(job, job.story.error or "the story could not be read")
    served: list[Usage] = []
    _served_from_cache.set(served)
    try:
        prep = prepare(
            job.story.story, job.region, template=template, settings=settings, model=client.model
        )
        result = await agenerate(prep, client, max_attempts, audit=audit or False)
    except EndpointAuthError:
        raise  # every other job would fail the same way: stop the run
    except LocalizeError as exc:
        return JobResult.failure(job, str(exc))
    except Exception as exc:  # a bug must not lose the rest of the batch; it is on the line
        return JobResult.failure(job, f"internal error: {type(exc).__name__}: {exc}")
    return _success(job, prep, result, served)


async def run_jobs(
    jobs: Sequence[Job],
    client: LLMClient,
    *,
    template: PromptTemplate | str | Path | None = None,
    settings: Settings | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    max_attempts: int | None = None,
    warm_first: bool = True,
    audit: AuditLog | bool = True,
) -> AsyncIterator[JobResult]:
    """Run jobs on ``client`` (with its gate and cache as set), yielding results as they finish.

    An `EndpointAuthError` stops the run (it is raised here); every other failure is a result
    with ``ok`` false. Closing the iterator early cancels the jobs in flight. ``audit`` as in
    `localize.generate`: each section is recorded as its job finishes.
    """
    if concurrency < 1:
        raise ConfigError("must be at least 1", option="--concurrency")
    settings = settings or Settings.resolve()
    tmpl = load_template(template or settings.template)
    # Profiles are already resolved into the jobs: do not reload them for every job.
    job_settings = replace(settings, profiles=None)
    attempts = max_attempts or settings.max_attempts
    log = resolve_audit(audit, settings)
    scheduler = _Scheduler(jobs, warm_first)
    # Tap the cache for the run, so each result knows which of its answers cost nothing.
    original_cache = client.cache
    if original_cache is not None and not isinstance(original_cache, _CacheTap):
        client.cache = _CacheTap(original_cache)
    done: asyncio.Queue[JobResult | BaseException] = asyncio.Queue()

    async def worker() -> None:
        try:
            while (job := await scheduler.next()) is not None:
                try:
                    result = await _run_one(job, client, tmpl, job_settings, attempts, log)
                finally:
                    scheduler.finished(job)
                done.put_nowait(result)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            done.put_nowait(exc)

    workers = [asyncio.create_task(worker()) for _ in range(min(concurrency, len(jobs)))]
    try:
        for _ in range(len(jobs)):
            item = await done.get()
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        client.cache = original_cache


def _make_cache(cache: ResponseCache | bool) -> ResponseCache | None:
    if cache is True:
        from localize.cache import DiskCache

        return DiskCache()
    if cache is False:
        return None
    return cache


async def localize_many(
    stories: Iterable[Story | StoryInput | str | Path],
    regions: Iterable[str | RegionProfile],
    *,
    client: LLMClient | None = None,
    settings: Settings | None = None,
    template: PromptTemplate | str | Path | None = None,
    concurrency: int | None = None,
    rpm: int | None = None,
    tpm: int | None = None,
    cache: ResponseCache | bool = True,
    max_attempts: int | None = None,
    skip: Collection[tuple[str, str]] = (),
    audit: AuditLog | bool = True,
) -> AsyncIterator[JobResult]:
    """Localise every story into every region, yielding a `JobResult` as each job finishes.

    ``stories``: `Story` objects, story text (``str``), or ``Path``s to story files, folders or
    JSONL files. ``cache``: True (default) for the on-disk response cache (see
    `localize.cache`), False for none, or a cache object. ``skip``: (story id, region id) pairs
    not to run (those already done). Regions, template and inputs are all checked before any
    request. Without ``client``, one is built from ``settings`` (the embedded model when no
    endpoint is set) and closed at the end; a given client is copied, not changed.

        async for result in localize.localize_many([Path("stories/")], ["uk", "us"]):
            print(result.story_id, result.region, result.ok)
    """
    settings = settings or Settings.resolve()
    profiles = resolve_regions(regions, settings.profiles)
    tmpl = load_template(template or settings.template)
    skipped = set(skip)
    jobs = [j for j in plan_jobs(_as_inputs(stories), profiles) if j.key not in skipped]
    gate = RateGate(rpm, tpm)
    response_cache = _make_cache(cache)
    if not jobs:
        return
    async with contextlib.AsyncExitStack() as stack:
        if client is None:
            the_client = stack.enter_context(connect(settings, cache=response_cache, gate=gate))
        else:
            the_client = replace(client, cache=response_cache, gate=gate)
        stack.push_async_callback(the_client.aclose)
        width = concurrency or (
            LOCAL_CONCURRENCY
            if settings.use_local_model and client is None
            else DEFAULT_CONCURRENCY
        )
        async for result in run_jobs(
            jobs,
            the_client,
            template=tmpl,
            settings=settings,
            concurrency=width,
            max_attempts=max_attempts,
            audit=resolve_audit(audit, settings) or False,
        ):
            yield result


# ------------------------------------------------------------------------------------- summary


@dataclass
class BatchSummary:
    """Counts for a run: what was done, failed and skipped, tokens spent, cost and time."""

    total: int = 0
    skipped: int = 0
    done: int = 0
    failed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float = 0.0
    cost_known: bool = True
    cache_hits: int = 0
    rate_limited: int = 0
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    def add(self, result: JobResult) -> None:
        if result.ok:
            self.done += 1
        else:
            self.failed += 1
        if result.provenance:
            self.cache_hits += int(result.provenance.get("response_cache_hits", 0))
        self.prompt_tokens += result.spent.prompt_tokens
        self.completion_tokens += result.spent.completion_tokens
        self.cached_tokens += result.spent.cached_tokens
        if result.spent_cost_usd is None:
            if result.ok and result.spent.total_tokens:
                self.cost_known = False
        else:
            self.cost_usd += result.spent_cost_usd

    @property
    def finished_jobs(self) -> int:
        return self.done + self.failed

    @property
    def to_run(self) -> int:
        return self.total - self.skipped

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def elapsed_s(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def cost_text(self) -> str:
        return f"${self.cost_usd:.4f}" if self.cost_known else "unknown (no price for model)"

    def line(self) -> str:
        extra = ""
        if self.cache_hits:
            extra += f", {self.cache_hits} answer(s) from cache"
        if self.rate_limited:
            extra += f", {self.rate_limited} rate-limit response(s) (429)"
        return (
            f"done {self.done}, failed {self.failed}, skipped {self.skipped} already done "
            f"(of {self.total}); tokens {self.tokens:,} ({self.prompt_tokens:,} prompt, "
            f"{self.cached_tokens:,} of them provider-cached, {self.completion_tokens:,} "
            f"completion){extra}; estimated cost {self.cost_text()}; "
            f"time {self.elapsed_s:.1f} s"
        )


# ------------------------------------------------------------------------------ Batch API files


def _request_body(client: LLMClient, prep: PreparedPrompt, mode: StructuredMode) -> dict[str, Any]:
    # The same request body the synchronous client sends (one place decides its shape).
    return client.request_body(
        prep.messages, prep.params, SectionOutput.json_schema(), mode, prep.story.sha256[:32]
    )


def custom_id(story_id: str, region: str) -> str:
    """The Batch API's per-request id: region ids hold no ':', so the last '::' splits it."""
    return f"{story_id}::{region}"


def split_custom_id(value: str) -> tuple[str, str]:
    story_id, sep, region = value.rpartition("::")
    if not sep:
        raise ValueError(f"not a localize custom_id: {value!r}")
    return story_id, region


def _story_record(story: Story) -> dict[str, Any]:
    return {
        "id": story.id,
        "headline": story.headline,
        "paragraphs": list(story.paragraphs),
        "source": story.source,
    }


def export_requests(
    jobs: Sequence[Job],
    path: str | Path,
    *,
    settings: Settings | None = None,
    template: PromptTemplate | str | Path | None = None,
) -> tuple[Path, Path, list[JobResult]]:
    """Write the Batch API request file and its manifest (``<path>.manifest.json``).

    Each line is ``{"custom_id", "method": "POST", "url": "/v1/chat/completions", "body"}``, the
    body being the exact request the synchronous client would send (OpenAI's Batch API and
    vLLM's ``run_batch`` both read this). The manifest keeps what ``collect`` needs to check the
    answers: the stories, region profiles and template facts. Jobs whose story did not parse
    are not exported; they are returned as failed results. Both files are written atomically.
    """
    settings = settings or Settings.resolve()
    tmpl = load_template(template or settings.template)
    model = settings.model or DEFAULT_MODEL
    mode: StructuredMode = settings.structured if settings.structured != "auto" else "json_schema"
    builder = LLMClient(model=model, base_url=settings.base_url)
    job_settings = replace(settings, profiles=None)
    out = Path(path)
    manifest_path = out.parent / f"{out.name}.manifest.json"
    check_writable(out)
    check_writable(manifest_path)
    lines: list[str] = []
    failed: list[JobResult] = []
    stories: dict[str, dict[str, Any]] = {}
    regions: dict[str, Any] = {}
    entries: list[dict[str, Any]] = []
    for job in jobs:
        if job.story.story is None:
            failed.append(JobResult.failure(job, job.story.error or "unreadable story"))
            continue
        try:
            prep = prepare(
                job.story.story, job.region, template=tmpl, settings=job_settings, model=model
            )
        except LocalizeError as exc:
            failed.append(JobResult.failure(job, str(exc)))
            continue
        cid = custom_id(*job.key)
        lines.append(
            json.dumps(
                {
                    "custom_id": cid,
                    "method": "POST",
                    "url": BATCH_ENDPOINT,
                    "body": _request_body(builder, prep, mode),
                },
                ensure_ascii=False,
                separators=(",", ":"),
            )
        )
        stories.setdefault(prep.story.id, _story_record(prep.story))
        regions.setdefault(job.region.id, job.region.model_dump(mode="json"))
        entries.append(
            {
                "custom_id": cid,
                "story_id": job.story.id,
                "region": job.region.id,
                "trimmed_paragraphs": list(prep.fitted.trimmed),
                "prompt_tokens_estimate": prep.prompt_tokens.tokens,
                "estimate_approximate": prep.prompt_tokens.approximate,
            }
        )
    manifest = {
        "kind": "localize-batch-manifest",
        "format": 1,
        "request_file": out.name,
        "batch_id": None,
        "input_file_id": None,
        "model": model,
        "endpoint": builder.endpoint,
        "structured_mode": mode,
        "template": {
            "name": tmpl.name,
            "version": tmpl.version,
            "sha256": tmpl.sha256,
            "min_words": tmpl.min_words,
            "max_words": tmpl.max_words,
        },
        "regions": regions,
        "stories": stories,
        "jobs": entries,
    }
    write_atomic(out, "".join(line + "\n" for line in lines).encode("utf-8"))
    _write_manifest(manifest_path, manifest)
    return out, manifest_path, failed


def _write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    write_atomic(path, (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))


def load_manifest(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{p}: no such manifest (it is written next to the request file as "
            "<request file>.manifest.json; pass it with --manifest)"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{p}: cannot read the manifest: {exc}") from None
    if not isinstance(data, dict) or data.get("kind") != "localize-batch-manifest":
        raise InputError(f"{p}: not a localize batch manifest")
    return data


def batch_api_client(settings: Settings) -> openai.OpenAI:
    if not settings.api_key:
        raise ConfigError(
            "the Batch API needs an API key; set OPENAI_API_KEY", option="OPENAI_API_KEY"
        )
    return openai.OpenAI(
        api_key=settings.api_key, base_url=settings.base_url, timeout=settings.timeout
    )


def submit_batch(
    request_file: str | Path, manifest_path: str | Path, *, client: openai.OpenAI
) -> str:
    """Upload the request file, create the batch (24 h window) and record its id in the
    manifest; returns the batch id."""
    manifest = load_manifest(manifest_path)
    try:
        with Path(request_file).open("rb") as f:
            uploaded = client.files.create(file=f, purpose="batch")
        batch = client.batches.create(
            input_file_id=uploaded.id,
            endpoint=BATCH_ENDPOINT,
            completion_window="24h",
            metadata={"created_by": "localize"},
        )
    except openai.OpenAIError as exc:
        raise BackendError(f"creating the batch failed: {exc}") from exc
    manifest["batch_id"] = batch.id
    manifest["input_file_id"] = uploaded.id
    _write_manifest(Path(manifest_path), manifest)
    return batch.id


_FINAL_STATES = ("completed", "expired", "cancelled", "failed")


def download_batch_output(batch_id: str, *, client: openai.OpenAI) -> list[str]:
    """The output (and error) file lines of a finished batch; raises while it still runs."""
    try:
        batch = client.batches.retrieve(batch_id)
    except openai.OpenAIError as exc:
        raise BackendError(f"cannot retrieve batch {batch_id}: {exc}") from exc
    if batch.status not in _FINAL_STATES:
        counts = batch.request_counts
        progress = (
            f" ({counts.completed + counts.failed} of {counts.total} requests done)"
            if counts
            else ""
        )
        raise LocalizeError(f"batch {batch_id} is {batch.status}{progress}; collect it again later")
    if batch.status == "failed" and not (batch.output_file_id or batch.error_file_id):
        reasons = (
            "; ".join(e.message or "" for e in (batch.errors.data or [])) if batch.errors else ""
        )
        raise BackendError(f"batch {batch_id} failed{': ' + reasons if reasons else ''}")
    lines: list[str] = []
    for file_id in (batch.output_file_id, batch.error_file_id):
        if not file_id:
            continue
        try:
            lines.extend(client.files.content(file_id).text.splitlines())
        except openai.OpenAIError as exc:
            raise BackendError(
                f"cannot download file {file_id} of batch {batch_id}: {exc}"
            ) from exc
    return lines


def _collected_result(
    entry: dict[str, Any], manifest: dict[str, Any], line: dict[str, Any]
) -> JobResult:
    story_id, region_id = entry["story_id"], entry["region"]

    def fail(message: str) -> JobResult:
        return JobResult(story_id, region_id, False, error=message)

    response = line.get("response")
    if line.get("error") or not isinstance(response, dict):
        err = line.get("error") or {}
        message = err.get("message") if isinstance(err, dict) else str(err)
        return fail(f"batch request failed: {message or 'no response'}")
    status, body = response.get("status_code"), response.get("body")
    if status != 200 or not isinstance(body, dict):
        message = body.get("error", {}).get("message") if isinstance(body, dict) else None
        return fail(f"batch request failed: HTTP {status}{': ' + message if message else ''}")
    choices = body.get("choices") or []
    if not choices:
        return fail("batch response has no choices")
    choice = choices[0]
    content = (choice.get("message") or {}).get("content") or ""
    if choice.get("finish_reason") == "length":
        return fail("the answer was cut off at the length limit; rerun without --submit")
    s = manifest["stories"][story_id]
    story = Story(tuple(s["paragraphs"]), s["headline"], s["id"], s["source"])
    profile = RegionProfile.model_validate(manifest["regions"][region_id])
    tmpl = manifest["template"]
    try:
        section, report = review_answer(
            content, story, profile, min_words=tmpl["min_words"], max_words=tmpl["max_words"]
        )
    except ValueError as exc:
        return fail(f"unusable answer: {exc}")
    usage = body.get("usage") or {}
    details = usage.get("prompt_tokens_details") or {}
    spent = Usage(
        int(usage.get("prompt_tokens") or 0),
        int(usage.get("completion_tokens") or 0),
        int(details.get("cached_tokens") or 0),
    )
    model = str(body.get("model") or manifest["model"])
    cost = estimate_cost(model, spent.prompt_tokens, spent.completion_tokens, spent.cached_tokens)
    cost = cost * BATCH_DISCOUNT if cost is not None else None
    endpoint = str(manifest["endpoint"])
    prov = Provenance(
        model=model,
        endpoint_host=urlsplit(endpoint).netloc,
        template_name=tmpl["name"],
        template_version=tmpl["version"],
        template_sha256=tmpl["sha256"],
        structured_mode=manifest["structured_mode"],
        prompt_tokens=spent.prompt_tokens,
        completion_tokens=spent.completion_tokens,
        cached_tokens=spent.cached_tokens,
        attempts=1,
        latency_s=0.0,
        trimmed_paragraphs=tuple(entry["trimmed_paragraphs"]),
        prompt_tokens_estimate=entry["prompt_tokens_estimate"],
        estimate_approximate=entry["estimate_approximate"],
        estimated_cost_usd=cost,
        story_id=story_id,
        story_sha256=story.sha256,
        region=region_id,
    ).to_dict()
    prov["batch_id"] = manifest.get("batch_id")
    prov["batch_request_id"] = response.get("request_id")
    return JobResult(
        story_id,
        region_id,
        True,
        section={"heading": section.heading, "body": section.body},
        checks=report.to_dict(),
        provenance=prov,
        spent=spent,
        spent_cost_usd=cost,
    )


def collect_batch(
    output_lines: Iterable[str],
    manifest: dict[str, Any],
    skip: Collection[tuple[str, str]] = (),
    *,
    audit: AuditLog | bool = True,
) -> tuple[list[JobResult], list[str]]:
    """Turn Batch API (or vLLM ``run_batch``) output lines into results, checked as usual.

    Returns the results (not those in ``skip``) and the custom ids of requests the output does
    not answer (an expired or cancelled batch): rerun ``localize batch`` to do those. ``audit``
    as in `localize.generate`: each section collected is recorded.
    """
    log = resolve_audit(audit)
    by_id = {e["custom_id"]: e for e in manifest["jobs"]}
    skipped = set(skip)
    seen: set[str] = set()
    results: list[JobResult] = []
    for n, raw in enumerate(output_lines, start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(f"batch output line {n}: invalid JSON: {exc.msg}") from None
        cid = line.get("custom_id") if isinstance(line, dict) else None
        if not isinstance(cid, str) or cid not in by_id:
            raise InputError(
                f"batch output line {n}: custom_id {cid!r} is not in the manifest "
                "(is this the output of another batch?)"
            )
        if cid in seen:
            continue
        seen.add(cid)
        entry = by_id[cid]
        if (entry["story_id"], entry["region"]) in skipped:
            continue
        result = _collected_result(entry, manifest, line)
        if log is not None and result.ok:
            log.add_or_warn(
                result.to_dict(), story_source=manifest["stories"][result.story_id]["source"]
            )
        results.append(result)
    missing = [cid for cid in by_id if cid not in seen]
    return results, missing
