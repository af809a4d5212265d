"""The ``paraphrase`` check (issue 18): a story clause restated with its meaning changed."""

from __future__ import annotations

import re

import pytest

from localize.grounding._paraphrase import check_paraphrase
from localize.regions._profiles import get_region
from localize.story import parse_story

STORY = parse_story(
    "Acme cut its dividend to $0.13 per share in the third quarter.\n\n"
    "The board did not approve the merger with Brightline on Tuesday.\n\n"
    "Acme expects revenue in Q3 to be higher than in Q2.\n\n"
    "The company opened a new plant in Leeds, its first outside the capital."
)


def _paraphrase(section: str) -> list[str]:
    return [f.message for f in check_paraphrase(section, STORY, get_region("uk"))]


@pytest.mark.parametrize(
    ("section", "fault"),
    [
        ("Acme raised its dividend to $0.13 per share in the third quarter.", '"raise"'),
        ("The board approved the merger with Brightline on Tuesday.", "drops the story's negation"),
        (
            "Acme expects revenue in Q4 to be higher than in Q2.",
            "gives q4 where the story gives q3",
        ),
        (
            "Acme expects revenue in Q3 to be lower than in Q2.",
            '"lower" where the story says "high"',
        ),
        ("The board did not approve the merger with Northgate on Tuesday.", "names northgate"),
        ("Acme did not cut its dividend to $0.13 per share in the third quarter.", "negation"),
    ],
)
def test_a_changed_restatement_is_reported_with_the_story_sentence(
    section: str, fault: str
) -> None:
    messages = _paraphrase(section)
    assert len(messages) == 1, messages
    assert fault in messages[0]
    # Every finding quotes the story sentence it contradicts, by number.
    assert re.search(r': \[\d\] "', messages[0])


@pytest.mark.parametrize(
    "section",
    [
        "Acme cut its dividend to $0.13 a share in the third quarter.",
        "The merger with Brightline was not approved by the board on Tuesday.",
        "Acme expects its Q3 revenue to beat Q2.",
        "UK investors will watch the plant in Leeds, the company's first outside the capital.",
        "Revenue matters to every shareholder.",  # shares too little with the story to compare
    ],
)
def test_a_faithful_restatement_passes(section: str) -> None:
    assert _paraphrase(section) == []


def test_a_name_nobody_gives_is_unsupported() -> None:
    # Real model output (issue 18): the UK election story retold with an invented prime minister.
    story = parse_story(
        "The Labour Party won the UK general election held on Thursday by a landslide. Keir "
        "Starmer became prime minister on Friday."
    )
    section = "Labour won with a landslide victory for its leader, Prime Minister Kevin Rudd."
    messages = [f.message for f in check_paraphrase(section, story, get_region("au"))]
    assert len(messages) == 1 and "Kevin Rudd" in messages[0]
    assert "no story sentence supports it" in messages[0]
    # The story's own names, a region's and a profile's bodies are no invention.
    for fine in (
        "Keir Starmer became prime minister, and the Australian Competition and Consumer "
        "Commission will watch.",
        "Labour won in the United Kingdom, not in New Zealand.",
    ):
        assert check_paraphrase(fine, story, get_region("au")) == []


EARNINGS = parse_story(
    "Net debt fell below $25 billion by the end of the first quarter.\n\n"
    "Same-store sales were up 4.5% in the second half, and we opened 12 new stores.\n\n"
    "Fourth-quarter revenue rose 12%, while third-quarter revenue was flat."
)


@pytest.mark.parametrize(
    "section",
    [
        # A period abbreviated is the same period (a class of false flags on earnings calls).
        "Net debt dropped below $25 billion at the end of Q1.",
        "Same-store sales rose 4.5% in H2 and 12 new stores opened.",
        "Q4 revenue rose 12%.",
        # "may" in lower case is a verb, not the month.
        "Net debt may have fallen below $25 billion by the end of the first quarter.",
    ],
)
def test_a_period_written_another_way_is_the_same_period(section: str) -> None:
    assert check_paraphrase(section, EARNINGS, get_region("us")) == []


