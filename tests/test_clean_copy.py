"""Clean copy on stories from many beats (issue 18): forms a careful writer uses that the
checks must not flag, each beside a nearby faulty variant that they still flag. The sentences
come from tests/data/clean_sections, written and labelled clean before the checks were read."""

from __future__ import annotations

from pathlib import Path

import pytest

from localize import check
from localize.grounding._paraphrase import check_paraphrase
from localize.regions._profiles import get_region
from localize.story import parse_story

JUSTICE = parse_story(
    "US District Judge Amit Mehta found that Google had broken the law.\n\n"
    "The judge did not decide on remedies, which will be set in a later phase of the case."
)
SAFETY = parse_story(
    "The law makes platforms, not parents or children, responsible for taking reasonable steps "
    "to stop under-16s from holding accounts."
)
ELECTION = parse_story("Labour won the UK general election held on Thursday by a landslide.")


def _paraphrase(section: str, story: object, region: str = "uk") -> list[str]:
    return [f.message for f in check_paraphrase(section, story, get_region(region))]  # type: ignore[arg-type]


def test_a_negation_the_story_makes_moved_into_a_passive_is_no_added_negation() -> None:
    clean = "Remedies were not decided and will be set in a later phase of the case."
    assert _paraphrase(clean, JUSTICE) == []
    # The story sets remedies in a later phase: saying they will not be is still an added
    # negation.
    faulty = "Remedies will not be set in a later phase of the case."
    assert any("negation" in m for m in _paraphrase(faulty, JUSTICE))
    # Only the negation that bears on the word counts: the story's "at no cost" is no licence
    # for "aren't offering".
    offer = parse_story(
        "Acme makes project software.\n\n"
        "We would like to offer you a personalized demo and a 30-day trial at no cost."
    )
    faulty = "They aren't offering a personalized demo and a 30-day trial at no cost."
    assert any("negation" in m for m in _paraphrase(faulty, offer, "us"))


@pytest.mark.parametrize("contrast", ["rather than", "instead of"])
def test_a_contrast_that_rules_one_side_out_keeps_the_story_s_negation(contrast: str) -> None:
    clean = (
        f"The law makes platforms, {contrast} parents or children, responsible for taking "
        "reasonable steps to stop under-16s from holding accounts."
    )
    assert _paraphrase(clean, SAFETY, "au") == []
    faulty = (
        "The law makes platforms and parents or children responsible for taking reasonable "
        "steps to stop under-16s from holding accounts."
    )
    assert any("drops the story's negation" in m for m in _paraphrase(faulty, SAFETY, "au"))


def test_a_name_the_profile_s_remit_gives_is_supported() -> None:
    # Ireland's profile gives its Electoral Commission's Irish name in the remit.
    clean = (
        "In Ireland, elections are a matter for the Electoral Commission, An Coimisiún "
        "Toghcháin, the independent body that oversees the electoral register and referendums."
    )
    assert _paraphrase(clean, ELECTION, "ie") == []
    faulty = "In Ireland, elections are a matter for the Bord Naisiunta Toghchain."
    assert any("names" in m for m in _paraphrase(faulty, ELECTION, "ie"))
    # A remit that names another region to tell namesakes apart ("Not the UK or New Zealand
    # body of the same name") does not make that region Ireland's.
    faulty = "In Ireland, elections are a matter for the New Zealand Electoral Commission."
    assert any("names New Zealand" in m for m in _paraphrase(faulty, ELECTION, "ie"))


FED = (
    "The US Federal Reserve lowered its benchmark interest rate by half a percentage point on "
    "Wednesday, to a range of 4.75% to 5%.\n\nFed chair Jerome Powell told reporters the move "
    "was a sign of commitment."
)


def _claims(section: str, story: str, region: str = "uk") -> list[str]:
    return [f.message for f in check(section, story, region).findings if f.check == "claim"]


def test_cutting_a_rate_restates_lowering_it() -> None:
    clean = "The US Federal Reserve cut its benchmark interest rate by half a percentage point."
    assert _claims(clean, FED) == []
    # The story gives the cut to the Fed, not to the Bank of England; and "cut off" is a
    # suspension, which the story does not report of the Fed.
    for faulty in (
        "The Bank of England cut its benchmark interest rate by half a percentage point.",
        "The US Federal Reserve cut off lending to banks on Wednesday.",
    ):
        assert _claims(faulty, FED), faulty


SOCIAL = (
    "Australia's parliament passed a law on Thursday that bans children under 16 from using "
    "social media.\n\nThe ban is due to take effect in a year."
)


def _region(section: str, story: str, region: str) -> list[str]:
    return [f.message for f in check(section, story, region).findings if f.check == "region"]


