"""`RegionProfile`: who a regional edition is for, stored as data files.

Profiles come from three places, later ones overriding earlier ones with the same id: the
built-in ``localize/profiles/*.yaml``, installed profile packs (see `localize.regions._packs`),
and the user's own files or folder (``--profiles``, ``LOCALIZE_PROFILES``). A profile may
``extends`` another by id: lists (aliases, institutions, laws, style notes, beats) merge, other
fields override, and an institution or law with the parent's name (a beat with the parent's id)
replaces the parent's entry.

Every institution and law carries the beats it serves (`localize.regions._beats`): the built-in
vocabulary, plus any beat the profile defines in its own ``beats`` list. A beat id that is in
neither is an error, with the closest known id suggested.

Unknown keys are rejected so a typo cannot silently drop a regulator from a prompt, and every
problem names the file, the line and the field.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    WithJsonSchema,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from localize import _strict_json as strict_json
from localize._reading import read_limited
from localize.errors import ProfileError, RegionNotFoundError
from localize.regions._beats import BEATS
from localize.regions._packs import installed_packs

__all__ = [
    "BUILTIN",
    "BeatNote",
    "Institution",
    "Law",
    "RegionLike",
    "RegionProfile",
    "builtin_regions",
    "get_region",
    "list_regions",
    "load_profile",
    "load_profiles",
    "pack_regions",
    "profile_problems",
    "profile_schema",
]

_PROFILE_SUFFIXES = (".yaml", ".yml", ".json")
# Fields whose lists an extending profile adds to rather than replaces.
_LIST_FIELDS = ("aliases", "institutions", "laws", "style_notes", "beats")
BUILTIN = "built-in"

Spelling = Literal["british", "american", "canadian"]
# The English spelling each English-speaking locale uses; another English locale must name one.
_SPELLING_BY_LOCALE: dict[str, Spelling] = {
    "en-US": "american",
    "en-PH": "american",
    "en-CA": "canadian",
    **{
        f"en-{country}": "british"
        for country in ["GB", "IE", "AU", "NZ", "IN", "SG", "ZA", "HK", "MT", "KE", "NG", "PK"]
    },
}


def _url(what: str) -> Any:
    return Field(
        default=None,
        pattern=r"^https?://\S+$",
        description=f"The {what}'s official web address (http or https); it tells apart "
        "bodies or laws that share a name across regions.",
    )


_BEAT_ID = r"^[a-z][a-z0-9-]*$"


def _unique(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


# The beats an entry serves: ids from the built-in vocabulary or the profile's own ``beats``.
Beats = Annotated[
    tuple[Annotated[str, Field(pattern=_BEAT_ID)], ...],
    AfterValidator(_unique),
    Field(
        description="The beats the entry serves: " + ", ".join(BEATS) + ", or a beat the "
        "profile defines in 'beats'."
    ),
]


def _as_text(value: object) -> object:
    # YAML reads `version: 2` and `version: 2026.11` as numbers; they are versions all the same.
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


Version = Annotated[
    str,
    BeforeValidator(_as_text),
    WithJsonSchema({"type": ["string", "number"], "description": "The profile's version."}),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Institution(_Strict):
    """A public body the section may name; ``url`` says which body it is where names repeat."""

    name: str = Field(min_length=1, description="The body's full official name.")
    acronym: str | None = Field(
        default=None,
        description="Its short form, e.g. NCSC (a law's short form is its short_name).",
    )
    remit: str = Field(
        min_length=1, description="One line on what it does: the prompt and the checks read it."
    )
    # Other names the body goes by in good copy: official short forms ("EU Agency for
    # Cybersecurity"), a former or informal name. The checks accept them as the body's name.
    aliases: tuple[str, ...] = Field(
        default=(),
        description="Other names it goes by in good copy (an official short form, a former "
        "name); the checks accept them as its name.",
    )
    url: str | None = _url("body")
    beats: Beats = ()


class Law(_Strict):
    """A law or regulation the section may cite."""

    name: str = Field(min_length=1, description="The law's full title.")
    short_name: str | None = Field(
        default=None,
        description="Its short form, e.g. GDPR (an institution's short form is its acronym).",
    )
    summary: str = Field(default="", description="One line on what it requires.")
    aliases: tuple[str, ...] = Field(
        default=(), description="Other names it goes by; the checks accept them as its name."
    )
    url: str | None = _url("law")
    beats: Beats = ()


class BeatNote(_Strict):
    """A profile's own word on a beat: a new beat (with its description), or the audience
    line a built-in beat's stories are written for in this region."""

    id: str = Field(pattern=_BEAT_ID)
    description: str | None = Field(
        default=None, min_length=1, description="What the beat covers; required for a new beat."
    )
    audience: str | None = Field(
        default=None, min_length=1, description="Who the section is for on a story on this beat."
    )


