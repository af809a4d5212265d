"""Clean copy on stories from many beats (issue 18): forms a careful writer uses that the
checks must not flag, each beside a nearby faulty variant that they still flag. The sentences
come from tests/data/clean_sections, written and labelled clean before the checks were read."""

from __future__ import annotations

from pathlib import Path

import pytest

from localize import check
from localize.grounding._misplaced import misplaced_value
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


def _messages(section: str, story: str, region: str, *checks: str) -> list[str]:
    """The messages of ``checks``' findings on ``section``."""
    return [f.message for f in check(section, story, region).findings if f.check in checks]


def _claims(section: str, story: str, region: str = "uk") -> list[str]:
    return _messages(section, story, region, "claim")


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
    return _messages(section, story, region, "region")


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


# Clean sections still flagged, with why (see the README there): reported, not fixed here.
# None now: the last one ("not to repeat the conduct" for the story's "to stop repeating the
# conduct") passes since a story's "stop" + verb excuses a section's negation of the verb.
STILL_FLAGGED: dict[str, str] = {}


# Set 2: new stories (clean_sections/stories2) and other regions, written and labelled clean
# before the checks were run on them.
CLEAN2 = sorted((DATA / "clean_sections" / "set2").glob("*--*.md"))
STORIES2 = DATA / "clean_sections" / "stories2"


@pytest.mark.parametrize("path", CLEAN + CLEAN2, ids=[p.stem for p in CLEAN + CLEAN2])
def test_every_hand_written_clean_section_passes(path: Path) -> None:
    """The regression test of the sets: labelled clean before the checks were read, each must
    pass with no error (the README lists the warnings left), except those listed above
    with the one finding they still get."""
    story, region = path.stem.split("--")
    stories = STORIES2 if path.parent.name == "set2" else DATA / "real_stories"
    report = check(path.read_text(), (stories / f"{story}.txt").read_text(), region)
    errors = [f"{f.check}: {f.message}" for f in report.findings if f.severity == "error"]
    assert errors == ([STILL_FLAGGED[path.stem]] if path.stem in STILL_FLAGGED else [])


def test_set_2_covers_each_of_its_eight_new_stories_at_least_three_times() -> None:
    written = [p.stem.split("--") for p in CLEAN2]
    stories = {p.stem for p in STORIES2.glob("*.txt")}
    assert len(stories) == 8 and {s for s, _ in written} == stories
    assert all(sum(s == story for s, _ in written) >= 3 for story in stories)
    assert len({r for _, r in written}) >= 10


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


CHIPS = (
    "The US Commerce Department on Friday announced sweeping export controls that restrict "
    "China's access to advanced computing chips.\n\n"
    "Companies now need a license to sell China certain advanced chips."
)


def _acts(section: str, story: str, region: str) -> list[str]:
    return _messages(section, story, region, "attribution", "claim")


def test_what_the_story_says_a_body_announced_the_body_said() -> None:
    clean = (
        "The US Commerce Department said on Friday that companies now need a licence to sell "
        "China certain advanced chips."
    )
    assert _acts(clean, CHIPS, "in") == []
    # Another body saying it, or the department saying it where the story has it only act,
    # is still a claim.
    faulty = "The Reserve Bank of India said on Friday that companies now need a licence."
    assert any("Reserve Bank of India" in m or "RBI" in m for m in _acts(faulty, CHIPS, "in"))
    acted = CHIPS.replace("announced sweeping export controls that restrict", "restricted")
    assert _acts(clean, acted, "in"), acted


def test_a_country_stands_for_its_own_government_s_body() -> None:
    clean = (
        "The United States on Friday announced export controls that restrict China's access "
        "to advanced computing chips."
    )
    assert _acts(clean, CHIPS, "sg") == []
    # Another country's government did not: the controls stay the US department's.
    faulty = (
        "The Singapore government on Friday announced export controls that restrict China's "
        "access to advanced computing chips."
    )
    assert any("Department of Commerce" in m for m in _acts(faulty, CHIPS, "sg"))


