"""A story's own figure or date put where the story gives another (issue 18, `_misplaced`)."""

from __future__ import annotations

import re

import pytest

import localize
from localize.grounding._paraphrase import check_paraphrase
from localize.regions._profiles import get_region
from localize.story import parse_story

STORY = parse_story(
    "Acme said its revenue rose 12% to $4.1bn in the third quarter, while operating profit "
    "fell 3% to $800m.\n\n"
    "The company will cut 1,200 jobs in Ohio and hire 300 engineers in Texas.\n\n"
    "Chief executive Jane Doe was appointed in 2019, and the firm was founded in 1998.\n\n"
    "The board met on Tuesday and shareholders vote on Friday.\n\n"
    "Analysts had expected revenue growth of between 8% and 10%, and margins rose from 20% "
    "to 22%.\n\n"
    "Sales in Asia grew 7.8% and sales in Europe grew 8%.\n\n"
    "Profits are expected in the fourth quarter, and a new plant opens in March."
)


def _paraphrase(section: str) -> list[str]:
    return [f.message for f in check_paraphrase(section, STORY, get_region("us"))]


@pytest.mark.parametrize(
    ("section", "fault"),
    [
        # The example: the profit's figure given to the revenue.
        (
            "Acme's revenue rose 3% to $4.1bn in the third quarter.",
            "gives 3% where the story gives 12%",
        ),
        ("Acme's operating profit fell 12% to $800m.", "gives 12% where the story gives 3%"),
        ("Acme's revenue rose 12% to $800m.", "gives $800m where the story gives $4.1bn"),
        ("The company will cut 300 jobs in Ohio.", "gives 300 where the story gives 1,200"),
        # The setting shared on both sides: "hire" before the figure, "engineers" after it.
        ("Acme will hire 1,200 engineers.", "gives 1,200 where the story gives 300"),
        (
            "Chief executive Jane Doe was appointed in 1998.",
            "gives 1998 where the story gives 2019",
        ),
        ("Shareholders vote on Tuesday on the plan.", "gives Tuesday where the story gives Friday"),
        # A period the story gives for another statement.
        ("Acme's revenue rose 12% in the fourth quarter.", "gives fourth quarter where the story"),
        ("Acme expects profits in March.", "gives March where the story gives fourth quarter"),
    ],
)
def test_a_story_value_in_another_values_place_is_reported(section: str, fault: str) -> None:
    messages = _paraphrase(section)
    assert len(messages) == 1, messages
    assert fault in messages[0]
    # The finding quotes the story sentence whose value the section replaced.
    assert re.search(r': \[\d\] "', messages[0])


@pytest.mark.parametrize(
    "section",
    [
        # Each value in its own place, two story clauses restated in one sentence.
        "Acme's revenue rose 12% and its operating profit fell 3%.",
        "Revenue rose 12% to $4.1bn while profit fell 3% to $800m.",
        "Acme will cut 1,200 jobs in Ohio and hire 300 engineers in Texas.",
        "The board met on Tuesday, and shareholders vote on Friday.",
        # A range and a list, restated or folded.
        "Analysts had expected revenue growth of 8% to 10%.",
        "Margins rose from 20% to 22%.",
        "Margins rose to 22%.",
        # A rounding the number check accepts: 7.8% written as 8%.
        "Sales in Asia grew 8%.",
        # The value where the story gives it, in other words.
        "Operating profit was down 3% in the quarter.",
        "Jane Doe became chief executive in 2019; Acme dates from 1998.",
        "Acme's revenue rose 12% in Q3 and it expects a profit in Q4.",
        "A new plant opens in March, and profits are expected in the fourth quarter.",
        # Both values of one story sentence, each told apart by fewer words than the story's.
        "Around 1,200 jobs go in Ohio, and 300 more engineers are hired.",
    ],
)
def test_values_in_their_own_place_are_left_alone(section: str) -> None:
    assert _paraphrase(section) == []


def test_a_section_that_lists_the_story_values_is_left_alone() -> None:
    # The section's own list shares one setting: its items are not compared one by one.
    assert _paraphrase("Revenue and operating profit moved by 12% and 3%.") == []


def test_the_public_check_reports_a_misplaced_figure_as_a_paraphrase_error() -> None:
    story = (
        "Acme said its revenue rose 12% to $4.1bn in the third quarter, while operating "
        "profit fell 3% to $800m."
    )
    report = localize.check(
        "Acme's revenue rose 3% to $4.1bn in the third quarter.", story, region="us"
    )
    assert [f.check for f in report.errors if f.check in ("paraphrase", "number")] == ["paraphrase"]


@pytest.mark.parametrize(
    ("story", "section"),
    [
        (
            "Prices of bread rose 5% in Britain last year, the survey found. Shoppers also "
            "faced a 7% rise in milk prices.",
            "Britain saw a 5% rise in bread prices.",
        ),
        (
            "Water bills will rise by 8% for households in England. Households also face a 6% "
            "rise in council tax bills.",
            "England's households face an 8% rise in water bills.",
        ),
        (
            "Ticket prices went up 3% at Heathrow this year. Passengers also saw a 5% increase "
            "in fares at Gatwick.",
            "Heathrow passengers saw a 3% increase in ticket prices.",
        ),
        (
            "The company's UK revenue grew 7% in 2023. It reported 4% revenue growth in Germany.",
            "The company reported 7% revenue growth in the UK in 2023.",
        ),
    ],
)
def test_a_value_whose_words_moved_to_its_other_side_is_left_alone(
    story: str, section: str
) -> None:
    # "X rose 5%" restated as "a 5% rise in X": the value's own words are on its other side,
    # while another story value written "a N% rise in ..." shares the section's word order.
    findings = check_paraphrase(section, parse_story(story), get_region("uk"))
    assert [f.message for f in findings] == []
