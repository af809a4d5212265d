"""Paraphrase faults: a section clause that restates a story clause but changes what it says.

The ``paraphrase`` check (error). Each clause of a section (split at semicolons, colons and
clause-joining conjunctions) is aligned with the story clause that shares most of its content
words (lemmas, `localize.text._lemmas`); where the two say nearly the same thing, the section
clause is compared with it word by word. Reported, each with the story sentence it contradicts:

- an antonym: "raised" where the story clause says "cut", "unspecified" for "specified", "a
  rejection" for "approved" (either word may be in a form derived from the pair's, by
  `word_root`; the two words beside the same word, so two predicates of one long sentence are
  not confused);
- an added or dropped negation: "does not offer a trial" for "offers a trial" (the negated
  word itself must be the story clause's). A verb or phrase that negates the verb after it
  reads as "not" ("failed to sign", "stopped selling", "no longer offers", "an absence of
  evidence"), and a negation that undoes an opposite is no fault ("did not approve" for
  "rejected");
- a swapped period or date: "Q4" for "Q3", "the first quarter" for "the third quarter", a year
  or a month the story never gives (a numeral the story never gives is the ``number`` check's);
- a swapped name: a name the story never gives where the story clause has another.

And, sentence by sentence, a fact no story or profile sentence gives: a name of two or more
words that neither the story nor any shipped profile uses ("Prime Minister Kevin Rudd"); and,
where no clause aligns, a single capitalised word the story never gives that stands in a name or
a pairing with a name it does give ("Bob Dylan" for Bob Ross, "the Patriots and the Dolphins").

Alignment is by lemma overlap only, so a clause that merely shares a few words with the story is
never compared: what it adds is the ``support`` check's business. Names and words of the region
profile are left out of the comparison; a section names its region's bodies by design. Opposites
come from WordNet 3.0's antonym pointers (a table written by scripts/make_antonyms.py, shipped
in the package) with hand pairs and two sides of a scale beside it; lemmas from lemminflect's
tables.

A batch checks many distinct stories, each for several regions, so the story's side is read once
per story (`_story_text`, in the story's analysis): its clauses and their index by lemma. A region
re-reads only the clauses that hold one of its own names (`_story_clauses`), and what the
comparisons derive from a story clause (a word's setting, its names) is kept on the clause.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib.resources import files
from itertools import pairwise
from operator import attrgetter
from typing import Any, NamedTuple, TypeVar

from localize.grounding._analysis import per_story
from localize.grounding._dates import (
    MONTH_NAMES,
    MONTHS_PERIOD,
    PERIOD_ORDINALS,
    WEEKDAYS,
    months_period_words,
    period_code,
)
from localize.grounding._findings import Finding, shorten
from localize.grounding._misplaced import misplaced_value
from localize.grounding._names import entry_names, names_in
from localize.grounding._places import (
    gives_place,
    in_given_place,
    story_places,
    unknown_places,
)
from localize.grounding._roles import swapped_role
from localize.regions import RegionProfile, builtin_regions, pack_regions
from localize.story import Story
from localize.text import (
    STOPWORDS,
    is_common_word,
    leading_run,
    lemma,
    split_sentences,
    story_sentences,
    word_runs,
    word_set,
)
from localize.text._lemmas import word_root
from localize.text._words import CLAUSE_TOKEN, TITLE_RUN

__all__ = ["check_paraphrase"]

R = TypeVar("R")

# Clause boundaries: a semicolon, a colon, a dash, or a comma/space before a conjunction that
# opens a new clause. Plain commas are kept: they mostly separate the items of a list. Every
# boundary opens with a space, a comma or one of those marks: the lookahead, which matches
# nothing more, lets the engine pass every other position at once (twice as fast).
_CLAUSE_SPLIT = re.compile(
    r"(?=[\s,;:\u2014\u2013])"
    r"(?:\s*[;:\u2014\u2013]\s*|,?\s+(?:but|while|whereas|although|though|yet)\s+|,\s+and\s+)"
)
_TOKEN = CLAUSE_TOKEN
# "without" and "lack" are left out: "without the models" restates a loss, it negates nothing.
_NEGATION = word_set("not no never none nor neither cannot nothing nobody")
# "not only", "not just": an addition, not a negation.
_NOT_A_NEGATION = re.compile(r"\bnot\s+(?:only|just|least|merely|simply)\b", re.IGNORECASE)
# "whether or not the deductibles are affordable": an open question, not a negation.
_OR_NOT = re.compile(r"\bor\s+not\b", re.IGNORECASE)
_NEGATION_SUFFIX = ("n't", "n\u2019t")
# "platforms, rather than parents, are responsible" says what "platforms, not parents" says: a
# contrast that rules one side out is read as the negation it is.
_CONTRAST_NEGATION = re.compile(r"\b(?:rather\s+than|instead\s+of)\b", re.IGNORECASE)
# "Last year", "last week": a time, not a rank, so no opposite of the story's "first" year. "The
# last year" stays a rank.
_LAST_PERIOD = re.compile(
    r"(?<!the )(?<!The )\blast(?=\s+(?:year|month|week|night|weekend|season|summer|winter|"
    r"spring|autumn|decade)\b)",
    re.IGNORECASE,
)
# Verbs and phrases that negate the verb after them, read as the "not" they say: "failed to sign"
# is "did not sign", "no longer offers" is "does not offer", "an absence of evidence" is "no
# evidence"; "was unable to attend" and "has yet to decide" too. Read so, "the club failed to
# sign him" and "the club did not sign him" agree, and "the club signed him" drops the story's
# negation ("failed in July to win" too: a few words may stand between, kept in place).
# "declined to" only right before a word (never "declined to 5%"); "lack" and "absence" only as
# nouns with "of". "Stop"/"cease" + -ing is read on the story's side only (`_forbidden`): read
# as a negation a section could drop, it flagged consistent rows ("stop buying").
_NEGATING = re.compile(
    r"\b(?:(?:fail(?:s|ed|ing)?|refus(?:e|es|ed|ing))(?P<between>(?:\s+(?!to\b)[\w'-]+){0,3}?)\s+to"
    r"(?=\s+[a-z])"
    r"|(?:declin(?:e|es|ed|ing)|unable|yet)\s+to(?=\s+[a-z])"
    r"|no\s+longer"
    r"|(?:an?\s+|the\s+)?(?:lack|absence)\s+of)\b",
    re.IGNORECASE,
)


def _negating(m: re.Match[str]) -> str:
    """A negating verb's "not", the words between it and its "to" kept in their place ("failed
    in July to win": "not in July win")."""
    return "not" + (m.group("between") or "")


# Opposites come from Princeton WordNet 3.0's antonym pointers (antonyms.txt beside this module,
# written by scripts/make_antonyms.py), plus the pairs below, which WordNet does not link: it
# pairs the two words of one family ("increase"/"decrease", "rise"/"fall") and a news
# restatement swaps across families ("raised" for "cut", "approve" for "reject"). The tests
# (raise/cut, high/lower, increase/reduce) and the development sets (increase/reduce,
# within/outside, upper/lower) show them needed; the other pairs are of the same classes:
# direction, size, stance, position in time or space. Every word is in its lemma's form, as the
# clauses are compared ("men"/"women" would never match; WordNet gives "man"/"woman").
_OPPOSITES = (
    "increase reduce|increase cut|increase lower|rise drop|rise decline|raise cut|raise reduce|"
    "grow shrink|grow decline|expand shrink|expand restrict|widen restrict|gain lose|"
    "profit loss|high lower|over under|improve worsen|improve deteriorate|accelerate slow|"
    "before after|start end|approve reject|accept decline|allow prohibit|allow forbid|"
    "allow ban|permit prohibit|add remove|lift impose|tighten ease|support oppose|confirm deny|"
    "within outside|input output|easy hard|temporary permanent|always never|all none|"
    "benefit harm|help hurt|ahead behind|surplus deficit|upper lower|buyer seller|global local|"
    "strict lenient|"
    # News pairs WordNet does not link (issue 18): stance ("praise"/"criticise"), outcome
    # ("survive"/"die", "stable"/"critical"), movement ("remain"/"leave"), extent ("whole"/
    # "partial"), standing ("ally"/"enemy"), order ("previous"/"next"), jobs ("hire"/"fire",
    # "join"/"leave"), place ("lead"/"trail"), custody ("arrest"/"release"), "continue"/"stop".
    "praise criticise|praise criticize|praise condemn|welcome condemn|welcome criticise|"
    "welcome criticize|survive die|stable critical|remain leave|arrive depart|whole partial|"
    "full partial|ally enemy|friend enemy|real fake|calm violent|peaceful violent|"
    "supporter opponent|boom bust|recovery recession|growth contraction|allow prevent|"
    "previous next|hire fire|hire sack|increase slash|confident worry|happy sad|join leave|"
    "lead trail|arrest release|continue stop|continue cease|continue halt"
)

