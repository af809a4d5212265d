#!/usr/bin/env python
"""Throughput against a rate-limited endpoint: localize batch vs a sequential loop vs gather.

    python benchmarks/throughput.py [--jobs 300] [--rpm 600] [--tpm 400000] [--latency 0.5]

Starts benchmarks/loadtest_server.py (fixed latency, RPM/TPM token buckets, 429 + Retry-After)
and sends the same requests three ways, one after the other, resetting the server in between:

- ``localize batch`` (in-process CLI; --rpm/--tpm given, default concurrency, one attempt per
  job, no cache);
- a plain sequential loop with the openai SDK (its default retries), on the first
  ``--sequential-jobs`` jobs, since it is latency-bound;
- a naive ``asyncio.gather`` over every job with the async SDK (its default retries).

Prints jobs per second as a fraction of the limit (the tighter of RPM and TPM for these
requests) and the 429s the server sent. Goal for localize: >= 0.9 with no failed job.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import openai

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REGIONS, count_results, load_server, run_cli, server_call, write_stories

from localize import Settings, prepare
from localize.batch import load_inputs, plan_jobs, resolve_regions
from localize.budget import count_messages

MODEL = "gpt-4o-mini"  # a name only: the load-test server answers for any model


def requests_for(stories: Path) -> list[dict[str, Any]]:
    settings = Settings.resolve({}, model=MODEL, base_url="http://127.0.0.1:1/v1")
    jobs = plan_jobs(load_inputs([stories]), resolve_regions(REGIONS))
    out = []
    for job in jobs:
        assert job.story.story is not None
        prep = prepare(job.story.story, job.region, settings=settings, model=MODEL)
        out.append(
            {
                "model": MODEL,
                "messages": prep.messages,
                "temperature": 0,
                "seed": 42,
                "max_tokens": prep.params["max_tokens"],
                "response_format": {"type": "json_object"},
            }
        )
    return out


def sequential(url: str, requests: list[dict[str, Any]]) -> tuple[int, int, float]:
    client = openai.OpenAI(api_key="x", base_url=url)
    ok = failed = 0
    started = time.perf_counter()
    for kwargs in requests:
        try:
            client.chat.completions.create(**kwargs)
            ok += 1
        except openai.OpenAIError:
            failed += 1
    return ok, failed, time.perf_counter() - started


async def gathered(url: str, requests: list[dict[str, Any]]) -> tuple[int, int, float]:
    client = openai.AsyncOpenAI(api_key="x", base_url=url)
    started = time.perf_counter()
    outcomes = await asyncio.gather(
        *(client.chat.completions.create(**kw) for kw in requests), return_exceptions=True
    )
    elapsed = time.perf_counter() - started
    await client.close()
    failed = sum(isinstance(o, BaseException) for o in outcomes)
    return len(outcomes) - failed, failed, elapsed


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--jobs", type=int, default=300, help="jobs (a multiple of 4 regions)")
    p.add_argument("--sequential-jobs", type=int, default=40)
    p.add_argument("--rpm", type=int, default=600)
    p.add_argument("--tpm", type=int, default=400_000)
    p.add_argument("--latency", type=float, default=0.5)
    args = p.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="localize-throughput-"))
    stories = write_stories(tmp / "stories.jsonl", args.jobs // len(REGIONS))
    requests = requests_for(stories)
    tokens = [count_messages(r["messages"], MODEL).tokens + r["max_tokens"] for r in requests]
    per_job = sum(tokens) / len(tokens)
    limit = min(args.rpm / 60, args.tpm / 60 / per_job)
    binds = "TPM" if args.tpm / 60 / per_job < args.rpm / 60 else "RPM"
    print(
        f"server: RPM {args.rpm}, TPM {args.tpm}, latency {args.latency} s, bucket 1 s; "
        f"{per_job:.0f} tokens/job counted toward TPM -> limit {limit:.2f} jobs/s "
        f"({binds} binds)"
    )
    rows = []
    with load_server(
        "--rpm", str(args.rpm), "--tpm", str(args.tpm), "--latency", str(args.latency)
    ) as url:
        server_call(url, "/reset", "POST")
        out = tmp / "results.jsonl"
        code, wall, err = run_cli(
            [
                str(stories),
                "--regions",
                ",".join(REGIONS),
                "--output",
                str(out),
                "--base-url",
                url,
                "--model",
                MODEL,
                "--rpm",
                str(args.rpm),
                "--tpm",
                str(args.tpm),
                "--max-attempts",
                "1",
                "--no-cache",
            ],
            env={"OPENAI_API_KEY": "x"},
        )
        ok, failed = count_results(out)
        stats = server_call(url, "/stats")
        rows.append(("localize batch", len(requests), ok, failed, wall, stats["rejected_429"]))
        summary = [line for line in err.splitlines() if line.startswith("localize: done")]
        print(f"  localize batch exit {code}: {summary[-1] if summary else err[-300:]}")

        server_call(url, "/reset", "POST")
        ok, failed, wall = sequential(url, requests[: args.sequential_jobs])
        stats = server_call(url, "/stats")
        rows.append(
            ("sequential openai SDK", args.sequential_jobs, ok, failed, wall, stats["rejected_429"])
        )

        server_call(url, "/reset", "POST")
        ok, failed, wall = asyncio.run(gathered(url, requests))
        stats = server_call(url, "/stats")
        rows.append(
            ("naive asyncio.gather", len(requests), ok, failed, wall, stats["rejected_429"])
        )

    print(
        f"\n{'variant':24} {'jobs':>5} {'ok':>5} {'failed':>6} {'wall s':>7} "
        f"{'ok jobs/s':>9} {'of limit':>8} {'429s':>6}"
    )
    for name, n, ok, failed, wall, r429 in rows:
        rate = ok / wall
        print(
            f"{name:24} {n:5d} {ok:5d} {failed:6d} {wall:7.1f} {rate:9.2f} "
            f"{rate / limit:8.2f} {r429:6d}"
        )


if __name__ == "__main__":
    main()
