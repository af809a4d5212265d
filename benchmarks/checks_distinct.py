#!/usr/bin/env python
"""The grounding checks on DISTINCT stories: CPU ms per section, before and after, side by side.

`benchmarks/checks_accuracy.py` and `benchmarks/overhead.py` repeat a few stories, so the story's
analysis is always warm; in a real batch every story is new. Here each of ``--stories`` stories
is the wire story plus one line of its own (so no two are equal), and each is checked for four
regions (uk, eu, us, au) with that region's clean section from the check corpus, story-first as a
batch runs them. The same measurement runs in a subprocess for each source tree: this one
("after") and ``--before`` (a git ref, exported with ``git archive``; default ``main``).

    python benchmarks/checks_distinct.py [--stories 250] [--before REF]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGIONS = ("uk", "eu", "us", "au")


def measure(stories: int) -> dict[str, float]:
    """Run in the child: check every (story, region) once; CPU time per section."""
    import localize
    from localize.evaluation._evaluation import load_cases

    cases = load_cases(ROOT / "tests" / "data" / "checks")
    wire = ROOT / "examples" / "stories" / "wire.txt"
    sections = {}
    for case in cases:
        if case.clean and case.story.path == str(wire) and case.region.id not in sections:
            sections[case.region.id] = (case.section, case.region)
    text = wire.read_text(encoding="utf-8")
    made = [
        localize.parse_story(f"{text}\n\nThis copy was filed as item {n} of the wire service.")
        for n in range(stories)
    ]
    times: list[float] = []
    for story in made:
        for region in REGIONS:
            section, profile = sections[region]
            t0 = time.process_time()
            localize.check(section, story, profile, min_words=1, max_words=1000)
            times.append(time.process_time() - t0)
    return {
        "sections": len(times),
        "mean_ms": statistics.fmean(times) * 1e3,
        "median_ms": statistics.median(times) * 1e3,
        "first_region_ms": statistics.fmean(times[:: len(REGIONS)]) * 1e3,
        "other_regions_ms": statistics.fmean([t for i, t in enumerate(times) if i % len(REGIONS)])
        * 1e3,
    }


def run_tree(src: Path, root: Path, stories: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(
        [sys.executable, str(root / "benchmarks" / "checks_distinct.py"), "--child", str(stories)],
        env=env,
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=250, help="distinct stories (default 250)")
    parser.add_argument("--before", default="main", help="git ref of the 'before' code")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(measure(args.child)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        before_root = Path(tmp)
        archive = subprocess.run(
            ["git", "archive", args.before, "src", "benchmarks", "tests/data", "examples"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        ).stdout
        archive_path = before_root / "before.tar"
        archive_path.write_bytes(archive)
        with tarfile.open(archive_path) as tar:
            tar.extractall(before_root, filter="data")
        # The before tree runs this script's measurement, so it need not have the script.
        (before_root / "benchmarks" / "checks_distinct.py").write_text(
            Path(__file__).read_text(encoding="utf-8"), encoding="utf-8"
        )
        before = run_tree(before_root / "src", before_root, args.stories)
    after = run_tree(ROOT / "src", ROOT, args.stories)
    print(
        f"checks on {args.stories} distinct stories x {len(REGIONS)} regions "
        f"({int(after['sections'])} sections), CPU ms per section"
    )
    print(f"  {'':28} {'before (' + args.before + ')':>20} {'after':>10}")
    for key, label in (
        ("mean_ms", "mean"),
        ("median_ms", "median"),
        ("first_region_ms", "a story's first region"),
        ("other_regions_ms", "its other regions"),
    ):
        print(f"  {label:28} {before[key]:20.2f} {after[key]:10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
