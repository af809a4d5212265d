"""How well do the checks judge real embedded-model output, labelled sentence by sentence?

tests/data/model_output/labels.yaml holds sections the embedded model (SmolLM2-135M) wrote for
real news stories (tests/data/model_output/stories/), labelled by hand before any check was run
on them (see its README): every sentence is ``ok`` or carries fault labels (``invented``,
``misattributed``, ``distorted``, ``meta``, ``artefact``: a prompt echo such as "Headline: ..."),
and a section may carry ``region`` (it never addresses its region, or addresses another).

A faulty sentence is caught when a check reports an error whose span lies in it; a clean
sentence with an error span in it is a false flag; a section's ``region`` fault is caught by a
``region`` error. Prints recall per label, the false-flag rate, and sections flagged.

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
    clean = flagged_clean = sentences = 0
    faulty_sections = flagged_faulty = flagged_sections = 0
    for case in cases:
        story = load_story(DATA / "stories" / f"{case['story']}.txt")
        body = " ".join(s["text"] for s in case["sentences"])
        errors = check(body, story, case["region"], min_words=1).errors
        for label in case.get("section") or ():
            faults[f"section:{label}"] += 1
            caught[f"section:{label}"] += any(f.check == label for f in errors)
        faulty = bool(case.get("section")) or any(s["labels"] != ["ok"] for s in case["sentences"])
        faulty_sections += faulty
        flagged_sections += bool(errors)
        flagged_faulty += faulty and bool(errors)
        for s in case["sentences"]:
            sentences += 1
            # An error about this sentence: its span lies in it. Section-level findings (no span,
            # or the region check's) are counted for the section above.
            hit = [f for f in errors if f.text and f.text in s["text"]]
            if s["labels"] == ["ok"]:
                clean += 1
                flagged_clean += bool(hit)
            else:
                for label in s["labels"]:
                    faults[label] += 1
                    caught[label] += bool(hit)
            if args.show:
                verdict = ", ".join(sorted({f.check for f in hit})) or "-"
                labels = ",".join(s["labels"])
                print(f"{case['id']:<18} {labels:<24} {verdict:<22} {s['text'][:70]}")
    print(f"{len(cases)} sections, {sentences} sentences")
    for label, n in sorted(faults.items()):
        print(f"  {label:<18} caught {caught[label]:>2} / {n}")
    print(f"  clean sentences flagged {flagged_clean} / {clean}")
    print(
        f"  sections with a fault: {faulty_sections}, flagged {flagged_faulty}; "
        f"sections flagged in all: {flagged_sections} / {len(cases)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
