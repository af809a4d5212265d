"""`localize logs`: list, filter and show the audit log's entries (see `localize.audit`)."""

from __future__ import annotations

import json
import textwrap

import click

from localize.audit import AuditLog, LogEntry, LogQuery, logs_path
from localize.cli._group import (
    format_option,
    json_errors,
    logs_db_option,
    resolve_settings,
    say,
)
from localize.errors import ConfigError, InputError

__all__ = ["logs"]

_format_option = format_option("Output format.")


def _log_for(ctx: click.Context, logs_db: str | None, *, reading: bool = True) -> AuditLog:
    """The database named here, else on the group, else by the environment, config or default.

    ``reading``: a file named with --logs-db that does not exist is refused, naming it; listed
    as "no matching entries", a mistyped path looked like an empty log. One set by the
    environment or the config file is where generating commands will write it: not there yet,
    it means nothing was generated yet (`logs` says so).
    """
    chosen = logs_db or (ctx.obj if isinstance(ctx.obj, str) else None)
    log = AuditLog(logs_path(resolve_settings(logs_db=chosen)))
    if reading and chosen and not log.path.exists():
        raise ConfigError(f"{log.path} does not exist (no audit log there)", option="--logs-db")
    return log


def _checks_text(entry: LogEntry) -> str:
    if entry.status == "passed":
        return f"passed ({entry.check_warnings} warning(s))"
    return f"FLAGGED: {entry.check_errors} error(s), {entry.check_warnings} warning(s)"


def _summary_lines(entry: LogEntry) -> list[str]:
    first = entry.body.strip().splitlines()[0] if entry.body.strip() else ""
    return [
        f"#{entry.id}  {entry.created_at[:19]}Z  {entry.story_id} / {entry.region}  "
        f"{entry.model} at {entry.endpoint}",
        f"    {entry.template_name} v{entry.template_version}, {entry.attempts} attempt(s), "
        f"{_checks_text(entry)}, {entry.source}",
        f"    {textwrap.shorten(first, 92, placeholder=' ...')}",
    ]


def _detail_lines(e: LogEntry) -> list[str]:
    cost = f"${e.estimated_cost_usd:.6f}" if e.estimated_cost_usd is not None else "no price"
    lines = [
        f"id:        {e.id}",
        f"created:   {e.created_at} (by {e.source}, localize {e.localize_version})",
        f"story:     {e.story_id} (sha256 {e.story_sha256[:16]}...)"
        + (f" from {e.story_source}" if e.story_source else ""),
        f"region:    {e.region}",
        f"model:     {e.model} at {e.endpoint} ({e.structured_mode or 'text'} output)",
        f"prompt:    template {e.template_name} v{e.template_version} "
        f"(sha256 {e.template_sha256[:16]}...)",
        f"attempts:  {e.attempts}; tokens {e.prompt_tokens:,} prompt "
        f"({e.cached_tokens:,} cached), {e.completion_tokens:,} completion; "
        f"{e.latency_s or 0:.1f} s; {cost}",
        f"checks:    {_checks_text(e)}",
    ]
    for f in e.checks.get("findings") or []:
        span = f'  "{f.get("text")}"' if f.get("text") else ""
        lines.append(
            f"  {f.get('severity', ''):7} {f.get('check', ''):11} {f.get('message')}{span}"
        )
    lines += ["", f"## {e.heading}", "", e.body.strip()]
    return lines


@click.group(invoke_without_command=True)
@click.option("--story", metavar="ID", help="Only this story id.")
@click.option("-r", "--region", metavar="ID", help="Only this region id.")
@click.option("-m", "--model", metavar="TEXT", help="Only models whose name contains TEXT.")
@click.option(
    "--since", metavar="DATE", help="From this date or date-time (ISO 8601; UTC unless it says)."
)
@click.option("--until", metavar="DATE", help="Up to this date (inclusive) or date-time.")
@click.option(
    "--failed", is_flag=True, help="Only flagged sections (check errors left; not for publishing)."
)
@click.option("-q", "--search", metavar="TEXT", help="Only sections whose text contains TEXT.")
@click.option(
    "-n",
    "--count",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="How many entries, newest first (0: all).",
)
@_format_option
@logs_db_option
@click.pass_context
def logs(
    ctx: click.Context,
    story: str | None,
    region: str | None,
    model: str | None,
    since: str | None,
    until: str | None,
    failed: bool,
    search: str | None,
    count: int,
    fmt: str,
    logs_db: str | None,
) -> None:
    """List the audit log: every section generated, with model, prompt and check results.

    `localize logs show ID` prints one entry whole; `localize logs path` the database's file.
    """
    ctx.obj = logs_db
    if ctx.invoked_subcommand is not None:
        return
    json_errors(ctx, fmt == "json")
    log = _log_for(ctx, logs_db)
    query = LogQuery(story, region, model, since, until, failed, search, count)
    found = log.entries(query)
    if fmt == "json":
        click.echo(json.dumps([e.to_dict() for e in found], ensure_ascii=False, indent=2))
        return
    if not found:
        if not log.path.exists():
            say(
                f"localize: no audit log yet: {log.path} does not exist "
                "(rewrite and batch write it)"
            )
            return
        say(f"localize: no matching entries in {log.path}")
        return
    for entry in found:
        click.echo("\n".join(_summary_lines(entry)))


@logs.command("show")
@click.argument("entry_id", metavar="ID", type=int)
@_format_option
@logs_db_option
@click.pass_context
def show(ctx: click.Context, entry_id: int, fmt: str, logs_db: str | None) -> None:
    """Print one entry: provenance, every check finding and the section."""
    json_errors(ctx, fmt == "json")
    log = _log_for(ctx, logs_db)
    entry = log.get(entry_id)
    if entry is None:
        raise InputError(f"{log.path}: no entry #{entry_id} (see `localize logs`)")
    if fmt == "json":
        click.echo(json.dumps(entry.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(_detail_lines(entry)))


@logs.command("path")
@logs_db_option
@click.pass_context
def path(ctx: click.Context, logs_db: str | None) -> None:
    """Print the audit log's file name (it may not exist yet)."""
    click.echo(str(_log_for(ctx, logs_db, reading=False).path))
