"""Batch inputs: story files, folders and JSONL files to `StoryInput`s; region ids to profiles."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from localize import _strict_json as strict_json
from localize._reading import MAX_FILE_BYTES, MAX_STORY_BYTES, human_size, read_limited
from localize.errors import ConfigError, InputError, StoryError
from localize.regions._profiles import RegionLike, RegionProfile, get_region, load_profiles
from localize.story import (
    STORY_SUFFIXES,
    Story,
    as_story,
    load_story,
    path_text,
    story_from_json,
)

__all__ = [
    "BatchStory",
    "StoryInput",
    "StoryStream",
    "as_inputs",
    "load_inputs",
    "resolve_regions",
    "story_shard",
    "stream_inputs",
]

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


def _jsonl_item(
    line: str, n: int, path: Path, *, parse: bool, keep: frozenset[str] | None = None
) -> StoryInput:
    """Line ``n`` of a JSONL file of stories: an object with at least ``id`` and ``body``.

    Without ``parse`` only its id is found (the story itself is left as None): enough to count
    and check the stories before the run, which parses each one again when its jobs start.
    ``keep``: parse only these stories (a shard's, a worker's); the others are only named.
    """
    where = f"{path_text(path)} line {n}"
    fallback_id = f"{path_text(path.stem)}:{n}"  # a line without a usable id still needs a job key
    try:
        data = strict_json.loads(line)
    except strict_json.JSONProblem as exc:
        return StoryInput(fallback_id, error=f"{where}: invalid JSON: {exc.detail}", source=where)
    if not isinstance(data, dict):
        return StoryInput(fallback_id, error=f"{where}: not a JSON object", source=where)
    sid = data.get("id")
    if isinstance(sid, int) and not isinstance(sid, bool):
        sid = str(sid)
    if not isinstance(sid, str) or not sid.strip():
        return StoryInput(
            fallback_id, error=f"{where}: field 'id' is missing or not a string", source=where
        )
    if not parse or (keep is not None and sid.strip() not in keep):
        return StoryInput(sid.strip(), source=where)
    try:
        story = story_from_json(data, source=where, id=sid.strip())
    except StoryError as exc:
        return StoryInput(sid.strip(), error=str(exc), source=where)
    return StoryInput.of(story)


def _jsonl_lines(path: Path) -> Iterator[tuple[int, str]]:
    """A JSONL file's non-blank lines with their numbers, read a line at a time.

    Streamed, so the file has no size limit (a million jobs is gigabytes of JSONL), but each
    line has the story limit, and only a regular file is read (a device or FIFO never ends).
    """

    def error(message: str) -> StoryError:
        return StoryError(message, path=path_text(path))

    try:
        info = path.stat()
    except FileNotFoundError:
        raise error("no such file") from None
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        read_limited(path, MAX_FILE_BYTES, error, what="JSONL file")  # names what it is
    try:
        f = path.open("rb")
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}") from None
    with f:
        offset = 0
        for n, raw in enumerate(iter(lambda: f.readline(MAX_STORY_BYTES + 1), b""), start=1):
            if len(raw) > MAX_STORY_BYTES:
                raise error(f"line {n} is larger than the {human_size(MAX_STORY_BYTES)} limit")
            try:
                line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise error(
                    f"is not UTF-8 text (bad byte at offset {offset + exc.start})"
                ) from None
            offset += len(raw)
            if line.strip():
                yield n, line


def _jsonl_stories(
    path: Path, *, parse: bool = True, keep: frozenset[str] | None = None
) -> Iterator[StoryInput]:
    for n, line in _jsonl_lines(path):
        yield _jsonl_item(line, n, path, parse=parse, keep=keep)


def _story_file(path: Path) -> StoryInput:
    try:
        return StoryInput.of(load_story(path))
    except StoryError as exc:
        return StoryInput(path_text(path.stem), error=str(exc), source=path_text(path))


def _file_inputs(
    path: Path, *, parse: bool = True, keep: frozenset[str] | None = None
) -> Iterator[StoryInput]:
    """A file's stories; ``keep``: parse only these (the others are named, not read)."""
    name = path_text(path.stem)  # the id `load_story` gives a story file
    if path.suffix.lower() == ".jsonl":
        yield from _jsonl_stories(path, parse=parse, keep=keep)
    elif keep is not None and path.suffix.lower() in _NAMED_BY_FILE and name not in keep:
        yield StoryInput(name, source=path_text(path))
    elif parse or path.suffix.lower() not in _NAMED_BY_FILE:
        yield _story_file(path)  # a JSON story names itself: read it to know its id
    else:
        yield StoryInput(name, source=path_text(path))  # named after its file (load_story)


