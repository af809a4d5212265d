"""Who did what: the ``attribution`` and ``claim`` checks.

Both read actions (`localize.grounding.attribution._actions`) and counts
(`localize.grounding.attribution._counts`) out of sentences the same
way, in the story and in the section.

- ``attribution`` (error): the section gives an action the story reports to another actor than
  the story does: "the UK government's ban" when the story's ban is the US government's. Or it
  gives one of the story's counts to another actor or group. A section count equal to a story
  count is an error when it counts organisations for people or the reverse ("76 UK firms" for
  the story's 76 experts), is tied to a public body or government named in neither its story
  sentence nor the one before ("the UK government restricted access to 50 companies"; a company
  or person only when the story names the owner), or is put in a region the story's count is
  not. The profile's own figures are left alone.
- ``claim`` (error): the section says a public body (or a region's government) did or said
  something specific that the story does not report: in the past, the perfect, the progressive
  or a definite future; reported ("has said it is studying"); in a relative clause or after an
  apposition ("Ofcom, which has said it is reviewing the order,"); or hedged or planned when it
  is aimed at the story's own event ("is expected to look at the ban", "may review the order").
  The present simple and other hedged forms are a body's standing remit and pass: "the ICO
  enforces UK GDPR", "the NCSC has long urged organisations to patch", "CISA may issue
  guidance". A remit a section gives one of the profile's bodies must be the profile's
  (`localize.grounding.attribution._remits`): "the NCSC, which oversees export controls" is a
  claim.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from functools import lru_cache

from localize.grounding._figures import scan_figures
from localize.grounding._findings import Finding, shorten
from localize.grounding.attribution._act_words import ACT_VERBS, CARRIERS
from localize.grounding.attribution._actions import (
    Action,
    SectionActs,
    act_group,
    reported_in,
    same_act,
    story_actions,
)
from localize.grounding.attribution._actors import (
    Actor,
    ActorAt,
    ActorLexicon,
    actors_in,
    home_government,
)
from localize.grounding.attribution._counts import (
    ACTOR_KINDS,
    Count,
    StoryCount,
    counts_in,
    kind_of,
    story_counts,
)
from localize.grounding.attribution._remits import remit_findings
from localize.regions._profiles import RegionProfile
from localize.story import Story
from localize.text._sentences import Sentence, split_sentences, story_sentences
from localize.text._word_spans import WordSpan, word_spans
from localize.text._wordfold import fold

__all__ = ["Action", "SectionActs", "check_actions", "reported_in", "story_actions"]

# Families of acts whose actor the story fixes: giving one to someone else is an attribution
# error. The others are claims when the story does not report them of that actor.
_STORY_ACTS = frozenset({"ban", "order", "restriction", "suspension", "letter"})
# Verbs that both say something and carry the act they say ("announced sweeping export
# controls"): a body the story says announced an act said something, and a section may report
# what it said ("the Commerce Department said companies now need a licence").
_ANNOUNCING = frozenset(w for w in CARRIERS if ACT_VERBS.get(w) == "statement")
_WORD = re.compile(r"[a-z]+")
# Characters of a sentence quoted in a message.
_QUOTE_LIMIT = 140
_QUOTED = re.compile(r"[\"\u201c]([^\"\u201c\u201d]{12,})[\"\u201d]")


@lru_cache(maxsize=32)
def _profile_values(profile: RegionProfile) -> frozenset[Decimal]:
    return frozenset(f.value for f in scan_figures(profile.text))


def _compatible(a: str | None, b: str | None) -> bool:
    """Whether two counted nouns may count the same thing ("companies", "organisations")."""
    if a is None or b is None:
        return True
    if kind_of(a) and kind_of(b):
        return kind_of(a) == kind_of(b)
    return a.rstrip("s") == b.rstrip("s")


def _cite(told: StoryCount, limit: int = _QUOTE_LIMIT) -> str:
    """The story sentence, numbered; a long one cut to a window around the count."""
    text, c = told.sentence.text, told.count
    if len(text) > limit:
        start = max(0, min(c.start - (limit - (c.end - c.start)) // 2, len(text) - limit))
        end = start + limit
        # Whole words only: cut at the spaces inside the window.
        if start and (space := text.find(" ", start, c.start)) != -1:
            start = space + 1
        if end < len(text) and (space := text.rfind(" ", c.end, end)) != -1:
            end = space
        text = ("\u2026" if start else "") + text[start:end] + ("\u2026" if end < len(text) else "")
    return f'[{told.sentence.number}] "{text}"'


def _phrase(told: StoryCount) -> str:
    return told.sentence.text[told.count.start : told.count.end]


def _count_findings(
    text: str,
    told: Mapping[Decimal, tuple[StoryCount, ...]],
    skip: frozenset[Decimal],
    lexicon: ActorLexicon,
    seen: tuple[list[ActorAt], list[WordSpan] | None],
) -> Iterator[tuple[Finding, str]]:
    """``attribution`` findings for the story's counts (``told``; the profile's own figures
    ``skip``ped) in one sentence, each with the key of the actor it names; ``seen`` is the
    sentence's actors and words."""
    figures = [f for f in scan_figures(text) if f.value in told and f.value not in skip]
    if not figures:
        return
    actors, words = seen
    for c in counts_in(text, lexicon, figures=figures, actors=actors, words=words):
        same = [
            t for t in told[c.value] if c.currency is None or t.count.currency in (None, c.currency)
        ]
        if not same:
            continue
        found = _count_finding(text, c, same, lexicon)
        if found is not None:
            yield found


