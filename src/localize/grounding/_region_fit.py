"""Region fit: is a section about its own region, in its own language?

The ``region`` check (error). A section written for one region and published under another is
wrong even when every fact in it is the story's: "For British organisations ... under UK GDPR,
the ICO" in an Irish section sends readers to a regulator that has no say over them. It reports:

- another region's body or law (a name, acronym or alias from another shipped profile that this
  profile does not also list), unless the story names that body itself;
- another region's readers: its name or demonym before an audience noun ("British
  organisations", "UK businesses") unless the story says the same; or a region the story never
  mentions at all;
- an amount in another region's currency the story does not use;
- a story's organisation made this region's own ("a major Australian cryptocurrency exchange,
  Binance") when no story sentence naming it names the region;
- a section that never names its region, nor any body or law of the profile;
- a section not in the profile's language (an English body under a German profile, or the
  reverse).

Regions that contain one another are not foreign: a profile that ``extends`` another (Scotland,
the UK), and profiles sharing a law (Ireland and the EU, both under the same GDPR).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from localize.grounding._analysis import per_story
from localize.grounding._findings import Finding, shorten
from localize.grounding._names import FirstWords, find_whole, names_in, whole_name
from localize.grounding._support import profile_entries
from localize.regions import RegionProfile, builtin_regions, pack_regions
from localize.story import Story
from localize.text import STOPWORDS, is_common_word, story_sentences, word_runs, word_set
from localize.text._words import SCRIPT_WORD

__all__ = ["check_region_fit"]

# Nouns for a section's readers: a region's name before one of these addresses that region.
_AUDIENCE = (
    r"(?:organi[sz]ations?|businesses|business|firms?|companies|company|enterprises?|"
    r"consumers?|users?|readers?|customers?|citizens?|residents?|households?|taxpayers?|"
    r"security\s+teams?|defenders?|people|public|workers?|employers?|startups?|banks?|"
    r"hospitals?|schools?|universities|charities|institutions|operators?|providers?|SMEs)"
)
# Up to two modifiers between a demonym and its noun ("UK small businesses"); only adjectives
# of size or kind, so "the US restriction leaves defenders" is not an address to US defenders.
_MODIFIER = (
    r"(?:small|smaller|large|larger|big|local|domestic|medium-sized|mid-sized|public|private|"
    r"listed|financial|tech|technology|cyber|cybersecurity|security|online|retail|critical|"
    r"national|regional|many|most|all|some)"
)
_AUDIENCE_AFTER = re.compile(
    rf"(?:['\u2019]s)?\s+(?:{_MODIFIER}\s+){{0,2}}{_AUDIENCE}\b", re.IGNORECASE
)

# Currency: an amount written with a symbol, a prefixed dollar sign, a code or a currency word
# ("£50", "A$3m", "EUR 5", "5 million euros"). A bare "$" names no region; "the euro" or
# "sterling work" is no amount.
_CURRENCY_MARKS: dict[str, str] = {
    "£": "GBP",
    "€": "EUR",
    "₹": "INR",
    "US$": "USD",
    "A$": "AUD",
    "AU$": "AUD",
    "NZ$": "NZD",
    "C$": "CAD",
    "CA$": "CAD",
    "S$": "SGD",
    "pounds": "GBP",
    "pounds sterling": "GBP",
    "euro": "EUR",
    "euros": "EUR",
    "rupee": "INR",
    "rupees": "INR",
    "rand": "ZAR",
    "us dollars": "USD",
    "us dollar": "USD",
    "u.s. dollars": "USD",
    "australian dollars": "AUD",
    "australian dollar": "AUD",
    "canadian dollars": "CAD",
    "canadian dollar": "CAD",
    "new zealand dollars": "NZD",
    "new zealand dollar": "NZD",
    "singapore dollars": "SGD",
    "singapore dollar": "SGD",
}
_CURRENCY = re.compile(
    r"(?P<before>(?<![\w$])(?:US\$|AU\$|NZ\$|CA\$|A\$|C\$|S\$)|[£€₹]"
    r"|\b(?:GBP|EUR|USD|AUD|NZD|CAD|SGD|INR|ZAR)\s?)(?=\d)"
    r"|(?<![\w.,])\d[\d,.]*(?:\s*(?:million|billion|trillion|bn|m|k))?\s"
    r"(?P<after>(?:US|U\.S\.|Australian|Canadian|New\s+Zealand|Singapore)\s+dollars?"
    r"|pounds sterling|pounds|euros?|rupees?|rand|GBP|EUR|USD|AUD|NZD|CAD|SGD|INR|ZAR)\b"
)
_DOLLARS = frozenset({"USD", "AUD", "CAD", "NZD", "SGD"})
# An amount a story gives in plain dollars ("26.3 billion dollars", "$5m"): the section may
# name the dollar ("US$26.3 billion"), as the story's own region reads it.
_PLAIN_DOLLARS = re.compile(
    r"(?<![\w$])\$(?P<a>\d[\d,.]*)|(?<![\w.,])(?P<b>\d[\d,.]*)"
    r"(?:\s*(?:million|billion|trillion|bn|m|k))?\s+dollars\b"
)
_AMOUNT = re.compile(r"\d[\d,]*(?:\.\d+)?")

# English function words: their share of a text's words tells English from other languages.
_ENGLISH = word_set(
    """
    the and of to in is are for that with on by it as be this from was were has have will which
    or its their at an a not but can could would should may they these those than also been
    """
)
_MIN_LANGUAGE_WORDS = 12
_ENGLISH_SHARE = 0.15
_QUOTE_LIMIT = 80


@dataclass(frozen=True, slots=True)
class _Foreign:
    """Another region's names as seen from one profile."""

    # Every name of this profile and the foreign ones, longest first: at any position the
    # longest name wins, so "GDPR" inside this profile's "UK GDPR" is not another region's.
    names: tuple[str, ...]
    # foreign name -> (its region, "body"/"law"/"place", every name of that entry)
    owner: dict[str, tuple[RegionProfile, str, tuple[str, ...]]]
    # ``names`` by their leading word: a section holds a few of the ~1,000, and the alternation
    # of only those finds what the whole one does (see `FirstWords`), far sooner.
    first_words: FirstWords

    def matches(self, body: str) -> list[re.Match[str]]:
        """What `iter_whole` finds in ``body`` with the alternation of these names (in
        ``names``' order: at a position the longest wins), each name searched on its own.

        A section's candidates (see `FirstWords`) differ from story to story with the names it
        quotes, so an alternation of them was compiled for nearly every section: milliseconds
        each, where the names' own patterns are compiled once. At each position the alternation
        matches with the first of its names that matches there, and it searches on from that
        match's end; so does this, from every name's matches.
        """
        at: dict[int, re.Match[str]] = {}
        for i in self.first_words.candidates(word_runs(body)):
            pattern = whole_name(self.names[i], spaced=True)
            pos = 0
            while (m := find_whole(pattern, body, pos)) is not None:
                at.setdefault(m.start(), m)  # candidates come in order: the first name wins
                pos = m.start() + 1
        found: list[re.Match[str]] = []
        end = 0
        for start in sorted(at):
            if start >= end:
                m = at[start]
                found.append(m)
                end = max(m.end(), start + 1)
        return found