BONDS = (
    "India's Supreme Court on Thursday struck down the electoral bonds scheme.\n\n"
    "The court ordered the State Bank of India to stop issuing the bonds."
)


def _institutions(section: str, story: str, region: str) -> list[str]:
    return _messages(section, story, region, "institution")


@pytest.mark.parametrize("date", ["Thursday", "February"])
def test_a_day_or_month_before_a_name_is_no_part_of_it(date: str) -> None:
    clean = f"On {date} India's Supreme Court struck down the electoral bonds scheme."
    assert _institutions(clean, BONDS, "za") == []
    faulty = f"On {date} India's High Court struck down the electoral bonds scheme."
    assert any("India's High Court" in m for m in _institutions(faulty, BONDS, "za"))


WARMEST = parse_story(
    "The Copernicus Climate Change Service said on Friday that 2024 was the warmest year since "
    "records began and the first calendar year in which the global average temperature was "
    "more than 1.5 degrees Celsius above pre-industrial levels."
)


def test_last_year_is_a_time_not_the_opposite_of_the_story_s_first_year() -> None:
    clean = (
        "Last year was the hottest on record, according to the Copernicus Climate Change Service."
    )
    assert _paraphrase(clean, WARMEST, "ie") == []
    # A rank stays a rank: "the last year in which" is the opposite of the story's "first".
    faulty = (
        "Copernicus said 2024 was the last year in which the global average temperature was "
        "more than 1.5 degrees Celsius above pre-industrial levels."
    )
    assert any('says "last"' in m for m in _paraphrase(faulty, WARMEST, "ie"))


HEAT = parse_story(
    "The service said the heat was driven mainly by greenhouse gases from burning fossil fuels."
)


def test_small_words_that_change_places_swap_no_words_of_the_story() -> None:
    clean = (
        "It said that the heat came mainly from greenhouse gases released by burning fossil fuels."
    )
    assert _paraphrase(clean, HEAT, "nz") == []
    # The content words themselves exchanged are still a swap.
    faulty = (
        "The service said the heat was driven mainly by burning gases from greenhouse fossil fuels."
    )
    assert any("swaps" in m for m in _paraphrase(faulty, HEAT, "nz"))


STRIKE = (
    "Tens of thousands of rail workers walked out on Tuesday in the biggest rail strike in "
    "Britain for 30 years."
)


def _numbers(section: str, story: str, region: str) -> list[str]:
    return _messages(section, story, region, "number")


def test_decades_restate_the_story_s_years() -> None:
    assert (
        _numbers("It was the biggest rail strike in Britain for three decades.", STRIKE, "uk") == []
    )
    faulty = "It was the biggest rail strike in Britain for four decades."
    assert any('"four"' in m for m in _numbers(faulty, STRIKE, "uk"))


BARRED = parse_story(
    "The rules also bar US citizens and permanent residents from supporting the development or "
    "production of advanced chips at certain Chinese factories without a license."
)


def test_a_story_that_bars_someone_from_doing_something_says_they_may_not() -> None:
    clean = (
        "US citizens and permanent residents may not support the development or production of "
        "advanced chips at certain Chinese factories without a licence."
    )
    assert _paraphrase(clean, BARRED, "in") == []
    # Only the act the story bars: another verb negated, or the bar itself negated, is added.
    for faulty in (
        "US citizens and permanent residents may not sell advanced chips at certain Chinese "
        "factories without a licence.",
        "The rules do not bar US citizens and permanent residents from supporting the "
        "development or production of advanced chips at certain Chinese factories.",
    ):
        assert any("adds a negation" in m for m in _paraphrase(faulty, BARRED, "in")), faulty


def test_a_small_number_in_words_aligns_with_the_story_s_numeral() -> None:
    story = "The board voted 7-2 to end the negative rate."
    clean = "Not every board member backed the change: the vote was seven to two."
    warnings = [f for f in check(clean, story, "za").findings if f.check == "support"]
    assert warnings == []
    # A number the story does not give is no support: the sentence still rests on nothing.
    faulty = "Not every board member backed the change: the vote was nine to one."
    assert [f.check for f in check(faulty, story, "za").findings].count("support") == 1


