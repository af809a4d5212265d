"""The ``mention`` check: the section names none of the profile's institutions or laws."""

from __future__ import annotations

from collections.abc import Iterator

from localize.grounding._context import CheckContext
from localize.grounding._facts import ProfileFacts
from localize.grounding._findings import Finding
from localize.text import fold

__all__ = ["check_mention"]


def _check_mention(body: str, profile: ProfileFacts) -> Iterator[Finding]:
    folded = fold(body)
    if any(name in folded for name in profile.mention_names):
        return
    if any(p.search(body) for p in profile.mention_acronyms):
        return
    yield Finding(
        "mention",
        "warning",
        f"The section names no institution or law from {profile.label}, such as "
        f"{profile.example_mentions}.",
    )


def check_mention(ctx: CheckContext) -> Iterator[Finding]:
    return _check_mention(ctx.body, ctx.profile_facts)
