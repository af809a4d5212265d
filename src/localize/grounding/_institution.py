"""The ``institution`` check: an acronym or a named body or law found in neither the story nor
this region's profile, or a known acronym given a wrong expansion."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from localize.grounding._context import CheckContext
from localize.grounding._dates import MONTH_NAMES, WEEKDAYS
from localize.grounding._facts import Facts, ProfileFacts
from localize.grounding._findings import Finding
from localize.grounding._names import (
    CONNECTORS,
    NAME_TOKEN,
    YEAR,
    gap_is_space,
    name_end,
    name_start,
    strip_possessive,
)
from localize.regions import builtin_regions, foreign_namesakes
from localize.text import (
    ACRONYM_ONLY,
    ACRONYM_WORD,
    PAREN_ACRONYM,
    fold,
    is_capitalised,
    is_common_word,
    sentence_initial,
    word_set,
)

__all__ = ["check_institution"]

_LABEL_AFTER = re.compile(r"(?:[ \t]+[A-Z]+)*[ \t]*:")
# Acronyms any section may use without a source: everyday business, technology and health terms,
# regions, and the letters of an elected office or an honour ("MPs", "an OBE"). They name no
# institution, so they cannot be an invented one.
_EVERYDAY_ACRONYMS = word_set("""
    AI AGI API CEO CTO CISO CIO CFO COO CSO IT OT PDF FAQ OK TV PR HR GDP ID IP VPN MFA
    SMS URL PC OS USB GPU CPU LLM ML SME SMB B2B B2C CV DNS HTTP HTTPS SQL ICT CCTV NGO PLC LLC
    GP DJ DNA HIV IVF MRI ICU GCSE SUV ATM
    CVE SOC EDR XDR SIEM MSP MSSP IAM SSO ISP VAT GPS AM PM QA UX UI RAM COVID
    UK US USA EU GB UAE NZ
    II III IV VI VII VIII IX XI XII
    MP MEP MSP MLA TD QC KC OBE MBE CBE
""")
# Head words of a named public body or law: a capitalised phrase around one is a name to ground.
_HEADS = word_set("""
    Agency Authority Commission Office Centre Center Department Ministry Directorate Council Board
    Bureau Regulator Commissioner Service Institute Administration Committee Parliament Court
    Tribunal Ombudsman Inspectorate Unit Taskforce Act Bill Directive Regulation Regulations
""")


# A day or month that leads into a name is a date, not part of it: "On Thursday India's
# Supreme Court struck down ...".
_DATE_WORDS = frozenset(WEEKDAYS) | {m.lower() for m in MONTH_NAMES}


@lru_cache(maxsize=1)
def _short_forms() -> dict[str, tuple[str, ...]]:
    """Each built-in region's two-word name, lower case ("united states"), with the region's
    one-word names ("us", "usa"): a section may spell out the region a story abbreviates in a
    body's name ("United States Commerce Department" for "US Commerce Department")."""
    out: dict[str, tuple[str, ...]] = {}
    for p in builtin_regions().values():
        names = (p.name, *p.aliases)
        short = tuple(n.lower() for n in names if len(n.split()) == 1)
        for n in names:
            if len(n.split()) == 2 and short:
                out[n.lower()] = short
    return out


def _spelled_out(
    body: str, tokens: list[re.Match[str]], lo: int, ends: list[int], grounded: str
) -> bool:
    """Whether the phrase from token ``lo``, led by a region's two-word name, is grounded with
    one of the region's one-word names in its place."""
    if lo + 2 >= len(tokens):
        return False
    pair = f"{tokens[lo].group()} {strip_possessive(tokens[lo + 1].group())}".lower()
    rest = tokens[lo + 2].start()
    return any(
        fold(f"{short} {strip_possessive(body[rest : tokens[hi].end()])}") in grounded
        for short in _short_forms().get(pair, ())
        for hi in ends
        if hi >= lo + 2
    )


def _is_head(word: str) -> bool:
    if not word[:1].isupper():
        return False  # every head is capitalised: most words are ruled out here
    bare = strip_possessive(word)
    return bare in _HEADS or bare.split("-", 1)[0] in _HEADS  # Directorate-General


@dataclass
class _Reported:
    """What the institution check has reported so far, so one fault yields one finding."""

    spans: list[tuple[int, int]] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)  # acronyms and folded names

    def overlaps(self, start: int, end: int) -> bool:
        return any(a < end and start < b for a, b in self.spans)


