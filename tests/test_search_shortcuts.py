"""The checks' search shortcuts find exactly what the plain searches they replace find.

Speed work replaced a few searches with cheaper equivalents: names found whole without a leading
lookbehind (`find_whole`), a profile's names looked up by their leading word (`FirstWords`),
lookaheads in front of the date patterns, apostrophes dropped without ``str.translate``, the
places table tried only where a place word leads and its phrases cut where they open no place,
the leak and meta patterns skipped where none of their words stands. Each is compared here with
the plain form on generated text, odd Unicode included (characters whose case changes length,
the Kelvin sign, the long s).
"""

from __future__ import annotations

import re
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from localize.grounding import _dates, _leak, _meta_text, _places
from localize.grounding._names import (
    FirstWords,
    expansions,
    find_whole,
    iter_led,
    iter_whole,
    names_in,
)
from localize.grounding.attribution._actors import actor_lexicon
from localize.regions import builtin_regions
from localize.text import leading_run, word_runs
from localize.text._wordfold import fold_tokens
from localize.text._words import APOSTROPHES, FOLD_WORD

NAMES = ["UK", "U.K.", "United Kingdom", "UK GDPR", "GDPR", "NCSC", "Ofcom", "A-Z", "é", "Act 2018"]
PIECES = [
    *NAMES,
    *("", " ", "  ", "-", "_", "x", "9", "'s", "\u2019s", ".", ",", "\n", "\u0130", "\u212a"),
    *("17", "17th", " of ", "April", "april", "APRIL", "Sept.", "sept", "May", "Fri", "friday"),
    *("2026", "12/30/2021", "30.12.2021", "2021-12-30", "on 5/3", "\u017fept", "\u017funday"),
]
texts = st.lists(st.sampled_from(PIECES), max_size=14).map("".join)
name_lists = st.lists(st.sampled_from(NAMES), min_size=1, max_size=5, unique=True)


def _alternation(names: list[str]) -> str:
    ordered = sorted(names, key=len, reverse=True)
    return "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in ordered)


@settings(max_examples=200, derandomize=True)
@given(texts, name_lists)
def test_whole_names_are_found_as_with_a_leading_lookbehind(text: str, names: list[str]) -> None:
    plain = re.compile(rf"(?<![\w-])(?:{_alternation(names)})(?:['\u2019]s)?(?![\w-])")
    led = re.compile(rf"(?:{_alternation(names)})(?:['\u2019]s)?(?![\w-])")
    assert [m.span() for m in iter_whole(led, text)] == [m.span() for m in plain.finditer(text)]
    first = find_whole(led, text)
    expected = plain.search(text)
    assert (first and first.span()) == (expected and expected.span())
    whole = [re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text) for n in names]
    assert names_in(text, names) == any(whole)


@settings(max_examples=200, derandomize=True)
@given(texts, name_lists)
def test_a_name_found_whole_leads_with_a_word_of_the_text(text: str, names: list[str]) -> None:
    index = FirstWords.of([(n,) for n in names])
    candidates = {names[i] for i in index.candidates(word_runs(text))}
    for name in names:
        if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
            assert name in candidates


@settings(max_examples=200, derandomize=True, deadline=None)  # the lexicon builds once
@given(texts, name_lists)
def test_a_lexicon_tried_only_where_a_name_leads_finds_what_finditer_does(
    text: str, names: list[str]
) -> None:
    text = " ".join(names) + " government " + text  # names the lexicon holds, and a government
    lexicon = actor_lexicon(builtin_regions()["uk"])
    assert lexicon.leads is not None
    led = [(m.span(), m.groups()) for m in iter_led(lexicon.pattern, lexicon.leads, text)]
    assert led == [(m.span(), m.groups()) for m in lexicon.pattern.finditer(text)]
    leads = frozenset(w for n in names if (w := leading_run(n)) is not None)
    plain = re.compile(rf"(?<![\w-])(?:{_alternation(names)})(?![\w-])")
    assert [m.span() for m in iter_led(plain, leads, text)] == [
        m.span() for m in plain.finditer(text)
    ]


@settings(max_examples=200, derandomize=True)
@given(texts)
def test_the_date_lookaheads_only_skip_offsets_where_nothing_starts(text: str) -> None:
    month = "(?=[ADFJMNOSadfjmnos][ACEOPUaceopu][BCGLNPRTVYbcglnprtvy])"
    date = r"(?=[\dADFJMNOSadfjmnos])"
    weekday = "(?=[FMSTWfmstw][AEHORUaehoru])"
    assert month in _dates._DATE.pattern and date in _dates._DATE.pattern
    assert weekday in _dates._SOURCE_WEEKDAY.pattern
    for pattern in (_dates._DATE, _dates._SOURCE_DATE, _dates._SOURCE_WEEKDAY):
        plain = re.compile(
            pattern.pattern.replace(month, "").replace(date, "").replace(weekday, ""),
            pattern.flags,
        )
        assert [(m.span(), m.groups()) for m in pattern.finditer(text)] == [
            (m.span(), m.groups()) for m in plain.finditer(text)
        ]


