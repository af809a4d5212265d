"""`batch_collector`: Python's cyclic garbage collector set for a long batch run, then restored.

A batch job allocates tens of thousands of small container objects (sentences, matches, findings,
request dicts) that plain reference counting frees. With the interpreter's default thresholds
the collector still runs a young collection every 700 of them, and every so often a full one
that walks every object alive: the profiles, their indexes, the lexicons, the HTTP client, the
imported modules, 140,000 objects and more. That was about 7% of a job's CPU
(benchmarks/batch_scale.py). For the run, the objects alive when it starts are frozen (never
walked again; they live as long as the run anyway) and the young generation is collected every
`_YOUNG` allocations instead of 700: cycles are still collected, a little later. The previous
settings come back when the run ends, for a caller that runs a batch inside its own process.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["batch_collector"]

# Young collections this far apart cost a few MB of garbage cycles held a little longer, and
# cut the collector's share of a job's CPU to about a fifth (benchmarks/batch_scale.py).
_YOUNG = 10_000


@contextmanager
def batch_collector() -> Iterator[None]:
    """Run the block with the objects alive now frozen and young collections far apart."""
    threshold = gc.get_threshold()
    # A caller that freezes objects itself (before forking, say) keeps them as it froze them.
    freezes = gc.get_freeze_count() == 0
    if freezes:
        gc.freeze()
    # A threshold of 0 is a collector turned off: it stays off.
    gc.set_threshold(threshold[0] and max(threshold[0], _YOUNG), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if freezes:
            gc.unfreeze()