def _as_mapping_schema(schema: dict[str, Any]) -> None:
    """The schema of a field held as pairs but written as a mapping (`RegionProfile.checks`)."""
    schema.pop("items", None)
    schema.update(
        type="object", default={}, additionalProperties={"enum": ["off", "warning", "error"]}
    )


# Each profile object's hash (see RegionProfile.__hash__); a run uses a few profiles.
_HASHES: dict[int, tuple[RegionProfile, int]] = {}
_HASHES_KEPT = 1024


class RegionProfile(_Strict):
    """One regional edition: audience, language, locale, institutions, laws and house style."""

    id: str = Field(
        min_length=1,
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        description="The region id used with -r: lower-case letters, digits, '-' and '_'.",
    )
    version: Version = Field(default="1", description="The profile's version.")
    extends: str | None = Field(default=None, description="The id of the profile this extends.")
    name: str = Field(min_length=1, description="The region's name, e.g. United Kingdom.")
    aliases: tuple[str, ...] = Field(
        default=(),
        description="Other names for the region (UK, Britain); -r and suggestions match them.",
    )
    audience: str = Field(min_length=1, description="Who reads this edition, in one line.")
    language: str = Field(
        default="en",
        pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
        description="The language the section is written in (BCP 47, e.g. en, de).",
    )
    locale: str = Field(
        pattern=r"^[a-z]{2}(-[A-Z]{2})?$",
        description="Language and country, e.g. en-GB: dates, numbers and, unless spelling is "
        "given, the spelling variant.",
    )
    spelling: Spelling = Field(
        default="british",
        description="English spelling variant; by default American for en-US, Canadian for "
        "en-CA, British otherwise.",
    )
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. GBP.")
    section_heading: str = Field(
        min_length=1, description="The section's heading, e.g. What it means for the UK."
    )
    disclosure: str | None = Field(
        default=None, min_length=1, description="The AI-assistance line under the section."
    )
    institutions: tuple[Institution, ...] = Field(
        min_length=1, description="The public bodies a section may name (at least one)."
    )
    laws: tuple[Law, ...] = Field(default=(), description="The laws a section may cite.")
    style_notes: tuple[str, ...] = Field(
        default=(), description="House-style lines for this edition, passed to the prompt."
    )
    # Held as (name, setting) pairs so a profile stays hashable; written as a mapping.
    checks: tuple[tuple[str, Literal["off", "warning", "error"]], ...] = Field(
        default=(),
        description="Checks this edition turns off or gives another severity: a mapping of "
        "check name (built-in, or a newsroom's own) to off, warning or error, e.g. "
        "{spelling: off, house-style: error}. A run's --check wins over it.",
        json_schema_extra=lambda schema: _as_mapping_schema(schema),
    )

    beats: tuple[BeatNote, ...] = Field(
        default=(), description="Beats this profile adds, or audience lines for built-in beats."
    )

    _source: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _known_beats(self) -> RegionProfile:
        errors: list[InitErrorDetails] = []
        for k, note in enumerate(self.beats):
            if note.id not in BEATS and note.description is None:
                errors.append(
                    _error(("beats", k, "description"), note.id, "a new beat needs a description")
                )
        known = self.beat_descriptions
        groups: tuple[tuple[str, tuple[Institution | Law, ...]], ...] = (
            ("institutions", self.institutions),
            ("laws", self.laws),
        )
        for field_name, entries in groups:
            first: dict[str, int] = {}
            for k, entry in enumerate(entries):
                # One entry per body or law: a second one (an `extends` replaces by name; one
                # file cannot) listed it twice in every prompt.
                j = first.setdefault(entry.name.casefold(), k)
                if j != k:
                    message = f"'{entry.name}' is listed twice (also {field_name}[{j}])"
                    errors.append(_error((field_name, k, "name"), entry.name, message))
                for j, beat in enumerate(entry.beats):
                    if beat not in known:
                        close = difflib.get_close_matches(beat, list(known), n=1, cutoff=0.6)
                        hint = f" (did you mean '{close[0]}'?)" if close else ""
                        message = f"unknown beat '{beat}'{hint}; a new beat goes in 'beats'"
                        errors.append(_error((field_name, k, "beats", j), beat, message))
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self

    @property
    def beat_descriptions(self) -> dict[str, str]:
        """Every beat this profile knows, id -> description: built-in ones and its own."""
        own = {n.id: n.description for n in self.beats if n.description}
        return {**BEATS, **own}

    def audience_for(self, beat: str | None) -> str:
        """The audience line for a story on ``beat``: the profile's own for it, else the
        general one."""
        for note in self.beats:
            if note.id == beat and note.audience:
                return note.audience
        return self.audience

    @field_validator("checks", mode="before")
    @classmethod
    def _checks_from_mapping(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            # YAML reads a bare `off` as false: that is what the editor wrote.
            return tuple((k, "off" if v is False else v) for k, v in value.items())
        return value

    @field_serializer("checks")
    def _checks_as_mapping(self, value: tuple[tuple[str, str], ...]) -> dict[str, str]:
        return dict(value)

    @model_validator(mode="before")
    @classmethod
    def _spelling_from_locale(cls, data: Any) -> Any:
        if isinstance(data, dict) and "spelling" not in data:
            locale = str(data.get("locale"))
            spelling = _SPELLING_BY_LOCALE.get(locale)
            english = str(data.get("language") or "en").split("-")[0] == "en"
            if spelling is None and english and locale.startswith("en"):
                # en-JP, en-DE, plain en: no house spelling follows from it; never guess one.
                raise PydanticCustomError(
                    "spelling_needed",
                    "locale {locale} does not say which English spelling to use: add "
                    "spelling: british, american or canadian",
                    {"locale": locale},
                )
            return {**data, "spelling": spelling or "british"}
        return data

    def __hash__(self) -> int:
        # A profile keys most of the checks' caches, and pydantic's hash walks every field
        # and every institution and law on each lookup (~40 us): computed once per object.
        # Kept by id with the object itself, so an id is never reused while it is kept.
        known = _HASHES.get(id(self))
        if known is not None:
            return known[1]
        value = hash(tuple(self.__dict__[name] for name in type(self).__pydantic_fields__))
        if len(_HASHES) >= _HASHES_KEPT:
            _HASHES.clear()
        _HASHES[id(self)] = (self, value)
        return value

    @property
    def source(self) -> str:
        """Where the profile came from: ``built-in``, a pack, or a file path."""
        return self._source

    def with_source(self, source: str) -> RegionProfile:
        """This profile, recorded as read from ``source`` (a dump does not carry it)."""
        copy = self.model_copy()
        copy._source = source
        return copy

    @property
    def english(self) -> bool:
        """Whether the section is written in English (the checks that read English apply)."""
        return self.language == "en" or self.language.startswith("en-")

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


def _error(loc: tuple[str | int, ...], value: str, message: str) -> InitErrorDetails:
    # The message is a format string to pydantic; braces in a user's value must stay literal.
    text = message.replace("{", "{{").replace("}", "}}")
    return InitErrorDetails(type=PydanticCustomError("beat", text), loc=loc, input=value)


# What a region argument may be: a profile, a path to a profile file, or a region id.
RegionLike = RegionProfile | os.PathLike[str] | str


# --- reading files ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Raw:
    """A profile file as read, before validation and before its parent is merged in."""

    data: dict[str, Any]
    path: str
    text: str
    source: str

    @property
    def id(self) -> str | None:
        rid = self.data.get("id")
        return rid.strip().lower() if isinstance(rid, str) else None


class _Invalid(Exception):
    def __init__(self, problems: list[ProfileError]) -> None:
        self.problems = problems


# A profile is tens of kilobytes; a megabyte is already a mistake.
_MAX_PROFILE_BYTES = 2 * 1024 * 1024


# libyaml's parser when PyYAML was built with it: reading the shipped profiles, which every
# command does, takes about a fifth of the time (0.2 s of CPU in pure Python).
try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _StrictLoader(_SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping (PyYAML keeps the last
    silently: an ``id:`` written twice would rename the region without a word)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key: PyYAML's own error says so below
                continue
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}'", key_node.start_mark
                )
        return super().construct_mapping(node, deep=deep)


