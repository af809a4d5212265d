"""The `localize` command: parse options, call the library, print."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
from pathlib import Path
from typing import cast

import click

from localize._version import __version__
from localize.atomic import check_writable, write_atomic
from localize.audit import AuditLog
from localize.batch_cli import batch
from localize.budget import count_text
from localize.checks import CheckReport, check
from localize.cli_feedback import endpoint_line, generation_spinner
from localize.cli_group import (
    LOCAL_NOTICE,
    LocalizeGroup,
    generation_options,
    profiles_option,
    say,
    verbose_option,
)
from localize.config import Settings
from localize.errors import ChecksFailedError
from localize.local import LocalServer
from localize.logs_cli import logs
from localize.pipeline import connect, generate, prepare
from localize.prompts import load_template
from localize.regions import builtin_regions, get_region, load_profiles
from localize.render import OutputFormat, render
from localize.section import LocalizedSection
from localize.story import load_story


@click.group(cls=LocalizeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="localize")
@verbose_option
def cli() -> None:
    """Write grounded regional sections ("What it means for the UK") for news stories.

    With no OPENAI_API_KEY and no base URL, the embedded demo model runs locally.
    Exit codes: 0 ok, 1 no acceptable result (or check errors), 2 bad input or option,
    3 endpoint or local model failure.
    """


def _print_findings(report: CheckReport) -> None:
    for f in report.findings:
        span = f': "{f.text}"' if f.text else ""
        say(f"localize: check {f.severity} [{f.check}] {f.message}{span}")


@cli.command()
@click.argument("story", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-r",
    "--region",
    required=True,
    metavar="ID|FILE",
    help="Region id (see `localize regions`) or a profile file.",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["markdown", "json", "text"]),
    default="markdown",
    show_default=True,
    help="Output format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write to FILE (atomically) instead of stdout.",
)
@click.option("--splice", is_flag=True, help="Output the whole story with the section appended.")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print the rendered messages and their token counts; call nothing.",
)
@click.option("--strict", is_flag=True, help="Exit 1 and write nothing when check errors remain.")
@click.option(
    "--context-window",
    type=click.IntRange(min=256),
    metavar="TOKENS",
    help="Override the model's context window (env LOCALIZE_CONTEXT_WINDOW).",
)
@click.option(
    "--structured",
    type=click.Choice(["auto", "json_schema", "json_object", "text"]),
    help="Structured-output mode (default auto: negotiated with the endpoint).",
)
@generation_options
def rewrite(
    story: Path,
    region: str,
    fmt: str,
    output: Path | None,
    splice: bool,
    dry_run: bool,
    template: str | None,
    model: str | None,
    base_url: str | None,
    max_attempts: int | None,
    strict: bool,
    context_window: int | None,
    structured: str | None,
    profiles: str | None,
    logs_db: str | None,
    no_log: bool,
) -> None:
    """Write the regional section for STORY (text, Markdown or JSON file)."""
    settings = Settings.resolve(
        model=model,
        base_url=base_url,
        template=template,
        max_attempts=max_attempts,
        context_window=context_window,
        structured=structured,
        profiles=profiles,
        logs_db=logs_db,
        logs=False if no_log else None,
    )
    prep = prepare(load_story(story), region, settings=settings)
    if output is not None and not dry_run:
        check_writable(output)
    if dry_run:
        for m in prep.messages:
            n = count_text(m["content"], prep.model).tokens
            click.echo(f"--- {m['role']} ({n} tokens) ---\n{m['content']}\n")
        count = prep.prompt_tokens
        trimmed = ", ".join(map(str, prep.fitted.trimmed)) or "none"
        click.echo(
            f"prompt: {count.tokens} tokens for {prep.model} "
            f"({'approximate, ' if count.approximate else ''}{count.encoding}); "
            f"reserved for output: {prep.params['max_tokens']}; "
            f"trimmed paragraphs: {trimmed}"
        )
        return
    audit = AuditLog.from_settings(settings, source="rewrite")
    if audit is not None:
        audit.check()  # an unusable log stops the run before anything is paid for
    if settings.use_local_model:
        say(LOCAL_NOTICE)
    with generation_spinner(prep.model), connect(settings) as client:
        result = generate(prep, client, settings.max_attempts, audit=audit or False)
    say(
        f"{endpoint_line(result.provenance.model, client.endpoint)} "
        f"({result.provenance.attempts} attempt(s), {result.provenance.latency_s:.1f} s)"
    )
    _print_findings(result.checks)
    if strict and not result.checks.ok:
        raise ChecksFailedError(
            f"{len(result.checks.errors)} check error(s) remain after "
            f"{result.provenance.attempts} attempt(s); nothing written (--strict)",
            findings=len(result.checks.errors),
        )
    text = render(result, cast(OutputFormat, fmt), splice=splice)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
        say(f"localize: wrote {output}")


@cli.command(name="check")
@click.argument("section_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-s",
    "--story",
    "story_file",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The story to check against.",
)
@click.option("-r", "--region", required=True, metavar="ID|FILE", help="Region id or profile file.")
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "-t",
    "--template",
    metavar="NAME|FILE",
    help="Template whose word bounds apply (default: section).",
)
@profiles_option
def check_cmd(
    section_file: Path,
    story_file: Path,
    region: str,
    fmt: str,
    template: str | None,
    profiles: str | None,
) -> None:
    """Check SECTION_FILE against the story: exit 0 clean, 1 errors found, 2 bad input."""
    settings = Settings.resolve(profiles=profiles, template=template)
    section = load_story(section_file)  # same reading rules: UTF-8 text, not empty
    story = load_story(story_file)
    extra = load_profiles(settings.profiles) if settings.profiles else None
    profile = get_region(region, extra=extra)
    tmpl = load_template(settings.template)
    body = LocalizedSection(heading=section.headline or profile.section_heading, body=section.body)
    report = check(body, story, profile, min_words=tmpl.min_words, max_words=tmpl.max_words)
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for f in report.findings:
            span = f'  "{f.text}"' if f.text else ""
            click.echo(f"{f.severity:7} {f.check:11} {f.message}{span}")
        click.echo(
            f"{'ok' if report.ok else 'FAILED'}: {len(report.errors)} error(s), "
            f"{len(report.warnings)} warning(s)"
        )
    sys.exit(0 if report.ok else 1)


@cli.command()
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: a free one).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
def serve(port: int | None, host: str) -> None:
    """Run the embedded model's server until Ctrl-C, for repeated use."""
    # SIGTERM unwinds like Ctrl-C, so the server is stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with LocalServer(port=port, host=host) as server:
        click.echo(server.base_url)
        say(
            f"localize: serving {server.model}; use it with: "
            f"LOCALIZE_BASE_URL={server.base_url} localize rewrite ...  (Ctrl-C stops)"
        )
        with contextlib.suppress(KeyboardInterrupt):
            server.wait()


@cli.group(invoke_without_command=True)
@profiles_option
@click.pass_context
def regions(ctx: click.Context, profiles: str | None) -> None:
    """List regions (built-in and user profiles)."""
    ctx.obj = Settings.resolve(profiles=profiles)
    if ctx.invoked_subcommand is None:
        known = {
            **builtin_regions(),
            **(load_profiles(ctx.obj.profiles) if ctx.obj.profiles else {}),
        }
        width = max(map(len, known))
        for rid, p in sorted(known.items()):
            click.echo(f"{rid:{width}}  {p.name} ({p.locale}, {p.currency})")


@regions.command("show")
@click.argument("region", metavar="ID|FILE")
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True
)
@click.pass_obj
def regions_show(settings: Settings, region: str, fmt: str) -> None:
    """Print one region profile."""
    import yaml

    extra = load_profiles(settings.profiles) if settings.profiles else None
    data = get_region(region, extra=extra).model_dump(mode="json", exclude_defaults=False)
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), nl=False)


cli.add_command(batch)
cli.add_command(logs)


def main() -> None:
    cli(prog_name="localize")


__all__ = ["cli", "main"]
