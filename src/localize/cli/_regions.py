"""`localize regions validate` and `localize regions schema`: profile tooling for a desk's CI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from localize.regions._profiles import profile_problems, profile_schema

__all__ = ["regions_schema", "regions_validate"]


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
