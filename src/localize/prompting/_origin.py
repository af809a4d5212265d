"""What a request was made from: template name, version and text, story and region profile.

Every chat request localize sends carries this as one ASCII header (``X-Localize-Origin``). The
body is left exactly as it was, so response caches, Batch API files and recorded requests stay
the same; a recording keeps the header, and a replay that no longer matches can then say which
input changed since it was recorded (see `localize.testing._recording`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode

from localize.prompting._templates import PromptTemplate
from localize.regions._profiles import RegionProfile
from localize.story import Story

__all__ = ["ORIGIN_HEADER", "RequestOrigin"]

ORIGIN_HEADER = "X-Localize-Origin"
# Enough of a SHA-256 to tell two versions of a file apart; the header stays short.
_DIGEST_CHARS = 12


@dataclass(frozen=True, slots=True)
class RequestOrigin:
    """The inputs one request was rendered from, with short digests of their content."""

    template: str
    template_version: str
    template_sha256: str
    story: str
    story_sha256: str
    region: str
    profile_sha256: str

    @classmethod
    def of(
        cls,
        template: PromptTemplate,
        story: Story,
        region: RegionProfile,
        story_sha256: str | None = None,
    ) -> RequestOrigin:
        """The origin of a prompt; ``story_sha256``: the story's, where the caller has it."""
        profile = _profile_digest(region)
        return cls(
            template=template.name,
            template_version=template.version,
            template_sha256=template.sha256[:_DIGEST_CHARS],
            story=story.id,
            story_sha256=(story_sha256 or story.sha256)[:_DIGEST_CHARS],
            region=region.id,
            profile_sha256=profile[:_DIGEST_CHARS],
        )

    def headers(self) -> dict[str, str]:
        """The header to send with the request (URL-encoded, so any story id stays ASCII)."""
        # Field by field: every value is a string, and asdict's deep copy costs more than this.
        return {ORIGIN_HEADER: urlencode({f.name: getattr(self, f.name) for f in fields(self)})}

    @classmethod
    def from_headers(cls, headers: Mapping[str, object]) -> RequestOrigin | None:
        """Read the header back (any case; a recorded header may be a one-item list)."""
        value = next((v for k, v in headers.items() if k.lower() == ORIGIN_HEADER.lower()), None)
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        if not isinstance(value, str):
            return None
        data = dict(parse_qsl(value, keep_blank_values=True))
        names = [f.name for f in fields(cls)]
        if any(name not in data for name in names):
            return None
        return cls(**{name: data[name] for name in names})

    @property
    def template_label(self) -> str:
        return f"'{self.template}' version {self.template_version}"


@lru_cache(maxsize=64)
def _profile_digest(region: RegionProfile) -> str:
    # Once per profile, not once per request: a batch sends each profile with every story.
    return hashlib.sha256(region.model_dump_json().encode("utf-8")).hexdigest()
