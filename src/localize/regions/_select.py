"""The relevant part of a profile for one story: which beats it is on, which entries fit it.

A profile holds a desk's bodies and laws for every beat; a prompt gets only those that fit the
story, so the region block stays small (about 400 tokens at most) and the model is not invited
to name-drop a transport regulator into a vaccine story.

How: BM25 (the `bm25s` library, over Snowball-stemmed words) ranks the beats by their
descriptions and the entries by their names, aliases and remits, with the story as the query.
An entry's score adds its own match to the best match of its beats, each scaled to the story's
best, so a body whose remit the story does not echo word for word still comes with its beat.
An entry the story names outright always comes first. Where nothing fits, the region's general
entries (beat ``general``) stand in. The same story and profile always give the same choice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from localize.budget import count_text
from localize.regions._beats import GENERAL
from localize.regions._profiles import Institution, Law, RegionProfile
from localize.text import leading_run, word_runs

__all__ = ["Chosen", "Selection", "select_entries"]

# How much a prompt takes: enough for a story on two or three beats, within ~400 tokens.
MAX_INSTITUTIONS = 6
MAX_LAWS = 3
REGION_BLOCK_TOKENS = 400
# The block's lines besides the entries (labels, the beats line) and a margin for the template.
_BLOCK_OVERHEAD = 40
# A beat the story is on scores at least this share of the story's best beat.
_BEAT_SHARE = 0.5
# An entry comes in at this combined score (own match + beat match, each 0..1, named: +2).
_ENTRY_MIN = 0.6
_NAMED_BONUS = 2.0
_OFF_BEAT_TERMS = 3
_WHY_TERMS = 3

# Words that say what form a body takes, not what it is about: every remit has some, so they
# would tie a story to bodies off its subject ("rules" in a drone story, "regulates" anywhere).
_FORM_WORDS = frozenset(
    [
        "agency",
        "authority",
        "body",
        "bodies",
        "board",
        "bureau",
        "commission",
        "council",
        "department",
        "federal",
        "government",
        "law",
        "laws",
        "national",
        "office",
        "official",
        "public",
        "regulate",
        "regulates",
        "regulation",
        "regulations",
        "regulator",
        "regulators",
        "regulatory",
        "rule",
        "rules",
        "service",
        "services",
        "state",
    ]
)

# bm25s's stop word lists by language code.
_STOPWORDS = {
    "de": "STOPWORDS_GERMAN",
    "fr": "STOPWORDS_FRENCH",
    "es": "STOPWORDS_SPANISH",
    "it": "STOPWORDS_ITALIAN",
    "nl": "STOPWORDS_DUTCH",
    "pt": "STOPWORDS_PORTUGUESE",
}

_ACRONYM = re.compile(r"^[A-Z0-9][A-Za-z0-9&.-]*[A-Z0-9]$")

Entry = Institution | Law


@dataclass(frozen=True, slots=True)
class Chosen:
    """One entry in the prompt, and why it is there."""

    kind: Literal["institution", "law"]
    entry: Entry
    score: float
    why: str

    @property
    def name(self) -> str:
        return self.entry.name

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "score": round(self.score, 3),
            "why": self.why,
        }


@dataclass(frozen=True, slots=True)
class Selection:
    """The beats a story is on (best first) and the profile entries chosen for its prompt."""

    beats: tuple[str, ...]
    chosen: tuple[Chosen, ...]
    audience: str
    # True where nothing in the story matched and the general entries stand in.
    fallback: bool

    @property
    def institutions(self) -> tuple[Institution, ...]:
        return tuple(c.entry for c in self.chosen if isinstance(c.entry, Institution))

    @property
    def laws(self) -> tuple[Law, ...]:
        return tuple(c.entry for c in self.chosen if isinstance(c.entry, Law))

    @property
    def relevant(self) -> bool:
        """Whether the profile has an entry on the story's beat (so a section should name one)."""
        return not self.fallback

    def to_dict(self) -> dict[str, Any]:
        return {
            "beats": list(self.beats),
            "audience": self.audience,
            "fallback": self.fallback,
            "entries": [c.to_dict() for c in self.chosen],
        }


def _names(entry: Entry) -> tuple[str, ...]:
    short = entry.acronym if isinstance(entry, Institution) else entry.short_name
    return tuple(n for n in (entry.name, short, *entry.aliases) if n)


