"""How well do the grounding checks catch factual faults in copy they were not written against?

Runs `localize eval FILE.jsonl`'s scoring (`localize.evaluation._factual`) on the annotated
factual-consistency sets in tests/data/factual (SummEdits' non-news domains, XSumFaith, FRANK's
XSum half, CLIFF; each a dev and a held-out file, see its README): the document is the story and
the summary the section, and a summary is flagged when a check that judges content against the
story reports an error. Prints, per file, what `localize eval` prints (recall by fault type,
specificity, balanced accuracy, per domain, the checks that fired, the time per check() call
with the story warm), then one Markdown table of every file for benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/factual_consistency.py [FILE.jsonl ...] [--show-misses N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import click

from localize.cli._eval import print_factual
from localize.evaluation._factual import FactualEvaluation, evaluate_factual, load_factual

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "factual"
# The table's fault columns, in the fixture's names.
TYPES = (
    ("entity", "entity_modification"),
    ("antonym", "antonym_swap"),
    ("negation", "negation_insertion_removal"),
    ("invented", "hallucinated_fact_insertion"),
    ("other", "other"),
    ("untyped", "untyped"),  # a SummEdits edit its annotators did not type
)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def table(results: list[tuple[str, FactualEvaluation]]) -> list[str]:
    head = ["set", "rows", *(t for t, _ in TYPES), "recall", "specificity", "BA", "ms/check"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, ev in results:
        cells = [name, str(ev.faulty.total + ev.consistent.total)]
        for _, kind in TYPES:
            tally = ev.by_type.get(kind)
            cells.append(f"{tally.flagged}/{tally.total}" if tally else "-")
        cells += [
            f"{_pct(ev.recall)} ({ev.faulty.flagged}/{ev.faulty.total})",
            f"{_pct(ev.specificity)} ({ev.consistent.flagged}/{ev.consistent.total} flagged)",
            _pct(ev.balanced_accuracy),
            f"{ev.ms_per_check:.1f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--show-misses", type=int, default=0, metavar="N")
    args = parser.parse_args()
    results: list[tuple[str, FactualEvaluation]] = []
    for path in args.files or sorted(DATA.glob("*.jsonl")):
        shown = path.resolve().relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else path
        ev = evaluate_factual(load_factual(path), source=str(shown))
        print_factual(ev)
        for line in ev.false_flags[: args.show_misses]:
            click.echo(f"  FALSE FLAG {line}")
        for line in ev.misses[: args.show_misses]:
            click.echo(f"  MISS {line}")
        results.append((path.stem, ev))
    click.echo("")
    for line in table(results):
        click.echo(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
