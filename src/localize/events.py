"""Progress events from inside a generation, for whoever wants to show them.

The attempt loop and the client's retry policy report what they are doing (an attempt starting,
a retry about to wait) to the handlers registered with `observe`. The CLI's spinner is one such
handler; a pipeline can log or meter the same events. Handlers are held in a context variable,
so they apply to the calls made inside the ``with`` block, including async tasks started there,
and not to other threads.

    with localize.events.observe(print):
        localize.localize(story, "uk")
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["AttemptStarted", "Event", "EventHandler", "RetryWait", "emit", "observe"]


@dataclass(frozen=True)
class AttemptStarted:
    """A generation attempt is about to be sent (attempt 2 and later are re-asks)."""

    attempt: int
    max_attempts: int
    story_id: str
    region: str


@dataclass(frozen=True)
class RetryWait:
    """A request failed with a retryable error; the client waits ``seconds`` before retry ``retry``.

    ``rate_limited`` is true for HTTP 429, where the wait is the server's Retry-After when given.
    """

    retry: int
    seconds: float
    reason: str
    rate_limited: bool


Event = AttemptStarted | RetryWait
EventHandler = Callable[[Event], None]

_handlers: contextvars.ContextVar[tuple[EventHandler, ...]] = contextvars.ContextVar(
    "localize_event_handlers", default=()
)


@contextmanager
def observe(handler: EventHandler) -> Iterator[None]:
    """Send the events of calls made inside the block to ``handler`` (as well as outer ones)."""
    token = _handlers.set((*_handlers.get(), handler))
    try:
        yield
    finally:
        _handlers.reset(token)


def emit(event: Event) -> None:
    """Report an event to the handlers observing the current context."""
    for handler in _handlers.get():
        handler(event)
