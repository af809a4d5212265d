"""A newsroom's pipeline on localize: every story in a folder gets a section for each region.

    newsroom-sections stories/ out/ --regions uk,ie --profiles profiles/

Writes ``OUT/<story>.<region>.md`` (the section, for the CMS) and ``OUT/<story>.<region>.json``
(section, provenance and check report, for the editors' review). The desk's own template,
``templates/house-section.jinja``, ships inside the package; ``--profiles`` adds the newsroom's
own regions to localize's built-in ones.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import localize

TEMPLATE = Path(__file__).parent / "templates" / "house-section.jinja"


@dataclass(frozen=True)
class Outcome:
    """One story in one region: the files written, or why there are none.

    ``status`` is the result's: "passed" (publishable), "flagged" (written for an editor: check
    errors remain) or "failed" (nothing written).
    """

    story: str
    region: str
    files: tuple[Path, ...] = ()
    error: str | None = None
    status: str = "failed"


def write_sections(
    stories: Path, out: Path, regions: Sequence[str], *, profiles: Path | None = None
) -> list[Outcome]:
    """Localise every story in ``stories`` for every region, writing what succeeds to ``out``.

    A story the model fails on is reported in its outcome and the run goes on, so one bad answer
    does not hold back the rest of the edition.
    """
    settings = localize.Settings.resolve(profiles=str(profiles) if profiles else None)
    template = localize.load_template(TEMPLATE)
    files = sorted(p for p in stories.iterdir() if p.suffix in localize.STORY_SUFFIXES)
    out.mkdir(parents=True, exist_ok=True)
    outcomes = []
    with localize.connect(settings) as client:
        for path in files:
            story = localize.load_story(path)
            for region in regions:
                try:
                    result = localize.localize(
                        story, region, template=template, client=client, settings=settings
                    )
                except localize.GenerationError as exc:
                    outcomes.append(Outcome(path.stem, region, error=str(exc)))
                    continue
                written = []
                for suffix, fmt in ((".md", "markdown"), (".json", "json")):
                    target = out / f"{path.stem}.{result.region.id}{suffix}"
                    localize.write_atomic(target, localize.render(result, fmt))
                    written.append(target)
                outcomes.append(
                    Outcome(path.stem, result.region.id, tuple(written), status=result.status)
                )
    return outcomes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stories", type=Path, help="folder of story files")
    parser.add_argument("out", type=Path, help="folder for the sections")
    parser.add_argument("--regions", default="uk", help="comma-separated region ids")
    parser.add_argument("--profiles", type=Path, help="folder of the newsroom's own regions")
    args = parser.parse_args(argv)
    try:
        outcomes = write_sections(
            args.stories, args.out, args.regions.split(","), profiles=args.profiles
        )
    except localize.LocalizeError as exc:
        print(f"newsroom-sections: {exc}", file=sys.stderr)
        return exc.exit_code
    for o in outcomes:
        print(f"newsroom-sections: {o.story} {o.region}: {o.error or o.status}", file=sys.stderr)
    if any(o.error for o in outcomes):
        return 1
    # As the CLI does: a flagged section is never a success (exit 4), so CI cannot publish it.
    return 4 if any(o.status == "flagged" for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