def test_a_swapped_period_is_named_in_one_spelling() -> None:
    messages = [
        f.message
        for f in check_paraphrase(
            "Net debt fell below $25 billion by the end of Q2.", EARNINGS, get_region("us")
        )
    ]
    assert len(messages) == 1 and "gives q2 where the story gives q1" in messages[0]


def test_an_opposite_bearing_on_the_same_object_is_reported() -> None:
    story = parse_story(
        "Our Smart Building Solutions help companies reduce energy consumption and carbon "
        "footprint, with savings of up to 30% on energy costs."
    )
    messages = [
        f.message
        for f in check_paraphrase(
            "The Smart Building Solutions help companies reduce energy consumption and "
            "increase carbon footprint.",
            story,
            get_region("us"),
        )
    ]
    assert len(messages) == 1 and '"increase" where the story says "reduce"' in messages[0]
    # Both words kept, each on its own object, is no swap.
    assert (
        check_paraphrase(
            "The Smart Building Solutions help companies reduce energy consumption and "
            "carbon footprint, and increase savings.",
            story,
            get_region("us"),
        )
        == []
    )


def test_two_words_exchanged_are_reported() -> None:
    story = parse_story(
        "The network produces a correct output within a specified tolerance for every input."
    )
    messages = [
        f.message
        for f in check_paraphrase(
            "The network produces a correct input within a specified tolerance for every output.",
            story,
            get_region("us"),
        )
    ]
    assert len(messages) == 1 and 'swaps "input" and "output"' in messages[0]
    # The items of a list may come in any order.
    listed = parse_story("The United States banned Fable and Mythos on Tuesday over security.")
    assert (
        check_paraphrase(
            "The United States banned Mythos and Fable on Tuesday over security.",
            listed,
            get_region("us"),
        )
        == []
    )


def test_a_name_the_story_never_gives_in_a_restated_clause_is_reported() -> None:
    story = parse_story(
        "The festival opened on Friday with a record crowd of fans. It runs until Lyon's "
        "national day."
    )
    messages = [
        f.message
        for f in check_paraphrase(
            "The festival opened in Marseille on Friday with a record crowd.",
            story,
            get_region("us"),
        )
    ]
    assert len(messages) == 1 and "names marseille, which the story never gives" in messages[0]
    # A common word capitalised by style, or a name the story gives in another form, is none.
    for fine in (
        "The Festival opened on Friday with a Record crowd of fans.",
        "The festival opened on Friday with a record crowd of Lyonnais fans.",
    ):
        assert check_paraphrase(fine, story, get_region("us")) == []


FOLDED = parse_story(
    "EcoGenius offers an automated energy management system for offices. It can cut energy "
    "costs by up to 30%. Pricing plans start at $300 a month and include a free 30-day trial."
)


@pytest.mark.parametrize(
    ("section", "fault"),
    [
        # One section sentence folds three story sentences: no story clause covers it whole,
        # the words around the changed one place it.
        (
            "EcoGenius offers an automated energy management system that can raise energy "
            "costs by up to 30%, with plans from $300 a month.",
            '"raise" where the story says "cut"',
        ),
        (
            "EcoGenius offers an automated energy management system that can cut energy costs "
            "by up to 30%, and plans start at $300 a month without a free 30-day trial.",
            "",
        ),
        (
            "EcoGenius sells an automated energy management system, with plans starting at "
            "$300 a month that do not include a free 30-day trial.",
            'adds a negation to "include"',
        ),
    ],
)
def test_a_change_inside_a_folded_sentence_is_placed_by_its_setting(
    section: str, fault: str
) -> None:
    messages = [f.message for f in check_paraphrase(section, FOLDED, get_region("us"))]
    if fault:
        assert len(messages) == 1 and fault in messages[0], messages
    else:
        assert messages == [], messages


