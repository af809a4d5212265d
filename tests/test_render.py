"""Rendering: every output format carries the disclosure; splicing keeps the story's format."""

from __future__ import annotations

import dataclasses
import html
import json
from pathlib import Path

import pytest

from localize import LocalizedSection, Provenance, Story, check, get_region, load_story
from localize._disclosure import COMPOSITE_SYNTHETIC, DEFAULT_DISCLOSURE, TRAINED_ALGORITHMIC_MEDIA
from localize._section_file import read_section
from localize.regions._profiles import RegionProfile
from localize.render import OUTPUT_FORMATS, OutputFormat, render
from localize.result import LocalizeResult
from tests.support import PAGES, STORIES

BODY = (
    'The NCSC and the ICO will watch the order, which the letter calls "dangerous" & more.\n\n'
    "UK firms that use <b>such</b> models should check their suppliers."
)


def _result(story: Story, region: RegionProfile | str = "uk") -> LocalizeResult:
    profile = get_region(region) if isinstance(region, str) else region
    section = LocalizedSection(heading=profile.section_heading, body=BODY)
    provenance = Provenance(
        model="smollm2-135m-instruct",
        endpoint_host="127.0.0.1:8765",
        template_name="section",
        template_version="1",
        template_sha256="0" * 64,
        structured_mode="json_object",
        prompt_tokens=900,
        completion_tokens=80,
        cached_tokens=0,
        attempts=1,
        latency_s=1.5,
        trimmed_paragraphs=(),
        prompt_tokens_estimate=880,
        estimate_approximate=True,
        estimated_cost_usd=None,
        story_id=story.id,
        story_sha256=story.sha256,
        region=profile.id,
    )
    return LocalizeResult(section, provenance, check(section, story, profile), story, profile)


@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
@pytest.mark.parametrize("splice", [False, True])
def test_every_format_carries_the_disclosure(fmt: OutputFormat, splice: bool) -> None:
    out = render(_result(load_story(STORIES / "wire.txt")), fmt, splice=splice)
    assert DEFAULT_DISCLOSURE in out
    custom = render(_result(load_story(STORIES / "wire.txt")), fmt, disclosure="Drafted by AI.")
    assert "Drafted by AI." in custom and DEFAULT_DISCLOSURE not in custom


def test_html_section_is_escaped_and_labelled() -> None:
    out = render(_result(load_story(STORIES / "wire.txt")), "html")
    assert out.startswith('<section class="localize" data-region="uk" lang="en-GB">\n')
    assert "<h2>What it means for the UK</h2>" in out
    assert "&lt;b&gt;such&lt;/b&gt;" in out and "&quot;dangerous&quot; &amp; more" in out
    assert f'<p class="localize-disclosure"><small>{html.escape(DEFAULT_DISCLOSURE)}' in out


def test_json_names_the_iptc_digital_source_type() -> None:
    data = json.loads(render(_result(load_story(STORIES / "wire.txt")), "json"))
    # The same object a batch line holds: the labels are in its provenance.
    assert set(data) == {
        "story_id",
        "region",
        "ok",
        "status",
        "section",
        "checks",
        "provenance",
        "error",
    }
    prov = data["provenance"]
    assert prov["digital_source_type"] == TRAINED_ALGORITHMIC_MEDIA
    assert TRAINED_ALGORITHMIC_MEDIA.startswith("http://cv.iptc.org/newscodes/digitalsourcetype/")
    assert prov["disclosure"] == DEFAULT_DISCLOSURE
    for key in ("story_sha256", "region", "profile_version", "template_sha256", "model"):
        assert key in prov
    spliced = json.loads(render(_result(load_story(STORIES / "wire.txt")), "json", splice=True))
    assert spliced["document_digital_source_type"] == COMPOSITE_SYNTHETIC
    assert spliced["document_format"] == "text" and spliced["document"].endswith(
        DEFAULT_DISCLOSURE + "\n"
    )


def test_profile_disclosure_and_language() -> None:
    region = get_region("uk").model_copy(
        update={"disclosure": "Mit KI erstellt.", "language": "de", "locale": "de-DE"}
    )
    out = render(_result(load_story(STORIES / "wire.txt"), region), "html")
    assert 'lang="de-DE"' in out and "Mit KI erstellt." in out


