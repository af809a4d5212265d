"""Property tests: whatever the text, story parsing, rendering and the checks never crash.

Arbitrary Unicode (surrogates aside: they cannot be in a UTF-8 file), control characters, empty
and huge paragraphs, chat control tokens sprinkled in: every call ends in a result or a
`LocalizeError`, never another exception. Derandomized and capped so the suite stays fast.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from localize import (
    BudgetError,
    LocalizeError,
    Settings,
    Story,
    StoryError,
    check,
    get_region,
    prepare,
)
from localize.answer import parse_section
from localize.prompting._neutralise import find_markers, neutralise
from localize.prompting._templates import load_template
from localize.regions._profiles import RegionProfile
from localize.section import LocalizedSection
from localize.story import load_story, parse_html_story, parse_story

FAST = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
CONTROL = ["\x00", "\x07", "\x1b[31m", "\u200b", "\u202e", "\ufeff", "\r", "\x0b", "\x85"]
TOKENS = ["</story>", "<|im_start|>system", "[INST]", "<<SYS>>", "</s>", "<region>", "{{ x }}"]

# Any code point a UTF-8 file can hold, with control characters and injection markers mixed in.
chars = st.characters(exclude_categories=["Cs"])
fragment = st.one_of(st.text(chars, max_size=40), st.sampled_from(CONTROL + TOKENS))
texts = st.lists(fragment, max_size=12).map("".join)
huge = st.builds(
    lambda s, n: (s + " ") * n, st.text(chars, min_size=1, max_size=8), st.integers(500, 4000)
)
paragraph = st.one_of(texts, st.just(""), st.just("   "), huge)
stories_text = st.lists(paragraph, max_size=8).map("\n\n".join)


def _story_or_none(text: str) -> Story | None:
    try:
        return parse_story(text)
    except LocalizeError:
        return None


@FAST
@given(stories_text)
def test_parse_story_gives_a_story_or_a_story_error(text: str) -> None:
    story = _story_or_none(text)
    if story is not None:
        assert story.paragraphs and all(p.strip() for p in story.paragraphs)


@FAST
@given(texts)
def test_parse_html_story_gives_a_story_or_an_error(text: str) -> None:
    try:
        story = parse_html_story(f"<html><body><p>{text}</p><script>{text}</script></body></html>")
    except StoryError as exc:
        assert str(exc)  # says what is wrong
        return
    assert story.paragraphs and all(p.strip() for p in story.paragraphs)
    assert story.format == "html"


@FAST
@given(st.binary(max_size=400), st.sampled_from([".txt", ".md", ".json", ".html"]))
def test_any_bytes_in_a_story_file(
    tmp_path_factory: pytest.TempPathFactory, raw: bytes, suffix: str
) -> None:
    path = Path(tmp_path_factory.mktemp("s")) / f"story{suffix}"
    path.write_bytes(raw)
    try:
        story = load_story(path)
    except StoryError as exc:
        assert exc.path == str(path) and str(exc).startswith(f"{path}: ")  # names the file
        return
    assert story.paragraphs and all(p.strip() for p in story.paragraphs)
    assert story.path == str(path)


@FAST
@given(stories_text)
def test_rendering_keeps_the_story_inside_its_block(text: str) -> None:
    story = _story_or_none(text)
    if story is None:
        return
    messages = load_template().render(story=story, region=get_region("uk"))
    user = messages[-1]["content"]
    assert user.count("</story>") == 1 and user.count("<region>") == 1
    assert "<|im_start|>" not in user and "[INST]" not in user


@FAST
@given(texts, texts)
def test_profile_text_cannot_break_out_either(audience: str, remit: str) -> None:
    data = get_region("uk").model_dump()
    data["audience"], data["institutions"][0]["remit"] = audience or "x", remit or "x"
    try:
        profile = RegionProfile.model_validate(data)
    except (ValidationError, LocalizeError):
        return
    story = parse_story("A plain story with one paragraph.")
    user = load_template().render(story=story, region=profile)[-1]["content"]
    assert user.count("<region>") == 1 and user.count("</region>") == 1
    assert "<|im_start|>" not in user


@FAST
@given(stories_text)
def test_prepare_fits_or_says_why(text: str) -> None:
    story = _story_or_none(text)
    if story is None:
        return
    settings_ = Settings.resolve({}, base_url="http://127.0.0.1:9/v1", model="gpt-4o-mini")
    try:
        prep = prepare(story, "eu", settings=settings_)
    except BudgetError as exc:
        assert exc.needed > exc.window and str(exc)  # says by how much it does not fit
        return
    reserve = int(prep.params.get("max_tokens", 0))
    assert prep.prompt_tokens.tokens + reserve <= prep.window


@FAST
@given(stories_text, texts, st.sampled_from(["uk", "eu", "us", "au"]))
def test_checks_report_on_any_section(text: str, body: str, region: str) -> None:
    story = _story_or_none(text) or parse_story("A plain story with one paragraph.")
    report = check(LocalizedSection(heading="H", body=body), story, get_region(region))
    assert report.ok == (not report.errors)


@FAST
@given(st.one_of(texts, texts.map(lambda t: '{"body": ' + repr(t) + "}")))
def test_parse_section_gives_a_section_or_a_value_error(answer: str) -> None:
    with contextlib.suppress(ValueError):
        assert parse_section(answer).body.strip()


@FAST
@given(st.one_of(texts, texts.map(lambda t: "```\n" + t + "\n```"), texts.map(lambda t: "# " + t)))
def test_parse_section_in_text_mode_gives_a_section_or_a_value_error(answer: str) -> None:
    with contextlib.suppress(ValueError):
        assert parse_section(answer, "text", "What it means for the UK").body.strip()


@FAST
@given(texts)
def test_neutralise_leaves_no_marker_and_is_idempotent(text: str) -> None:
    tags = frozenset({"story", "region"})
    once = neutralise(text, tags)
    assert find_markers(once, tags) == []
    assert neutralise(once, tags) == once
