"""What the CLI shows while it works: a spinner during a rewrite, ``-v`` request logging.

All of it goes to stderr, and the spinner only to a terminal: piped or redirected, stderr gets
plain lines and stdout only the output. Progress comes from the library's events
(`localize.events`), never from reaching into the client.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from localize.events import AttemptStarted, Event, observe
from localize.redact import SecretFilter, redact_url

__all__ = ["endpoint_line", "generation_spinner", "setup_logging"]

_HANDLER_NAME = "localize-cli-verbose"


class _StderrHandler(logging.Handler):
    """Writes to whatever stderr is when a record arrives (a test runner swaps it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            click.echo(self.format(record), err=True)
        except Exception:
            self.handleError(record)


def setup_logging(verbosity: int) -> None:
    """``-v``: requests' timing and retries on stderr (``-vv``: debug detail), keys redacted."""
    logger = logging.getLogger("localize")
    for old in [h for h in logger.handlers if h.get_name() == _HANDLER_NAME]:
        logger.removeHandler(old)
    if verbosity <= 0:
        return
    handler = _StderrHandler()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(
        logging.Formatter("localize: %(asctime)s %(name)s: %(message)s", "%H:%M:%S")
    )
    # The key is known here; anything else shaped like one is masked by pattern.
    handler.addFilter(SecretFilter([os.environ.get("OPENAI_API_KEY", "")]))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbosity > 1 else logging.INFO)


def endpoint_line(model: str, endpoint: str) -> str:
    """The stderr line that says which model and endpoint a run used (credentials removed)."""
    return f"localize: model {model} at {redact_url(endpoint)}"


def describe(event: Event, model: str) -> str:
    """The spinner's text for an event."""
    if isinstance(event, AttemptStarted):
        what = "writing" if event.attempt == 1 else "re-asking with the check findings"
        return (
            f"{event.story_id} {event.region}: attempt {event.attempt}/{event.max_attempts}, "
            f"{what} ({model})"
        )
    kind = f"rate limited ({event.reason})" if event.rate_limited else event.reason
    return f"{kind}: waiting {event.seconds:.1f} s before retry {event.retry}"


@contextmanager
def generation_spinner(model: str, console: Console | None = None) -> Iterator[None]:
    """A spinner with the attempt and any retry wait, on a terminal; nothing otherwise."""
    console = console or Console(stderr=True)
    if not console.is_terminal:
        yield
        return
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task = progress.add_task(f"starting ({model})", total=None)

    def show(event: Event) -> None:
        progress.update(task, description=describe(event, model), refresh=True)

    with progress, observe(show):
        yield
