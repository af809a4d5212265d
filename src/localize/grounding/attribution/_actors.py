"""Who acts in a sentence: the actors it names and which of them opens its clause.

An actor is a region's government ("the UK government", "the UK's", "the US" before a noun), a
public body of any built-in region or the given profile (by name, acronym or alias), or another
named organisation or person: a capitalised name, and a single capitalised word at the start of a
sentence only when the story or the profile writes it capitalised inside a sentence and never in
lower case ("OpenAI restricted ..." where the story names OpenAI; not "Meanwhile" or "The").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from string import ascii_lowercase

from localize.grounding._analysis import per_story, per_story_by
from localize.grounding._names import iter_led, spaced_alternation
from localize.regions._profiles import RegionProfile, builtin_regions
from localize.story import Story
from localize.text import leading_run
from localize.text._sentences import story_sentences
from localize.text._word_spans import WordSpan, word_spans
from localize.text._wordfold import fold_tokens, is_capitalised, sentence_initial, word_set
from localize.text._words import NAME_RUN, RAW_TOKEN

__all__ = [
    "GOVERNMENT",
    "Actor",
    "ActorAt",
    "ActorLexicon",
    "actor_lexicon",
    "actors_in",
    "home_government",
    "is_subject",
    "name_end",
    "story_actors",
    "story_lexicon",
    "story_reading",
    "story_words",
]

GOVERNMENT = (
    r"government|administration|authorities|officials|regulators|lawmakers|ministers|"
    r"Congress|Parliament|parliament"
)


@dataclass(frozen=True, slots=True)
class Actor:
    key: str  # "gov:us", "inst:National Cyber Security Centre", "org:anthropic"
    label: str  # "the US government", "the NCSC", "Anthropic"
    public: bool  # a government or a public body: the claim check's subjects


ActorAt = tuple[int, int, Actor, bool]  # start, end, actor, possessive


@dataclass(frozen=True, slots=True)
class ActorLexicon:
    """Every actor name of the built-in regions and the given profile, as one regex."""

    pattern: re.Pattern[str]  # groups: gov (a region's government), name, poss
    names: dict[str, Actor]  # name or region word, whitespace collapsed -> actor
    places: dict[str, str]  # a government's key -> its region, for messages ("the UK")
    # A public body's key -> the keys of the governments whose profiles list it: "the US" that
    # announced controls is the US Commerce Department that did (`body_of`).
    homes: dict[str, frozenset[str]] = field(default_factory=dict)
    # Words the story or profile writes as names: an actor even first in a sentence.
    story_names: frozenset[str] = frozenset()
    # The names' leading runs of word characters, where alone a match can start (`iter_led`);
    # None when a name starts with none.
    leads: frozenset[str] | None = None


def _short_region(profile: RegionProfile) -> str:
    for alias in profile.aliases:
        if alias.isupper() and "." not in alias:
            return alias
    adjectives = [a for a in profile.aliases if a.endswith("an")]
    return adjectives[0] if adjectives else profile.name


def _alternation(names: Iterable[str]) -> str:
    # Longest first, so at any position the longest name wins ("European Commission" over
    # "European"); names of one length in a fixed order (two that match at one offset match the
    # same text), so profiles with the same names get the same pattern, compiled once.
    ordered = sorted(set(names), key=lambda n: (-len(n), n))
    return spaced_alternation(ordered)


@lru_cache(maxsize=32)
def actor_lexicon(profile: RegionProfile) -> ActorLexicon:
    others = [p for rid, p in builtin_regions().items() if rid != profile.id]
    names: dict[str, Actor] = {}
    places: dict[str, str] = {}
    homes: dict[str, set[str]] = {}
    region_words: list[str] = []
    for p in [*others, profile]:  # the given profile's names win a clash
        short = _short_region(p)
        gov = Actor(f"gov:{p.id}", f"the {short} government", True)
        places[gov.key] = f"the {short}" if short.isupper() else p.name
        for word in (p.name, *p.aliases):
            names[word] = gov
            region_words.append(word)
        for inst in p.institutions:
            actor = Actor(f"inst:{inst.name}", f"the {inst.acronym or inst.name}", True)
            homes.setdefault(actor.key, set()).add(gov.key)
            for name in (inst.name, inst.acronym or "", *inst.aliases):
                if name:
                    names[" ".join(name.split())] = actor
    regions = _alternation(region_words)
    pattern = re.compile(
        rf"(?<![\w-])(?:(?P<gov>(?:{regions})(?:['\u2019]s)?\s+(?:{GOVERNMENT}))"
        rf"|(?P<name>{_alternation(names)}))(?P<poss>['\u2019]s)?(?![\w-])"
    )
    leads = [leading_run(n) for n in names]
    led = None if None in leads else frozenset(w for w in leads if w is not None)
    homes_of = {key: frozenset(govs) for key, govs in homes.items()}
    return ActorLexicon(pattern, names, places, homes=homes_of, leads=led)


def _actor_of(gov: str | None, name: str | None, lexicon: ActorLexicon) -> Actor:
    if gov:
        words = gov.split()
        for n in range(len(words) - 1, 0, -1):
            head = " ".join(words[:n])
            for key in (head, head[:-2]):  # "Britain's ministers"
                if key in lexicon.names:
                    return lexicon.names[key]
    assert name is not None  # the pattern matched one of its two groups
    return lexicon.names[" ".join(name.split())]


_Match = tuple[int, int, str | None, str | None, bool]  # start, end, gov, name, possessive


def _lexicon_matches(lexicon: ActorLexicon, text: str) -> tuple[_Match, ...]:
    # Keyed by the pattern's text, whose hash Python keeps: a compiled pattern hashes its whole
    # program on every lookup (~170 us for a lexicon's).
    pattern = lexicon.pattern
    if len(_COMPILED) >= _MAX_LEXICONS and pattern.pattern not in _COMPILED:
        _COMPILED.clear()  # a service loading many own profiles: set again before each use
    _COMPILED.setdefault(pattern.pattern, (pattern, lexicon.leads))
    return _matches_of(pattern.pattern, text)


# A lexicon's pattern text -> the pattern and its names' leading runs (equal texts, equal names)
_COMPILED: dict[str, tuple[re.Pattern[str], frozenset[str] | None]] = {}
_MAX_LEXICONS = 64


@lru_cache(maxsize=4096)
def _matches_of(pattern: str, text: str) -> tuple[_Match, ...]:
    # Kept per (pattern, sentence): every built-in profile's lexicon has the same names, so the
    # same pattern, and a story's sentences are read for each of its regions. The pattern, a
    # long alternation, is tried only where a name's leading word starts (`iter_led`): a
    # story's sentences hold a few dozen such offsets, where the plain search tries all ~1,100
    # names at every offset behind its lookbehind (~5 ms a story).
    compiled, leads = _COMPILED[pattern]
    found = compiled.finditer(text) if leads is None else iter_led(compiled, leads, text)
    return tuple(
        (m.start(), m.end(), m.group("gov"), m.group("name"), bool(m.group("poss"))) for m in found
    )


def _without_possessive(word: str) -> str:
    return word[:-2] if word.endswith(("'s", "\u2019s")) else word


def _written(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The words a text writes capitalised inside a sentence, and those it writes in lower case."""
    capitalised: set[str] = set()
    for m in NAME_RUN.finditer(text):
        words = m.group().split()[1 if sentence_initial(text, m.start()) else 0 :]
        capitalised.update(_without_possessive(w) for w in words if is_capitalised(w))
    lower = {
        _without_possessive(t.strip(".'\u2019-")) for t in RAW_TOKEN.findall(text) if t.islower()
    }
    return frozenset(capitalised), frozenset(lower)


