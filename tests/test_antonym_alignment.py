"""Opposites the antonym table knows but the clause comparison used to miss (issue 18): a pair
in a derived noun ("rejection" for "approved"), and a pair whose settings share their words
only once the function words and asides between them are passed over. Each class is caught,
and a restatement of the same kind is not flagged."""

from __future__ import annotations

import pytest

from localize.grounding._paraphrase import check_paraphrase
from localize.regions._profiles import get_region
from localize.story import parse_story
from localize.text._lemmas import word_root


def _messages(story: str, section: str) -> list[str]:
    return [f.message for f in check_paraphrase(section, parse_story(story), get_region("us"))]


@pytest.mark.parametrize(
    ("derived", "root"),
    [
        ("reduction", "reduce"),
        ("rejection", "reject"),
        ("approval", "approve"),
        ("growth", "grow"),
        ("expansion", "expand"),
        ("weakness", "weak"),
        ("stability", "stable"),
        ("denial", "deny"),
    ],
)
def test_a_derived_word_leads_back_to_its_verb_or_adjective(derived: str, root: str) -> None:
    assert word_root(derived) == root


@pytest.mark.parametrize(
    "word",
    ["partial", "total", "station", "national", "mission", "business", "hardly", "minority"],
)
def test_a_word_that_is_no_derived_noun_has_no_root(word: str) -> None:
    # "partial" is an adjective, not a noun made from "party"; "station" is a verb too;
    # "mission" leaves too short a stem; an adverb ("hardly") or an "-ity" noun ("minority")
    # has often drifted from its root's sense, and is never led back to it.
    assert word_root(word) is None


APPROVED = "The regulator approved the merger of the two airlines in March after a long review."
APPROVAL = "The regulator's approval of the airline merger came in March after a long review."


def test_an_opposite_in_a_derived_noun_is_caught_in_a_restated_clause() -> None:
    section = "The regulator's rejection of the airline merger came in March after a long review."
    messages = _messages(APPROVED, section)
    assert len(messages) == 1
    assert '"rejection" where the story says "approve"' in messages[0]
    assert f'[1] "{APPROVED}"' in messages[0]


def test_an_opposite_of_the_story_s_derived_noun_is_caught() -> None:
    section = "The regulator rejected the merger of the two airlines in March after a long review."
    messages = _messages(APPROVAL, section)
    assert len(messages) == 1 and '"reject" where the story says "approval"' in messages[0]


def test_a_derived_noun_restating_the_story_s_verb_passes() -> None:
    assert _messages(APPROVED, APPROVAL) == []
    assert (
        _messages(APPROVAL, "The regulator approved the merger of the two airlines in March.") == []
    )


RAISED = (
    "The landlord raised rents for tenants in the north of the city this spring, the report said."
)


def test_an_opposite_in_a_derived_noun_is_caught_by_its_setting() -> None:
    # The section clause folds more than the story sentence gives: it aligns with no story
    # clause as a whole, and the opposite is placed by the words around it.
    section = (
        "The report describes a rent reduction for tenants in the north, alongside new parking "
        "rules and a change to the bin collection schedule."
    )
    messages = _messages(RAISED, section)
    assert len(messages) == 1 and '"reduction" where the story says "raise"' in messages[0]


def test_the_story_s_own_word_in_a_derived_form_is_no_opposite() -> None:
    # The story gives both directions for rents: "reduce" restates its "reduction" and is no
    # opposite of its "increase".
    story = (
        "The council announced a reduction in rents for tenants, then an increase in rents for "
        "tenants the next year."
    )
    section = (
        "The council will reduce rents for tenants, it said in a statement to local reporters and "
        "residents."
    )
    assert _messages(story, section) == []


HARD = (
    "Well yeah, the voice recognition of course is hard to learn, I think. The basic part is "
    "something everybody can use."
)


def test_an_opposite_is_placed_past_the_asides_between_its_words() -> None:
    # "of course is" fills the few places around "hard": only "learn" is shared there, while
    # the nearest content words on each side ("recognition" before, "learn" after) match.
    section = (
        "There was also a mention of voice recognition being easy to learn for both young and "
        "elderly users."
    )
    messages = _messages(HARD, section)
    assert len(messages) == 1 and '"easy" where the story says "hard"' in messages[0]


def test_the_story_s_word_past_the_asides_passes() -> None:
    section = (
        "There was also a mention of voice recognition being hard to learn for both young and "
        "elderly users."
    )
    assert _messages(HARD, section) == []


def test_nearest_words_on_opposite_sides_are_no_shared_setting() -> None:
    # "access to Mythos" follows "early" in the section but comes before "later" in the story:
    # an early access restates "initially gave ... access", it swaps nothing.
    story = (
        "The company initially gave roughly 50 companies access to Mythos and later expanded "
        "that group to around 150 organizations."
    )
    section = "The agency gave roughly 50 companies early access to Mythos before the order."
    assert _messages(story, section) == []
