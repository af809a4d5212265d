"""Running jobs: the story-by-story scheduler, one job, `alocalize_many` and `run_batch`.

Every (story, region) pair is one job. Jobs run on the async client, at most ``concurrency`` at a
time, paced by a `RateGate`. Jobs are scheduled story by story, and a story's first region runs
before its other regions start, so the provider's prompt cache holds the shared prefix (system
block and story) when they go out. What each job spent is counted by the attempt loop itself
(`localize.pipeline`), failed jobs included.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict, deque
from collections.abc import AsyncGenerator, AsyncIterator, Collection, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from localize.audit import AuditLog, open_audit, resolve_audit
from localize.backends import LLMClient, ResponseCache, Usage
from localize.backends._cache import CacheOption, as_cache
from localize.batch._collector import batch_collector
from localize.batch._gate import RateGate
from localize.batch._inputs import BatchStory
from localize.batch._results import (
    BatchPlan,
    BatchSummary,
    GroupSync,
    Job,
    JobResult,
    ResultsFile,
    plan_batch,
)
from localize.batch._workers import check_workers, run_in_workers
from localize.budget import price
from localize.config import Settings
from localize.errors import (
    ConfigError,
    EndpointAuthError,
    GenerationError,
    LocalizeError,
    TemplateError,
)
from localize.grounding import CheckFunction, RegisteredCheck, forget_story
from localize.pipeline import agenerate, connect, prepare, with_verify
from localize.prompting._templates import PromptTemplate, load_template
from localize.regions._profiles import RegionLike

__all__ = [
    "DEFAULT_CONCURRENCY",
    "LOCAL_CONCURRENCY",
    "BatchProgress",
    "alocalize_many",
    "choose_concurrency",
    "run_batch",
    "run_jobs",
]

DEFAULT_CONCURRENCY = 8
# The embedded llama.cpp server answers one request at a time (one slot, one KV cache): a second
# request in flight only queues there, and one from another story evicts the first story's prompt
# prefix. One at a time, a story's regions back to back, measured fastest on 2 cores
# (benchmarks/embedded_batch.py, default against default-c2 with the {"body"} answer: 49.7
# against 54.0 s, 7,055 against 9,001 prompt tokens evaluated for the 16 example jobs).
LOCAL_CONCURRENCY = 1
_ONE_SLOT = "a story's regions run back to back, so each reuses the story's evaluated prompt"


class _Scheduler:
    """Hands out jobs story by story; a story's first job warms the prompt cache for the rest.

    A story's other regions wait until its first job has finished; meanwhile the next stories'
    first jobs keep the workers busy, so the wait costs throughput only when there are fewer
    stories than workers. Jobs are taken from ``jobs`` (story-major) only when no open story
    has one ready, so only the stories in flight are held, and each is let go with its last job.
    """

    def __init__(self, jobs: Iterable[Job], warm_first: bool) -> None:
        self._jobs = iter(jobs)
        self._pending: Job | None = None  # the next story's first job, taken to see its story
        self._groups: OrderedDict[str, deque[Job]] = OrderedDict()
        self._lead: dict[str, str] = {}  # story id -> "running" | "done", for open stories
        self._in_flight: dict[str, int] = {}  # story id -> its jobs handed out, not finished
        self._exhausted = False
        self._warm_first = warm_first
        self._changed = asyncio.Event()

    def _open_next(self) -> bool:
        """Take the next story's jobs from the input; False when there are none."""
        job = self._pending or next(self._jobs, None)
        self._pending = None
        if job is None:
            self._exhausted = True
            return False
        sid = job.story.id
        group = self._groups.setdefault(sid, deque())
        group.append(job)
        for job in self._jobs:
            if job.story.id != sid:
                self._pending = job
                break
            group.append(job)
        return True

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
            self._in_flight[sid] = self._in_flight.get(sid, 0) + 1
            return job
        return None

    async def next(self) -> Job | None:
        while True:
            job = self._pick()
            if job is not None:
                return job
            if self._open_next():
                continue
            if not self._groups:
                return None
            self._changed.clear()
            await self._changed.wait()

    def finished(self, job: Job) -> None:
        sid = job.story.id
        if self._lead.get(sid) == "running":
            self._lead[sid] = "done"
        left = self._in_flight.get(sid, 1) - 1
        if left or sid in self._groups:
            self._in_flight[sid] = left
        else:  # the story's last job: nothing here holds it any more, nor its analysis
            self._in_flight.pop(sid, None)
            self._lead.pop(sid, None)
            if job.story.story is not None:
                forget_story(job.story.story)
        self._changed.set()


