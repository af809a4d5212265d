"""Signal handlers set for the length of a block, where this thread may set them."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterable, Iterator
from types import FrameType
from typing import Any

__all__ = ["handling"]


@contextlib.contextmanager
def handling(
    signals: Iterable[int], handler: Callable[[int, FrameType | None], Any] | signal.Handlers
) -> Iterator[None]:
    """``handler`` for each of ``signals`` inside the block, the old ones put back after (a
    command run in-process, by a test or a caller, leaves the process as it found it)."""
    try:
        old = [(s, signal.signal(s, handler)) for s in signals]
    except ValueError:  # not the main thread: signals are not ours to change
        yield
        return
    try:
        yield
    finally:
        for s, previous in old:
            signal.signal(s, previous)