def test_a_word_the_story_uses_in_the_same_setting_is_no_opposite() -> None:
    story = parse_story(
        "The firm raised prices in March. It cut costs and raised wages in the spring."
    )
    assert (
        check_paraphrase(
            "The firm raised prices in March, and it raised wages and cut costs in spring.",
            story,
            get_region("us"),
        )
        == []
    )


def test_another_story_name_in_a_name_s_place_is_reported() -> None:
    story = parse_story(
        "Okafor said on Monday the takeover deal would close by the summer. Lindqvist said "
        "the talks had stalled over pricing.\n\nSubject: Save Time and Money on Your Deal"
    )
    messages = [
        f.message
        for f in check_paraphrase(
            "Lindqvist said on Monday the takeover deal would close by the summer.",
            story,
            get_region("us"),
        )
    ]
    assert len(messages) == 1 and "names lindqvist where the story names okafor" in messages[0]
    # Each name in its own place; and a headline's capitals are no names.
    for fine in (
        "Okafor said on Monday the takeover deal would close by summer, while Lindqvist said "
        "talks stalled over pricing.",
        "The deal can save Okafor time and money.",
    ):
        assert check_paraphrase(fine, story, get_region("us")) == [], fine


@pytest.mark.parametrize(
    ("story_text", "section"),
    [
        # Classes of false flags on news summaries (CLIFF dev): a list of names in another
        # order, a story sentence that gives the section's own name, a vocative common word.
        (
            "The United boss then reads out the names of Mats Hummels, Nathaniel Clyne, Paul "
            "Pogba, Gareth Bale, Memphis Depay and Jackson Martinez.",
            "The United boss read out Mats Hummels, Gareth Bale, Paul Pogba, Nathaniel Clyne, "
            "Memphis Depay and Jackson Martinez.",
        ),
        (
            "Manchester City goalkeeper Joe Hart, pictured with Frank Lampard, was disappointed "
            "with his side's display.",
            "Joe Hart was disappointed with his side's display.",
        ),
        ("Ann: Darling, buy some butter.\nMike: OK.", "Ann asks Mike to buy some butter."),
    ],
)
def test_news_summary_forms_that_change_nothing_pass(story_text: str, section: str) -> None:
    assert check_paraphrase(section, parse_story(story_text), get_region("us")) == []


PODCAST = parse_story(
    "On this episode we look back at the conference championship games. The Patriots beat the "
    "Saints in overtime, and the Chiefs lost to the 49ers after a late field goal. Bob Ross fans "
    "will enjoy the second half, where the museum opens its exhibition in Glenfinnan."
)


@pytest.mark.parametrize(
    ("section", "name"),
    [
        # SummEdits-style swaps (issue 18): a lone name the story never gives, paired with or
        # inside a name it does give, in a sentence too loose to align with a story clause.
        ("The podcast talks about the games between the Patriots and the Dolphins.", "Dolphins"),
        # Named whole, as the section writes it: the swapped word is one word of a name.
        ("Listeners also hear about Bob Dylan.", "Bob Dylan"),
        ("Listeners also hear about the Bob Dylan Center.", "Bob Dylan Center"),
    ],
)
def test_a_lone_name_swapped_into_a_story_name_is_unsupported(section: str, name: str) -> None:
    messages = [f.message for f in check_paraphrase(section, PODCAST, get_region("us"))]
    assert len(messages) == 1 and f"names {name}," in messages[0], messages
    assert "no story sentence supports it" in messages[0]


@pytest.mark.parametrize(
    "section",
    [
        "The podcast talks about the games between the Patriots and the Saints.",
        # A lone place beside no story name is as often a true detail the story leaves out.
        "Listeners also hear about a show near Glasgow.",
        # A name said not to be involved asserts nothing; a quotation's first word is capitalised.
        "Listeners hear that it was not Miami that won.",
        "Fans of Bob Ross will 'Enjoy the second half', the hosts say.",
    ],
)
def test_a_lone_name_beside_no_story_name_or_negated_passes(section: str) -> None:
    assert check_paraphrase(section, PODCAST, get_region("us")) == []


