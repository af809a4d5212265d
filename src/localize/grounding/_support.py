"""Support: which story sentences and profile entries each section sentence rests on.

Two sources of links, one result (`SentenceLink` per section sentence):

- the model's citations (structured ``sources`` or inline ``[3]`` markers), verified: the cited
  story sentences must hold the story names and figures the section sentence uses, else the
  citation is reported and the aligner's links are used instead;
- a deterministic aligner for sentences without a citation (text mode, weak models, sections
  written by people): content words, crudely stemmed and weighted by how rare they are in the
  story, scored by how much of the section sentence a story sentence covers.

The ``support`` check (warning) reports a sentence with neither a supporting story sentence nor
a profile entry, and a citation that does not hold what the sentence says.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache, partial
from typing import Any, Literal, cast

from localize.grounding._analysis import per_story
from localize.grounding._figures import scan_figures
from localize.grounding._findings import Finding, shorten
from localize.grounding._names import FirstWords, find_whole, spaced_alternation
from localize.grounding.attribution._checks import SectionActs, reported_in
from localize.regions import RegionProfile
from localize.story import Story
from localize.text import (
    STOPWORDS,
    Citation,
    Sentence,
    fold,
    sentence_initial,
    split_sentences,
    story_sentences,
    word_runs,
)
from localize.text._words import CONTENT_WORD, NAME_WORD, bare_word

__all__ = ["SentenceLink", "StoryIndex", "link_sentences", "profile_entries", "story_index"]

Via = Literal["citation", "aligner", "none"]

# Share of a section sentence's (weighted) content words a story sentence must cover to support
# it, and the fewest shared content words.
_MIN_COVERAGE = 0.3
_MIN_SHARED = 2
_MIN_JOINT_COVERAGE = 0.2
_MAX_SOURCES = 3
# Number words below this are read as their numerals ("seven" as "7").
_WORDED = 100
# Characters of a section sentence quoted in a message.
_QUOTE_LIMIT = 80

_STOPWORDS = STOPWORDS
_SUFFIXES = (
    "ational",
    "ations",
    "ation",
    "ments",
    "ment",
    "ities",
    "ity",
    "ings",
    "ing",
    "ies",
    "ied",
    "ers",
    "er",
    "ed",
    "es",
    "ly",
    "s",
)


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """A crude, consistent stem: "vulnerabilities" and "vulnerability" -> "vulnerabil"."""
    w = bare_word(word)
    if len(w) <= 4 or w.isdigit():
        return w
    for suffix in _SUFFIXES:
        if suffix == "s" and w.endswith(("ss", "us", "is")):
            break  # "access", "status", "analysis"
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            w = w[: -len(suffix)]
            break
    return w[:-1] if w.endswith("e") and len(w) > 5 else w


def _content_stems(text: str) -> frozenset[str]:
    """The stems of a text's content words (stop words dropped)."""
    stems = set(map(_content_stem, CONTENT_WORD.findall(text)))
    stems.discard(None)
    return cast(frozenset[str], frozenset(stems))


@lru_cache(maxsize=16384)
def _content_stem(word: str) -> str | None:
    # Kept per word: a story's words are mostly ones the stories before it used.
    if word.lower().strip("'\u2019") in _STOPWORDS:
        return None
    # A small number in words is the story's numeral: "the vote was seven to two" rests on
    # "the board voted 7-2".
    if word.replace("-", "").isalpha():  # "seven", "seventy-six"
        for fig in scan_figures(word):
            if fig.value == fig.value.to_integral_value() and 0 <= fig.value < _WORDED:
                return str(int(fig.value))
    return stem(word)


@lru_cache(maxsize=16384)
def _folded_word(word: str) -> str:
    """A word folded as `fold` folds it, without the frame of spaces (kept per word)."""
    return fold(word).strip()


