"""Entity and number swaps in one-sentence news summaries (issue 18): each class a rule was
built for, the swap caught and a faithful restatement of the same fact left alone."""

from __future__ import annotations

import pytest

from localize import check
from localize.evaluation._factual import CONTENT_CHECKS
from localize.story import Story, parse_story

STORY = parse_story(
    "Apple has agreed to pay $490 million to settle a lawsuit accusing chief executive Tim Cook "
    "of defrauding shareholders, according to a filing on Friday. The case was the second such "
    "suit against Apple in three years. Two days later Apple told its suppliers to cut "
    "production, and dozens of investors joined the suit within six weeks."
)


def _errors(section: str) -> list[str]:
    """The errors of the checks that judge content against the story (as `localize eval`)."""
    report = check(section, STORY, "us")
    return [f"{f.check}: {f.message}" for f in report.errors if f.check in CONTENT_CHECKS]


@pytest.mark.parametrize(
    ("section", "said"),
    [
        ("The case was the second such suit against Apple in three months.", "not in months"),
        ("Two weeks later Apple told its suppliers to cut production.", "not in weeks"),
        ("Dozens of investors joined the suit within six days.", "not in days"),
    ],
)
def test_a_count_the_story_gives_in_another_unit_of_time_is_reported(
    section: str, said: str
) -> None:
    errors = _errors(section)
    assert any(e.startswith("number:") and said in e for e in errors), errors


@pytest.mark.parametrize(
    "section",
    [
        "The case was the second such suit against Apple in three years.",
        "The case was the second such suit against Apple in 36 months.",  # the same duration
        "Dozens of investors joined the suit within 42 days.",
        "Dozens of investors joined the suit within a six-week period.",
        "Two days later Apple told its suppliers to cut production.",
    ],
)
def test_a_duration_the_story_gives_in_any_unit_is_the_story_s(section: str) -> None:
    assert _errors(section) == []


def test_a_year_is_not_implied_by_a_date_s_day_and_year() -> None:
    """The story's "November 1, 2018" gives no 2017 (2018 - 1): a year swapped in for the
    story's is reported as the figure the story does not give."""
    story = parse_story("Cook told analysts on November 1, 2018 that sales were slowing.")
    report = check("Cook told analysts in 2017 that sales were slowing.", story, "us")
    assert [f.message for f in report.errors if f.check == "number"] == [
        'The figure "2017" does not appear in the story.'
    ]
    assert not [f for f in check("Cook spoke in 2018.", story, "us").errors if f.check == "number"]


def test_half_a_billion_is_five_hundred_million() -> None:
    """A faithful "nearly half a billion dollars" for the story's $490 million is the story's;
    "half a billion" for a story's $90 million is not."""
    assert _errors("Apple will pay nearly half a billion dollars to settle the lawsuit.") == []
    story = parse_story("Apple has agreed to pay $90 million to settle a lawsuit.")
    report = check("Apple will pay half a billion dollars to settle the lawsuit.", story, "us")
    assert [f.check for f in report.errors if f.check == "number"] == ["number"]


@pytest.mark.parametrize(
    "section",
    [
        "Hundreds of investors joined the suit within six weeks.",  # the story's "dozens"
        "Apple lost hundreds of billions of dollars in a single day.",  # it gives $490 million
    ],
)
def test_a_size_the_story_gives_no_figure_of_is_reported(section: str) -> None:
    errors = _errors(section)
    assert any(e.startswith("number:") and "no figure of that size" in e for e in errors), errors


@pytest.mark.parametrize(
    "section",
    [
        "Dozens of investors joined the suit within six weeks.",
        "Apple will pay hundreds of millions of dollars to settle the lawsuit.",  # $490 million
    ],
)
def test_a_size_the_story_gives_is_the_story_s(section: str) -> None:
    assert _errors(section) == []


WAGE = parse_story(
    "Germany's parliament on Thursday approved a plan to raise the minimum wage to 12 euros an "
    "hour from October. Inflation hit 7.9% a year in May."
)


@pytest.mark.parametrize(
    ("section", "rate"),
    [
        ("Germany will raise the minimum wage to 12 euros a month.", "not per month"),
        ("Inflation hit 7.9% a month in May.", "not per month"),
    ],
)
def test_a_figure_the_story_gives_at_another_rate_is_reported(section: str, rate: str) -> None:
    messages = [f.message for f in check(section, WAGE, "us").errors if f.check == "number"]
    assert len(messages) == 1 and rate in messages[0], messages


def test_a_figure_at_the_story_s_rate_or_at_none_is_the_story_s() -> None:
    for section in (
        "Germany will raise the minimum wage to 12 euros per hour.",
        "Germany will raise the minimum wage to 12 euros.",
    ):
        assert not [f for f in check(section, WAGE, "us").errors if f.check == "number"]


ROLES = parse_story(
    "Germany's parliament approved a plan to raise the minimum wage, a promise of Chancellor "
    "Olaf Scholz. Labour Minister Hubertus Heil told lawmakers it would help six million "
    "workers. Tim Cook, Apple's chief executive, and Finance Minister Christian Lindner "
    "welcomed it. The plan was backed by Anna Schmidt, who leads a union."
)


