"""Output formats: Markdown, text, HTML and JSON, on their own or spliced into the story.

Every rendered section ends with its disclosure line (see `localize._disclosure`); JSON output
names the IPTC digital source type as well. Stories render in the same four formats, which is
how a section is spliced into a story that has no document of its own, and how the tests show
that each input format reads back what was written.
"""

from __future__ import annotations

import html
import json
from typing import Any, Literal

from localize._disclosure import COMPOSITE_SYNTHETIC, disclosure_for
from localize._splice import insert_into_html, insert_into_text
from localize.errors import ConfigError
from localize.pipeline import PreparedPrompt
from localize.regions._profiles import RegionProfile
from localize.result import LocalizeResult
from localize.section import LocalizedSection
from localize.story import SPLICE_MARKER, STORY_FORMATS, Story, StoryFormat, detect_format

__all__ = [
    "FORMAT_ALIASES",
    "OUTPUT_FORMATS",
    "OutputFormat",
    "output_format",
    "render",
    "render_prompt",
    "render_section",
    "render_story",
    "splice_section",
]

# A section renders in the same four formats a story is read from.
OutputFormat = StoryFormat
OUTPUT_FORMATS: tuple[OutputFormat, ...] = STORY_FORMATS
# Other spellings a caller may use for a format: names are also matched without regard to case.
FORMAT_ALIASES: dict[str, OutputFormat] = {"md": "markdown", "txt": "text", "htm": "html"}


def output_format(fmt: str) -> OutputFormat:
    """``fmt`` as one of `OUTPUT_FORMATS`: case is ignored and `FORMAT_ALIASES` are accepted
    ("md", "HTML"); anything else is a `ConfigError` naming the formats."""
    name = fmt.strip().lower() if isinstance(fmt, str) else fmt
    for known in OUTPUT_FORMATS:
        if name == known:
            return known
    if isinstance(name, str) and name in FORMAT_ALIASES:
        return FORMAT_ALIASES[name]
    raise ConfigError(
        f"unknown format {fmt!r}; use one of {', '.join(OUTPUT_FORMATS)} "
        f"(or {', '.join(FORMAT_ALIASES)})",
        option="format",
    )


_SectionFormat = Literal["markdown", "text", "html"]


def _markdown_escape(text: str) -> str:
    return "".join("\\" + c if c in "\\*_`[]<>" else c for c in text)


def _lang(region: RegionProfile) -> str:
    """The HTML ``lang`` of a section: the locale when it is in the profile's language."""
    same = region.locale.split("-")[0] == region.language.split("-")[0]
    return region.locale if same else region.language


def render_section(
    section: LocalizedSection, region: RegionProfile, fmt: _SectionFormat, disclosure: str
) -> str:
    """One section with its heading and disclosure line, as Markdown, text or HTML."""
    if fmt == "html":
        paragraphs = "".join(f"<p>{html.escape(p)}</p>\n" for p in section.paragraphs)
        return (
            f'<section class="localize" data-region="{html.escape(region.id)}" '
            f'lang="{html.escape(_lang(region))}">\n'
            f"<h2>{html.escape(section.heading)}</h2>\n{paragraphs}"
            f'<p class="localize-disclosure"><small>{html.escape(disclosure)}</small></p>\n'
            "</section>\n"
        )
    body = "\n\n".join(section.paragraphs)
    if fmt == "markdown":
        return f"## {section.heading}\n\n{body}\n\n*{_markdown_escape(disclosure)}*\n"
    return f"{section.heading}\n\n{body}\n\n{disclosure}\n"


