"""Bounded reads of the files localize is handed: a regular file, up to a size limit.

A path that names a device (``/dev/zero``), a FIFO, a socket, or a link to one is refused
before a byte is read: ``/dev/zero`` never ends and an unopened FIFO never answers. Every read
stops one byte past its limit, so a huge file costs at most the limit in memory. Each caller
passes the error to raise (a `StoryError` for a story, a `ProfileError` for a profile), so
the message names the file in the reader's own terms.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from localize.errors import LocalizeError

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_STORY_BYTES",
    "human_size",
    "read_limited",
    "read_stream",
]

# A news story is tens of kilobytes; a novel is about one. Past this, a "story" is a mistake (a
# log, a dump, /dev/zero), and the checks' time, linear as it is, would run to minutes.
MAX_STORY_BYTES = 4 * 1024 * 1024
# Profiles, config, cache entries, results lines, cassettes: generous for what they hold.
MAX_FILE_BYTES = 64 * 1024 * 1024

ErrorFactory = Callable[[str], LocalizeError]


def human_size(n: int) -> str:
    """``4194304`` -> ``"4 MiB"``: a limit as a person reads it."""
    if n >= 1 << 20:
        return f"{n / (1 << 20):g} MiB"
    if n >= 1 << 10:
        return f"{n / (1 << 10):g} KiB"
    return f"{n} bytes"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _over(limit: int, error: ErrorFactory, too_large: ErrorFactory | None) -> LocalizeError:
    return (too_large or error)(f"is larger than the {human_size(limit)} limit")


def read_stream(
    stream: BinaryIO, limit: int, error: ErrorFactory, *, too_large: ErrorFactory | None = None
) -> bytes:
    """At most ``limit`` bytes of an open stream (standard input); more is an error."""
    try:
        data = stream.read(limit + 1)
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise _over(limit, error, too_large)
    return data


def read_limited(
    path: str | Path,
    limit: int,
    error: ErrorFactory,
    *,
    what: str = "file",
    too_large: ErrorFactory | None = None,
) -> bytes:
    """The bytes of the regular file at ``path``, refused past ``limit`` bytes.

    ``error(message)`` builds the exception for every refusal (``too_large`` for the size
    limit, when given); ``what`` names what the file was meant to be: "is a folder, not a story
    file".
    """
    try:
        # O_NONBLOCK: opening a FIFO with no writer returns at once instead of hanging; the
        # fstat below then refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise error("no such file") from None
    except IsADirectoryError:
        raise error(f"is a folder, not a {what}") from None
    except PermissionError:
        raise error("permission denied") from None
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = _kind(info.st_mode)
            raise error(f"is {kind}, not a {what}")
        if info.st_size > limit:
            raise _over(limit, error, too_large)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:  # the file may grow while it is read: stop one byte past
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise _over(limit, error, too_large)
        return b"".join(chunks)
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
