"""What the client asks of a response cache and of a run's request gate (structural types)."""

from __future__ import annotations

from typing import Protocol

from localize.backends._usage import Completion

__all__ = ["RequestGate", "ResponseCache"]


class ResponseCache(Protocol):
    """Stores completions by the hash of the exact request (see `localize.backends._cache`)."""

    def get(self, key: str) -> Completion | None: ...

    def put(self, key: str, completion: Completion) -> None: ...


class RequestGate(Protocol):
    """Paces requests across a whole run (rate limits); see `localize.batch`.

    A gate that paces by requests alone may say so with ``counts_tokens = False``: the client
    then does not count a request's tokens for it (``acquire`` gets 0). Without the attribute,
    every request is counted.
    """

    async def acquire(self, tokens: int) -> None:
        """Wait until a request of about ``tokens`` tokens may be sent."""

    def penalize(self, seconds: float) -> None:
        """A 429 arrived: hold every request back for ``seconds``."""