def _entry_names(profile: RegionProfile) -> Iterator[tuple[tuple[str, ...], str]]:
    for inst in profile.institutions:
        yield tuple(n for n in (inst.name, inst.acronym, *inst.aliases) if n), "body"
    for law in profile.laws:
        yield tuple(n for n in (law.name, law.short_name, *law.aliases) if n), "law"


def _place_words(profile: RegionProfile) -> tuple[str, ...]:
    # Capitalised names only: "member states", "the State", "federal government" are not names
    # of a place.
    return tuple(w for w in (profile.name, *profile.aliases) if w[:1].isupper())


def _related(a: RegionProfile, b: RegionProfile) -> bool:
    """Whether one region contains the other (``extends``, or a law they share: the EU and
    Ireland) or is the other (a desk's own profile of a built-in region, by its name).

    A law is shared when both list it under one URL, or under one name where either gives no
    URL; the UK's and Ireland's Data Protection Act 2018 are namesakes with different URLs.
    """
    if a.extends == b.id or b.extends == a.id or a.name == b.name:
        return True
    for x in a.laws:
        for y in b.laws:
            if x.url and y.url:
                if x.url == y.url:
                    return True
            elif {x.name, x.short_name} & {y.name, y.short_name} - {None}:
                return True
    return False


@lru_cache(maxsize=64)
def _foreign(profile: RegionProfile) -> _Foreign:
    own: set[str] = set(profile.aliases) | {profile.name} | set(_audience_names(profile))
    for names, _ in _entry_names(profile):
        own.update(names)
    owner: dict[str, tuple[RegionProfile, str, tuple[str, ...]]] = {}
    holders: dict[str, set[str]] = {}  # name -> the other regions that list it
    shipped = {**builtin_regions(), **pack_regions()}
    # A name a child profile inherits (Scotland's "UK GDPR") is its parent's: parents first.
    for other in sorted(shipped.values(), key=lambda p: p.extends is not None):
        if other.id == profile.id or _related(profile, other):
            continue
        places = _place_words(other)
        for names, kind in (*_entry_names(other), (places, "place")):
            for name in names:
                holders.setdefault(name, set()).add(other.id)
                if name not in own and name not in owner:
                    owner[name] = (other, kind, names)
    # A name made only of common words, that several other regions list and that sits inside
    # one of this region's own body names, is this region's short form too: "Parliament" for the
    # Parliament of Australia (Canada, New Zealand and the UK each list "Parliament");
    # "the Electoral Commission" for the Australian Electoral Commission. A coined name
    # ("NCSC", "Ofcom"), or one only one region uses ("Environment Agency"), stays foreign.
    own_names = [n for names, _ in _entry_names(profile) for n in names]
    # Bodies only: a law's name is its country's even in common words ("Data Protection Act").
    generic = [
        n for n, o in owner.items() if o[1] == "body" and len(holders[n]) > 1 and _generic(n)
    ]
    for name in generic:
        if any(names_in(own_name, (name,)) for own_name in own_names):
            del owner[name]
            own.add(name)
    if not owner:
        return _Foreign((), owner, FirstWords.of(()))
    ordered = tuple(sorted(owner.keys() | own, key=len, reverse=True))
    return _Foreign(ordered, owner, FirstWords.of([(n,) for n in ordered]))


