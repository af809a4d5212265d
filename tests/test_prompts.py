from __future__ import annotations

from pathlib import Path

import pytest

from localize import PromptTemplate, TemplateError, get_region, load_template, parse_story

STORY = parse_story("# Ban\n\nThe lede {{ region.name }} {% raw %}.\n\nSecond paragraph.")


def test_builtin_template_metadata_and_layout() -> None:
    t = load_template()
    assert (t.name, t.version, t.min_words, t.max_words) == ("section", "3", 40, 400)
    assert t.defaults["temperature"] == 0 and "seed" in t.defaults
    uk = t.render(story=STORY, region=get_region("uk"))
    eu = t.render(story=STORY, region=get_region("eu"))
    assert [m["role"] for m in uk] == ["system", "user"]
    # Shared prefix first: system and story identical across regions, profile after the story.
    assert uk[0] == eu[0]
    story_end = uk[1]["content"].index("</story>")
    assert uk[1]["content"][:story_end] == eu[1]["content"][:story_end]
    # A story on no beat gets the general bodies (UK Parliament), after the story.
    assert uk[1]["content"].index("UK Parliament") > story_end


def test_story_text_is_data_not_template_source() -> None:
    msgs = load_template().render(story=STORY, region=get_region("uk"))
    assert "The lede {{ region.name }} {% raw %}." in msgs[1]["content"]


def test_missing_variables_are_all_named() -> None:
    t = PromptTemplate.from_string(
        "{% block user %}{{ story.headline }} {{ tone }} {{ x }}{% endblock %}", source="t.jinja"
    )
    with pytest.raises(TemplateError) as info:
        t.render(story=STORY)
    assert info.value.missing == ["region", "tone", "x"]
    assert "t.jinja" in str(info.value)


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    p = tmp_path / "broken.jinja"
    p.write_text("---\nname: broken\n---\n{% block user %}\n{{ story.headline \n{% endblock %}")
    with pytest.raises(TemplateError) as info:
        load_template(str(p))
    assert str(p) in str(info.value)
    assert info.value.line is not None and info.value.line >= 4


def test_sandbox_blocks_unsafe_attribute_access() -> None:
    t = PromptTemplate.from_string(
        "{% block user %}{{ story.__class__.__mro__ }}{% endblock %}", source="evil"
    )
    with pytest.raises(TemplateError):
        t.render(story=STORY, region=get_region("uk"))


def test_sandbox_verdicts_are_remembered_per_type_and_attribute() -> None:
    # `BoundedSandbox.getattr` remembers Jinja's verdict per (type, attribute): a safe read of
    # one attribute must not let another of the same type through, on any render.
    safe = PromptTemplate.from_string(
        "{% block user %}{{ [3, 1].index(1) }}{% for s in 'ab' %}{{ loop.first }}{% endfor %}"
        "{% endblock %}",
        source="safe",
    )
    mutating = PromptTemplate.from_string(
        "{% block user %}{{ [3, 1].append(2) }}{% endblock %}", source="mutating"
    )
    for _ in range(2):
        assert safe.render(story=STORY, region=get_region("uk"))[0]["content"] == "1TrueFalse"
        with pytest.raises(TemplateError, match="unsafe"):
            mutating.render(story=STORY, region=get_region("uk"))


def test_unknown_template_lists_builtins() -> None:
    with pytest.raises(TemplateError, match="built-in: section"):
        load_template("nonexistent")


def test_reask_renders_problems() -> None:
    text = load_template().render_reask("- The quote is invented.")
    assert "- The quote is invented." in text and '"paragraphs"' in text
