"""Grounding checks: each check must catch its planted faults and leave good sections alone."""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import localize.grounding._checks
from localize import check
from localize.evaluation._evaluation import Case, load_cases, run_case
from localize.grounding._checks import CheckReport, Finding
from localize.grounding._dates import scan_dates
from localize.regions._profiles import get_region
from localize.section import LocalizedSection
from localize.story import Story, load_story, parse_story

ROOT = Path(__file__).resolve().parents[1]
STORIES = ROOT / "examples" / "stories"
CORPUS = Path(__file__).resolve().parent / "data" / "checks"


@cache
def story(name: str) -> Story:
    """A seed story; "wire" is the wire story without its human-written UK paragraph."""
    if name == "wire":
        lines = (STORIES / "wire-with-uk-section.txt").read_text(encoding="utf-8").splitlines()
        return parse_story("\n".join(lines[:-1]))
    return load_story(STORIES / f"{name}.txt")


def seed_uk_paragraph() -> str:
    return (STORIES / "wire-with-uk-section.txt").read_text(encoding="utf-8").splitlines()[-1]


def found(report: CheckReport, check_id: str) -> list[str]:
    """The offending spans a check reported."""
    return [f.text for f in report.findings if f.check == check_id]


def run(section: str, story_name: str = "wire", region: str = "uk", **bounds: int) -> CheckReport:
    return check(section, story(story_name), get_region(region), **bounds)


# A clean UK base section: planted sentences are appended to it, so any finding is theirs.
UK_BASE = (
    "For UK organisations, the loss of Fable and Mythos is not a distant American dispute. "
    "Anthropic suspended access to both models worldwide after the US order, so British security "
    "teams that used them to find and fix vulnerabilities have lost them too. The National Cyber "
    "Security Centre (NCSC) depends on defenders keeping systems patched."
)
EU_BASE = (
    "Across EU member states, the suspension reaches well beyond the United States. Anthropic cut "
    "off access to Fable and Mythos for all users worldwide, so European security teams that "
    "relied on the models to uncover and fix vulnerabilities face a gap. The European Union "
    "Agency for Cybersecurity (ENISA) supports NIS2 implementation."
)
US_BASE = (
    "For American organizations, the order lands close to home. Anthropic suspended access to "
    "Fable and Mythos for all users worldwide, including the security teams that used the models "
    "to find vulnerabilities and harden software. The Cybersecurity and Infrastructure Security "
    "Agency (CISA) leads national cyber defense."
)


def test_bases_are_clean() -> None:
    assert run(UK_BASE).findings == ()
    assert run(EU_BASE, region="eu").findings == ()
    assert run(US_BASE, "brief", "us").findings == ()


# --- the seed's human-written paragraph ---------------------------------------------------------


def test_seed_uk_paragraph_passes_with_no_findings_at_all() -> None:
    paragraph = seed_uk_paragraph()
    assert paragraph.startswith("The implications for UK businesses and consumers are significant.")
    report = check(paragraph, story("wire"), get_region("uk"))
    assert report.findings == ()
    assert report.ok


# --- quote --------------------------------------------------------------------------------------


def test_straight_and_curly_quotes_from_the_story_pass() -> None:
    section = (
        UK_BASE + ' The letter warns that the order "has taken the best models away from '
        '[cybersecurity] defenders", and Moussouris says the behaviour \u201ccannot '
        "meaningfully be fixed\u201d without harm."
    )
    assert found(run(section), "quote") == []


def test_quote_matching_folds_case_whitespace_and_quote_style() -> None:
    section = (
        UK_BASE + " The experts warn that \u201cADVERSARIES are   rapidly\nadvancing\u201d "
        "and that the order \u2018has taken the best models away\u2019 from defenders."
    )
    assert found(run(section), "quote") == []


def test_editorial_insertion_in_brackets_is_tolerated() -> None:
    # The feature story has no "[cybersecurity]": the bracket stands for zero or more words.
    section = (
        UK_BASE + ' The letter says "To pull the best capabilities away from '
        '[cybersecurity] defenders without a good reason" is dangerous.'
    )
    assert found(run(section, "feature"), "quote") == []


def test_bracket_does_not_excuse_a_changed_word() -> None:
    section = (
        UK_BASE + ' The letter says the move "has taken the best models away from '
        '[cybersecurity] businesses".'
    )
    assert found(run(section), "quote") == [
        "has taken the best models away from [cybersecurity] businesses"
    ]


