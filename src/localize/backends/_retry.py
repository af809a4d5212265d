"""The one retry policy: which failures are retried, and how long to wait before each retry.

Rate limits (honouring Retry-After in seconds, milliseconds or as an HTTP date), timeouts,
connection errors and 5xx are retried with exponential backoff and jitter; a refused output
format is not (the client falls back to the next mode instead).
"""

from __future__ import annotations

import email.utils
import logging
import math
from datetime import UTC, datetime

import openai
from tenacity import RetryCallState, wait_exponential_jitter

from localize.backends._errors import failure
from localize.backends._protocols import RequestGate
from localize.events import RetryWait, emit

__all__ = ["Wait", "announce_retry", "is_format_rejection", "is_retryable", "retry_after_seconds"]

_MAX_RETRY_AFTER = 60.0
_log = logging.getLogger("localize.backends._client")


def is_format_rejection(exc: BaseException) -> bool:
    """True when the endpoint refused the response_format rather than failing."""
    if not isinstance(exc, openai.APIStatusError) or exc.status_code not in (400, 422, 500, 501):
        return False
    text = f"{exc.message} {exc.body}".lower()
    return any(k in text for k in ("response_format", "json_schema", "json_object", "schema"))


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.APIStatusError):
        if is_format_rejection(exc):
            return False
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    return False


def _retry_after_value(value: str, scale: float, now: datetime | None) -> float | None:
    try:
        seconds = float(value) / scale
    except ValueError:
        if scale != 1.0:
            return None
        # Retry-After may also be an HTTP date (RFC 9110 section 10.2.3).
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def retry_after_seconds(exc: BaseException | None, now: datetime | None = None) -> float | None:
    """The server's Retry-After (seconds or HTTP date) or retry-after-ms hint, capped at 60 s."""
    if not isinstance(exc, openai.APIStatusError):
        return None
    headers = exc.response.headers
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        seconds = _retry_after_value(value.strip(), scale, now)
        if seconds is not None:
            return min(seconds, _MAX_RETRY_AFTER)
    return None


class Wait:
    """Retry-After when the server gives one, else exponential backoff with jitter.

    A 429 is also reported to the run's gate, so every request slows down, not just this one.
    """

    def __init__(self, initial: float, gate: RequestGate | None) -> None:
        # Jitter scales with the first wait, so a short first wait stays short.
        self._backoff = wait_exponential_jitter(multiplier=initial, max=20.0, jitter=initial)
        self._gate = gate

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hinted = retry_after_seconds(exc)
        seconds = hinted if hinted is not None else self._backoff(state)
        if self._gate is not None and isinstance(exc, openai.RateLimitError):
            self._gate.penalize(seconds)
        return seconds


def announce_retry(state: RetryCallState) -> None:
    """Before each retry's wait: log it (``-v``) and report it as a `RetryWait` event."""
    exc = state.outcome.exception() if state.outcome else None
    seconds = state.next_action.sleep if state.next_action else 0.0
    reason = failure(exc)
    _log.info("retry %d in %.1f s after %s", state.attempt_number, seconds, reason)
    emit(RetryWait(state.attempt_number, seconds, reason, isinstance(exc, openai.RateLimitError)))
