"""Paraphrase faults: a section clause that restates a story clause but changes what it says.

The ``paraphrase`` check (error). Each clause of a section (split at semicolons, colons and
clause-joining conjunctions) is aligned with the story clause that shares most of its content
words (lemmas, `localize.text._lemmas`); where the two say nearly the same thing, the section
clause is compared with it word by word. Reported, each with the story sentence it contradicts:

- an antonym: "raised" where the story clause says "cut", "unspecified" for "specified" (the
  two words beside the same word, so two predicates of one long sentence are not confused);
- an added or dropped negation: "does not offer a trial" for "offers a trial" (the negated
  word itself must be the story clause's);
- a swapped period or date: "Q4" for "Q3", "the first quarter" for "the third quarter", a year
  or a month the story never gives (a numeral the story never gives is the ``number`` check's);
- a swapped name: a name the story never gives where the story clause has another.

And, sentence by sentence, a fact no story or profile sentence gives: a name of two or more
words that neither the story nor any shipped profile uses ("Prime Minister Kevin Rudd").

Alignment is by lemma overlap only, so a clause that merely shares a few words with the story is
never compared: what it adds is the ``support`` check's business. Names and words of the region
profile are left out of the comparison; a section names its region's bodies by design. Opposites
come from a list by class (no antonym lexicon that ships its data installs from our registries:
WordNet's need a download at run time); lemmas from lemminflect's tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from localize.grounding._analysis import per_story
from localize.grounding._findings import Finding, shorten
from localize.grounding._names import entry_names, names_in
from localize.regions import RegionProfile, builtin_regions, pack_regions
from localize.story import Story
from localize.text import STOPWORDS, lemma, split_sentences, story_sentences, word_set
from localize.text._words import CLAUSE_TOKEN, TITLE_RUN

__all__ = ["check_paraphrase"]

# Clause boundaries: a semicolon, a colon, a dash, or a comma/space before a conjunction that
# opens a new clause. Plain commas are kept: they mostly separate the items of a list.
_CLAUSE_SPLIT = re.compile(
    r"\s*[;:\u2014\u2013]\s*|,?\s+(?:but|while|whereas|although|though|yet)\s+|,\s+and\s+"
)
_TOKEN = CLAUSE_TOKEN
# "without" and "lack" are left out: "without the models" restates a loss, it negates nothing.
_NEGATION = word_set("not no never none nor neither cannot nothing nobody")
# "not only", "not just": an addition, not a negation.
_NOT_A_NEGATION = re.compile(r"\bnot\s+(?:only|just|least|merely|simply)\b", re.IGNORECASE)
_NEGATION_SUFFIX = ("n't", "n\u2019t")

# Opposites by class: direction, size, quantity, outcome, stance, position in time or space.
_OPPOSITES = (
    "increase decrease|increase reduce|increase cut|increase lower|rise fall|rise drop|"
    "rise decline|raise cut|raise lower|raise reduce|grow shrink|grow decline|expand shrink|"
    "expand contract|expand restrict|widen restrict|gain lose|gain loss|profit loss|up down|"
    "high low|high lower|more less|more few|many few|much less|much little|above below|"
    "over under|maximum minimum|majority minority|"
    "positive negative|strong weak|strengthen weaken|improve worsen|improve deteriorate|"
    "accelerate slow|fast slow|early late|first last|before after|begin end|start end|"
    "start stop|beginning end|open close|win lose|success failure|succeed fail|approve reject|"
    "accept reject|accept decline|allow prohibit|allow forbid|allow ban|permit prohibit|"
    "include exclude|add remove|enable disable|lift impose|tighten ease|tighten loosen|"
    "support oppose|agree disagree|confirm deny|same different|public private|inside outside|"
    "within outside|input output|internal external|domestic foreign|import export|"
    "buy sell|hire fire|easy hard|easy difficult|simple complex|cheap expensive|large small|"
    "big small|long short|wide narrow|old young|old new|rich poor|safe dangerous|"
    "temporary permanent|always never|all none|optimistic pessimistic|benefit harm|help hurt|"
    "ahead behind|surplus deficit|upgrade downgrade|inflow outflow|asset liability|"
    "explicit implicit|absent present|presence absence|lowest highest|best worst|better worse|"
    "good bad|right wrong|true false|useful useless|major minor|upper lower|north south|"
    "east west|left right|men women|male female|buyer seller|borrower lender|winner loser|"
    "global local|strict lenient|formal informal|active passive|offensive defensive|attack defend"
)
_PAIRS: dict[str, set[str]] = {}
for _pair in _OPPOSITES.split("|"):
    _a, _b = _pair.split()
    _PAIRS.setdefault(_a, set()).add(_b)
    _PAIRS.setdefault(_b, set()).add(_a)
# Negating prefixes: "unspecified" against "specified", "indirect" against "direct".
_PREFIXES = ("un", "in", "im", "ir", "il", "dis", "non", "non-")

_MONTHS = word_set(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday"
)
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


def _clauses(
    text: str, sentence: int, skip: frozenset[str], *, split: bool = True
) -> Iterator[_Clause]:
    text = text.replace("\u2019", "'")
    for part in _CLAUSE_SPLIT.split(text) if split else (text,):
        tokens = list(_TOKEN.finditer(_NOT_A_NEGATION.sub("also", part)))
        if not tokens:
            continue
        lemmas: set[str] = set()
        content: set[str] = set()
        figures: set[str] = set()
        names: set[str] = set()
        order: list[str] = []
        for n, m in enumerate(tokens):
            word = m.group()
            if word.endswith("'s"):
                word = word[:-2]
            low = word.lower()
            if low in _NEGATION or low.endswith(_NEGATION_SUFFIX):
                order.append("")
            if _CODE.fullmatch(low):
                figures.add(low)  # a year, a quarter: a date, compared like a month
                continue
            if word[0] in "$0123456789":
                # "02" is a list's numbering or a time, not a quantity a section restates.
                if not word.startswith("0"):
                    figures.add(word.rstrip("%").replace(",", ""))
                continue
            if low in _MONTHS or low in _ORDINALS:
                figures.add(low)
            base = lemma(word)
            lemmas.add(base)
            if not (low in _NEGATION or low.endswith(_NEGATION_SUFFIX)):
                order.append(base)
            if low in skip or base in skip:
                continue
            if word[0].isupper() and n > 0 and low not in _MONTHS:
                names.add(low)
            if low not in STOPWORDS and low not in _NEGATION:
                content.add(base)
        yield _Clause(
            sentence,
            part.strip(),
            frozenset(lemmas),
            frozenset(content),
            tuple(order),
            frozenset(figures),
            frozenset(names),
        )


@lru_cache(maxsize=64)
def _profile_words(profile: RegionProfile) -> frozenset[str]:
    """The region's own names and its bodies' and laws' words: left out of every comparison."""
    words: set[str] = set()
    for line in (profile.name, *profile.aliases, *profile.audience.split(",")):
        words.update(w.lower() for w in _TOKEN.findall(line))
    for inst in profile.institutions:
        for n in (inst.name, inst.acronym, *inst.aliases):
            words.update(w.lower() for w in _TOKEN.findall(n or ""))
    for law in profile.laws:
        for n in (law.name, law.short_name, *law.aliases):
            words.update(w.lower() for w in _TOKEN.findall(n or ""))
    return frozenset(words | {lemma(w) for w in words})


