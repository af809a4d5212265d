"""`DiskCache`: completions stored on disk by the hash of the exact request, shared across runs.

The client (`localize.backends._client.LLMClient`) computes the key itself: a sha256 over the
endpoint, model,
messages and parameters. This module only maps keys to files. One small JSON file per key,
written to a temporary file and renamed into place, so a run killed mid-write never leaves a torn
entry and two runs filling the same cache never see half a file. Only the answer is stored (the
`Completion` fields); the request, and so any key or prompt, never reaches the disk.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from localize import _strict_json as strict_json
from localize._atomic import write_atomic
from localize._reading import read_limited
from localize._types import STRUCTURED_MODES, StructuredMode
from localize.backends._protocols import ResponseCache
from localize.backends._usage import Completion, Usage
from localize.errors import ConfigError, LocalizeError, OutputError

__all__ = [
    "CacheOption",
    "DiskCache",
    "as_cache",
    "cache_suspended",
    "caching_suspended",
    "default_cache_dir",
]

_log = logging.getLogger(__name__)
_FORMAT = 1
_KEY = re.compile(r"^[0-9a-f]{64}$")
_MODES: dict[object, StructuredMode] = {m: m for m in STRUCTURED_MODES}
# One answer is a few kilobytes; an entry past this was not written by localize.
_MAX_ENTRY_BYTES = 4 * 1024 * 1024


class _Miss(LocalizeError):
    """An entry that cannot be read (a link to a device, a FIFO, too big): read as a miss."""


def _count(value: object) -> int:
    """A token count as stored: a non-negative integer, nothing else."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"not a token count: {value!r}")
    return value


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$LOCALIZE_CACHE_DIR``, else ``$XDG_CACHE_HOME/localize``, else ``~/.cache/localize``."""
    env = os.environ if env is None else env
    if env.get("LOCALIZE_CACHE_DIR"):
        folder = Path(env["LOCALIZE_CACHE_DIR"])
        # The same rule as --cache-dir: a folder, or a path where one can be made.
        if folder.exists() and not folder.is_dir():
            raise ConfigError(f"{folder} is a file, not a folder", option="LOCALIZE_CACHE_DIR")
        return folder
    base = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "localize"


# How many blocks (a cassette in use) have the response cache off, process-wide: a cassette must
# see every request its replay will make, and a replay must make every request it recorded, so no
# cache answers in between (a cache hit would leave a repeated request out of the recording).
_suspended = 0
_suspended_lock = threading.Lock()


@contextlib.contextmanager
def cache_suspended() -> Iterator[None]:
    """No response cache is read or written inside this block (see `caching_suspended`)."""
    global _suspended
    with _suspended_lock:
        _suspended += 1
    try:
        yield
    finally:
        with _suspended_lock:
            _suspended -= 1


def caching_suspended() -> bool:
    """True inside `cache_suspended`: clients then neither read nor write their cache."""
    return _suspended > 0


# What every entry point takes for ``cache``, with one default (True) in Python as in the CLI.
CacheOption = ResponseCache | bool | None


def as_cache(cache: CacheOption) -> ResponseCache | None:
    """``True``: the on-disk cache in `default_cache_dir`; ``False`` or ``None``: none; a cache
    object: itself."""
    if cache is True:
        return DiskCache()
    return None if cache is False else cache  # not `or`: an empty DiskCache is falsy


def _encode(completion: Completion) -> dict[str, Any]:
    return {
        "format": _FORMAT,
        "content": completion.content,
        "finish_reason": completion.finish_reason,
        "usage": {
            "prompt_tokens": completion.usage.prompt_tokens,
            "completion_tokens": completion.usage.completion_tokens,
            "cached_tokens": completion.usage.cached_tokens,
        },
        "model": completion.model,
        "mode": completion.mode,
        "request_id": completion.request_id,
        "system_fingerprint": completion.system_fingerprint,
    }


def _decode(data: Any) -> Completion | None:
    """The stored completion, or None for anything not written by this version."""
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        return None
    usage = data.get("usage")
    mode = _MODES.get(data.get("mode"))
    if not isinstance(usage, dict) or mode is None:
        return None
    try:
        return Completion(
            content=str(data["content"]),
            finish_reason=data.get("finish_reason"),
            usage=Usage(
                _count(usage["prompt_tokens"]),
                _count(usage["completion_tokens"]),
                _count(usage.get("cached_tokens", 0)),
            ),
            model=str(data["model"]),
            mode=mode,
            request_id=data.get("request_id"),
            system_fingerprint=data.get("system_fingerprint"),
        )
    except (KeyError, TypeError, ValueError):
        return None


class DiskCache:
    """A `localize.backends.ResponseCache` in a folder: ``<dir>/<key[:2]>/<key>.json``.

    A cache that cannot be written is not a reason to fail a run: a failed write is logged once
    and the run goes on uncached. A corrupt or foreign entry reads as a miss.
    """

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        self._warned = False

    def __repr__(self) -> str:
        return f"DiskCache({str(self.directory)!r})"

    def _path(self, key: str) -> Path:
        # Keys come from the client's sha256; anything else could escape the folder.
        if not _KEY.match(key):
            raise ValueError(f"not a cache key: {key!r}")
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> Completion | None:
        # Only a regular file of a sane size is read: an entry replaced by a link to /dev/zero
        # or by a FIFO must not exhaust memory or hang the run.
        path = self._path(key)
        try:
            raw = read_limited(path, _MAX_ENTRY_BYTES, _Miss)
            found = _decode(strict_json.loads(raw.decode("utf-8")))
        except (_Miss, UnicodeDecodeError, ValueError):
            found = None
        return found

    def put(self, key: str, completion: Completion) -> None:
        path = self._path(key)
        data = json.dumps(_encode(completion), ensure_ascii=False, separators=(",", ":"))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # A lost cache entry costs one request again: not worth an fsync per answer.
            write_atomic(path, data, durable=False)
        except (OSError, OutputError) as exc:
            if not self._warned:
                self._warned = True
                why = exc.strerror if isinstance(exc, OSError) else exc
                _log.warning(
                    "localize: response cache %s is not writable (%s); going on without caching",
                    self.directory,
                    why or exc,
                )

    def __len__(self) -> int:
        return sum(1 for _ in self.directory.glob("??/*.json")) if self.directory.is_dir() else 0
