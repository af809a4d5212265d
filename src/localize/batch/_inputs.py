"""Batch inputs: story files, folders and JSONL files to `StoryInput`s; region ids to profiles."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from localize import _strict_json as strict_json
from localize._reading import MAX_FILE_BYTES, read_limited
from localize.errors import ConfigError, InputError, StoryError
from localize.regions._profiles import RegionLike, RegionProfile, get_region, load_profiles
from localize.story import STORY_SUFFIXES, Story, as_story, load_story, story_from_json

__all__ = ["BatchStory", "StoryInput", "as_inputs", "load_inputs", "resolve_regions"]

# Story files, plus JSONL files of many stories.
INPUT_SUFFIXES = (*STORY_SUFFIXES, ".jsonl")


@dataclass(frozen=True)
class StoryInput:
    """One story to localise, or why it could not be read (its jobs then fail with that)."""

    id: str
    story: Story | None = None
    error: str | None = None
    source: str | None = None

    @classmethod
    def of(cls, story: Story) -> StoryInput:
        return cls(story.id, story, None, story.path)


# What a batch takes as a story: what `localize` takes, a folder or JSONL file, or a StoryInput.
BatchStory = Story | StoryInput | os.PathLike[str] | str


def _jsonl_stories(path: Path) -> Iterator[StoryInput]:
    """A JSONL file of stories: one object per line with at least ``id`` and ``body``."""

    def error(message: str) -> StoryError:
        return StoryError(message, path=str(path))

    raw = read_limited(path, MAX_FILE_BYTES, error, what="JSONL file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"is not UTF-8 text (bad byte at offset {exc.start})") from None
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path} line {n}"
        fallback_id = f"{path.stem}:{n}"  # a line without a usable id still needs a job key
        try:
            data = strict_json.loads(line)
        except strict_json.JSONProblem as exc:
            yield StoryInput(
                fallback_id, error=f"{where}: invalid JSON: {exc.detail}", source=where
            )
            continue
        if not isinstance(data, dict):
            yield StoryInput(fallback_id, error=f"{where}: not a JSON object", source=where)
            continue
        sid = data.get("id")
        if isinstance(sid, int) and not isinstance(sid, bool):
            sid = str(sid)
        if not isinstance(sid, str) or not sid.strip():
            yield StoryInput(
                fallback_id, error=f"{where}: field 'id' is missing or not a string", source=where
            )
            continue
        try:
            story = story_from_json(data, source=where, id=sid.strip())
        except StoryError as exc:
            yield StoryInput(sid.strip(), error=str(exc), source=where)
            continue
        yield StoryInput.of(story)


def _file_inputs(path: Path) -> list[StoryInput]:
    """The stories of one file; a file that cannot be read at all fails only its own jobs."""
    try:
        if path.suffix.lower() == ".jsonl":
            return list(_jsonl_stories(path))
        return [StoryInput.of(load_story(path))]
    except StoryError as exc:
        return [StoryInput(path.stem, error=str(exc), source=str(path))]


def _path_inputs(path: Path) -> list[StoryInput]:
    if path.is_dir():
        files = sorted(
            p
            for p in path.iterdir()
            if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in INPUT_SUFFIXES
        )
        if not files:
            raise StoryError(
                f"folder has no story files ({', '.join(INPUT_SUFFIXES)})", path=str(path)
            )
        return [item for f in files for item in _file_inputs(f)]
    if path.exists():  # a device or FIFO is refused by the read, naming what it is
        return _file_inputs(path)
    raise StoryError("no such file or folder", path=str(path))


def _unique(found: Iterable[StoryInput]) -> list[StoryInput]:
    seen: dict[str, StoryInput] = {}
    for item in found:
        other = seen.setdefault(item.id, item)
        if other is not item and other.source != item.source:
            # Resuming and the results file key on (story id, region): ids must be unique.
            raise InputError(
                f"story id '{item.id}' is used twice: {other.source} and "
                f"{item.source}; give one of them another name or id"
            )
    return list(seen.values())


def as_inputs(stories: Iterable[BatchStory]) -> list[StoryInput]:
    """Story arguments of a batch as `StoryInput`s, in order, each story once.

    A `Story` or `StoryInput` is used as it is; a path (``Path``) may be a story file, a folder
    of them or a JSONL file; a ``str`` is story text, under the rule of `localize.as_story` (a
    file name given as ``str`` is refused). A path that does not exist, an empty folder or two
    different stories with one id stop the run (`InputError`) before any request; a story file
    that does not parse becomes a `StoryInput` with an ``error``, so only its own jobs fail. A
    folder contributes its story files (`localize.STORY_SUFFIXES`) and ``.jsonl`` files, not
    hidden ones, not subfolders, sorted.
    """
    found: list[StoryInput] = []
    for s in stories:
        if isinstance(s, StoryInput):
            found.append(s)
        elif isinstance(s, os.PathLike):
            found.extend(_path_inputs(Path(s)))
        else:
            found.append(StoryInput.of(as_story(s)))
    return _unique(found)


def load_inputs(paths: Iterable[str | os.PathLike[str]]) -> list[StoryInput]:
    """Stories from files, folders of them and JSONL files (every ``str`` is a path here)."""
    return as_inputs(Path(p) for p in paths)


def resolve_regions(
    regions: Iterable[RegionLike], profiles: str | os.PathLike[str] | None = None
) -> list[RegionProfile]:
    """Region arguments (see `localize.get_region`) to profiles, duplicates dropped; an unknown
    id raises. ``profiles``: the user profile file or folder (None: the configured search path)."""
    user = load_profiles(profiles) if profiles else None
    out: dict[str, RegionProfile] = {}
    for r in regions:
        if isinstance(r, str) and not r.strip():
            continue
        profile = get_region(r, profiles=user)
        out.setdefault(profile.id, profile)
    if not out:
        raise ConfigError("no regions given", option="--regions")
    return list(out.values())
