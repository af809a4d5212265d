"""What actors do in a sentence: an actor tied to an act.

An act is a ban, an order, a restriction, a suspension, a warning, an investigation, a fine,
guidance, a statement or a letter (a family of nouns and verbs, see
`localize.grounding.attribution._act_words`). The
tie is a possessive ("the UK government's ban"), a region adjective ("the US order"), a subject
and its verb ("the NCSC warned") or a passive ("an order issued by the Commission"). An act is
an event when it is reported as having happened (past, perfect, progressive, a definite future),
not when it is a standing remit ("the ICO enforces") or hedged ("CISA may issue").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from localize.grounding._analysis import per_story_by
from localize.grounding.attribution._act_words import (
    ACT_NOUNS,
    ACT_VERBS,
    CARRIERS,
    FILLERS,
    HABITUAL,
    HEDGES,
    MODALS,
    STORY_OBJECTS,
)
from localize.grounding.attribution._actors import (
    Actor,
    ActorAt,
    ActorLexicon,
    actors_in,
    home_government,
    is_subject,
    name_end,
    story_actors,
    story_lexicon,
    story_reading,
    story_words,
)
from localize.regions._profiles import RegionProfile
from localize.story import Story
from localize.text._sentences import Sentence, story_sentences
from localize.text._word_spans import WordSpan, word_index, word_spans

__all__ = [
    "Action",
    "SectionActs",
    "act_group",
    "actions_in",
    "reported_in",
    "same_act",
    "story_actions",
]

# Words a story uses for one act interchangeably: its "export ban" is also its "order" and its
# "restrictions". An actor the story gives one of them to may be given the others.
_SAME_ACT = {"ban": "controls", "order": "controls", "restriction": "controls"}

_BASE_FORMS = frozenset(
    w
    for w in ACT_VERBS.keys() | CARRIERS
    if not w.endswith(("ed", "ing")) and w not in ("cut", "put", "said", "told", "gave", "fine")
) | {"fine"}


@dataclass(frozen=True, slots=True)
class Action:
    """One actor doing one kind of act in one sentence."""

    actor: Actor
    family: str
    event: bool  # reported as something that happened (not remit, not hedged)
    start: int  # span of the phrase in its sentence's text
    end: int


def act_group(family: str) -> str:
    """The act a family is one name of: a ban, an order and a restriction are one "controls"."""
    return _SAME_ACT.get(family, family)


def same_act(a: Action, b: Action) -> bool:
    return a.actor.key == b.actor.key and act_group(a.family) == act_group(b.family)


def _noun_after(words: list[WordSpan], i: int, reach: int) -> tuple[int, str] | None:
    for j in range(i, min(len(words), i + reach)):
        family = ACT_NOUNS.get(words[j][2])
        if family:
            return j, family
        if words[j][2] in ("and", "but", "which", "that", "while"):
            return None
    return None


def actions_in(
    text: str,
    lexicon: ActorLexicon,
    home: Actor | None = None,
    actors: list[ActorAt] | None = None,
    words: list[WordSpan] | None = None,
) -> list[Action]:
    """Every action in a sentence; ``home`` is who a bare "the government" is. ``actors`` are
    the sentence's, when already found (`actors_in` with this lexicon and home); ``words``
    its `word_spans`, likewise."""
    if actors is None:
        actors = actors_in(text, lexicon, home)
    if not actors:
        return []  # every act is an actor's: no words to walk
    if words is None:
        words = word_spans(text)
    actions: list[Action] = []
    for start, end, actor, poss in actors:
        i = word_index(words, end)
        if poss or actor.key.startswith("gov:"):
            # "the UK government's recent ban", "the US export control order".
            found = _noun_after(words, i, 4 if poss else 3)
            if found and _plain_gap(text, end, words[found[0]][0], poss) and not _own(words, i):
                j, family = found
                actions.append(Action(actor, family, family != "guidance", start, words[j][1]))
                continue
        i = word_index(words, name_end(text, end))
        # A relative clause's act is its antecedent's wherever that stands ("a response from
        # the White House, which will review ..."); the main verb only a subject's.
        subject = is_subject(text, start, actors)
        for family, event, stop in _verbs_after(words, i, text, main=subject):
            actions.append(Action(actor, family, event, start, stop))
    actions.extend(_passives(text, words, actors))
    return actions


def _own(words: list[WordSpan], i: int) -> bool:
    """ "Japan's own export controls": the actor's own standing instrument, not an act."""
    return i < len(words) and words[i][2] == "own"