async def _run_one(
    job: Job,
    client: LLMClient,
    template: PromptTemplate,
    settings: Settings,
    max_attempts: int,
    audit: AuditLog | None,
    checks: Sequence[RegisteredCheck] = (),
) -> JobResult:
    if job.story.story is None:
        return JobResult.failure(job, job.story.error or "the story could not be read")
    try:
        prep = prepare(
            job.story.story,
            job.region,
            template=template,
            settings=settings,
            model=client.model,
            structured=client.structured,
            checks=checks,
        )
        result = await agenerate(prep, client, max_attempts, audit=audit or False)
    except (EndpointAuthError, TemplateError):
        raise  # every other job would fail the same way: stop the run
    except GenerationError as exc:  # the failed attempts were paid for
        spend = exc.spend
        cost = price(client.model, spend.usage, client.endpoint) if spend else None
        return JobResult.failure(job, str(exc), spend=spend, cost_usd=cost)
    except LocalizeError as exc:
        return JobResult.failure(job, str(exc))
    except Exception as exc:  # a bug must not lose the rest of the batch; it is on the line
        return JobResult.failure(job, f"internal error: {type(exc).__name__}: {exc}")
    cost = price(result.provenance.model, result.spend.usage, client.endpoint)
    return JobResult(job.story.id, job.region.id, result, None, result.spend, cost)


async def run_jobs(
    jobs: Iterable[Job],
    client: LLMClient,
    *,
    template: PromptTemplate | str | Path | None = None,
    settings: Settings | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    max_attempts: int | None = None,
    warm_first: bool = True,
    audit: AuditLog | bool = True,
    checks: Sequence[RegisteredCheck] = (),
) -> AsyncGenerator[JobResult, None]:
    """Run jobs on ``client`` (with its gate and cache as set), yielding results as they finish.

    ``jobs`` is read as it goes (story-major, as `plan_jobs` makes them): an iterator keeps
    only the stories in flight in memory. An `EndpointAuthError` stops the run (it is raised
    here); every other failure is a result with ``ok`` false. Closing the iterator early
    cancels the jobs in flight. ``audit`` as for `localize.generate`: each section is recorded
    as its job finishes. ``checks`` are the run's own checks (see `plan_batch`).
    """
    if concurrency < 1:
        raise ConfigError("must be at least 1", option="--concurrency")
    settings = settings or Settings.resolve()
    tmpl = load_template(template or settings.template, settings.templates)
    attempts = settings.check_attempts(max_attempts)
    log = resolve_audit(audit, settings)
    scheduler = _Scheduler(jobs, warm_first)
    done: asyncio.Queue[JobResult | BaseException | None] = asyncio.Queue()

    # The first job runs alone: a refused key (401) stops the run after one request, not after
    # one per worker. The others start once it has a result.
    first_done = asyncio.Event()

    async def worker(lead: bool) -> None:
        try:
            if not lead:
                await first_done.wait()
            while (job := await scheduler.next()) is not None:
                try:
                    result = await _run_one(job, client, tmpl, settings, attempts, log, checks)
                finally:
                    scheduler.finished(job)
                done.put_nowait(result)
                first_done.set()
            done.put_nowait(None)  # this worker found no job left
            first_done.set()  # none at all: the others must not wait for it
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            done.put_nowait(exc)

    workers = [asyncio.create_task(worker(i == 0)) for i in range(concurrency)]
    try:
        running = len(workers)
        while running:
            item = await done.get()
            if item is None:
                running -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield item
    finally:
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)


def choose_concurrency(
    concurrency: int | None, settings: Settings, own_client: bool = True
) -> tuple[int, str]:
    """Jobs in flight, and why: the option, else what the endpoint can serve at once."""
    if concurrency is not None:
        if concurrency < 1:
            raise ConfigError(f"must be at least 1, got {concurrency}", option="--concurrency")
        return concurrency, "set by --concurrency"
    if settings.use_local_model and own_client:
        return LOCAL_CONCURRENCY, f"the embedded server answers one request at a time; {_ONE_SLOT}"
    if settings.slots == 1:
        return 1, f"the endpoint serves one request at a time (slots 1); {_ONE_SLOT}"
    if settings.slots is not None:
        return settings.slots, f"the endpoint serves {settings.slots} requests at a time (slots)"
    return DEFAULT_CONCURRENCY, "the default for an endpoint of unknown capacity (see --slots)"