APPLE = parse_story("Apple was ordered to remove the provisions and to stop repeating the conduct.")


def test_a_story_that_stops_an_act_says_not_to_do_it() -> None:
    clean = "Apple has been ordered to remove the provisions and not to repeat the conduct."
    assert _paraphrase(clean, APPLE, "in") == []
    # A negation of another verb of the clause is still added.
    faulty = "Apple has been ordered not to remove the provisions."
    assert any("adds a negation" in m for m in _paraphrase(faulty, APPLE, "in"))


ARIA = parse_story(
    "The label warns of swelling or bleeding in the brain that usually causes no symptoms but "
    "can be serious."
)


def test_without_keeps_the_story_s_no() -> None:
    clean = "The swelling or bleeding in the brain is usually without symptoms but can be serious."
    assert _paraphrase(clean, ARIA, "in") == []
    # "without" before another word keeps nothing: the story's "no symptoms" is dropped.
    faulty = "The swelling or bleeding in the brain is usually without pain and causes symptoms."
    assert any("drops the story's negation" in m for m in _paraphrase(faulty, ARIA, "in"))


def test_a_body_s_name_may_spell_out_the_region_the_story_abbreviates() -> None:
    clean = "The United States Commerce Department restricted China's access to advanced chips."
    assert _institutions(clean, CHIPS, "nz") == []
    # Another body, or the section's own region put before the story's body, is not named.
    for faulty, name in (
        (clean.replace("Commerce", "Treasury"), "United States Treasury Department"),
        (clean.replace("United States", "New Zealand"), "New Zealand Commerce Department"),
    ):
        assert any(name in m for m in _institutions(faulty, CHIPS, "nz")), faulty


def test_the_story_s_own_audience_under_another_name_of_its_region_is_no_address() -> None:
    clean = (
        "The rules bar American citizens and permanent residents from supporting advanced chip "
        "production at certain Chinese factories."
    )
    story = CHIPS + (
        "\n\nThe rules also bar US citizens and permanent residents from supporting the "
        "production of advanced chips at certain Chinese factories."
    )
    assert [m for m in _region(clean, story, "ca") if "addresses readers" in m] == []
    # An audience the story does not give is still an address to the other region's readers.
    faulty = "The rules will hurt American businesses that sell chips to China."
    assert any("American businesses" in m for m in _region(faulty, story, "ca"))


LUXEMBOURG = parse_story(
    "The Luxembourg-based court ruled on Thursday that FIFA and UEFA had abused a dominant "
    "position.\n\nThe case was referred to it by a commercial court in Madrid."
)


def test_a_place_in_a_hyphenated_story_word_is_given() -> None:
    ruling = "ruled on Thursday that FIFA and UEFA had abused a dominant position."
    clean = f"The court, which is based in Luxembourg, {ruling}"
    assert _paraphrase(clean, LUXEMBOURG, "in") == []
    faulty = f"The court, which is based in Germany, {ruling}"
    assert any("names germany" in m.lower() for m in _paraphrase(faulty, LUXEMBOURG, "in"))


def test_a_temperature_s_unit_is_the_figure_s_own_not_its_setting() -> None:
    story = parse_story(
        "2024 was the first calendar year in which the global average temperature was more "
        "than 1.5 degrees Celsius above pre-industrial levels.\n\n"
        "The global average was 1.6C above the 1850-1900 average."
    )
    clean = (
        "2024 was the warmest year since records began, at 1.6 degrees Celsius above the "
        "1850-1900 average."
    )
    assert misplaced_value(clean, story) is None
    # A figure put in another statement's place is still misplaced, unit or not.
    heat = parse_story(
        "Temperatures in Seville reached 44C on Monday.\n\n"
        "In Madrid the thermometer hit 39 degrees Celsius on Tuesday."
    )
    faulty = "In Madrid the thermometer hit 44 degrees Celsius on Tuesday."
    assert misplaced_value(faulty, heat) == ("gives 44 where the story gives 39", 2)