def _plain_gap(text: str, start: int, end: int, possessive: bool) -> bool:
    """Only lower-case modifiers between an actor and its act: "the US export control order"."""
    gap = text[start:end]
    if any(c in gap for c in ',;:()"\u201c\u201d'):
        return False
    return possessive or not any(w[:1].isupper() for w in gap.split())


@dataclass(slots=True)
class _Aspect:
    """What the words between a subject and its verb say of the verb."""

    hedged: bool = False
    habitual: bool = False
    future: bool = False
    perfect: bool = False
    progressive: bool = False


def _aspect(words: list[WordSpan], j: int) -> tuple[int, _Aspect]:
    """The verb's index after the modals, auxiliaries and adverbs from word ``j``, and what
    they say of it."""
    aspect = _Aspect()
    steps = 0
    while j < len(words) and steps < 5:
        w = words[j][2]
        if w in MODALS:
            aspect.hedged = True
        elif w == "will":
            aspect.future = True
        elif w in ("has", "have", "had"):
            aspect.perfect = True
        elif w in ("is", "are", "was", "were", "been"):
            aspect.progressive = True
        elif w in HABITUAL:
            aspect.habitual = True
        elif w in HEDGES or w in ("not", "never"):
            aspect.hedged = True
        elif w not in FILLERS and w not in ("be", "to"):
            break
        j += 1
        steps += 1
    return j, aspect


# How far a comma-enclosed apposition or relative clause may run before its closing comma.
_APPOSITION_WORDS = 18
_RELATIVES = frozenset({"which", "who"})
_CLAUSE_STOP = re.compile(r"[.;:()!?]")


def _verbs_after(
    words: list[WordSpan], i: int, text: str, *, main: bool = True
) -> list[tuple[str, bool, int]]:
    """The acts an actor before word ``i`` performs: (family, event, end offset) each; the
    main clause's verb only when ``main`` (the actor is its subject).

    A subject in commas is looked past: "the NCSC, which oversees X, has said ..." is the
    NCSC saying, and the relative clause is the NCSC's act too ("Ofcom, which has said it is
    reviewing the order, ...").
    """
    if not (i < len(words) and _gap(text, words, i).strip() == ","):
        found = _verb_after(words, i, text) if main else None
        return [found] if found else []
    out: list[tuple[str, bool, int]] = []
    if words[i][2] in _RELATIVES:
        found = _verb_after(words, i + 1, text)
        if found:
            out.append(found)
    if not main:
        return out
    for j in range(i + 1, min(len(words), i + _APPOSITION_WORDS)):
        gap = _gap(text, words, j)
        if _CLAUSE_STOP.search(gap):
            break
        if gap.strip() == ",":
            found = _verb_after(words, j, text)
            if found:
                out.append(found)
            break
    return out


def _gap(text: str, words: list[WordSpan], j: int) -> str:
    return text[words[j - 1][1] if j else 0 : words[j][0]]


def _about_story(words: list[WordSpan], j: int, text: str) -> bool:
    """Whether the words after a verb at ``j`` aim it at the story's own event: "the ban", "the
    US order", "it"; not "guidance" or "breaches that follow"."""
    for k in range(j + 1, min(len(words), j + 7)):
        if _CLAUSE_STOP.search(_gap(text, words, k)) or "," in _gap(text, words, k):
            return False
        w = words[k][2]
        if k == j + 1 and w in ("it", "this", "that"):
            return True
        if w in STORY_OBJECTS:
            return any(words[m][2] in ("the", "this", "that", "its") for m in range(j + 1, k))
    return False


def _verb_family(words: list[WordSpan], j: int) -> str:
    """The family of the act verb at word ``j``: "cut off access" suspends, while "cut its
    rate" brings a level down, as "lowered" does."""
    w = words[j][2]
    if w == "cut" and not (j + 1 < len(words) and words[j + 1][2] == "off"):
        return "reduction"
    return ACT_VERBS[w]


