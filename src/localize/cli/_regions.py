"""`localize regions validate` and `localize regions schema`: profile tooling for a desk's CI."""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path
from typing import Any

import click

from localize.errors import ConfigError
from localize.regions._beats import BEATS
from localize.regions._profiles import RegionProfile, profile_problems, profile_schema

__all__ = ["entries_on", "regions_beats", "regions_schema", "regions_validate"]


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


def entries_on(profile: RegionProfile, beat: str) -> dict[str, Any]:
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
