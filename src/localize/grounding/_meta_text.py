"""Text about the text: the ``meta`` check (error).

A published section speaks about the news, not about itself or its source document: "This story
is about ...", "The article reports ...", "This section highlights ...", "In this section we ...".
A weak model writes such framing instead of the section (the embedded model's Quick-start
section opened "This story is about the UK's response ..."). It is an error: a reader of the
story page sees the section under the story, and "this story" there is the model talking.
The model's own voice ("As an AI ...") is the ``leak`` check's.
"""

from __future__ import annotations

import re

from localize.grounding._findings import Finding
from localize.regions._select import folded_for_names

__all__ = ["check_meta_text"]

_DOCUMENT = r"(?:story|article|piece|section|paragraph|summary|write-up|news\s+item)"
_PATTERNS = tuple(
    re.compile(p, re.IGNORECASE | re.MULTILINE)
    for p in (
        # "this story", "this article", "the present section" ("this report" is often the
        # story's own report, so it is not one of them).
        rf"\b(?:this|the\s+present|the\s+above|the\s+following)\s+{_DOCUMENT}\b"
        r"(?!\s+(?:by|from|of|on|published|issued|released|into)\b)",
        # "the article says", "the story highlights": the document as a speaker.
        r"\bthe\s+(?:story|article|section|paragraph|piece|summary)\s+(?:also\s+)?"
        r"(?:is\s+about|says|said|states|stated|reports|reported|notes|noted|highlights|"
        r"highlighted|discusses|discussed|describes|described|explains|explained|mentions|"
        r"mentioned|suggests|suggested|argues|focuses|explores|examines|covers|shows|outlines|"
        r"emphasi[sz]es|underscores|points\s+out)\b",
        # "according to the article", "as the story notes", "in the article".
        r"\b(?:according\s+to|as\s+(?:stated|noted|reported|mentioned)\s+in|in)\s+the\s+"
        r"(?:story|article)\b",
        r"\bas\s+the\s+(?:story|article)\s+(?:says|notes|reports|explains|puts\s+it)\b",
        # A sentence that opens on the story or the article itself: "The story of NASA's
        # spacecraft ... has been widely covered", "The story tells of", "The story is a ...".
        r"(?:^|(?<=[.!?]\s)|(?<=\n))the\s+(?:story|article)\s+(?:of|tells|is|was|has|shows|"
        r"explains|details|looks|reveals|concerns|centres|centers|revolves)\b",
        # A sentence whose subject is the document itself, whatever the verb: a weak model
        # varies it endlessly ("The story goes into detail", "The story gives us", "The section
        # ends with", "The paragraph focuses on", "The story's beats are"). Present tense or a
        # possessive only: "The section of the bridge", "The section was closed" are news.
        r"(?:^|(?<=[.!?]\s)|(?<=\n))the\s+(?:story|article|section|paragraph)(?:['\u2019]s\b|"
        r"\s+(?:also\s+)?(?:is|[a-z]+s)\b(?<!\bas)(?<!\bwas)(?<!\bhas))",
    )
)
# Every pattern above matches one of these words (case-blind): a section without any of them
# (most) needs none of the case-blind searches, each a pass over the whole section.
META_WORDS = ("story", "article", "piece", "section", "paragraph", "summary", "write-up", "news")


def check_meta_text(body: str) -> list[Finding]:
    """The ``meta`` findings: each phrase that speaks about the story or the section itself."""
    folded = folded_for_names(body)  # None: a character only a case-blind search can judge
    if folded is not None and not any(w in folded for w in META_WORDS):
        return []
    findings: list[Finding] = []
    seen: set[str] = set()
    for pattern in _PATTERNS:
        for m in pattern.finditer(body):
            span = m.group()
            if span.lower() in seen:
                continue
            seen.add(span.lower())
            findings.append(
                Finding(
                    "meta",
                    "error",
                    f'"{span}" speaks about the story or the section itself, not about the news.',
                    span,
                )
            )
    return findings