@dataclass(frozen=True, slots=True)
class SentenceLink:
    """One section sentence and what it rests on."""

    number: int
    text: str
    start: int
    end: int
    sources: tuple[int, ...]  # story sentence numbers that support it
    cited: tuple[int, ...]  # what the model cited (empty when it cited nothing)
    via: Via  # where ``sources`` came from
    profile: tuple[str, ...]  # profile entries it uses: "institution: ...", "law: ...", ...
    source_texts: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "sources": [
                {"id": n, "text": t} for n, t in zip(self.sources, self.source_texts, strict=True)
            ],
            "cited": list(self.cited),
            "via": self.via,
            "profile": list(self.profile),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SentenceLink:
        sources = data.get("sources") or []
        return cls(
            number=int(data["number"]),
            text=str(data["text"]),
            start=int(data.get("start", -1)),
            end=int(data.get("end", -1)),
            sources=tuple(int(s["id"]) for s in sources),
            cited=tuple(int(c) for c in data.get("cited") or ()),
            via=data.get("via", "none"),
            profile=tuple(str(p) for p in data.get("profile") or ()),
            source_texts=tuple(str(s["text"]) for s in sources),
        )


@dataclass(frozen=True, slots=True)
class StoryIndex:
    """A story's numbered sentences with what the aligner and the verifier search in them."""

    sentences: tuple[Sentence, ...]
    stems: tuple[frozenset[str], ...]
    folded: tuple[str, ...]
    idf: dict[str, float]
    names: frozenset[str]  # folded capitalised words and acronyms that occur in the story
    rare: float  # the weight of a word the story does not use: above any of its own
    # stem -> the (0-based) sentences that use it: a section sentence is scored against the
    # sentences it shares a word with, found from its own words, not by trying every one.
    postings: dict[str, tuple[int, ...]]

    def text_of(self, number: int) -> str:
        return self.sentences[number - 1].text

    def weight(self, words: Iterable[str]) -> float:
        """The summed idf of ``words``.

        fsum: a sum over a set in hash order would differ in its last bits from run to run, and
        so would the order of two sentences that cover a section sentence equally.
        """
        return math.fsum(self.idf.get(w, self.rare) for w in words)


def _name_words(text: str) -> Iterator[tuple[int, str]]:
    for m in NAME_WORD.finditer(text):
        word = m.group().rstrip(".")
        if word.endswith(("'s", "\u2019s")):
            word = word[:-2]
        yield m.start(), word


@per_story
def story_index(story: Story) -> StoryIndex:
    sentences = story_sentences(story)
    stems = tuple(_content_stems(s.text) for s in sentences)
    postings: dict[str, list[int]] = {}
    for i, group in enumerate(stems):
        for w in group:
            postings.setdefault(w, []).append(i)
    n = len(sentences)
    idf = {w: math.log((n + 1) / (len(at) + 1)) + 1.0 for w, at in postings.items()}
    names = frozenset(
        _folded_word(w)
        for s in sentences
        for pos, w in _name_words(s.text)
        if not sentence_initial(s.text, pos) or w.isupper()
    )
    rare = max(idf.values(), default=1.0) + 1.0
    folded = tuple(fold(s.text) for s in sentences)
    held = {w: tuple(at) for w, at in postings.items()}
    return StoryIndex(sentences, stems, folded, idf, names, rare, held)


@dataclass(frozen=True, slots=True)
class _ProfileIndex:
    entries: tuple[tuple[str, re.Pattern[str]], ...]  # label, pattern that finds it
    region_words: frozenset[str]  # stems of words that name the region
    # Stems of the words that name each institution, by label. Only the names a sentence uses
    # are set aside when aligning it: a profile with a hundred bodies names most subjects
    # ("Food", "Safety", "Data"), and a sentence that names none of them keeps those words.
    entry_words: dict[str, frozenset[str]]
    # The entries by their names' leading words: a sentence names a few of a profile's hundred
    # entries, and only those whose names it may hold are searched (see `FirstWords`).
    first_words: FirstWords

    def named(self, text: str) -> tuple[str, ...]:
        """The labels of the entries ``text`` names, in the profile's order."""
        return tuple(
            self.entries[i][0]
            for i in self.first_words.candidates(word_runs(text))
            if find_whole(self.entries[i][1], text) is not None
        )

    def words(self, named: Iterable[str]) -> frozenset[str]:
        """The stems a text naming the entries ``named`` uses to name the region or them."""
        return self.region_words.union(*(self.entry_words.get(n, frozenset()) for n in named))


