"""Whole-file writes: a temporary file in the same folder, made durable, then renamed over.

Killed at any moment, the target holds either its old content or the new, never a part.
A path that is a symbolic link is written through: the file it points to is replaced and the
link stays. A file that already exists keeps its permission bits.

Only a regular file is ever replaced. A character device or a FIFO (``-o /dev/null``,
``-o /dev/stdout``, a named pipe another program reads) is written to directly, as a shell's
``>`` would: renaming over it would put a regular file where the device was. A socket or any
other kind of node is refused. An input file is never an output: `check_writable` refuses a
path that names one of the command's inputs, however it is spelled (a symbolic link, a hard
link, ``./``). A write that fails (a full disk, a read-only file system) is an `OutputError`
naming the file, and leaves the old content in place.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from localize.errors import OutputError

__all__ = [
    "append_whole",
    "check_writable",
    "fsync_dir",
    "resolve_output",
    "same_file",
    "write_atomic",
    "write_failed",
]


def write_failed(exc: OSError, path: str | Path) -> OutputError:
    """The one-line error for a write that the OS refused (a full disk above all)."""
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        reason = f"cannot write: {reason} (the disk is full; nothing was written)"
    else:
        reason = f"cannot write: {reason}"
    return OutputError(reason, path=str(path))


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file: through symbolic links, hard links and any spelling."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def _kind(mode: int) -> str | None:
    """What a node is when it is not something a write may replace or write to directly."""
    if stat.S_ISREG(mode) or stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file"
    return "is not a regular file"


def resolve_output(path: str | Path) -> Path:
    """The file a write to ``path`` must replace: the target when ``path`` is a symbolic link.

    Renaming over a link would replace the link itself; a chain of links is followed to its end.
    A link that loops is refused.
    """
    p = Path(path)
    if not p.is_symlink():
        return p
    try:
        target = Path(os.path.realpath(p, strict=False))
    except OSError as exc:
        raise OutputError(f"cannot follow the symbolic link: {exc.strerror}", path=str(p)) from None
    if target.is_symlink():  # realpath stops inside a loop
        raise OutputError("is a symbolic link that loops", path=str(p))
    return target


def check_writable(path: str | Path, *, inputs: Iterable[str | Path] = ()) -> None:
    """Fail before any work is done if the output file could not be written, or if it is one
    of ``inputs`` (the command's own input files: writing would destroy what it reads)."""
    for source in inputs:
        if str(source) != "-" and same_file(path, source):
            raise OutputError(
                f"is the input file {source}; writing it would destroy it: choose another --output",
                path=str(path),
            )
    p = resolve_output(path)
    folder = p.parent if str(p.parent) else Path(".")
    with contextlib.suppress(OSError):
        problem = _kind(os.stat(p).st_mode)
        if problem:
            raise OutputError(problem, path=str(p))
    if not folder.is_dir():
        raise OutputError(f"folder {folder} does not exist", path=str(p))
    if not os.access(folder, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise OutputError("permission denied", path=str(p))


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` survive a crash (best effort where the OS allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_direct(p: Path, raw: bytes) -> None:
    """A device or a FIFO takes the bytes as they are: no temporary file, no rename."""
    try:
        # O_NONBLOCK: a FIFO nobody reads fails at once (ENXIO) instead of hanging the run.
        fd = os.open(p, os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise OutputError("is a FIFO (named pipe) that nobody reads", path=str(p)) from None
        raise write_failed(exc, p) from None
    try:
        os.set_blocking(fd, True)  # a reader is there: wait for it as a shell's > would
        _write_all(fd, raw)
    except OSError as exc:
        raise write_failed(exc, p) from None
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def append_whole(fd: int, data: bytes, path: str | Path) -> None:
    """Append ``data`` to the file open as ``fd``, all of it or none of it.

    A write cut short (a full disk) is cut back to where the file ended, so no torn line is
    left behind; then the `OutputError` names the file.
    """
    end = os.lseek(fd, 0, os.SEEK_END)
    try:
        _write_all(fd, data)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, end)
        raise write_failed(exc, path) from None


def write_atomic(
    path: str | Path, data: str | bytes | Iterable[bytes], *, durable: bool = True
) -> None:
    """Write the whole file or nothing; ``durable=False`` skips the fsyncs (for caches).

    ``data`` may be an iterable of chunks, written as they come (a results file rewritten a
    line at a time is never held whole). A device or FIFO is written directly; any other node
    that is not a regular file is refused.
    """
    p = resolve_output(path)
    if isinstance(data, str):
        chunks: Iterable[bytes] = (data.encode("utf-8"),)
    elif isinstance(data, bytes):
        chunks = (data,)
    else:
        chunks = data
    try:
        info: os.stat_result | None = os.stat(p)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise write_failed(exc, p) from None
    if info is not None:
        problem = _kind(info.st_mode)
        if problem:
            raise OutputError(problem, path=str(p))
        if not stat.S_ISREG(info.st_mode):
            _write_direct(p, b"".join(chunks))
            return
    # An existing file keeps its permissions.
    mode = stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~_umask()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    except OSError as exc:
        raise write_failed(exc, p) from None
    try:
        try:
            for chunk in chunks:
                _write_all(fd, chunk)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        # mkstemp creates 0600; a new output gets the usual permissions, an old one its own.
        os.chmod(tmp, mode)
        os.replace(tmp, p)
        if durable:
            fsync_dir(p.parent)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise write_failed(exc, p) from None
        raise
