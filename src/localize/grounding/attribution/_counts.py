"""The counts in a sentence: a figure with what it counts and whose it is.

A count is read with what it counts (the noun after it, of a kind: people, organisations,
countries) and its ties (see `localize.grounding.attribution._count_ties`). Percentages, years,
days of the month and
names' numerals are no counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from localize.grounding._analysis import per_story_by
from localize.grounding._dates import outside_dates, scan_dates
from localize.grounding._figures import Figure, scan_figures
from localize.grounding.attribution._actors import (
    Actor,
    ActorAt,
    ActorLexicon,
    actors_in,
    home_government,
    story_actors,
    story_lexicon,
    story_reading,
    story_words,
)
from localize.grounding.attribution._count_ties import Tie, ties
from localize.regions._profiles import RegionProfile
from localize.story import Story
from localize.text._sentences import Sentence, story_sentences
from localize.text._word_spans import WordSpan, word_index, word_spans
from localize.text._wordfold import word_set

__all__ = ["ACTOR_KINDS", "Count", "StoryCount", "counts_in", "kind_of", "story_counts"]

# What a count counts, by kind: the story's "76 experts" who signed a letter are not "76 UK
# firms". Nouns of no listed kind are compared as written ("two models", "two priorities").
_KINDS: dict[str, str] = {}
for _group, _nouns in {
    "people": (
        "experts specialists professionals signatories researchers veterans practitioners "
        "people individuals scientists engineers analysts academics executives leaders authors "
        "hackers defenders staff employees workers users consumers citizens residents"
    ),
    "organisations": (
        "companies firms organisations organizations businesses enterprises institutions "
        "agencies bodies providers vendors startups start-ups banks entities operators"
    ),
    "countries": "countries nations states jurisdictions territories economies",
}.items():
    _KINDS.update(dict.fromkeys(_nouns.split(), _group))
# Kinds that act: swapping one for the other changes who did what. Places only match places
# ("15 countries", "15 states"); a count of them is no one's act, and "all 50 states" is an idiom.
ACTOR_KINDS = frozenset({"people", "organisations"})
# Words that end a counted noun phrase before its noun: "76 signed", "150 across 15 countries".
_PHRASE_STOPS = word_set("""
    who whom whose that which were was is are had has have and or but in across to from with for
    at on by as than into over under after before since while when where among between against
    including within
""")


@dataclass(frozen=True, slots=True)
class Count:
    """A figure in a sentence: what it counts, where the phrase puts it, and who it belongs to."""

    value: Decimal
    currency: str | None
    start: int
    end: int  # the end of the counted noun, else of the figure
    noun: str | None  # "experts" in "76 cybersecurity experts"
    places: tuple[Tie, ...]  # regions the phrase puts it in: "76 UK firms", "the UK's 76"
    owners: tuple[Tie, ...]  # its clause's subject, passive agent or possessive


@dataclass(frozen=True, slots=True)
class StoryCount:
    sentence: Sentence
    count: Count
    near: frozenset[str]  # every actor named in its sentence or the one before


def _plural(word: str) -> bool:
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "'s"))


def kind_of(noun: str | None) -> str | None:
    return _KINDS.get(noun) if noun else None


def _counted_noun(text: str, words: list[WordSpan], end: int) -> tuple[int, str | None]:
    """The noun a figure ending at ``end`` counts, and where it ends: (end, None) if none."""
    i = word_index(words, end)
    stop = end
    for j in range(i, min(len(words), i + 6)):
        a, b, w = words[j]
        if text[stop:a].strip(" -"):
            break  # punctuation: the phrase is over
        if w in _KINDS or _plural(w):
            return b, w
        if w in _PHRASE_STOPS:
            break
        stop = b
    return end, None


def counts_in(
    text: str,
    lexicon: ActorLexicon,
    home: Actor | None = None,
    figures: Iterable[Figure] | None = None,
    actors: list[ActorAt] | None = None,
    words: list[WordSpan] | None = None,
) -> list[Count]:
    """Every count in a sentence (not percentages, years, dates or names' numerals) with its
    ties; of ``figures`` only, when given (the sentence's, already scanned). ``actors`` are the
    sentence's, when already found (`actors_in` with this lexicon and home); ``words`` its
    `word_spans`, likewise."""
    figures = [f for f in (scan_figures(text) if figures is None else figures) if _is_count(f)]
    if figures:
        figures = outside_dates(figures, scan_dates(text))
    if not figures:
        return []
    if words is None:
        words = word_spans(text)
    if actors is None:
        actors = actors_in(text, lexicon, home)
    out: list[Count] = []
    for fig in figures:
        end, noun = _counted_noun(text, words, fig.end)
        places, owners = ties(text, words, actors, lexicon, (fig.start, end))
        out.append(Count(fig.value, fig.currency, fig.start, end, noun, places, owners))
    return out


def _is_count(fig: Figure) -> bool:
    """Whether a figure counts something: not a percentage or a year."""
    year = fig.currency is None and 1900 <= fig.value < 2100 and fig.value % 1 == 0
    return fig.countable and not fig.percent and not year


@per_story_by(story_reading)
def story_counts(story: Story, profile: RegionProfile) -> dict[Decimal, tuple[StoryCount, ...]]:
    """The story's counts by value, each with the actors named around it."""
    lexicon = story_lexicon(story, profile)
    home = home_government(story, profile)
    sentences = story_sentences(story)
    actors, words = story_actors(story, profile), story_words(story)
    out: dict[Decimal, list[StoryCount]] = {}
    for n, s in enumerate(sentences):
        counts = counts_in(s.text, lexicon, home, actors=actors[n], words=words[n])
        if not counts:
            continue
        near = frozenset(
            actor.key
            for found in actors[max(0, n - 1) : n + 1]  # "The company" names its actor before
            for _, _, actor, _ in found
        )
        for c in counts:
            out.setdefault(c.value, []).append(StoryCount(s, c, near))
    return {k: tuple(v) for k, v in out.items()}
