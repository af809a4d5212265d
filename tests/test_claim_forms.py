"""The ``claim`` check in every form (issue 18): hedged, reported, future, relative clause,
apposition, and remits a section gives a body."""

from __future__ import annotations

from pathlib import Path

import pytest

from localize.grounding._checks import check
from localize.story import load_story, parse_story
from tests.support import STORIES

OPENING = "For UK organisations, the loss of Fable and Mythos is a real one. "


def _findings(sentence: str, region: str = "uk") -> list[tuple[str, str]]:
    report = check(OPENING + sentence, load_story(STORIES / "wire.txt"), region, min_words=1)
    return [(f.check, f.text) for f in report.findings if f.check in ("claim", "attribution")]


@pytest.mark.parametrize(
    ("sentence", "span"),
    [
        # The issue's own examples.
        (
            "The NCSC, which oversees export controls, has said it is studying the US order.",
            "NCSC, which oversees export controls, has said",
        ),
        (
            "The Competition and Markets Authority is expected to look at the ban.",
            "Competition and Markets Authority is expected to look",
        ),
        ("The NCSC will look at the ban.", "NCSC will look"),
        ("The ICO may review the order.", "ICO may review"),
        ("The ICO is likely to investigate the ban.", "ICO is likely to investigate"),
        ("Ofcom, which has said it is reviewing the US order, is a regulator.", "Ofcom, which"),
        ("The NCSC, the UK's technical authority, has warned firms.", "NCSC, the UK's"),
        # A relative clause is its antecedent's act wherever the antecedent stands.
        ("Firms await a response from the NCSC, which will review the order.", "NCSC, which"),
    ],
)
def test_an_act_the_story_does_not_report_is_a_claim_in_any_form(sentence: str, span: str) -> None:
    found = _findings(sentence)
    assert any(check_id == "claim" and span in text for check_id, text in found), found


def test_a_remit_the_profile_does_not_give_is_a_claim() -> None:
    found = _findings("The NCSC, which oversees export controls, depends on defenders.")
    assert found == [("claim", "NCSC, which oversees export controls")]


@pytest.mark.parametrize(
    "sentence",
    [
        "The NCSC, the UK's technical authority for cyber security, depends on defenders.",
        "The Information Commissioner's Office (ICO), which enforces UK GDPR, will see the cost.",
        "The NCSC may issue guidance to UK organisations.",
        "The ICO could investigate breaches that follow from unpatched flaws.",
        "The NCSC and the ICO consistently advocate for robust cybersecurity practices.",
        "The UK's own export controls do not change that.",
    ],
)
def test_standing_remits_and_hedges_about_nothing_in_the_story_pass(sentence: str) -> None:
    assert _findings(sentence) == []


def test_a_country_s_own_export_controls_are_not_the_story_s_restriction() -> None:
    # The false flag: "Japan's own export controls" read as the US restriction.
    assert _findings("The UK's own export controls are not the story here.") == []
    story = parse_story(
        "The US government restricted exports of advanced chips to China on Monday.\n\n"
        "Japan and the Netherlands have been asked to join the restrictions, officials said."
    )
    section = (
        "For UK firms, the question is whether Japan's own export controls will follow, and the "
        "NCSC depends on defenders."
    )
    report = check(section, story, "uk", min_words=1)
    assert [f for f in report.errors if f.check in ("attribution", "claim")] == []


def test_the_quick_start_section_is_flagged_for_what_it_invents() -> None:
    # The embedded model's Quick-start section (issue 18): an invented UK response and text
    # about the text; before, its only finding was a `mention` warning.
    section = (
        "This story is about the UK's response to a recent US government ban on Fable and "
        "Mythos, which has been used by malicious actors to bypass security measures. The "
        "section highlights the risks for defenders."
    )
    report = check(section, load_story(STORIES / "wire.txt"), "uk", min_words=1)
    found = {(f.check, f.text) for f in report.errors}
    assert ("claim", "UK's response") in found
    assert {("meta", "This story"), ("meta", "section highlights")} <= {
        (c, t.removeprefix("The ")) for c, t in found
    }


_LECANEMAB = (
    Path(__file__).parent / "data" / "model_output" / "stories" / "health-lecanemab-approval.txt"
)


@pytest.mark.parametrize(
    ("sentence", "span"),
    [
        # The embedded model's sentence (model output set 2): the FDA's approval handed to a
        # profile body, in the present tense.
        (
            "The UK Health Security Agency (UKHSA) gives it full approval, and the US Food and "
            "Drug Administration (FDA) also gave it accelerated approval.",
            "UK Health Security Agency (UKHSA) gives",
        ),
        ("The UK Health Security Agency gave it full approval.", "UK Health Security Agency"),
        ("The MHRA has approved the drug.", "MHRA has approved"),
        ("The MHRA granted full approval to Leqembi on Thursday.", "MHRA granted"),
    ],
)
def test_an_approval_the_story_gives_another_body_is_a_claim(sentence: str, span: str) -> None:
    report = check(sentence, load_story(_LECANEMAB), "uk", min_words=1)
    found = [f.text for f in report.findings if f.check == "claim"]
    assert any(span in text for text in found), found


@pytest.mark.parametrize(
    "sentence",
    [
        "The FDA gave it full approval on Thursday, and the FDA granted accelerated approval.",
        "The US Food and Drug Administration approved Leqembi, a drug UK patients may ask for.",
        "The MHRA approves medicines for use in the UK and gives guidance to doctors.",
        # A present passive is the body's standing remit (clean copy set 2, donanemab, uk).
        "In the UK, medicines are licensed by the Medicines and Healthcare products Regulatory "
        "Agency (MHRA).",
    ],
)
def test_the_story_s_own_approval_and_a_standing_remit_are_not_claims(sentence: str) -> None:
    report = check(sentence, load_story(_LECANEMAB), "uk", min_words=1)
    assert [f for f in report.findings if f.check in ("claim", "attribution")] == []
