"""What the attribution, claim and support checks read once and share (issue 23): the
section's acts, the story's words, the lexicon names a story holds. Shared, each must read as
it would alone."""

from __future__ import annotations

import pytest

from localize.grounding._support import link_sentences
from localize.grounding.attribution._actions import (
    SectionActs,
    actions_in,
    reported_in,
    story_actions,
)
from localize.grounding.attribution._actors import (
    _lexicon_names,
    _names_held,
    story_lexicon,
    story_words,
)
from localize.grounding.attribution._checks import check_actions
from localize.regions import builtin_regions, get_region
from localize.story import load_story
from localize.text._sentences import split_sentences, story_sentences
from localize.text._word_spans import word_index, word_spans
from tests.support import STORIES

SECTION = (
    "The US order on Anthropic's models reaches UK firms. The NCSC, which oversees export "
    "controls, has said it is studying the ban. Seventy-six experts signed the letter. Firms "
    "that rely on the models here lose them."
)


def test_a_section_s_acts_are_read_once_and_as_actions_in_reads_them() -> None:
    story, profile = load_story(STORIES / "wire.txt"), get_region("uk")
    acts = SectionActs(story, profile)
    lexicon = story_lexicon(story, profile)
    for sentence in split_sentences(SECTION):
        assert acts.of(sentence.text) == actions_in(sentence.text, lexicon)
        assert acts.of(sentence.text) is acts.of(sentence.text)
        assert reported_in(sentence.text, story, profile, acts) == reported_in(
            sentence.text, story, profile
        )
    shared = SectionActs(story, profile)
    assert list(check_actions(SECTION, story, profile, shared)) == list(
        check_actions(SECTION, story, profile)
    )
    assert link_sentences(SECTION, (), story, profile, shared) == link_sentences(
        SECTION, (), story, profile
    )


def test_the_story_s_words_are_each_sentence_s_word_spans() -> None:
    story, profile = load_story(STORIES / "wire.txt"), get_region("uk")
    sentences = story_sentences(story)
    assert story_words(story) == tuple(word_spans(s.text) for s in sentences)
    assert story_actions(story, profile)  # read from the shared words


@pytest.mark.parametrize("text", ["", "one", "The NCSC warned. Then it  acted, twice."])
def test_word_index_is_the_first_word_at_or_after_an_offset(text: str) -> None:
    words = word_spans(text)
    for pos in range(-1, len(text) + 2):
        expected = next((i for i, w in enumerate(words) if w[0] >= pos), len(words))
        assert word_index(words, pos) == expected


def test_the_names_a_story_holds_are_those_a_substring_search_finds() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(STORIES.glob("*.txt"))]
    texts += [p.text for p in builtin_regions().values()]
    for profile in builtin_regions().values():
        names = _lexicon_names(profile)
        for text in texts:
            text = " ".join(text.split())
            assert _names_held(text, names) == frozenset(n for n in names if n in text)