def test_a_generic_body_name_inside_the_region_s_own_name_is_its_short_form() -> None:
    # "Parliament" is also an alias of Canada's, New Zealand's and the UK's parliaments.
    clean = (
        "Parliament passed a law on Thursday that bans children under 16 from social media. "
        "The eSafety Commissioner is Australia's online safety regulator."
    )
    assert _region(clean, SOCIAL, "au") == []
    # Names no Australian body holds stay another region's, generic ones included.
    for faulty, name in (
        ("Westminster passed a law on Thursday that bans children under 16.", "Westminster"),
        ("The Central Bank will watch the ban, which is due to take effect.", "Central Bank"),
    ):
        assert any(name in m for m in _region(faulty, SOCIAL, "au")), faulty


AI_ACT = (
    "The law sorts AI systems by risk.\n\n"
    "The European Commission's new AI Office will oversee the rules for general-purpose AI models."
)


def test_a_body_the_story_names_in_the_possessive_is_named_by_the_story() -> None:
    for clean in (
        "The European Commission's new AI Office will oversee the rules for general-purpose AI.",
        "The European Commission will oversee the rules for general-purpose AI models.",
    ):
        findings = check(clean, AI_ACT, "uk").findings
        assert [f.message for f in findings if f.check == "institution"] == [], clean
    faulty = "The European Council will oversee the rules for general-purpose AI models."
    assert any(f.check == "institution" for f in check(faulty, AI_ACT, "uk").findings)


DATA = Path(__file__).parent / "data"
CLEAN = sorted((DATA / "clean_sections").glob("*--*.md"))


# Clean sections still flagged, with why (see the README there): reported, not fixed here. None
# now: the last ("to stop repeating the conduct") passes since "stop + -ing" reads as "not".
STILL_FLAGGED: dict[str, str] = {}


@pytest.mark.parametrize("path", CLEAN, ids=[p.stem for p in CLEAN])
def test_every_hand_written_clean_section_passes(path: Path) -> None:
    """The regression test of the set: labelled clean before the checks were read, each must
    pass with no error (the README lists the one warning left), except those listed above
    with the one finding they still get."""
    story, region = path.stem.split("--")
    report = check(path.read_text(), (DATA / "real_stories" / f"{story}.txt").read_text(), region)
    errors = [f"{f.check}: {f.message}" for f in report.findings if f.severity == "error"]
    assert errors == ([STILL_FLAGGED[path.stem]] if path.stem in STILL_FLAGGED else [])


def test_the_clean_set_covers_every_non_cyber_real_story_three_times() -> None:
    stories = {p.stem for p in (DATA / "real_stories").glob("*.txt") if "cyber" not in p.stem}
    written = [p.stem.split("--")[0] for p in CLEAN]
    assert set(written) == stories
    assert all(written.count(s) >= 3 for s in stories)


RICE = parse_story(
    "India banned exports of white rice on Thursday.\n\n"
    "Exports of parboiled rice and basmati rice were not covered by the ban."
)


def test_a_negative_story_clause_said_with_another_verb_adds_no_negation() -> None:
    assert _paraphrase("It does not apply to basmati or parboiled rice.", RICE) == []
    faulty = "Parboiled rice and basmati rice were covered by the ban."
    assert any("drops the story's negation" in m for m in _paraphrase(faulty, RICE))
    # Against a story clause with no negation, the same sentence still adds one.
    covered = parse_story(
        "India banned exports of white rice on Thursday.\n\n"
        "Exports of parboiled rice and basmati rice were covered by the ban."
    )
    faulty = "It does not apply to basmati or parboiled rice."
    assert any("adds a negation" in m for m in _paraphrase(faulty, covered))
    # A story negation far from the words is about something else.
    trial = parse_story(
        "Acme makes building software.\n\n"
        "We invite you to try our 30-day risk-free trial that allows you to experience our "
        "premium plan at no cost to your company."
    )
    faulty = "Their plans start at $300 a month and don't offer a 30-day risk-free trial."
    assert any("negation" in m for m in _paraphrase(faulty, trial, "us"))


def _amounts(section: str, story: str, region: str) -> list[str]:
    return [m for m in _region(section, story, region) if "is an amount in" in m]


def test_an_amount_the_story_gives_in_a_country_s_dollars_may_carry_its_mark() -> None:
    story = "Platforms that fail face fines of up to 49.5 million Australian dollars."
    assert _amounts("Platforms face fines of up to A$49.5 million.", story, "uk") == []
    assert _amounts("Platforms face fines of up to NZ$49.5 million.", story, "uk")
    assert _amounts("Platforms face fines of up to 49.5 million US dollars.", story, "uk")


def test_an_amount_the_story_gives_in_plain_dollars_may_name_the_dollar() -> None:
    story = "Google paid 26.3 billion dollars in 2021 for default placements."
    assert _amounts("Google paid US$26.3 billion in 2021.", story, "ca") == []
    # Another figure in a foreign dollar is not the story's amount.
    assert _amounts("Google paid US$25 billion in 2021.", story, "ca")
