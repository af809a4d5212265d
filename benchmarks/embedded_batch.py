#!/usr/bin/env python
"""The 16-job batch on the embedded model: settings before issue 11 against today's defaults.

    python benchmarks/embedded_batch.py [--rounds 1] [--variants before,default]

Runs what ``localize batch examples/stories -r uk,eu,us,au --no-cache --max-attempts 1`` runs
(4 stories x 4 regions, one attempt each) once per variant and round, each on a fresh embedded
llama.cpp server (its start is not timed, as in ``localize batch``), variants alternating in
order from round to round so machine load falls on both:

- before: llama-cpp-python's server defaults (``ServerTuning.llama_cpp_defaults()``), the
  ``json_object`` grammar, 2 jobs in flight: the embedded defaults before issue 11;
- default: what ``localize batch`` uses now (`ServerTuning()`, `structured_mode` and
  `choose_concurrency` for the embedded model);
- default-json: today's defaults but the ``json_object`` grammar with the template's own
  ``max_tokens`` and no stop sequence (the decoding-mode comparison);
- default-c2: today's defaults but 2 jobs in flight (the concurrency comparison).

Prints, per variant: wall time, sections accepted (a section was written), time per accepted
section, sections passing the checks (pass rate over the 16 jobs), prompt tokens llama.cpp
evaluated (from its log: tokens served from its KV cache are not evaluated), completion tokens,
and the shares of wall time llama.cpp spent evaluating prompts and generating answers (its total
time per completion less its prompt evaluation); the rest is HTTP, the server's own Python,
checks, and waiting for the CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import dataclass

from _common import ROOT, LlamaTimings, log_since

from localize import LLMClient, Settings
from localize._types import StructuredMode
from localize.backends._local import LOCAL_MODEL, LocalServer, ServerTuning
from localize.batch import choose_concurrency, load_inputs, plan_jobs, resolve_regions, run_jobs
from localize.pipeline import structured_mode

REGIONS = ["uk", "eu", "us", "au"]


@dataclass(frozen=True)
class Variant:
    name: str
    tuning: ServerTuning
    mode: StructuredMode
    concurrency: int


def variants() -> dict[str, Variant]:
    shipped = Settings()  # no key, no endpoint: the embedded model's defaults
    width, _why = choose_concurrency(None, shipped)
    mode = structured_mode(shipped)
    return {
        "before": Variant("before", ServerTuning.llama_cpp_defaults(), "json_object", 2),
        "default": Variant("default", ServerTuning(), mode, width),
        "default-json": Variant("default-json", ServerTuning(), "json_object", width),
        "default-c2": Variant("default-c2", ServerTuning(), mode, 2),
    }


@dataclass
class Run:
    wall_s: float
    accepted: int
    passed: int
    jobs: int
    completion_tokens: int
    timings: LlamaTimings


def run_variant(v: Variant) -> Run:
    stories = load_inputs([ROOT / "examples" / "stories"])
    jobs = plan_jobs(stories, resolve_regions(REGIONS))
    with LocalServer(tuning=v.tuning) as server:
        # Settings as the embedded run resolves them, with the variant's mode made explicit
        # (a base URL is set, so "auto" would negotiate instead).
        settings = Settings.resolve(
            {}, base_url=server.base_url, model=LOCAL_MODEL, structured=v.mode, max_attempts=1
        )
        client = LLMClient(
            model=LOCAL_MODEL,
            base_url=server.base_url,
            structured=v.mode,
            max_retries=settings.max_retries,
            timeout=settings.timeout,
        )
        _, offset = log_since(server.log_path, 0)
        results = []

        async def drive() -> None:
            async for r in run_jobs(
                jobs, client, settings=settings, concurrency=v.concurrency, max_attempts=1
            ):
                results.append(r)
            await client.aclose()

        started = time.perf_counter()
        asyncio.run(drive())
        wall = time.perf_counter() - started
        log, _ = log_since(server.log_path, offset)
    done = [r.result for r in results if r.result is not None]
    return Run(
        wall_s=wall,
        accepted=len(done),
        passed=sum(1 for d in done if d.checks.ok),
        jobs=len(results),
        # Every job's, failed ones included (an answer cut off at max_tokens is paid for too).
        completion_tokens=sum(r.spend.usage.completion_tokens for r in results),
        timings=LlamaTimings.parse(log),
    )


def describe(v: Variant) -> str:
    t = v.tuning
    return (
        f"{v.mode}, {v.concurrency} in flight, n_batch {t.n_batch}/{t.n_ubatch}, flash_attn "
        f"{t.flash_attn}, logits_all {t.logits_all}"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=1, help="runs of each variant")
    p.add_argument(
        "--variants",
        default="before,default",
        help="comma-separated, from: before, default, default-json, default-c2",
    )
    args = p.parse_args()
    known = variants()
    chosen = [known[name] for name in args.variants.split(",")]
    runs: dict[str, list[Run]] = {v.name: [] for v in chosen}
    for v in chosen:
        print(f"{v.name:13} {describe(v)}")
    for rnd in range(args.rounds):
        order = chosen if rnd % 2 == 0 else list(reversed(chosen))
        for v in order:
            r = run_variant(v)
            runs[v.name].append(r)
            print(
                f"  round {rnd + 1} {v.name:13} {r.wall_s:6.1f} s, {r.accepted}/{r.jobs} "
                f"accepted, {r.passed} pass the checks, {r.timings.evaluated} prompt tokens "
                f"evaluated",
                flush=True,
            )
    print(
        f"\n{len(REGIONS) * 4} jobs (examples/stories x {','.join(REGIONS)}, --max-attempts 1, "
        f"no cache), mean of {args.rounds} round(s):"
    )
    header = (
        f"{'variant':13} {'wall s':>7} {'s/accepted':>10} {'accepted':>8} {'pass rate':>9} "
        f"{'prompt tok eval':>15} {'compl tok':>9} {'prompt eval':>11} {'generating':>10}"
    )
    print(header)
    base = statistics.mean(r.wall_s for r in runs[chosen[0].name])
    for v in chosen:
        rs = runs[v.name]
        wall = statistics.mean(r.wall_s for r in rs)
        accepted = statistics.mean(r.accepted for r in rs)
        passed = statistics.mean(r.passed for r in rs)
        jobs = rs[0].jobs
        generating = statistics.mean(r.timings.generating_s / r.wall_s for r in rs)
        prompt = statistics.mean(r.timings.prompt_s / r.wall_s for r in rs)
        per = f"{wall / accepted:10.2f}" if accepted else f"{'-':>10}"
        print(
            f"{v.name:13} {wall:7.1f} {per} {accepted:8.1f} "
            f"{f'{passed / jobs:.0%}':>9} {statistics.mean(r.timings.evaluated for r in rs):15.0f} "
            f"{statistics.mean(r.completion_tokens for r in rs):9.0f} {prompt:11.0%} "
            f"{generating:10.0%}"
        )
    for v in chosen[1:]:
        wall = statistics.mean(r.wall_s for r in runs[v.name])
        print(f"  {v.name} / {chosen[0].name} wall time: {wall / base:.2f}x")


if __name__ == "__main__":
    main()