# Story files whose id is their file name, so counting them needs no read.
_NAMED_BY_FILE = frozenset(s for s in STORY_SUFFIXES if s != ".json")


def _path_files(path: Path) -> list[Path]:
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
        return files
    if path.exists():  # a regular file; a device or FIFO is refused by the read, naming it
        return [path]
    raise StoryError("no such file or folder", path=str(path))


class StoryStream:
    """A batch's stories: checked and counted before the run, read one at a time during it.

    `stream_inputs` reads every input once to find each story's id (and refuses what would
    stop the run: a missing path, an empty folder, a file that is not UTF-8, two stories with
    one id) but keeps only the ids. Iterating reads the files again and yields each story once,
    in order, so a run holds only the stories whose jobs are in flight, not the whole input.
    Stories given as objects are held as they were given.
    """

    def __init__(
        self, sources: list[StoryInput | Path], ids: list[str], keep: frozenset[str] | None = None
    ) -> None:
        self._sources = sources
        self.ids = ids
        self._keep = keep  # a shard's story ids; None: every story

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[StoryInput]:
        # The same story given again from the same source (a file named twice) is one story;
        # the scan refused a second story with the same id from elsewhere.
        yielded: set[str] = set()
        for source in self._sources:
            # A shard's (a worker's) stream parses only its own stories, not every one.
            items = (
                _file_inputs(source, keep=self._keep)
                if isinstance(source, Path)
                else iter((source,))
            )
            for item in items:
                if item.id in yielded or (self._keep is not None and item.id not in self._keep):
                    continue
                yielded.add(item.id)
                yield item

    def shard(self, index: int, count: int) -> StoryStream:
        """Shard ``index`` of ``count`` (1-based): the stories whose id hashes to it, in order.

        The split is by story, so a story's regions stay together (one shard warms the
        provider's prompt cache for all of them), and it depends only on the id: the same
        stories land in the same shard on every run and every machine.
        """
        return self.only([i for i in self.ids if story_shard(i, count) == index])

    def only(self, ids: list[str]) -> StoryStream:
        """Only these stories (ids of this stream, in this stream's order), read as it reads."""
        return StoryStream(self._sources, ids, frozenset(ids))


def story_shard(story_id: str, count: int) -> int:
    """The shard (1 to ``count``) a story id belongs to: a stable hash, not Python's."""
    # A digest, not a CRC: CRC bits are linear in the input, so ids that differ in one
    # character (story-1, story-3) can land in one shard together.
    digest = hashlib.blake2b(story_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count + 1


def stream_inputs(stories: Iterable[BatchStory]) -> StoryStream:
    """Story arguments of a batch as a `StoryStream` (see `as_inputs` for what each may be)."""
    sources: list[StoryInput | Path] = []
    seen: dict[str, str | None] = {}  # story id -> its source
    files: set[str] = set()

    def new(item: StoryInput) -> bool:
        """Whether ``item`` is a story not seen before (the same one again is not)."""
        if item.id not in seen:
            seen[item.id] = item.source
            return True
        if seen[item.id] != item.source:
            # Resuming and the results file key on (story id, region): ids must be unique.
            raise InputError(
                f"story id '{item.id}' is used twice: {seen[item.id]} and "
                f"{item.source}; give one of them another name or id"
            )
        return False

    for s in stories:
        if isinstance(s, StoryInput | Story | str):
            item = s if isinstance(s, StoryInput) else StoryInput.of(as_story(s))
            if new(item):
                sources.append(item)
            continue
        for path in _path_files(Path(s)):
            if str(path) in files:
                continue  # the same file again: the same stories
            files.add(str(path))
            try:
                found = list(_file_inputs(path, parse=False))
            except StoryError as exc:  # a file that cannot be read fails only its own jobs
                failed = StoryInput(path_text(path.stem), error=str(exc), source=path_text(path))
                if new(failed):
                    sources.append(failed)
                continue
            for item in found:
                new(item)
            sources.append(path)
    return StoryStream(sources, list(seen))


def as_inputs(stories: Iterable[BatchStory]) -> list[StoryInput]:
    """Story arguments of a batch as `StoryInput`s, in order, each story once.

    A `Story` or `StoryInput` is used as it is; a path (``Path``) may be a story file, a folder
    of them or a JSONL file; a ``str`` is story text, under the rule of `localize.as_story` (a
    file name given as ``str`` is refused). A path that does not exist, an empty folder or two
    different stories with one id stop the run (`InputError`) before any request; a story file
    that does not parse becomes a `StoryInput` with an ``error``, so only its own jobs fail. A
    folder contributes its story files (`localize.STORY_SUFFIXES`) and ``.jsonl`` files, not
    hidden ones, not subfolders, sorted. `stream_inputs` does the same without holding them.
    """
    return list(stream_inputs(stories))


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
