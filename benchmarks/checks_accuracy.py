"""How well do the grounding checks do on the labelled corpus in tests/data/checks, and how fast?

Prints what `localize eval` prints for the folder (per check: planted faults caught, clean
sections wrongly flagged, findings on fault sections other than the planted ones), then the time
one `check` call takes, mean and p95 over many repetitions (time.perf_counter): warm (story
data cached, the steady state in a run over many regions; the section is new to every call's
sentence-level work) and cold (a story seen for the first time), and the warm time split by
part: the token checks, the sentence links and support check, and the attribution and claim
checks. Exits 1 when a planted fault is missed or a clean section is flagged.

    .venv/bin/python benchmarks/checks_accuracy.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from localize.evaluation._evaluation import Case, evaluate_checks, load_cases, run_case
from localize.grounding._support import link_sentences
from localize.grounding.attribution._checks import check_actions
from localize.story import Story

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "checks"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def timed(cases: list[Case], repeat: int, call: Callable[[Case], object]) -> list[float]:
    times: list[float] = []
    for _ in range(repeat):
        for case in cases:
            t0 = time.perf_counter()
            call(case)
            times.append(time.perf_counter() - t0)
    return times


def line(label: str, times: list[float]) -> str:
    return (
        f"  {label:<34} mean {statistics.fmean(times) * 1e3:6.3f} ms, "
        f"p95 {percentile(times, 95) * 1e3:6.3f} ms  ({len(times)} calls)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat", type=int, default=50, help="timing repetitions over the corpus (default 50)"
    )
    args = parser.parse_args()

    cases = load_cases(CORPUS)
    ev = evaluate_checks(cases, repeat=0)
    print(f"Planted faults ({ev.fault_sections} fault sections)")
    for check_id, score in ev.per_check.items():
        print(f"  {check_id:<12} {score.caught:>3} / {score.planted:<3} caught")
    for text in ev.missed:
        print(f"  MISSED {text}")
    for text in ev.extra:
        print(f"  extra finding on {text}")
    print("Clean sections")
    print(f"  wrongly flagged: {ev.clean_flagged} / {ev.clean}")
    for text in ev.flagged:
        print(f"  FLAGGED {text}")

    print(f"Time per section ({len(cases)} sections)")
    print(line("warm, all checks", timed(cases, args.repeat, run_case)))
    print(
        line(
            "warm, sentence links + support",
            timed(cases, args.repeat, lambda c: link_sentences(c.section, (), c.story, c.region)),
        )
    )
    print(
        line(
            "warm, attribution + claim",
            timed(cases, args.repeat, lambda c: list(check_actions(c.section, c.story, c.region))),
        )
    )
    counter = iter(range(10**9))

    def cold(case: Case) -> object:
        # An equal-but-new story misses every per-story cache: the first check of a story.
        s = case.story
        fresh = Story(s.paragraphs, s.headline, f"cold-{next(counter)}", s.path)
        return run_case(Case(**{**case.__dict__, "story": fresh}))

    print(line("cold story, all checks", timed(cases, max(1, args.repeat // 10), cold)))
    return 0 if ev.ok else 1


if __name__ == "__main__":
    sys.exit(main())
