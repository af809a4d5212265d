"""Namesakes: one acronym or name, different bodies in different countries.

The UK, Ireland and New Zealand each have a National Cyber Security Centre (NCSC); Canada and New
Zealand each have an Office of the Privacy Commissioner (OPC); the UK and Ireland each have a Data
Protection Act 2018. A profile says which body it means by the entry's ``url``. An entry is a
namesake when another shipped profile (built-in or from a pack) lists the same acronym or name
with a different ``url``.

The institution check accepts a profile's names anywhere in its section, so "the UK's NCSC" would
pass in an Irish section. `foreign_namesakes` finds such a namesake tied to another country's name
("the UK's NCSC", "British NCSC", "the NCSC in New Zealand"): that is the other country's body,
which the profile does not supply, unless the story itself names it so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from localize.regions._profiles import RegionProfile, builtin_regions, pack_regions

__all__ = ["foreign_namesakes"]


def _entries(profile: RegionProfile) -> Iterator[tuple[str, str | None, str]]:
    """(acronym, name or alias; url; full name) for every institution and law."""
    for inst in profile.institutions:
        for key in (inst.name, inst.acronym, *inst.aliases):
            if key:
                yield key, inst.url, inst.name
    for law in profile.laws:
        for key in (law.name, law.short_name, *law.aliases):
            if key:
                yield key, law.url, law.name


@dataclass(frozen=True, slots=True)
class _Namesake:
    key: str
    name: str  # this profile's body
    url: str
    pattern: re.Pattern[str]
    owner: dict[str, str]  # foreign qualifier -> the profile that has the other body
    own_words: tuple[str, ...]  # this region's names that contain a foreign qualifier


def _words(profile: RegionProfile) -> tuple[str, ...]:
    return (profile.name, *profile.aliases)


@lru_cache(maxsize=64)
def _namesakes(region: RegionProfile) -> tuple[_Namesake, ...]:
    shipped = {**builtin_regions(), **pack_regions()}
    others = [p for p in shipped.values() if p.id != region.id]
    # Each other profile's urls by acronym or name, read once (not once per entry of this one).
    urls: list[dict[str, set[str]]] = []
    for other in others:
        by_key: dict[str, set[str]] = {}
        for k, u, _ in _entries(other):
            if u:
                by_key.setdefault(k, set()).add(u)
        urls.append(by_key)
    own = set(_words(region))
    found: list[_Namesake] = []
    for key, url, name in _entries(region):
        if not url:
            continue
        owner: dict[str, str] = {}
        for other, by_key in zip(others, urls, strict=True):
            if any(u != url for u in by_key.get(key, ())):
                owner.update((q, other.name) for q in _words(other) if q not in own)
        if not owner:
            continue
        quals = "|".join(re.escape(q) for q in sorted(owner, key=len, reverse=True))
        k = re.escape(key)
        pattern = re.compile(
            rf"(?<![\w-])(?P<q>{quals})(?:['\u2019]s)?\s+(?:own\s+)?(?P<k>{k})(?![\w-])"
            rf"|(?<![\w-])(?P<k2>{k})\s+(?:of|in|for)\s+(?:the\s+)?(?P<q2>{quals})(?![\w-])"
        )
        containing = tuple(w for w in own if any(q in w and q != w for q in owner))
        found.append(_Namesake(key, name, url, pattern, owner, containing))
    return tuple(found)


def _folded(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").split()).lower()


def foreign_namesakes(
    body: str, story_text: str, region: RegionProfile
) -> Iterator[tuple[str, str]]:
    """(message, span) for each namesake the section ties to another country, story aside."""
    story: str | None = None  # folded when first needed: most sections tie no namesake
    for ns in _namesakes(region):
        if ns.key not in body:
            continue  # both of its forms hold the name as written: no regex to run
        for m in ns.pattern.finditer(body):
            qual = m.group("q") or m.group("q2")
            qual_end = m.end("q") if m.group("q") else m.end("q2")
            # "Northern Ireland's NCSC" in a UK section is the UK's own, not Ireland's.
            if any(body[:qual_end].endswith(w) for w in ns.own_words):
                continue
            span = m.group(0)
            if story is None:
                story = _folded(story_text)
            if _folded(span) in story:
                continue
            yield (
                f'"{span}" is {ns.owner[qual]}\'s {ns.key}, not the {ns.name} of the '
                f"{region.name} profile ({ns.url}), and the story does not name it.",
                span,
            )