@lru_cache(maxsize=64)
def _entry_words(profile: RegionProfile) -> tuple[tuple[str, frozenset[str]], ...]:
    """Each name of the profile's bodies and laws, with the words of all of that entry's names."""
    named: list[tuple[str, frozenset[str]]] = []
    for name, entry in entry_names(profile):
        words = {w.lower() for n in entry for w in _TOKEN.findall(n)}
        named.append((name, frozenset(words | {lemma(w) for w in words})))
    return tuple(named)


def _named_words(text: str, profile: RegionProfile) -> frozenset[str]:
    """The words left out of comparing ``text``: its region's names, and the names of the bodies
    and laws the text itself names. A profile across every beat holds so many names that all
    their words would leave little to compare ("revenue" from HM Revenue and Customs)."""
    base = {
        w.lower()
        for line in (profile.name, *profile.aliases, *profile.audience.split(","))
        for w in _TOKEN.findall(line)
    }
    words = set(base) | {lemma(w) for w in base}
    for name, entry in _entry_words(profile):
        if names_in(text, (name,)):
            words |= entry
    return frozenset(words)


@dataclass(frozen=True, slots=True)
class _StoryClauses:
    clauses: tuple[_Clause, ...]
    by_lemma: dict[str, tuple[int, ...]]  # content lemma -> indexes of the clauses holding it
    texts: dict[int, str]  # sentence number -> text
    lower: str  # the whole story, lower-cased with straight apostrophes


@per_story
def _story_clauses(story: Story, profile: RegionProfile) -> _StoryClauses:
    skip = _named_words(story.text, profile)
    # Each clause, and each sentence whole: a section clause may restate one story clause or
    # fold a whole sentence into fewer words.
    clauses = tuple(
        c
        for s in story_sentences(story)
        for split in (True, False)
        for c in _clauses(s.text, s.number, skip, split=split)
        if c.content
    )
    by_lemma: dict[str, list[int]] = {}
    for i, c in enumerate(clauses):
        for w in c.content:
            by_lemma.setdefault(w, []).append(i)
    texts = {s.number: s.text for s in story_sentences(story)}
    lower = story.text.replace("\u2019", "'").lower()
    return _StoryClauses(clauses, {k: tuple(v) for k, v in by_lemma.items()}, texts, lower)


def _best(clause: _Clause, index: _StoryClauses) -> tuple[_Clause, float] | None:
    """The story clause that covers most of ``clause``'s content words, and the share covered."""
    counts: dict[int, int] = {}
    for w in clause.content:
        for i in index.by_lemma.get(w, ()):
            counts[i] = counts.get(i, 0) + 1
    if not counts:
        return None
    i = max(counts, key=lambda k: (counts[k], -k))
    if counts[i] < _MIN_SHARED:
        return None
    return index.clauses[i], counts[i] / len(clause.content)