def _generic(name: str) -> bool:
    """Whether a name is made only of common English words ("Parliament", "Department of
    Health"): the kind of body it is, which many regions share."""
    words = SCRIPT_WORD.findall(name)
    return bool(words) and all(w.lower() in STOPWORDS or is_common_word(w) for w in words)


def _the(profile: RegionProfile) -> str:
    """A region's name as a sentence uses it: "the United Kingdom", "Ireland"."""
    words = profile.name.split()
    plural_or_union = words[0] in ("United", "European") or words[-1] in ("Republic", "Islands")
    return f"the {profile.name}" if plural_or_union else profile.name


@per_story
def _story_currencies(story: Story) -> frozenset[str]:
    return frozenset(_currency_of(m) for m in _CURRENCY.finditer(story.text))


def _currency_of(m: re.Match[str]) -> str:
    mark = " ".join((m.group("before") or m.group("after")).split())
    return _CURRENCY_MARKS.get(mark, _CURRENCY_MARKS.get(mark.lower(), mark.upper()))


@per_story
def _story_plain_dollars(story: Story) -> frozenset[str]:
    """The figures the story gives in plain dollars, with no country's mark."""
    found = (m.group("a") or m.group("b") for m in _PLAIN_DOLLARS.finditer(story.text))
    return frozenset(f.rstrip(".,").replace(",", "") for f in found)


def _amount_of(m: re.Match[str], body: str) -> str:
    """The figure of a currency match: after a mark ("US$26.3"), or the match's own."""
    figure = _AMOUNT.match(body, m.end()) if m.group("before") else _AMOUNT.search(m.group())
    return figure.group().replace(",", "") if figure else ""


def _is_english(text: str) -> bool | None:
    """Whether ``text`` reads as English (None when it is too short to tell)."""
    words = [w.lower() for w in SCRIPT_WORD.findall(text)]
    if len(words) < _MIN_LANGUAGE_WORDS:
        return None
    return sum(w in _ENGLISH for w in words) / len(words) >= _ENGLISH_SHARE


def _foreign_findings(body: str, story: Story, profile: RegionProfile) -> Iterator[Finding]:
    foreign = _foreign(profile)
    if not foreign.owner:
        return
    seen: set[tuple[str, ...]] = set()
    for m in foreign.matches(body):
        name = " ".join(m.group().split())
        found = foreign.owner.get(name)
        if found is None:
            continue  # this profile's own name
        other, kind, names = found
        span = name
        if kind == "place":
            audience = _AUDIENCE_AFTER.match(body, m.end())
            if audience:
                span = body[m.start() : audience.end()]
                # The story's own audience, under any of that region's names ("American
                # citizens" for the story's "US citizens"), is the story's subject, not readers.
                rest = body[m.end() : audience.end()]
                told = " ".join(story.text.lower().split())
                if any(" ".join(f"{n}{rest}".lower().split()) in told for n in (name, *names)):
                    continue
                names = (span,)
                message = (
                    f'"{span}" addresses readers in {_the(other)}, but this is the '
                    f"{profile.name} section."
                )
            elif names_in(story.text, names):
                continue
            else:
                message = (
                    f'"{span}" brings {_the(other)} into the {profile.name} section, but the '
                    "story does not mention it."
                )
        else:
            if names_in(story.text, names):
                continue
            what = "a body" if kind == "body" else "a law"
            message = (
                f'"{span}" is {what} of {_the(other)}, not of {_the(profile)}, and the story '
                "does not name it: name the region's own, from the region profile."
            )
        if names not in seen:
            seen.add(names)
            yield Finding("region", "error", message, span)


