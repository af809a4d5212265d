"""`CheckContext`: everything a check reads about one section, its story and its region.

The checks take one context and return findings, so a check (a newsroom's own too) needs no
knowledge of how the story and the profile were analysed. What is derived from the story or the
profile is shared by the checks that read it, computed on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from localize.grounding._facts import Facts, ProfileFacts, profile_facts, story_facts
from localize.grounding._findings import Finding
from localize.grounding._support import SentenceLink, link_sentences
from localize.grounding.attribution._checks import SectionActs, check_actions
from localize.regions import RegionProfile
from localize.story import Story
from localize.text import Citation

__all__ = ["CheckContext"]


@dataclass(eq=False)
class CheckContext:
    """One section under check. ``body`` is the text checked (no leading heading), ``raw`` the
    whole answer (the leak check looks there too); ``citations`` are offsets into ``body``."""

    raw: str
    body: str
    citations: tuple[Citation, ...]
    story: Story
    profile: RegionProfile
    min_words: int | None
    max_words: int | None

    @cached_property
    def story_facts(self) -> Facts:
        return story_facts(self.story)

    @cached_property
    def profile_facts(self) -> ProfileFacts:
        return profile_facts(self.profile)

    @cached_property
    def _acts(self) -> SectionActs:
        # The section sentences' acts: read by the action checks, and again by the support
        # links for a sentence with no other support.
        return SectionActs(self.story, self.profile)

    @cached_property
    def _linked(self) -> tuple[tuple[SentenceLink, ...], tuple[Finding, ...]]:
        return link_sentences(self.body, self.citations, self.story, self.profile, self._acts)

    @property
    def links(self) -> tuple[SentenceLink, ...]:
        """Each section sentence and the story sentences and profile entries it rests on."""
        return self._linked[0]

    @property
    def support_findings(self) -> tuple[Finding, ...]:
        return self._linked[1]

    @cached_property
    def action_findings(self) -> tuple[Finding, ...]:
        """The ``attribution`` and ``claim`` findings, found in one pass over the section."""
        return tuple(check_actions(self.body, self.story, self.profile, self._acts))
