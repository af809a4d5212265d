"""The pipeline's tests: real model answers, recorded once and replayed offline.

Each test asks for ``localize_cassette`` (localize's pytest plugin, from ``localize[testing]``):
the first run with ``--record-mode=once`` records the LLM requests to
``tests/cassettes/test_sections/<test>.yaml``; every run after that replays them with the network
blocked. The assertions hold for any model answer, so re-recording never breaks them.
"""

from __future__ import annotations

import json
from pathlib import Path

from newsroom_sections import write_sections

ROOT = Path(__file__).resolve().parents[1]
STORIES = ROOT / "stories"
PROFILES = ROOT / "profiles"
HEADINGS = {"uk": "What it means for the UK", "eu": "What it means for the EU"}


def _provenance(path: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))["provenance"]
    return data


def test_every_story_and_region_is_written_or_reported(localize_cassette, tmp_path: Path) -> None:
    outcomes = write_sections(STORIES, tmp_path, ["uk", "eu"])

    stories = sorted(p.stem for p in STORIES.glob("*.txt"))
    pairs = [(s, r) for s in stories for r in ("uk", "eu")]
    assert [(o.story, o.region) for o in outcomes] == pairs
    written = [o for o in outcomes if o.error is None]
    assert written, "the model failed on every story"
    for o in outcomes:
        assert bool(o.files) != bool(o.error)  # written, or a reason why not
    for o in written:
        md, js = o.files
        heading = HEADINGS[o.region]
        assert md.read_text(encoding="utf-8").startswith(f"## {heading}\n")
        provenance = _provenance(js)
        assert provenance["template_name"] == "house-section"
        assert provenance["template_version"] == "1"
        assert provenance["region"] == o.region


def test_the_newsroom_own_region(localize_cassette, tmp_path: Path) -> None:
    stories = tmp_path / "stories"
    stories.mkdir()
    (stories / "router-flaw.txt").write_bytes((STORIES / "router-flaw.txt").read_bytes())

    [outcome] = write_sections(stories, tmp_path / "out", ["ie"], profiles=PROFILES)

    assert (outcome.story, outcome.region) == ("router-flaw", "ie")
    if outcome.error is None:
        md, js = outcome.files
        assert md.read_text(encoding="utf-8").startswith("## What it means for Ireland\n")
        assert _provenance(js)["region"] == "ie"
