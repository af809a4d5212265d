"""Localise every story in a folder for several regions, the way a newsroom pipeline would.

    python examples/localize_folder.py examples/stories examples/output --regions uk,eu,us,au

Writes ``OUT/<story>.<region>.md`` (the section) and ``OUT/<story>.<region>.json`` (section,
provenance and check report). One client is shared by every call, and each story's regions run
back to back so the endpoint's prompt cache is warm for the shared story prefix.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import localize


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "stories", type=Path, help="folder of story files (text, Markdown, HTML, JSON)"
    )
    parser.add_argument("out", type=Path, help="folder for the results")
    parser.add_argument("--regions", default="uk,eu,us,au", help="comma-separated region ids")
    args = parser.parse_args()

    regions = [localize.get_region(r) for r in args.regions.split(",")]
    files = sorted(p for p in args.stories.iterdir() if p.suffix in localize.STORY_SUFFIXES)
    args.out.mkdir(parents=True, exist_ok=True)
    with localize.connect() as client:
        for path in files:
            story = localize.load_story(path)
            for region in regions:
                result = localize.localize(story, region, client=client)
                stem = f"{path.stem}.{region.id}"
                localize.write_atomic(args.out / f"{stem}.md", localize.render(result))
                localize.write_atomic(args.out / f"{stem}.json", localize.render(result, "json"))
                p = result.provenance
                print(
                    f"{path.name} {region.id}: {p.attempts} attempt(s), "
                    f"{p.prompt_tokens}+{p.completion_tokens} tokens, {p.latency_s:.1f} s, "
                    f"{result.status} ({len(result.checks.errors)} check error(s))",
                    file=sys.stderr,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
