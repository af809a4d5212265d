"""`localize regions`: list and show profiles (``show --beat`` for one beat's entries), the
beats (``beats``), and the profile tooling for a desk's CI (``validate``, ``schema``)."""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path
from typing import Any

import click

from localize.cli._group import format_option, json_errors, profiles_option, resolve_settings
from localize.errors import ConfigError
from localize.regions import (
    BEATS,
    RegionProfile,
    get_region,
    list_regions,
    profile_problems,
    profile_schema,
)

__all__ = ["regions"]


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--strict",
    is_flag=True,
    help="Also require every institution and law to carry its beats and url, as the "
    "built-in profiles do.",
)
def regions_validate(files: tuple[Path, ...], strict: bool) -> None:
    """Check profile FILES (or folders of them): exit 0 valid, 1 problems found.

    Each problem is printed as FILE:LINE: field 'NAME': message. The files are checked
    together, so one may extend another; ids must be unique among them. Beats must be built-in
    ones (see `localize regions beats`) or declared in the profile's `beats`.
    """
    problems = list(profile_problems(files, strict=strict))
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"FAILED: {len(problems)} problem(s)")
        sys.exit(1)
    click.echo(f"ok: no problems in {', '.join(map(str, files))}")


@click.command("schema")
def regions_schema() -> None:
    """Print the JSON Schema of profile files (for editors and CI)."""
    click.echo(json.dumps(profile_schema(), ensure_ascii=False, indent=2))


@click.command("beats")
def regions_beats() -> None:
    """List the built-in beats: the ids profile entries carry, and what each covers."""
    width = max(map(len, BEATS))
    for beat, description in BEATS.items():
        click.echo(f"{beat:{width}}  {description}")


def _entries_on(profile: RegionProfile, beat: str) -> dict[str, Any]:
    """The profile's institutions and laws on ``beat`` (what `regions show --beat` prints)."""
    known = profile.beat_descriptions
    if beat not in known:
        close = difflib.get_close_matches(beat, list(known), n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ConfigError(
            f"'{beat}' is not a beat of {profile.id}{hint}; beats: {', '.join(known)}",
            option="--beat",
        )
    return {
        "id": profile.id,
        "beat": beat,
        "description": known[beat],
        "audience": profile.audience_for(beat),
        "institutions": [
            i.model_dump(mode="json") for i in profile.institutions if beat in i.beats
        ],
        "laws": [law.model_dump(mode="json") for law in profile.laws if beat in law.beats],
    }


def _region_row(profile: RegionProfile) -> dict[str, str]:
    return {
        "id": profile.id,
        "name": profile.name,
        "locale": profile.locale,
        "currency": profile.currency,
        "language": profile.language,
        "version": profile.version,
        "source": profile.source,
    }


@click.group(invoke_without_command=True)
@profiles_option
@format_option("List format.")
@click.pass_context
def regions(ctx: click.Context, profiles: str | None, fmt: str) -> None:
    """List regions: built-in, from installed profile packs, and your own (--profiles)."""
    ctx.obj = profiles
    if ctx.invoked_subcommand is not None:
        return
    json_errors(ctx, fmt == "json")
    known = list_regions(resolve_settings(profiles=profiles).profiles)
    if fmt == "json":
        click.echo(
            json.dumps([_region_row(p) for p in known.values()], ensure_ascii=False, indent=2)
        )
        return
    width = max(map(len, known))
    for rid, p in known.items():
        language = "" if p.english else f", in {p.language}"
        click.echo(f"{rid:{width}}  {p.name} ({p.locale}, {p.currency}{language})  {p.source}")


@regions.command("show")
@click.argument("region", metavar="ID|FILE")
@format_option("Profile format.", ("yaml", "json"), "yaml")
@click.option("--beat", help="Show only the institutions and laws on this beat.")
@profiles_option
@click.pass_context
def regions_show(
    ctx: click.Context, region: str, fmt: str, beat: str | None, profiles: str | None
) -> None:
    """Print one region profile (or, with --beat, its entries on one beat)."""
    import yaml

    json_errors(ctx, fmt == "json")
    settings = resolve_settings(profiles=profiles or ctx.obj)
    profile = get_region(region, profiles=settings.profiles)
    data = _entries_on(profile, beat) if beat else profile.model_dump(mode="json")
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), nl=False)


regions.add_command(regions_validate)
regions.add_command(regions_schema)
regions.add_command(regions_beats)
