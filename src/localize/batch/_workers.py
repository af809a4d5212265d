"""`--workers N`: one batch in N processes under one command, one results file, one rate gate.

One process spends about 12 ms of CPU a job (rendering, parsing the answer, the checks), so on
its own it tops out near 80 jobs/s a core whatever the account allows. The parent here plans the
batch (every input checked before any request, as for one process), owns the results file and
the run's one `RateGate`, runs the first share of the stories itself and starts N - 1 worker
processes for the others. Each worker runs `run_jobs` (the same scheduler, attempt loop and
checks as one process) on its share and, under an rpm/tpm limit, asks the parent for a gate
permit before each request (without one, only for its first requests: see `_GatePermits`),
reporting a 429's backoff the same way, which the parent announces to every worker; it sends each
finished job back, and the parent writes its line whole, counts it and reports progress.

Why the parent runs a share, not only N children: a process costs about 1.9 s of CPU before its
first job (imports, profiles, lexicons), which the parent has already paid, and a result that
crosses the pipe costs a pickle each side; with 2 workers on 2 cores a third process only took
CPU from the two doing the jobs (measured in benchmarks/RESULTS.md, "--workers on 2 cores").
The parent's share asks the same gate through the same first-request-alone rule.

Why whole stories per worker, not jobs: a story's regions in one process share its analysis
(computed once per story) and warm one provider prompt cache, and no story crosses the pipe:
each worker reads its own stories from the inputs. Stories with jobs left are dealt round-robin
in input order, so the workers stay balanced on a resumed run too. Why permits from the parent,
not limits split N ways: one gate keeps the rpm/tpm semantics exact (first come, first served;
a 429 pauses and slows every process), and a worker killed mid-request holds no shared lock.

Workers are started with ``spawn`` (never ``fork`` from a process whose threads may hold locks)
and ignore Ctrl-C: the parent stops them and keeps every line received, so an interrupted run
resumes as one process's does. A worker that dies, or stops on an error every job would hit (a
refused key, a broken template), stops the run with that error; lines already written stay.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import multiprocessing
import pickle
import signal
import socket
import struct
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass, replace
from typing import Any

from localize._signals import handling
from localize.audit import AuditLog
from localize.backends import LLMClient, RequestGate, ResponseCache
from localize.batch._collector import batch_collector
from localize.batch._gate import RateGate
from localize.batch._results import BatchPlan, JobResult
from localize.errors import ConfigError, LocalizeError
from localize.regions._profiles import RegionProfile, builtin_regions, pack_regions

__all__ = ["check_workers", "run_in_workers"]

# A message on a worker's socket: its length, then a pickle.
_HEADER = struct.Struct("!I")
# How long a stopped worker gets to finish closing before it is killed.
_STOP_WAIT_S = 10.0


def check_workers(
    workers: int,
    concurrency: int,
    plan: BatchPlan,
    cache: ResponseCache | None = None,
    audit: AuditLog | None = None,
) -> None:
    """Refuse a ``--workers`` value that cannot run, before anything starts."""
    settings = plan.settings
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(
            f"must be a whole number of at least 1, got {workers!r}", option="--workers"
        )
    if workers == 1:
        return
    if settings.use_local_model:
        raise ConfigError(
            "the embedded model answers one request at a time: more processes only queue "
            "there; give an endpoint (--base-url) to run several workers",
            option="--workers",
        )
    if concurrency < workers:
        raise ConfigError(
            f"{workers} workers need at least {workers} jobs in flight, and the concurrency "
            f"is {concurrency}: raise --concurrency or lower --workers",
            option="--workers",
        )
    _pickled((plan, cache, audit))


def _pickled(what: object) -> bytes:
    try:
        return pickle.dumps(what, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"this batch cannot be sent to worker processes ({exc}); the run's own checks "
            "and cache must be importable objects (module-level functions), not closures; or "
            "run one process (--workers 1)",
            option="--workers",
        ) from None


@dataclass(frozen=True)
class _Share:
    """What one worker process is given: its part of the plan and how to run it."""

    index: int
    plan: BatchPlan
    done: frozenset[tuple[str, str]]  # its pairs already done (skipped)
    concurrency: int
    cache: ResponseCache | None
    audit: AuditLog | None
    # The run's gate paces requests (--rpm/--tpm): each request waits for the parent's permit.
    # Without limits only the first does; a 429's pause reaches every process all the same.
    paced: bool = True


def _shares(
    plan: BatchPlan,
    done: frozenset[tuple[str, str]],
    workers: int,
    concurrency: int,
    cache: ResponseCache | None,
    audit: AuditLog | None,
    paced: bool = True,
) -> list[_Share]:
    """Each worker's share: the stories with jobs left, dealt round-robin in order."""
    regions = [r.id for r in plan.regions]
    todo = [sid for sid in plan.stories.ids if any((sid, r) not in done for r in regions)]
    workers = min(workers, len(todo))  # no process without a story to run
    shares: list[_Share] = []
    for k in range(workers):
        ids = todo[k::workers]
        keep = frozenset(ids)
        share = _Share(
            k + 1,
            replace(plan, stories=plan.stories.only(ids)),
            frozenset(key for key in done if key[0] in keep),
            concurrency // workers + (k < concurrency % workers),
            cache,
            audit,
            paced,
        )
        shares.append(share)
    return shares


