"""The ``meta`` check (issue 18): text about the story or the section is an error."""

from __future__ import annotations

import pytest

from localize.grounding._meta_text import check_meta_text


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("This story is about the UK's response to a ban.", "This story"),
        ("The section highlights what the ban means.", "The section highlights"),
        ("According to the article, the ban is wide.", "According to the article"),
        ("As the story notes, defenders lose out.", "As the story notes"),
        ("In this article we look at the ban.", "this article"),
        ("The article says the ban is wide.", "The article says"),
        ("The story of NASA's spacecraft has been widely covered.", "The story of"),
        ("Rates fell. The story tells of a cut.", "The story tells"),
        # Any verb with the document as its subject (model output set 2).
        ("The story goes into detail about the deal with Ubisoft.", "The story goes"),
        ("The story gives us a lot to think about.", "The story gives"),
        ("The story also touches on how this news affects consumers.", "The story also touches"),
        ("The section ends with a quote from the regulator.", "The section ends"),
        ("The section provides an overview of how this change affects banks.", "The section"),
        ("The section is written in English.", "The section is"),
        ("The paragraph focuses on the changes to the economy.", "The paragraph focuses"),
        ("The story's beats are:", "The story's"),
    ],
)
def test_text_about_the_text_is_an_error(text: str, span: str) -> None:
    findings = check_meta_text(text)
    assert findings and findings[0].severity == "error"
    assert any(span.lower() in f.text.lower() for f in findings)


@pytest.mark.parametrize(
    "text",
    [
        "This report by the ICO found more breaches.",  # a report in the news, not the text
        "Article 23 of the NIS2 Directive requires incident reports.",
        "Fable's story began in April.",
        "Critics say the story of the ban is far from over.",  # not the text: the events
        "Section 230 shields platforms in the US.",
        "The letter's signatories argue the ban is reckless.",
        "The section of the bridge that fell was rebuilt.",  # a section in the news
        "The section was closed to traffic for a week.",
        "The section has been reopened.",
    ],
)
def test_the_news_itself_is_not_meta(text: str) -> None:
    assert check_meta_text(text) == []