async def alocalize_many(
    stories: Iterable[BatchStory],
    regions: Iterable[RegionLike],
    *,
    client: LLMClient | None = None,
    settings: Settings | None = None,
    template: PromptTemplate | str | Path | None = None,
    concurrency: int | None = None,
    rpm: int | None = None,
    tpm: int | None = None,
    cache: CacheOption = True,
    max_attempts: int | None = None,
    skip: Collection[tuple[str, str]] = (),
    audit: AuditLog | bool = True,
    disclosure: str | None = None,
    checks: Iterable[RegisteredCheck | CheckFunction] | None = None,
    verify: bool | None = None,
) -> AsyncIterator[JobResult]:
    """Localise every story into every region, yielding a `JobResult` as each job finishes.

    ``stories``: each a `Story`, story text (``str``; a file name as ``str`` is refused, see
    `localize.as_story`), or a ``Path`` to a story file, a folder of them or a JSONL file.
    ``regions``: each a region id, a profile file or a `RegionProfile` (see
    `localize.get_region`). ``cache``: True (default) for the on-disk response cache (see
    `localize.backends._cache`), False or None for none, or a cache object. ``skip``: (story
    id, region id) pairs not to run (those already done). ``disclosure`` replaces each
    profile's disclosure line in the results. Regions, template, attempts and inputs are all
    checked before any request. Without ``client``, one is built from ``settings`` (the embedded
    model when no endpoint is set) and closed at the end; a given client is copied, not changed.
    ``verify`` as for `localize.localize` (None: the setting).

        async for result in localize.alocalize_many([Path("stories/")], ["uk", "us"]):
            print(result.story_id, result.region, result.ok)
    """
    plan = plan_batch(
        stories,
        regions,
        settings=with_verify(settings, verify),
        template=template,
        max_attempts=max_attempts,
        disclosure=disclosure,
        checks=checks,
    )
    width, _why = choose_concurrency(concurrency, plan.settings, client is None)
    skipped = set(skip)
    if all(k in skipped for k in plan.job_keys()):
        return
    jobs = (j for j in plan.jobs if j.key not in skipped)
    gate = RateGate(rpm, tpm)
    response_cache = as_cache(cache)
    async with contextlib.AsyncExitStack() as stack:
        if client is None:
            the_client = stack.enter_context(
                connect(plan.settings, cache=response_cache, gate=gate)
            )
        else:
            the_client = replace(client, cache=response_cache, gate=gate)
        stack.push_async_callback(the_client.aclose)
        async for result in run_jobs(
            jobs,
            the_client,
            template=plan.template,
            settings=plan.settings,
            concurrency=width,
            max_attempts=plan.max_attempts,
            audit=resolve_audit(audit, plan.settings) or False,
            checks=plan.checks,
        ):
            yield result


class BatchProgress(Protocol):
    """What `run_batch` reports as it goes (the CLI's progress bar or log lines)."""

    def started(self, summary: BatchSummary) -> None:
        """The jobs to run are known and the endpoint is ready."""

    def finished_job(self, result: JobResult, summary: BatchSummary) -> None:
        """One job's line is on disk and counted in ``summary``."""


async def _drive(
    runs: AsyncGenerator[JobResult, None],
    client: LLMClient,
    results: ResultsFile,
    summary: BatchSummary,
    progress: BatchProgress | None,
) -> None:
    lines = GroupSync(results)
    try:
        async with contextlib.aclosing(runs):  # closed on every way out: its jobs stop
            async for result in runs:
                # Written whole before it is counted (a killed process keeps it); fsynced in a
                # group.
                lines.append(result)
                summary.add(result)
                if progress is not None:
                    progress.finished_job(result, summary)
    finally:
        try:
            await lines.aclose()  # every line durable, on every way out
        finally:
            await client.aclose()


