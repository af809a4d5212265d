"""What an answer cost: token `Usage`, one `Completion`, and a run's `Spend`.

A leaf module (it imports nothing of localize's but the output-mode type), so the error types
can carry usage and spend without importing the client.
"""

from __future__ import annotations

from dataclasses import dataclass

from localize._types import StructuredMode

__all__ = ["Completion", "Spend", "Usage"]


@dataclass(frozen=True, slots=True)
class Usage:
    """Token usage; adds up across attempts."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.cached_tokens + other.cached_tokens,
        )

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class Completion:
    """One model answer and what it cost."""

    content: str
    finish_reason: str | None
    usage: Usage
    model: str
    mode: StructuredMode
    request_id: str | None = None
    from_cache: bool = False
    # HTTP requests this answer took: retries and output-mode negotiation included.
    requests: int = 1
    # The backend configuration the provider says answered (OpenAI's system_fingerprint).
    system_fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class Spend:
    """What a run paid for: the usage of answers the endpoint produced, and the answers the
    response cache served instead (which cost nothing)."""

    usage: Usage = Usage()
    cache_hits: int = 0
    # HTTP requests sent, retries and output-mode negotiation included.
    requests: int = 0

    def count(self, completion: Completion) -> Spend:
        if completion.from_cache:
            return Spend(self.usage, self.cache_hits + 1, self.requests)
        return Spend(
            self.usage + completion.usage, self.cache_hits, self.requests + completion.requests
        )

    def __add__(self, other: Spend) -> Spend:
        return Spend(
            self.usage + other.usage,
            self.cache_hits + other.cache_hits,
            self.requests + other.requests,
        )
