"""How well do the checks judge real embedded-model output, labelled sentence by sentence?

tests/data/model_output/labels.yaml holds sections the embedded model (SmolLM2-135M) wrote for
real news stories (tests/data/model_output/stories/), labelled by hand before any check was run
on them (see its README): every sentence is ``ok`` or carries fault labels (``invented``,
``misattributed``, ``distorted``, ``meta``, ``artefact``: a prompt echo such as "Headline: ..."),
and a section may carry ``region`` (it never addresses its region, or addresses another).

A faulty sentence is caught when a check reports an error whose span lies in it; a clean
sentence with an error span in it is a false flag; a section's ``region`` fault is caught by a
``region`` error. Prints recall per label, the false-flag rate, and sections flagged.

Set 1 (no ``set`` key) was used while the checks were tuned; set 2 (``set: 2``) was labelled
after that, before any check ran on it. ``--set`` scores one set (default: both).

    .venv/bin/python benchmarks/model_output_accuracy.py [--set 1|2] [--show]
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
_FORM = frozenset({"meta", "leak"})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print each sentence's verdict")
    parser.add_argument(
        "--set", type=int, choices=(1, 2), dest="which", help="score one set only (default: both)"
    )
    args = parser.parse_args()
    cases: list[dict[str, Any]] = yaml.safe_load((DATA / "labels.yaml").read_text("utf-8"))
    if args.which is not None:
        cases = [c for c in cases if c.get("set", 1) == args.which]
    by_check: Counter[str] = Counter()
    by_check_clean: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    # Caught by a check of the sentence's content, not only by the form checks (meta, leak) that
    # flag most of this model's sentences whatever they say.
    caught_content: Counter[str] = Counter()
    faults: Counter[str] = Counter()
    clean = flagged_clean = sentences = 0
    faulty_sections = flagged_faulty = flagged_sections = 0
    for case in cases:
        story = load_story(DATA / "stories" / f"{case['story']}.txt")
        # The sentences again as the model wrote them: a list item began a line of its own.
        body = "".join(
            ("\n" if s["text"].lstrip().startswith(("- ", "* ")) else " ") + s["text"]
            for s in case["sentences"]
        ).strip()
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
            checks = {f.check for f in hit}
            if s["labels"] == ["ok"]:
                clean += 1
                flagged_clean += bool(hit)
                by_check_clean.update(checks)
            else:
                by_check.update(checks)
                for label in s["labels"]:
                    faults[label] += 1
                    caught[label] += bool(hit)
                    caught_content[label] += any(f.check not in _FORM for f in hit)
            if args.show:
                verdict = ", ".join(sorted({f.check for f in hit})) or "-"
                labels = ",".join(s["labels"])
                print(f"{case['id']:<18} {labels:<24} {verdict:<22} {s['text'][:70]}")
    print(f"{len(cases)} sections, {sentences} sentences")
    for label, n in sorted(faults.items()):
        content = "" if label.startswith("section:") else f" ({caught_content[label]} by content)"
        print(f"  {label:<18} caught {caught[label]:>2} / {n}{content}")
    print(f"  clean sentences flagged {flagged_clean} / {clean}")
    print(
        f"  sections with a fault: {faulty_sections}, flagged {flagged_faulty}; "
        f"sections flagged in all: {flagged_sections} / {len(cases)}"
    )
    # Which checks do the flagging: faulty sentences each check flags, and clean ones (its false
    # flags). A sentence flagged by two checks counts once for each.
    print("  per check: faulty sentences flagged / clean sentences flagged")
    for name in sorted(set(by_check) | set(by_check_clean)):
        print(f"    {name:<16} {by_check[name]:>3} / {by_check_clean[name]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