def test_fabricated_quotes_are_errors() -> None:
    section = (
        UK_BASE + ' The NCSC called the ban "a serious setback for British resilience", '
        "and one expert said \u201cevery firm is now exposed\u201d."
    )
    report = run(section)
    assert found(report, "quote") == [
        "a serious setback for British resilience",
        "every firm is now exposed",
    ]
    assert not report.ok


def test_single_quoted_passages_of_three_words_are_checked_but_apostrophes_are_not_quotes() -> None:
    section = (
        UK_BASE + " Anthropic's critics, the UK's defenders and organisations' staff don't "
        "agree; the letter's authors call the 'jailbreak' claim "
        "\u2018a reckless and short-sighted decision\u2019."
    )
    assert found(run(section), "quote") == ["a reckless and short-sighted decision"]


def test_single_quoted_passage_from_the_story_passes() -> None:
    section = UK_BASE + " The experts warn that 'adversaries are rapidly advancing' their tools."
    assert found(run(section), "quote") == []


def test_ellipsis_elides_but_the_rest_must_match() -> None:
    good = UK_BASE + ' Moussouris says "defenders need to be able to ask AI ... write tests".'
    bad = UK_BASE + ' Moussouris says "defenders need to be able to ask AI ... to write exploits".'
    assert found(run(good), "quote") == []
    assert found(run(bad), "quote") == ["defenders need to be able to ask AI ... to write exploits"]


# --- number -------------------------------------------------------------------------------------

NUMBERS_STORY = parse_story(
    "Seventy-six experts signed the letter. Regulators fined the company $5 million, and 1.2 "
    "billion records were exposed. About 150 firms use the tool, and 76 of them are banks."
)


def numbers(section: str, region: str = "uk") -> list[str]:
    return found(check(section, NUMBERS_STORY, get_region(region), min_words=1), "number")


def test_number_words_and_digits_match_both_ways() -> None:
    assert numbers("76 experts signed.") == []  # story: "Seventy-six"
    assert numbers("Seventy-six experts signed.") == []
    assert numbers("One hundred and fifty firms use it; seventy six are banks.") == []
    story_with_digits = parse_story("A group of 76 cybersecurity experts published a letter.")
    report = check("Seventy-six experts wrote.", story_with_digits, get_region("uk"), min_words=1)
    assert found(report, "number") == []


def test_scaled_and_money_figures_match_across_forms() -> None:
    assert numbers("The company was fined $5m; 1.2bn records were exposed.") == []
    assert numbers("A fine of US$5 million and 1,200 million records.") == []
    assert numbers("It paid five million dollars.") == []


def test_invented_figures_are_errors() -> None:
    assert numbers("More than 200 companies use the tool.") == ["200"]
    assert numbers("The fine could reach \u00a33 million.") == ["\u00a33 million"]
    assert numbers("About 40% of firms are exposed, costing \u20ac1.2bn.") == ["40%"]
    assert numbers("Seventy experts signed.") == ["Seventy"]


def test_figure_in_another_currency_is_an_error() -> None:
    report = check("The company was fined \u00a35m.", NUMBERS_STORY, get_region("uk"), min_words=1)
    [finding] = [f for f in report.findings if f.check == "number"]
    assert finding.text == "\u00a35m"
    assert "currency" in finding.message


def test_number_word_used_as_a_quantity_is_checked() -> None:
    assert numbers("Two agencies will respond.") == ["Two"]


def test_numerals_inside_names_are_not_figures() -> None:
    section = (
        "Models such as GPT-5.5, Claude Opus 4.8 and Kimi 2.7 reach Mythos-level skill; "
        "firms under NIS2, COVID-19 rules, 5G networks and the Data Protection Act 2018 "
        "will notice, like users of Windows 11."
    )
    assert numbers(section) == []


def test_idioms_ordinals_and_pronoun_one_are_not_figures() -> None:
    section = (
        "One of the experts said no one had seen a one-off like it. Two-factor checks and "
        "zero-day flaws come first, 24/7; the second review is the 21st-century way."
    )
    assert numbers(section) == []