@settings(max_examples=200, derandomize=True)
@given(st.text(alphabet="aZ'\u2019\u2018\u02bc \u0130\u212a\u00c9x9_-.", max_size=20))
def test_folding_drops_the_apostrophes_translate_drops(text: str) -> None:
    assert fold_tokens(text) == FOLD_WORD.findall(text.lower().translate(APOSTROPHES))


def test_expansions_read_each_line_once_and_find_what_a_line_by_line_read_finds() -> None:
    # Names and acronyms on several lines, some lines with several, one with none: the line's
    # tokens are read once per line now (a one-line text with many acronyms was quadratic).
    lines = [
        "The Office of Trade (OTA) met the Food Standards Agency (FSA) today.",
        "No acronym here.",
        "Officials at the Bank of England (BoE) and (XYZ) alone (ABC).",
        "Competition and Markets Authority (CMA)",
    ]
    joined = list(expansions("\n".join(lines)))
    assert joined == [pair for line in lines for pair in expansions(line)]
    assert ("OTA", "The Office of Trade") in joined and (
        "CMA",
        "Competition and Markets Authority",
    ) in joined


PLACE_PIECES = [
    *("Scot", "Scots", "Scotland", "Wales", "Welsh", "the Gambia", "The Gambia", "U.S.", "US"),
    *("New Zealand", "New", "Zealand", "Porto", "Isle of Man", "Isle", "Cape Verde", "Cardiff"),
    *(" ", "  ", "-", "x", "'s", "\u2019s", "s", ".", ",", "\n", "the ", "Royal ", "-based"),
]
place_texts = st.lists(st.sampled_from(PLACE_PIECES), max_size=12).map("".join)


def _plain_story_places(text: str) -> set[str]:
    """`story_places`' phrase walk before it stopped at phrases that open no place."""
    table = _places._places()
    words = [w.rstrip(".").replace("\u2019", "'") for w in _places._WORD.findall(text)]
    words = [w.replace(".", "") if w.replace(".", "").isupper() else w for w in words]
    given: set[str] = set()
    for i, word in enumerate(words):
        if word[:1].isupper():
            if "-" in word:
                given |= table.placing.get(word.partition("-")[0], frozenset())
            for n in range(1, table.longest + 1):
                phrase = " ".join(words[i : i + n])
                given |= table.placing.get(phrase, frozenset())
                given |= table.placing.get(phrase.removesuffix("'s"), frozenset())
    return given


@settings(max_examples=300, derandomize=True, deadline=None)  # the table loads once
@given(place_texts)
def test_places_are_tried_only_where_a_place_word_leads(text: str) -> None:
    table = _places._places()
    assert "" not in table.leads
    led = [(m.span(), m.groups()) for m in iter_led(table.pattern, table.leads, text)]
    assert led == [(m.span(), m.groups()) for m in table.pattern.finditer(text)]
    assert _places._placed_in(text, table) == _plain_story_places(text)


PROSE_PIECES = [
    *("As an AI", "as an ai", "I cannot", "I can\u2019t", "I'm unable to", "I am sorry"),
    *("I apologise", "Here is the section", "here's your draft", "Sure,", "OK!", "Okay,"),
    *("Certainly!", "Word count:", "let me know if", "Fix these problems", "JSON object with"),
    *(" the key", "The section is 40 words long", "cannot be published as it is", "this story"),
    *("The article says", "according to the story", "this write-up", "the news item", "piece"),
    *(" ", "\n", ".", '"', "x", "\u0130", "\u0131", "\u017f", "\u212a", "\u017fORRY", "Sorry"),
]
prose_texts = st.lists(st.sampled_from(PROSE_PIECES), max_size=10).map("".join)


@settings(max_examples=300, derandomize=True, deadline=None)  # the profiles load once
@given(prose_texts)
def test_leak_and_meta_patterns_are_skipped_only_where_they_cannot_match(text: str) -> None:
    guarded = (list(_leak._check_leaks(text)), _meta_text.check_meta_text(text))
    with (
        patch.object(_leak, "PROSE_WORDS", ((("",), False),) * len(_leak.PROSE_WORDS)),
        patch.object(_meta_text, "META_WORDS", ("",)),
    ):
        assert guarded == (list(_leak._check_leaks(text)), _meta_text.check_meta_text(text))


def test_the_compiled_stemmer_stems_as_snowballs_python_one() -> None:
    from snowballstemmer.english_stemmer import EnglishStemmer

    from localize.regions._select import _english_stemmer

    compiled = _english_stemmer()
    assert not isinstance(compiled, EnglishStemmer)  # PyStemmer, a dependency, is installed
    python = EnglishStemmer()
    words = set(re.findall(r"(?u)\b\w\w+\b", " ".join(PIECES + PLACE_PIECES + PROSE_PIECES)))
    for profile in builtin_regions().values():
        for entry in (*profile.institutions, *profile.laws):
            words.update(re.findall(r"(?u)\b\w\w+\b", repr(entry).lower()))
    words |= {"generously", "relational", "skies", "dying", "news", "proceeding", "\u00e9t\u00e9s"}
    assert len(words) > 2000
    assert [compiled.stemWord(w) for w in sorted(words)] == [
        python.stemWord(w) for w in sorted(words)
    ]
