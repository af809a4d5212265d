"""`LocalizeResult` and its `Provenance`: what one (story, region) run gives back.

``to_dict()`` is the one serialised shape (``rewrite --format json``, each line of a batch results
file); ``from_dict`` reads it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from localize._disclosure import DEFAULT_DISCLOSURE, TRAINED_ALGORITHMIC_MEDIA
from localize._types import Status
from localize.backends import Spend
from localize.grounding import CheckReport
from localize.regions import RegionProfile
from localize.section import LocalizedSection
from localize.story import Story

__all__ = ["LocalizeResult", "Provenance"]


@dataclass(frozen=True)
class Provenance:
    """Where a section came from: model, endpoint, prompt, cost and attempts.

    ``model`` is the model the endpoint reported. ``estimated_cost_usd`` is None where no list
    price is known (any endpoint but OpenAI's, or a model without a price).
    ``response_cache_hits`` counts the answers served from the response cache (written earlier).
    """

    model: str
    endpoint_host: str
    template_name: str
    template_version: str
    template_sha256: str
    structured_mode: str
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    attempts: int
    latency_s: float
    trimmed_paragraphs: tuple[int, ...]
    prompt_tokens_estimate: int
    estimate_approximate: bool
    estimated_cost_usd: float | None
    story_id: str
    story_sha256: str
    region: str
    response_cache_hits: int = 0
    batch_id: str | None = None
    # HTTP requests sent for all attempts, retries included (0 when every answer was cached).
    requests: int = 0
    profile_version: str = ""
    profile_source: str = ""
    language: str = "en"
    system_fingerprint: str | None = None
    disclosure: str = DEFAULT_DISCLOSURE
    # IPTC Digital Source Type of the section (see `localize._disclosure`).
    digital_source_type: str = TRAINED_ALGORITHMIC_MEDIA
    # The story's beats and the profile entries its prompt carried, with why
    # (`localize.regions._select`): {"beats": [...], "entries": [{"name", "why", ...}], ...}.
    region_entries: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        # Field by field, not `asdict`: its deep copy of every value cost more than the rest of
        # a batch's results line. Only `region_entries` holds containers; it is copied, so the
        # dict a caller gets (and may change) is its own, as asdict's was.
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["trimmed_paragraphs"] = list(self.trimmed_paragraphs)
        d["region_entries"] = _copied(self.region_entries)
        return d

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Provenance:
        return cls(**{**data, "trimmed_paragraphs": tuple(data["trimmed_paragraphs"])})


def _copied(value: Any) -> Any:
    """A copy of JSON data: new dicts and lists, the same strings and numbers."""
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_copied(v) for v in value)
    return value


@dataclass(frozen=True)
class LocalizeResult:
    """A localised section, its provenance and its check report.

    ``ok`` means the section may be published: no check error remains (with ``strict``, no
    warning either). ``status`` is ``"passed"`` then, else ``"flagged"``: the section is
    returned, with its findings, for an editor to review, never to publish as it is.

    ``to_dict()`` is the one serialised shape: the JSON output of ``localize rewrite`` and each
    line of a batch results file. ``json.dumps(result.to_dict())`` always works.
    """

    section: LocalizedSection
    provenance: Provenance
    checks: CheckReport
    story: Story
    region: RegionProfile
    # Not serialised: what this call paid for (answers served from the response cache are free).
    spend: Spend = field(default_factory=Spend, compare=False)

    @property
    def ok(self) -> bool:
        """A section was written and no check error remains in it."""
        return self.checks.ok

    @property
    def status(self) -> Status:
        """``"passed"`` when `ok`, else ``"flagged"`` (a result always has a section)."""
        return "passed" if self.ok else "flagged"

    def to_dict(self) -> dict[str, Any]:
        return {
            "story_id": self.story.id,
            "region": self.region.id,
            "ok": self.ok,
            "status": self.status,
            "section": self.section.model_dump(),
            "checks": self.checks.to_dict(),
            "provenance": self.provenance.to_dict(),
            "error": None,
        }
