"""`DiskCache`: completions stored on disk by the hash of the exact request, shared across runs.

The client (`localize.backends._client.LLMClient`) computes the key itself: a sha256 over the
endpoint, model,
messages and parameters. This module only maps keys to files. One small JSON file per key,
written to a temporary file and renamed into place, so a run killed mid-write never leaves a torn
entry and two runs filling the same cache never see half a file. Only the answer is stored (the
`Completion` fields); the request, and so any key or prompt, never reaches the disk.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from localize._atomic import write_atomic
from localize._types import STRUCTURED_MODES, StructuredMode
from localize.backends._usage import Completion, Usage
from localize.errors import ConfigError

__all__ = ["DiskCache", "default_cache_dir"]

_log = logging.getLogger(__name__)
_FORMAT = 1
_KEY = re.compile(r"^[0-9a-f]{64}$")
_MODES: dict[object, StructuredMode] = {m: m for m in STRUCTURED_MODES}


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
                int(usage["prompt_tokens"]),
                int(usage["completion_tokens"]),
                int(usage.get("cached_tokens", 0)),
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
        try:
            text = self._path(key).read_text(encoding="utf-8")
            found = _decode(json.loads(text))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            found = None
        return found

    def put(self, key: str, completion: Completion) -> None:
        path = self._path(key)
        data = json.dumps(_encode(completion), ensure_ascii=False, separators=(",", ":"))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # A lost cache entry costs one request again: not worth an fsync per answer.
            write_atomic(path, data, durable=False)
        except OSError as exc:
            if not self._warned:
                self._warned = True
                _log.warning(
                    "localize: response cache %s is not writable (%s); going on without caching",
                    self.directory,
                    exc.strerror or exc,
                )

    def __len__(self) -> int:
        return sum(1 for _ in self.directory.glob("??/*.json")) if self.directory.is_dir() else 0