def _count_finding(
    text: str, c: Count, same: list[StoryCount], lexicon: ActorLexicon
) -> tuple[Finding, str] | None:
    matching = [t for t in same if _compatible(c.noun, t.count.noun)]
    if not matching:
        return _kind_finding(text, c, same)
    for start, end, actor in c.owners:
        if any(actor.key in t.near for t in matching):
            continue
        if not actor.public and not all(t.count.owners for t in matching):
            continue  # the story's own count names no owner to compare with
        span = text[start:end]
        told = next((t for t in matching if t.count.owners), matching[0])
        message = (
            f'"{span}" gives the story\'s "{_phrase(told)}" to {actor.label}, but the story '
            f"does not: {_cite(told)}"
        )
        return Finding("attribution", "error", message, span), actor.key
    story_places = {a.key for t in matching for _, _, a in t.count.places}
    for start, end, actor in c.places:
        if actor.key not in story_places:
            span = text[start:end]
            message = (
                f'"{span}" puts the story\'s "{_phrase(matching[0])}" in '
                f"{lexicon.places[actor.key]}, but the story does not: {_cite(matching[0])}"
            )
            return Finding("attribution", "error", message, span), actor.key
    return None


def _kind_finding(text: str, c: Count, same: list[StoryCount]) -> tuple[Finding, str] | None:
    """ "76 UK firms" for the story's "76 experts": a count of another kind of actor."""
    kind = kind_of(c.noun)
    known = [t for t in same if kind_of(t.count.noun) in ACTOR_KINDS]
    if kind not in ACTOR_KINDS or not known or any(t.count.noun is None for t in same):
        return None
    told = known[0]
    span = text[c.start : c.end]
    message = (
        f'"{span}" counts {c.noun}, but the story\'s {span.split()[0]} are {told.count.noun}: '
        f"{_cite(told)}"
    )
    key = c.places[0][2].key if c.places else ""
    return Finding("attribution", "error", message, span), key


