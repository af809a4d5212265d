"""`localize regions`: list and show profiles, and the profile tooling for a desk's CI
(``validate``, ``schema``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from localize.cli._group import format_option, json_errors, profiles_option, resolve_settings
from localize.regions import (
    RegionProfile,
    get_region,
    list_regions,
    profile_problems,
    profile_schema,
)

__all__ = ["regions"]


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def regions_validate(files: tuple[Path, ...]) -> None:
    """Check profile FILES (or folders of them): exit 0 valid, 1 problems found.

    Each problem is printed as FILE:LINE: field 'NAME': message. The files are checked
    together, so one may extend another; ids must be unique among them.
    """
    problems = list(profile_problems(files))
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
@profiles_option
@click.pass_context
def regions_show(ctx: click.Context, region: str, fmt: str, profiles: str | None) -> None:
    """Print one region profile."""
    import yaml

    json_errors(ctx, fmt == "json")
    settings = resolve_settings(profiles=profiles or ctx.obj)
    data = get_region(region, profiles=settings.profiles).model_dump(mode="json")
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), nl=False)


regions.add_command(regions_validate)
regions.add_command(regions_schema)
