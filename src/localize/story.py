"""`Story`: a news story parsed once into a headline and paragraphs."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from localize.errors import StoryError

__all__ = [
    "STORY_SUFFIXES",
    "Story",
    "StoryLike",
    "as_story",
    "load_story",
    "parse_html_story",
    "parse_story",
    "story_from_json",
]

# The story files load_story reads (anything else is read as plain text).
STORY_SUFFIXES = (".txt", ".md", ".markdown", ".json", ".html", ".htm")

# Story text longer than this is never mistaken for a file name.
_PATH_LIKE_MAX = 4096

_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
# A first line this short and without closing punctuation reads as a headline, not a lede.
_HEADLINE_MAX_WORDS = 20


@dataclass(frozen=True, slots=True)
class Story:
    """A story: optional headline, then paragraphs in order (the first is the lede)."""

    paragraphs: tuple[str, ...]
    headline: str | None = None
    id: str = field(default="")
    source: str | None = None

    def __post_init__(self) -> None:
        if not any(p.strip() for p in self.paragraphs):
            raise StoryError("the story has no text", path=self.source)
        if not self.id:
            object.__setattr__(self, "id", self.sha256[:12])

    @property
    def body(self) -> str:
        """The paragraphs, blank-line separated."""
        return "\n\n".join(self.paragraphs)

    @property
    def text(self) -> str:
        """Headline and body as one text: what the checks search."""
        return f"{self.headline}\n\n{self.body}" if self.headline else self.body

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def with_paragraphs(self, paragraphs: tuple[str, ...]) -> Story:
        """The same story with other paragraphs (used when trimming to fit)."""
        return Story(paragraphs, self.headline, self.id, self.source)

    def to_dict(self) -> dict[str, Any]:
        """The parsed story as JSON data (kept in Batch API manifests); see `from_dict`."""
        return {
            "id": self.id,
            "headline": self.headline,
            "paragraphs": list(self.paragraphs),
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Story:
        """The story `to_dict` wrote, as it was parsed (not parsed again)."""
        return cls(tuple(data["paragraphs"]), data["headline"], data["id"], data["source"])


# What a story argument may be: a parsed `Story`, a path to a story file, or the story's text.
StoryLike = Story | os.PathLike[str] | str


def parse_story(text: str, *, id: str = "", source: str | None = None) -> Story:
    """Parse plain text or Markdown into a `Story`.

    Paragraphs are blank-line separated blocks; a text with no blank line at all has one
    paragraph per line (wire copy often comes that way). The headline is a leading `# ` heading,
    or else a short first line that does not end like a sentence.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise StoryError("the story is empty", path=source)
    if "\n\n" in text:
        blocks = [" ".join(b.split("\n")).strip() for b in re.split(r"\n\s*\n", text)]
    else:
        blocks = [line.strip() for line in text.split("\n")]
    blocks = [b for b in blocks if b]

    headline: str | None = None
    first = blocks[0]
    heading = _HEADING.match(first)
    if heading:
        headline = heading.group(1)
        blocks = blocks[1:]
    elif (
        len(blocks) > 1
        and len(first.split()) <= _HEADLINE_MAX_WORDS
        and not first.endswith((".", "!", "?", '"', "\u201d"))
    ):
        headline = first
        blocks = blocks[1:]
    # Sub-headings stay as paragraphs, without their Markdown markers.
    paragraphs = tuple(m.group(1) if (m := _HEADING.match(b)) else b for b in blocks)
    if not paragraphs:
        raise StoryError("the story has a headline but no paragraphs", path=source)
    return Story(paragraphs, headline, id, source)