def _opposite(word: str, told: frozenset[str], said: frozenset[str]) -> str | None:
    """The story clause's word that ``word`` is the opposite of, if any."""
    for other in _PAIRS.get(word, ()):
        if other in told and other not in said:
            return other
    for p in _PREFIXES:
        if word.startswith(p) and len(word) - len(p) >= 4:
            root = word[len(p) :]
            if root in told and root not in said:
                return root
        if p + word in told and p + word not in said:
            return p + word
    return None


# An opposite must sit beside the same word as the story's ("raised its dividend" against "cut
# its dividend"); a negation bears on the next few words.
_NEAR = 1
_NEGATION_REACH = 3


def _near(order: tuple[str, ...], word: str) -> set[str]:
    """The content lemmas nearest ``word`` in a clause: a few on either side."""
    out: set[str] = set()
    for i, w in enumerate(order):
        if w != word:
            continue
        for step in (-1, 1):
            found, j = 0, i + step
            while 0 <= j < len(order) and found < _NEAR:
                if order[j] and order[j] not in STOPWORDS:
                    out.add(order[j])
                    found += 1
                j += step
    return out - {word}


def _negated_words(clause: _Clause, reach: int) -> set[str]:
    """The words a negation in the clause bears on: the first ``reach`` content words after
    each."""
    out: set[str] = set()
    for i, w in enumerate(clause.order):
        if w != "":
            continue
        taken = 0
        for nxt in clause.order[i + 1 :]:
            if nxt == "" or taken == reach:
                break
            if nxt not in STOPWORDS:
                out.add(nxt)
                taken += 1
    return out


def _fault(said: _Clause, told: _Clause, story_text: str) -> str | None:
    """What ``said`` changes in the story clause ``told`` it restates, or None."""
    for word in sorted(said.lemmas - told.lemmas):
        other = _opposite(word, told.lemmas, said.lemmas)
        # The two words must be about the same thing: they share a neighbour.
        if other and _near(said.order, word) & _near(told.order, other):
            return f'says "{word}" where the story says "{other}"'
    # A negation bears on the words right after it: "does not offer a trial" against "offers a
    # trial" is added; "not" elsewhere in either sentence is about something else.
    # A story sentence is long and loose ("if you don't know where to start, I recommend
    # Anchor"): only its negated verb itself must reappear for a negation to be dropped.
    said_neg = _negated_words(said, _NEGATION_REACH)
    told_neg = _negated_words(told, _NEGATION_REACH)
    if not said_neg & told_neg:
        if said_neg & told.lemmas:
            return "adds a negation"
        if _negated_words(told, 1) & said.lemmas:
            return "drops the story's negation"
    # A code, month or weekday the story never gives, where its clause gives another ("Q4" for
    # "Q3"). A numeral the story never gives is the ``number`` check's.
    new_figures = {f for f in said.figures - told.figures if not f[0].isdigit() and f[0] != "$"}
    new_figures = {f for f in new_figures if f not in story_text}
    lost = told.figures - said.figures
    if new_figures and lost:
        return (
            f"gives {', '.join(sorted(new_figures))} where the story gives "
            f"{', '.join(sorted(lost))}"
        )
    # A name the story never gives, where its clause has another: "Sydney" for "Melbourne".
    told_text, said_text = told.text.lower(), said.text.lower()
    new_names = [n for n in said.names if n not in story_text]
    lost_names = [n for n in told.names if n not in said_text]
    if len(new_names) == 1 and len(lost_names) == 1 and new_names[0] not in told_text:
        return f"names {new_names[0]} where the story names {lost_names[0]}"
    return None


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


def check_paraphrase(body: str, story: Story, profile: RegionProfile) -> list[Finding]:
    """The ``paraphrase`` findings for a section body against its story."""
    index = _story_clauses(story, profile)
    skip = _profile_words(profile)
    named = _named_words(body, profile)
    findings: list[Finding] = []
    for sentence in split_sentences(body):
        name = _unsupported_name(sentence.text, index, skip)
        if name:
            findings.append(
                Finding(
                    "paraphrase",
                    "error",
                    f'"{shorten(sentence.text, 80)}" names {name}, whom neither the story nor '
                    "the region profile names: no story sentence supports it.",
                    name,
                )
            )
            continue
        for clause in _clauses(sentence.text, 0, named):
            if len(clause.content) < _MIN_SHARED:
                continue
            found = _best(clause, index)
            if found is None or found[1] < _MIN_COVERAGE:
                continue
            told, _ = found
            fault = _fault(clause, told, index.lower)
            if fault is None:
                continue
            source = shorten(index.texts[told.sentence], _QUOTE_LIMIT)
            findings.append(
                Finding(
                    "paraphrase",
                    "error",
                    f'"{shorten(clause.text, 80)}" {fault}: [{told.sentence}] "{source}"',
                    clause.text,
                )
            )
            break  # one finding a sentence: the first change is enough to send it back
    return findings