# The only characters beyond ASCII that a case-blind pattern matches to an ASCII letter (dotted
# capital I, dotless i, long s and the Kelvin sign; tests/test_regions.py checks every code
# point): in a text without them,
# a case-blind match of an ASCII name is a substring of the lower-cased text.
_ASCII_LOOKALIKES = re.compile("[\u0130\u0131\u017f\u212a]")


def folded_for_names(text: str) -> str | None:
    """``text`` lower-cased for `_Named.found`'s substring test, or None where it cannot be
    trusted (a character that matches an ASCII letter only case-blind)."""
    return None if _ASCII_LOOKALIKES.search(text) else text.lower()


@dataclass(frozen=True, slots=True)
class _Named:
    """The test for whether a story names an entry outright."""

    pattern: re.Pattern[str]
    # (name, matched as written): the literal text the pattern's branches look for.
    needles: tuple[tuple[str, bool], ...]
    # The same needles sorted once, for `found`, which runs for every entry of every prompt:
    # names matched as written; lower-cased ASCII names looked for in the folded story; and
    # whether a name no substring test can rule out (not ASCII) is among them.
    written: tuple[tuple[str, str | None], ...] = ()
    lowered: tuple[tuple[str, str | None], ...] = ()
    unsure: bool = False

    def found(
        self,
        text: str,
        folded: str | None,
        runs: tuple[frozenset[str], frozenset[str]] | None = None,
    ) -> bool:
        """Whether ``text`` names the entry (``folded``: `folded_for_names` of it). Cheaper
        tests rule most entries out first: the pattern's leading lookbehind is tried at every
        offset of the story, and the story is long. A name's first word must be one of the
        story's words (a set lookup), then the name must be in it (a scan of the story).
        ``runs``: `_word_runs` of the text, where the caller has it."""
        if self.unsure or (folded is None and self.lowered):
            return self.pattern.search(text) is not None
        written_runs, lowered_runs = runs or _word_runs(text)
        if not any(
            (first is None or first in written_runs) and name in text
            for name, first in self.written
        ) and not (
            folded is not None
            and any(
                (first is None or first in lowered_runs) and name in folded
                for name, first in self.lowered
            )
        ):
            return False
        return self.pattern.search(text) is not None


