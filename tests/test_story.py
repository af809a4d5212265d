from __future__ import annotations

import dataclasses
import io
import json
import sys
from pathlib import Path

import pytest

from localize import Story, StoryError, load_story, parse_story
from localize.render import render_story
from localize.story import STDIN, StoryFormat
from tests.support import PAGES, STORIES


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


def test_html_without_article_text_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "empty.html"
    p.write_text("<html><body><script>var x = 1;</script><p> </p></body></html>")
    with pytest.raises(StoryError, match="no article text") as info:
        load_story(p)
    assert str(p) in str(info.value)


# --- CMS pages, formats, standard input -----------------------------------------------------------

# What a CMS puts around an article; none of it is story text.
_FURNITURE = (
    "cookie",
    "Cookie",
    "Sign up",
    "Subscribe",
    "Share",
    "Tweet",
    "Related",
    "Read more",
    "Photograph",
    "Image:",
    "Most viewed",
    "Popular now",
    "Advertisement",
    "Topics:",
    "Tags:",
    "Privacy notice",
    "comments",
    "Follow him",
    "All rights reserved",
)


def _seed(name: str) -> Story:
    return load_story(STORIES / f"{name}.txt")


def test_news_page_keeps_the_article_and_its_byline_and_date() -> None:
    s = load_story(PAGES / "wire-cms.html")
    assert s.format == "html"
    assert s.headline == "Security veterans warn US ban leaves defenders exposed"
    assert s.byline == "Priya Raman" and s.published == "2026-11-20"
    assert s.url == "https://ledger.example/technology/2026/nov/20/ai-export-ban-defenders"
    # Related links and a newsletter box sit between paragraphs; the text is the seed's own.
    assert s.paragraphs == _seed("wire-with-uk-section").paragraphs
    assert not [f for f in _FURNITURE if f in s.text]


def test_feature_page_with_subheads_list_and_byline_only_in_the_article() -> None:
    s = load_story(PAGES / "feature-cms.html")
    # No metadata in <head>: the byline and date come from inside the article container.
    assert s.byline == "Sam Okafor" and s.published == "2026-11-18"
    seed = _seed("feature").paragraphs
    takeaways = [t.strip() for t in seed[13].split("\u2022") if t.strip()]
    assert s.paragraphs == (*seed[:13], *takeaways, *seed[14:])
    assert not [f for f in _FURNITURE if f in s.text]


def _as_stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))


@pytest.mark.parametrize("name", ["wire", "wire-with-uk-section", "brief", "feature"])
@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json"])
def test_each_format_reads_back_what_was_written(
    name: str, fmt: StoryFormat, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = dataclasses.replace(_seed(name), byline="Priya Raman", published="2026-11-20")
    document = render_story(seed, fmt)
    suffix = {"text": ".txt", "markdown": ".md", "html": ".html", "json": ".json"}[fmt]
    path = tmp_path / f"{name}{suffix}"
    path.write_text(document, encoding="utf-8")
    _as_stdin(monkeypatch, document)
    from_stdin = load_story(STDIN)
    for story in (load_story(path), from_stdin):
        assert (story.headline, story.paragraphs) == (seed.headline, seed.paragraphs)
        if fmt in ("html", "json"):
            assert (story.byline, story.published) == ("Priya Raman", "2026-11-20")
    # A JSON story carries its id; any other story from stdin is named by its hash.
    assert from_stdin.id == (seed.id if fmt == "json" else seed.sha256[:12])
    assert from_stdin.path == "<stdin>"
    with pytest.warns(DeprecationWarning, match="Story.path"):
        assert from_stdin.source == "<stdin>"  # the old name, for a while
    assert from_stdin.format in ((fmt,) if fmt in ("html", "json") else ("text", "markdown"))


def test_input_format_overrides_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    _as_stdin(monkeypatch, '{"body": "Not JSON to this reader."}')
    s = load_story(STDIN, format="text")
    assert s.paragraphs == ('{"body": "Not JSON to this reader."}',)


def test_json_story_fields(tmp_path: Path) -> None:
    p = tmp_path / "cms.json"
    p.write_text(
        json.dumps(
            {
                "id": 42,
                "headline": "Export ban",
                "body": "First paragraph.\n\nSecond paragraph.",
                "byline": "Priya Raman",
                "source": "Ledger Wire",
                "url": "https://ledger.example/a",
                "published": "2026-11-20T08:15:00Z",
                "section": "ignored: CMS objects carry more fields than a story needs",
            }
        )
    )
    s = load_story(p)
    assert (s.id, s.headline, s.paragraphs) == (
        "42",
        "Export ban",
        ("First paragraph.", "Second paragraph."),
    )
    assert (s.byline, s.outlet, s.url, s.published) == (
        "Priya Raman",
        "Ledger Wire",
        "https://ledger.example/a",
        "2026-11-20T08:15:00Z",
    )
    p.write_text(json.dumps({"body": "Text.", "byline": ["two", "authors"]}))
    with pytest.raises(StoryError, match="field 'byline' is not a string"):
        load_story(p)


def test_the_splice_marker_is_not_story_text() -> None:
    s = parse_story("Headline here\n\nFirst.\n\n<!-- localize -->\n\nLast.")
    assert s.paragraphs == ("First.", "Last.")
    custom = parse_story("First.\n\n[[regional]]\n\nLast.", marker="[[regional]]")
    assert custom.paragraphs == ("First.", "Last.")


def test_stdin_that_is_not_utf8_names_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"caf\xe9 story")))
    with pytest.raises(StoryError, match="<stdin>: is not UTF-8"):
        load_story(STDIN)


def test_a_text_marker_in_a_page_is_not_story_text(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text(
        "<html><body><article><h1>Headline</h1><p>First paragraph of the story.</p>"
        "<p>[[regional]]</p><p>Last paragraph of the story.</p></article></body></html>"
    )
    s = load_story(page, marker="[[regional]]")
    assert s.paragraphs == ("First paragraph of the story.", "Last paragraph of the story.")


def test_a_story_wrapped_by_hand_is_read_as_whole_sentences() -> None:
    # Abstracts and e-mails come wrapped mid-sentence with no blank line: a line that stops
    # mid-sentence before a lower-case line continues it (issue 18: a section restating the
    # sentence was compared with its first half).
    story = parse_story(
        "We present the first verification that a neural network produces\n"
        " a correct output within a specified tolerance for every input. We define\n"
        " correctness relative to a specification.\n"
        "Results from two case studies follow."
    )
    assert story.paragraphs == (
        "We present the first verification that a neural network produces a correct output "
        "within a specified tolerance for every input. We define correctness relative to a "
        "specification.",
        "Results from two case studies follow.",
    )
    # Wire copy with one paragraph a line stays one paragraph a line.
    assert parse_story("Headline here\nFirst line.\nsecond line.").paragraphs == (
        "First line.",
        "second line.",
    )