def _check_institutions(
    body: str, story: Facts, profile: ProfileFacts, english: bool = True
) -> Iterator[Finding]:
    tokens = list(NAME_TOKEN.finditer(body))
    reported = _Reported()
    yield from _wrong_expansions(body, tokens, story, profile, reported)
    yield from _unknown_bodies(body, tokens, story, profile, reported)
    if english:
        # In another language an acronym is often the story's, translated (OMS for WHO, UE for
        # EU): unknown to the story, yet right.
        yield from _unknown_acronyms(body, story, profile, reported)


def _wrong_expansions(
    body: str,
    tokens: list[re.Match[str]],
    story: Facts,
    profile: ProfileFacts,
    reported: _Reported,
) -> Iterator[Finding]:
    """A known acronym after a name that is not its expansion: "National Crime ... (NCSC)"."""
    ends: dict[int, int] | None = None  # built on the first bracketed acronym: most have none
    for m in PAREN_ACRONYM.finditer(body):
        if ends is None:
            ends = {t.end(): k for k, t in enumerate(tokens)}
        acr = m.group(1)
        known = profile.facts.expansions.get(acr, frozenset()) | story.expansions.get(
            acr, frozenset()
        )
        k = ends.get(m.start() - 1)
        if not known or k is None:
            continue
        first = _drop_leading(tokens, name_start(body, tokens, k), k, profile)
        phrase = tokens[first : k + 1]
        if sum(is_capitalised(t.group()) for t in phrase) < 2:
            continue  # a description ("the UK's cyber agency (NCSC)"), not an expansion
        folded = fold(body[phrase[0].start() : phrase[-1].end()])
        if any(name.endswith(folded) or folded.endswith(name) for name in known):
            continue
        span = body[phrase[0].start() : m.end()]
        reported.spans.append((phrase[0].start(), m.end()))
        reported.keys.add(acr)
        yield Finding(
            "institution",
            "error",
            f'"{span}" gives {acr} the wrong name: {acr} is the '
            f"{_display_name(acr, profile, story)}.",
            span,
        )


def _unknown_bodies(
    body: str,
    tokens: list[re.Match[str]],
    story: Facts,
    profile: ProfileFacts,
    reported: _Reported,
) -> Iterator[Finding]:
    """Named bodies and laws (a capitalised phrase around Agency, Office, Act...) not grounded."""
    grounded = story.folded + profile.facts.folded
    k = 0
    while k < len(tokens):
        word = tokens[k].group()
        # A head followed by another capitalised word is a modifier ("Information
        # Commissioner's Office"): the name is judged at its last head.
        if not _is_head(word) or (
            k + 1 < len(tokens)
            and gap_is_space(body, tokens[k], tokens[k + 1])
            and is_capitalised(tokens[k + 1].group())
        ):
            k += 1
            continue
        head = k
        first = name_start(body, tokens, k)
        last = name_end(body, tokens, k)
        k = last + 1
        if reported.overlaps(tokens[first].start(), tokens[last].end()):
            continue
        if _name_grounded(body, tokens, first, head, last, grounded, profile):
            continue
        first = _drop_leading(tokens, first, last, profile)
        if last - first < 1:
            continue  # one word ("Parliament", "the Commission"): too vague to judge
        start, end = tokens[first].start(), tokens[last].end()
        key = fold(body[start:end])
        paren = PAREN_ACRONYM.match(body, end + 1) if body[end : end + 1] == " " else None
        if paren:
            if _acronym_grounded(paren.group(1), story, profile):
                # A known acronym vouches for its spelled-out name ("the Network and
                # Information Security Directive (NIS2)"); a wrong one was reported already.
                continue
            reported.keys.add(paren.group(1))
            end = paren.end()
        reported.spans.append((start, end))
        if key in reported.keys:
            continue
        reported.keys.add(key)
        yield Finding(
            "institution",
            "error",
            f'"{body[start:end]}" is not named in the story or {profile.label}.',
            body[start:end],
        )


def _unknown_acronyms(
    body: str, story: Facts, profile: ProfileFacts, reported: _Reported
) -> Iterator[Finding]:
    for m in ACRONYM_WORD.finditer(body):
        acr = m.group(1)
        if acr in reported.keys or reported.overlaps(m.start(), m.end()):
            continue
        if _LABEL_AFTER.match(body, m.end()):
            continue  # "REGION PROFILE:", "NOTE:": a label (the leak check's business)
        if _acronym_grounded(acr, story, profile) or _shouted(body, m):
            continue
        reported.keys.add(acr)
        yield Finding(
            "institution",
            "error",
            f"The acronym {acr} is not in the story or {profile.label}.",
            acr,
        )


def _acronym_grounded(acr: str, story: Facts, profile: ProfileFacts) -> bool:
    return (
        _is_emphasis(acr, story, profile)
        or acr in _EVERYDAY_ACRONYMS
        or acr in story.acronyms
        or acr in profile.facts.acronyms
        or acr.lower() in profile.region_words
    )