@lru_cache(maxsize=32)
def _profile_written(profile: RegionProfile) -> tuple[frozenset[str], frozenset[str]]:
    """The profile's capitalised words not in its lower-case words (each with its lower case),
    and those lower-case words."""
    capitalised, lower = _written(profile.text)
    return frozenset(w for w in capitalised if w.lower() not in lower), lower


@per_story
def _story_written(story: Story) -> tuple[frozenset[str], frozenset[str]]:
    """What `_written` finds in the story's paragraphs, each read on its own, put together."""
    written = [_written(p) for p in story.paragraphs]
    return (
        frozenset().union(*(capitalised for capitalised, _ in written)),
        frozenset().union(*(lower for _, lower in written)),
    )


@per_story
def _story_name_words(story: Story) -> frozenset[str]:
    """Every word of a capitalised run in the story's sentences: where ``story_names`` is read."""
    return frozenset(
        _without_possessive(w)
        for s in story_sentences(story)
        for m in NAME_RUN.finditer(s.text)
        for w in m.group().split()
    )


@lru_cache(maxsize=128)
def _names_held(text: str, names: frozenset[str]) -> frozenset[str]:
    # One scan of a story for all of its regions: the built-in lexicons have the same names.
    # A name is in the text only if its first three characters are, where its first character
    # stands: the text's few dozen such heads pick the names to look for (a set intersection,
    # not a lookup per name), each looked for only where its head stands (not searched for
    # over the whole story).
    starts, plain, headed = _name_heads(names)
    heads: dict[str, list[int]] = {}
    for m in starts.finditer(text):
        heads.setdefault(text[m.start() : m.start() + 3], []).append(m.start())
    return frozenset(n for n in plain if n in text) | frozenset(
        n
        for head in heads.keys() & headed.keys()
        for n in headed[head]
        if any(text.startswith(n, at) for at in heads[head])
    )


