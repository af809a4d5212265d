"""How well do the checks judge real embedded-model output, labelled sentence by sentence?

tests/data/model_output/labels.yaml holds sections the embedded model (SmolLM2-135M) wrote for
real news stories (tests/data/model_output/stories/), one attempt each, labelled by hand before
any rule was tuned on them: every sentence is ``ok`` (supported by the story or the profile) or
carries a fault label (``invented``: a fact no story or profile sentence gives; ``misattributed``:
the story's act or words given to another actor; ``distorted``: a story fact changed; ``region``:
another region's readers or bodies, or nothing about the region; ``meta``: text about the text).

A faulty sentence is caught when a check reports an error whose span lies in it (a finding
without a span, such as "the section never addresses its region", counts for every sentence);
a clean sentence with an error span in it is a false flag. Prints recall per fault label, the
false-flag rate, and sections flagged against sections with any fault.

    .venv/bin/python benchmarks/model_output_accuracy.py [--show]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from localize.grounding._checks import check
from localize.story import load_story

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "model_output"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print each sentence's verdict")
    args = parser.parse_args()
    cases: list[dict[str, Any]] = yaml.safe_load((DATA / "labels.yaml").read_text("utf-8"))
    caught: Counter[str] = Counter()
    faults: Counter[str] = Counter()
    clean = flagged_clean = 0
    sections_faulty = sections_flagged = sections_faulty_flagged = 0
    for case in cases:
        story = load_story(DATA / "stories" / f"{case['story']}.txt")
        body = "\n\n".join(s["text"] for s in case["sentences"])
        report = check(body, story, case["region"], min_words=1)
        errors = report.errors
        faulty = any(s["label"] != "ok" for s in case["sentences"])
        sections_faulty += faulty
        sections_flagged += bool(errors)
        sections_faulty_flagged += faulty and bool(errors)
        for s in case["sentences"]:
            hit = [f for f in errors if not f.text or f.text in s["text"]]
            if s["label"] == "ok":
                clean += 1
                flagged_clean += bool(hit)
            else:
                faults[s["label"]] += 1
                caught[s["label"]] += bool(hit)
            if args.show:
                verdict = ", ".join(f"{f.check}" for f in hit) or "-"
                print(f"{case['id']:<28} {s['label']:<14} {verdict:<24} {s['text'][:90]}")
    print(f"{len(cases)} sections, {sum(faults.values()) + clean} sentences")
    for label, n in sorted(faults.items()):
        print(f"  {label:<14} caught {caught[label]:>2} / {n}")
    total = sum(faults.values())
    print(f"  faulty sentences caught {sum(caught.values())} / {total}")
    print(f"  clean sentences flagged {flagged_clean} / {clean}")
    print(
        f"  sections with a fault: {sections_faulty}, flagged: {sections_faulty_flagged}; "
        f"sections flagged in all: {sections_flagged} / {len(cases)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
