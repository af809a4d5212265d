"""Checks that depend on the region: namesake bodies, other languages, Canadian spelling."""

from __future__ import annotations

import pytest

from localize import check
from localize.grounding._checks import ENGLISH_ONLY_CHECKS, CheckReport
from localize.regions._profiles import get_region
from localize.story import Story, load_story, parse_story
from tests.support import STORIES

BASE = (
    "Anthropic suspended access to Fable and Mythos worldwide after the US order, so security "
    "teams that used the models to find and fix vulnerabilities have lost them too. "
)


def _wire() -> Story:
    return load_story(STORIES / "wire.txt")


def _institution_spans(report: CheckReport) -> list[str]:
    return [f.text for f in report.findings if f.check == "institution"]


@pytest.mark.parametrize(
    ("region", "sentence", "span"),
    [
        ("ie", "The UK's NCSC issues guidance on this.", "UK's NCSC"),
        (
            "ie",
            "British National Cyber Security Centre staff agree.",
            "British National Cyber Security Centre",
        ),
        ("nz", "The NCSC in the UK has warned before.", "NCSC in the UK"),
        ("uk", "Ireland's NCSC has said the same.", "Ireland's NCSC"),
        ("ca", "New Zealand's OPC would see it differently.", "New Zealand's OPC"),
        ("ie", "The UK's Data Protection Act 2018 applies there.", "UK's Data Protection Act 2018"),
    ],
)
def test_another_countrys_namesake_is_an_institution_error(
    region: str, sentence: str, span: str
) -> None:
    report = check(BASE + sentence, _wire(), get_region(region), min_words=1)
    assert span in _institution_spans(report)
    message = next(f.message for f in report.findings if f.text == span)
    assert get_region(region).name in message and "the story does not name it" in message


@pytest.mark.parametrize(
    ("region", "sentence"),
    [
        ("ie", "Ireland's NCSC issues guidance on this."),
        ("ie", "The NCSC in Ireland issues guidance on this."),
        ("nz", "New Zealand's NCSC, part of the GCSB, has warned before."),
        ("uk", "The UK's NCSC issues guidance on this."),
        ("uk", "Northern Ireland's NCSC team issues guidance on this."),  # the UK's own
        ("uk-scotland", "The UK's NCSC and Police Scotland issue guidance on this."),
    ],
)
def test_the_profiles_own_body_passes(region: str, sentence: str) -> None:
    report = check(BASE + sentence, _wire(), get_region(region), min_words=1)
    assert _institution_spans(report) == []


def test_a_namesake_the_story_names_passes() -> None:
    story = parse_story(
        "UK warning\n\nThe UK's NCSC warned of the risk on Friday.\n\nOthers agreed."
    )
    report = check(
        "The UK's NCSC warned of the risk, and Ireland's NCSC may follow.",
        story,
        get_region("ie"),
        min_words=1,
    )
    assert _institution_spans(report) == []


def test_other_languages_skip_the_checks_that_read_english() -> None:
    de = get_region("uk").model_copy(
        update={"id": "de-test", "language": "de", "locale": "de-DE", "name": "Deutschland"}
    )
    body = (
        'Die NCSC warnt: "Das ist sehr gefährlich für uns alle", sagte sie. Rund 1.500 Firmen '
        "sind betroffen, 3,5 Prozent mehr als im Jahr davor."
    )
    report = check(body, _wire(), de, min_words=1)
    checks = {f.check for f in report.findings}
    assert not checks & set(ENGLISH_ONLY_CHECKS)
    assert [c for c, _ in report.skipped] == list(ENGLISH_ONLY_CHECKS)
    assert report.to_dict()["skipped"][0]["reason"]
    # The same text judged as English would be flagged: the skip is what keeps it out.
    english = check(body, _wire(), get_region("uk"), min_words=1)
    assert {f.check for f in english.findings} & set(ENGLISH_ONLY_CHECKS)
    assert english.skipped == ()


def test_canadian_spelling_is_british_with_ize() -> None:
    body = (
        BASE
        + "Each organization must analyze the colour of its defence; the color and defense differ."
    )
    report = check(body, _wire(), get_region("ca"), min_words=1)
    flagged = {f.text for f in report.findings if f.check == "spelling"}
    assert flagged == {"color", "defense"}
    british = check(BASE + "Each organisation plans.", _wire(), get_region("ca"), min_words=1)
    assert [f.text for f in british.findings if f.check == "spelling"] == ["organisation"]
