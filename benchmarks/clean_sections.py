"""Do the checks leave clean sections alone? The hand-written clean sections of
tests/data/clean_sections (issue 18): set 1 on the non-cyber stories of tests/data/real_stories,
set 2 (``set2/``) on the new stories of ``stories2/``. Each file is ``<story>--<region>.md`` and
every sentence in it is labelled clean, so any error is a false flag (or a profile gap: see the
README there).

    .venv/bin/python benchmarks/clean_sections.py [--show]

``--show`` lists every finding, warnings included.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from localize import check

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
SETS = (
    ("set 1", DATA / "clean_sections", DATA / "real_stories"),
    ("set 2", DATA / "clean_sections" / "set2", DATA / "clean_sections" / "stories2"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="list every finding")
    args = parser.parse_args()
    for name, sections, stories in SETS:
        files = sorted(sections.glob("*--*.md"))
        flagged = errors = warned = 0
        for path in files:
            story, region = path.stem.split("--")
            report = check(path.read_text(), (stories / f"{story}.txt").read_text(), region)
            found = [f for f in report.findings if f.severity == "error"]
            errors += len(found)
            flagged += bool(found)
            warned += any(f.severity == "warning" for f in report.findings)
            if args.show:
                for f in report.findings:
                    print(f"  {path.stem} | {f.severity} | {f.check} | {f.message}")
        print(
            f"{name}: {len(files)} clean sections, {flagged} flagged by an error "
            f"({errors} errors), {warned} with a warning"
        )


if __name__ == "__main__":
    main()
