"""Whole-file writes: a temporary file in the same folder, made durable, then renamed over.

Killed at any moment, the target holds either its old content or the new, never a part.
A path that is a symbolic link is written through: the file it points to is replaced and the
link stays. A file that already exists keeps its permission bits.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from localize.errors import OutputError

__all__ = ["check_writable", "fsync_dir", "resolve_output", "write_atomic"]


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


def check_writable(path: str | Path) -> None:
    """Fail before any work is done if the output file could not be written."""
    p = resolve_output(path)
    folder = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise OutputError("is a folder", path=str(p))
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


def write_atomic(path: str | Path, data: str | bytes, *, durable: bool = True) -> None:
    """Write the whole file or nothing; ``durable=False`` skips the fsyncs (for caches)."""
    p = resolve_output(path)
    try:
        mode = stat.S_IMODE(os.stat(p).st_mode)  # an existing file keeps its permissions
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        # mkstemp creates 0600; a new output gets the usual permissions, an old one its own.
        os.chmod(tmp, mode)
        os.replace(tmp, p)
        if durable:
            fsync_dir(p.parent)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
