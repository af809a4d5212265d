"""One analysis per story: computed once for all of its regions, kept while its jobs run."""

from __future__ import annotations

import pytest

from localize import check, get_region, parse_story
from localize.grounding._analysis import STORIES_KEPT, analyse, forget_story
from localize.grounding.attribution import _actions
from localize.story import Story
from localize.text import Sentence

STORY = (
    "US bans exports\n\nThe US government banned exports of two AI models to 50 companies on "
    "Monday. Anthropic said it would comply."
)
SECTION = "The NCSC advises UK organisations to review their suppliers after the US ban."


def test_the_story_part_is_computed_once_for_regions_that_read_it_alike(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """uk, eu and us profiles find the same actors in a story: its actions are read once."""
    reads: list[int] = []
    inner = _actions.story_sentences

    def counting(story: Story) -> tuple[Sentence, ...]:
        reads.append(1)
        return inner(story)

    monkeypatch.setattr(_actions, "story_sentences", counting)
    story = parse_story(STORY + " Once.")
    for region in ("uk", "eu", "us"):
        check(SECTION, story, get_region(region), min_words=1)
    assert len(reads) == 1


def test_analyses_are_kept_by_story_not_by_story_and_region() -> None:
    stories = [parse_story(f"{STORY} Item {n}.") for n in range(40)]
    for story in stories:
        for region in ("uk", "eu", "us", "au"):
            check(SECTION, story, get_region(region), min_words=1)
    # 32 jobs in flight are at most 32 stories: more than that many stay warm, so the first
    # story's analysis still holds what was computed for it (a new one would be empty).
    assert STORIES_KEPT > 32
    assert analyse(stories[0])._memo


def test_a_forgotten_story_is_analysed_afresh() -> None:
    story = parse_story(STORY + " Forgotten.")
    check(SECTION, story, get_region("uk"), min_words=1)
    assert analyse(story)._memo
    forget_story(story)
    assert not analyse(story)._memo
