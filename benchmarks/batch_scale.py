#!/usr/bin/env python
"""`localize batch` at scale: CPU per job, wall, jobs/s and peak RSS, old code path beside new.

    python benchmarks/batch_scale.py --old /tmp/old-localize [--jobs 1000,2000]
        [--variants old,new,workers2,shards2] [--latency 0.05] [--concurrency 32] [--rounds 1]
        [--profile] [--stories brief|real] [--estimate-usage]

Writes JSONL inputs of distinct stories (examples/stories/brief.txt plus one numbered line each,
about 5 KB a story; with ``--stories real``, the wholly distinct documents of tests/data/factual,
about 1.9 KB at the median; four jobs a story: uk, eu, us, au), starts
benchmarks/loadtest_server.py with no limits, ``--latency`` seconds per answer and ``--answer
realistic`` (about 100 words naming the region's bodies, as a model answers), and runs
``localize batch STORIES -r uk,eu,us,au -c 32 --no-cache --no-log`` as a subprocess for each
variant, one after the other:

- ``old``: the code at ``--old`` (a ``git worktree`` of the commit before this work), as it is;
  ``old-workersN`` and ``old-shardsN`` run that code as ``workersN`` and ``shardsN`` do (before
  and after a change to them, interleaved under the same load);
- ``new``: this checkout, one process;
- ``nochecks``: this checkout, one process, every registered check turned off (``--check
  NAME=off`` each): what a job costs besides the checks (prompt, request, parsing, results);
- ``workersN``: this checkout with ``--workers N`` (N processes under one command, the parent
  one of them);
- ``shardsN``: N commands with ``--shard i/N`` side by side, each into its own file, then
  ``localize batch merge`` into one (its time is included).

CPU is user + system time of the localize process(es) and their children (from ``wait4``), not
the load-test server's; the table also gives the parent's own CPU (for ``workersN``, the workers'
is the rest) and the server's CPU per request (its ``/stats``), which runs on the same cores.
Peak RSS is the largest process's own peak (``VmHWM``, sampled every 0.1 s; not ``wait4``'s
``ru_maxrss``, which on Linux carries over the benchmark's own peak: see `_Sampler`) for one
command (for ``workersN``, the largest of the parent and its workers); for shards, the sum of
each command's peak (an upper bound on what they held at once). ``--profile`` runs the new path
once more under cProfile (one process) and prints its top costs. Timings depend on the machine's
load: the table says what the load average was.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    REGIONS,
    ROOT,
    count_results,
    load_server,
    server_call,
    write_real_stories,
    write_stories,
)

BRIEF = ROOT / "examples" / "stories" / "brief.txt"
MODEL = "gpt-4o-mini"  # a name only: the load-test server answers for any model


@dataclass
class Run:
    variant: str
    jobs: int
    ok: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    processes: int
    load: float = 0.0  # the 1-minute load average as the run ended
    parent_cpu_s: float = 0.0  # the (first) localize process's own CPU, its children's apart
    server_cpu_s: float = 0.0  # the load-test server's CPU for this run (not the product's)
    requests: int = 0  # the requests the server answered

    @property
    def parent_ms_per_job(self) -> float:
        return 1000 * self.parent_cpu_s / self.jobs if self.jobs else 0.0

    @property
    def children_ms_per_job(self) -> float:
        """CPU of the worker processes (``--workers``) or of the other shards, per job."""
        return 1000 * (self.cpu_s - self.parent_cpu_s) / self.jobs if self.jobs else 0.0

    @property
    def server_ms_per_request(self) -> float:
        return 1000 * self.server_cpu_s / self.requests if self.requests else 0.0

    @property
    def jobs_per_s(self) -> float:
        return self.ok / self.wall_s if self.wall_s else 0.0

    @property
    def cpu_ms_per_job(self) -> float:
        return 1000 * self.cpu_s / self.jobs if self.jobs else 0.0


def _env(src: Path, url: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCALIZE_", "OPENAI_"))}
    env.update(
        PYTHONPATH=str(src),
        OPENAI_API_KEY="load-test",
        LOCALIZE_BASE_URL=url,
        OPENAI_BASE_URL=url,
        LOCALIZE_MODEL=MODEL,
        HOME=str(home),  # no user config, no audit log, no cache of the machine's user
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
    )
    return env


def _start(src: Path, args: list[str], url: str, home: Path) -> subprocess.Popen[bytes]:
    # stderr (a line per job) goes to a file: a pipe nobody reads would fill and stall the run.
    log = (home / f"stderr-{time.monotonic_ns()}.txt").open("w+b")
    proc = subprocess.Popen(
        [sys.executable, "-m", "localize", "batch", *args],
        env=_env(src, url, home),
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    proc.stderr = log
    return proc


class _Sampler:
    """Samples a command's processes until the first exits: its own CPU (utime + stime of
    /proc/PID/stat, children not counted) and each process's own peak RSS (``VmHWM`` of
    /proc/PID/status, for PID and every descendant, such as ``--workers``' processes).

    ``wait4``'s ``ru_maxrss`` cannot give the peak: on Linux a child's figure includes the
    high-water mark of the process that started it (kept across ``exec``), so a benchmark that
    has read a large results file reports that as the next run's peak (a 20,000-job run read
    as 391 MB that never held more than 230). ``wait4`` sums a process with its reaped
    children, so a ``--workers`` run's parent and workers are told apart only this way. Misses
    at most the last 0.1 s.
    """

    def __init__(self, pid: int) -> None:
        self.seconds = 0.0
        self._pid = pid
        self._peaks: dict[int, float] = {}  # pid -> its VmHWM in MB, as last read
        self._tick = os.sysconf("SC_CLK_TCK")
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        pids, i = [self._pid], 0
        while i < len(pids):
            try:
                kids = Path(f"/proc/{pids[i]}/task/{pids[i]}/children").read_text().split()
            except OSError:
                kids = []
            pids.extend(int(k) for k in kids)
            i += 1
        return pids

    def _poll(self) -> None:
        stat = Path(f"/proc/{self._pid}/stat")
        while True:
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                return
            if fields[0] == "Z":  # exited, not yet reaped
                return
            self.seconds = (int(fields[11]) + int(fields[12])) / self._tick
            for pid in self._tree():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        self._peaks[pid] = int(line.split()[1]) / 1024
            time.sleep(0.1)

    def join(self) -> tuple[float, float]:
        """(the process's own CPU seconds, the largest peak RSS in MB of it and its children)."""
        self._thread.join()
        return self.seconds, max(self._peaks.values(), default=0.0)


def _wait(procs: list[subprocess.Popen[bytes]]) -> tuple[float, float, float]:
    """Wait for every process: CPU seconds (children included), the first one's own CPU
    seconds, and the summed peak RSS in MB (each command's largest process)."""
    samplers = [_Sampler(p.pid) for p in procs]
    cpu = rss = 0.0
    for p, sampler in zip(procs, samplers, strict=True):
        _pid, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        err = ""
        if p.stderr is not None:
            p.stderr.seek(0)
            err = p.stderr.read().decode("utf-8", "replace")
            p.stderr.close()
        if p.returncode not in (0, 1, 4):  # 4: sections written, some flagged by the checks
            raise SystemExit(f"localize batch exited {p.returncode}:\n{err[-3000:]}")
        cpu += usage.ru_utime + usage.ru_stime
        rss += sampler.join()[1]
    return cpu, samplers[0].join()[0], rss


def _batch_args(stories: Path, args: argparse.Namespace) -> list[str]:
    """The `localize batch` arguments every measured run shares."""
    return [
        str(stories),
        "-r",
        ",".join(REGIONS),
        "-c",
        str(args.concurrency),
        "--no-cache",
        "--no-log",
    ]


def run_variant(
    variant: str,
    src: Path,
    stories: Path,
    url: str,
    work: Path,
    args: argparse.Namespace,
    round_: int = 1,
) -> Run:
    common = _batch_args(stories, args)
    home = work / "home"
    home.mkdir(exist_ok=True)
    jobs = 4 * sum(1 for _ in stories.open("rb"))
    out = work / f"{variant}-{jobs}-r{round_}.jsonl"  # a new file each round: none resumes
    server_call(url, "/reset", "POST")
    started = time.perf_counter()
    how = variant.removeprefix("old-")
    if how.startswith("shards"):
        n = int(how.removeprefix("shards"))
        parts = [work / f"{variant}-{jobs}-r{round_}.{i}.jsonl" for i in range(1, n + 1)]
        procs = [
            _start(src, [*common, "--shard", f"{i}/{n}", "-o", str(part)], url, home)
            for i, part in enumerate(parts, start=1)
        ]
        cpu, _, rss = _wait(procs)
        merge = _start(src, ["merge", *map(str, parts), "-o", str(out)], url, home)
        mcpu, _, _ = _wait([merge])
        cpu += mcpu
        parent_cpu = cpu
        processes = n
    else:
        extra = []
        processes = 1
        if how.startswith("workers"):
            processes = int(how.removeprefix("workers"))
            extra = ["--workers", str(processes)]
        elif how == "nochecks":
            from localize.grounding._registry import registered_checks

            extra = [arg for c in registered_checks() for arg in ("--check", f"{c.name}=off")]
        proc = _start(src, [*common, *extra, "-o", str(out)], url, home)
        cpu, parent_cpu, rss = _wait([proc])
    wall = time.perf_counter() - started
    server = server_call(url, "/stats")
    return Run(
        variant,
        jobs,
        count_results(out)[0],
        wall,
        cpu,
        rss,
        processes,
        os.getloadavg()[0],
        parent_cpu_s=parent_cpu,
        server_cpu_s=float(server.get("cpu_s", 0.0)),
        requests=int(server.get("accepted", 0)),
    )


def profile(src: Path, stories: Path, url: str, work: Path, args: argparse.Namespace) -> None:
    """The new path once more under cProfile, one process: its top costs."""
    import pstats

    prof = args.profile_out or work / "batch.prof"
    out = work / "profiled.jsonl"
    server_call(url, "/reset", "POST")
    home = work / "home"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cProfile",
            "-o",
            str(prof),
            "-m",
            "localize",
            "batch",
            *_batch_args(stories, args),
            "-o",
            str(out),
        ],
        env=_env(src, url, home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,  # run() reads it as it comes
        check=False,
    )
    if proc.returncode not in (0, 1, 4):
        raise SystemExit(proc.stderr.decode()[-3000:])
    stats = pstats.Stats(str(prof))
    print(f"\nprofile of the new path ({count_results(out)[0]} jobs), top by cumulative time:")
    stats.sort_stats("cumulative").print_stats(40)
    print("top by own time:")
    stats.sort_stats("tottime").print_stats(15)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--old", type=Path, help="root of a checkout of the old code (git worktree)")
    p.add_argument("--jobs", default="1000,2000", help="comma-separated job counts (x4 regions)")
    p.add_argument("--variants", default="old,new,workers2,shards2")
    p.add_argument("--latency", type=float, default=0.05)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--profile", action="store_true", help="profile the new path (smallest size)")
    p.add_argument("--profile-out", type=Path, help="keep the profile (pstats file) here")
    p.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run the variants this many times, interleaved (new, workers2, ..., new, ...): on a "
        "shared machine each round's ratios compare runs made under about the same load",
    )
    p.add_argument(
        "--stories",
        choices=("brief", "real"),
        default="brief",
        help="brief: the brief story plus one numbered line each (the issue's inputs; every "
        "other sentence repeats, which flatters caches keyed by a sentence's text); real: the "
        "662 distinct documents of tests/data/factual (at most 2,648 jobs)",
    )
    p.add_argument(
        "--estimate-usage",
        action="store_true",
        help="the load-test server estimates tokens (4 characters each) instead of counting "
        "them with tiktoken: about a third less of its CPU per request, on the same cores",
    )
    args = p.parse_args()
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    if any(v.startswith("old") for v in variants) and args.old is None:
        p.error("--old: give the old checkout (e.g. git worktree add /tmp/old-localize main)")
    sizes = [int(j) for j in args.jobs.split(",")]
    sources = {v: (args.old / "src" if v.startswith("old") else ROOT / "src") for v in variants}
    runs: list[Run] = []
    load_before = os.getloadavg()
    with (
        tempfile.TemporaryDirectory() as tmp,
        load_server(
            "--latency",
            str(args.latency),
            "--answer",
            "realistic",
            *(["--estimate-usage"] if args.estimate_usage else []),
            max_seconds=3600,
        ) as url,
    ):
        work = Path(tmp)
        for size in sizes:
            path = work / f"stories-{size}.jsonl"
            stories = (
                write_real_stories(path, size // len(REGIONS), digits=6)
                if args.stories == "real"
                else write_stories(path, size // len(REGIONS), BRIEF, digits=6)
            )
            for round_, v in ((r, v) for r in range(1, args.rounds + 1) for v in variants):
                run = run_variant(v, sources[v], stories, url, work, args, round_)
                runs.append(run)
                print(
                    f"  {v} {run.jobs} jobs: {run.wall_s:.1f} s, {run.cpu_ms_per_job:.2f} ms "
                    f"CPU/job, {run.peak_rss_mb:.0f} MB (load {os.getloadavg()[0]:.2f})",
                    file=sys.stderr,
                    flush=True,
                )
        if args.profile:
            stories = work / f"stories-{sizes[0]}.jsonl"
            profile(ROOT / "src", stories, url, work, args)
    print(
        f"\n{len(REGIONS)} regions, -c {args.concurrency}, latency {args.latency} s, realistic "
        f"answers; server usage {'estimated' if args.estimate_usage else 'counted'}; "
        f"{os.cpu_count()} CPUs; load average before {load_before[0]:.2f}, after "
        f"{os.getloadavg()[0]:.2f}"
    )
    print(
        "| variant | jobs | written | wall s | jobs/s | CPU s | CPU ms/job | parent ms/job | "
        "workers ms/job | server ms/request | peak RSS MB | load |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        # shards: "parent" is every shard command (no one parent), the merge included.
        children = "-" if "workers" not in r.variant else f"{r.children_ms_per_job:.2f}"
        print(
            f"| {r.variant} | {r.jobs:,} | {r.ok:,} | {r.wall_s:.1f} | {r.jobs_per_s:.1f} | "
            f"{r.cpu_s:.1f} | {r.cpu_ms_per_job:.2f} | {r.parent_ms_per_job:.2f} | {children} | "
            f"{r.server_ms_per_request:.2f} | {r.peak_rss_mb:.0f} | {r.load:.1f} |"
        )
    by_variant: dict[str, list[Run]] = {}
    for r in runs:
        by_variant.setdefault(r.variant, []).append(r)
    if len(sizes) > 1:
        for v, rs in by_variant.items():
            print(
                f"{v}: peak RSS {rs[-1].peak_rss_mb - rs[0].peak_rss_mb:+.0f} MB from "
                f"{rs[0].jobs:,} to {rs[-1].jobs:,} jobs"
            )
    one = by_variant.get("new")
    if one:
        for v, rs in by_variant.items():
            if v.removeprefix("old-").startswith(("workers", "shards")):
                ratio = [r.jobs_per_s / o.jobs_per_s for r, o in zip(rs, one, strict=True)]
                print(
                    f"{v}: {', '.join(f'{x:.2f}x' for x in ratio)} the jobs/s of one process "
                    f"(median {statistics.median(ratio):.2f}x)"
                )


if __name__ == "__main__":
    main()