@lru_cache(maxsize=8)
def _name_heads(
    names: frozenset[str],
) -> tuple[re.Pattern[str], tuple[str, ...], dict[str, tuple[str, ...]]]:
    """The first characters of ``names`` as a class, the names searched as they are (shorter
    than three characters, or led by a lower-case ASCII letter: "eSafety", "federal
    government", few, and their first letters are everywhere), and the others by their first
    three characters.

    The others' heads are read only where one of their first characters (capitals mostly)
    stands: a few hundred offsets of a story, not all of them.
    """
    plain = sorted(n for n in names if len(n) < 3 or n[0] in ascii_lowercase)
    headed: dict[str, list[str]] = {}
    for n in sorted(names.difference(plain)):
        headed.setdefault(n[:3], []).append(n)
    first = "".join(re.escape(c) for c in sorted({head[0] for head in headed}))
    by_head = {head: tuple(found) for head, found in headed.items()}
    return re.compile(f"[{first}]" if first else "(?!)"), tuple(plain), by_head


@lru_cache(maxsize=32)
def _lexicon_names(profile: RegionProfile) -> frozenset[str]:
    # Built once per profile: a frozenset keeps its hash, which `_names_held`'s cache asks for.
    return frozenset(actor_lexicon(profile).names)


@per_story
def _collapsed(story: Story) -> str:
    """The story's text with its whitespace runs made single spaces, as the lexicon's names
    are written."""
    return " ".join(story.text.split())


@per_story
def story_reading(story: Story, profile: RegionProfile) -> Hashable:
    """What of a profile the story's actors depend on: its lexicon's names and regions, and
    which of the story's capitalised words it makes names. Profiles with equal keys find the
    same actors, actions and counts in the story (most built-in profiles do: their lexicons
    hold every built-in region's names), so those are found once for all of them."""
    # Only the names the text holds can be found in it: profiles whose lexicons differ
    # elsewhere (namesakes: the UK's FSA and Japan's) still read this story alike.
    lexicon = actor_lexicon(profile)
    held = _names_held(_collapsed(story), _lexicon_names(profile))
    names = frozenset((n, lexicon.names[n]) for n in held)
    keys = {a.key for _, a in names}
    places = frozenset((k, v) for k, v in lexicon.places.items() if k in keys)
    story_names = story_lexicon(story, profile).story_names & _story_name_words(story)
    return (names, places, story_names)


@per_story
def story_lexicon(story: Story, profile: RegionProfile) -> ActorLexicon:
    """The profile's lexicon knowing the names the story's paragraphs and the profile use: words
    written capitalised inside a sentence and never in lower case (a headline's capitals are no
    sign of a name)."""
    # The story's words and the profile's are each gathered once (per story, per profile), not
    # for every (story, profile) pair: a name is a capitalised word of either that neither
    # writes in lower case.
    profile_names, profile_lower = _profile_written(profile)
    story_capitalised, story_lower = _story_written(story)
    names = {w for w in profile_names if w.lower() not in story_lower}
    names.update(
        w
        for w in story_capitalised
        if (low := w.lower()) not in story_lower and low not in profile_lower
    )
    return replace(actor_lexicon(profile), story_names=frozenset(names))


_BARE_GOVERNMENT = re.compile(
    r"(?<![\w-])the\s+(?:government|administration)(?P<poss>['\u2019]s)?(?![\w-])", re.IGNORECASE
)


