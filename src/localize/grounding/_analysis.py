"""`StoryAnalysis`: what the checks derive from one story, computed once for all its regions.

A story's sentences, figures, dates, acronyms and names (`localize.grounding._facts`), its
sentence-link index (`localize.grounding._support`), and its actors, actions, counts and their
ties (`localize.grounding.attribution`) are each computed on first use and kept in the story's
analysis; a function decorated with `per_story` stores its result there. What also depends on a
profile (the actor lexicon knows the profile's names, so the story's actions and counts are read
with it) is kept in the same entry under the profile, so it lives exactly as long as the story's.

The cache is keyed by the story alone (not by story and profile, which made every region redo
the story's part) and holds `STORIES_KEPT` stories, least recently used first out: a batch with
32 jobs in flight has at most 32 stories in flight, so their analyses stay warm until the jobs
are done (story-first ordering keeps a story's regions together). `forget_story` drops a story
at once, for a caller that knows its last job is done.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from localize.story import Story

__all__ = ["STORIES_KEPT", "StoryAnalysis", "analyse", "forget_story", "per_story", "per_story_by"]

# Four times the batch default of 32 jobs in flight: one story per job still fits, with room
# for the stories of results being written.
STORIES_KEPT = 128

P = ParamSpec("P")
R = TypeVar("R")


class StoryAnalysis:
    """One story's derived data, filled in as the checks ask for it."""

    __slots__ = ("_lock", "_memo", "story")

    def __init__(self, story: Story) -> None:
        self.story = story
        self._memo: dict[Hashable, Any] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], R]) -> R:
        """The value under ``key``, computed by ``compute`` the first time."""
        try:
            return self._memo[key]  # type: ignore[no-any-return]
        except KeyError:
            pass
        value = compute()  # outside the lock: two threads may both compute; both get one value
        with self._lock:
            return self._memo.setdefault(key, value)  # type: ignore[no-any-return]


_kept: OrderedDict[Story, StoryAnalysis] = OrderedDict()
_kept_lock = threading.Lock()


def analyse(story: Story) -> StoryAnalysis:
    """The story's analysis: the cached one, or a new (empty, filled on use) one."""
    with _kept_lock:
        found = _kept.get(story)
        if found is not None:
            _kept.move_to_end(story)
            return found
        found = _kept[story] = StoryAnalysis(story)
        if len(_kept) > STORIES_KEPT:
            _kept.popitem(last=False)
        return found


def forget_story(story: Story) -> None:
    """Drop the story's analysis now: a batch calls it when the story's last job is written, so
    a finished story holds no memory until it would have aged out."""
    with _kept_lock:
        _kept.pop(story, None)


def per_story(
    fn: Callable[Concatenate[Story, P], R],
) -> Callable[Concatenate[Story, P], R]:
    """Keep ``fn(story, *args)`` in the story's analysis (``args``, a profile say, hashable)."""

    @wraps(fn)
    def cached(story: Story, /, *args: P.args, **kwargs: P.kwargs) -> R:
        key = (cached, *args, *sorted(kwargs.items()))
        return analyse(story).get(key, lambda: fn(story, *args, **kwargs))

    return cached


def per_story_by(
    key: Callable[Concatenate[Story, P], Hashable],
) -> Callable[[Callable[Concatenate[Story, P], R]], Callable[Concatenate[Story, P], R]]:
    """Like `per_story`, but keyed by ``key(story, *args)``: calls whose keys are equal share one
    result. For what depends on a profile only through something many profiles have alike."""

    def decorate(fn: Callable[Concatenate[Story, P], R]) -> Callable[Concatenate[Story, P], R]:
        @wraps(fn)
        def cached(story: Story, /, *args: P.args, **kwargs: P.kwargs) -> R:
            memo_key = (cached, key(story, *args, **kwargs))
            return analyse(story).get(memo_key, lambda: fn(story, *args, **kwargs))

        return cached

    return decorate