# ------------------------------------------------------------------------------- the wire


class _ByRegionId(pickle.Pickler):
    """Sends a region profile as its id: both sides hold the plan's profiles, and a profile is
    over half of a result's pickle (39 KB with it, 17 KB without), which the parent would
    unpickle every job."""

    def persistent_id(self, obj: Any) -> str | None:
        return obj.id if isinstance(obj, RegionProfile) else None


class _RegionFromPlan(pickle.Unpickler):
    def __init__(self, data: io.BytesIO, regions: dict[str, RegionProfile]) -> None:
        super().__init__(data)
        self._regions = regions

    def persistent_load(self, pid: Any) -> RegionProfile:
        return self._regions[pid]


def _frame(message: tuple[Any, ...]) -> bytes:
    buffer = io.BytesIO()
    buffer.write(bytes(_HEADER.size))
    _ByRegionId(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(message)
    data = buffer.getbuffer()
    _HEADER.pack_into(data, 0, len(data) - _HEADER.size)
    return bytes(data)


async def _receive(
    reader: asyncio.StreamReader, regions: dict[str, RegionProfile]
) -> tuple[Any, ...] | None:
    """The next message, or None when the other side has gone (closed, or died)."""
    try:
        head = await reader.readexactly(_HEADER.size)
        (size,) = _HEADER.unpack(head)
        data = await reader.readexactly(size)
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    message = _RegionFromPlan(io.BytesIO(data), regions).load()
    assert isinstance(message, tuple)
    return message


def _portable(exc: BaseException) -> tuple[Any, ...]:
    """An error to raise again in the parent: its class, arguments and attributes.

    Pickling the exception itself loses errors whose ``__init__`` takes keyword arguments
    (``ConfigError(..., option=...)``); this rebuilds any of them with its message intact.
    """
    if not isinstance(exc, LocalizeError):
        return (LocalizeError, (f"internal error: {type(exc).__name__}: {exc}",), {})
    state = {k: v for k, v in vars(exc).items() if _picklable(v)}
    return (type(exc), exc.args, state)


def _picklable(value: object) -> bool:
    try:
        pickle.dumps(value)
    except Exception:
        return False
    return True


def _rebuilt(
    cls: type[LocalizeError], args: tuple[Any, ...], state: dict[str, Any]
) -> LocalizeError:
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(state)
    return exc


# ---------------------------------------------------------------------------- the worker


class _GatePermits:
    """The parent's `RateGate`, asked over the socket: the `RequestGate` of a worker's client.

    Under no rpm/tpm limit (``paced`` false) only requests before the first permit ask: after
    it a request waits only for a pause the parent announced (a 429 anywhere). The parent's
    event loop runs its own share's checks between messages, so a permit asked for every request
    waited behind them: measured, ``--workers 2`` ran at 1.22x one process with a permit per
    request and 1.62x without.
    """

    def __init__(self, send: Callable[[tuple[Any, ...]], None], *, paced: bool = True) -> None:
        self._send = send
        self._waiting: dict[int, asyncio.Future[None]] = {}
        self._count = 0
        self._paused = None if paced else RateGate()  # an unpaced gate: pauses only
        self._granted_once = False

    def pause(self, seconds: float) -> None:
        """A 429's pause, announced by the parent to every process."""
        if self._paused is not None:
            self._paused.penalize(seconds)

    async def acquire(self, tokens: int) -> None:
        if self._paused is not None and self._granted_once:
            await self._paused.acquire(tokens)
            return
        self._count += 1
        n = self._count
        permit = asyncio.get_running_loop().create_future()
        self._waiting[n] = permit
        self._send(("acquire", n, tokens))
        try:
            await permit
        finally:
            self._waiting.pop(n, None)

    def penalize(self, seconds: float) -> None:
        self._send(("penalize", seconds))

    def granted(self, n: int) -> None:
        self._granted_once = True
        permit = self._waiting.get(n)
        if permit is not None and not permit.done():  # a job cancelled meanwhile asks no more
            permit.set_result(None)


def _worker_main(sock: socket.socket) -> None:
    """A worker process: read its share, run it, send each result back, then say it is done."""
    # Ctrl-C reaches the whole process group, and so may a SIGTERM: the parent stops the
    # workers, keeping what is done.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with contextlib.suppress(KeyboardInterrupt), batch_collector():
        asyncio.run(_work(sock))


def _as_shipped(regions: list[RegionProfile]) -> list[RegionProfile]:
    """The shipped profiles as this process loaded them, in place of the unpickled copies equal
    to them (a changed profile, e.g. another disclosure, stays the copy).

    The checks cache by profile (``lru_cache``) and also load every shipped profile themselves
    (to tell another region's names): a copy hashes like the loaded one but is another object,
    so each lookup compared the two field by field, 70,000 ``__eq__`` calls for 500 jobs in a
    worker's profile and none in one process, whose plan holds the loaded objects themselves.
    """
    shipped = {**builtin_regions(), **pack_regions()}
    return [s if (s := shipped.get(p.id)) is not None and s == p else p for p in regions]


async def _share_results(share: _Share, gate: RequestGate) -> AsyncGenerator[JobResult, None]:
    """A share's jobs run through one client, as a worker and the parent each run theirs."""
    from localize.batch._run import run_jobs  # here: _run imports this module
    from localize.pipeline import connect

    plan = share.plan
    with connect(plan.settings, cache=share.cache, gate=gate) as client:
        try:
            jobs = run_jobs(
                (j for j in plan.jobs if j.key not in share.done),
                client,
                template=plan.template,
                settings=plan.settings,
                concurrency=share.concurrency,
                max_attempts=plan.max_attempts,
                audit=share.audit or False,
                checks=plan.checks,
            )
            async with contextlib.aclosing(jobs):
                async for result in jobs:
                    yield result
        finally:
            await client.aclose()


async def _work(sock: socket.socket) -> None:
    reader, writer = await asyncio.open_connection(sock=sock)
    # The share comes over the socket, not as a process argument: spawn writes its arguments
    # to a pipe the parent blocks on until this process has started, one worker after another.
    first = await _receive(reader, {})
    if first is None:
        return  # the parent stopped before this worker began
    share: _Share = pickle.loads(first[1])  # plain bytes inside the message: profiles in full
    share = replace(share, plan=replace(share.plan, regions=_as_shipped(share.plan.regions)))
    regions = {r.id: r for r in share.plan.regions}
    main = asyncio.current_task()
    assert main is not None

    def send(message: tuple[Any, ...]) -> None:
        if not writer.is_closing():
            writer.write(_frame(message))

    permits = _GatePermits(send, paced=share.paced)

    async def listen() -> None:
        """Permits from the parent; its going away (a stop, or its death) ends this worker."""
        while (message := await _receive(reader, regions)) is not None:
            if message[0] == "permit":
                permits.granted(message[1])
            elif message[0] == "pause":
                permits.pause(message[1])
        main.cancel()

    listener = asyncio.create_task(listen())
    try:
        async with contextlib.aclosing(_share_results(share, permits)) as results:
            async for result in results:
                send(("result", result))
                await writer.drain()
        send(("done",))
    except asyncio.CancelledError:
        return  # stopped by the parent: nothing more to say
    except BaseException as exc:
        send(("error", *_portable(exc)))
    finally:
        listener.cancel()
        with contextlib.suppress(Exception):
            await writer.drain()
            writer.close()
            await writer.wait_closed()


# ---------------------------------------------------------------------------- the parent


class _ParentPermits:
    """The `RequestGate` of the parent's own share: the run's gate, under the same rule as the
    workers' permits (the first request of the run goes out alone)."""

    def __init__(self, pool: _Workers) -> None:
        self._pool = pool

    async def acquire(self, tokens: int) -> None:
        await self._pool.granted(1, tokens)

    def penalize(self, seconds: float) -> None:
        self._pool.penalize(seconds)


class _Workers:
    """The parent's side: its own share, N - 1 processes, the gate's permits, and the results
    as they come."""

    def __init__(self, shares: list[_Share], gate: RateGate, regions: list[RegionProfile]) -> None:
        self._shares = shares
        self.gate = gate
        self._regions = {r.id: r for r in regions}
        self._procs: list[Any] = []
        self._writers: list[asyncio.StreamWriter] = []
        self._results: asyncio.Queue[JobResult | BaseException | int] = asyncio.Queue()
        # The first request goes out alone (a refused key stops the run after one request, as
        # with one process): the others wait for a first result.
        self._lead: int | None = None
        self._first_result = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        mine, *others = self._shares
        for k, share in enumerate(others, start=2):
            data = _pickled(share)
            here, there = socket.socketpair()
            proc = ctx.Process(
                target=_worker_main, args=(there,), name=f"localize-worker-{k}", daemon=True
            )
            # SIGINT and SIGTERM ignored while a worker starts (a few milliseconds: fork and
            # exec): the setting is inherited through exec, so start-up is covered too.
            with handling((signal.SIGINT, signal.SIGTERM), signal.SIG_IGN):
                proc.start()
            there.close()
            self._procs.append(proc)
            self._spawn(self._serve(k, here, data))
        # After the workers: they start (seconds) while this process runs its first jobs.
        self._spawn(self._run_here(mine))

    async def _run_here(self, share: _Share) -> None:
        """The parent's own share, run as a worker runs its own; its results join the others'."""
        try:
            async with contextlib.aclosing(_share_results(share, _ParentPermits(self))) as jobs:
                async for result in jobs:
                    self._first_result.set()
                    self._results.put_nowait(result)
        except Exception as exc:  # stops the run, as the same error in one process does
            self._results.put_nowait(exc)
            return
        self._results.put_nowait(share.index)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, k: int, sock: socket.socket, share: bytes) -> None:
        reader, writer = await asyncio.open_connection(sock=sock)
        self._writers.append(writer)
        writer.write(_frame(("share", share)))
        try:
            while (message := await _receive(reader, self._regions)) is not None:
                kind = message[0]
                if kind == "acquire":
                    self._spawn(self._permit(k, writer, message[1], message[2]))
                elif kind == "penalize":
                    self.penalize(message[1])
                elif kind == "result":
                    self._first_result.set()
                    self._results.put_nowait(message[1])
                elif kind == "done":
                    self._results.put_nowait(k)
                    return
                elif kind == "error":
                    self._results.put_nowait(_rebuilt(*message[1:]))
                    return
            self._results.put_nowait(await self._died(k))
        except Exception as exc:  # a message that does not unpickle: a broken worker
            self._results.put_nowait(
                LocalizeError(f"batch worker {k} sent what could not be read: {exc}")
            )

    async def _died(self, k: int) -> LocalizeError:
        proc = self._procs[k - 2]  # worker 1 is this process
        await asyncio.to_thread(proc.join, _STOP_WAIT_S)
        code = proc.exitcode
        how = f"exit code {code}"
        if code is not None and code < 0:
            with contextlib.suppress(ValueError):
                how = f"killed by {signal.Signals(-code).name}"
        return LocalizeError(
            f"batch worker {k} of {len(self._shares)} stopped unexpectedly ({how}); finished "
            "jobs are saved: run the same command to resume"
        )

    def penalize(self, seconds: float) -> None:
        """A 429 in any process: the gate pauses and slows, and every worker hears of it (one
        that asks no permits waits out the pause on its own)."""
        self.gate.penalize(seconds)
        for writer in self._writers:
            if not writer.is_closing():
                writer.write(_frame(("pause", seconds)))

    async def granted(self, k: int, tokens: int) -> None:
        """Wait for worker ``k``'s permit: after the run's first result (unless ``k`` sent the
        first request), then the gate's."""
        if self._lead is None:
            self._lead = k
        elif k != self._lead:
            await self._first_result.wait()
        await self.gate.acquire(tokens)

    async def _permit(self, k: int, writer: asyncio.StreamWriter, n: int, tokens: int) -> None:
        await self.granted(k, tokens)
        if not writer.is_closing():
            writer.write(_frame(("permit", n)))

    async def results(self) -> AsyncIterator[JobResult]:
        """Each job's result as it arrives; raises a worker's error, or its death."""
        running = len(self._shares)
        while running:
            item = await self._results.get()
            if isinstance(item, int):
                running -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield item

    async def stop(self) -> None:
        """Close every socket (a worker stops at once), wait for the processes, kill stragglers."""
        for w in self._writers:
            w.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for proc in self._procs:
            await asyncio.to_thread(proc.join, _STOP_WAIT_S)
            if proc.exitcode is None:
                proc.kill()
                await asyncio.to_thread(proc.join)


async def run_in_workers(
    plan: BatchPlan,
    done: frozenset[tuple[str, str]],
    client: LLMClient,
    *,
    workers: int,
    concurrency: int,
    gate: RateGate,
    cache: ResponseCache | None,
    audit: AuditLog | None,
) -> AsyncGenerator[JobResult, None]:
    """The jobs of ``plan`` not in ``done``, run in ``workers`` processes; results as they come.

    ``client`` is the parent's (connected to learn the model: each worker uses the same one,
    never discovering it again); ``concurrency`` jobs are in flight across all workers.
    """
    settings = replace(plan.settings, model=client.model)
    paced = gate.rpm is not None or gate.tpm is not None
    shares = _shares(
        replace(plan, settings=settings), done, workers, concurrency, cache, audit, paced
    )
    pool = _Workers(shares, gate, plan.regions)
    try:
        pool.start()
        async for result in pool.results():
            yield result
    finally:
        await pool.stop()