def test_an_acronym_compound_beside_a_story_name_is_no_name() -> None:
    # Embedded model output on the wire story: "Fable's AI-powered security tools".
    story = parse_story("The US banned Fable, whose security tools use AI.")
    section = "Britain's defenders relied on Fable's AI-powered security tools."
    assert check_paraphrase(section, story, get_region("uk")) == []


# Issue 18: verbs and phrases that negate the verb after them read as the "not" they say, in the
# story and the section alike (SummEdits-style edits of news sentences).
@pytest.mark.parametrize(
    ("story_text", "section", "fault"),
    [
        (
            "The club failed to sign the striker before the deadline.",
            "The club signed the striker before the deadline.",
            "drops the story's negation",
        ),
        (
            "The minister agreed to meet the striking nurses on Monday.",
            "The minister refused to meet the striking nurses on Monday.",
            "adds a negation",
        ),
        (
            "The bank no longer offers free accounts to students in Wales.",
            "The bank still offers free accounts to students in Wales.",
            "drops the story's negation",
        ),
        (
            "The study found an absence of evidence linking the drug to cancer.",
            "The study found evidence linking the drug to cancer.",
            "drops the story's negation",
        ),
        (
            "The minister was unable to attend the summit in Paris on Monday.",
            "The minister attended the summit in Paris on Monday.",
            "drops the story's negation",
        ),
        (
            "The regulator has yet to decide on the merger of the two banks.",
            "The regulator has decided on the merger of the two banks.",
            "drops the story's negation",
        ),
    ],
)
def test_a_negating_verb_is_read_as_a_negation(story_text: str, section: str, fault: str) -> None:
    story = parse_story(story_text + "\n\nThe statement came on Wednesday.")
    messages = [f.message for f in check_paraphrase(section, story, get_region("us"))]
    assert len(messages) == 1 and fault in messages[0], messages


@pytest.mark.parametrize(
    ("story_text", "section"),
    [
        # The same negation in other words.
        (
            "The club failed to sign the striker before the deadline.",
            "The club did not sign the striker before the deadline.",
        ),
        (
            "The minister refused to meet the striking nurses on Monday.",
            "The minister declined to meet the striking nurses on Monday.",
        ),
        (
            "The regulator has yet to decide on the merger of the two banks.",
            "The regulator has not decided on the merger of the two banks.",
        ),
        (
            "The regulator ordered the firm to stop repeating the conduct.",
            "The firm was ordered by the regulator not to repeat the conduct.",
        ),
        # "declined to" before a figure is a fall, not a refusal.
        (
            "Sales declined to $5 million in the third quarter.",
            "Sales declined to $5 million in the third quarter.",
        ),
        # A negation that undoes an opposite says what the story says: no opposite, and no
        # added or dropped negation.
        (
            "The council rejected plans for a new stadium in the city.",
            "The council did not approve plans for a new stadium in the city.",
        ),
        (
            "Exports rose sharply in the first quarter, figures showed.",
            "Exports did not fall in the first quarter, figures showed.",
        ),
        (
            "The plans for a new stadium in the city were not approved by the council.",
            "The council rejected the plans for a new stadium in the city.",
        ),
    ],
)
def test_a_negation_said_another_way_passes(story_text: str, section: str) -> None:
    story = parse_story(story_text + "\n\nThe statement came on Wednesday.")
    assert check_paraphrase(section, story, get_region("us")) == []


@pytest.mark.parametrize(
    ("story_text", "section", "fault"),
    [
        # Two sides of one scale: any verb of a change against any verb of the opposite change.
        (
            "The company's sales increased by 10% in Europe.",
            "The company's sales declined by 10% in Europe.",
            '"decline" where the story says "increase"',
        ),
        (
            "The airline began flights to the island in March.",
            "The airline ceased flights to the island in March.",
            '"cease" where the story says "begin"',
        ),
        (
            "The company stopped selling the drug in 2019 after complaints from doctors.",
            "The company continued selling the drug in 2019 after complaints from doctors.",
            '"continue" where the story says "stop"',
        ),
    ],
)
def test_a_change_swapped_for_the_opposite_change_is_reported(
    story_text: str, section: str, fault: str
) -> None:
    story = parse_story(story_text + "\n\nThe statement came on Wednesday.")
    messages = [f.message for f in check_paraphrase(section, story, get_region("us"))]
    assert len(messages) == 1 and fault in messages[0], messages


