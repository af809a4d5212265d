#!/usr/bin/env python
"""Rewrite examples/output/: what the embedded model makes of the seed stories, for each region.

    flock /tmp/localize-cpu.lock python scripts/write_examples.py

Runs the library as `localize rewrite` does with no key and no endpoint (the embedded model in
its default output mode, up to 3 attempts, no response cache, no audit log) for brief, feature
and wire x uk, eu, us, au, and writes ``<story>.<region>.json`` (section, provenance, checks)
and ``<story>.<region>.md``. A section the model could not write is reported and its old files
are removed, so the folder never shows an answer from an earlier version.
"""

from __future__ import annotations

import sys
from pathlib import Path

from localize import (
    LLMClient,
    LocalizeError,
    LocalServer,
    Settings,
    load_story,
    localize,
    render,
    write_atomic,
)
from localize.backends._local import LOCAL_MODEL
from localize.pipeline import structured_mode

ROOT = Path(__file__).resolve().parents[1]
STORIES = ("brief", "feature", "wire")
REGIONS = ("uk", "eu", "us", "au")


def main() -> int:
    out = ROOT / "examples" / "output"
    failed = 0
    with LocalServer() as server:
        # A client of the embedded model as `localize rewrite` makes one: its own output mode.
        client = LLMClient(
            model=LOCAL_MODEL, base_url=server.base_url, structured=structured_mode(Settings())
        )
        for name in STORIES:
            story = load_story(ROOT / "examples" / "stories" / f"{name}.txt")
            for region in REGIONS:
                files = [out / f"{name}.{region}.json", out / f"{name}.{region}.md"]
                try:
                    result = localize(story, region, client=client, audit=False)
                except LocalizeError as exc:
                    failed += 1
                    print(f"{name}/{region}: not written: {exc}", file=sys.stderr)
                    for f in files:
                        f.unlink(missing_ok=True)
                    continue
                write_atomic(files[0], render(result, "json"))
                write_atomic(files[1], render(result, "markdown"))
                print(f"{name}/{region}: checks ok={result.checks.ok}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
