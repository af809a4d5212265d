"""Splicing: a rendered section put into a story document, at the editor's marker or the end.

The marker is a line of its own in text and Markdown (and in a JSON story's body), and an HTML
comment in a page (``<!-- localize -->``). Without one, the section goes at the end of the text,
or in a page at the end of the ``<article>`` (else ``<main>``, else ``<body>``).
"""

from __future__ import annotations

import re

__all__ = ["insert_into_html", "insert_into_text"]

_COMMENT = re.compile(r"\A<!--\s*(.*?)\s*-->\Z", re.DOTALL)


def insert_into_text(document: str, block: str, marker: str) -> str:
    """Replace the first line that holds only ``marker`` with ``block``, else append it."""
    lines = document.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, line in enumerate(lines):
        if line.strip() == marker.strip():
            lines[i : i + 1] = block.rstrip("\n").split("\n")
            return "\n".join(lines)
    return document.rstrip() + "\n\n" + block


def _html_marker(marker: str) -> re.Pattern[str]:
    comment = _COMMENT.match(marker.strip())
    if comment:  # any spacing inside the comment: <!--localize--> is the same marker
        return re.compile(rf"<!--\s*{re.escape(comment.group(1))}\s*-->")
    # A marker typed as text fills its own paragraph: the paragraph goes with it.
    text = re.escape(marker.strip())
    return re.compile(rf"<(\w+)[^>]*>\s*{text}\s*</\1\s*>|{text}")


def insert_into_html(document: str, block: str, marker: str) -> str:
    """Put ``block`` at the marker, else before the article's (main's, body's) closing tag."""
    found = _html_marker(marker).search(document)
    if found:
        return document[: found.start()] + block.rstrip("\n") + document[found.end() :]
    for tag in ("article", "main", "body"):
        at = _end_of_first(document, tag)
        if at is not None:
            return document[:at] + block + document[at:]
    return document.rstrip() + "\n" + block


def _end_of_first(document: str, tag: str) -> int | None:
    """Where the first ``<tag>`` element closes (nested ones of the same tag counted), if it does.

    The first: a page's story comes before the related-story cards that are articles too.
    """
    depth = 0
    for m in re.finditer(rf"<(/?){tag}(?=[\s>/])[^>]*>", document, re.IGNORECASE):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return m.start()
    return None
