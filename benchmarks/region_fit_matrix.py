"""The region fit matrix: every built-in region's section checked as every built-in region.

Reads one clean section per built-in region (tests/data/regions/sections.yaml, all on the wire
story) and checks each as every region. A cell shows the number of ``region`` errors, then, after
a slash, all errors (the institution check also refuses another region's bodies); the diagonal
must be 0/0. Regions that contain one another (the UK and Scotland, the EU and Ireland) are not
foreign to each other's ``region`` check.

    .venv/bin/python benchmarks/region_fit_matrix.py [--messages]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from localize.grounding._checks import check
from localize.regions._profiles import builtin_regions
from localize.story import load_story

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ROOT / "tests" / "data" / "regions" / "sections.yaml"
CORPUS = ROOT / "tests" / "data" / "checks" / "clean.yaml"
WIRE = ROOT / "examples" / "stories" / "wire.txt"


def sections() -> dict[str, str]:
    """Region id -> its clean wire section."""
    listed: dict[str, Any] = yaml.safe_load(SECTIONS.read_text(encoding="utf-8"))
    corpus = {c["id"]: c["section"] for c in yaml.safe_load(CORPUS.read_text(encoding="utf-8"))}
    return {
        rid: corpus[v["from_corpus"]] if isinstance(v, dict) else str(v)
        for rid, v in listed.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", action="store_true", help="print each region finding")
    args = parser.parse_args()
    story = load_story(WIRE)
    texts = sections()
    regions = sorted(builtin_regions())
    print("section \\ checked as: region errors / all errors")
    print(f"{'':<12}" + "".join(f"{r:>12}" for r in regions))
    bad = 0
    for written in regions:
        cells = []
        for checked in regions:
            report = check(texts[written], story, checked)
            region = [f for f in report.errors if f.check == "region"]
            cells.append(f"{len(region)}/{len(report.errors)}")
            if written == checked and report.findings:
                bad += 1
            if args.messages and written != checked:
                for f in region:
                    print(f"  {written} as {checked}: {f.message}")
        print(f"{written:<12}" + "".join(f"{c:>12}" for c in cells))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
