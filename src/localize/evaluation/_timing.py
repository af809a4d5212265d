"""How `localize eval` times the checks: the thread's CPU time, summarised one way for every
report, so a folder's figures and a factual set's compare."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

__all__ = ["cpu_seconds", "mean_and_p95_ms"]

# CPU time, not wall time: other work on a shared machine does not inflate it.
cpu_seconds: Callable[[], float] = time.thread_time


def mean_and_p95_ms(times: list[float]) -> tuple[float, float]:
    """The mean and the 95th percentile of ``times`` (seconds), in milliseconds; 0 when empty."""
    if not times:
        return 0.0, 0.0
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.fmean(ordered) * 1e3, p95 * 1e3