class _ArticleText(HTMLParser):
    """Collects the text of block elements; page furniture and scripts are skipped."""

    _BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote"})
    _SKIP = frozenset({"script", "style", "nav", "header", "footer", "aside", "figure", "form"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []
        self._tag: str | None = None
        self._parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCKS and not self._skipping:
            self._flush()
            self._tag = tag
        elif tag == "br":
            self._parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._tag is not None and not self._skipping:
            self._parts.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self._parts).split())
        if self._tag is not None and text:
            self.blocks.append((self._tag, text))
        self._tag, self._parts = None, []

    def close(self) -> None:
        super().close()
        self._flush()


def parse_html_story(html: str, *, id: str = "", source: str | None = None) -> Story:
    """Parse an article page: the first ``<h1>`` is the headline, other blocks are paragraphs."""
    parser = _ArticleText()
    parser.feed(html)
    parser.close()
    headline = next((text for tag, text in parser.blocks if tag == "h1"), None)
    paragraphs = tuple(
        text for tag, text in parser.blocks if not (tag == "h1" and text == headline)
    )
    if not paragraphs:
        raise StoryError(
            "the HTML has no paragraphs (<p>, <li>, headings) outside page furniture", path=source
        )
    return Story(paragraphs, headline, id, source)


def story_from_json(data: object, *, source: str, id: str = "") -> Story:
    """A JSON story object: ``body`` (text or Markdown), optional ``headline`` and ``id``."""
    if not isinstance(data, dict):
        raise StoryError("a JSON story must be an object with a 'body' field", path=source)
    body, headline = data.get("body"), data.get("headline")
    if not isinstance(body, str):
        raise StoryError("field 'body' is missing or not a string", path=source)
    if headline is not None and not isinstance(headline, str):
        raise StoryError("field 'headline' is not a string", path=source)
    story = parse_story(body, id=id or str(data.get("id") or ""), source=source)
    if headline:
        return Story(story.paragraphs, headline, story.id, source)
    return story


def load_story(path: str | Path) -> Story:
    """Read a story file: text, Markdown, HTML, or a JSON object with `body` (`id`, `headline`)."""
    p = Path(path)
    name = str(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise StoryError("no such file", path=name) from None
    except IsADirectoryError:
        raise StoryError("is a folder, not a story file", path=name) from None
    except OSError as exc:
        raise StoryError(f"cannot read: {exc.strerror}", path=name) from None
    if b"\x00" in raw[:8192]:
        raise StoryError("is a binary file, not text", path=name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StoryError(f"is not UTF-8 text (bad byte at offset {exc.start})", path=name) from None
    if p.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StoryError(f"invalid JSON at line {exc.lineno}: {exc.msg}", path=name) from None
        return story_from_json(data, source=name)
    if p.suffix.lower() in (".html", ".htm"):
        return parse_html_story(text, id=p.stem, source=name)
    return parse_story(text, id=p.stem, source=name)


def _looks_like_a_path(text: str) -> bool:
    line = text.strip()
    if not line or "\n" in line or len(line) > _PATH_LIKE_MAX:
        return False
    return line.lower().endswith((*STORY_SUFFIXES, ".jsonl")) or os.path.exists(line)


def as_story(story: StoryLike) -> Story:
    """A story argument as a `Story`: the rule every function that takes a story follows.

    A `Story` is used as it is; a path (``pathlib.Path`` or any ``os.PathLike``) is read with
    `load_story`; a ``str`` is the story's text. A one-line ``str`` that names an existing file
    or ends in a story file suffix (``"wire.txt"``) is refused with a `StoryError`, so a file
    name is never localised as if it were the story: pass ``Path("wire.txt")`` instead.
    """
    if isinstance(story, Story):
        return story
    if isinstance(story, os.PathLike):
        return load_story(os.fspath(story))
    if not isinstance(story, str):
        raise StoryError(
            f"a story must be a Story, a Path to a story file or the story text, "
            f"not {type(story).__name__}"
        )
    if _looks_like_a_path(story):
        raise StoryError(
            f"{story.strip()!r} looks like a file name, not story text: pass "
            f"Path({story.strip()!r}) or localize.load_story({story.strip()!r}) to read the file"
        )
    return parse_story(story)