def _parse(text: str, suffix: str) -> Any:
    if suffix == ".json":
        return strict_json.loads(text)
    return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader: no Python objects


def _read_raw(path: Path, source: str | None = None) -> _Raw:
    name = str(path)

    def error(message: str) -> ProfileError:
        return ProfileError(message, path=name)

    raw = read_limited(path, _MAX_PROFILE_BYTES, error, what="profile file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProfileError(
            f"is not UTF-8 text (bad byte at offset {exc.start})", path=name
        ) from None
    try:
        data = _parse(text, path.suffix.lower())
    except strict_json.JSONProblem as exc:
        raise ProfileError(f"not valid JSON: {exc.detail}", path=name, line=exc.line) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        # PyYAML's own message spans several lines; the problem and the line say enough.
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ProfileError(f"not valid YAML: {problem}", path=name, line=line) from None
    except RecursionError:
        raise ProfileError("not valid YAML: nested too deeply", path=name) from None
    except ValueError as exc:  # a YAML integer past Python's digit limit, say
        raise ProfileError(f"not valid YAML: {exc}", path=name) from None
    if not isinstance(data, dict):
        raise ProfileError("a profile must be a mapping of fields", path=name, line=1)
    return _Raw(data, name, text, source or name)


def _profile_files(path: Path) -> list[Path]:
    if not path.exists():
        raise ProfileError("no such file or folder", path=str(path))
    if path.is_dir():
        return sorted(f for f in path.iterdir() if f.suffix.lower() in _PROFILE_SUFFIXES)
    return [path]