def _verb_after(words: list[WordSpan], i: int, text: str) -> tuple[str, bool, int] | None:
    """The act a subject at word ``i`` performs: (family, event, end offset), if any."""
    j, aspect = _aspect(words, i)
    if j >= len(words):
        return None
    w = words[j][2]
    base = w in _BASE_FORMS
    past = w.endswith(("ed", "ing")) or w in ("said", "told", "cut", "put", "made", "gave")
    # A hedged or planned act aimed at the story's own event is a claim about it ("is expected
    # to look at the ban"); hedged otherwise, it is a body's standing remit ("may issue
    # guidance").
    speculative = (aspect.hedged or aspect.future) and _about_story(words, j, text)
    # Present simple aimed at the story's own event retells it ("gives it full approval"); any
    # other present simple is a standing remit ("issues guidance").
    retold = base and not (aspect.future or aspect.hedged) and _about_story(words, j, text)
    if base and not (aspect.future or aspect.hedged or aspect.perfect or retold):
        return None
    if not (past or retold or (base and aspect.future) or (base and speculative)):
        return None
    event = (
        speculative
        or retold
        or (
            not (aspect.hedged or aspect.habitual)
            and (past or aspect.future or aspect.perfect or aspect.progressive)
        )
    )
    if w in ACT_VERBS and w not in CARRIERS:
        return _verb_family(words, j), event, words[j][1]
    if w in CARRIERS:
        found = _noun_after(words, j + 1, 5)
        if found:
            return found[1], event, words[found[0]][1]
        if w in ACT_VERBS:
            return ACT_VERBS[w], event, words[j][1]
    return None


def _passives(text: str, words: list[WordSpan], actors: list[ActorAt]) -> list[Action]:
    """ "an order issued by the European Commission", "the ban from the UK government"."""
    out: list[Action] = []
    for start, end, actor, _ in actors:
        i = word_index(words, start)
        k = i - 1
        if k >= 0 and words[k][2] == "the":
            k -= 1
        if k < 0 or words[k][2] not in ("by", "from"):
            continue
        for j in range(k - 1, max(-1, k - 4), -1):
            w = words[j][2]
            family = ACT_NOUNS.get(w) or (ACT_VERBS.get(w) if w.endswith("ed") else None)
            first = j
            if family is None and w in CARRIERS and j > 0:
                family = ACT_NOUNS.get(words[j - 1][2])
                first = j - 1
            if family:
                # "medicines are licensed by the MHRA": a present passive is a standing remit.
                event = not (first > 0 and words[first - 1][2] in ("is", "are"))
                out.append(Action(actor, family, event, words[first][0], end))
                break
    return out


@per_story_by(story_reading)
def _story_actions(story: Story, profile: RegionProfile) -> tuple[tuple[Sentence, Action], ...]:
    lexicon = story_lexicon(story, profile)
    home = home_government(story, profile)
    sentences = story_sentences(story)
    actors, words = story_actors(story, profile), story_words(story)
    return tuple(
        (s, a)
        for s, found, spans in zip(sentences, actors, words, strict=True)
        for a in actions_in(s.text, lexicon, home, found, spans)
    )


def story_actions(story: Story, profile: RegionProfile) -> tuple[tuple[Sentence, Action], ...]:
    """Every (story sentence, action) the story reports."""
    return _story_actions(story, profile)


class SectionActs:
    """The acts each sentence of one section reports, read once (with the story's lexicon) for
    every check that asks: the ``attribution`` and ``claim`` checks, and the support links'
    fallback (`reported_in`)."""

    __slots__ = ("_found", "lexicon")

    def __init__(self, story: Story, profile: RegionProfile) -> None:
        self.lexicon = story_lexicon(story, profile)
        self._found: dict[str, list[Action]] = {}

    def of(
        self,
        text: str,
        actors: list[ActorAt] | None = None,
        words: list[WordSpan] | None = None,
    ) -> list[Action]:
        """`actions_in` the sentence (``actors`` and ``words``: its own, when already found)."""
        found = self._found.get(text)
        if found is None:
            found = self._found[text] = actions_in(text, self.lexicon, None, actors, words)
        return found


def reported_in(
    text: str, story: Story, profile: RegionProfile, acts: SectionActs | None = None
) -> tuple[int, ...]:
    """The story sentences that report an act this sentence mentions ("the US order");
    ``acts``: the section's, when already read."""
    told = story_actions(story, profile)
    numbers = [
        s.number
        for action in (acts or SectionActs(story, profile)).of(text)
        for s, a in told
        if same_act(action, a)
    ]
    return tuple(dict.fromkeys(numbers))
