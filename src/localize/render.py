"""Output formats: Markdown, JSON and plain text, on their own or spliced into the story."""

from __future__ import annotations

import json
from typing import Literal

from localize.pipeline import LocalizeResult, PreparedPrompt
from localize.section import LocalizedSection
from localize.story import Story

__all__ = ["OutputFormat", "render", "render_prompt"]

OutputFormat = Literal["markdown", "json", "text"]


def _section_markdown(section: LocalizedSection) -> str:
    return f"## {section.heading}\n\n" + "\n\n".join(section.paragraphs) + "\n"


def _section_text(section: LocalizedSection) -> str:
    return f"{section.heading}\n\n" + "\n\n".join(section.paragraphs) + "\n"


def _story_markdown(story: Story) -> str:
    head = f"# {story.headline}\n\n" if story.headline else ""
    return head + story.body + "\n"


def _story_text(story: Story) -> str:
    return story.text + "\n"


def render(result: LocalizeResult, fmt: OutputFormat = "markdown", *, splice: bool = False) -> str:
    """The result as a document; with ``splice``, the whole story with the section appended."""
    if fmt == "json":
        data = result.to_dict()
        if splice:
            data["document"] = (
                _story_markdown(result.story) + "\n" + _section_markdown(result.section)
            )
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if fmt == "markdown":
        section = _section_markdown(result.section)
        return _story_markdown(result.story) + "\n" + section if splice else section
    section = _section_text(result.section)
    return _story_text(result.story) + "\n" + section if splice else section


def render_prompt(prep: PreparedPrompt, fmt: OutputFormat = "text") -> str:
    """What ``--dry-run`` prints: the rendered messages and their token counts, as text or JSON."""
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
