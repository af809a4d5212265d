"""`batch_collector`: Python's cyclic garbage collector set for a long batch run, then restored.

A batch job allocates tens of thousands of small container objects (sentences, matches, findings,
request dicts), nearly all freed by reference counting, and keeps a story's analysis while its
jobs are in flight. With the interpreter's default thresholds the collector ran a young
collection every 700 net allocations, and every so often a full one that walks every object
alive: the profiles, their indexes, the lexicons, the HTTP client, the imported modules. That
was about 11% of a batch's CPU (2,000 jobs on the brief's stories: 2.7 of 23.7 s, 1.6 s of it
in 20 full collections). For the run, the objects alive when it starts are frozen (never walked
again; they live as long as the run anyway) and the young generation is collected every
`_YOUNG` net allocations: cycles are still collected, a little later. The previous settings
come back when the run ends, for a caller that runs a batch inside its own process.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["batch_collector"]

# Measured on that batch: 10,000 left 0.8 s of the collector's time in the run, 100,000 left
# 0.14 s (0.4 s with the start's own), for 2 to 4 MB more peak RSS; the garbage held waiting is
# bounded by the threshold, not by the number of jobs.
_YOUNG = 100_000


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