def test_fractions_are_quantities_but_capitalised_number_names_are_not() -> None:
    assert numbers("Two-thirds of firms use it.") == ["Two-thirds"]
    assert numbers("The Five Eyes partners and the G7 will watch.") == []


def test_years_from_the_profile_are_grounded() -> None:
    assert numbers("UK law has covered computer misuse since 1990.") == []
    assert numbers("UK law has covered computer misuse since 1991.") == ["1991"]


DATED_STORY = parse_story(
    "On Friday, 17 April 2026, the US government ordered the ban. The rules took effect on "
    "3/5/2025, and Claude Opus 4.8 and GPT-5.5 were named."
)


def dates(section: str) -> list[str]:
    return found(check(section, DATED_STORY, get_region("uk"), min_words=1), "number")


def test_the_story_dates_pass_in_any_format() -> None:
    assert dates("The order came on April 17, 2026, a Friday.") == []
    assert dates("On 17th April the ban began; the rules date from 5 March 2025.") == []
    assert dates("The rules took effect on 2025-05-03 and again on May 3.") == []  # either reading
    assert dates("Opus 4.8 and GPT-5.5 are named; 17 experts met in 2026.") == []


@pytest.mark.parametrize(
    "text",
    [
        "24/7 support",
        "v1.2.30 was patched",
        "version 10.1.12 and Claude Opus 4.8",
        "GPT-5.5 and CVE-2024-3094",
        "May I ask",
        "Theresa May 2019",
        "half (1/2) of firms",
        "at 10.30 am",
        "on 2024-13-45",
    ],
)
def test_what_is_not_a_date(text: str) -> None:
    assert list(scan_dates(text)) == []


def test_a_numeric_date_keeps_both_readings() -> None:
    [d] = scan_dates("on 1.2.2023")
    assert d.readings == {(1, 2), (2, 1)} and d.year == 2023
    [d] = scan_dates("by 30/12/21")
    assert d.readings == {(12, 30)} and d.year == 2021  # 30 is no month


@pytest.mark.parametrize(
    ("section", "span"),
    [
        ("The order was signed on 12/30/2021.", "12/30/2021"),
        ("It was announced on 2019-04-17.", "2019-04-17"),  # the day, in another year
        ("The ban took effect on 18 April.", "18 April"),
        ("Officials met on March 3rd, 2026 to review it.", "March 3rd, 2026"),
        ("The UK responded on Monday.", "Monday"),
    ],
)
def test_an_invented_date_or_day_is_a_number_error(section: str, span: str) -> None:
    report = check(section, DATED_STORY, get_region("uk"), min_words=1)
    assert found(report, "number") == [span]  # once: its numerals are not figures of their own
    assert "does not appear in the story" in report.findings[0].message


# --- institution --------------------------------------------------------------------------------


def institutions(section: str, story_name: str = "wire", region: str = "uk") -> list[str]:
    return found(run(section, story_name, region, min_words=1), "institution")


def test_profile_bodies_laws_and_everyday_acronyms_pass() -> None:
    section = (
        "The UK's National Cyber Security Centre (NCSC), the Information Commissioner's "
        "Office (ICO), the Competition and Markets Authority, the FCA, Ofcom under the "
        "Online Safety Act, the Department for Science, Innovation and Technology (DSIT), "
        "UK GDPR, the Data Protection Act 2018 and the Computer Misuse Act 1990 all matter "
        "to CEOs, CISOs, IT teams and SMEs using AI tools and APIs in Britain and the EU."
    )
    assert institutions(section) == []


def test_eu_laws_and_bodies_pass() -> None:
    section = (
        "ENISA, the European Data Protection Board (EDPB), CERT-EU, the EU AI Office and "
        "the European Commission apply the GDPR, the AI Act, the Cyber Resilience Act "
        "(CRA) and the Network and Information Security Directive (NIS2) across Europe."
    )
    assert institutions(section, region="eu") == []


def test_acronym_must_be_grounded_in_this_profile_not_another() -> None:
    # NCSC is the UK's (and Ireland's, and New Zealand's) centre; the EU profile has no NCSC.
    assert institutions("The NCSC will respond.", "wire", "eu") == ["NCSC"]
    assert institutions("The NCSC will respond.", "wire", "uk") == []
    assert institutions("CISA will respond.", "wire", "uk") == ["CISA"]
    assert institutions("CISA will respond.", "wire", "us") == []