# Two sides of one scale, each word against every word of the other side: a news edit swaps a
# verb of a change for any verb of the opposite change ("sales declined" for "sales increased"),
# and WordNet links only the words of one family ("increase"/"decrease", "rise"/"fall"). Nouns
# that are also these verbs ("a cut", "a drop") are the same change.
_SCALES = (
    (
        "increase rise grow gain climb jump soar surge raise boost expand rebound",
        "decrease reduce cut lower fall drop decline shrink slump plunge tumble sink dip",
    ),
    ("begin start launch introduce resume", "end stop cease halt scrap abolish suspend"),
)


def _scale_pairs() -> Iterator[str]:
    for up, down in _SCALES:
        for a in up.split():
            for b in down.split():
                yield f"{a} {b}"


@lru_cache(maxsize=1)
def _pairs() -> dict[str, set[str]]:
    """Each word's opposites, read once on first use (the table is 3,000 pairs)."""
    table = files("localize.grounding").joinpath("antonyms.txt").read_text(encoding="utf-8")
    lines = [line for line in table.splitlines() if line and not line.startswith("#")]
    pairs: dict[str, set[str]] = {}
    for pair in (*lines, *_OPPOSITES.split("|"), *_scale_pairs()):
        a, b = pair.split()
        pairs.setdefault(a, set()).add(b)
        pairs.setdefault(b, set()).add(a)
    return pairs


_NO_OPPOSITES: frozenset[str] = frozenset()


def _antonyms(word: str) -> set[str] | frozenset[str]:
    """``word``'s opposites (a shared set: never changed by a caller)."""
    return _pairs().get(word, _NO_OPPOSITES)


# Negating prefixes: "unspecified" against "specified", "indirect" against "direct".
_PREFIXES = ("un", "in", "im", "ir", "il", "dis", "non", "non-")

_MONTHS = frozenset(m.lower() for m in MONTH_NAMES) | frozenset(WEEKDAYS)
# Periods and ranks a clause may swap: "the first quarter" for "the third quarter".
_ORDINALS = word_set("first second third fourth fifth sixth seventh eighth ninth tenth")
_CODE = re.compile(r"q[1-4]|h[12]|fy\d\d|(?:19|20)\d\d")
# Clauses this much alike are the same statement: compare them word by word.
_MIN_COVERAGE = 0.6
_MIN_SHARED = 3
_QUOTE_LIMIT = 160


@dataclass(frozen=True, slots=True)
class _Clause:
    sentence: int  # story sentence number (0 for a section clause)
    text: str
    lemmas: frozenset[str]  # every word's lemma
    content: frozenset[str]  # content lemmas
    order: tuple[str, ...]  # the lemmas in order ("" for a negation), for what is near what
    figures: frozenset[str]  # numerals, "q3"-style codes, months and weekdays
    names: frozenset[str]  # capitalised words inside the clause, lower-cased
    proper: frozenset[str]  # capitalised words, first included, that no lexicon holds: names
    # What the comparisons read from a story clause again for every section of every region
    # (a word's positions, its setting, the names it holds), kept on first use
    # (`_story_memo`); each depends only on the clause's own fields.
    memo: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class _Parsed:
    """A clause's words read once, before a profile says which of them to leave out."""

    sentence: int
    text: str
    lemmas: frozenset[str]
    order: tuple[str, ...]
    figures: frozenset[str]
    title: bool  # a headline's capitals are its style, not names
    # Per word that can be left out: (lower case, lemma, a name, a proper name, a content word).
    words: tuple[tuple[str, str, bool, bool, bool], ...]

    def clause(self, skip: frozenset[str]) -> _Clause:
        """The clause without the words ``skip`` holds (the region's own names)."""
        kept = (
            [w for w in self.words if w[0] not in skip and w[1] not in skip] if skip else self.words
        )
        names = frozenset() if self.title else frozenset(w[0] for w in kept if w[2])
        proper = frozenset() if self.title else frozenset(w[0] for w in kept if w[3])
        return _Clause(
            self.sentence,
            self.text,
            self.lemmas,
            frozenset(w[1] for w in kept if w[4]),
            self.order,
            self.figures,
            names,
            proper,
        )


def _clauses(text: str, sentence: int, skip: frozenset[str]) -> Iterator[_Clause]:
    for parsed in _parse(_CLAUSE_SPLIT.split(text), sentence):
        yield parsed.clause(skip)


class _Token(NamedTuple):
    """What a clause reads from one token, the same wherever the token stands."""

    low: str  # lower case, possessive dropped
    raw_low: str  # lower case as written: the word after an ordinal ("quarter")
    base: str | None  # the lemma; None for a numeral or a code, which is no word
    order: tuple[str, ...]  # what the token adds to the clause's order ("" for a negation)
    # A numeral, a "q3"-style code, a capitalised month or weekday, an ordinal; None for an
    # ordinal that may open a period ("fourth quarter"), which the next token decides.
    figure: str | None
    period: bool  # that ordinal
    dated: bool  # a capitalised month or weekday, or an ordinal
    # The clause's entry for the word (`_Parsed.words`) where it does not open the clause, and
    # where it does (its capital is then no sign of a name); None for a numeral or a code.
    word: tuple[str, str, bool, bool, bool] | None
    first: tuple[str, str, bool, bool, bool] | None
    alpha: bool  # `_title_case`'s word
    initial: bool  # `_title_case`'s capitalised word
    common: bool  # `_title_case`'s capitalised common word


@lru_cache(maxsize=8192)
def _token(token: str) -> _Token:
    """One token read once: a story's or a section's words recur in every clause and every
    region, so the clause reader looks each one up instead of reading it again."""
    word = token[:-2] if token.endswith("'s") else token
    low = word.lower()
    negation = low in _NEGATION or low.endswith(_NEGATION_SUFFIX)
    alpha = token[0].isalpha()
    initial = alpha and token[0].isupper()
    common = initial and (is_common_word(token) or token.lower() in STOPWORDS)
    figure: str | None = None
    if _CODE.fullmatch(low):
        figure = low  # a year, a quarter: a date, compared like a month
    elif word[0] in "$0123456789":
        # "02" is a list's numbering or a time, not a quantity a section restates.
        figure = "" if word.startswith("0") else word.rstrip("%").replace(",", "")
    if figure is not None:
        return _Token(
            low, token.lower(), None, ("",) if negation else (), figure, False, False, None, None,
            alpha, initial, common,
        )  # fmt: skip
    base = lemma(word)
    period = low.partition("-")[0] in PERIOD_ORDINALS
    # "may" and "march" in lower case are a verb: only a capitalised month is a date.
    dated = (low in _MONTHS and word[0].isupper()) or low in _ORDINALS
    capitalised = word[0].isupper() and low not in _MONTHS
    proper = capitalised and not word.isupper() and not is_common_word(low)
    content = low not in STOPWORDS and low not in _NEGATION
    return _Token(
        low,
        token.lower(),
        base,
        ("",) if negation else (base,),
        None if period else low if dated else "",
        period,
        dated,
        (low, base, capitalised, proper, content),
        (low, base, False, proper, content),
        alpha,
        initial,
        common,
    )


