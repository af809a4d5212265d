from __future__ import annotations

from pathlib import Path

import pytest

from localize import Story, StoryError, load_story, parse_story
from tests.support import STORIES


def test_markdown_heading_is_headline_and_subheadings_stay_paragraphs() -> None:
    s = parse_story("# Ban sparks protest\n\nFirst para\nwraps here.\n\n## Why\n\nSecond.")
    assert s.headline == "Ban sparks protest"
    assert s.paragraphs == ("First para wraps here.", "Why", "Second.")


def test_short_first_line_is_headline_long_one_is_lede() -> None:
    s = parse_story("Anthropic ban sparks protest\nThe lede is here.\nMore.")
    assert s.headline == "Anthropic ban sparks protest"
    assert s.paragraphs == ("The lede is here.", "More.")
    s = parse_story("A long first line that ends like a sentence.\nMore.")
    assert s.headline is None
    assert s.paragraphs[0].startswith("A long first line")


def test_seed_stories_parse() -> None:
    brief = load_story(STORIES / "brief.txt")
    assert brief.headline == "Anthropic ban sparks protest: cybersecurity vets demand access"
    assert len(brief.paragraphs) == 21
    wire = load_story(STORIES / "wire-with-uk-section.txt")
    assert wire.headline is None and len(wire.paragraphs) == 6
    feature = load_story(STORIES / "feature.txt")
    assert feature.paragraphs[0].startswith("Seventy-six of the world")
    assert feature.id == "feature" and len(feature.sha256) == 64


def test_json_story(tmp_path: Path) -> None:
    p = tmp_path / "s.json"
    p.write_text('{"id": "a1", "headline": "H", "body": "One.\\n\\nTwo."}')
    s = load_story(p)
    assert (s.id, s.headline, s.paragraphs) == ("a1", "H", ("One.", "Two."))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"  \n\t\n ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
        (b"caf\xe9 au lait", "not UTF-8"),
    ],
)
def test_bad_story_files_name_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    p = tmp_path / "story.txt"
    p.write_bytes(content)
    with pytest.raises(StoryError, match=message) as info:
        load_story(p)
    assert str(p) in str(info.value)
    assert info.value.exit_code == 2


def test_missing_file_and_bad_json(tmp_path: Path) -> None:
    with pytest.raises(StoryError, match="no such file"):
        load_story(tmp_path / "nope.txt")
    p = tmp_path / "s.json"
    p.write_text('{"id": 1}')
    with pytest.raises(StoryError, match="'body'"):
        load_story(p)


def test_story_requires_text() -> None:
    with pytest.raises(StoryError):
        Story(paragraphs=("  ",))


_PAGE = """<!doctype html><html><head><title>Site | Ban</title><style>p{}</style></head>
<body><header><nav><p>Home</p></nav></header>
<article><h1>Experts protest &amp; demand access</h1>
<p>Seventy-six experts <em>signed</em> the letter.<br>It asks for access.</p>
<h2>What they said</h2><ul><li>Defenders lose tools.</li></ul>
<script>var p = "<p>not text</p>";</script></article>
<footer><p>&copy; The Paper</p></footer></body></html>"""


def test_html_story_keeps_article_text_and_drops_page_furniture(tmp_path: Path) -> None:
    p = tmp_path / "page.html"
    p.write_text(_PAGE)
    s = load_story(p)
    assert s.headline == "Experts protest & demand access"
    assert s.paragraphs == (
        "Seventy-six experts signed the letter. It asks for access.",
        "What they said",
        "Defenders lose tools.",
    )


def test_html_without_paragraphs_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "empty.html"
    p.write_text("<html><body><nav><p>Home</p></nav></body></html>")
    with pytest.raises(StoryError, match="no paragraphs") as info:
        load_story(p)
    assert str(p) in str(info.value)
