"""Region profiles: the model, profile files, packs and the built-in profiles."""

from __future__ import annotations

from localize.regions._namesakes import foreign_namesakes
from localize.regions._packs import ENTRY_POINT_GROUP, ProfilePack, installed_packs
from localize.regions._profiles import (
    BUILTIN,
    Institution,
    Law,
    RegionLike,
    RegionProfile,
    builtin_regions,
    get_region,
    list_regions,
    load_profile,
    load_profiles,
    pack_regions,
    profile_problems,
    profile_schema,
)

__all__ = [
    "BUILTIN",
    "ENTRY_POINT_GROUP",
    "Institution",
    "Law",
    "ProfilePack",
    "RegionLike",
    "RegionProfile",
    "builtin_regions",
    "foreign_namesakes",
    "get_region",
    "installed_packs",
    "list_regions",
    "load_profile",
    "load_profiles",
    "pack_regions",
    "profile_problems",
    "profile_schema",
]
