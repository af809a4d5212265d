"""The ``mention`` check: the section names none of the profile's institutions or laws, where
the profile has one for the story's beat.

The beats a story is on, and the entries its prompt carried, come from
`localize.regions.select_entries`. Where the profile has no body on the story's beat (South
Africa's profile has no farming body for a bird-flu story), no body is asked for: naming one
would be name-dropping. Where it has, the warning suggests those, not the profile's first
entries.
"""

from __future__ import annotations

from collections.abc import Iterator

from localize.grounding._context import CheckContext
from localize.grounding._facts import ProfileFacts
from localize.grounding._findings import Finding
from localize.grounding._names import names_in
from localize.regions import Institution, Selection, select_entries
from localize.text import fold

__all__ = ["check_mention"]


def _check_mention(body: str, profile: ProfileFacts, selection: Selection) -> Iterator[Finding]:
    if not selection.relevant:
        return
    folded = fold(body)
    if any(name in folded for name in profile.mention_names):
        return
    # A plain substring test before each acronym's whole-word search (`names_in`): searched
    # with a lookbehind in front, each acronym cost a pass over the section, nearly always a
    # vain one.
    if names_in(body, profile.mention_acronyms):
        return
    examples = " or ".join(
        (c.entry.acronym if isinstance(c.entry, Institution) else c.entry.short_name) or c.name
        for c in selection.chosen[:2]
    )
    yield Finding(
        "mention",
        "warning",
        f"The section names no institution or law from {profile.label}, such as {examples} "
        f"(for this story's beat: {', '.join(selection.beats) or 'its subject'}).",
    )


def check_mention(ctx: CheckContext) -> Iterator[Finding]:
    return _check_mention(ctx.body, ctx.profile_facts, select_entries(ctx.story.text, ctx.profile))
