"""Output formats: Markdown, JSON and plain text, on their own or spliced into the story."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Literal

from localize.errors import OutputError
from localize.pipeline import LocalizeResult
from localize.section import LocalizedSection
from localize.story import Story

__all__ = ["OutputFormat", "check_writable", "render", "write_atomic"]

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


def check_writable(path: str | Path) -> None:
    """Fail before any work is done if the output file could not be written."""
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise OutputError("is a folder", path=str(p))
    if not folder.is_dir():
        raise OutputError(f"folder {folder} does not exist", path=str(p))
    if not os.access(folder, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise OutputError("permission denied", path=str(p))


def write_atomic(path: str | Path, text: str) -> None:
    """Write the whole file or nothing: a temporary file in the same folder, then a rename."""
    p = Path(path)
    check_writable(p)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
