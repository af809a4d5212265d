"""Check and prepare time against story size: every step must stay linear (issue 22, point 4).

A story of N MB is the wire story's paragraphs repeated with their figures, names and dates
varied, so the checks see as many distinct facts as a real story that long would hold. For each
size it times the two local halves of a rewrite: ``prepare`` (parse, fit to the window, render
the prompt) and ``check`` (every grounding check of a section against the whole story). A
linear step doubles its time when the size doubles; the last column says how far from that.

    python benchmarks/story_size.py              # 1, 2 and 4 MB
    python benchmarks/story_size.py --sizes 0.25 0.5 1
    python benchmarks/story_size.py --shapes --sizes 0.1 0.2 0.4   # hostile one-paragraph texts

``--shapes`` times the checks on texts with no sentence break at all, each a worst case for one
step: runs of capitalised words (the name-list pattern), "1,1,1" (count ties), "....." (the
sentence splitter), dates, money and a mix.

Run it under `flock /tmp/localize-cpu.lock` on a shared machine.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from localize import Settings, get_region, parse_story, prepare
from localize.grounding._checks import check
from localize.section import LocalizedSection

ROOT = Path(__file__).resolve().parents[1]
WIRE = ROOT / "examples" / "stories" / "wire.txt"
SECTION = (
    "The ban matters for UK firms that buy the 12 models named in the order. The NCSC said in "
    "March 2026 that 4,500 British companies use them, and the ICO will review the £3.2m fine."
)


def story_of(megabytes: float) -> str:
    """The wire story's paragraphs, varied and repeated to ``megabytes`` of UTF-8."""
    paragraphs = [p for p in WIRE.read_text(encoding="utf-8").splitlines() if p.strip()]
    target = int(megabytes * 1_000_000)
    out: list[str] = [paragraphs[0]]
    size, n = len(paragraphs[0]), 0
    while size < target:
        p = paragraphs[1 + n % (len(paragraphs) - 1)]
        # Vary the facts: a figure, a year, a hyphenated name and a capitalised name per block.
        block = f"{p} In block {n}, GPT-{n % 97} cost ${n * 3 % 1000}m in {1990 + n % 35}."
        out.append(block)
        size += len(block) + 2
        n += 1
    return "\n\n".join(out)


SHAPES = {
    "capitalised words": "Abc ",
    "1,1,1": "1,",
    "dots": ".",
    "dates": "5 March 2026 ",
    "money": "$1m ",
    "mixed": "A1-b.C2,d% ",
    "acronyms": "the Office of Trade (OTA) and ",
}


def shapes(sizes: list[float], region: object) -> None:
    section = LocalizedSection.from_text("What it means", "The NCSC said 5 firms were hit.")
    print(f"{'shape':>18} {'size MB':>8} {'check s':>8} {'check s/MB':>11}")
    for name, unit in SHAPES.items():
        previous: float | None = None
        for mb in sizes:
            story = parse_story(f"{name} " + unit * int(mb * 1_000_000 / len(unit)))
            check_s = timed(check, section, story, region)
            growth = f"x{check_s / previous:.2f}" if previous else ""
            previous = check_s
            print(f"{name:>18} {mb:8.2f} {check_s:8.2f} {check_s / mb:11.2f} {growth}")


def timed(fn: object, *args: object, **kw: object) -> float:
    start = time.perf_counter()
    fn(*args, **kw)  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1.0, 2.0, 4.0])
    parser.add_argument("--region", default="uk")
    parser.add_argument("--shapes", action="store_true", help="the hostile one-paragraph texts")
    args = parser.parse_args()
    region = get_region(args.region)
    if args.shapes:
        shapes(args.sizes, region)
        return 0
    settings = Settings.resolve({})
    section = LocalizedSection.from_text(region.section_heading, SECTION)
    print(f"{'size MB':>8} {'parse s':>8} {'prepare s':>10} {'check s':>8} {'check s/MB':>11}")
    previous: float | None = None
    for mb in args.sizes:
        text = story_of(mb)
        t0 = time.perf_counter()
        story = parse_story(text)
        parse_s = time.perf_counter() - t0
        prepare_s = timed(prepare, story, region, settings=settings)
        check_s = timed(check, section, story, region)
        growth = f"x{check_s / previous:.2f}" if previous else ""
        previous = check_s
        row = f"{mb:8.2f} {parse_s:8.2f} {prepare_s:10.2f} {check_s:8.2f} {check_s / mb:11.2f}"
        print(f"{row} {growth}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
