"""`Story`: a news story parsed once into a headline and paragraphs."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from localize.errors import StoryError

__all__ = ["Story", "load_story", "parse_story"]

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

    @classmethod
    def from_text(cls, text: str, *, id: str = "", source: str | None = None) -> Story:
        """Parse plain text or Markdown."""
        return parse_story(text, id=id, source=source)


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


def _story_from_json(data: object, *, source: str) -> Story:
    if not isinstance(data, dict):
        raise StoryError("a JSON story must be an object with a 'body' field", path=source)
    body = data.get("body")
    if not isinstance(body, str):
        raise StoryError("field 'body' is missing or not a string", path=source)
    story = parse_story(body, id=str(data.get("id") or ""), source=source)
    headline = data.get("headline")
    if headline is not None and not isinstance(headline, str):
        raise StoryError("field 'headline' is not a string", path=source)
    if headline:
        return Story(story.paragraphs, headline, story.id, source)
    return story


def load_story(path: str | Path) -> Story:
    """Read a story file: text, Markdown, or a JSON object with `body` (and `id`, `headline`)."""
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
        return _story_from_json(data, source=name)
    return parse_story(text, id=p.stem, source=name)
