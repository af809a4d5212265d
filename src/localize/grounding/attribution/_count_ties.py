"""Whose a count is and where: what ties a count in a sentence to an actor or a region.

An owner is the count's clause's subject with a reported act on it ("the UK government
restricted access to 50 companies"), a passive's agent ("50 companies chosen by the NCSC"), the
owner of a decision to act on it ("the UK government's decision to restrict access to 50
companies"), a possessive ("Anthropic's 50") or a name in the phrase ("76 NCSC experts"). A
place is a region in the phrase ("76 UK firms", "50 companies in the UK"). Hedged and remit
verbs ("may", "works with", "will be watching") tie nothing, nor does a subject when the count
follows a reporting verb or sits in a clause of its own ("the NCSC said that 76 ...").
"""

from __future__ import annotations

import re

from localize.grounding.attribution._act_words import ACT_VERBS, FILLERS, HABITUAL, MODALS
from localize.grounding.attribution._actors import (
    GOVERNMENT,
    Actor,
    ActorAt,
    ActorLexicon,
    actors_in,
    is_subject,
    name_end,
)
from localize.text._word_spans import WordSpan, word_index
from localize.text._wordfold import word_set

__all__ = ["Tie", "ties"]

Tie = tuple[int, int, Actor]  # the span of the phrase that ties a count to an actor, and it

# Words that open a clause of its own, or set a count beside the subject rather than under it
# ("the UK lost access along with 150 organisations"): the count is not the subject's.
_SUBORDINATE = word_set("""
    that which who whom whose while because although though whereas if unless when where after
    before since until once whether how why what like unlike along alongside among amongst
    including besides
""")
# Verbs of something that befell the subject, not an act on the count: "Britain lost access".
_UNDERGONE = word_set("lost joined followed faced suffered felt saw watched received lacked missed")
_AUXILIARIES = word_set("is are was were be been being")
_IRREGULAR_PAST = word_set("""
    gave given let sent told wrote written made put cut took taken brought found won lost paid
    chose chosen set kept left held led got sold bought built drew sought hit struck shut meant
    cost hurt spread broke drove threw caught dealt
""")
# Words that may stand between an owner's possessive and its count: "Britain's own 76 experts".
_BEFORE_COUNT = word_set("""
    the own approximately roughly around about some nearly almost over more than initial first
    original estimated
""")
# Nouns of a decision to act, whose owner acts on what follows: "Britain's decision to limit".
_INTENT = word_set("decision move plan bid choice effort attempt programme program scheme")
# Acts on a count besides the ban and order families: "will give 150 organisations access".
_GRANTS = word_set("give grant allow let offer extend expand provide open fund pay hire")
# Intent or likelihood after a subject: what follows has not happened ("wants to give").
_HEDGES = word_set("likely expected want wants need needs hope hopes aim aims plan plans seek")
# An object told to act ("ordered Anthropic to suspend access for 150"): the act is its own.
# "to" before a count ("gave access to roughly 50") is no such infinitive.
_OBJECT_CONTROL = re.compile(
    rf"\s+to\s+(?!(?:{'|'.join(sorted(_BEFORE_COUNT | {'a', 'an'}))})\b)[a-z]"
)
_BY_BEFORE = re.compile(r"(\S+)\s+by\s+(?:the\s+)?\Z")
_AGENT_AFTER = re.compile(r"(?:\s+[a-z]+){0,3}?\s+by\s+(?:the\s+)?")
_PLACE_AFTER = re.compile(r"\s+(?:in|from|across|within|throughout|based\s+in)\s+(?:the\s+)?")
_SHORT_PAREN = re.compile(r"\([^()]{1,40}\)")
# Within one sentence: a full stop there is an abbreviation's ("U.S.").
_CLAUSE_OR_COMMA_CHARS = ',;:()\u2014\u2013"\u201c\u201d'


def _is_adjective(text: str, tie: ActorAt) -> bool:
    """Whether a bare region word qualifies what follows ("UK firms") rather than acting."""
    start, end, actor, poss = tie
    if poss or not actor.key.startswith("gov:") or re.search(GOVERNMENT, text[start:end]):
        return False
    nxt = re.match(r"[ \t]+([\w'\u2019-]+)", text[end:])
    if nxt is None:
        return False
    w = nxt.group(1).lower()
    return not (w in MODALS or w in _AUXILIARIES or w in FILLERS or w == "will" or _past(w))


def _past(w: str) -> bool:
    """A verb form that reports an event: "restricted", "gave", "giving"."""
    return w in _IRREGULAR_PAST or (
        w.endswith(("ed", "ing")) and w not in ("including", "according")
    )


def _governs(words: list[WordSpan], i: int) -> bool:
    """Whether the words from ``i`` are a reported act ("initially restricted", "will give"):
    not a remit, a hedge, a negation or reported speech."""
    future = False
    for _, _, w in words[i : i + 5]:
        if w in MODALS or w in HABITUAL or w in _HEDGES or w in ("not", "never"):
            return False
        if w == "will":
            future = True
        elif w not in FILLERS and w not in _AUXILIARIES:
            if ACT_VERBS.get(w) in ("statement", "warning") or w in _UNDERGONE:
                return False
            # "will" is as often a guess ("will be watching") as a plan: only an act counts.
            return (_past(w) and not future) or (future and (w in ACT_VERBS or w in _GRANTS))
    return False