def _parse(parts: Iterable[str], sentence: int) -> Iterator[_Parsed]:
    """Each of ``parts`` (a sentence's clauses, or the sentence whole) read as a clause."""
    for part in parts:
        part = part.replace("\u2019", "'")
        read = _CONTRAST_NEGATION.sub("not", _NOT_A_NEGATION.sub("also", part))
        read = MONTHS_PERIOD.sub(months_period_words, _LAST_PERIOD.sub("previous", read))
        read = _NEGATING.sub(_negating, _OR_NOT.sub("or", read))
        tokens = [_token(t) for t in _TOKEN.findall(read)]
        if not tokens:
            continue
        figures = {t.figure for t in tokens if t.figure}
        for n in [n for n, t in enumerate(tokens) if t.period]:
            t = tokens[n]
            period = _period(t.low, tokens[n + 1].raw_low if n + 1 < len(tokens) else "")
            if period:
                figures.add(period)
            elif t.dated:
                figures.add(t.low)
        words = [t.word for t in tokens if t.word]
        if tokens[0].first:
            words[0] = tokens[0].first
        yield _Parsed(
            sentence,
            part.strip(),
            frozenset({t.base for t in tokens if t.base is not None}),
            tuple([w for t in tokens for w in t.order]),
            frozenset(figures),
            _title_case(tokens),
            tuple(words),
        )


def _title_case(tokens: list[_Token]) -> bool:
    """Whether most words of a clause are capitalised, as in a headline or a subject line."""
    words: int = sum(map(_ALPHA, tokens))
    capitalised: int = sum(map(_INITIAL, tokens))
    if words < 4 or capitalised * 2 <= words:
        return False
    # A list of names is capitalised too, but its words are names, not common words.
    common: int = sum(map(_COMMON, tokens))
    return common * 2 > capitalised


_ALPHA, _INITIAL, _COMMON = attrgetter("alpha"), attrgetter("initial"), attrgetter("common")


def _period(word: str, following: str) -> str | None:
    """The period code of an ordinal before "quarter" or "half" ("fourth quarter",
    "fourth-quarter": "q4"), or None."""
    ordinal, _, unit = word.partition("-")
    return period_code(ordinal, unit or following)


@lru_cache(maxsize=64)
def _region_words(profile: RegionProfile) -> frozenset[str]:
    """The words of the region's own names and audience, lower-cased."""
    return frozenset(
        w.lower()
        for line in (profile.name, *profile.aliases, *profile.audience.split(","))
        for w in _TOKEN.findall(line)
    )


_REMIT_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*")


@lru_cache(maxsize=64)
def _remit_names(profile: RegionProfile) -> frozenset[str]:
    """The capitalised words of the profile's remits and law summaries: a name a remit gives
    ("An Coimisiún Toghcháin", "the Pharmaceutical Benefits Scheme") is one the profile gives,
    so a section may name it."""
    texts = [inst.remit for inst in profile.institutions]
    texts += [law.summary for law in profile.laws]
    # Words in any script, as a section writes them ("Toghcháin"), not the clause tokens.
    words = {w.lower() for t in texts for w in _REMIT_WORD.findall(t) if w[0].isupper()}
    # A remit may name another region to tell two namesakes apart ("Not the UK or New Zealand
    # body of the same name"): that region stays foreign.
    for other in {**builtin_regions(), **pack_regions()}.values():
        if other.id != profile.id:
            words -= _region_words(other) - _region_words(profile)
    return frozenset(words)


@lru_cache(maxsize=64)
def _profile_words(profile: RegionProfile) -> frozenset[str]:
    """The region's own names and its bodies' and laws' words: left out of every comparison."""
    words = set(_region_words(profile))
    for inst in profile.institutions:
        for n in (inst.name, inst.acronym, *inst.aliases):
            words.update(w.lower() for w in _TOKEN.findall(n or ""))
    for law in profile.laws:
        for n in (law.name, law.short_name, *law.aliases):
            words.update(w.lower() for w in _TOKEN.findall(n or ""))
    return frozenset(words | {lemma(w) for w in words})


# A name stands whole in a text (`names_in`: no word character or hyphen on either side) only
# where its leading run of word characters is one of the text's runs (`word_runs`), so a
# profile's hundreds of names are looked for only where that run is there.


@lru_cache(maxsize=64)
def _entry_words(profile: RegionProfile) -> tuple[tuple[str, str, frozenset[str]], ...]:
    """Each name of the profile's bodies and laws, with its first run of word characters ("" if
    it opens with none) and the words of all of that entry's names."""
    named: list[tuple[str, str, frozenset[str]]] = []
    for name, entry in entry_names(profile):
        words = {w.lower() for n in entry for w in _TOKEN.findall(n)}
        named.append((name, leading_run(name) or "", frozenset(words | {lemma(w) for w in words})))
    return tuple(named)


def _named_words(
    text: str, profile: RegionProfile, runs: frozenset[str] | None = None
) -> frozenset[str]:
    """The words left out of comparing ``text``: its region's names, and the names of the bodies
    and laws the text itself names. A profile across every beat holds so many names that all
    their words would leave little to compare ("revenue" from HM Revenue and Customs).
    ``runs``: the text's runs of word characters, where the caller has them already."""
    if runs is None:
        runs = word_runs(text)
    base = _region_words(profile)
    words = set(base) | {lemma(w) for w in base}
    for name, head, entry in _entry_words(profile):
        if (not head or head in runs) and names_in(text, (name,)):
            words |= entry
    return frozenset(words)


@dataclass(frozen=True, slots=True)
class _StoryClauses:
    # Every clause of the story; the index below holds those with content words left.
    clauses: tuple[_Clause, ...]
    by_lemma: dict[str, tuple[int, ...]]  # content lemma -> indexes of the clauses holding it
    texts: dict[int, str]  # sentence number -> text
    lower: str  # the whole story, lower-cased with straight apostrophes
    words: frozenset[str]  # the story's words, lower-cased, possessives dropped
    figures: frozenset[str]  # every clause's codes, months and ordinals ("q4" for "fourth quarter")
    # A verb or adjective -> the story's content lemmas derived from it ("reduce": "reduction"),
    # whichever clauses hold them (a word a region leaves out is still out of ``by_lemma``).
    derived: dict[str, tuple[str, ...]]
    places: frozenset[str]  # the countries and nations the story gives (`story_places`)
    negated: frozenset[str]  # the words a story negation stands right before (`_negated_words`)


@dataclass(frozen=True, slots=True)
class _StoryText:
    """The story's clauses read once for all its regions, and indexed with no word left out."""

    parsed: tuple[_Parsed, ...]
    index: _StoryClauses  # for a region none of whose names the story's clauses use
    # A name or content word (or its lemma) a region may leave out -> the clauses holding it,
    # as the bits of an int (bit i: clause i): one number a word, not a tuple.
    by_word: dict[str, int]
    runs: frozenset[str]  # the story's runs of word characters (`_named_words`)