def _run_into(
    todo: Iterable[Job],
    results: ResultsFile,
    summary: BatchSummary,
    progress: BatchProgress | None,
    *,
    todo_keys: Iterable[tuple[str, str]],
    plan: BatchPlan,
    gate: RateGate,
    cache: ResponseCache | None,
    audit: AuditLog | None,
    done: frozenset[tuple[str, str]],
    workers: int,
) -> None:
    """Run the jobs left to do into the open results file; Ctrl-C stops with what is done.

    With ``workers`` above 1 the jobs run in that many processes (`run_in_workers`): this
    process keeps the results file, the gate and the summary, as it does on its own.
    """
    with connect(plan.settings, cache=cache, gate=gate) as client:
        results.begin(todo_keys)
        summary.model, summary.endpoint = client.model, client.host
        # No list price for this model and endpoint: the cost is unknown, whether the jobs
        # succeed or fail (a failed job's $0.0000 beside a done job's "unknown" disagreed).
        if price(client.model, Usage(1, 1), client.endpoint) is None:
            summary.cost_known = False
        summary.started = time.monotonic()  # not counting the embedded server's start
        if progress is not None:
            progress.started(summary)
        runs = (
            run_in_workers(
                plan,
                done,
                client,
                workers=workers,
                concurrency=summary.concurrency,
                gate=gate,
                cache=cache,
                audit=audit,
            )
            if workers > 1
            else run_jobs(
                todo,
                client,
                template=plan.template,
                settings=plan.settings,
                concurrency=summary.concurrency,
                max_attempts=plan.max_attempts,
                audit=audit or False,
                checks=plan.checks,
            )
        )
        run = _drive(runs, client, results, summary, progress)
        try:
            with batch_collector():
                asyncio.run(run)
        except KeyboardInterrupt:
            summary.interrupted = True
        finally:
            summary.finished = time.monotonic()
            summary.rate_limited = gate.rate_limited


def run_batch(
    stories: Iterable[BatchStory],
    regions: Iterable[RegionLike],
    output: str | Path,
    *,
    settings: Settings | None = None,
    template: PromptTemplate | str | Path | None = None,
    concurrency: int | None = None,
    rpm: int | None = None,
    tpm: int | None = None,
    cache: CacheOption = True,
    max_attempts: int | None = None,
    progress: BatchProgress | None = None,
    audit: AuditLog | bool = True,
    disclosure: str | None = None,
    shard: tuple[int, int] | None = None,
    checks: Iterable[RegisteredCheck | CheckFunction] | None = None,
    workers: int = 1,
    verify: bool | None = None,
) -> BatchSummary:
    """A whole ``localize batch`` run: every (story, region) pair into the results file.

    Takes the arguments `alocalize_many` takes, plus ``output``: the JSONL results file, locked
    for the run and resumed (pairs done are skipped, failed ones retried), or ``-`` for
    standard output. Everything that can be wrong with the input is checked before the first
    request. Ctrl-C ends the run early with every finished job saved; the summary then says
    ``interrupted``. Raises `EndpointAuthError` (the key was refused) and input errors.
    ``audit`` as for `localize.generate`, opened first (see `localize.audit.open_audit`).
    ``shard`` (i, N) runs only the stories of shard i of N (`BatchPlan.shard`): N runs, each
    into its own file, then `merge_results`, do the whole batch in N processes.
    ``workers`` N above 1 runs the jobs in N processes under this call (see
    `localize.batch._workers`): one results file, one set of rpm/tpm limits, ``concurrency``
    jobs in flight across them all, a story's regions in one process. It needs an endpoint
    (not the embedded model) and at least N jobs in flight.
    ``verify`` as for `localize.localize` (None: the setting).
    """
    plan = plan_batch(
        stories,
        regions,
        settings=with_verify(settings, verify),
        template=template,
        max_attempts=max_attempts,
        disclosure=disclosure,
        checks=checks,
    )
    log = open_audit(audit, plan.settings)
    width, why = choose_concurrency(concurrency, plan.settings)
    response_cache = as_cache(cache)
    check_workers(workers, width, plan, response_cache, log)
    if shard is not None:
        plan = plan.shard(*shard)
    with ResultsFile(output) as results:
        # A copy: the run adds to results.done as it goes, and the plan is read lazily.
        done = frozenset(results.done)
        to_run = sum(k not in done for k in plan.job_keys())
        if workers > 1:
            # No worker starts without a story to run (a resumed run may have fewer left).
            left = len({sid for sid, region in plan.job_keys() if (sid, region) not in done})
            workers = max(1, min(workers, left))
        summary = BatchSummary(
            total=plan.total,
            skipped=plan.total - to_run,
            concurrency=width,
            concurrency_reason=why,
            workers=workers,
        )
        summary.dropped_torn_line = results.dropped_torn_line
        summary.skipped_flagged = sum(k in results.flagged for k in plan.job_keys())
        if to_run:
            _run_into(
                (j for j in plan.jobs if j.key not in done),
                results,
                summary,
                progress,
                todo_keys=(k for k in plan.job_keys() if k not in done),
                plan=plan,
                gate=RateGate(rpm, tpm),
                cache=response_cache,
                audit=log,
                done=done,
                workers=workers,
            )
    return summary