def test_the_letters_of_an_office_or_an_honour_name_no_body() -> None:
    # A held-out news summary: "the way the country elects MPs" was flagged as an acronym.
    assert institutions("Italy's parliament changed the way the country elects MPs.") == []
    assert institutions("The MEP and the PM, both given an OBE, spoke.") == []
    assert institutions("GPs sent patients for an MRI and a DNA test.") == []
    assert institutions("The MPC will respond.") == ["MPC"]


def test_a_lexicon_word_in_capitals_is_emphasis_not_an_acronym() -> None:
    # "CLICK HERE for all the latest news": a shouted link line, not an unknown body.
    assert institutions("CLICK HERE for all the latest United news.") == []
    # A short one may be an acronym that spells a word: still to be grounded.
    assert institutions("CAB will respond.") == ["CAB"]
    assert institutions("BLAST will respond.") == []  # five letters: read as emphasis


def test_acronym_named_in_the_story_passes_in_any_region() -> None:
    story_with_ncsc = parse_story(
        "The UK's National Cyber Security Centre (NCSC) said the ban would hurt defenders."
    )
    report = check("The NCSC expects fallout.", story_with_ncsc, get_region("eu"), min_words=1)
    assert found(report, "institution") == []


def test_invented_regulator_is_one_error() -> None:
    report = run(UK_BASE + " The UK's Cyber Defence Agency (CDA) will review the ban.")
    assert found(report, "institution") == ["Cyber Defence Agency (CDA)"]
    assert not report.ok


def test_invented_bodies_and_laws_are_errors() -> None:
    assert institutions("The European Cyber Defence Authority will act.", region="eu") == [
        "European Cyber Defence Authority"
    ]
    # The Home Office is in the UK profile (justice); the Foreign Office is not.
    assert institutions("The Home Office and the NCSC will act.") == []
    assert institutions("The Foreign Office and the NCSC will act.") == ["Foreign Office"]
    assert institutions("Firms must meet the Cyber Security Act 2024.") == [
        "Cyber Security Act 2024"
    ]
    assert institutions("The Information Commissioner's Office will act.", region="au") == [
        "Information Commissioner's Office"
    ]


def test_wrong_expansion_of_a_profile_acronym_is_an_error() -> None:
    report = run(UK_BASE + " The National Crime Security Council (NCSC) will review the ban.")
    [finding] = [f for f in report.findings if f.check == "institution"]
    assert finding.text == "National Crime Security Council (NCSC)"
    assert "National Cyber Security Centre" in finding.message
    assert institutions("The Information Commissioner's Office (NCSC) will act.") == [
        "Information Commissioner's Office (NCSC)"
    ]


def test_descriptions_before_an_acronym_are_not_expansions() -> None:
    assert institutions("The UK's cyber security agency (NCSC) will act.") == []


# --- mention ------------------------------------------------------------------------------------


def test_no_profile_institution_or_law_is_a_warning() -> None:
    section = UK_BASE.replace(
        " The National Cyber Security Centre (NCSC) depends on defenders keeping systems patched.",
        " Defenders must keep systems patched.",
    )
    report = run(section)
    [finding] = report.findings
    assert (finding.check, finding.severity, finding.text) == ("mention", "warning", "")
    assert report.ok


def test_mention_by_name_acronym_or_law_counts() -> None:
    assert found(run("The ICO will act.", min_words=1), "mention") == []
    assert found(run("Under UK GDPR, firms must act.", min_words=1), "mention") == []
    assert found(run("The Computer Misuse Act 1990 applies.", min_words=1), "mention") == []
    assert found(run("The AI Act applies.", region="eu", min_words=1), "mention") == []


# --- spelling -----------------------------------------------------------------------------------


def test_american_spelling_in_a_british_edition_is_a_warning() -> None:
    report = run(UK_BASE + " Organizations need a stronger defense.")
    spelling = [f for f in report.findings if f.check == "spelling"]
    assert [f.text for f in spelling] == ["Organizations", "defense"]
    assert {f.severity for f in spelling} == {"warning"}
    assert '"Organisations"' in spelling[0].message and '"defence"' in spelling[1].message
    assert report.ok


def test_british_spelling_in_an_american_edition_is_a_warning() -> None:
    report = run(US_BASE + " Every organisation needs a stronger defence.", "brief", "us")
    assert found(report, "spelling") == ["organisation", "defence"]
    assert '"organization"' in report.findings[0].message


