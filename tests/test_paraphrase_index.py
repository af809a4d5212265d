"""The paraphrase check's story side, read once a story and adjusted per region (issue 23): the
adjusted index must be the one a region would get reading every clause again itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from localize.grounding import _paraphrase as paraphrase
from localize.grounding._names import names_in
from localize.regions import builtin_regions
from localize.story import Story, parse_story
from localize.text import lemma

ROOT = Path(__file__).resolve().parents[1]
STORIES = [
    parse_story((ROOT / "examples" / "stories" / name).read_text(encoding="utf-8"))
    for name in ("brief.txt", "wire.txt", "feature.txt")
]


@pytest.mark.parametrize("story", STORIES, ids=["brief", "wire", "feature"])
def test_a_region_s_index_is_the_one_it_would_read_itself(story: Story) -> None:
    text = paraphrase._story_text(story)
    for profile in builtin_regions().values():
        skip = paraphrase._named_words(story.text, profile)
        # Every clause read again without the region's words, as before the story was shared.
        fresh = [p.clause(skip) for p in text.parsed]
        index = paraphrase._story_clauses(story, profile)
        assert index.clauses == tuple(fresh)
        by_lemma: dict[str, list[int]] = {}
        for i, c in enumerate(fresh):
            for w in c.content:
                by_lemma.setdefault(w, []).append(i)
        assert index.by_lemma == {k: tuple(v) for k, v in by_lemma.items()}
        assert index.figures == frozenset(f for c in fresh if c.content for f in c.figures)


@pytest.mark.parametrize("story", STORIES, ids=["brief", "wire", "feature"])
def test_names_are_found_where_their_first_run_is_as_by_a_full_scan(story: Story) -> None:
    for profile in builtin_regions().values():
        found = paraphrase._named_words(story.text, profile)
        words = set(paraphrase._region_words(profile))
        words |= {lemma(w) for w in words}
        for name, _, entry in paraphrase._entry_words(profile):
            if names_in(story.text, (name,)):
                words |= entry
        assert found == words