def _paraphrase_us(section: str, story: object) -> list[str]:
    return [f.message for f in check_paraphrase(section, story, get_region("us"))]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("story_text", "section", "fault"),
    [
        (
            "Term life insurance is cheaper, while whole life insurance covers your entire life.",
            "The agent explains the difference between term and partial life insurance.",
            '"partial" where the story says "whole"',
        ),
        (
            "The patient was in a stable condition at the hospital.",
            "The patient was in a critical condition at the hospital.",
            '"critical" where the story says "stable"',
        ),
    ],
)
def test_a_news_pair_wordnet_does_not_link_is_reported(
    story_text: str, section: str, fault: str
) -> None:
    messages = _paraphrase_us(section, parse_story(story_text + "\n\nIt came on Wednesday."))
    assert len(messages) == 1 and fault in messages[0], messages


def test_a_dropped_negation_is_placed_by_its_setting_in_a_folded_sentence() -> None:
    story = parse_story(
        "Lola asked who the paperwork should go to.\n\n"
        "Jessica from HR said the paperwork can be sent by email.\n\n"
        "Just don't make it a habit of sending paperwork late, she said."
    )
    # One section sentence folds the three: no story clause covers it, the setting places it.
    folded = (
        "Lola asked about the paperwork, and Jessica from HR said to email it and to make it a "
        "habit of sending paperwork late."
    )
    messages = _paraphrase_us(folded, story)
    assert len(messages) == 1 and "drops the story's negation" in messages[0], messages
    kept = "Lola asked about the paperwork, and Jessica said not to make a habit of sending late."
    assert _paraphrase_us(kept, story) == []


def test_whether_or_not_is_no_negation() -> None:
    story = parse_story(
        "The client asked about pre-existing conditions and whether or not the deductibles "
        "are affordable."
    )
    section = "The client asked whether the deductibles are affordable for pre-existing conditions."
    assert _paraphrase_us(section, story) == []


def test_each_negation_is_compared_on_its_own() -> None:
    # The section keeps the story's negation ("refused to give") and adds another.
    story = parse_story(
        "The woman refused to give a breath sample and had to be restrained by two officers."
    )
    section = "The woman refused to give a breath sample and had not to be restrained by officers."
    messages = _paraphrase_us(section, story)
    assert len(messages) == 1 and "adds a negation" in messages[0], messages
    kept = "The woman did not give a breath sample and had to be restrained by two officers."
    assert _paraphrase_us(kept, story) == []


def test_a_player_who_joined_is_not_one_who_left() -> None:
    story = parse_story("Duffy, 37, has joined the Championship side on a one-year contract.")
    messages = _paraphrase_us("Duffy has left the Championship side on a one-year contract.", story)
    assert len(messages) == 1 and '"leave" where the story says "join"' in messages[0], messages


def test_a_statement_said_to_be_false_keeps_the_story_s_negation() -> None:
    # The tuned corpus's clean wire section: "disputes that it demonstrated" is the story's
    # "did not demonstrate", with no negation to read.
    story = parse_story(
        "Amazon researchers published a paper on the model last week.\n\n"
        "However, Moussouris disputes the paper's findings, stating that it did not demonstrate "
        "a true jailbreak."
    )
    section = (
        "Katie Moussouris, who reviewed the Amazon research paper, disputes that it demonstrated "
        "a true jailbreak."
    )
    assert _paraphrase_us(section, story) == []
    dropped = (
        "Katie Moussouris, who reviewed the Amazon paper, says it demonstrated a true jailbreak."
    )
    assert any("negation" in m for m in _paraphrase_us(dropped, story))
