"""How well do the grounding checks do on the labelled corpus in tests/data/checks, and how fast?

Prints, per check id, the planted faults caught out of those planted; the clean sections wrongly
flagged (any finding at all counts); findings on fault sections other than the planted ones; and
the time one `check` call takes (mean and p95 over many repetitions, time.perf_counter), both warm
(story data cached, the steady state in a run over many regions) and cold (a story seen for the
first time). Exits 1 when a planted fault is missed or a clean section is flagged.

    .venv/bin/python benchmarks/checks_accuracy.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from localize.checks import CHECK_IDS, CheckReport, check
from localize.regions import get_region
from localize.story import Story, load_story, parse_story

ROOT = Path(__file__).resolve().parents[1]

CORPUS = ROOT / "tests" / "data" / "checks"
STORIES = ROOT / "examples" / "stories"


def load_stories() -> dict[str, Story]:
    lines = (STORIES / "wire-with-uk-section.txt").read_text(encoding="utf-8").splitlines()
    return {
        "wire": parse_story("\n".join(lines[:-1])),
        "brief": load_story(STORIES / "brief.txt"),
        "feature": load_story(STORIES / "feature.txt"),
    }


def load_cases(name: str) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = yaml.safe_load((CORPUS / name).read_text(encoding="utf-8"))
    return cases


def run_case(case: dict[str, Any], story: Story) -> CheckReport:
    return check(
        case["section"],
        story,
        get_region(case["region"]),
        min_words=case.get("min_words"),  # None: the section template's bounds
        max_words=case.get("max_words"),
    )


def matches(finding_check: str, finding_text: str, expected: dict[str, str]) -> bool:
    return finding_check == expected["check"] and expected["text"] in finding_text


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeat",
        type=int,
        default=100,
        help="timing repetitions over the whole corpus (default 100)",
    )
    args = parser.parse_args()

    stories = load_stories()
    clean = load_cases("clean.yaml")
    faults = load_cases("faults.yaml")
    problems = 0

    planted: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    print("Planted faults")
    for case in faults:
        report = run_case(case, stories[case["story"]])
        got = [(f.check, f.text) for f in report.findings]
        for expected in case["expect"]:
            planted[expected["check"]] += 1
            if any(matches(c, t, expected) for c, t in got):
                caught[expected["check"]] += 1
            else:
                problems += 1
                print(f"  MISSED {case['id']}: {expected['check']} {expected['text']!r}")
        for c, t in got:
            if not any(matches(c, t, e) for e in case["expect"]):
                print(f"  extra finding on {case['id']}: {c} {t!r}")
    for check_id in CHECK_IDS:
        print(f"  {check_id:<11} {caught[check_id]:>3} / {planted[check_id]:<3} caught")
    print(
        f"  {'all':<11} {sum(caught.values()):>3} / {sum(planted.values()):<3} caught "
        f"({len(faults)} fault sections)"
    )

    flagged = 0
    for case in clean:
        report = run_case(case, stories[case["story"]])
        if report.findings:
            flagged += 1
            problems += 1
            for f in report.findings:
                print(f"  FLAGGED clean {case['id']}: {f.check} {f.message}")
    print("Clean sections")
    print(f"  wrongly flagged: {flagged} / {len(clean)}")

    everything = [(case, stories[case["story"]]) for case in (*clean, *faults)]
    warm: list[float] = []
    for _ in range(args.repeat):
        for case, story in everything:
            t0 = time.perf_counter()
            run_case(case, story)
            warm.append(time.perf_counter() - t0)
    cold: list[float] = []
    for i in range(max(1, args.repeat // 10)):
        for n, (case, story) in enumerate(everything):
            # An equal-but-new story misses the per-story cache: the first check of a story.
            fresh = Story(story.paragraphs, story.headline, f"cold-{i}-{n}", story.source)
            t0 = time.perf_counter()
            run_case(case, fresh)
            cold.append(time.perf_counter() - t0)
    print(f"Time per section ({len(everything)} sections)")
    print(
        f"  warm: mean {statistics.fmean(warm) * 1e3:.3f} ms, "
        f"p95 {percentile(warm, 95) * 1e3:.3f} ms  ({len(warm)} calls)"
    )
    print(
        f"  cold: mean {statistics.fmean(cold) * 1e3:.3f} ms, "
        f"p95 {percentile(cold, 95) * 1e3:.3f} ms  ({len(cold)} calls)"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
