"""Running jobs: the story-by-story scheduler, one job, and `localize_many`.

Every (story, region) pair is one job. Jobs run on the async client, at most ``concurrency`` at a
time, paced by a `RateGate`. Jobs are scheduled story by story, and a story's first region runs
before its other regions start, so the provider's prompt cache holds the shared prefix (system
block and story) when they go out.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from localize.batch._gate import RateGate
from localize.batch._inputs import StoryInput, _as_inputs, resolve_regions
from localize.batch._results import Job, JobResult, plan_jobs
from localize.budget import estimate_cost
from localize.config import Settings
from localize.errors import ConfigError, EndpointAuthError, LocalizeError
from localize.llm import Completion, LLMClient, ResponseCache, Usage
from localize.pipeline import PreparedPrompt, agenerate, connect, prepare
from localize.prompts import PromptTemplate, load_template
from localize.regions import RegionProfile
from localize.story import Story

__all__ = ["DEFAULT_CONCURRENCY", "LOCAL_CONCURRENCY", "localize_many", "run_jobs"]

DEFAULT_CONCURRENCY = 8
# The embedded llama.cpp server answers one request at a time: more in flight only queue there.
LOCAL_CONCURRENCY = 2


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
    job: Job, client: LLMClient, template: PromptTemplate, settings: Settings, max_attempts: int
) -> JobResult:
    if job.story.story is None:
        return JobResult.failure(job, job.story.error or "the story could not be read")
    served: list[Usage] = []
    _served_from_cache.set(served)
    try:
        prep = prepare(
            job.story.story, job.region, template=template, settings=settings, model=client.model
        )
        result = await agenerate(prep, client, max_attempts)
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
) -> AsyncIterator[JobResult]:
    """Run jobs on ``client`` (with its gate and cache as set), yielding results as they finish.

    An `EndpointAuthError` stops the run (it is raised here); every other failure is a result
    with ``ok`` false. Closing the iterator early cancels the jobs in flight.
    """
    if concurrency < 1:
        raise ConfigError("must be at least 1", option="--concurrency")
    settings = settings or Settings.resolve()
    tmpl = load_template(template or settings.template)
    # Profiles are already resolved into the jobs: do not reload them for every job.
    job_settings = replace(settings, profiles=None)
    attempts = max_attempts or settings.max_attempts
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
                    result = await _run_one(job, client, tmpl, job_settings, attempts)
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
        ):
            yield result
