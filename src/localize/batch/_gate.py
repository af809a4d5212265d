"""`RateGate`: paces a whole run's requests under requests- and tokens-per-minute limits."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable

__all__ = ["RateGate"]

# Pace a little under the configured limits: token estimates and arrival times are not exact.
DEFAULT_HEADROOM = 0.95


class RateGate:
    """A `localize.backends.RequestGate`: paces requests under RPM and TPM limits for a
    whole run.

    Requests are spaced evenly (no bursts): after a request of ``k`` tokens the next may leave
    ``max(60/rpm, k*60/tpm)`` seconds later, each limit scaled by ``headroom``. Waiters are
    served first come, first served. A 429 pauses every request for the Retry-After delay and
    stretches the spacing (x1.25 per rate-limit episode, at most x4), which decays back with a
    30-second half-life: a limit lower than configured is found and then probed again.
    """

    _SLOWDOWN_STEP = 1.25
    _SLOWDOWN_MAX = 4.0
    _HALF_LIFE_S = 30.0

    def __init__(
        self,
        rpm: int | None = None,
        tpm: int | None = None,
        *,
        headroom: float = DEFAULT_HEADROOM,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not 0 < headroom <= 1:
            raise ValueError("headroom must be in (0, 1]")
        self.rpm, self.tpm = rpm, tpm
        self._request_s = 60.0 / (rpm * headroom) if rpm else 0.0
        self._token_s = 60.0 / (tpm * headroom) if tpm else 0.0
        self._clock, self._sleep = clock, sleep
        self._next = -math.inf  # when the next request may leave
        self._paused_until = -math.inf
        self._slowdown = 1.0
        self._slowdown_at = 0.0
        self._lock: asyncio.Lock | None = None
        self.requests = 0
        self.rate_limited = 0  # 429s reported
        self.waited_s = 0.0

    @property
    def counts_tokens(self) -> bool:
        """Whether ``acquire`` needs a request's tokens: only under a TPM limit."""
        return self._token_s > 0

    def slowdown(self, now: float | None = None) -> float:
        """The current spacing multiplier (1.0 when no 429 arrived lately)."""
        now = self._clock() if now is None else now
        decay = math.pow(0.5, max(0.0, now - self._slowdown_at) / self._HALF_LIFE_S)
        return 1.0 + (self._slowdown - 1.0) * decay

    async def acquire(self, tokens: int) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()  # created here: bound to the running loop
        async with self._lock:
            while True:
                now = self._clock()
                start = max(now, self._next, self._paused_until)
                if start <= now:
                    break
                self.waited_s += start - now
                await self._sleep(start - now)
            spacing = max(self._request_s, max(tokens, 0) * self._token_s)
            self._next = now + spacing * self.slowdown(now)
            self.requests += 1

    def penalize(self, seconds: float) -> None:
        now = self._clock()
        self.rate_limited += 1
        if now >= self._paused_until:  # one slowdown step per episode, not per 429 in flight
            self._slowdown = min(self.slowdown(now) * self._SLOWDOWN_STEP, self._SLOWDOWN_MAX)
            self._slowdown_at = now
        self._paused_until = max(self._paused_until, now + max(seconds, 0.0))