def test_proper_nouns_and_story_words_keep_their_spelling() -> None:
    # "Centre" is part of a name; "behaviour" and "organisations" are the wire story's own words.
    section = (
        US_BASE + " Australia's Cyber Security Centre disagrees; the behaviour of "
        "organisations abroad is not at issue."
    )
    assert found(run(section, "wire", "us"), "spelling") == []
    assert (
        found(run(UK_BASE + " The Pearl Harbor Center is a name.", "wire", "uk"), "spelling") == []
    )


def test_words_correct_in_both_variants_are_not_flagged() -> None:
    section = UK_BASE + " Good practice, a licensed program and a judgment on disk storage."
    assert found(run(section), "spelling") == []


# --- length -------------------------------------------------------------------------------------


def test_length_bounds() -> None:
    short = run("The NCSC says UK defenders lose access.")
    [finding] = [f for f in short.findings if f.check == "length"]
    assert (finding.severity, finding.text) == ("error", "")
    assert "7 words" in finding.message and "at least 40" in finding.message
    long = run(UK_BASE, max_words=20)
    assert [f.check for f in long.errors] == ["length"]
    assert "at most 20" in long.errors[0].message
    n = len(UK_BASE.split())
    assert run(UK_BASE, min_words=n, max_words=n).findings == ()


# --- repetition ---------------------------------------------------------------------------------


def test_repeated_sentence_is_an_error() -> None:
    report = run(UK_BASE + " British defenders are affected. British defenders are affected.")
    assert found(report, "repetition") == ["British defenders are affected."]


def test_repeated_run_of_eight_words_is_an_error() -> None:
    section = (
        UK_BASE + " Teams that relied on the models to uncover and fix flaws suffer, and "
        "regulators that relied on the models to uncover and fix flaws worry."
    )
    assert found(run(section), "repetition") == [
        "that relied on the models to uncover and fix flaws"
    ]


def test_degenerate_loop_is_reported_once() -> None:
    section = UK_BASE + " the models and the models and the models and the models and the models"
    assert len(found(run(section), "repetition")) == 1


# --- leak ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("planted", "span"),
    [
        ("For {{ region.audience }} this matters.", "{{"),
        ("{% if region %}It matters.{% endif %}", "{%"),
        ("As an AI language model, I think it matters.", "As an AI"),
        ("I cannot verify this.", "I cannot"),
        ("Here is the section you asked for.", "Here is the section"),
        ("\nSure, it matters.", "Sure,"),
        ("\nsystem: you are an editor", "system:"),
        ("\nuser: write it again", "user:"),
        ("\nassistant: Here it is.", "assistant:"),
        ("<|im_start|>", "<|im_start|>"),
        ("<|im_end|>", "<|im_end|>"),
        ("<|endoftext|>", "<|endoftext|>"),
        ("<story>", "<story>"),
        ("</story>", "</story>"),
        ("<region>", "<region>"),
        ("\nSTORY: the ban", "STORY:"),
        ("\nREGION PROFILE: UK", "REGION PROFILE:"),
        ("\n### Instructions", "### Instructions"),
        ('{"body": "x"}', '{"body":'),
        # Echoes of the re-ask, as the embedded model produced in a recorded us run.
        ("The section is 26 words long; write at least 40 words.", "The section is 26 words long"),
        ("Fix these problems: none.", "Fix these problems"),
        # The prompt's region block copied out (model output set 2).
        ("\nThe story's beats are:", "The story's beats are:"),
        ("\nThe story's beats: cyber, data", "The story's beats:"),
    ],
)
def test_prompt_and_model_artefacts_are_leaks(planted: str, span: str) -> None:
    report = run(UK_BASE + " " + planted)
    assert span in found(report, "leak")
    assert not report.ok


def test_profile_entries_copied_from_the_prompt_are_leaks() -> None:
    # The embedded model answered a New Zealand prompt with the region block's entry lines.
    echo = (
        "\n- Ministry of Health: the government's lead adviser on health policy and regulation"
        "\n- Electricity Authority: regulates New Zealand's electricity market"
        "\n- Environmental Protection Authority (EPA): regulates hazardous substances"
    )
    spans = found(run(UK_BASE + echo, region="nz"), "leak")
    assert "- Ministry of Health:" in spans
    assert "- Electricity Authority:" in spans
    assert "- Environmental Protection Authority (EPA):" in spans


