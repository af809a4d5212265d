"""The ``number`` check on a figure the story gives in another form (issue 18: the false flags
on annotated summaries of earnings calls and meetings)."""

from __future__ import annotations

import pytest

from localize import check
from localize.grounding._figures import scan_figures
from localize.story import parse_story

STORY = parse_story(
    "In the fourth quarter, revenue rose 12.4% to $1.53 billion, and earnings per share were "
    "$0.87.\n\nProject Manager: And costs were twelve fifty , it's a four Euro addition."
)


def _numbers(section: str) -> list[str]:
    return [f.message for f in check(section, STORY, "us").findings if f.check == "number"]


@pytest.mark.parametrize(
    "section",
    [
        "Fourth-quarter revenue rose 12% to $1.5 billion.",  # rounded, two significant digits
        "Earnings per share were 87 cents in the fourth quarter.",
        "Costs were 12.50 Euros, with a four Euro addition.",  # a price said as two numbers
        "Costs were twelve fifty.",
    ],
)
def test_a_figure_the_story_gives_in_another_form_is_the_story_s(section: str) -> None:
    assert _numbers(section) == []


@pytest.mark.parametrize(
    ("section", "figure"),
    [
        ("Fourth-quarter revenue rose 12% to $2 billion.", "$2 billion"),  # one digit: no rounding
        ("Fourth-quarter revenue rose 12% to $1.6 billion.", "$1.6 billion"),
        ("Earnings per share were 78 cents in the fourth quarter.", "78"),
        ("Costs were 12.75 Euros.", "12.75"),
    ],
)
def test_a_figure_in_no_form_of_the_story_s_is_still_reported(section: str, figure: str) -> None:
    messages = _numbers(section)
    assert len(messages) == 1 and figure in messages[0], messages


def test_two_spoken_numbers_in_a_row_are_two_numbers() -> None:
    values = [(str(f.value), f.countable) for f in scan_figures("costs were twelve fifty")]
    assert values == [("12", True), ("12.5", False), ("50", True)]
    assert [str(f.value) for f in scan_figures("twenty five and one hundred and fifty")] == [
        "25",
        "150",
    ]


HALVES = parse_story(
    "The bank cut its rate by half a percentage point. The review will take two and a half "
    "years, and half of the members voted for it."
)


@pytest.mark.parametrize(
    "section",
    [
        "The bank cut its rate by 0.5 percentage points.",
        "The review will take 2.5 years.",
        "50% of the members voted for the review.",
        "Half a point off the rate.",  # a section's own half is never flagged
    ],
)
def test_a_half_the_story_writes_in_words_grounds_its_figure(section: str) -> None:
    assert [f.message for f in check(section, HALVES, "us").findings if f.check == "number"] == []


@pytest.mark.parametrize(
    ("section", "figure"),
    [
        ("The bank cut its rate by 0.75 percentage points.", "0.75"),
        ("The review will take 3.5 years.", "3.5"),
    ],
)
def test_a_figure_no_half_of_the_story_gives_is_still_reported(section: str, figure: str) -> None:
    messages = [f.message for f in check(section, HALVES, "us").findings if f.check == "number"]
    assert len(messages) == 1 and figure in messages[0], messages


def test_halves_are_read_as_figures_that_ground_but_are_never_counted() -> None:
    read = [(str(f.value), f.countable) for f in scan_figures("two and a half years; half of it")]
    assert read == [("2", True), ("2.5", False), ("0.5", False), ("0.5", False)]
    assert list(scan_figures("a half-time score and behalf of")) == []