def _line_of(text: str, loc: Iterable[int | str]) -> int | None:
    """The line of the deepest node of ``loc`` that the file has (YAML or JSON)."""
    try:
        node = yaml.compose(text)
    except (yaml.YAMLError, RecursionError):
        return None
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((kv for kv in node.value if kv[0].value == part), None)
            if match is None:
                break
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _field_path(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# --- extends and validation ---------------------------------------------------------------------


def _merge(parent: dict[str, Any], child: dict[str, Any]) -> tuple[dict[str, Any], dict[str, int]]:
    """The parent's fields overridden by the child's, lists merged; and, per list, how many of
    the parent's items come before the child's (to point errors at the child's own lines)."""
    merged = {**parent, "version": "1"}  # a version is the extending file's own
    merged.update((k, v) for k, v in child.items() if k not in _LIST_FIELDS)
    if "audience" in child:
        # A new audience ("Welsh businesses ...") makes the parent's per-beat audience lines
        # ("UK patients ...") wrong for the child; it restates those it wants.
        merged["beats"] = [
            {k: v for k, v in b.items() if k != "audience"} if isinstance(b, dict) else b
            for b in parent.get("beats") or []
        ]
        parent = {**parent, "beats": merged["beats"]}
    offsets: dict[str, int] = {}
    for name in _LIST_FIELDS:
        items = child.get(name)
        if items is None:
            continue
        if not isinstance(items, list):
            merged[name], offsets[name] = items, 0
            continue
        key = "id" if name == "beats" else "name"
        own_names = {i.get(key) for i in items if isinstance(i, dict)}
        kept = [
            p
            for p in parent.get(name) or []
            if p not in items and not (isinstance(p, dict) and p.get(key) in own_names)
        ]
        merged[name], offsets[name] = kept + items, len(kept)
    return merged, offsets


def _problem(raw: _Raw, message: str, loc: tuple[int | str, ...]) -> ProfileError:
    return ProfileError(
        message, path=raw.path, field=_field_path(loc) or None, line=_line_of(raw.text, loc)
    )


def _validation_problems(
    raw: _Raw, exc: ValidationError, offsets: Mapping[str, int]
) -> list[ProfileError]:
    problems = []
    errors = exc.errors()
    locs = [tuple(e["loc"]) for e in errors]
    for err, loc in zip(errors, locs, strict=True):
        # A list emptied by its failing items is reported at the items, not again as a list.
        if any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs):
            continue
        if loc and loc[0] in offsets and len(loc) > 1 and isinstance(loc[1], int):
            loc = (loc[0], loc[1] - offsets[str(loc[0])], *loc[2:])
        msg = {"missing": "is required", "extra_forbidden": "is not a known field"}.get(
            err["type"], err["msg"][:1].lower() + err["msg"][1:]
        )
        if err["type"] == "extra_forbidden":
            msg += _field_hint(loc)
        problems.append(_problem(raw, msg, loc))
    return problems