@per_story
def _story_text(story: Story) -> _StoryText:
    """Each clause of the story, and each sentence whole (a section clause may restate one story
    clause or fold a whole sentence into fewer words). A sentence that is one clause is read
    once: a second, equal clause would only ever tie with the first, which wins every tie."""
    parsed: list[_Parsed] = []
    sentences = story_sentences(story)
    for s in sentences:
        parts = _CLAUSE_SPLIT.split(s.text)
        parsed.extend(_parse(parts, s.number))
        if len(parts) > 1:
            parsed.extend(_parse((s.text,), s.number))
    clauses = tuple(p.clause(frozenset()) for p in parsed)
    by_lemma: dict[str, list[int]] = {}
    by_word: dict[str, int] = {}
    for i, (p, c) in enumerate(zip(parsed, clauses, strict=True)):
        for w in c.content:
            by_lemma.setdefault(w, []).append(i)
        # Leaving out a word that is no name and no content word ("the" of "the UK") changes
        # nothing a clause gives the comparisons.
        bit = 1 << i
        for word in {x for low, base, a, b, c in p.words if a or b or c for x in (low, base)}:
            by_word[word] = by_word.get(word, 0) | bit
    lower = story.text.replace("\u2019", "'").lower()
    index = _StoryClauses(
        clauses,
        {k: tuple(v) for k, v in by_lemma.items()},
        {s.number: s.text for s in sentences},
        lower,
        frozenset(w.removesuffix("'s") for w in _TOKEN.findall(lower)),
        frozenset(f for c in clauses if c.content for f in c.figures),
        _by_root(by_lemma),
        story_places(story),
        frozenset(w for c in clauses for w in _negated_words(c, 1)),
    )
    return _StoryText(tuple(parsed), index, by_word, word_runs(story.text))


@per_story
def _story_clauses(story: Story, profile: RegionProfile) -> _StoryClauses:
    """The story's clauses without the words the region leaves out: only the clauses that hold
    one of them are read again, and only their content words leave the index."""
    text = _story_text(story)
    skip = _named_words(story.text, profile, text.runs)
    bits = 0
    for w in skip:
        bits |= text.by_word.get(w, 0)
    if not bits:
        return text.index
    hit = [i for i in range(bits.bit_length()) if bits >> i & 1]
    clauses = list(text.index.clauses)
    by_lemma = dict(text.index.by_lemma)
    emptied = False
    for i in hit:
        clause = text.parsed[i].clause(skip)
        for w in clauses[i].content - clause.content:
            left = tuple(k for k in by_lemma[w] if k != i)
            if left:
                by_lemma[w] = left
            else:
                del by_lemma[w]
        emptied = emptied or not clause.content
        clauses[i] = clause
    figures = text.index.figures
    if emptied:  # a clause with no content word left gives the story no figure
        figures = frozenset(f for c in clauses if c.content for f in c.figures)
    return replace(text.index, clauses=tuple(clauses), by_lemma=by_lemma, figures=figures)


def _best(clause: _Clause, index: _StoryClauses) -> tuple[_Clause, float] | None:
    """The story clause that covers most of ``clause``'s content words, and the share covered."""
    counts: dict[int, int] = {}
    for w in clause.content:
        for i in index.by_lemma.get(w, ()):
            counts[i] = counts.get(i, 0) + 1
    if not counts:
        return None
    top = max(counts.values())
    if top < _MIN_SHARED:
        return None
    i = min(k for k, n in counts.items() if n == top)  # of equals, the first clause
    return index.clauses[i], top / len(clause.content)


def _opposite(word: str, told: _Clause, said: frozenset[str]) -> str | None:
    """The story clause's word that ``word`` is the opposite of, if any: in either's derived
    form too ("rejection" against "approved", "rejected" against "approval")."""
    for other in _antonyms(word):
        if other in told.lemmas and other not in said:
            return other
    root = word_root(word)
    of_root = _antonyms(root) if root is not None else _NO_OPPOSITES
    derived = _story_memo(told, "derived", lambda: _by_root(told.lemmas))
    candidates: list[str] = [*_antonyms(word), *of_root]
    for other in candidates:
        if other in said:
            continue
        for form in (other, *derived.get(other, ())):
            if form in told.lemmas and form not in said:
                return form
    for p in _PREFIXES:
        if word.startswith(p) and len(word) - len(p) >= 4:
            stem = word[len(p) :]
            if stem in told.lemmas and stem not in said:
                return stem
        if p + word in told.lemmas and p + word not in said:
            return p + word
    return None