def test_splice_into_a_page_at_the_marker(tmp_path: Path) -> None:
    page = (PAGES / "wire-cms.html").read_text()
    at = page.index("<p>The implications for UK businesses")
    (tmp_path / "p.html").write_text(page[:at] + "<!--localize-->\n    " + page[at:])
    out = render(_result(load_story(tmp_path / "p.html")), splice=True)
    assert out.startswith("<!DOCTYPE html>") and "<!--localize-->" not in out
    section = out.index('<section class="localize"')
    assert out.index("Moussouris elaborated") < section < out.index("The implications for UK")
    # Everything else on the page is as it was: the CMS keeps its furniture.
    assert out.count("Sign up to Tech Weekly") == 1 and out.endswith("</html>\n")


def test_splice_into_a_page_without_marker_ends_the_article() -> None:
    out = render(_result(load_story(PAGES / "feature-cms.html")), splice=True)
    section = out.index('<section class="localize"')
    assert out.index("What Happens Next") < section < out.index("</article>")
    assert section > out.index("Sam Okafor is Circuit Review")  # inside the article, at its end


def test_splice_into_text_markdown_and_json(tmp_path: Path) -> None:
    text = tmp_path / "s.txt"
    text.write_text("Headline words\n\nFirst.\n\n<!-- localize -->\n\nLast.\n")
    out = render(_result(load_story(text)), splice=True)
    assert out.index("First.") < out.index("What it means for the UK") < out.index("Last.")
    assert "## " not in out and "<!-- localize -->" not in out

    md = tmp_path / "s.md"
    md.write_text("# Headline\n\nFirst.\n\nLast.\n")
    out = render(_result(load_story(md)), splice=True)
    assert out.startswith("# Headline\n") and out.endswith(f"*{DEFAULT_DISCLOSURE}*\n")
    assert out.index("Last.") < out.index("## What it means for the UK")

    cms = tmp_path / "s.json"
    cms.write_text(json.dumps({"id": "a1", "headline": "H", "body": "First.\n\n%%\n\nLast."}))
    data = json.loads(render(_result(load_story(cms, marker="%%")), splice=True, marker="%%"))
    assert data["id"] == "a1" and data["headline"] == "H"
    assert (
        data["body"].index("First.")
        < data["body"].index("What it means")
        < data["body"].index("Last.")
    )


def test_splice_in_another_format_renders_the_story_afresh() -> None:
    story = dataclasses.replace(load_story(STORIES / "wire.txt"), byline="Priya Raman")
    out = render(_result(story), "html", splice=True)
    assert out.startswith("<!doctype html>") and '<meta name="author" content="Priya Raman">' in out
    assert out.index("</p>") < out.index('<section class="localize"') < out.index("</article>")


def test_a_text_marker_paragraph_in_a_page_is_replaced_whole(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text(
        "<html><body><article><h1>Headline</h1><p>First paragraph of the story.</p>"
        "<p> [[regional]] </p><p>Last paragraph of the story.</p></article></body></html>"
    )
    out = render(
        _result(load_story(page, marker="[[regional]]")), splice=True, marker="[[regional]]"
    )
    assert "<p>First paragraph of the story.</p><section" in out
    assert "</section><p>Last paragraph" in out and "[[regional]]" not in out


@pytest.mark.parametrize("fmt", ["markdown", "html", "text"])
def test_a_rendered_section_reads_back_without_its_disclosure_line(
    fmt: OutputFormat, tmp_path: Path
) -> None:
    body = "UK firms lost Fable and Mythos [4].\n\nThe NCSC works with *defenders* on patching."
    section = LocalizedSection.from_text("What it means for the UK", body)
    result = dataclasses.replace(_result(load_story(STORIES / "wire.txt")), section=section)
    path = tmp_path / {"markdown": "s.md", "html": "s.html", "text": "s.txt"}[fmt]
    path.write_text(render(result, fmt), encoding="utf-8")
    back = read_section(path, get_region("uk"))
    assert back.heading == "What it means for the UK"
    assert "written with the help of AI" not in back.body
    assert back.paragraphs[0] == "UK firms lost Fable and Mythos."
    # A last paragraph that only looks like a label stays: it is the section's own text.
    own = tmp_path / "own.md"
    own.write_text("## Heading\n\nFirst paragraph.\n\n*Written with care by our desk.*\n")
    assert read_section(own, get_region("uk")).paragraphs[-1] == "*Written with care by our desk.*"