@pytest.mark.parametrize(
    ("section", "said"),
    [
        # Another role for a person the story gives one.
        ("Finance Minister Hubertus Heil told lawmakers it would help workers.", "Heil finance"),
        ("The plan was welcomed by chief financial officer Tim Cook.", "Cook chief financial"),
        ("Heil, the finance minister, said it would help six million workers.", "Heil finance"),
        # A role the story gives another person, for one it gives none.
        ("The plan was backed by Chancellor Anna Schmidt.", "the story's role for Scholz"),
    ],
)
def test_a_person_given_another_role_is_reported(section: str, said: str) -> None:
    report = check(section, ROLES, "us")
    messages = [f.message for f in report.errors if f.check == "paraphrase"]
    assert any(said in m for m in messages), messages


@pytest.mark.parametrize(
    "section",
    [
        "Labour Minister Hubertus Heil said it would help six million workers.",
        "Minister Hubertus Heil said it would help six million workers.",  # no portfolio
        "Apple CEO Tim Cook welcomed the plan to raise the minimum wage.",  # one role, two forms
        "Heil, the labour minister, said it would help six million workers.",
        "German Chancellor Olaf Scholz promised to raise the minimum wage.",
        "Union leader Anna Schmidt backed the plan.",  # a vague role the story leaves out
    ],
)
def test_a_person_s_own_role_in_any_form_is_not_reported(section: str) -> None:
    report = check(section, ROLES, "us")
    assert [f.message for f in report.errors if f.check == "paraphrase"] == []


def test_a_name_that_opens_a_sentence_restating_a_story_clause_is_read_as_a_name() -> None:
    """A sentence's first word is capitalised by position, but a word no lexicon holds is a name
    there too: "Microsoft will pay..." for the story's Apple, in a clause that restates the
    story's, names what the story never gives. A common word there is not a name."""
    swapped = "Microsoft has agreed to pay $490 million to settle a lawsuit accusing Tim Cook."
    assert any("names microsoft" in e for e in _errors(swapped)), _errors(swapped)
    assert (
        _errors("Apple has agreed to pay $490 million to settle a lawsuit accusing Tim Cook.") == []
    )
    assert (
        _errors("Shareholders accused chief executive Tim Cook in a lawsuit Apple settled.") == []
    )
    # A conjunction the lexicon (open classes only) leaves out is no name.
    assert _errors("Because Apple agreed to pay $490 million, it settled a lawsuit.") == []


EARNINGS = parse_story(
    "Net income in the second quarter was $94.8 million. We estimate that Q3 earnings per share "
    "could range from $0.15 to $0.30."
)


def test_a_quarter_the_story_never_gives_where_it_gives_another_is_reported() -> None:
    report = check("They estimate Q4 earnings per share of up to $0.30.", EARNINGS, "us")
    assert [f.message for f in report.errors if f.check == "number"] == [
        'The period "Q4" does not appear in the story.'
    ]


@pytest.mark.parametrize(
    ("section", "story"),
    [
        ("They estimate third-quarter earnings per share of up to $0.30.", EARNINGS),
        ("Net income in Q2 was $94.8 million.", EARNINGS),
        # A story that names no quarter says nothing of which one a section may name.
        ("Sales rose in the fourth quarter.", parse_story("Sales rose this year.")),
    ],
)
def test_a_quarter_the_story_gives_or_a_story_without_quarters_is_not_reported(
    section: str, story: Story
) -> None:
    report = check(section, story, "us")
    assert [f.message for f in report.errors if f.check == "number"] == []


Q1_STORY = parse_story(
    "Acme Corp said on Tuesday that its revenue rose 12% in the first quarter of 2024 to $3.1 "
    "billion, helped by demand for its cloud software."
)
MONTHS_STORY = parse_story(
    "Acme Corp said on Tuesday that its revenue rose 12% in the first three months of 2024 to "
    "$3.1 billion, helped by demand for its cloud software."
)


@pytest.mark.parametrize(
    ("section", "story"),
    [
        ("Acme's revenue rose 12% in the first three months of 2024, to $3.1 billion.", Q1_STORY),
        ("Acme's revenue rose 12% in the first quarter of 2024, to $3.1 billion.", MONTHS_STORY),
        ("Acme's revenue rose 12% in Q1 2024, to $3.1 billion.", MONTHS_STORY),
    ],
)
def test_the_first_three_months_restate_the_first_quarter(section: str, story: Story) -> None:
    report = check(section, story, "us")
    assert [f.message for f in report.errors if f.check in CONTENT_CHECKS] == []


@pytest.mark.parametrize(
    ("section", "story", "said"),
    [
        # Another quarter than the story's, named by its months.
        ("Net income in the first three months was $94.8 million.", EARNINGS, "period"),
        # A story that gives no quarter gives no "three" either.
        ("Sales rose in the first three months.", parse_story("Sales rose this year."), "three"),
        ("Acme's revenue rose 12% in the last three months of 2024.", Q1_STORY, "three"),
    ],
)
def test_months_that_are_not_the_story_s_period_are_still_reported(
    section: str, story: Story, said: str
) -> None:
    report = check(section, story, "us")
    assert any(said in f.message for f in report.errors if f.check in CONTENT_CHECKS)


def test_a_capital_that_opens_a_sentence_for_its_country_is_no_new_name() -> None:
    """News names a government by its capital: "Beijing's foreign ministry" for the story's
    China's restates it (a set-2 clean section); "Microsoft" for Apple is still a new name."""
    story = parse_story("China's foreign ministry said the US was abusing export controls.")
    report = check(
        "Beijing's foreign ministry said the US was abusing export controls.", story, "us"
    )
    assert [f.message for f in report.errors if f.check == "paraphrase"] == []