def _by_root(lemmas: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The derived words among ``lemmas``, by the verb or adjective each derives from
    ("approve": ("approval",))."""
    derived: dict[str, list[str]] = {}
    for w in lemmas:
        root = word_root(w)
        if root is not None:
            derived.setdefault(root, []).append(w)
    return {k: tuple(v) for k, v in derived.items()}


# An opposite must sit beside the same word as the story's ("raised its dividend" against "cut
# its dividend"); a negation bears on the next few words.
_NEAR = 1
_NEGATION_REACH = 3


def _near(order: tuple[str, ...], word: str) -> set[str]:
    """The content lemmas nearest ``word`` in a clause: a few on either side."""
    out: set[str] = set()
    for i, w in enumerate(order):
        if w == word:
            out |= _window(order, i, _NEAR)
    return out - {word}


# What a word bears on: the next few content words after it ("increase energy costs").
_OBJECT_REACH = 3


def _after(order: tuple[str, ...], word: str) -> set[str]:
    """The first few content lemmas after each ``word`` in a clause, up to a negation."""
    out: set[str] = set()
    for i, w in enumerate(order):
        if w != word:
            continue
        taken = 0
        for nxt in order[i + 1 :]:
            if nxt == "" or taken == _OBJECT_REACH:
                break
            if nxt not in STOPWORDS:
                out.add(nxt)
                taken += 1
    return out


# Words that join the items of a list: their order is free ("Fable and Mythos").
_JOINERS = word_set("and or nor between both either neither with versus")


def _swapped(
    said: tuple[str, ...], told: tuple[str, ...], names: frozenset[str]
) -> tuple[str, str] | None:
    """Two of the story clause's words that the section exchanges, each in the other's place:
    "a correct input for every output" for "a correct output for every input". After a name,
    a word is the next item of a list of names, whose order is free."""
    told_pairs = set(pairwise(told))
    new = [
        (a, b)
        for a, b in pairwise(said)
        if (a, b) not in told_pairs
        and a
        and a not in _JOINERS
        and a not in names
        and b
        and b not in STOPWORDS
    ]
    for a, x in new:
        for b, y in new:
            if a != b and x != y and (a, y) in told_pairs and (b, x) in told_pairs:
                if a in STOPWORDS and b in STOPWORDS:
                    # Only the small words before them changed places: "came from greenhouse
                    # gases released by burning" for "driven by greenhouse gases from burning".
                    continue
                return x, y
    return None


def _negated_words(clause: _Clause, reach: int) -> set[str]:
    """The words a negation in the clause bears on: the first ``reach`` content words after
    each, up to another negation."""
    return {w for _, words in _negation_groups(clause, reach) for w in words}


# Verbs that forbid what follows their "from": "bar US citizens from supporting" says they may
# not support; and verbs that end what follows them: "to stop repeating the conduct" says "not
# to repeat" it. Read on the story's side only, to excuse a section's negation of that verb;
# never as a negation a section could drop ("stop buying" is no "not buying" a summary must
# keep: read so, it flagged consistent rows).
_FORBIDDING = word_set("bar ban prohibit forbid prevent block stop")
_ENDING = word_set("stop cease")
# Words from a forbidding verb to its "from" ("bar US citizens and permanent residents from").
_FORBID_REACH = 8


def _without(clause: _Clause) -> set[str]:
    """The first content word after each "without" in the clause: "usually without symptoms"
    keeps the story's "causes no symptoms". Read on the section's side only, to keep a story's
    negation; never as a negation a section adds."""
    order = clause.order
    return {
        next((x for x in order[i + 1 :] if x and x not in STOPWORDS), "")
        for i, w in enumerate(order)
        if w == "without"
    } - {""}


def _forbidden(clause: _Clause) -> set[str]:
    """The first content word after each "from" that a forbidding verb governs in the clause,
    and the word right after a verb that ends it."""
    out: set[str] = set()
    order = clause.order
    for i, w in enumerate(order):
        if w in _ENDING and i + 1 < len(order) and order[i + 1] not in STOPWORDS:
            out.add(order[i + 1])  # "stop repeating" ("" after it: a negation, none added)
        if w not in _FORBIDDING:
            continue
        for j in range(i + 1, min(len(order), i + 1 + _FORBID_REACH)):
            if order[j] == "from":
                head = next((x for x in order[j + 1 :] if x and x not in STOPWORDS), None)
                if head is not None:
                    out.add(head)
                break
    return out


# How near a story's negation must stand to the words it is taken to negate, in clause words
# ("parboiled rice and basmati rice were not covered": three words).
_NEGATION_NEAR = 6


def _negation_groups(clause: _Clause, reach: int = _NEGATION_REACH) -> list[tuple[str, set[str]]]:
    """Each negation of the clause as (its first content word, the first ``reach`` content
    words after it, up to another negation); a negation that bears on nothing is left out."""
    groups: list[tuple[str, set[str]]] = []
    for i, w in enumerate(clause.order):
        if w != "":
            continue
        reached: list[str] = []
        for nxt in clause.order[i + 1 :]:
            if nxt == "" or len(reached) == reach:
                break
            if nxt not in STOPWORDS:
                reached.append(nxt)
        if reached:
            groups.append((reached[0], set(reached)))
    return groups


def _negation_near(clause: _Clause, words: set[str]) -> bool:
    """Whether a negation stands within `_NEGATION_NEAR` words of one of ``words`` in the
    clause."""
    order = clause.order
    at = [i for i, w in enumerate(order) if w == ""]
    return any(abs(i - j) <= _NEGATION_NEAR for j, w in enumerate(order) if w in words for i in at)


def _negation_heads(clause: _Clause, word: str) -> set[str]:
    """The first content word after each negation in the clause that bears on ``word`` (has it
    among its `_NEGATION_REACH` words): the verb that negation negates."""
    return {head for head, words in _negation_groups(clause) if word in words}


def _acronym(name: str, text: str) -> bool:
    """Whether ``text`` writes the lower-cased ``name`` in capitals: an acronym is the
    institution check's business."""
    return names_in(text, (name.upper(),))


def _given(name: str, index: _StoryClauses) -> bool:
    """Whether the story gives a name in some form: a story word begins as it does ("Euro" for
    "Euros") or it begins with a story word ("Lyonnais" for "Lyon"), or it names a place the
    story gives ("Portuguese" for Porto, "England" for a story set in the UK)."""
    if any(name[:k] in index.words for k in range(4, len(name))):
        return True
    if gives_place(name, index.places):
        return True
    return (
        re.search(rf"(?<![\w-]){re.escape(name[: max(4, len(name) - 2)])}", index.lower) is not None
    )


def _negated_at(order: tuple[str, ...], i: int) -> bool:
    """Whether a negation bears on the word at position ``i`` (it is among the
    `_NEGATION_REACH` content words after one, as `_negated_words` reads them)."""
    taken = 0
    for j in range(i - 1, -1, -1):
        if order[j] == "":
            return True
        if order[j] not in STOPWORDS:
            taken += 1
            if taken == _NEGATION_REACH:
                return False
    return False


def _negated_in(order: tuple[str, ...], word: str) -> bool:
    """Whether a negation bears on ``word`` anywhere in a clause (`_negated_at`)."""
    return any(_negated_at(order, i) for i, w in enumerate(order) if w == word)


def _fault(said: _Clause, told: _Clause, index: _StoryClauses, undone: set[str]) -> str | None:
    """What ``said`` changes in the story clause ``told`` it restates, or None. A word whose
    opposite a negation undoes is added to ``undone`` (for `_local_fault`)."""
    for word in sorted(said.lemmas - told.lemmas):
        other = _opposite(word, told, said.lemmas)
        # The two words must be about the same thing: they share a neighbour.
        if other and _near(said.order, word) & _near(told.order, other):
            # A negation on one side undoes the opposite: "did not approve the plans" says what
            # "rejected the plans" says, and "fell" what "did not rise" says. That negation is
            # then no added or dropped one either.
            if _negated_in(said.order, word) != _negated_in(told.order, other):
                undone.add(word)
                continue
            return f'says "{word}" where the story says "{other}"'
        # Or the two words bear on the same thing: "increase carbon footprint" for the story's
        # "reduce energy consumption and carbon footprint", where the section keeps "reduce" for
        # another object of the same sentence.
        for other in _antonyms(word):
            if other not in told.lemmas:
                continue
            object_ = _after(said.order, word) & _after(told.order, other)
            if object_ - _after(said.order, other) - _after(told.order, word):
                return f'says "{word}" where the story says "{other}"'
    swap = _swapped(said.order, told.order, said.names | said.proper)
    if swap:
        return f'swaps "{swap[0]}" and "{swap[1]}" from the story\'s wording'
    # A negation bears on the words right after it: "does not offer a trial" against "offers a
    # trial" is added; "not" elsewhere in either sentence is about something else.
    # A story sentence is long and loose ("if you don't know where to start, I recommend
    # Anchor"): only its negated verb itself must reappear for a negation to be dropped.
    # Each negation is compared on its own: a clause may keep the story's one ("refused to give
    # a sample") and add another ("and had not to be restrained").
    said_groups = _negation_groups(said)
    told_groups = _negation_groups(told)
    said_neg = {w for _, words in said_groups for w in words}
    told_neg = {w for _, words in told_groups for w in words}
    if not undone:
        for head, words in said_groups:
            # Where the story negates the same words, a section negating another verb says
            # the same in other words ("it does not apply to basmati rice" for "basmati rice was
            # not covered by the ban"): only a negated verb the story's clause has is an added
            # negation. A story negation further off is about something else ("a trial ... at
            # no cost").
            if words & told_neg:
                continue
            # A story verb that forbids or ends the negated one says the negation
            # (`_forbidden`).
            shared = words & told.lemmas
            if (
                shared
                and head not in _forbidden(told)
                and (head in told.lemmas or not _negation_near(told, shared))
            ):
                return "adds a negation"
        # A section that says the statement is false (`_GAINSAYING`), or says it "without" the
        # word (`_without`), keeps the story's negation.
        kept = _without(said)
        for head, words in told_groups:
            if (
                not words & said_neg
                and head in said.lemmas
                and head not in kept
                and said.lemmas.isdisjoint(_GAINSAYING)
            ):
                return "drops the story's negation"
    # A code, month or weekday the story never gives, where its clause gives another ("Q4" for
    # "Q3"). A numeral the story never gives is the ``number`` check's.
    new_figures = {f for f in said.figures - told.figures if not f[0].isdigit() and f[0] != "$"}
    new_figures -= index.figures
    lost = told.figures - said.figures
    if new_figures and lost:
        return (
            f"gives {', '.join(sorted(new_figures))} where the story gives "
            f"{', '.join(sorted(lost))}"
        )
    # A name the story never gives, where its clause has another: "Sydney" for "Melbourne".
    told_text, said_text = told.text.lower(), said.text.lower()
    # A sentence's first word no lexicon holds is a name too ("Microsoft will pay" for Apple),
    # unless it is a word of a closed class, which the lexicon leaves out ("Because", "Six"),
    # or a city of a country the story gives ("Beijing's foreign ministry" for China's), or a
    # first name before a name the story gives ("Katie Moussouris" for the story's Moussouris).
    first = {
        n
        for n in said.proper - said.names
        if len(n) > 2
        and n.isalpha()
        and n not in _CLOSED_CLASS
        and not in_given_place(n, index.places)
        and not _before_a_story_name(said.text, index)
    }
    new_names = [n for n in sorted(said.names | first) if n not in index.lower]
    lost_names = [n for n in told.names if n not in said_text]
    if (
        len(new_names) == 1
        and len(lost_names) == 1
        and new_names[0] not in told_text
        and not gives_place(new_names[0], index.places)
    ):
        return f"names {new_names[0]} where the story names {lost_names[0]}"
    # A name no story word begins like, in a clause that restates a story clause: "in Paris"
    # for a story set in Lyon. A word of the English lexicon is a common word capitalised by
    # style ("the Marketing Expert"), not a name; in capitals, an acronym is the institution
    # check's. The story may give the name in another form ("Euros" for "Euro"), so a story
    # word that begins as it does counts.
    for name in sorted(new_names):
        if not (
            _acronym(name, said.text)
            or is_common_word(name)
            or name in _shipped_words()
            or _given(name, index)
        ):
            return f"names {name}, which the story never gives"
    return None


_FIRST_TWO = re.compile(r"\W*[\w'-]+\s+([A-Z][\w-]*)")


def _before_a_story_name(text: str, index: _StoryClauses) -> bool:
    """Whether a clause's first word stands before a capitalised word the story gives: a first
    name, a title or a place before the story's name."""
    m = _FIRST_TWO.match(text)
    return m is not None and m.group(1).lower() in index.words


# Words that may open a sentence which lemminflect's lexicon (open classes only) does not hold:
# conjunctions, prepositions, adverbs of linking, number words.
_CLOSED_CLASS = STOPWORDS | word_set(
    """
    because although though unless whereas whilst despite however meanwhile thus therefore hence
    moreover furthermore nevertheless nonetheless otherwise instead besides unlike amid amidst
    toward towards onto via once twice three four five six seven eight nine ten eleven twelve
    twenty thirty forty fifty hundred thousand million billion
    """
)


# A run of capitalised words: a person's or an organisation's name ("Prime Minister Kevin Rudd").


@lru_cache(maxsize=1)
def _shipped_words() -> frozenset[str]:
    """Every word of every shipped profile's names: another region's names are the ``region``
    check's business, not an unsupported name."""
    words: set[str] = set()
    for p in {**builtin_regions(), **pack_regions()}.values():
        words |= _profile_words(p)
    return frozenset(words)


def _unsupported_name(text: str, index: _StoryClauses, skip: frozenset[str]) -> str | None:
    """A name of two or more words, none of which the story, the profile or any shipped profile
    uses: a person or a body the section brings in on its own ("Prime Minister Kevin Rudd" for
    a story about Keir Starmer)."""
    for m in TITLE_RUN.finditer(text):
        words = [w.removesuffix("'s").removesuffix("\u2019s") for w in m.group().split()]
        unknown = [
            w
            for w in words
            if w.lower() not in skip
            and w.lower() not in _shipped_words()
            and w.lower() not in _MONTHS
            and not names_in(index.lower, (w.lower(),))
        ]
        if len(unknown) >= 2:
            return " ".join(unknown)
    return None


# What may stand right before a capitalised word that opens a quotation, an aside or a hyphenated
# name ("' Also", "Saint - Germain"): a capital there is the style of what it opens.
_OPENERS = frozenset("'\"\u2018\u201c([-\u2013\u2014/.!?:;")


def _unsupported_word(text: str, index: _StoryClauses, skip: frozenset[str]) -> str | None:
    """A single capitalised word inside a sentence that the story never gives in any form, nor
    the profile or any shipped profile, beside a name the story gives (`_beside_a_story_name`):
    a name or a title the section swaps in ("the Dolphins" for the story's Saints, "Mrs. Smith"
    for "Mr. Smith"). Lexicon words count too: a team or a title is spelt as a common word.
    A word in capitals is an acronym (the ``institution`` check's), and so is its compound
    ("AI-powered"); a sentence's first word, or a word after a quotation mark, a bracket or a
    dash, is capitalised by position. A name just after a negation ("not by London") is what
    the section says did not happen: it asserts nothing."""
    tokens = list(CLAUSE_TOKEN.finditer(text))
    for n, m in enumerate(tokens):
        word = m.group().removesuffix("'s").removesuffix("\u2019s")
        # "AI-powered" is an acronym's compound, written in capitals like the acronym.
        if not word[0].isupper() or word.split("-")[0].isupper():
            continue
        # Each test below only passes a word over; the set lookups go first, since most
        # capitalised words are the story's or the profile's.
        low = word.lower()
        if low in skip or low in _MONTHS or low in index.words or low in _shipped_words():
            continue
        if any(t.group().lower() in _NEGATION for t in tokens[max(0, n - _NEAR - 1) : n]):
            continue
        before = text[: m.start()].rstrip()
        if not before or before[-1] in _OPENERS:
            continue
        if lemma(low) in index.by_lemma or _given(low, index):
            continue
        if _beside_a_story_name(tokens, n, index):
            # Named whole: "Monetary Policy Committee", not its one word no profile uses.
            run = next(
                (r for r in TITLE_RUN.finditer(text) if r.start() <= m.start() < r.end()), None
            )
            return run.group() if run is not None else word
    return None


def _unsupported_place(text: str, index: _StoryClauses, skip: frozenset[str]) -> str | None:
    """A country, nation or demonym the story never gives in any form (`unknown_places`):
    "Welsh" for a story set in Scotland. Not one just after a negation ("not in New Zealand"):
    what the section says is not involved asserts nothing."""
    for word, start in unknown_places(text, index.places, skip):
        before = CLAUSE_TOKEN.findall(text[max(0, start - _NEGATION_WINDOW) : start])
        if not any(w.lower() in _NEGATION for w in before[-_NEAR - 1 :]):
            return word
    return None


_NEGATION_WINDOW = 30  # characters before a place: enough for the words `_NEAR` reaches


# What may stand between two names of one run or one pairing ("Brighton & Hove", "the Patriots
# and the Dolphins", "Mr. Smith", "Bank of England").
_NAME_JOINERS = word_set("and or the of & de")
_NAME_REACH = 3


def _beside_a_story_name(tokens: list[re.Match[str]], n: int, index: _StoryClauses) -> bool:
    """Whether the word at ``n`` stands in a name or a pairing with a capitalised word the story
    gives: "Bob Dylan" where the story has Bob Ross, "the Patriots and the Dolphins" where it has
    the Patriots and the Saints, "Heathrow Airport". An unknown name on its own ("the
    Glenfinnan area of Glasgow") is as often a true detail the story leaves out."""
    for step in (-1, 1):
        i = n + step
        while 0 < i < len(tokens) and abs(i - n) <= _NAME_REACH:
            word = tokens[i].group().removesuffix("'s").removesuffix("\u2019s")
            if word[0].isupper():
                if word.lower() in index.words:
                    return True
            elif word.lower() not in _NAME_JOINERS:
                break
            i += step
    return False


# A word's setting: the content words this near it on either side. Two settings that share this
# many words put the two words in the same place of the same statement.
_SETTING_REACH = 3
_SETTING_SHARED = 2


def _setting(order: tuple[str, ...], i: int, reach: int = _SETTING_REACH) -> set[str]:
    """The content lemmas within ``reach`` words of position ``i`` (not the word itself)."""
    lo, hi = max(0, i - reach), i + reach + 1
    return {w for w in order[lo:i] + order[i + 1 : hi] if w and w not in STOPWORDS}


def _window(order: tuple[str, ...], i: int, reach: int = _SETTING_REACH) -> set[str]:
    """The ``reach`` content lemmas nearest position ``i`` on either side, across negations
    and function words (not the word itself)."""
    out: set[str] = set()
    for step in (-1, 1):
        found, j = 0, i + step
        while 0 <= j < len(order) and found < reach:
            if order[j] and order[j] not in STOPWORDS:
                out.add(order[j])
                found += 1
            j += step
    out.discard(order[i])
    return out


def _content_setting(order: tuple[str, ...], i: int, count: int) -> tuple[set[str], set[str]]:
    """The ``count`` content lemmas nearest position ``i`` before it and after it, up to a
    negation."""
    sides: tuple[set[str], set[str]] = (set(), set())
    for side, step in zip(sides, (-1, 1), strict=True):
        found, j = 0, i + step
        while 0 <= j < len(order) and found < count and order[j]:
            if order[j] not in STOPWORDS:
                side.add(order[j])
                found += 1
            j += step
    return sides


def _same_place(here: tuple[set[str], set[str]], there: tuple[set[str], set[str]]) -> set[str]:
    """The words two settings share on the same side: "Anthropic restricted access" and
    "access to Mythos was restricted" put the two names in different places."""
    return (here[0] & there[0]) | (here[1] & there[1])


@lru_cache(maxsize=4096)
def _opposites(word: str) -> set[str]:
    """Every word ``word`` is the opposite of: from the list by class, or by a negating prefix.
    One set shared between calls (never changed by a caller); a set as built, not a frozenset
    copy, so the opposites are tried in the order they always were."""
    out = set(_antonyms(word))
    root = word_root(word)
    if root is not None:
        out |= _antonyms(root)  # "reduction" is the opposite of what "reduce" is
    for p in _PREFIXES:
        if word.startswith(p) and len(word) - len(p) >= 4:
            out.add(word[len(p) :])
        out.add(p + word)
    return out


def _story_memo(told: _Clause, key: Hashable, compute: Callable[[], R]) -> R:
    """``compute()`` kept on the story clause under ``key``: a story clause is compared with
    every clause of every section of every region, and its side of a comparison never changes.
    (Two threads may both compute it; both get one value.)"""
    try:
        return told.memo[key]  # type: ignore[no-any-return]
    except KeyError:
        return told.memo.setdefault(key, compute())  # type: ignore[no-any-return]


def _positions(told: _Clause) -> dict[str, tuple[int, ...]]:
    """Where each lemma stands in a story clause."""

    def compute() -> dict[str, tuple[int, ...]]:
        where: dict[str, list[int]] = {}
        for j, w in enumerate(told.order):
            where.setdefault(w, []).append(j)
        return {w: tuple(js) for w, js in where.items()}

    return _story_memo(told, "positions", compute)


def _occurrences(word: str, index: _StoryClauses) -> Iterator[tuple[_Clause, int]]:
    """Each story clause that holds ``word``, with each position it holds it at."""
    for ci in index.by_lemma.get(word, ()):
        told = index.clauses[ci]
        for j in _positions(told).get(word, ()):
            yield told, j


def _settings(word: str, index: _StoryClauses) -> Iterator[tuple[_Clause, set[str]]]:
    """Each story clause that holds ``word``, with the word's setting there."""
    for told, j in _occurrences(word, index):
        yield told, _story_setting(told, j)


def _story_setting(told: _Clause, j: int) -> set[str]:
    """The setting of a story clause's word at position ``j`` (`_setting`)."""
    return _story_memo(told, ("setting", j), lambda: _setting(told.order, j))


# A name in another name's place must share more of its setting, counted in content words:
# names sit among names and function words ("Okafor said on Monday the takeover").
_NAME_SETTING_REACH = 3
_NAME_SETTING_SHARED = 3


def _a_name(word: str, clause: _Clause) -> bool:
    """Whether a clause's word is a name: capitalised there, no common word ("Darling, buy
    some butter"), no pronoun ("I'm") and no acronym (the institution check's)."""
    return (
        (word in clause.proper or word in clause.names)
        and not is_common_word(word)
        and word.split("'")[0] not in STOPWORDS
        and not _acronym(word, clause.text)
    )


def _listed(clause: _Clause, i: int) -> bool:
    """Whether the name at ``i`` is an item of a list of names ("Jon Callas and Katie
    Moussouris"): a list may add a name to the story's, and its items share one setting."""
    names = clause.names | clause.proper
    for step in (-1, 1):
        j = i + step
        while 0 <= j < len(clause.order) and clause.order[j] in names:
            j += step
        if 0 <= j < len(clause.order) and clause.order[j] in ("and", "or"):
            return True
    return False


def _names_at(told: _Clause) -> tuple[tuple[int, str], ...]:
    """Each name of a story clause (`_a_name`), with its position."""

    def compute() -> tuple[tuple[int, str], ...]:
        names = told.names | told.proper  # most clauses have none: `_a_name` is never called
        return tuple((j, w) for j, w in enumerate(told.order) if w in names and _a_name(w, told))

    return _story_memo(told, "names", compute)


def _name_setting(told: _Clause, j: int) -> tuple[set[str], set[str]]:
    """The setting a name in a story clause's position ``j`` would have (`_content_setting`)."""
    return _story_memo(
        told, ("name setting", j), lambda: _content_setting(told.order, j, _NAME_SETTING_REACH)
    )


def _name_in_place(
    word: str, i: int, said: _Clause, index: _StoryClauses
) -> tuple[str, int] | None:
    """Another name of the story where the section puts ``word``: "Johnson said" for the
    story's "Smith said", the story never giving ``word`` in that setting."""
    if not _a_name(word, said) or _listed(said, i):
        return None
    # The whole name the word belongs to ("Rosie O'Donnell"): a story clause that gives any of
    # it is about the same person.
    run = {word}
    for step in (-1, 1):
        j = i + step
        while 0 <= j < len(said.order) and said.order[j] in said.names | said.proper:
            run.add(said.order[j])
            j += step
    here = _content_setting(said.order, i, _NAME_SETTING_REACH)
    own: list[tuple[set[str], set[str]]] | None = None  # the word's settings in the story
    seen: set[int] = set()
    for near in here[0] | here[1]:
        for ci in index.by_lemma.get(near, ()):
            if ci in seen:
                continue
            seen.add(ci)
            told = index.clauses[ci]
            if run & told.lemmas:
                continue
            for j, other in _names_at(told):
                if other in said.lemmas:
                    continue
                there = _name_setting(told, j)
                shared = _same_place(here, there) - {word, other}
                if len(shared) < _NAME_SETTING_SHARED:
                    continue
                if own is None:
                    own = [
                        _name_setting(mine, k)
                        for mi in index.by_lemma.get(word, ())
                        for mine in (index.clauses[mi],)
                        for k in _positions(mine).get(word, ())
                    ]
                if not any(len(_same_place(here, s)) >= _SETTING_SHARED for s in own):
                    return f"names {word} where the story names {other}", told.sentence
    return None


# Pairs that one event gives to its two sides: "City won" is "United lost" with the sides
# swapped, which the words around the verb cannot tell apart.
_RECIPROCAL: dict[str, set[str]] = {}
for _pair in (
    "win lose",
    "buy sell",
    "buyer seller",
    "borrower lender",
    "winner loser",
    "import export",
    "gain lose",
    "gain loss",
    "attack defend",
    "ahead behind",
):
    _a, _b = _pair.split()
    _RECIPROCAL.setdefault(_a, set()).add(_b)
    _RECIPROCAL.setdefault(_b, set()).add(_a)


def _forms(word: str, index: _StoryClauses) -> tuple[str, ...]:
    """``word`` and the story's lemmas derived from it ("reduce": "reduction")."""
    return (word, *index.derived.get(word, ()))


def _family(word: str, index: _StoryClauses) -> set[str]:
    """``word``'s family in the story: the word, what it derives from, and what the story
    derives from either ("reduction" and "reduce")."""
    root = word_root(word) or word
    return {word, root, *index.derived.get(root, ())}


# A word's close setting: its nearest content words on each side, however many function words
# and asides stand between ("voice recognition of course is hard to learn" against "voice
# recognition being easy to learn"), each side kept apart so words that merely sit near both
# ("early access to Mythos" against "access to Mythos and later expanded") are no match.
_CLOSE_REACH = 2


def _close_setting(told: _Clause, j: int) -> tuple[set[str], set[str]]:
    """The close setting of a story clause's word at position ``j``."""
    return _story_memo(
        told, ("close setting", j), lambda: _content_setting(told.order, j, _CLOSE_REACH)
    )


def _close(told: _Clause, j: int) -> set[str]:
    """Both sides of a story word's close setting, as one set (`_close_setting`)."""
    before, after = _close_setting(told, j)
    return before | after


def _opposite_in_place(
    word: str, i: int, said: _Clause, index: _StoryClauses, undone: set[str]
) -> tuple[str, int] | None:
    """An opposite of the section's word at ``i`` (or a form the story derives from one:
    "reduction" for "reduce") in the word's setting in the story, where the story never puts
    the word's own family in that setting. Two settings are tried in turn: the words within a
    few places (`_setting`), and the nearest content words side by side (`_close_setting`).
    A word whose opposite a negation undoes there is added to ``undone``."""
    exclude = said.lemmas | _RECIPROCAL.get(word, set())
    others = [
        other
        for opposite in _opposites(word) - exclude
        for other in _forms(opposite, index)
        if other in index.by_lemma  # most opposites are in no story clause
    ]
    if not others:
        return None
    here = _setting(said.order, i)
    close = _content_setting(said.order, i, _CLOSE_REACH)
    for near in (True, False):
        if len(here if near else close[0] | close[1]) < _SETTING_SHARED:
            continue
        setting = _story_setting if near else _close
        own: list[set[str]] | None = None  # the settings of the word's family, when needed
        for other in others:
            for told, j in _occurrences(other, index):
                if near:
                    shared = here & _story_setting(told, j)
                else:
                    shared = _same_place(close, _close_setting(told, j))
                shared -= {word, other}
                if len(shared) < _SETTING_SHARED:
                    continue
                # A negation on one side undoes the opposite (`_fault`).
                if _negated_at(said.order, i) != _negated_at(told.order, j):
                    undone.add(word)
                    continue
                if own is None:
                    own = [
                        setting(mine, k)
                        for f in _family(word, index)
                        for mine, k in _occurrences(f, index)
                    ]
                if not any(shared & s for s in own):
                    return f'says "{word}" where the story says "{other}"', told.sentence
    return None


def _local_fault(said: _Clause, index: _StoryClauses, undone: set[str]) -> tuple[str, int] | None:
    """An opposite or an added negation found by the words around it, wherever the statement
    sits in the story: a section clause that folds several story sentences into one aligns with
    none of them as a whole. The story must never use the section's word (or its family, for an
    opposite) in that setting. ``undone``: the words whose opposite a negation undoes, found so
    far (`_fault`); those `_opposite_in_place` finds are added."""
    negated = _negated_words(said, _NEGATION_REACH)
    for i, word in enumerate(said.order):
        if not word or word in STOPWORDS:
            continue
        if word in said.proper or word in said.names:
            swapped = _name_in_place(word, i, said, index)
            if swapped:
                return swapped
        # Neither an opposite nor the negated word is in any story clause: nothing below can
        # fire, so the word's setting is not read (a rule added below must widen this test).
        negation = word in negated and word in index.by_lemma
        # A clause with no negation of its own, on a word the story negates: "no men were
        # arrested" and "men were not arrested" say one thing.
        # Nor a section that says the statement is false (`_GAINSAYING`), or says it "without"
        # the word ("usually without symptoms" for "causes no symptoms", `_without`).
        dropped = (
            not negated
            and word in index.negated
            and said.lemmas.isdisjoint(_GAINSAYING)
            and word not in _without(said)
        )
        if (
            not negation
            and not dropped
            and index.by_lemma.keys().isdisjoint(_opposites(word))
            and index.derived.keys().isdisjoint(_opposites(word))
        ):
            continue
        opposite = _opposite_in_place(word, i, said, index, undone)
        if opposite:
            return opposite
        if dropped:
            found = _dropped_negation(word, i, said, index)
            if found is not None:
                return "drops the story's negation", found
        here = _setting(said.order, i)
        if negation and len(here) >= _SETTING_SHARED:
            for told, _ in _settings(word, index):
                if word in _negated_words(told, _NEGATION_REACH) or word in _forbidden(told):
                    return None  # the story negates it somewhere: compared by alignment only
            # The story may negate the same verb in that setting, the section only moving the
            # words around it ("remedies were not decided and will be set in a later phase" for
            # "the judge did not decide on remedies, which will be set in a later phase"): the
            # negation is then the story's. The word right after the negation that bears on
            # ``word`` must be one the story negates there.
            heads = _negation_heads(said, word)
            if heads & undone:
                continue  # "did not fall" for "rose": the negation is the opposite's
            for told, there in _settings(word, index):
                if len(here & there) >= _SETTING_SHARED:
                    if heads & _negated_words(told, 1):
                        return None
                    # A story negation beside the word, said with another verb (`_fault`).
                    if not heads & told.lemmas and _negation_near(told, {word}):
                        return None
                    return f'adds a negation to "{word}"', told.sentence
    return None


# Verbs that say a statement is false: "disputes that it demonstrated a jailbreak" says what
# "said it did not demonstrate a jailbreak" says, with no negation to read.
_GAINSAYING = word_set("deny dispute doubt question reject refute contest challenge")


def _dropped_negation(word: str, i: int, said: _Clause, index: _StoryClauses) -> int | None:
    """The story sentence that negates ``word`` in its setting where the section says it with
    no negation ("the club signed the striker" for "the club did not sign the striker", folded
    with other sentences), or None. The negation must stand right before the story's word, and
    the story must never say the word without one in that setting."""
    here = _window(said.order, i)
    if len(here) < _SETTING_SHARED:
        return None
    found: int | None = None
    for told, j in _occurrences(word, index):
        there = _story_memo(told, ("window", j), lambda: _window(told.order, j))  # noqa: B023
        if len(here & there) < _SETTING_SHARED:
            continue
        if not _negation_right_before(told.order, j):
            return None
        if found is None:
            found = told.sentence
    return found


def _negation_right_before(order: tuple[str, ...], j: int) -> bool:
    """Whether a negation stands right before the word at ``j``, only function words between."""
    for k in range(j - 1, -1, -1):
        if order[k] == "":
            return True
        if order[k] not in STOPWORDS:
            return False
    return False


def _contradiction(text: str, fault: str, number: int, index: _StoryClauses) -> Finding:
    """A `paraphrase` error: what ``text`` changes, quoting the story sentence ``number``."""
    source = shorten(index.texts[number], _QUOTE_LIMIT)
    return Finding(
        "paraphrase", "error", f'"{shorten(text, 80)}" {fault}: [{number}] "{source}"', text
    )


def check_paraphrase(body: str, story: Story, profile: RegionProfile) -> list[Finding]:
    """The ``paraphrase`` findings for a section body against its story."""
    index = _story_clauses(story, profile)
    skip = _profile_words(profile) | _remit_names(profile)
    named = _named_words(body, profile)
    findings: list[Finding] = []
    for sentence in split_sentences(body):
        name = _unsupported_name(sentence.text, index, skip)
        if name:
            findings.append(
                Finding(
                    "paraphrase",
                    "error",
                    f'"{shorten(sentence.text, 80)}" names {name}, which neither the story nor '
                    "the region profile gives: no story sentence supports it.",
                    name,
                )
            )
            continue
        for clause in _clauses(sentence.text, 0, named):
            if len(clause.content) < _MIN_SHARED:
                continue
            found = _best(clause, index)
            fault, sentence_number = None, 0
            undone: set[str] = set()
            if found is not None and found[1] >= _MIN_COVERAGE:
                fault, sentence_number = _fault(clause, found[0], index, undone), found[0].sentence
            if fault is None:
                local = _local_fault(clause, index, undone)
                if local is None:
                    continue
                fault, sentence_number = local
            findings.append(_contradiction(clause.text, fault, sentence_number, index))
            break  # one finding a sentence: the first change is enough to send it back
        else:
            # A story's figure or date put where the story gives another (`_misplaced`).
            # Or a role the story gives another person, or the person another (`_roles`).
            misplaced = misplaced_value(sentence.text, story) or swapped_role(sentence.text, story)
            if misplaced is not None:
                fault, sentence_number = misplaced
                findings.append(_contradiction(sentence.text, fault, sentence_number, index))
                continue
            # No clause restates a story clause with a change: a lone name nobody gives is
            # still an invention, reported as unsupported.
            word = _unsupported_word(sentence.text, index, skip) or _unsupported_place(
                sentence.text, index, skip
            )
            if word:
                findings.append(
                    Finding(
                        "paraphrase",
                        "error",
                        f'"{shorten(sentence.text, 80)}" names {word}, which neither the story '
                        "nor the region profile gives: no story sentence supports it.",
                        word,
                    )
                )
    return findings