def check_actions(
    body: str, story: Story, profile: RegionProfile, acts: SectionActs | None = None
) -> Iterator[Finding]:
    """The ``attribution`` and ``claim`` findings for a section body; ``acts``: the section's
    sentences' acts, kept for the support links (`reported_in`) to read again."""
    told = story_actions(story, profile)
    acts = acts or SectionActs(story, profile)
    lexicon = acts.lexicon
    counts, skip = story_counts(story, profile), _profile_values(profile)
    seen: set[tuple[str, str]] = set()
    home = home_government(story, profile)
    for sentence in split_sentences(body):
        # The sentence's actors and words, found once for its counts, acts and remits alike
        # (its words are walked only from an actor: a sentence naming none has no act).
        actors = actors_in(sentence.text, lexicon)
        words = word_spans(sentence.text) if actors else None
        # A count given to another actor says more than the act it comes with: report it alone.
        flagged: set[str] = set()
        for finding, actor_key in _count_findings(
            sentence.text, counts, skip, lexicon, (actors, words)
        ):
            if ("count", finding.text) not in seen:
                seen.add(("count", finding.text))
                flagged.add(actor_key)
                yield finding
        for action in acts.of(sentence.text, actors, words):
            key = (action.actor.key, action.family)
            if key in seen or action.actor.key in flagged:
                continue
            found = _action_finding(action, sentence.text, story, told, lexicon, home)
            if found is not None:
                seen.add(key)
                yield found
        yield from remit_findings(sentence.text, lexicon, profile, actors)


def _same_actor(
    actor: Actor, told: Actor, sentence: Sentence, lexicon: ActorLexicon, home: Actor | None
) -> bool:
    """Whether a section's actor is the story's: the same, or a country standing for one of
    its government's bodies ("the US announced" where the story's US Commerce Department did),
    when the story's sentence names that country or the story is about its government."""
    if actor.key == told.key:
        return True
    if actor.key not in lexicon.homes.get(told.key, ()):
        return False
    if home is not None and home.key == actor.key:
        return True
    return any(a.key == actor.key for _, _, a, _ in actors_in(sentence.text, lexicon))


def _announced(sentence: Sentence, action: Action) -> bool:
    return not _ANNOUNCING.isdisjoint(
        _WORD.findall(sentence.text[action.start : action.end].lower())
    )


def _reported(
    action: Action,
    told: tuple[tuple[Sentence, Action], ...],
    lexicon: ActorLexicon,
    home: Actor | None,
) -> bool:
    """Whether the story reports a section's act of its actor: the same act, or a statement
    where the story says the actor announced its act."""
    group = act_group(action.family)
    return any(
        (act_group(a.family) == group or (action.family == "statement" and _announced(s, a)))
        and _same_actor(action.actor, a.actor, s, lexicon, home)
        for s, a in told
    )


def _action_finding(
    action: Action,
    text: str,
    story: Story,
    told: tuple[tuple[Sentence, Action], ...],
    lexicon: ActorLexicon,
    home: Actor | None,
) -> Finding | None:
    """The finding on one act in a section sentence, if the story does not report it so."""
    if any(same_act(action, a) for _, a in told) or _reported(action, told, lexicon, home):
        return None
    span = text[action.start : action.end]
    group = act_group(action.family)
    by_others = [(s, a) for s, a in told if act_group(a.family) == group]
    quoted = action.family in ("statement", "warning") and _quoted_story_sentence(text, story)
    if quoted:
        return Finding(
            "attribution",
            "error",
            f'"{span}" gives the story\'s words to {action.actor.label}, but the story '
            f'does not: [{quoted.number}] "{shorten(quoted.text, _QUOTE_LIMIT)}"',
            span,
        )
    if by_others and action.family in _STORY_ACTS:
        s, a = by_others[0]
        return Finding(
            "attribution",
            "error",
            f'"{span}" gives the {action.family} to {action.actor.label}, but the story '
            f'says it was {a.actor.label}\'s: [{s.number}] "{shorten(s.text, _QUOTE_LIMIT)}"',
            span,
        )
    if action.actor.public and action.event:
        return Finding(
            "claim",
            "error",
            f"The story does not report that {action.actor.label} did this: "
            f'"{shorten(text, _QUOTE_LIMIT)}"',
            span,
        )
    return None


def _quoted_story_sentence(text: str, story: Story) -> Sentence | None:
    """The story sentence holding words this sentence quotes, if any."""
    for m in _QUOTED.finditer(text):
        quote = fold(m.group(1))
        for s in story_sentences(story):
            if quote in fold(s.text):
                return s
    return None