def actors_in(text: str, lexicon: ActorLexicon, home: Actor | None = None) -> list[ActorAt]:
    """(start, end, actor, possessive) for every actor named in a sentence, left to right.

    ``home`` is who a bare "the government" is (in a story: the government it is about).
    """
    out = [
        (start, end, _actor_of(gov, name, lexicon), poss)
        for start, end, gov, name, poss in _lexicon_matches(lexicon, text)
    ]
    if home is not None:
        out.extend(
            (m.start(), m.end(), home, bool(m.group("poss")))
            for m in _BARE_GOVERNMENT.finditer(text)
        )
    taken = [(a, b) for a, b, _, _ in out]
    # Other capitalised names (companies, people): the last word is the key.
    for m in NAME_RUN.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        words = m.group().split()
        if (
            len(words) == 1
            and sentence_initial(text, m.start())
            and _without_possessive(words[0]) not in lexicon.story_names
        ):
            continue  # perhaps an ordinary word: "Meanwhile", "The"
        last = words[-1]
        poss = last.endswith(("'s", "\u2019s"))
        key = fold_tokens(last[:-2] if poss else last)
        if not key or not is_capitalised(last):
            continue
        label = m.group()[:-2] if poss else m.group()
        out.append((m.start(), m.end(), Actor(f"org:{key[0]}", label, False), poss))
    out.sort(key=lambda item: item[0])
    return out


@per_story_by(story_reading)
def home_government(story: Story, profile: RegionProfile) -> Actor | None:
    """The government a story is about: it calls it "the government" after naming it once."""
    lexicon = actor_lexicon(profile)
    # The lexicon's matches alone, in order: they are all of `actors_in`'s governments (the
    # rest are companies and people), and the first named wins a tie.
    governments = Counter(
        actor
        for s in story_sentences(story)
        for _, _, gov, name, _ in _lexicon_matches(lexicon, s.text)
        if (actor := _actor_of(gov, name, lexicon)).key.startswith("gov:")
    )
    return governments.most_common(1)[0][0] if governments else None


@per_story_by(story_reading)
def story_actors(story: Story, profile: RegionProfile) -> tuple[list[ActorAt], ...]:
    """Each story sentence's actors, as `actors_in` finds them with the story's lexicon and its
    home government: found once, for the story's actions and its counts alike (not changed
    by either)."""
    lexicon = story_lexicon(story, profile)
    home = home_government(story, profile)
    return tuple(actors_in(s.text, lexicon, home) for s in story_sentences(story))


@per_story
def story_words(story: Story) -> tuple[list[WordSpan], ...]:
    """Each story sentence's `word_spans`: found once, for the story's actions and its counts
    alike (not changed by either)."""
    return tuple(word_spans(s.text) for s in story_sentences(story))


_PAREN_AFTER = re.compile(r"\s*\([^()]{1,40}\)")


def name_end(text: str, end: int) -> int:
    """Where an actor's name ending at ``end`` ends with its bracketed acronym, if it has one:
    "the Information Commissioner's Office (ICO)"."""
    paren = _PAREN_AFTER.match(text, end)
    return paren.end() if paren else end


# Words that may stand between a clause's start and its subject ("On Friday the"), and words
# that open a clause whose subject follows ("that", "and", "when").
_BEFORE_SUBJECT = word_set("""
    the a an then on friday last week meanwhile also however yet now monday tuesday wednesday
    thursday saturday sunday
""")
_OPENERS = word_set("and but while so that after when because as which since whereas then")
_CLAUSE_BREAK = re.compile(r"[.,;:!?()\u2014\u2013\"\u201c\u201d]")


def is_subject(text: str, start: int, actors: list[ActorAt]) -> bool:
    """Whether the actor at ``start`` opens its clause ("On Friday the FTC ordered", "the NCSC
    and the ICO had developed", "so significant that Anthropic restricted"), rather than being an
    object or a modifier ("a ban on Anthropic's Fable and Mythos has cut")."""
    clause = max((m.end() for m in _CLAUSE_BREAK.finditer(text, 0, start)), default=0)
    before = list(re.finditer(r"\S+", text[clause:start]))
    for m in reversed(before):
        word = m.group().lower()
        at = clause + m.start()
        if any(a <= at < b and actor.public for a, b, actor, _ in actors):
            return True  # a co-subject: "the NCSC and the ICO"
        if word in _OPENERS:
            if word == "and":
                # "Fable and Mythos": co-ordinated names that are not actors are one object.
                prev = text[clause:at].rstrip()
                prev_at = clause + len(prev) - 1
                if any(a <= prev_at < b and actor.public for a, b, actor, _ in actors):
                    return True
                return not (prev.split() and is_capitalised(prev.split()[-1]))
            return True
        if word not in _BEFORE_SUBJECT:
            return False
    return True
