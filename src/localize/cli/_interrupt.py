"""How a command stops on Ctrl-C (SIGINT) or SIGTERM: the same way, quietly, with exit code
128 + the signal's number (130, 143), as a shell reports a process the signal stopped.

Click's own answer to Ctrl-C is "Aborted!" and exit 1, which a script cannot tell from a failed
run; SIGTERM (a supervisor, `timeout`, `docker stop`, a CI job cancelled) killed the process
outright: exit -15, and a batch printed no summary. Here SIGTERM is handed to whatever answers
Ctrl-C at that moment: a batch's event loop, which cancels its jobs in flight, keeps every line
written and prints its summary; or Python's default, which raises KeyboardInterrupt where the
command is, so every ``with`` and ``finally`` on the way out runs (an atomic write leaves no
partial file, the embedded server is stopped).
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

from localize._signals import handling

__all__ = ["interrupted_exit_code", "stopping_on_sigterm"]

# The signal that stopped this command (the last one received), for its exit code.
_received: list[int] = []


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)  # asyncio's cancels the run; the default raises
        return
    # Ctrl-C is ignored just now (a batch starting a worker process): a SIGTERM still stops.
    raise KeyboardInterrupt


@contextlib.contextmanager
def stopping_on_sigterm() -> Iterator[None]:
    """While a command runs, SIGTERM stops it as Ctrl-C does; the old handler is put back after."""
    _received.clear()
    with handling((signal.SIGTERM,), _on_sigterm):
        yield


def interrupted_exit_code() -> int:
    """128 + the signal that stopped the command: 143 after SIGTERM, else 130 (Ctrl-C)."""
    return 128 + (_received[-1] if _received else signal.SIGINT)
