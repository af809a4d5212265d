"""Checks that depend on the region: namesake bodies, other languages, Canadian spelling."""

from __future__ import annotations

from pathlib import Path

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


# --- German, French and Japanese sections (issue #17) --------------------------------------------

MPOX = load_story(Path(__file__).parent / "data" / "beats" / "health-mpox-emergency.txt")

CORRECT_SECTIONS = {
    "de": (
        "Die Weltgesundheitsorganisation hat den Mpox-Ausbruch in Afrika zu einer "
        "gesundheitlichen Notlage von internationaler Tragweite erklärt. Für Deutschland "
        "beobachtet das Robert Koch-Institut (RKI) Infektionskrankheiten und Ausbrüche; das "
        "Paul-Ehrlich-Institut ist für die Zulassung und Sicherheit von Impfstoffen zuständig. "
        "Patientinnen und Patienten sowie Ärzte in Deutschland sollten die Hinweise der Behörden "
        "verfolgen, denn die WHO sorgt sich um eine weitere Ausbreitung über Afrika hinaus."
    ),
    "fr": (
        "L'Organisation mondiale de la santé a déclaré l'épidémie de mpox en Afrique urgence de "
        "santé publique de portée internationale. En France, Santé publique France surveille les "
        "maladies infectieuses et les épidémies, et la Haute Autorité de santé (HAS) émet des "
        "recommandations vaccinales. L'OMS s'inquiète d'une propagation au-delà de l'Afrique, et "
        "les soignants en France suivront les recommandations des autorités sanitaires."
    ),
    "ja": (
        "世界保健機関\uff08WHO\uff09は、アフリカでのエムポックスの流行を国際的に懸念される公衆衛生上の"
        "緊急事態と宣言した。日本では国立健康危機管理研究機構\uff08JIHS\uff09が感染症の調査研究を担い、"
        "厚生労働省\uff08MHLW\uff09が公衆衛生を所管している。WHOはアフリカ以外への拡大を懸念しており、"
        "日本の医療機関も情報に注意する必要がある。ワクチンと検査の拡充が求められている。"
    ),
}


@pytest.mark.parametrize("rid", sorted(CORRECT_SECTIONS))
def test_a_correct_section_in_german_french_or_japanese_has_no_findings(rid: str) -> None:
    # OMS is the WHO in French: an acronym translated from the story, not an invented body;
    # Japanese has no spaces, so its length is counted at two characters a word.
    report = check(CORRECT_SECTIONS[rid], MPOX, get_region(rid))
    assert report.findings == ()
    assert [c for c, _ in report.skipped] == list(ENGLISH_ONLY_CHECKS)


def test_a_japanese_section_too_short_is_still_too_short() -> None:
    report = check("短い説明です。", MPOX, get_region("ja"))
    # It also never names Japan or a Japanese body, which the region check reports beside it.
    assert [f.check for f in report.errors] == ["region", "length"]


# --- mention follows the beat ------------------------------------------------------------------


def test_mention_asks_for_a_body_only_where_the_profile_has_one_for_the_beat() -> None:
    body = (
        "Farmers and food producers in South Africa will follow the spread of the virus among "
        "dairy herds in the US closely, as it moves between cattle in nine states."
    )
    h5n1 = load_story(Path(__file__).parent / "data" / "beats" / "agriculture-h5n1-dairy.txt")
    # South Africa's profile has no agriculture body: nothing to ask for.
    za = check(body, h5n1, get_region("za"))
    assert [f for f in za.findings if f.check == "mention"] == []
    # The UK's has: the warning names the bodies for the story's beat.
    uk = check(body, h5n1, get_region("uk"))
    [mention] = [f for f in uk.findings if f.check == "mention"]
    assert "APHA" in mention.message and "agriculture" in mention.message


def test_a_body_off_the_storys_beat_is_known_but_its_claims_are_checked() -> None:
    milk = load_story(Path(__file__).parent / "data" / "beats" / "food-plant-milk-labels.txt")
    body = (
        "The US Food and Drug Administration said plant-based drinks may keep the word milk. "
        "In the UK, the Food Standards Agency sets rules on labelling. The Competition and "
        "Markets Authority said it would investigate oat drink makers."
    )
    report = check(body, milk, get_region("uk"), min_words=1)
    # The CMA is not in this story's prompt (competition is not its beat), yet it is a UK body
    # the profile knows: no institution error; what the section makes it do is a claim error.
    assert [(f.check, f.severity) for f in report.findings] == [("claim", "error")]
    assert "the CMA did this" in report.findings[0].message