def test_a_list_item_that_names_no_profile_entry_is_not_a_leak() -> None:
    spans = found(run(UK_BASE + "\n- Firms: check their suppliers now."), "leak")
    assert spans == []


def test_leak_words_inside_a_story_quote_are_not_leaks() -> None:
    quoting = parse_story('The minister said: "I cannot support this order." Firms disagreed.')
    report = check(
        'The minister said "I cannot support this order," a view the NCSC noted.',
        quoting,
        get_region("uk"),
        min_words=1,
    )
    assert report.findings == ()


def test_leading_markdown_heading_is_not_checked() -> None:
    assert run("## What it means for the UK\n\n" + UK_BASE).findings == ()


# --- report API ---------------------------------------------------------------------------------


def test_report_api_and_feedback() -> None:
    report = run(UK_BASE + ' The NCSC called it "a serious setback". Organizations lost 200 tools.')
    assert [f.check for f in report.findings] == ["quote", "number", "spelling", "claim", "support"]
    assert [f.check for f in report.errors] == ["quote", "number", "claim"]
    assert [f.check for f in report.warnings] == ["spelling", "support"]
    data = report.to_dict()
    assert data["ok"] is False and data["error_count"] == 3 and data["warning_count"] == 2
    assert data["findings"] == [f.to_dict() for f in report.findings]
    assert report.findings[0].to_dict() == {
        "check": "quote",
        "severity": "error",
        "text": "a serious setback",
        "message": 'The quote "a serious setback" does not appear in the story.',
    }
    assert report.feedback() == (
        "Fix these problems:\n"
        '- The quote "a serious setback" does not appear in the story; quote only the story\'s '
        "own words, exactly.\n"
        '- The figure "200" does not appear in the story; use only figures the story gives, '
        "written as the story writes them.\n"
        '- The story does not report that the NCSC did this: "The NCSC called it "a serious '
        'setback"."; say only what the story reports; name a body only for its standing remit.'
    )
    assert run(UK_BASE).feedback() == ""


def test_finding_is_a_frozen_value() -> None:
    finding = Finding("leak", "error", "The section contains prompt text.", "{{")
    assert finding.to_dict() == {
        "check": "leak",
        "severity": "error",
        "message": "The section contains prompt text.",
        "text": "{{",
    }
    with pytest.raises(AttributeError):
        finding.text = "x"  # type: ignore[misc]


def test_localized_section_and_plain_body_give_the_same_report() -> None:
    section = LocalizedSection(heading="What it means for the UK", body=UK_BASE + " 200 firms.")
    assert check(section, story("wire"), get_region("uk")) == run(UK_BASE + " 200 firms.")


def test_module_exports() -> None:
    assert localize.grounding._checks.__all__ == [
        "CHECK_IDS",
        "ENGLISH_ONLY_CHECKS",
        "CheckReport",
        "Finding",
        "check",
    ]


# --- corpus: tests/data/checks ------------------------------------------------------------------

CASES = load_cases(CORPUS)


def corpus(clean: bool) -> list[Any]:
    return [pytest.param(c, id=c.id) for c in CASES if c.clean == clean]


@pytest.mark.parametrize("case", corpus(clean=True))
def test_clean_corpus_sections_have_no_findings(case: Case) -> None:
    assert run_case(case).findings == ()


def test_corpus_covers_every_region_and_the_sentence_level_faults() -> None:
    assert {c.region.id for c in CASES if c.clean} == {"uk", "eu", "us", "au"}
    planted = Counter(check_id for c in CASES for check_id, _ in c.expect)
    assert planted["attribution"] >= 10 and planted["claim"] >= 10
    assert sum(c.clean for c in CASES) >= 37


@pytest.mark.parametrize("case", corpus(clean=False))
def test_fault_corpus_sections_report_exactly_their_planted_faults(case: Case) -> None:
    got = [(f.check, f.text) for f in run_case(case).findings]
    for check_id, text in case.expect:
        assert any(c == check_id and text in t for c, t in got), got
    extra = [(c, t) for c, t in got if not any(c == e and x in t for e, x in case.expect)]
    assert extra == []