# Every amount has a digit: a section with none holds no amount to search for.
_DIGIT = re.compile(r"\d")


def _currency_findings(body: str, story: Story, profile: RegionProfile) -> Iterator[Finding]:
    if _DIGIT.search(body) is None:
        return
    allowed = _story_currencies(story) | {profile.currency}
    for m in _CURRENCY.finditer(body):
        code = _currency_of(m)
        if code in _DOLLARS and _amount_of(m, body) in _story_plain_dollars(story):
            continue
        if code not in allowed:
            mark = (m.group("before") or m.group("after")).strip()
            yield Finding(
                "region",
                "error",
                f'"{m.group().strip()}" is an amount in {code}, but {profile.name}\'s currency '
                f"is {profile.currency} and the story gives no amount in {code}.",
                mark,
            )
            return


# What an organisation is called after a nationality: "a major Australian cryptocurrency
# exchange, Binance", "the Australian company Binance", "Binance, an Australian exchange".
_KIND = (
    r"(?:company|companies|firm|exchange|group|bank|platform|giant|start-?up|maker|developer|"
    r"provider|operator|retailer|airline|network|service|app|business|brand|manufacturer|"
    r"insurer|lender|broker|supplier|carrier|publisher|broadcaster|chain)"
)
_NAME = r"(?P<name>[A-Z][\w.&'\u2019-]*(?:\s+[A-Z][\w.&'\u2019-]*){0,3})"


@lru_cache(maxsize=64)
def _localising(profile: RegionProfile) -> tuple[re.Pattern[str], ...]:
    words = "|".join(re.escape(w) for w in sorted(_place_words(profile), key=len, reverse=True))
    return (
        re.compile(rf"\b(?P<place>{words})\s+(?:[a-z][\w-]*\s+){{0,3}}{_KIND},?\s+{_NAME}"),
        re.compile(rf"{_NAME},\s+(?:a|an|the)\s+(?:[a-z][\w-]*\s+){{0,2}}(?P<place>{words})\s"),
    )


def _localised_names(body: str, story: Story, profile: RegionProfile) -> Iterator[Finding]:
    """A story's organisation made this region's own: a national angle the story does not give.

    Reported when the story names the organisation but never in a sentence that names the
    region.
    """
    if not _place_words(profile):
        return
    for pattern in _localising(profile):
        for m in pattern.finditer(body):
            name = m.group("name")
            # The story's sentences only where a section makes a name local: most never do.
            with_name = [s.text for s in story_sentences(story) if name in s.text]
            if not with_name or any(names_in(s, _place_words(profile)) for s in with_name):
                continue
            span = m.group().strip()
            yield Finding(
                "region",
                "error",
                f'"{span}" makes {name} {m.group("place")}, but the story does not tie '
                f"{name} to {_the(profile)}.",
                span,
            )


def _audience_names(profile: RegionProfile) -> tuple[str, ...]:
    """The names in the profile's audience: "Irish" of "Irish readers"."""
    return tuple(w for w in SCRIPT_WORD.findall(profile.audience) if w[:1].isupper())


def check_region_fit(body: str, story: Story, profile: RegionProfile) -> list[Finding]:
    """The ``region`` findings for a section body written for ``profile``."""
    findings: list[Finding] = []
    english = _is_english(body)
    if english is not None and english != profile.english:
        expected = "English" if profile.english else f'the language "{profile.language}"'
        findings.append(
            Finding(
                "region",
                "error",
                f"The section is not written in {expected}, the {profile.name} profile's "
                f"language ({profile.locale}).",
                shorten(body, _QUOTE_LIMIT),
            )
        )
    if (
        body.strip()
        and not profile_entries(body, profile)
        and not names_in(body, _audience_names(profile))
    ):
        findings.append(
            Finding(
                "region",
                "error",
                f"The section never addresses {_the(profile)}: it names neither the region nor "
                "any body or law of its profile.",
            )
        )
    findings.extend(_foreign_findings(body, story, profile))
    findings.extend(_currency_findings(body, story, profile))
    findings.extend(_localised_names(body, story, profile))
    return findings
