"""The ``number`` check on figures a story supports in another form: tokenised numerals,
roundings, hedged approximations, fractions written as percentages, times of day."""

from __future__ import annotations

from decimal import Decimal

import pytest

from localize import check, parse_story
from localize.regions import get_region

STORY = parse_story(
    "The trust's planned \u00a37.8m deficit grew. Campaigners raised \u00a350,000 in nine "
    "hours. Earnings per share were $6.86 and the bank earned $3.1 billion. The capital ratio "
    "was 13.8 percent. The project costs \u00a31.3bn. Some 2,960 staff and 246 contractors "
    "work there, and two-thirds of them are in London. In 2019, 66% of firms were hit."
)


def numbers(section: str) -> list[str]:
    report = check(section, STORY, get_region("uk"), min_words=1)
    return [f.text for f in report.findings if f.check == "number"]


@pytest.mark.parametrize(
    "section",
    [
        "An investigation followed a \u00a3 7.8 m overspend.",  # tokenised "£7.8m"
        "A campaign has raised \u00a350, 000.",  # tokenised "£50,000"
    ],
)
def test_tokenised_figures_are_read_as_the_story_writes_them(section: str) -> None:
    assert numbers(section) == []


def test_tokenised_figures_that_differ_are_still_errors() -> None:
    assert numbers("An investigation followed a \u00a3 7.9 m overspend.") == ["\u00a3 7.9 m"]
    assert numbers("A campaign has raised \u00a360, 000.") == ["\u00a360, 000"]
    # A spaced comma after a year separates two figures: 300 is checked on its own.
    assert numbers("In 2019, 300 firms were hit.") == ["300"]


def test_a_spaced_currency_symbol_is_the_figure_currency() -> None:
    assert numbers("The bank earned \u00a3 3.1 billion.") == ["\u00a3 3.1 billion"]


@pytest.mark.parametrize(
    "section",
    [
        "The capital ratio was 14%.",
        "Earnings per share were $6.9.",
        "The bank earned about $3 billion.",
    ],
)
def test_a_story_figure_rounded_is_supported(section: str) -> None:
    assert numbers(section) == []


@pytest.mark.parametrize(
    ("section", "span"),
    [
        ("Earnings per share were $6.89.", "$6.89"),  # as fine as the story's: another number
        ("Earnings per share were $6.90.", "$6.90"),  # its last zero is written
        ("The capital ratio was 13.1 percent.", "13.1 percent"),
        ("The capital ratio was 13%.", "13%"),  # 13.8 rounds to 14
        ("The project costs \u00a31bn.", "\u00a31bn"),  # a rounding too coarse to stand for it
        ("The bank earned $3 billion.", "$3 billion"),  # one significant digit, no hedge
        ("The capital ratio was 14 people.", "14"),  # 13.8 is a percentage, not a count
    ],
)
def test_a_figure_the_story_does_not_round_to_is_an_error(section: str, span: str) -> None:
    assert numbers(section) == [span]


@pytest.mark.parametrize(
    "section",
    [
        "About 3,000 staff work there.",
        "More than 200 contractors work there.",
        "Nearly 250 contractors work there.",
        "Fewer than 3,000 staff work there.",
        "The project costs under \u00a31.5bn.",  # a bound holds a figure as round as it
        "More than 240 contractors work there.",
    ],
)
def test_a_hedged_figure_near_the_story_is_supported(section: str) -> None:
    assert numbers(section) == []


@pytest.mark.parametrize(
    ("section", "span"),
    [
        ("3,000 staff work there.", "3,000"),  # unhedged, 2,960 is not 3,000
        ("More than 150 contractors work there.", "150"),  # 246 is too far above
        ("More than 250 contractors work there.", "250"),  # 246 is below it
        ("About 3,100 staff work there.", "3,100"),  # 2,960 rounds to 3,000
        ("About 240 contractors work there.", "240"),  # 246 is finer: rounds to 250
        ("Nearly 3,500 staff work there.", "3,500"),
        ("About 4,000 staff work there.", "4,000"),
    ],
)
def test_a_hedged_figure_far_from_the_story_is_an_error(section: str, span: str) -> None:
    assert numbers(section) == [span]


def test_a_fraction_and_a_percentage_stand_for_each_other() -> None:
    assert numbers("Two-thirds of firms were hit in 2019.") == []  # story: 66%
    assert numbers("About 67% of them are in London.") == []  # story: two-thirds
    assert numbers("One-third of firms were hit in 2019.") == ["One-third"]
    assert numbers("Half of them, 50%, are in London.") == ["50%"]


@pytest.mark.parametrize("section", ["The board meets at 5 pm.", "The board meets at 8 a.m."])
def test_a_time_of_day_is_not_a_quantity(section: str) -> None:
    assert numbers(section) == []


UNITS_STORY = parse_story(
    "The dividend rises to 13 cents a share. The margin fell 70 basis points. A stamp costs "
    "85p.\nAnna: see you on friday then\nTom: or Thurs. if the shop is shut"
)


