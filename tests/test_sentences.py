"""Sentence-level grounding: numbering, citations, links, who-did-what, fewer false flags."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from localize import check, get_region, load_story, load_template
from localize.answer import parse_section
from localize.cli._main import cli
from localize.grounding._checks import CheckReport
from localize.section import LocalizedSection, SectionOutput
from localize.text._citations import Citation, strip_markers
from localize.text._sentences import split_sentences, story_sentences
from tests.support import STORIES

WIRE = load_story(STORIES / "wire.txt")
BRIEF = load_story(STORIES / "brief.txt")


def test_split_keeps_abbreviations_initials_decimals_and_quotes_together() -> None:
    text = (
        'The U.S. government acted. Mr. Smith said "it is over." Claude Opus 4.8 is out! '
        "J. Callas agreed.\n\nA new paragraph? Yes."
    )
    got = [(s.number, s.paragraph, s.text) for s in split_sentences(text)]
    assert got == [
        (1, 0, "The U.S. government acted."),
        (2, 0, 'Mr. Smith said "it is over."'),
        (3, 0, "Claude Opus 4.8 is out!"),
        (4, 0, "J. Callas agreed."),
        (5, 1, "A new paragraph?"),
        (6, 1, "Yes."),
    ]
    for s in split_sentences(text):
        assert text[s.start : s.end] == s.text


def test_story_numbering_is_identical_for_every_region() -> None:
    prompts = [load_template().render(story=WIRE, region=get_region(r)) for r in ("uk", "eu")]
    users = [p[1]["content"] for p in prompts]
    prefix = [u[: u.index("</story>")] for u in users]
    assert prompts[0][0] == prompts[1][0] and prefix[0] == prefix[1]
    numbered = story_sentences(WIRE)
    assert len(numbered) == 17
    for s in numbered:
        assert f"[{s.number}] {s.text}" in prefix[0]


def test_inline_markers_are_citations_and_never_reach_the_body() -> None:
    text = (
        "The US ordered it [3]. Experts say [cybersecurity] defenders lost [4, 5][6]. "
        "Years 2019-2024 [7-9] count. Not a range [2019-2024]."
    )
    body, cites = strip_markers(text)
    assert body == (
        "The US ordered it. Experts say [cybersecurity] defenders lost. "
        "Years 2019-2024 count. Not a range [2019-2024]."
    )
    assert [c.sources for c in cites] == [(3,), (4, 5, 6), (7, 8, 9)]
    assert body[cites[0].start - 2 : cites[0].start] == "it"


def test_structured_and_text_answers_give_a_clean_body_with_citations() -> None:
    answer = {
        "paragraphs": [
            [
                {"text": "Anthropic suspended access.", "sources": [4]},
                {"text": "B [3].", "sources": []},
            ],
            [{"text": "C.", "sources": [9]}],
        ]
    }
    out = parse_section(json.dumps(answer))
    assert out.body == "Anthropic suspended access. B.\n\nC."
    assert out.citations == (Citation(0, 27, (4,)), Citation(28, 30, (3,)), Citation(32, 34, (9,)))
    text_mode = parse_section('{"body": "Anthropic suspended access [4]."}')
    assert text_mode.body == "Anthropic suspended access." and text_mode.citations[0].sources == (
        4,
    )
    with pytest.raises(ValueError, match="no sentence"):
        parse_section('{"paragraphs": [[{"text": " ", "sources": []}]]}')
    schema = SectionOutput.json_schema()
    assert schema["required"] == ["paragraphs"] and schema["additionalProperties"] is False


def test_a_verified_citation_links_and_a_wrong_one_is_reported() -> None:
    body = "Anthropic suspended access to Fable and Mythos worldwide, so UK teams lost them."
    good = LocalizedSection(heading="h", body=body, citations=(Citation(0, len(body), (4,)),))
    report = check(good, WIRE, get_region("uk"), min_words=1)
    link = report.sentences[0]
    assert (link.via, link.sources, link.cited) == ("citation", (4,), (4,))
    assert (
        "institution: " not in " ".join(link.profile) and "region: United Kingdom" in link.profile
    )
    wrong = good.model_copy(update={"citations": (Citation(0, len(body), (15,)),)})
    report = check(wrong, WIRE, get_region("uk"), min_words=1)
    support = [f for f in report.findings if f.check == "support"]
    assert len(support) == 1 and "cites [15]" in support[0].message
    assert report.sentences[0].via == "aligner" and 4 in report.sentences[0].sources
    missing = good.model_copy(update={"citations": (Citation(0, len(body), (99,)),)})
    assert "[1] to [17]" in check(missing, WIRE, get_region("uk"), min_words=1).findings[-1].message


def test_uncited_sentences_are_aligned_and_unsupported_ones_warned() -> None:
    body = (
        "The US government imposed the export control order on Anthropic. "
        "Cloud computing costs have fallen sharply over the past decade."
    )
    report = check(body, WIRE, get_region("uk"), min_words=1)
    first, second = report.sentences
    assert first.via == "aligner" and 3 in first.sources
    assert second.via == "none" and second.sources == ()
    assert [f.text for f in report.findings if f.check == "support"] == [second.text]
    data = report.to_dict()["sentences"]
    assert data[0]["sources"][0] == {"id": 3, "text": story_sentences(WIRE)[2].text}


@pytest.mark.parametrize(
    ("region", "sentence", "check_id", "span"),
    [
        (
            "uk",
            "The UK government's recent ban on Fable and Mythos hurts defenders.",
            "attribution",
            "UK government's recent ban",
        ),
        (
            "eu",
            "The European Commission's order to halt exports hit European teams.",
            "attribution",
            "European Commission's order",
        ),
        (
            "us",
            "The ban, imposed by the European Commission, hit US teams.",
            "attribution",
            "imposed by the European Commission",
        ),
        (
            "uk",
            "The NCSC has warned UK firms to stop using the models.",
            "claim",
            "NCSC has warned",
        ),
        (
            "eu",
            "ENISA will issue guidance on the models next month.",
            "claim",
            "ENISA will issue guidance",
        ),
        ("au", "The OAIC is investigating the suspension.", "claim", "OAIC is investigating"),
    ],
)
def test_who_did_what(region: str, sentence: str, check_id: str, span: str) -> None:
    report = check(sentence, WIRE, get_region(region), min_words=1)
    found = [(f.check, f.text) for f in report.findings if f.check in ("attribution", "claim")]
    assert found == [(check_id, found[0][1])] and span in found[0][1]
    message = next(f.message for f in report.findings if f.check == check_id)
    assert message.rstrip(".") in report.feedback()


@pytest.mark.parametrize(
    "sentence",
    [
        "The ICO enforces UK GDPR and issues guidance on data breaches.",
        "The NCSC has long urged organisations to patch known vulnerabilities.",
        "The NCSC may issue guidance, and the ICO will want to know more.",
        "The US government imposed the export control order, and Anthropic suspended access.",
        "After the US order, the White House has not explained the ban.",
    ],
)
def test_remit_hedges_and_the_story_s_own_acts_pass(sentence: str) -> None:
    report = check(sentence, WIRE, get_region("uk"), min_words=1)
    assert [f for f in report.findings if f.check in ("attribution", "claim")] == []


@pytest.mark.parametrize(
    ("region", "sentence", "span", "cited"),
    [
        # The story's count handed to the region's government or a regulator.
        (
            "uk",
            "The UK government restricted access to approximately 50 companies.",
            "UK government restricted access to approximately 50 companies",
            '[8] "',
        ),
        (
            "uk",
            "The National Cyber Security Centre (NCSC) gave around 150 organisations access.",
            "National Cyber Security Centre (NCSC) gave around 150 organisations",
            "150 organisations",
        ),
        (
            "us",
            "Access was limited to 50 companies chosen by the FTC.",
            "50 companies chosen by the FTC",
            "approximately 50 companies",
        ),
        # The story's 76 experts counted as another group, or moved into the region.
        ("uk", "76 UK firms signed the open letter.", "76 UK firms", "signed by 76 experts"),
        ("uk", "The letter was signed by 76 British companies.", "76 British companies", '[2] "'),
        ("au", "Seventy-six Australian businesses oppose the ban.", "Seventy-six Australian", "76"),
        ("uk", "76 British experts signed the letter.", "76 British experts", "76 experts"),
        ("eu", "Mythos reached 150 organisations in the EU.", "150 organisations in the EU", "150"),
        ("eu", "Access spread to 15 EU member states.", "15 EU member states", "15 countries"),
        ("uk", "Around 150 UK-based organisations had access.", "150 UK-based", "150"),
        ("uk", "Seventy-six NCSC experts signed the letter.", "Seventy-six NCSC experts", "76"),
        ("uk", "76 experts from the NCSC signed the letter.", "76 experts from the NCSC", "76"),
        # A passive's agent and the owner of a decision act on the count as a subject does.
        (
            "uk",
            "Access was restricted by the UK government to approximately 50 companies.",
            "restricted by the UK government to approximately 50 companies",
            "50 companies",
        ),
        (
            "au",
            "Canberra's decision to limit access to roughly 50 companies was about safety.",
            "Canberra's decision to limit access to roughly 50 companies",
            "50 companies",
        ),
    ],
)
def test_a_story_figure_given_to_another_actor_is_an_attribution_error(
    region: str, sentence: str, span: str, cited: str
) -> None:
    report = check(sentence, WIRE, get_region(region), min_words=1)
    found = [f for f in report.findings if f.check in ("attribution", "claim")]
    assert [f.check for f in found] == ["attribution"], found
    assert span in found[0].text and found[0].text in sentence
    assert f'"{found[0].text}"' in found[0].message and cited in found[0].message
    assert not [f for f in report.findings if f.check == "number"]


@pytest.mark.parametrize(
    "sentence",
    [
        "The 76 experts who signed the open letter say the restriction is dangerous.",
        "Seventy-six of the world's most prominent cybersecurity experts signed the letter.",
        "Around 50 organisations were given access to Mythos before the ban.",
        "Anthropic initially restricted access to approximately 50 companies.",
        "Anthropic suspended the two models worldwide, and UK teams lost them.",
        "Access later reached around 150 organisations across 15 countries, some in the UK.",
        "UK firms may have been among the 150 organisations that had access.",
        "The NCSC will want to know whether any of the 150 organisations were British.",
        "The ICO may contact the 50 companies that had access, and the NCSC works with 150 more.",
        "The US government imposed the order, and 76 experts want it lifted.",
        "The UK government acted on 15 April, citing Article 23.",
        # The count is another actor's act, or set beside the subject, or the verb is a hedge.
        "The US government ordered Anthropic to suspend access for the 150 organisations.",
        "The UK lost access along with around 150 organisations across 15 countries.",
        "The UK government will want to hear from the 150 organisations.",
        "The ban imposed by the US government cut off the 50 companies that had access.",
        "The White House order cut access for 76 experts, and for 15 years the NCSC has advised.",
        "The NCSC will be watching the 150 organisations closely.",
        "Companies in all 50 states lost access, as did 76 people who signed.",
        "The US government banned the models Anthropic had given roughly 50 companies.",
        "The US government's decision to ban exports affects all 150 organisations.",
    ],
)
def test_figures_given_as_the_story_gives_them_pass(sentence: str) -> None:
    report = check(sentence, WIRE, get_region("uk"), min_words=1)
    assert [f for f in report.findings if f.check in ("attribution", "claim")] == []


def test_a_figure_names_who_the_story_gives_it_to_in_another_telling() -> None:
    # The brief says "The company initially gave roughly 50 companies access": the company is
    # Anthropic, named in the sentence before.
    good = check(
        "Anthropic gave roughly 50 companies access.", BRIEF, get_region("us"), min_words=1
    )
    assert [f for f in good.findings if f.check == "attribution"] == []
    bad = check("The FTC gave roughly 50 companies access.", BRIEF, get_region("us"), min_words=1)
    (found,) = [f for f in bad.findings if f.check == "attribution"]
    assert found.text == "FTC gave roughly 50 companies" and "[23]" in found.message


@pytest.mark.parametrize(
    ("sentence", "span", "cited"),
    [
        (
            "OpenAI restricted access to approximately 50 companies.",
            "OpenAI restricted access to approximately 50 companies",
            '[8] "',
        ),
        (
            "Amazon gave approximately 50 companies access to Mythos.",
            "Amazon gave approximately 50 companies",
            '[8] "',
        ),
        ("OpenAI suspended worldwide access to both models.", "OpenAI suspended", '[4] "'),
    ],
)
def test_a_company_the_story_names_is_an_actor_first_in_a_sentence(
    sentence: str, span: str, cited: str
) -> None:
    # The wire story names OpenAI ("OpenAI's GPT-5.5") and Amazon ("the Amazon research paper")
    # inside its sentences, so either one opening a sentence is a company, not an ordinary word.
    report = check(sentence, WIRE, get_region("uk"), min_words=1)
    found = [f for f in report.findings if f.check in ("attribution", "claim")]
    assert [(f.check, f.text) for f in found] == [("attribution", span)]
    assert cited in found[0].message


@pytest.mark.parametrize(
    "sentence",
    [
        "Anthropic restricted access to approximately 50 companies at first.",
        "Anthropic suspended worldwide access to both models after the US order.",
        # Named nowhere in the story: perhaps an ordinary word, so no actor to blame.
        "Google restricted access to approximately 50 companies.",
    ],
)
def test_a_sentence_opening_with_the_story_s_own_actor_passes(sentence: str) -> None:
    report = check(sentence, WIRE, get_region("uk"), min_words=1)
    assert [f for f in report.findings if f.check in ("attribution", "claim")] == []


def test_a_figure_given_with_an_act_is_reported_once() -> None:
    # "restricted" is also the story's restriction: one finding, the one that names the figure.
    sentence = "The UK government restricted access to approximately 50 companies."
    report = check(sentence, WIRE, get_region("uk"), min_words=1)
    found = [f for f in report.findings if f.check in ("attribution", "claim")]
    assert len(found) == 1 and "approximately 50 companies" in found[0].message


def test_the_seed_uk_paragraph_has_no_findings() -> None:
    lines = (STORIES / "wire-with-uk-section.txt").read_text(encoding="utf-8").splitlines()
    assert check(lines[-1], WIRE, get_region("uk")).findings == ()


@pytest.mark.parametrize(
    ("region", "text"),
    [
        ("eu", "The EU Agency for Cybersecurity (ENISA) supports NIS2 implementation."),
        ("eu", "The European Commission's digital rules apply to the models."),
        ("uk", "Anthropic suspended the two models worldwide, and UK teams lost them."),
        ("uk", "This is NOT a UK decision: the US government imposed the order."),
        ("au", "Operators bound by the SOCI Act and the Privacy Act must still patch."),
    ],
)
def test_good_copy_is_not_flagged(region: str, text: str) -> None:
    report = check(text, WIRE, get_region(region), min_words=1)
    assert [f for f in report.findings if f.check in ("number", "institution")] == []


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Article 23 of the GDPR requires it.", "Article 23"),
        ("About 76% of UK firms used the models.", "76%"),
        ("Claude Opus 4.9 could do the same.", "Opus 4.9"),
        ("The ban covers three models.", "three"),
    ],
)
def test_invented_references_percentages_and_versions_are_flagged(text: str, span: str) -> None:
    report = check(text, WIRE, get_region("uk"), min_words=1)
    assert [f.text for f in report.findings if f.check == "number"] == [span]


def test_check_json_reports_the_links(tmp_path: Path) -> None:
    section = tmp_path / "s.md"
    section.write_text("The UK government's recent ban on Fable and Mythos hurts UK defenders.")
    res = CliRunner().invoke(
        cli,
        ["check", str(section), "--story", str(STORIES / "wire.txt"), "-r", "uk", "-f", "json"],
    )
    assert res.exit_code == 4  # flagged
    data = json.loads(res.output)
    assert data["sentences"][0]["sources"] and data["sentences"][0]["via"] == "aligner"
    assert any(f["check"] == "attribution" for f in data["findings"])


def test_check_reads_inline_markers_in_a_pasted_section(tmp_path: Path) -> None:
    section = tmp_path / "s.md"
    section.write_text(
        "Anthropic suspended access to Fable and Mythos worldwide [4]. UK teams lost them [4]."
    )
    res = CliRunner().invoke(
        cli,
        ["check", str(section), "--story", str(STORIES / "wire.txt"), "-r", "uk", "-f", "json"],
    )
    data = json.loads(res.output)
    assert [s["cited"] for s in data["sentences"]] == [[4], [4]]
    assert data["sentences"][0]["via"] == "citation"
    assert all("[4]" not in s["text"] for s in data["sentences"])
    assert not [f for f in data["findings"] if f["check"] == "number"]


def test_a_report_with_links_survives_its_json_form() -> None:
    body = "The UK government's recent ban on Fable and Mythos hurts UK defenders [3]."
    report = check(LocalizedSection.from_text("h", body), WIRE, get_region("uk"), min_words=1)
    again = CheckReport.from_dict(json.loads(json.dumps(report.to_dict())))
    assert again == report and again.sentences[0].cited == (3,)


_LINKS_SCRIPT = """
import json, sys
from pathlib import Path
from localize import check
from localize.evaluation._evaluation import load_cases
cases = {c.id: c for c in load_cases(Path(sys.argv[1]))}
case = cases["us-wire-white-house"]
print(json.dumps(check(case.section, case.story, case.region).to_dict()["sentences"]))
"""


def test_sentence_links_do_not_depend_on_the_hash_seed() -> None:
    # Two story sentences covering a section sentence equally once swapped places from one
    # interpreter run to the next (a float sum over a set, in hash order).
    corpus = Path(__file__).resolve().parent / "data" / "checks"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", _LINKS_SCRIPT, str(corpus)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1
