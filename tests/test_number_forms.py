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