# Words a writer capitalises for emphasis ("this is NOT a ban"); other English words count when
# the story or the profile writes them in lower case.
_EMPHASIS_WORDS = word_set("""
    not no never all any every must only now very new free stop warning urgent important
    critical do don't cannot will won't before after this that is are was and or but
""")


# From this length on, a word of the English lexicon in capitals is emphasis ("CLICK HERE",
# "SCROLL DOWN"): shorter ones are as often an acronym that spells a word (NICE, CERT, WHO).
_EMPHASIS_LENGTH = 5
_NEIGHBOUR_REACH = 40  # characters: longer than any word in capitals beside it


def _shouted(body: str, m: re.Match[str]) -> bool:
    """Whether a short lexicon word in capitals stands beside a long one: a shouted phrase
    ("CLICK HERE", "SCROLL DOWN FOR VIDEO"), not an acronym."""
    if not is_common_word(m.group(1).lower()):
        return False
    # A word either side is all it needs: a window, not the whole text split at every acronym.
    before = body[max(0, m.start() - _NEIGHBOUR_REACH) : m.start()].split()
    after = body[m.end() : m.end() + _NEIGHBOUR_REACH].split()
    return any(
        len(w) >= _EMPHASIS_LENGTH and w.isupper() and w.isalpha() and is_common_word(w.lower())
        for w in (before[-1] if before else "", after[0] if after else "")
    )


def _is_emphasis(word: str, story: Facts, profile: ProfileFacts) -> bool:
    lower = word.lower()
    if len(word) < 2 or not word.isalpha():
        return False
    return (
        lower in _EMPHASIS_WORDS
        or (len(word) > 3 and (lower in story.lower_words or lower in profile.facts.lower_words))
        or (len(word) >= _EMPHASIS_LENGTH and is_common_word(lower))
    )


def _drop_leading(tokens: list[re.Match[str]], first: int, last: int, profile: ProfileFacts) -> int:
    """Skip words that lead into a name without being part of it: "The", "UK's", connectors.

    A bare region word stays: in "European Cyber Defence Authority" it is part of the name.
    """
    while first < last:
        word = tokens[first].group()
        bare = strip_possessive(word)
        if (
            word.lower() in CONNECTORS
            or word.lower() in _DATE_WORDS
            or (bare != word and bare.lower() in profile.region_words)
        ):
            first += 1
        else:
            break
    return first


def _name_grounded(
    body: str,
    tokens: list[re.Match[str]],
    first: int,
    head: int,
    last: int,
    grounded: str,
    profile: ProfileFacts,
) -> bool:
    """Whether the phrase, or a shorter phrase around its head, is in the story or the profile.

    Leading words may go when they are not part of the name (a region, "The", an acronym or the
    word a sentence starts with: "NCSC and Information Commissioner's Office"); trailing words
    may go when the phrase ran on past the name. At least two words must remain, so "Cyber
    Defence Agency" is not grounded by the profile's mere "Agency".
    """
    ends = [
        j
        for j in range(last, head - 1, -1)
        if is_capitalised(tokens[j].group()) or YEAR.fullmatch(tokens[j].group())
    ]
    lo = first
    while True:
        for hi in ends:
            phrase = fold(strip_possessive(body[tokens[lo].start() : tokens[hi].end()]))
            # The story may give the name as a possessive, which folds to "commissions" ("The
            # European Commission's new AI Office").
            if hi - lo >= 1 and (phrase in grounded or f"{phrase[:-1]}s " in grounded):
                return True
        if _spelled_out(body, tokens, lo, ends, grounded):
            return True
        if lo >= head:
            return False
        word = tokens[lo].group()
        bare = strip_possessive(word)
        droppable = (
            bare.lower() in profile.region_words
            or bare.lower() in CONNECTORS
            or bare.lower() in _DATE_WORDS
            or ACRONYM_ONLY.fullmatch(bare) is not None
            or (lo == first and sentence_initial(body, tokens[lo].start()))
        )
        if not droppable:
            return False
        lo += 1


def _display_name(acr: str, profile: ProfileFacts, story: Facts) -> str:
    if acr in profile.acronym_names:
        return profile.acronym_names[acr]
    return min(story.expansions.get(acr) or {acr}).strip().title()


def check_institution(ctx: CheckContext) -> Iterator[Finding]:
    yield from _check_institutions(
        ctx.body, ctx.story_facts, ctx.profile_facts, ctx.profile.english
    )
    # Another region's body under a name this region's profile does not give it.
    for message, span in foreign_namesakes(ctx.body, ctx.story.text, ctx.profile):
        yield Finding("institution", "error", message, span)
