"""Profile packs: Python packages that ship region profiles through an entry-point group.

A desk publishes its profiles as an ordinary package and declares, in its ``pyproject.toml``::

    [project.entry-points."localize.profiles"]
    desk = "desk_profiles"

The entry point names a package (or module) whose folder holds the profile files, or a function
that returns a folder, a file, or a list of them. Installing the package is all it takes:
``localize regions`` lists its profiles, with the pack's name and version as their source.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path
from types import ModuleType

from localize.errors import ProfileError

__all__ = ["ENTRY_POINT_GROUP", "ProfilePack", "installed_packs"]

ENTRY_POINT_GROUP = "localize.profiles"


@dataclass(frozen=True, slots=True)
class ProfilePack:
    """One installed pack: where its profile files are and what to call it in listings."""

    name: str  # "desk-profiles 1.2.0 (entry point 'desk')"
    paths: tuple[Path, ...]


def _junk(got: str, where: str) -> ProfileError:
    return ProfileError(
        "a profile pack entry point must name a package, or a function returning a folder, "
        f"a file or a list of them (got {got})",
        path=where,
    )


def _paths(found: object, where: str) -> tuple[Path, ...]:
    if isinstance(found, ModuleType):
        # A package's own folder; a plain module's folder is the one its file is in.
        if hasattr(found, "__path__"):
            return (Path(str(resources.files(found))),)
        return (Path(str(found.__file__)).parent,)
    try:
        if callable(found):
            found = found()
        items = list(found) if isinstance(found, Iterable) and not isinstance(found, str) else None
    except Exception as exc:  # someone else's code: raising, recursing, anything
        raise ProfileError(
            f"its function failed: {type(exc).__name__}: {exc}"[:300], path=where
        ) from None
    if isinstance(found, str | os.PathLike):
        return (Path(found),)
    if items is not None:
        bad = [p for p in items if not isinstance(p, str | os.PathLike)]
        if bad:
            raise _junk(f"a {type(found).__name__} holding a {type(bad[0]).__name__}", where)
        return tuple(Path(p) for p in items)
    raise _junk(type(found).__name__, where)


@lru_cache(maxsize=1)
def installed_packs() -> tuple[ProfilePack, ...]:
    """Every installed pack, sorted by name (loaded once per process)."""
    packs: list[ProfilePack] = []
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist
        owner = f"{dist.name} {dist.version}" if dist is not None else "unknown package"
        where = f"profile pack {owner} (entry point '{ep.name} = {ep.value}')"
        try:
            found = ep.load()
        except Exception as exc:  # any import failure inside someone else's package
            raise ProfileError(f"cannot load: {exc}", path=where) from None
        packs.append(ProfilePack(f"{owner} (entry point '{ep.name}')", _paths(found, where)))
    return tuple(sorted(packs, key=lambda p: p.name))
