"""A section read back from a file: what `localize check` and `localize review --section` take.

The file is read as a story is (UTF-8 text, Markdown or HTML, not empty). Its heading line is the
section's heading (else the profile's), inline markers such as ``[3]`` become citations, and a
last paragraph that is a disclosure line -- the profile's or the default, as `localize rewrite`
renders it (in italics in Markdown) -- is dropped: it labels the section, it is not its text.
"""

from __future__ import annotations

import re
from pathlib import Path

from localize._disclosure import DEFAULT_DISCLOSURE, disclosure_for
from localize.regions._profiles import RegionProfile
from localize.section import LocalizedSection
from localize.story import read_document

__all__ = ["read_section"]

# Markdown emphasis around the line, and the escapes `render` puts before Markdown's specials.
_EMPHASIS = re.compile(r"\A[*_]+|[*_]+\Z")
_ESCAPE = re.compile(r"\\([\\*_`\[\]<>])")


def _bare(line: str) -> str:
    return " ".join(_ESCAPE.sub(r"\1", _EMPHASIS.sub("", line.strip())).split()).casefold()


def read_section(path: Path, region: RegionProfile) -> LocalizedSection:
    """The section in ``path`` for ``region``; `InputError` names the file if it is unreadable."""
    text = read_document(path, what="section")
    paragraphs = [p for p in text.body.split("\n\n") if p.strip()]
    labels = {_bare(disclosure_for(region)), _bare(DEFAULT_DISCLOSURE)}
    if len(paragraphs) > 1 and _bare(paragraphs[-1]) in labels:
        paragraphs.pop()
    return LocalizedSection.from_text(
        text.headline or region.section_heading, "\n\n".join(paragraphs)
    )
