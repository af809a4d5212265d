"""Do the checks catch a story's own value put where the story gives another?

The annotated sets hold few such edits, so this builds them, deterministically, from the DEV
files of tests/data/factual (never the held-out ones): for each consistent summary, each figure,
date, weekday or period it gives that the story also gives is replaced by another value of the
same kind from the story (a seeded choice), one edit per row. The edited rows are scored as
faults and their originals as consistent summaries, by `localize eval`'s scoring (a summary is
flagged by an error from a content check). An edit is not checked by hand: a replacement can
happen to be true, so recall here is a floor.

    .venv/bin/python benchmarks/story_swaps.py [--seed 1] [--show N] [--write FILE.jsonl]

``--write`` also saves the rows in the fixture format, so another checkout's checks can score
the same rows (`localize eval FILE.jsonl`).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import replace
from pathlib import Path

import click

from localize.cli._eval import print_factual
from localize.evaluation._factual import FactualRow, evaluate_factual, load_factual
from localize.grounding._misplaced import story_swaps
from localize.story import parse_story

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "factual"


def swapped_rows(seed: int) -> list[FactualRow]:
    """Each DEV consistent summary that has a story value to swap, and each of its swaps."""
    rng = random.Random(seed)
    rows: list[FactualRow] = []
    for path in sorted(DATA.glob("*-dev.jsonl")):
        for row in load_factual(path):
            if not row.consistent:
                continue
            story = parse_story(row.doc)
            edits = [
                replace(
                    row,
                    id=f"{row.id}-swap{n}",
                    consistent=False,
                    summary=row.summary[:start] + rng.choice(others) + row.summary[end:],
                    fault_types=("entity_modification",),
                )
                for n, (start, end, others) in enumerate(story_swaps(row.summary, story))
            ]
            if edits:
                rows += [row, *edits]
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=0, metavar="N", help="misses to print")
    parser.add_argument("--write", type=Path, metavar="FILE.jsonl")
    args = parser.parse_args()
    rows = swapped_rows(args.seed)
    if args.write:
        with args.write.open("w", encoding="utf-8") as out:
            for row in rows:
                fields = {
                    "id": row.id,
                    "domain": row.domain,
                    "label": int(row.consistent),
                    "edit_types": list(row.fault_types),
                    "doc": row.doc,
                    "summary": row.summary,
                }
                out.write(json.dumps(fields) + "\n")
    ev = evaluate_factual(rows, source="story swaps of tests/data/factual/*-dev")
    print_factual(ev)
    for line in ev.misses[: args.show]:
        click.echo(f"  MISS {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
