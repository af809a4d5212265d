"""Remits: what a section says a body is for, against what its region profile says.

A remit is given in an apposition or a relative clause after the body's name: "the NCSC, the
UK's technical authority for cyber security," or "the ICO, which enforces UK GDPR,". Written
from the profile, it is a standing fact and allowed. Made up, it is an invented fact about a
public body: "the NCSC, which oversees export controls," gives the UK's cyber security centre a
job it does not have (export controls are the Department for Business and Trade's). The ``claim``
check reports a remit whose content words are mostly absent from the profile's entry for that
body (its names and remit, the region's names, and the profile's laws and bodies a remit may
mention).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from localize.grounding._findings import Finding, shorten
from localize.grounding._names import FirstWords, entry_names, names_in
from localize.grounding.attribution._actors import ActorAt, ActorLexicon, actors_in, name_end
from localize.regions import Institution, RegionProfile
from localize.text import content_lemmas, word_runs, word_set

__all__ = ["remit_findings"]

# An apposition ("the UK's technical authority for cyber security") or a relative clause
# ("which enforces UK GDPR") after a body's name, up to the next comma or sentence stop.
_REMIT = re.compile(
    r",\s+(?:(?P<rel>(?:which|who)\s+[^,.;:()]+)"
    r"|(?P<app>(?:the|a|an|its|[A-Z][\w.]*['\u2019]s)\s+[^,.;:()]+))(?=[,.;:)]|\Z)"
)
# A relative clause that reports an event or a plan is the action checks' ("which has said
# ..."): only a clause in the present simple states a remit.
_EVENT_START = word_set("has have had was were will would may might could can should did")
# Words any remit may use without saying what the body does (lemmatised on first use: the lemma
# tables load in about 0.2 s, which `localize --help` and `import localize` need not pay).
_GENERIC_WORDS = """
    responsible role body agency authority regulator regulate oversee lead national country
    work help support public government independent office charge task main chief watchdog
    organisation organization official part country's state federal its own sector
"""
# An apposition is a noun phrase: with a verb in it, the commas end an opening phrase instead
# ("For the eSafety Commissioner, the concern is indirect").
_VERBS = word_set("is are was were has have had will would can could may might does do did")
# The share of a remit's content words the profile must give.
_MIN_SHARED = 0.5
_QUOTE_LIMIT = 140


@lru_cache(maxsize=32)
def _profile_words(
    profile: RegionProfile,
) -> tuple[frozenset[str], dict[str, Institution], tuple[tuple[str, frozenset[str]], ...]]:
    """The region's own words, its bodies by name, and each body's or law's names with their words.

    Another body's words count for a remit only where the remit names that body ("part of
    GCHQ"): a profile across every beat has so many names that their loose words would let
    almost any remit through ("oversees export controls").
    """
    words = frozenset(content_lemmas(" ".join((profile.name, *profile.aliases))))
    named = tuple(
        (name, frozenset(content_lemmas(" ".join(entry)))) for name, entry in entry_names(profile)
    )
    return words, {inst.name: inst for inst in profile.institutions}, named


@lru_cache(maxsize=32)
def _named_index(profile: RegionProfile) -> FirstWords:
    """The names of `_profile_words`' bodies and laws, by their leading words."""
    return FirstWords.of([(n,) for n, _ in _profile_words(profile)[2]])


@lru_cache(maxsize=256)
def _allowed(profile: RegionProfile, name: str) -> frozenset[str]:
    shared, bodies, _ = _profile_words(profile)
    inst = bodies[name]
    own = content_lemmas(
        " ".join(n for n in (inst.name, inst.acronym, *inst.aliases, inst.remit) if n)
    )
    # A law's summary that names the body says what the body does under it.
    keys = {k for k in (inst.name, inst.acronym) if k}
    for law in profile.laws:
        if any(k in law.summary for k in keys):
            own |= content_lemmas(law.summary)
    return shared | own | content_lemmas(_GENERIC_WORDS)


def _same_word(a: str, b: str) -> bool:
    """One word in two forms: "disclose" and "disclosure", "cyber" and "cybersecurity"."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    if len(short) >= 5 and long.startswith(short):
        return True
    return len(short) >= 6 and long[:6] == short[:6]


def remit_findings(
    text: str,
    lexicon: ActorLexicon,
    profile: RegionProfile,
    actors: list[ActorAt] | None = None,
) -> Iterator[Finding]:
    """``claim`` findings for remits in one sentence that the profile does not give the body;
    ``actors`` are the sentence's, when already found (`actors_in` with this lexicon)."""
    if not _REMIT.search(text):
        return  # no apposition or relative clause at all: most sentences
    _, bodies, named = _profile_words(profile)
    if actors is None:
        actors = actors_in(text, lexicon)
    for start, end, actor, _ in actors:
        name = actor.key.removeprefix("inst:")
        if not actor.key.startswith("inst:") or name not in bodies:
            continue
        m = _REMIT.match(text, name_end(text, end))
        if m is None:
            continue
        remit = m.group("rel") or m.group("app")
        words = remit.split()
        if m.group("rel") and len(words) > 1 and words[1].lower() in _EVENT_START:
            continue
        if m.group("app") and any(w.lower() in _VERBS for w in words):
            continue
        said = content_lemmas(" ".join(words[1:]) if m.group("rel") else remit)
        said -= content_lemmas("which who")
        if not said:
            continue
        # Only the names whose leading word the remit has can be in it (see `FirstWords`).
        found = _named_index(profile).candidates(word_runs(remit))
        allowed = _allowed(profile, name).union(
            *(named[i][1] for i in found if names_in(remit, (named[i][0],)))
        )
        unsupported = {
            w for w in said if w not in allowed and not any(_same_word(w, a) for a in allowed)
        }
        if not unsupported or len(said - unsupported) / len(said) >= _MIN_SHARED:
            continue
        span = text[start : m.end()]
        inst = bodies[name]
        yield Finding(
            "claim",
            "error",
            f'"{shorten(span, _QUOTE_LIMIT)}" gives {actor.label} a remit the region profile '
            f'does not ({", ".join(sorted(unsupported))}): the profile says "{inst.remit}".',
            span,
        )