def render_story(story: Story, fmt: StoryFormat) -> str:
    """A story as a document in ``fmt``, from its parsed parts (not its original document)."""
    if fmt == "json":
        data = {
            "id": story.id,
            "headline": story.headline,
            "byline": story.byline,
            "source": story.outlet,
            "url": story.url,
            "published": story.published,
            "body": story.body,
        }
        return json.dumps({k: v for k, v in data.items() if v}, ensure_ascii=False, indent=2) + "\n"
    if fmt == "html":
        meta = "".join(
            f'<meta {attr}="{name}" content="{html.escape(value)}">\n'
            for attr, name, value in (
                ("name", "author", story.byline),
                ("property", "article:published_time", story.published),
                ("property", "og:url", story.url),
            )
            if value
        )
        head = html.escape(story.headline) if story.headline else ""
        paragraphs = "".join(f"<p>{html.escape(p)}</p>\n" for p in story.paragraphs)
        return (
            f'<!doctype html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>{head}</title>\n'
            f"{meta}</head>\n<body>\n<article>\n"
            f"{f'<h1>{head}</h1>' + chr(10) if head else ''}{paragraphs}"
            "</article>\n</body>\n</html>\n"
        )
    if fmt == "markdown":
        return (f"# {story.headline}\n\n" if story.headline else "") + story.body + "\n"
    return story.text + "\n"


def splice_section(
    story: Story,
    section: LocalizedSection,
    region: RegionProfile,
    disclosure: str,
    *,
    fmt: StoryFormat | None = None,
    marker: str = SPLICE_MARKER,
) -> str:
    """The story with the section inserted at ``marker`` or at the end.

    In the story's own format (its original document, so the page or CMS object is kept as it
    was) unless ``fmt`` asks for another, which renders the story afresh in that format.
    """
    target = fmt or story.format
    document = story.document if target == story.format and story.document else None
    document = document or render_story(story, target)
    if target == "json":
        data: dict[str, Any] = json.loads(document)
        body = str(data.get("body") or "")
        inner: _SectionFormat = "markdown" if detect_format(body) == "markdown" else "text"
        block = render_section(section, region, inner, disclosure)
        data["body"] = insert_into_text(body, block, marker).rstrip("\n")
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    block = render_section(section, region, target, disclosure)
    if target == "html":
        return insert_into_html(document, block, marker)
    return insert_into_text(document, block, marker)


def render(
    result: LocalizeResult,
    fmt: OutputFormat | None = None,
    *,
    splice: bool = False,
    disclosure: str | None = None,
    marker: str = SPLICE_MARKER,
) -> str:
    """The result as a document (Markdown by default).

    With ``splice``: the story with the section in it, in the story's own format unless ``fmt``
    names another; ``fmt="json"`` gives the result JSON with the spliced story as ``document``.
    ``disclosure`` replaces the profile's disclosure line. ``fmt`` is matched as
    `output_format` matches it: "md" and "HTML" work, an unknown format raises `ConfigError`.
    """
    fmt = None if fmt is None else output_format(fmt)
    line = disclosure_for(result.region, disclosure)
    if fmt == "json":
        # The object batch lines hold too; the disclosure and the IPTC digital source type
        # (``digital_source_type``) are in its provenance.
        data = result.to_dict()
        data["provenance"]["disclosure"] = line
        if splice:
            data["document"] = splice_section(
                result.story, result.section, result.region, line, marker=marker
            )
            data["document_format"] = result.story.format
            data["document_digital_source_type"] = COMPOSITE_SYNTHETIC
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if splice:
        return splice_section(
            result.story, result.section, result.region, line, fmt=fmt, marker=marker
        )
    return render_section(result.section, result.region, fmt or "markdown", line)


def render_prompt(prep: PreparedPrompt, fmt: OutputFormat = "text") -> str:
    """What ``--dry-run`` prints: the rendered messages and their token counts, as text or JSON."""
    fmt = output_format(fmt)
    data = prep.to_dict()
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    blocks = [
        f"--- {m['role']} ({m['tokens']} tokens) ---\n{m['content']}\n" for m in data["messages"]
    ]
    trimmed = ", ".join(map(str, prep.fitted.trimmed)) or "none"
    count = prep.prompt_tokens
    summary = (
        f"prompt: {count.tokens} tokens for {prep.model} "
        f"({'approximate, ' if count.approximate else ''}{count.encoding}); "
        f"window: {prep.window}; reserved for output: {data['reserved_for_output']}; "
        f"trimmed paragraphs: {trimmed}\n"
    )
    return "\n".join(blocks) + "\n" + summary