# A name the pattern matches starts where a run of word characters starts (its lookbehind
# refuses a word character before it), and its first word ends where the run ends (the name goes
# on with a character that is no word character and matches only itself, or the lookahead
# refuses one). So the name's first word, as written (or lower-cased, for a case-blind ASCII
# name in a story without `_ASCII_LOOKALIKES`), is one of the story's word runs.
@lru_cache(maxsize=8)  # a batch's jobs in flight (32) are about 8 stories' regions
def _word_runs(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The story's word runs as written and lower-cased (once per story, for all regions)."""
    runs = word_runs(text)
    return runs, frozenset(r.lower() for r in runs)


def _named_pattern(names: Sequence[str]) -> _Named | None:
    # Acronyms match as written ("FSA", not "fsa"); names and aliases in any case.
    parts = []
    needles = []
    for name in names:
        body = re.escape(name)
        if _ACRONYM.match(name) and name.upper() == name:
            parts.append(rf"(?-i:{body})")
            needles.append((name, True))
        elif len(name) >= 4:
            parts.append(body)
            needles.append((name, False))
    if not parts:
        return None
    pattern = re.compile(rf"(?<![\w-])(?:{'|'.join(parts)})(?![\w-])", re.IGNORECASE)
    blind = [name for name, as_written in needles if not as_written]
    return _Named(
        pattern,
        tuple(needles),
        written=tuple((name, leading_run(name)) for name, as_written in needles if as_written),
        lowered=tuple(
            (name.lower(), leading_run(name.lower())) for name in blind if name.isascii()
        ),
        unsure=not all(name.isascii() for name in blind),
    )


class _Index:
    """BM25 indexes over one profile's beats and entries (built once per profile)."""

    def __init__(self, profile: RegionProfile) -> None:
        import bm25s  # type: ignore[import-untyped, unused-ignore]  # imported here: only prompting needs it, and it takes ~0.1 s to load

        self._bm25s = bm25s
        self.profile = profile
        # The region's own names ("US", "Australian") say where, not what.
        region_words = {w.lower() for n in (profile.name, *profile.aliases) for w in n.split()}
        # A profile written in another language has that language's function words in its
        # remits ("die", "les"), which an English story must not match.
        own = getattr(bm25s.stopwords, _STOPWORDS.get(profile.language.split("-")[0], ""), ())
        self._stopwords = sorted(
            {*bm25s.stopwords.STOPWORDS_EN_PLUS, *_FORM_WORDS, *region_words, *own}
        )
        self._stopword_set = frozenset(self._stopwords)
        descriptions = profile.beat_descriptions
        self.beat_ids = [b for b in descriptions if b != GENERAL]
        self.entries: list[tuple[Literal["institution", "law"], Entry]] = [
            *(("institution", i) for i in profile.institutions),
            *(("law", law) for law in profile.laws),
        ]
        beat_docs = [f"{b} {descriptions[b]}" for b in self.beat_ids]
        entry_docs = [
            " ".join((*_names(e), e.remit if isinstance(e, Institution) else e.summary))
            for _, e in self.entries
        ]
        entry_tokens = self._tokens(entry_docs)
        self.entry_tokens = [set(t) for t in entry_tokens]
        # Each stem's word as the entry writes it, to say in plain words why it was chosen.
        self.entry_words = [
            {_stem(w): w for w in reversed(words)}
            for words in self._bm25s.tokenize(
                [d.lower() for d in entry_docs],
                stopwords="en",
                return_ids=False,
                show_progress=False,
            )
        ]
        self.beat_index = self._index(self._tokens(beat_docs))
        self.entry_index = self._index(entry_tokens)
        self.named = [_named_pattern(_names(e)) for _, e in self.entries]
        # Each entry's line in the region block, in tokens (`_within_budget`), by entry.
        self.line_tokens = {id(e): _tokens(_entry_line(e)) for _, e in self.entries}
        # Document frequency of each stem among the entries: rarer shared words explain more.
        self.df: dict[str, int] = {}
        for tokens in self.entry_tokens:
            for t in tokens:
                self.df[t] = self.df.get(t, 0) + 1

    def _tokens(self, texts: list[str]) -> list[list[str]]:
        out = self._bm25s.tokenize(
            texts,
            stopwords=self._stopwords,
            stemmer=_stem_words,
            return_ids=False,
            show_progress=False,
        )
        return [list(t) for t in out]

    def _index(self, tokens: list[list[str]]) -> Any:
        index = self._bm25s.BM25()
        index.index(tokens, show_progress=False)
        return index

    def query(self, text: str) -> list[str]:
        """``text``'s stems as `_tokens` gives them (bm25s's tokenizer: lower case, its word
        pattern, this profile's stop words, stems), with the words split once per text for
        all of its regions rather than once per region."""
        stop = self._stopword_set
        words, stems = _query_words(text)
        return [stem for word, stem in zip(words, stems, strict=True) if word not in stop]


# bm25s.tokenize's default word pattern, which `_Index.query` splits a story with.
_QUERY_WORD = re.compile(r"(?u)\b\w\w+\b")


@lru_cache(maxsize=32)
def _query_words(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``text``'s words and their stems, once per story for all of its regions (two tuples,
    not a pair per word: 32 stories in flight keep them)."""
    words = tuple(_QUERY_WORD.findall(text.lower()))
    return words, tuple(_stem(w) for w in words)


@lru_cache(maxsize=1)
def _english_stemmer() -> Any:
    # snowballstemmer hands out PyStemmer's compiled stemmer when it is installed (a dependency:
    # the same algorithm, the same stems, tests/test_search_shortcuts.py compares them).
    import snowballstemmer  # type: ignore[import-untyped, unused-ignore]

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)  # bounded: a stream of stories brings new numbers and names forever
def _stem(word: str) -> str:
    # Remembered: the pure-Python Snowball stemmer costs tens of microseconds a word, and each
    # story (and each of its regions' queries) repeats most of the words the last one had.
    stem: str = _english_stemmer().stemWord(word)
    return stem


def _stem_words(words: list[str]) -> list[str]:
    return [_stem(w) for w in words]


@lru_cache(maxsize=64)
def _index_for(profile: RegionProfile) -> _Index:
    return _Index(profile)


def _scaled(scores: Any) -> list[float]:
    values = [float(s) for s in scores]
    top = max(values, default=0.0)
    return [v / top if top > 0 else 0.0 for v in values]


def _why(named: bool, beats: list[str], terms: list[str]) -> str:
    parts = []
    if named:
        parts.append("named in the story")
    if beats:
        parts.append("beat " + ", ".join(beats))
    if terms:
        parts.append("remit matches " + ", ".join(terms))
    return "; ".join(parts) or "general body: the profile has none on the story's beat"


@lru_cache(maxsize=256)
def select_entries(story_text: str, profile: RegionProfile) -> Selection:
    """The beats ``story_text`` is on and the entries of ``profile`` its prompt gets."""
    index = _index_for(profile)
    query = index.query(story_text)
    query_set = set(query)
    none = [0.0] * len(index.beat_ids)
    beat_scores = _scaled(index.beat_index.get_scores(query)) if query else none
    ranked_beats = sorted(
        (s, b) for b, s in zip(index.beat_ids, beat_scores, strict=True) if s > 0
    )[::-1]
    story_beats = {b: s for s, b in ranked_beats if s >= _BEAT_SHARE}
    entry_scores = (
        _scaled(index.entry_index.get_scores(query)) if query else [0.0] * len(index.entries)
    )
    df = index.df
    folded = folded_for_names(story_text)
    runs = _word_runs(story_text)
    candidates: list[Chosen] = []
    for k, (kind, entry) in enumerate(index.entries):
        test = index.named[k]
        named = test is not None and test.found(story_text, folded, runs)
        beats = [b for b in entry.beats if b in story_beats]
        beat_score = max((story_beats[b] for b in beats), default=0.0)
        own = entry_scores[k]
        score = own + beat_score + (_NAMED_BONUS if named else 0.0)
        if score < _ENTRY_MIN:
            continue  # most entries: the shared words below are only needed for the rest
        terms = sorted(index.entry_tokens[k] & query_set, key=lambda t: (df[t], t))
        # Off the story's beats, one shared word ("revenue", "drinks") is chance, not a topic.
        if not (named or beats or len(terms) >= _OFF_BEAT_TERMS):
            continue
        words = [index.entry_words[k].get(t, t) for t in terms[:_WHY_TERMS]]
        candidates.append(Chosen(kind, entry, score, _why(named, beats, words)))
    chosen = _top(candidates)
    fallback = not chosen
    if fallback:
        general = [(k, e) for k, e in index.entries if GENERAL in e.beats or not e.beats]
        chosen = _top([Chosen(k, e, 0.0, _why(False, [], [])) for k, e in general or index.entries])
    top_beat = next(iter(story_beats), None)
    audience = profile.audience_for(top_beat)
    chosen = _within_budget(chosen, index, audience)
    return Selection(tuple(story_beats), chosen, audience, fallback)


def _top(candidates: list[Chosen]) -> tuple[Chosen, ...]:
    # Highest score first; the profile's own order breaks ties, so the choice is stable.
    order = sorted(range(len(candidates)), key=lambda k: -candidates[k].score)
    ranked = [candidates[k] for k in order]
    institutions = [c for c in ranked if c.kind == "institution"][:MAX_INSTITUTIONS]
    laws = [c for c in ranked if c.kind == "law"][:MAX_LAWS]
    return (*institutions, *laws)


def _entry_line(e: Entry) -> str:
    """An entry's line as `_within_budget` counts it."""
    short = e.acronym if isinstance(e, Institution) else e.short_name
    remit = e.remit if isinstance(e, Institution) else e.summary
    return f"- {e.name} ({short}): {remit}"


def _tokens(text: str) -> int:
    return count_text(text, "gpt-4o").tokens  # cl100k_base, offline: an estimate for any model


def _within_budget(chosen: tuple[Chosen, ...], index: _Index, audience: str) -> tuple[Chosen, ...]:
    """The best entries whose lines fit the region block's ~400 tokens with its fixed lines.

    Languages differ a lot in tokens per remit (Japanese takes about three times English), so
    the cap is counted, not a number of entries. Best first: an institution and then a law
    alternate, so a long list of bodies cannot crowd out every law.
    """
    profile = index.profile
    fixed = " ".join((profile.name, audience, profile.locale, *profile.style_notes))
    left = REGION_BLOCK_TOKENS - _BLOCK_OVERHEAD - _tokens(fixed)
    institutions = [c for c in chosen if c.kind == "institution"]
    laws = [c for c in chosen if c.kind == "law"]
    order = [c for pair in zip(institutions, laws, strict=False) for c in pair]
    order += institutions[len(laws) :] + laws[len(institutions) :]
    kept: set[int] = set()
    costs = index.line_tokens
    for c in order:
        cost = costs[id(c.entry)]
        if cost <= left:
            kept.add(id(c))
            left -= cost
    return tuple(c for c in chosen if id(c) in kept)