def unit_numbers(section: str) -> list[str]:
    report = check(section, UNITS_STORY, get_region("uk"), min_words=1)
    return [f.text for f in report.findings if f.check == "number"]


@pytest.mark.parametrize(
    "section",
    [
        "The dividend rises to $0.13 a share.",
        "The margin fell 0.7 percentage points.",
        "A stamp costs \u00a30.85.",
    ],
)
def test_cents_pence_and_basis_points_are_hundredths(section: str) -> None:
    assert unit_numbers(section) == []


def test_a_hundredth_that_differs_is_still_an_error() -> None:
    assert unit_numbers("The dividend rises to $0.14 a share.") == ["$0.14"]
    assert unit_numbers("The margin fell 0.8 percentage points.") == ["0.8"]


def test_a_weekday_the_source_writes_in_lower_case_or_short_is_given() -> None:
    assert unit_numbers("Anna and Tom will meet on Friday or Thursday.") == []
    assert unit_numbers("Anna and Tom will meet on Saturday.") == ["Saturday"]


CHAT = parse_story(
    "Ann: can we meet on the 5th of may? . Mike: ok, or 14/03 next year. . Ann: fine\nMike: see you"
)


def chat_numbers(section: str) -> list[str]:
    report = check(section, CHAT, get_region("uk"), min_words=1)
    return [f.text for f in report.findings if f.check == "number"]


def test_a_transcript_speakers_are_a_list_a_section_may_count() -> None:
    assert chat_numbers("The two friends plan to meet.") == []
    assert chat_numbers("The four friends plan to meet.") == ["four"]


def test_a_source_date_in_lower_case_or_without_a_year_is_given() -> None:
    assert chat_numbers("Ann and Mike may meet on May 5 or on 14 March.") == []
    assert chat_numbers("Ann and Mike may meet on May 6.") == ["May 6"]


CHANGE_STORY = parse_story(
    "Revenue rose from $10 million to $12 million. The jobless rate fell from 5.2% to 4.8%. "
    "The firm has 40 staff. It opened in 1990. Of its 7 sites, 4 closed."
)


def change_numbers(section: str) -> list[str]:
    report = check(section, CHANGE_STORY, get_region("uk"), min_words=1)
    return [f.text for f in report.findings if f.check == "number"]


@pytest.mark.parametrize(
    "section",
    [
        "Revenue rose by $2 million.",  # 12 - 10
        "Revenue rose 20%.",  # (12 - 10) / 10
        "The jobless rate fell 0.4 percentage points.",
    ],
)
def test_a_difference_or_change_the_story_implies_is_supported(section: str) -> None:
    assert change_numbers(section) == []


@pytest.mark.parametrize(
    ("section", "span"),
    [
        ("Revenue rose by $3 million.", "$3 million"),
        ("Revenue rose 25%.", "25%"),
        ("The firm has 1,950 staff.", "1,950"),  # 1990 - 40: figures of two sentences
        ("Three sites stayed open.", "Three"),  # small counts differ by small counts anywhere
    ],
)
def test_a_change_the_story_does_not_imply_is_an_error(section: str, span: str) -> None:
    assert change_numbers(section) == [span]


def test_a_date_day_and_a_figure_after_it_are_not_one_thousands_group() -> None:
    story = parse_story(
        "On March 5, 300 people were evacuated. The plant will close on May 1, 200 jobs will go."
    )

    def found(section: str) -> list[str]:
        report = check(section, story, get_region("us"), min_words=1)
        return [f.text for f in report.findings if f.check == "number"]

    assert found("On March 5, 900 people were evacuated.") == ["900"]
    assert found("On March 5, 300 people were evacuated.") == []
    assert found("The plant will close and 200 jobs will go.") == []


def test_a_day_and_month_without_a_year_is_read_only_where_a_date_is_expected() -> None:
    story = parse_story(
        "The centre offers 24/7 support and 1/2 of callers wait. The office opens on 14/03."
    )

    def found(section: str) -> list[str]:
        report = check(section, story, get_region("us"), min_words=1)
        return [f.text for f in report.findings if f.check == "number"]

    assert found("The centre will close on July 24.") == ["July 24"]
    assert found("It closes on February 1.") == ["February 1"]
    assert found("The office opens on March 14.") == []


def test_a_sentence_is_scanned_once_and_a_story_never_kept() -> None:
    """The number, misplaced-value and attribution checks share one scan of a sentence; a whole
    story (longer than any sentence) is scanned afresh, so no cache holds a finished story."""
    from localize.grounding._dates import scan_dates
    from localize.grounding._figures import scan_figures

    sentence = "Revenue rose 12% to $4.1bn on 17 April, while operating profit fell 3%."
    assert scan_figures(sentence) is scan_figures(sentence)
    assert scan_dates(sentence) is scan_dates(sentence)
    assert [f.value for f in scan_figures(sentence)] == [12, Decimal("4.1e9"), 17, 3]
    story = " ".join([sentence] * 40)
    assert scan_figures(story) == scan_figures(story)
    assert scan_figures(story) is not scan_figures(story)