def _entry_pattern(names: Sequence[str]) -> re.Pattern[str]:
    body = spaced_alternation(sorted(names, key=len, reverse=True))
    # Whole names: `find_whole` tests what a leading (?<![\w-]) would.
    return re.compile(rf"(?:{body})(?:['\u2019]s)?(?![\w-])")


@lru_cache(maxsize=32)
def _profile_index(profile: RegionProfile) -> _ProfileIndex:
    named: list[tuple[str, list[str]]] = []
    entry_words: dict[str, frozenset[str]] = {}
    for inst in profile.institutions:
        names = [inst.name, inst.acronym or "", *inst.aliases]
        label = f"institution: {inst.name}"
        named.append((label, names))
        entry_words[label] = frozenset().union(*(_content_stems(n) for n in names))
    for law in profile.laws:
        named.append((f"law: {law.name}", [law.name, law.short_name or "", *law.aliases]))
    region_names = [profile.name, *profile.aliases]
    named.append((f"region: {profile.name}", region_names))
    region_words = frozenset().union(*(_content_stems(n) for n in region_names))
    given = [sorted({n for n in names if n}) for _, names in named]
    entries = tuple((label, _entry_pattern(g)) for (label, _), g in zip(named, given, strict=True))
    return _ProfileIndex(entries, region_words, entry_words, FirstWords.of(given))


def profile_entries(text: str, profile: RegionProfile) -> tuple[str, ...]:
    """The profile entries (institutions, laws, the region itself) a text names."""
    return _profile_index(profile).named(text)


def _scores(
    stems: frozenset[str], index: StoryIndex, least: int = 1
) -> list[tuple[float, int, int]]:
    """(coverage, shared words, sentence number) for every story sentence sharing at least
    ``least`` of the words."""
    if not stems:
        return []
    # Each sentence's shared words' weights (`StoryIndex.weight` of the words both use: an
    # fsum, the same in any order), gathered from the section sentence's own words.
    shared: dict[int, list[float]] = {}
    idf, postings = index.idf, index.postings
    for w in stems:
        at = postings.get(w)
        if at:
            weight = idf[w]
            for i in at:
                shared.setdefault(i, []).append(weight)
    # Summed only for the sentences kept: most share one common word ("security") and no more.
    kept = sorted(i for i, weights in shared.items() if len(weights) >= least)
    if not kept:
        return []
    total = index.weight(stems)
    return [(math.fsum(shared[i]) / total, len(shared[i]), i + 1) for i in kept]


def _align(text: str, index: StoryIndex, ignore: frozenset[str] = frozenset()) -> tuple[int, ...]:
    """The story sentences that support ``text``, best first (empty when none does).

    One story sentence covering enough of it is support; so are up to three that together do,
    since an analysis sentence often draws on several ("If defenders are denied access to AI
    tools for finding vulnerabilities, ...").
    """
    stems = _content_stems(text) - ignore
    scored = _scores(stems, index, _MIN_SHARED)
    if not scored:
        return ()
    scored.sort(key=lambda s: (-s[0], s[2]))
    best = scored[0][0]
    if best >= _MIN_COVERAGE:
        return tuple(n for cov, _, n in scored[:_MAX_SOURCES] if cov >= best * 0.6)
    top = [n for _, _, n in scored[:_MAX_SOURCES]]
    covered = stems & frozenset().union(*(index.stems[n - 1] for n in top))
    share = index.weight(covered) / index.weight(stems)
    return tuple(top) if share >= _MIN_JOINT_COVERAGE else ()


def _anchors(text: str, index: StoryIndex, profile_words: frozenset[str]) -> dict[str, str]:
    """Story names and figures a section sentence uses: what a cited sentence must hold, each
    folded (as matched) with the word as the sentence writes it (as a message quotes it)."""
    out: dict[str, str] = {}
    for pos, word in _name_words(text):
        key = _folded_word(word)
        if not key or key in out or (sentence_initial(text, pos) and not word.isupper()):
            continue
        if key in index.names and not (_content_stems(word) & profile_words):
            out[key] = word
    for m in re.finditer(r"(?<![\w.])\d+(?:[.,]\d+)*(?![\w.])", text):
        key = fold(m.group()).strip()
        if key not in out and any(f" {key} " in f for f in index.folded):
            out[key] = m.group()
    return out


