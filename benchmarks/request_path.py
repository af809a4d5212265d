#!/usr/bin/env python
"""CPU per job outside the checks: the prompt, the entry selection and the HTTP exchange.

    python benchmarks/request_path.py [--old /tmp/old-localize] [--stories 250] [--requests 1000]
        [--rounds 3]

Each variant (``old``: the checkout at ``--old``; ``new``: this one) runs in its own process, the
variants interleaved ``--rounds`` times, and reports the least CPU time (`time.process_time`) of
three passes over:

- ``prepare``: `localize.prepare` for ``--stories`` distinct stories (examples/stories/brief.txt
  plus one numbered line each, about 5 KB) x uk, eu, us, au: prompt rendering, entry selection
  and fitting the window (warm: the profiles' indexes are built before timing);
- ``select``: `select_entries` alone for the same jobs, its per-(story, profile) cache bypassed;
- ``request``: ``--requests`` chat requests through `LLMClient.acomplete` (32 at once) to
  benchmarks/loadtest_server.py at 0.01 s with realistic answers: localize's and the openai SDK's
  CPU per request in this process (the server's is not counted).

The checks are measured by checks_distinct.py; a whole batch by batch_scale.py. Results change
nothing: findings_fingerprint.py guards that.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REGIONS, ROOT, load_server

BRIEF = ROOT / "examples" / "stories" / "brief.txt"


def _least(passes: int, run: object) -> float:
    best = float("inf")
    for _ in range(passes):
        started = time.process_time()
        run()  # type: ignore[operator]
        best = min(best, time.process_time() - started)
    return best


def measure(stories: int, requests: int, url: str) -> dict[str, float]:
    """Run in the variant's own process: ms per job for each stage."""
    from localize import Settings, prepare
    from localize.backends import LLMClient
    from localize.regions import get_region
    from localize.regions._select import select_entries
    from localize.story import parse_story

    base = BRIEF.read_text(encoding="utf-8")
    texts = [
        f"{base}\n\nUpdate {i}: officials said the review would take {i + 2} weeks."
        for i in range(stories)
    ]
    parsed = [parse_story(t) for t in texts]
    profiles = [get_region(r) for r in REGIONS]
    settings = Settings.resolve({}, model="gpt-4o-mini", base_url="http://127.0.0.1:1/v1")
    for p in profiles:  # warm: indexes, tokenizer, template
        prepare(parse_story(base), p, settings=settings, model="gpt-4o-mini")
    jobs = stories * len(profiles)

    def prepare_all() -> None:
        for s in parsed:
            for p in profiles:
                prepare(s, p, settings=settings, model="gpt-4o-mini")

    def select_all() -> None:
        for s in parsed:
            for p in profiles:
                select_entries.__wrapped__(s.text, p)

    out = {
        "prepare": 1000 * _least(3, prepare_all) / jobs,
        "select": 1000 * _least(3, select_all) / jobs,
    }
    messages = [
        {"role": "system", "content": "You write a regional section. " * 40},
        {"role": "user", "content": texts[0]},
    ]

    async def send_all(client: LLMClient, n: int) -> None:
        gate = asyncio.Semaphore(32)

        async def one() -> None:
            async with gate:
                await client.acomplete(
                    messages,
                    params={"temperature": 0, "max_tokens": 450},
                    schema={"type": "object"},
                )

        await asyncio.gather(*(one() for _ in range(n)))

    async def requests_cpu() -> float:
        async with LLMClient(
            model="gpt-4o-mini", base_url=url, api_key="load-test", structured="json_object"
        ) as client:
            await send_all(client, 50)  # connections open, SDK warm
            best = float("inf")
            for _ in range(3):
                started = time.process_time()
                await send_all(client, requests)
                best = min(best, time.process_time() - started)
            return best

    out["request"] = 1000 * asyncio.run(requests_cpu()) / requests
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--old", type=Path, help="root of a checkout of the old code (git worktree)")
    p.add_argument("--stories", type=int, default=250)
    p.add_argument("--requests", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--measure", help=argparse.SUPPRESS)  # internal: the variant's process
    args = p.parse_args()
    if args.measure:
        print(json.dumps(measure(args.stories, args.requests, args.measure)))
        return
    variants = {"new": ROOT / "src"}
    if args.old is not None:
        variants = {"old": args.old / "src", **variants}
    results: dict[str, list[dict[str, float]]] = {v: [] for v in variants}
    load = os.getloadavg()[0]
    with load_server("--latency", "0.01", "--answer", "realistic", max_seconds=1800) as url:
        for _ in range(args.rounds):
            for name, src in variants.items():
                env = {**os.environ, "PYTHONPATH": str(src)}
                cmd = [sys.executable, __file__, "--measure", url, "--stories", str(args.stories)]
                cmd += ["--requests", str(args.requests)]
                done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
                results[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
                print(f"  {name}: {results[name][-1]}", file=sys.stderr, flush=True)
    print(
        f"\n{args.stories} stories x {len(REGIONS)} regions, {args.requests} requests; "
        f"{os.cpu_count()} CPUs; load average {load:.2f} before, {os.getloadavg()[0]:.2f} after"
    )
    print("| variant | prepare ms/job | select ms/job | request ms/job | rounds |")
    print("|---|---|---|---|---|")
    for name, rs in results.items():
        cells = " | ".join(f"{min(r[k] for r in rs):.3f}" for k in ("prepare", "select", "request"))
        print(f"| {name} | {cells} | {len(rs)} (least) |")


if __name__ == "__main__":
    main()