# The one field two kinds of entry name differently: an institution's short form is its acronym,
# a law's its short_name ("GDPR", "NIS2").
_OTHER_NAME = {("laws", "acronym"): "short_name", ("institutions", "short_name"): "acronym"}


def _field_hint(loc: tuple[int | str, ...]) -> str:
    """ "; did you mean 'short_name'?" for a field a profile's entry does not have."""
    field = str(loc[-1])
    kind = str(loc[0]) if len(loc) > 2 else ""
    models: dict[str, type[BaseModel]] = {"laws": Law, "institutions": Institution}
    model = models.get(kind, RegionProfile)
    if (kind, field) in _OTHER_NAME:
        other = _OTHER_NAME[kind, field]
        return f"; did you mean '{other}'? ({kind} call their short form {other})"
    close = difflib.get_close_matches(field, list(model.model_fields), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


class _Layer:
    """Profiles being resolved together, above already-resolved ones they may extend."""

    def __init__(self, raws: Iterable[_Raw], below: Mapping[str, RegionProfile]) -> None:
        self.below = below
        self.raws: dict[str, _Raw] = {}
        self.done: dict[int, RegionProfile] = {}
        self.duplicates: list[ProfileError] = []
        for raw in raws:
            rid = raw.id
            if rid is None:
                continue
            other = self.raws.get(rid)
            if other is not None:
                self.duplicates.append(
                    ProfileError(
                        f"region id '{rid}' is defined twice (also in {other.path})",
                        path=raw.path,
                        field="id",
                        line=_line_of(raw.text, ("id",)),
                    )
                )
                continue
            self.raws[rid] = raw

    def _parent(self, raw: _Raw, chain: tuple[_Raw, ...]) -> RegionProfile:
        parent_id = raw.data["extends"]
        if not isinstance(parent_id, str) or not parent_id.strip():
            raise _Invalid([_problem(raw, "must be a region id", ("extends",))])
        key = parent_id.strip().lower()
        # A profile that extends its own id builds on the profile it overrides.
        same = self.raws.get(key) if key != raw.id else None
        if same is not None:
            if same in chain or same is raw:
                cycle = " -> ".join(r.id or r.path for r in (*chain, raw, same))
                raise _Invalid([_problem(raw, f"extends forms a cycle: {cycle}", ("extends",))])
            return self.resolve(same, (*chain, raw))
        if key in self.below:
            return self.below[key]
        known = sorted({*self.raws, *self.below} - {raw.id or ""})
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise _Invalid([_problem(raw, f"extends unknown region '{parent_id}'{hint}", ("extends",))])

    def resolve(self, raw: _Raw, chain: tuple[_Raw, ...] = ()) -> RegionProfile:
        """The validated profile for one file, its parent merged in; `_Invalid` lists problems."""
        if id(raw) in self.done:
            return self.done[id(raw)]
        data: dict[str, Any] = raw.data
        offsets: dict[str, int] = {}
        if data.get("extends") is not None:
            parent = self._parent(raw, chain)
            data, offsets = _merge(parent.model_dump(mode="json"), data)
        try:
            profile = RegionProfile.model_validate(data)
        except ValidationError as exc:
            raise _Invalid(_validation_problems(raw, exc, offsets)) from None
        profile = profile.with_source(raw.source)
        self.done[id(raw)] = profile
        return profile

    def resolve_all(self, raws: Iterable[_Raw]) -> dict[str, RegionProfile]:
        if self.duplicates:
            raise self.duplicates[0]
        out: dict[str, RegionProfile] = {}
        for raw in raws:
            try:
                profile = self.resolve(raw)
            except _Invalid as exc:
                first = exc.problems[0]
                more = len(exc.problems) - 1
                if more:
                    raise ProfileError(
                        f"{first.message} (and {more} more problem(s))",
                        path=first.path,
                        field=first.field,
                        line=first.line,
                    ) from None
                raise first from None
            out[profile.id] = profile
        return out


# --- where profiles come from -------------------------------------------------------------------


@lru_cache(maxsize=1)
def _builtin() -> dict[str, RegionProfile]:
    folder = resources.files("localize.regions") / "profiles"
    with resources.as_file(folder) as path:
        raws = [_read_raw(f, BUILTIN) for f in _profile_files(path)]
    return _Layer(raws, {}).resolve_all(raws)


@lru_cache(maxsize=1)
def _packs() -> dict[str, RegionProfile]:
    raws = [
        _read_raw(f, f"pack {pack.name}")
        for pack in installed_packs()
        for path in pack.paths
        for f in _profile_files(path)
    ]
    return _Layer(raws, _builtin()).resolve_all(raws)


def builtin_regions() -> dict[str, RegionProfile]:
    """The profiles shipped with localize, keyed by id."""
    return dict(_builtin())


def pack_regions() -> dict[str, RegionProfile]:
    """The profiles of installed profile packs, keyed by id."""
    return dict(_packs())


def _shipped() -> dict[str, RegionProfile]:
    return {**_builtin(), **_packs()}


def load_profile(
    path: str | os.PathLike[str], *, known: Mapping[str, RegionProfile] | None = None
) -> RegionProfile:
    """Load and validate one profile file (YAML or JSON), resolving ``extends`` against the
    built-in and pack profiles and ``known``."""
    raw = _read_raw(Path(path))
    return _Layer([raw], {**_shipped(), **(known or {})}).resolve_all([raw])[raw.id or ""]


def load_profiles(path: str | os.PathLike[str]) -> dict[str, RegionProfile]:
    """Load a profile file, or every profile file in a folder, keyed by region id.

    Profiles in the folder may extend each other as well as the built-in and pack profiles.
    """
    raws = [_read_raw(f) for f in _profile_files(Path(path))]
    return _Layer(raws, _shipped()).resolve_all(raws)


def list_regions(
    profiles: str | os.PathLike[str] | Mapping[str, RegionProfile] | None = None,
) -> dict[str, RegionProfile]:
    """Every region `get_region` finds by id: built-ins, then packs, then user profiles (later
    ones override), sorted by id. ``profiles`` as in `get_region` (None: the configured path)."""
    return dict(sorted({**_shipped(), **_user_profiles(profiles)}.items()))


def _user_profiles(
    profiles: str | os.PathLike[str] | Mapping[str, RegionProfile] | None,
) -> Mapping[str, RegionProfile]:
    if profiles is None:
        from localize.config import Settings  # the search path is a setting (env, config file)

        profiles = Settings.resolve().profiles
    if profiles is None or isinstance(profiles, Mapping):
        return profiles or {}
    return load_profiles(profiles)


def profile_problems(
    paths: Iterable[str | Path], *, strict: bool = False
) -> Iterator[ProfileError]:
    """Every problem in the given profile files (or folders), each naming file, line and field.

    The files are checked together, as one folder would be: they may extend each other.
    ``strict`` also requires what the built-in profiles give every entry: its beats and its
    official url (a prompt gets an entry by its beats; a url says which body a name means).
    """
    raws: list[_Raw] = []
    for p in paths:
        try:
            files = _profile_files(Path(p))
            if not files:  # "ok: no problems" would pass a folder that holds no profile at all
                suffixes = ", ".join(sorted(_PROFILE_SUFFIXES))
                raise ProfileError(f"folder holds no profile files ({suffixes})", path=str(p))
            raws.extend(_read_raw(f) for f in files)
        except ProfileError as exc:
            yield exc
    layer = _Layer(raws, _shipped())
    yield from layer.duplicates
    for raw in raws:
        if raw.id is not None and layer.raws.get(raw.id) is not raw:
            continue  # a second definition of an id, reported above
        try:
            layer.resolve(raw)
        except _Invalid as exc:
            yield from exc.problems
            continue
        if strict:
            yield from _strict_problems(raw)


def _strict_problems(raw: _Raw) -> Iterator[ProfileError]:
    for name in ("institutions", "laws"):
        items = raw.data.get(name)
        for k, item in enumerate(items if isinstance(items, list) else []):
            for key in ("beats", "url"):
                if isinstance(item, dict) and not item.get(key):
                    yield _problem(raw, "is required by --strict", (name, k, key))


def profile_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) for profile files, for editors and CI."""
    schema = RegionProfile.model_json_schema()
    required = schema.pop("required", [])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "localize region profile",
        "description": "A region profile for localize: who a regional edition is for. A profile "
        "with 'extends' needs only its id and what it adds or changes.",
        "required": ["id"],
        "if": {"not": {"required": ["extends"]}},
        "then": {"required": required},
    }


def get_region(
    region: RegionLike,
    *,
    profiles: str | os.PathLike[str] | Mapping[str, RegionProfile] | None = None,
) -> RegionProfile:
    """Resolve a region argument to a `RegionProfile`: the rule every public function follows.

    ``region`` is a `RegionProfile` (used as it is), a path to a profile file (``Path``, or a
    ``str`` ending in .yaml, .yml or .json), or a region id looked up among the built-in
    profiles, the installed profile packs and the user profiles in ``profiles``: a profile file
    or folder, or profiles already loaded. ``profiles=None`` means the configured search path
    (``LOCALIZE_PROFILES`` or the config file's ``profiles``). User profiles override pack
    profiles, which override built-ins with the same id; a profile file may extend any of them.
    """
    if isinstance(region, RegionProfile):
        return region
    if not isinstance(region, str | os.PathLike):
        raise ProfileError(
            "a region must be a region id, a profile file or a RegionProfile, "
            f"not {type(region).__name__}"
        )
    if isinstance(region, os.PathLike) or region.lower().endswith(_PROFILE_SUFFIXES):
        return load_profile(region, known=_user_profiles(profiles))
    known = list_regions(profiles)
    key = region.strip().lower()
    if key in known:
        return known[key]
    raise RegionNotFoundError(region, sorted(known), _suggest(key, known))


def _suggest(key: str, known: Mapping[str, RegionProfile]) -> str | None:
    """The region id meant by ``key``: a profile's name ("Scotland" is uk-scotland's, though
    the uk profile has it as an alias), then an alias, then initials ("gb": Great Britain),
    then the closest id, name or alias."""
    names = {p.name.lower(): p.id for p in known.values()}
    aliases: dict[str, str] = {}
    initials: dict[str, str] = {}
    for p in known.values():
        for alias in (p.name, *p.aliases):
            aliases.setdefault(alias.lower(), p.id)
            words = alias.replace(".", " ").split()
            if len(words) > 1:
                initials.setdefault("".join(w[0] for w in words).lower(), p.id)
    for table in (names, aliases, initials):
        if key in table:
            return table[key]
    spellings = {**{rid: rid for rid in known}, **aliases}
    close = difflib.get_close_matches(key, list(spellings), n=1, cutoff=0.6)
    return spellings[close[0]] if close else None
