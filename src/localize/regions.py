"""`RegionProfile`: who a regional edition is for, stored as data files.

Built-in profiles live in ``localize/profiles/*.yaml``; user profiles load from a file or a folder
of files (YAML or JSON) with the same fields. Unknown keys are rejected so a typo cannot silently
drop a regulator from a prompt.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from localize.errors import ProfileError, RegionNotFoundError

__all__ = [
    "Institution",
    "Law",
    "RegionLike",
    "RegionProfile",
    "builtin_regions",
    "get_region",
    "list_regions",
    "load_profile",
    "load_profiles",
]

_PROFILE_SUFFIXES = (".yaml", ".yml", ".json")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Institution(_Strict):
    """A public body the section may name."""

    name: str = Field(min_length=1)
    acronym: str | None = None
    remit: str = Field(min_length=1)
    # Other names the body goes by in good copy: official short forms ("EU Agency for
    # Cybersecurity"), a former or informal name. The checks accept them as the body's name.
    aliases: tuple[str, ...] = ()


class Law(_Strict):
    """A law or regulation the section may cite."""

    name: str = Field(min_length=1)
    short_name: str | None = None
    summary: str = ""
    aliases: tuple[str, ...] = ()


class RegionProfile(_Strict):
    """One regional edition: audience, locale, institutions, laws and house style."""

    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1)
    audience: str = Field(min_length=1)
    locale: str = Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    section_heading: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    institutions: tuple[Institution, ...] = Field(min_length=1)
    laws: tuple[Law, ...] = ()
    style_notes: tuple[str, ...] = ()

    @property
    def spelling(self) -> Literal["british", "american"]:
        """Which spelling variant the locale uses."""
        return "american" if self.locale in ("en-US", "en-PH") else "british"

    @property
    def text(self) -> str:
        """Every fact the profile supplies, as text the grounding checks can search."""
        lines = [self.name, *self.aliases, self.audience, self.currency]
        for inst in self.institutions:
            lines.append(
                f"{inst.name} ({inst.acronym}): {inst.remit}"
                if inst.acronym
                else f"{inst.name}: {inst.remit}"
            )
            lines.extend(
                f"{alias} ({inst.acronym})" if inst.acronym else alias for alias in inst.aliases
            )
        for law in self.laws:
            lines.append(" ".join(x for x in (law.name, law.short_name or "", law.summary) if x))
            lines.extend(law.aliases)
        return "\n".join(lines)


# What a region argument may be: a profile, a path to a profile file, or a region id.
RegionLike = RegionProfile | os.PathLike[str] | str


def _field_path(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _read_profile_data(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError("no such file", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"cannot read: {exc}", path=str(path)) from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ProfileError(
            f"not valid {path.suffix.lstrip('.').upper()}: {exc}", path=str(path)
        ) from None


def load_profile(path: str | os.PathLike[str]) -> RegionProfile:
    """Load and validate one profile file (YAML or JSON)."""
    p = Path(path)
    data = _read_profile_data(p)
    if not isinstance(data, dict):
        raise ProfileError("a profile must be a mapping of fields", path=str(p))
    try:
        return RegionProfile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = {"missing": "is required", "extra_forbidden": "is not a known field"}.get(
            err["type"], err["msg"].lower()
        )
        more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
        raise ProfileError(msg + more, path=str(p), field=_field_path(err["loc"])) from None


def load_profiles(path: str | os.PathLike[str]) -> dict[str, RegionProfile]:
    """Load a profile file, or every profile file in a folder, keyed by region id."""
    p = Path(path)
    if not p.exists():
        raise ProfileError("no such file or folder", path=str(p))
    files = (
        sorted(f for f in p.iterdir() if f.suffix.lower() in _PROFILE_SUFFIXES)
        if p.is_dir()
        else [p]
    )
    profiles: dict[str, RegionProfile] = {}
    for f in files:
        profile = load_profile(f)
        if profile.id in profiles:
            raise ProfileError(
                f"region id '{profile.id}' is defined twice", path=str(f), field="id"
            )
        profiles[profile.id] = profile
    return profiles


_builtin: dict[str, RegionProfile] | None = None


def builtin_regions() -> dict[str, RegionProfile]:
    """The profiles shipped with localize, keyed by id."""
    global _builtin
    if _builtin is None:
        folder = resources.files("localize") / "profiles"
        with resources.as_file(folder) as path:
            _builtin = load_profiles(path)
    return dict(_builtin)


def list_regions(
    profiles: str | os.PathLike[str] | Mapping[str, RegionProfile] | None = None,
) -> dict[str, RegionProfile]:
    """Every region `get_region` finds by id: built-ins, then user profiles (which override),
    sorted by id. ``profiles`` as in `get_region` (None: the configured search path)."""
    return dict(sorted({**builtin_regions(), **_user_profiles(profiles)}.items()))


def _user_profiles(
    profiles: str | os.PathLike[str] | Mapping[str, RegionProfile] | None,
) -> Mapping[str, RegionProfile]:
    if profiles is None:
        from localize.config import Settings  # the search path is a setting (env, config file)

        profiles = Settings.resolve().profiles
    if profiles is None or isinstance(profiles, Mapping):
        return profiles or {}
    return load_profiles(profiles)


def get_region(
    region: RegionLike,
    *,
    profiles: str | os.PathLike[str] | Mapping[str, RegionProfile] | None = None,
) -> RegionProfile:
    """Resolve a region argument to a `RegionProfile`: the rule every public function follows.

    ``region`` is a `RegionProfile` (used as it is), a path to a profile file (``Path``, or a
    ``str`` ending in .yaml, .yml or .json), or a region id looked up among the built-in
    profiles and the user profiles in ``profiles``: a profile file or folder, or profiles
    already loaded. ``profiles=None`` means the configured search path (``LOCALIZE_PROFILES``
    or the config file's ``profiles``). User profiles override built-ins with the same id.
    """
    if isinstance(region, RegionProfile):
        return region
    if isinstance(region, os.PathLike):
        return load_profile(region)
    if not isinstance(region, str):
        raise ProfileError(
            "a region must be a region id, a profile file or a RegionProfile, "
            f"not {type(region).__name__}"
        )
    if region.lower().endswith(_PROFILE_SUFFIXES):
        return load_profile(region)
    known = list_regions(profiles)
    key = region.strip().lower()
    if key in known:
        return known[key]
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.5)
    by_alias = [p.id for p in known.values() if key in (a.lower() for a in (p.name, *p.aliases))]
    suggestions = by_alias or close
    raise RegionNotFoundError(region, sorted(known), suggestions[0] if suggestions else None)
