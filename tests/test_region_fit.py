"""The ``region`` check (issue 18): a section fits its own region, in its own language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from localize.grounding._checks import check
from localize.grounding._names import iter_whole, spaced_alternation
from localize.grounding._region_fit import _foreign
from localize.regions import get_region
from localize.regions._profiles import builtin_regions, load_profile
from localize.story import Story, load_story
from localize.text import word_runs
from tests.support import STORIES

ROOT = Path(__file__).resolve().parents[1]
DE_PROFILE = ROOT / "src" / "localize" / "regions" / "profiles" / "de.yaml"
# Regions that contain one another: neither is foreign to the other.
RELATED = {("uk", "uk-scotland"), ("uk-scotland", "uk"), ("eu", "ie"), ("ie", "eu")}


def _wire() -> Story:
    return load_story(STORIES / "wire.txt")


def _sections() -> dict[str, str]:
    listed = yaml.safe_load((ROOT / "tests/data/regions/sections.yaml").read_text("utf-8"))
    corpus = {
        c["id"]: c["section"]
        for c in yaml.safe_load((ROOT / "tests/data/checks/clean.yaml").read_text("utf-8"))
    }
    return {k: corpus[v["from_corpus"]] if isinstance(v, dict) else v for k, v in listed.items()}


def _region_errors(section: str, region: object, story: Story | None = None) -> list[str]:
    report = check(section, story or _wire(), region)  # type: ignore[arg-type]
    return [f.text for f in report.errors if f.check == "region"]


def test_every_built_in_region_has_a_section_in_the_matrix() -> None:
    assert sorted(_sections()) == sorted(builtin_regions())


@pytest.mark.parametrize("written", sorted(builtin_regions()))
def test_a_region_section_is_clean_as_itself_and_foreign_everywhere_else(written: str) -> None:
    section = _sections()[written]
    assert check(section, _wire(), written).findings == ()
    for checked in builtin_regions():
        if checked != written and (written, checked) not in RELATED:
            assert _region_errors(section, checked), f"{written} section passed as {checked}"


def test_the_issue_uk_section_fails_as_eu_and_irish() -> None:
    section = (
        "For British organisations, the loss of Fable and Mythos matters: Anthropic suspended "
        "access to both models worldwide after the US order. Under UK GDPR, the ICO expects "
        "firms to keep their systems patched."
    )
    for region in ("eu", "ie"):
        errors = _region_errors(section, region)
        assert "British organisations" in errors
        assert "UK GDPR" in errors
    assert _region_errors(section, "uk") == []


def test_british_readers_in_an_australian_section() -> None:
    section = (
        "For British organisations, the loss of Fable and Mythos matters to the Australian Cyber "
        "Security Centre (ACSC) too."
    )
    assert _region_errors(section, "au") == ["British organisations"]


def test_a_section_that_never_addresses_its_region() -> None:
    section = "Anthropic suspended access to both models worldwide after the US order."
    report = check(section, _wire(), "eu", min_words=1)
    assert [f.message for f in report.errors if f.check == "region"] == [
        "The section never addresses the European Union: it names neither the region nor any "
        "body or law of its profile."
    ]


def test_a_region_the_story_mentions_may_be_named() -> None:
    # The wire story itself says the ban reaches "within the UK": an Irish section may say so.
    section = (
        "Irish security teams lose Fable and Mythos too: the US order reaches users within the "
        "UK and Ireland alike, and the Data Protection Commission (DPC) will watch for breaches."
    )
    assert _region_errors(section, "ie") == []


def test_another_currency_the_story_does_not_use() -> None:
    section = "For American organizations, replacing the models could cost £50 a seat."
    assert _region_errors(section, "us") == ["£"]
    assert _region_errors(section.replace("£50", "$50"), "us") == []


def test_an_english_section_under_the_german_profile() -> None:
    de = load_profile(DE_PROFILE)
    english = (
        "For German organisations, the loss of Fable and Mythos is not a distant American "
        "dispute, and the BSI depends on defenders finding and fixing vulnerabilities quickly."
    )
    report = check(english, _wire(), de)
    assert any(
        f.check == "region" and 'not written in the language "de"' in f.message
        for f in report.errors
    )
    german = (
        "Für deutsche Unternehmen ist der Verlust von Fable und Mythos kein fernes Problem: "
        "Anthropic hat den Zugang zu beiden Modellen weltweit gesperrt, und das BSI ist darauf "
        "angewiesen, dass Sicherheitsteams Schwachstellen schnell finden und beheben."
    )
    assert [f for f in check(german, _wire(), de).errors if f.check == "region"] == []


def test_a_german_section_under_an_english_profile() -> None:
    german = (
        "Für britische Unternehmen ist der Verlust von Fable und Mythos kein fernes Problem, und "
        "das NCSC ist darauf angewiesen, dass Sicherheitsteams Schwachstellen schnell beheben."
    )
    report = check(german, _wire(), "uk")
    assert any("not written in English" in f.message for f in report.errors)


BINANCE = Story(
    (
        "Binance, the world's largest cryptocurrency exchange, agreed to pay $4.3bn.",
        "Its founder stepped down. Australian users were not affected, regulators said.",
    ),
    None,
    "binance",
)


@pytest.mark.parametrize(
    "section",
    [
        "A major Australian cryptocurrency exchange, Binance, agreed to pay.",
        "Binance, an Australian exchange, agreed to pay.",
    ],
)
def test_a_story_organisation_made_this_region_s_own(section: str) -> None:
    # The issue's real model output: "a major Australian cryptocurrency exchange, Binance".
    assert [t for t in _region_errors(section, "au", BINANCE) if "Binance" in t]


def test_this_region_s_readers_of_a_story_organisation_pass() -> None:
    section = "Australian users of Binance, the world's largest exchange, may worry."
    assert [t for t in _region_errors(section, "au", BINANCE) if "Binance" in t] == []


def test_foreign_names_are_found_as_their_whole_alternation_finds_them() -> None:
    # The names are searched one by one, not as a compiled alternation of the section's
    # candidates (speed); what they find must be what that alternation finds: the longest name
    # at a position, whole names only, searching on from a match's end.
    body = (
        "For U.S. firms and the U.K.'s UK GDPR regime, the ICO-led review and the European\n"
        "Commission matter; so do the US Federal Trade Commission, the FTC, the U.S. Department "
        "of Commerce and the Pensions Regulator, non-EU users and the EU's GDPR."
    )
    for region in ("uk", "eu", "us", "au", "ie"):
        foreign = _foreign(get_region(region))
        names = [foreign.names[i] for i in foreign.first_words.candidates(word_runs(body))]
        whole = re.compile(rf"(?:{spaced_alternation(names)})(?![\w-])")
        expected = [(m.start(), m.group()) for m in iter_whole(whole, body)]
        assert [(m.start(), m.group()) for m in foreign.matches(body)] == expected
        assert expected  # the body names some other region's bodies
