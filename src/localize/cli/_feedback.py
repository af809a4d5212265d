"""What the CLI shows while it works: a spinner during a rewrite, ``-v`` request logging.

All of it goes to stderr, and the spinner only to a terminal: piped or redirected, stderr gets
plain lines and stdout only the output. Progress comes from the library's events
(`localize.events`), never from reaching into the client.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from localize._redact import SecretFilter
from localize.events import AttemptStarted, Event, observe

__all__ = [
    "describe",
    "endpoint_line",
    "generation_spinner",
    "setup_logging",
]

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


def endpoint_line(model: str, host: str) -> str:
    """The stderr line that says which model and endpoint (host, no credentials) a run used."""
    return f"localize: model {model} at {host}"


def describe(event: Event) -> str:
    """The spinner's text for an event."""
    if isinstance(event, AttemptStarted):
        what = "writing" if event.attempt == 1 else "re-asking with the check findings"
        return (
            f"{event.story_id} {event.region}: attempt {event.attempt}/{event.max_attempts}, {what}"
        )
    kind = f"rate limited ({event.reason})" if event.rate_limited else event.reason
    return f"{kind}: waiting {event.seconds:.1f} s before retry {event.retry}"


@contextmanager
def generation_spinner(console: Console | None = None) -> Iterator[None]:
    """A spinner with the attempt and any retry wait, on a terminal; nothing otherwise."""
    # Piped or redirected stderr gets nothing, even where FORCE_COLOR is set.
    console = console or Console(stderr=True, force_terminal=sys.stderr.isatty())
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
    task = progress.add_task("starting", total=None)

    def show(event: Event) -> None:
        progress.update(task, description=describe(event), refresh=True)

    with progress, observe(show):
        yield
