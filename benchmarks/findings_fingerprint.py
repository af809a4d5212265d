#!/usr/bin/env python
"""One md5 over every check report of the labelled data, to show a speed-up changed no result.

    .venv/bin/python benchmarks/findings_fingerprint.py [--all-regions-factual]

Runs `localize.check` for every case of tests/data/checks against every built-in region, and
for every SummEdits row of tests/data/factual (document as story, summary as section) as ``us``
(with ``--all-regions-factual``, as every built-in region), and prints the md5 of all reports'
findings, a second md5 that also covers skipped checks and sentence links, and a third over
the prompt messages `localize.prepare` renders for every story of tests/data/checks and every
built-in region (the entries a prompt gets are chosen per story). A change that only makes the
checks or the rendering faster must print the same digests before and after.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

from localize import Settings, check, list_regions, prepare
from localize.evaluation._evaluation import load_cases
from localize.story import parse_story

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all-regions-factual", action="store_true")
    args = parser.parse_args()
    regions = sorted(list_regions())
    findings = hashlib.md5()
    prompts = hashlib.md5()
    full = hashlib.md5()
    n = 0
    started = time.process_time()

    def add(tag: str, report: object) -> None:
        nonlocal n
        d = report.to_dict()  # type: ignore[attr-defined]
        findings.update(tag.encode() + json.dumps(d["findings"], sort_keys=True).encode())
        full.update(tag.encode() + json.dumps(d, sort_keys=True).encode())
        n += 1

    cases = load_cases(ROOT / "tests" / "data" / "checks")
    settings = Settings.resolve({}, model="gpt-4o-mini", base_url="http://127.0.0.1:1/v1")
    stories = {c.story.sha256: c.story for c in cases}
    for key in sorted(stories):
        for region in regions:
            prep = prepare(stories[key], region, settings=settings, model="gpt-4o-mini")
            prompts.update(json.dumps(prep.messages, sort_keys=True).encode())
    for case in cases:
        for region in regions:
            report = check(
                case.section,
                case.story,
                region,
                min_words=case.min_words,
                max_words=case.max_words,
            )
            add(f"{case.id}/{region}", report)
    factual_regions = regions if args.all_regions_factual else ["us"]
    for path in sorted((ROOT / "tests" / "data" / "factual").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line:
                continue
            row = json.loads(line)
            story = parse_story(row["doc"])
            for region in factual_regions:
                add(f"{row['id']}/{region}", check(row["summary"], story, region))
    print(f"reports {n}, CPU {time.process_time() - started:.1f} s")
    print(f"findings md5 {findings.hexdigest()}")
    print(f"reports  md5 {full.hexdigest()}")
    print(f"prompts  md5 {prompts.hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
