"""How well do the grounding checks catch factual edits in copy they were not written against?

Runs `localize.check` on held-out annotated factual-consistency data (tests/data/factual: SummEdits
documents and one-sentence summaries, at most one factual edit each, labelled by annotators; see
its README) with the document as the story and the summary as the section. A summary is flagged
when a check that judges content against the story reports an error (the region checks -- mention,
length, region fit, spelling -- say nothing about consistency here and are left out). Prints, per
file and per domain: recall by edit type, specificity (clean summaries not flagged), balanced
accuracy, which checks fired, and the time per check() call with the story warm.

    .venv/bin/python benchmarks/factual_consistency.py [FILE.jsonl ...] [--show-misses N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from localize.grounding._checks import check
from localize.story import parse_story

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "factual"
# The checks that judge what a section says against its story. ``meta`` is not one: "The
# article discusses ..." is an error in a published section but consistent in a summary.
CONTENT_CHECKS = frozenset({"quote", "number", "institution", "attribution", "claim", "paraphrase"})
REGION = "us"


def run(path: Path, show: int) -> None:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    by_type: dict[str, list[int]] = {}  # edit type -> [caught, total]
    clean = [0, 0]  # flagged, total
    fired: Counter[str] = Counter()
    false_fired: Counter[str] = Counter()
    domains: dict[str, list[int]] = {}  # domain -> [tp, pos, fp, neg]
    times: list[float] = []
    misses: list[str] = []
    false_flags: list[str] = []
    for row in rows:
        story = parse_story(row["doc"])
        check(row["summary"], story, REGION)  # warm the story's caches
        t0 = time.perf_counter()
        report = check(row["summary"], story, REGION)
        times.append(time.perf_counter() - t0)
        errors = [f for f in report.errors if f.check in CONTENT_CHECKS]
        flagged = bool(errors)
        d = domains.setdefault(row["domain"], [0, 0, 0, 0])
        if row["label"] == 1:
            clean[1] += 1
            d[3] += 1
            if flagged:
                clean[0] += 1
                d[2] += 1
                false_fired.update({f.check for f in errors})
                false_flags.append(f"{row['id']}: {errors[0].message}")
        else:
            d[1] += 1
            d[0] += flagged
            fired.update({f.check for f in errors})
            for t in row["edit_types"] or ["untyped"]:
                tally = by_type.setdefault(t, [0, 0])
                tally[0] += flagged
                tally[1] += 1
            if not flagged:
                misses.append(f"{row['id']} {row['edit_types']}: {row['summary']}")
    tp = sum(v[0] for v in domains.values())
    pos = sum(v[1] for v in domains.values())
    recall = tp / pos if pos else 0.0
    spec = 1 - clean[0] / clean[1] if clean[1] else 0.0
    print(f"{path.name}: {len(rows)} rows ({pos} with an edit, {clean[1]} consistent)")
    print(
        f"  recall {tp}/{pos} = {recall:.1%}; specificity {spec:.1%} "
        f"({clean[0]}/{clean[1]} consistent flagged); balanced accuracy {(recall + spec) / 2:.1%}"
    )
    for t, (c, n) in sorted(by_type.items()):
        print(f"    {t:<30} {c:>3} / {n:<3} = {c / n:.0%}")
    for name, (dtp, dpos, dfp, dneg) in sorted(domains.items()):
        r, s = dtp / max(dpos, 1), 1 - dfp / max(dneg, 1)
        print(
            f"    domain {name:<14} recall {r:.0%} specificity {s:.0%} balanced {(r + s) / 2:.0%}"
        )
    print(f"  checks firing on edits: {dict(fired)}; on consistent: {dict(false_fired)}")
    print(
        f"  time per check(), story warm: mean {statistics.fmean(times) * 1e3:.2f} ms, "
        f"p95 {sorted(times)[round(0.95 * (len(times) - 1))] * 1e3:.2f} ms"
    )
    for line in false_flags[:show]:
        print(f"  FALSE FLAG {line}")
    for line in misses[:show]:
        print(f"  MISS {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--show-misses", type=int, default=0, metavar="N")
    args = parser.parse_args()
    for path in args.files or sorted(DATA.glob("*.jsonl")):
        run(path, args.show_misses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
