"""`Story`: a news story parsed once into a headline, paragraphs and its source metadata.

Stories come as plain text, Markdown, an HTML page or a JSON object, from a file or from standard
input. HTML pages go through trafilatura, a maintained article extractor, which leaves out what a
CMS puts around an article (related links, share and newsletter boxes, captions, cookie banners)
and finds the byline and date.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args
from xml.etree import ElementTree

from localize import _strict_json as strict_json
from localize._reading import MAX_STORY_BYTES, human_size, read_limited, read_stream
from localize.errors import StoryError, StoryTooLargeError

__all__ = [
    "SPLICE_MARKER",
    "STDIN",
    "STORY_FORMATS",
    "STORY_SUFFIXES",
    "Story",
    "StoryFormat",
    "StoryLike",
    "as_story",
    "detect_format",
    "load_story",
    "parse_document",
    "parse_html_story",
    "parse_json_story",
    "parse_story",
    "read_document",
    "story_from_json",
]

StoryFormat = Literal["text", "markdown", "html", "json"]
STORY_FORMATS: tuple[StoryFormat, ...] = get_args(StoryFormat)
STDIN = "-"
# Where an editor wants the section: a line of its own in text, Markdown or a JSON body; an HTML
# comment in a page. It is never part of the story's text.
SPLICE_MARKER = "<!-- localize -->"

_FORMAT_BY_SUFFIX: dict[str, StoryFormat] = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".json": "json",
    ".html": "html",
    ".htm": "html",
}
# The story files load_story reads by their suffix (anything else is detected from its content).
STORY_SUFFIXES = tuple(_FORMAT_BY_SUFFIX)

# Story text longer than this is never mistaken for a file name.
_PATH_LIKE_MAX = 4096

_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_MARKDOWN_SIGNS = re.compile(r"^(?:#{1,6}\s|[*-]\s|\d+\.\s|>\s)|\*\*|\]\(", re.MULTILINE)
_HTML_SIGNS = re.compile(
    r"\A\s*(?:<!doctype\s+html|<html[\s>]|<(?:article|body|head|main|p|div|h1)[\s>])", re.I
)
# A first line this short and without closing punctuation reads as a headline, not a lede.
_HEADLINE_MAX_WORDS = 20
_JSON_TEXT_FIELDS = ("headline", "byline", "source", "url", "published")


@dataclass(frozen=True, slots=True)
class Story:
    """A story: optional headline, then paragraphs in order (the first is the lede).

    ``path`` is where it was read from (a file, ``<stdin>``), for messages; ``outlet`` is who
    published it (a JSON story's ``source`` field: "The Daily Ledger"). ``document`` keeps the
    original text so a section can be spliced into it in its own format. ``source`` is the old
    name of ``path``, kept for a while with a `DeprecationWarning`.
    """

    paragraphs: tuple[str, ...]
    headline: str | None = None
    id: str = field(default="")
    path: str | None = None
    byline: str | None = None
    published: str | None = None
    url: str | None = None
    outlet: str | None = None
    format: StoryFormat = "text"
    document: str | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not any(p.strip() for p in self.paragraphs):
            raise StoryError("the story has no text", path=self.path)
        if not self.id:
            object.__setattr__(self, "id", self.sha256[:12])

    @property
    def source(self) -> str | None:
        """Deprecated: `path` (where the story was read from); a JSON story's ``source`` field
        is `outlet`."""
        warnings.warn(
            "Story.source is deprecated: use Story.path (where it was read from); "
            "who published it is Story.outlet",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.path

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
        return dataclasses.replace(self, paragraphs=paragraphs)

    def to_dict(self) -> dict[str, Any]:
        """The parsed story as JSON data (kept in Batch API manifests); see `from_dict`."""
        return {
            "id": self.id,
            "headline": self.headline,
            "paragraphs": list(self.paragraphs),
            "path": self.path,
            "byline": self.byline,
            "published": self.published,
            "url": self.url,
            "outlet": self.outlet,
            "format": self.format,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Story:
        """The story `to_dict` wrote, as it was parsed (not parsed again)."""
        return cls(
            tuple(data["paragraphs"]),
            data["headline"],
            data["id"],
            data.get("path", data.get("source")),  # manifests written before the rename
            byline=data.get("byline"),
            published=data.get("published"),
            url=data.get("url"),
            outlet=data.get("outlet"),
            format=data.get("format") or "text",
        )


# What a story argument may be: a parsed `Story`, a path to a story file, or the story's text.
StoryLike = Story | os.PathLike[str] | str


# A line that stops mid-sentence before a line that starts in lower case was wrapped by hand
# (abstracts, e-mail): the two are one paragraph, not two.
_WRAP_CONTINUES = re.compile(r"[a-z0-9(]")


def _unwrap(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if (
            out
            and out[-1]
            and _WRAP_CONTINUES.match(line)
            and not out[-1].endswith((".", "!", "?", ":", '"', "\u201d"))
        ):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return out


def _drop_marker(text: str, marker: str) -> str:
    return "\n".join(line for line in text.split("\n") if line.strip() != marker)


def parse_story(
    text: str,
    *,
    id: str = "",
    source: str | None = None,
    format: StoryFormat = "text",
    marker: str = SPLICE_MARKER,
) -> Story:
    """Parse plain text or Markdown into a `Story`.

    Paragraphs are blank-line separated blocks; a text with no blank line at all has one
    paragraph per line (wire copy often comes that way). The headline is a leading `# ` heading,
    or else a short first line that does not end like a sentence. A line holding only the splice
    marker is not story text.
    """
    _check_size(text, source)
    original = text
    text = _drop_marker(text.replace("\r\n", "\n").replace("\r", "\n"), marker).strip()
    if not text:
        raise StoryError("the story is empty", path=source)
    if "\n\n" in text:
        # A block's lines join into one paragraph; indentation and runs of spaces fold to one.
        blocks = [" ".join(b.split()) for b in re.split(r"\n\s*\n", text)]
    else:
        blocks = _unwrap([line.strip() for line in text.split("\n")])
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
    return Story(paragraphs, headline, id, source, format=format, document=original)


def _xml_text(element: ElementTree.Element) -> str:
    for br in element.iter("lb"):  # a <br> in the page: the words on either side stay apart
        br.tail = " " + (br.tail or "")
    return " ".join("".join(element.itertext()).split())


def parse_html_story(
    html: str, *, id: str = "", source: str | None = None, marker: str = SPLICE_MARKER
) -> Story:
    """Extract the article from an HTML page: headline, byline, date and paragraphs.

    Sub-headings, list items and block quotes are paragraphs of their own; page furniture is
    left to trafilatura's extractor to drop.
    """
    _check_size(html, source)
    # Imported here: trafilatura takes about 0.4 s to import, and most runs read no HTML.
    import trafilatura

    extracted = trafilatura.extract(
        html,
        output_format="xml",
        with_metadata=True,
        favor_precision=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        deduplicate=False,
    )
    if not extracted:
        raise StoryError("no article text found in the HTML page", path=source)
    doc = ElementTree.fromstring(extracted)
    main = doc.find("main")
    blocks: list[tuple[str, str]] = []
    for element in main if main is not None else ():
        items = element.findall("item") if element.tag == "list" else [element]
        kind = f"{element.tag}:{element.get('rend', '')}"
        # A marker typed as text ("[[localize]]" in its own paragraph) is not story text either.
        blocks.extend((kind, t) for t in map(_xml_text, items) if t and t != marker.strip())
    headline = doc.get("title") or None
    h1 = next((text for kind, text in blocks if kind == "head:h1"), None)
    if h1 is not None:
        headline = h1
    paragraphs = tuple(text for kind, text in blocks if not (kind == "head:h1" and text == h1))
    if not paragraphs:
        raise StoryError("no article text found in the HTML page", path=source)
    return Story(
        paragraphs,
        headline,
        id,
        source,
        byline=doc.get("author") or None,
        published=doc.get("date") or None,
        url=doc.get("url") or None,
        format="html",
        document=html,
    )


def story_from_json(
    data: object, *, source: str | None, id: str = "", marker: str = SPLICE_MARKER
) -> Story:
    """A JSON story object: ``body`` (text or Markdown, required), ``headline``, ``byline``,
    ``source`` (who published it), ``url``, ``published`` and ``id``."""
    if not isinstance(data, dict):
        raise StoryError("a JSON story must be an object with a 'body' field", path=source)
    body = data.get("body")
    if not isinstance(body, str):
        raise StoryError("field 'body' is missing or not a string", path=source)
    fields: dict[str, str | None] = {}
    for name in _JSON_TEXT_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise StoryError(f"field '{name}' is not a string", path=source)
        fields[name] = (value.strip() or None) if isinstance(value, str) else None
    sid = data.get("id")
    if isinstance(sid, bool) or (sid is not None and not isinstance(sid, str | int)):
        raise StoryError("field 'id' is not a string or a number", path=source)
    story = parse_story(body, id=id or str(sid or ""), source=source, marker=marker)
    return dataclasses.replace(
        story,
        headline=fields["headline"] or story.headline,
        byline=fields["byline"],
        published=fields["published"],
        url=fields["url"],
        outlet=fields["source"],
        format="json",
    )


def parse_json_story(
    text: str, *, id: str = "", source: str | None = None, marker: str = SPLICE_MARKER
) -> Story:
    """Parse the text of a JSON story (see `story_from_json`)."""
    _check_size(text, source)
    try:
        data = strict_json.loads(text)
    except strict_json.JSONProblem as exc:
        raise StoryError(exc.reason, path=source) from None
    story = story_from_json(data, source=source, id=id, marker=marker)
    return dataclasses.replace(story, document=text)


def detect_format(text: str, name: str | None = None) -> StoryFormat:
    """The format of a story: from the file suffix, else from its content."""
    if name is not None:
        known = _FORMAT_BY_SUFFIX.get(Path(name).suffix.lower())
        if known is not None:
            return known
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return "json"
    if _HTML_SIGNS.match(stripped):
        return "html"
    return "markdown" if _MARKDOWN_SIGNS.search(text) else "text"


def parse_document(
    text: str,
    format: StoryFormat,
    *,
    id: str = "",
    source: str | None = None,
    marker: str = SPLICE_MARKER,
) -> Story:
    """Parse a story's text in the given format."""
    if format == "json":
        return parse_json_story(text, id=id, source=source, marker=marker)
    if format == "html":
        return parse_html_story(text, id=id, source=source, marker=marker)
    return parse_story(text, id=id, source=source, format=format, marker=marker)


def path_text(path: str | os.PathLike[str]) -> str:
    """A file name as text any UTF-8 writer takes: bytes of the name that are not UTF-8 (which
    Python keeps as lone surrogates, refused by every encoder) shown as U+FFFD. For story ids
    and sources, which reach results files, manifests and the audit log; never for opening."""
    return os.fsencode(path).decode("utf-8", "replace")


def _read(path: str | Path, what: str) -> tuple[bytes, str]:
    name = "<stdin>" if str(path) == STDIN else path_text(path)

    def error(message: str) -> StoryError:
        return StoryError(message, path=name)

    def too_large(message: str) -> StoryError:
        return StoryTooLargeError(f"{message} on a {what}", limit=MAX_STORY_BYTES, path=name)

    if str(path) == STDIN:
        return read_stream(sys.stdin.buffer, MAX_STORY_BYTES, error, too_large=too_large), name
    return read_limited(
        path, MAX_STORY_BYTES, error, what=f"{what} file", too_large=too_large
    ), name


def _check_size(text: str, source: str | None) -> None:
    """Refuse a story over MAX_STORY_BYTES of UTF-8, however it arrived (file, stdin, str)."""
    # A character is at most 4 bytes: only a long text is worth encoding to measure.
    if len(text) * 4 > MAX_STORY_BYTES and len(text.encode("utf-8", "replace")) > MAX_STORY_BYTES:
        raise StoryTooLargeError(
            f"is larger than the {human_size(MAX_STORY_BYTES)} limit on a story",
            limit=MAX_STORY_BYTES,
            path=source or "story",
        )


def load_story(
    path: str | Path,
    *,
    format: StoryFormat | None = None,
    marker: str = SPLICE_MARKER,
) -> Story:
    """Read a story file, or standard input for ``"-"``.

    The format is ``format`` when given, else the file suffix's, else detected from the text:
    a JSON object, an HTML page, Markdown, or plain text. A story from a file is identified by
    the file name unless it carries its own id; one from standard input by its hash. Only a
    regular file (or standard input) of at most ``MAX_STORY_BYTES`` is read.
    """
    return read_document(path, format=format, marker=marker)


def read_document(
    path: str | Path,
    *,
    format: StoryFormat | None = None,
    marker: str = SPLICE_MARKER,
    what: str = "story",
) -> Story:
    """`load_story` for any document read as a story is; ``what`` names it in errors
    ("the section is empty", "is a folder, not a section file")."""
    raw, name = _read(path, what)
    if b"\x00" in raw[:8192]:
        raise StoryError("is a binary file, not text", path=name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StoryError(f"is not UTF-8 text (bad byte at offset {exc.start})", path=name) from None
    if not text.strip():
        raise StoryError(f"the {what} is empty", path=name)
    fmt = format or detect_format(text, None if str(path) == STDIN else name)
    # A JSON story carries its own id; others are named after their file (stdin: by hash).
    story_id = "" if str(path) == STDIN or fmt == "json" else path_text(Path(path).stem)
    return parse_document(text, fmt, id=story_id, source=name, marker=marker)


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
