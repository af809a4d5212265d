#!/usr/bin/env python
"""CPU time localize adds per section outside the HTTP call.

    python benchmarks/overhead.py [--rounds 25]

Two figures, both CPU time (``time.process_time``) per section, over 3 stories x 4 regions:

1. localize's own steps, each timed alone: render + fit (``prepare``), the client's token
   estimate for the rate gate, parsing the answer, and the grounding checks. Goal: < 5 ms.
2. A whole batch job end to end with the HTTP exchange answered in-process at once (an
   ``httpx2.MockTransport``): the steps above plus the openai SDK's request building and
   response parsing, the scheduler, the rate gate and the result line. The JSONL writes are
   not included (their fsync is I/O wait, not CPU).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path

import httpx2
import openai

from localize import LLMClient, Settings, check, prepare
from localize.answer import parse_section
from localize.batch import RateGate, load_inputs, plan_jobs, resolve_regions, run_jobs
from localize.budget import count_messages
from localize.section import LocalizedSection

ROOT = Path(__file__).resolve().parents[1]
STORIES = [ROOT / "examples" / "stories" / n for n in ("wire.txt", "brief.txt", "feature.txt")]
REGIONS = ["uk", "eu", "us", "au"]
MODEL = "gpt-4o-mini"
ANSWER = json.dumps(
    {
        "body": (
            "The United States has banned the export of advanced AI chips, the story says. For "
            "businesses here that buy or build on these chips, the ban is a reason to check supply "
            "chains, and regulators may advise organisations on the security side of any changes."
        )
    }
)


def steps(rounds: int) -> dict[str, list[float]]:
    settings = Settings.resolve({}, model=MODEL, base_url="http://127.0.0.1:1/v1")
    jobs = plan_jobs(load_inputs(STORIES), resolve_regions(REGIONS))
    times: dict[str, list[float]] = {
        "prepare (render + fit)": [],
        "token estimate": [],
        "parse answer": [],
        "checks": [],
    }
    for _ in range(rounds):
        for job in jobs:
            assert job.story.story is not None
            t0 = time.process_time()
            prep = prepare(job.story.story, job.region, settings=settings, model=MODEL)
            t1 = time.process_time()
            count_messages(prep.messages, MODEL)
            t2 = time.process_time()
            out = parse_section(ANSWER)
            t3 = time.process_time()
            check(
                LocalizedSection(heading=job.region.section_heading, body=out.body),
                prep.story,
                job.region,
                template=prep.template,
            )
            t4 = time.process_time()
            for name, value in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                times[name].append(value * 1000)
    return times


def end_to_end(rounds: int) -> float:
    body = {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": ANSWER},
            }
        ],
        "usage": {"prompt_tokens": 900, "completion_tokens": 60, "total_tokens": 960},
    }
    settings = Settings.resolve({}, model=MODEL, base_url="http://bench.invalid/v1")
    stories = load_inputs(STORIES)
    jobs = plan_jobs(stories, resolve_regions(REGIONS)) * 1

    async def go() -> float:
        client = LLMClient(
            model=MODEL,
            base_url="http://bench.invalid/v1",
            max_retries=0,
            structured="json_object",
            gate=RateGate(),
        )
        client._async = openai.AsyncOpenAI(
            api_key="x",
            base_url="http://bench.invalid/v1",
            max_retries=0,
            http_client=httpx2.AsyncClient(
                transport=httpx2.MockTransport(lambda _: httpx2.Response(200, json=body))
            ),
        )
        n = 0
        started = time.process_time()
        for _ in range(rounds):
            async for r in run_jobs(jobs, client, settings=settings, max_attempts=1):
                assert r.ok, r.error
                n += 1
        elapsed = time.process_time() - started
        await client.aclose()
        return elapsed / n * 1000

    return asyncio.run(go())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=25, help="passes over the 12 sections")
    args = p.parse_args()
    steps(1)  # warm up: template compilation, tiktoken, regex caches
    times = steps(args.rounds)
    total = [sum(parts) for parts in zip(*times.values(), strict=True)]
    n = len(total)
    print(
        f"localize's own steps, CPU ms per section ({n} sections: 3 stories x 4 regions x "
        f"{args.rounds}):"
    )
    for name, values in times.items():
        print(
            f"  {name:24} mean {statistics.mean(values):6.2f}  "
            f"p95 {sorted(values)[int(n * 0.95)]:6.2f}"
        )
    print(
        f"  {'total':24} mean {statistics.mean(total):6.2f}  "
        f"p95 {sorted(total)[int(n * 0.95)]:6.2f}   (goal < 5 ms)"
    )
    end_to_end(1)
    print(
        f"whole batch job with an instant in-process HTTP answer, CPU ms per job: "
        f"{end_to_end(args.rounds):.2f} (includes the openai SDK's own work)"
    )


if __name__ == "__main__":
    main()