# Far longer than any clause a count's subject opens in news prose.
_CLAUSE_WINDOW = 400


def _subject_tie(text: str, words: list[WordSpan], actors: list[ActorAt], at: int) -> Tie | None:
    """The actor who acts on a count at ``at`` in its clause: "the UK government restricted
    access to 50 companies". None after a reporting verb or in a clause of its own ("the NCSC
    said that 76 ..."), or when an object does the act ("ordered Anthropic to suspend ...")."""
    # The clause is looked for in the _CLAUSE_WINDOW characters before the count, not from the
    # sentence's start for every count: a sentence of many counts stays linear.
    low = max(0, at - _CLAUSE_WINDOW)
    masked = _SHORT_PAREN.sub(lambda m: " " * len(m.group()), text[low:at])
    clause = low + 1 + max(masked.rfind(c) for c in _CLAUSE_OR_COMMA_CHARS)
    clause = max(clause, low)
    for start, end, actor, poss in reversed(actors):
        if start < clause:
            return None
        if end > at or _is_adjective(text, (start, end, actor, poss)):
            continue
        if text[max(0, start - 40) : start].rstrip().endswith("("):
            continue  # "(NCSC)" after the name: the name before it is the subject
        i = word_index(words, name_end(text, end))
        between = [w for _, _, w in words[i : word_index(words, at)]]
        if _SUBORDINATE.intersection(between):
            return None
        tie = _drives(text, words, (i, start, poss), actors, between)
        if tie is not None:
            return tie, end, actor
        if not poss and (_governs(words, i) or _OBJECT_CONTROL.match(text, end)):
            # Another actor's clause holds the count: "banned the models Anthropic had given
            # 50 companies", "ordered Anthropic to suspend access for 150 organisations".
            return None
    return None


def _drives(
    text: str,
    words: list[WordSpan],
    at: tuple[int, int, bool],
    actors: list[ActorAt],
    between: list[str],
) -> int | None:
    """Where the tie starts if the actor at ``at`` (word after it, start, possessive) does what
    its clause does to a later count: as the subject of a reported act, as a passive's agent
    ("restricted by the UK government to 50 companies") or as the owner of a decision ("the UK
    government's decision to restrict access to 50 companies")."""
    i, start, poss = at
    if poss:
        if not (len(between) > 2 and between[0] in _INTENT and between[1] == "to"):
            return None
        # The count is the infinitive's object: "to give 50 companies", "to limit Mythos to
        # 50 companies"; not "to ban exports affects all 150 organisations".
        rest = [w for w in between[3:] if w not in _BEFORE_COUNT]
        direct = not rest or (len(rest) <= 4 and rest[-1] in ("to", "for"))
        return start if direct and not any(_past(w) for w in rest) else None
    by = _BY_BEFORE.search(text, 0, start)
    if by is not None:
        passive = _past(by.group(1).lower()) and not any(_past(w) for w in between)
        return by.start() if passive else None
    return start if _governs(words, i) and is_subject(text, start, actors) else None


def ties(
    text: str,
    words: list[WordSpan],
    actors: list[ActorAt],
    lexicon: ActorLexicon,
    span: tuple[int, int],
) -> tuple[tuple[Tie, ...], tuple[Tie, ...]]:
    """(places, owners) of the count phrase at ``span``."""
    start, end = span
    places: list[Tie] = []
    owners: list[Tie] = []
    if "-" in text[start:end]:  # "150 UK-based organisations": the region before a hyphen
        known = {(a, b) for a, b, _, _ in actors}
        spaced = actors_in(text[:end].replace("-", " "), lexicon)
        actors = [*actors, *(x for x in spaced if x[0] >= start and x[:2] not in known)]
    for a, b, actor, poss in actors:
        if start <= a < end:
            gov = actor.key.startswith("gov:")
            (places if gov else owners).append((start, end, actor))  # "76 UK firms"
        elif poss and b <= start and _only_words(text[b:start], _BEFORE_COUNT):
            (places if actor.key.startswith("gov:") else owners).append((a, end, actor))
    after = _PLACE_AFTER.match(text, end) or _AGENT_AFTER.match(text, end)
    for a, b, actor, poss in actors:
        if after is not None and a == after.end():
            if after.re is _PLACE_AFTER:
                if actor.key.startswith("gov:"):
                    places.append((start, b, actor))  # "50 companies in the UK"
                elif after.group().split()[0] == "from":
                    owners.append((start, b, actor))  # "76 experts from the NCSC"
            elif not _is_adjective(text, (a, b, actor, poss)):
                owners.append((start, b, actor))  # "50 companies chosen by the NCSC"
    subject = _subject_tie(text, words, actors, start)
    if subject is not None:
        owners.append((subject[0], end, subject[2]))  # from the subject to the count
    return tuple(places), tuple(owners)


def _only_words(gap: str, allowed: frozenset[str]) -> bool:
    return all(w.lower() in allowed for w in gap.split()) and not re.search(r"[^\w\s]", gap)