def _sources_of(sentence: Sentence, citations: Sequence[Citation]) -> tuple[int, ...]:
    ids: list[int] = []
    for c in citations:
        inside = (
            c.start < sentence.end and sentence.start < c.end
            if c.end > c.start
            else sentence.start < c.start <= sentence.end + 1
        )
        if inside:
            ids.extend(c.sources)
    return tuple(dict.fromkeys(ids))


def link_sentences(
    body: str,
    citations: Sequence[Citation],
    story: Story,
    profile: RegionProfile,
    acts: SectionActs | None = None,
) -> tuple[tuple[SentenceLink, ...], tuple[Finding, ...]]:
    """Link every sentence of ``body`` to its support; the ``support`` findings on the way.
    ``acts``: the section's sentences' acts, when the action checks have read them."""
    index = story_index(story)
    pindex = _profile_index(profile)
    links: list[SentenceLink] = []
    findings: list[Finding] = []
    for sentence in split_sentences(body):
        text = sentence.text
        entries = pindex.named(text)
        cited = _sources_of(sentence, citations)
        words = pindex.words(entries)
        # The aligner's links are wanted only where a citation fails or is missing: a model
        # that cites (JSON answers do) has most sentences linked without them. Found once.
        aligned = cache(partial(_align, text, index, words))
        sources: tuple[int, ...] = ()
        via: Via = "none"
        if cited:
            problem = _citation_problem(text, cited, index, words, aligned)
            if problem is None:
                sources, via = cited, "citation"
            else:
                findings.append(Finding("support", "warning", problem, text))
        if not sources and (found := aligned()):
            sources, via = found, "aligner"
        if not sources:
            # "the US order": an act the story reports, named by who did it.
            sources = reported_in(text, story, profile, acts)[:_MAX_SOURCES]
            via = "aligner" if sources else "none"
        if not sources and not entries and not cited:
            findings.append(
                Finding(
                    "support",
                    "warning",
                    f'The sentence "{shorten(text, _QUOTE_LIMIT)}" rests on no sentence of the '
                    "story and names nothing from the region profile.",
                    text,
                )
            )
        links.append(
            SentenceLink(
                sentence.number,
                text,
                sentence.start,
                sentence.end,
                sources,
                cited,
                via,
                entries,
                tuple(index.text_of(n) for n in sources),
            )
        )
    return tuple(links), tuple(findings)


def _citation_problem(
    text: str,
    cited: tuple[int, ...],
    index: StoryIndex,
    profile_words: frozenset[str],
    align: Callable[[], tuple[int, ...]],
) -> str | None:
    """Why a citation does not hold what the sentence says, or None when it does; ``align``
    gives the aligner's links, named in the message."""
    n = len(index.sentences)
    sentence = f'The sentence "{shorten(text, _QUOTE_LIMIT)}"'
    missing_ids = [c for c in cited if not 1 <= c <= n]
    if missing_ids:
        ids = ", ".join(f"[{c}]" for c in missing_ids)
        return f"{sentence} cites {ids}, but the story has sentences [1] to [{n}]."
    held = " ".join(index.folded[c - 1] for c in cited)
    anchors = _anchors(text, index, profile_words)
    absent = [written for key, written in anchors.items() if f" {key} " not in held]
    refs = ", ".join(f"[{c}]" for c in cited)
    cites = f"{sentence} cites {refs}, which {'does' if len(cited) == 1 else 'do'} not"
    if absent:
        named = " or ".join(f'"{w}"' for w in absent)  # as the sentence writes them
        return f"{cites} mention {named}{_supported_in(align())}."
    stems = _content_stems(text) - profile_words
    if stems and not any(stems & index.stems[c - 1] for c in cited):
        return f"{cites} say what it says{_supported_in(align())}."
    return None


def _supported_in(aligned: tuple[int, ...]) -> str:
    return f"; the story supports it in {', '.join(f'[{a}]' for a in aligned)}" if aligned else ""
