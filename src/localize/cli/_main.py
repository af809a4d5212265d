"""The `localize` command: parse options, call the library, print."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
from pathlib import Path
from typing import Any, cast

import click

from localize._checking import check
from localize._section_file import read_section
from localize._version import __version__
from localize.audit import open_audit
from localize.backends import LLMClient
from localize.backends._local import LocalServer
from localize.cli._batch import batch
from localize.cli._eval import eval_cmd
from localize.cli._feedback import endpoint_line, generation_spinner
from localize.cli._group import (
    LocalizeGroup,
    check_option,
    disclosure_option,
    format_option,
    generation_options,
    json_errors,
    non_blank,
    output_option,
    profiles_option,
    recording_options,
    resolve_settings,
    response_cache,
    say,
    settings_from,
    verbose_option,
    verify_option,
    writable_output,
    write_output,
)
from localize.cli._logs import logs
from localize.cli._regions import regions
from localize.cli._review import review
from localize.config import Settings
from localize.errors import ChecksFailedError, ConfigError
from localize.grounding import CheckReport, Finding
from localize.grounding._policy import CheckPolicy
from localize.pipeline import PreparedPrompt, localize, prepare
from localize.prompting import load_template
from localize.regions._profiles import get_region
from localize.render import OUTPUT_FORMATS, OutputFormat, render, render_prompt
from localize.result import LocalizeResult
from localize.story import SPLICE_MARKER, STORY_FORMATS, StoryFormat, load_story


@click.group(cls=LocalizeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="localize")
@verbose_option
def cli() -> None:
    """Write grounded regional sections ("What it means for the UK") for news stories.

    With no OPENAI_API_KEY and no base URL, the embedded demo model runs locally.
    Every section is checked deterministically; --verify (rewrite, check, batch, eval, review)
    also asks a configured endpoint whether each sentence is supported by its story sentences.
    Exit codes: 0 passed, 1 no section written, 2 bad input or option, 3 endpoint or local
    model failure, 4 flagged (a section with check errors left: for review, not publication),
    130 interrupted (Ctrl-C), 143 stopped by SIGTERM.
    """


def _say_model(result: LocalizeResult) -> None:
    prov = result.provenance
    if prov.requests == 0 and prov.response_cache_hits:
        # Nothing was sent: the model and port are an earlier run's, not this one's.
        say(
            f"localize: from the cache: {prov.response_cache_hits} answer(s) written earlier "
            f"by {prov.model} ({prov.attempts} attempt(s); --no-cache asks again)"
        )
        return
    say(
        f"{endpoint_line(prov.model, prov.endpoint_host)} "
        f"({prov.attempts} attempt(s), {prov.latency_s:.1f} s)"
    )


def _span(f: Finding, sep: str) -> str:
    """The finding's span after its message, unless the message quotes it already (whole or
    shortened)."""
    if not f.text or f.text[:40] in f.message:
        return ""
    return f'{sep}"{f.text}"'


def _print_findings(report: CheckReport) -> None:
    for f in report.findings:
        span = _span(f, ": ")
        say(f"localize: check {f.severity} [{f.check}] {f.message}{span}")
    for check_id, why in report.skipped:
        say(f"localize: check skipped [{check_id}] {why}")


def _refused(exc: ChecksFailedError, fmt: str) -> ChecksFailedError:
    """--strict: the findings on stderr, in JSON mode the refused result on stdout; no file."""
    assert exc.result is not None
    _print_findings(exc.result.checks)
    message = f"{exc}; nothing written (--strict)"
    if fmt == "json":
        failure = {**exc.result.to_dict(), "error": message}
        click.echo(json.dumps(failure, ensure_ascii=False, indent=2))
    return ChecksFailedError(message, findings=exc.findings, result=exc.result)


def _flagged(result: LocalizeResult) -> None:
    """A flagged section was written for review: exit 4, so no pipeline takes it as passed.

    Not an error line: the run did what was asked, and the findings are already printed.
    """
    say(
        f"localize: flagged: {len(result.checks.errors)} check error(s) remain after "
        f"{result.provenance.attempts} attempt(s); the section is for review, not publication "
        f"(exit {ChecksFailedError.exit_code})"
    )
    sys.exit(ChecksFailedError.exit_code)


def _dry_run_model(settings: Settings) -> str | None:
    """The model a run would use, so --dry-run counts tokens for it: with a base URL and no
    --model, the endpoint's only model (one model listing; no completion is asked for)."""
    if settings.model is not None or not settings.base_url:
        return None  # the named model, or the embedded or default one: prepare knows it
    with LLMClient(
        base_url=settings.base_url, api_key=settings.api_key or "", timeout=settings.timeout
    ) as client:
        return client.model


def _say_neutralised(prep: PreparedPrompt) -> None:
    """Name the delimiters and control tokens the prompt shows defused (see neutralise)."""
    profile_text = json.dumps(prep.region.model_dump(mode="json"), ensure_ascii=False)
    markers = prep.template.markers_in(prep.story.text, profile_text)
    if markers:
        say(
            f"localize: neutralised {len(markers)} delimiter(s) or chat control token(s) "
            f"in the story and profile: {', '.join(dict.fromkeys(markers))}"
        )


@cli.command()
@click.argument("story", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "-r",
    "--region",
    required=True,
    metavar="ID|FILE",
    help="Region id (see `localize regions`) or a profile file.",
)
@format_option(
    "Output format (also of --dry-run); with --splice, default: the story's own format.",
    OUTPUT_FORMATS,
    "markdown",
)
@click.option(
    "--input-format",
    type=click.Choice(STORY_FORMATS),
    help="Read STORY as this format (default: from the file suffix, else detected).",
)
@output_option("Write to FILE (atomically; nothing on failure); '-' is stdout (the default).")
@click.option(
    "--splice",
    is_flag=True,
    help="Output the story with the section at the marker or the end, in the story's format.",
)
@click.option(
    "--marker",
    default=SPLICE_MARKER,
    callback=non_blank,
    show_default=True,
    metavar="LINE",
    help="Where --splice puts the section: a line of its own, or an HTML comment in a page.",
)
@disclosure_option
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print the rendered messages and their token counts; call nothing.",
)
@generation_options
@recording_options
@click.pass_context
def rewrite(
    ctx: click.Context,
    /,
    story: str,
    region: str,
    fmt: str,
    input_format: StoryFormat | None,
    output: Path | None,
    splice: bool,
    marker: str,
    disclosure: str | None,
    dry_run: bool,
    strict: bool,
    no_cache: bool,
    cache_dir: Path | None,
    **options: Any,
) -> None:
    """Write the regional section for STORY (text, Markdown, HTML or JSON; - for stdin).

    A section with check errors left is written with its findings on stderr, and the exit
    code is 4 (flagged); with --strict it is not written.
    """
    json_errors(ctx, fmt == "json")
    if not splice and ctx.get_parameter_source("marker") == click.core.ParameterSource.COMMANDLINE:
        # Passed over silently, the section looked placed at the marker.
        raise ConfigError(
            "says where --splice puts the section: give --splice too", option="--marker"
        )
    settings = settings_from({**options, "strict": strict})
    writable_output(output, inputs=(story,))
    the_story = load_story(story, format=input_format, marker=marker.strip())
    if dry_run:
        prep = prepare(the_story, region, settings=settings, model=_dry_run_model(settings))
        _say_neutralised(prep)
        write_output(render_prompt(prep, cast(OutputFormat, fmt)), output)
        return
    # With --splice and no --format, the story comes back in its own format.
    chosen = ctx.get_parameter_source("fmt") != click.core.ParameterSource.DEFAULT
    out_fmt = cast(OutputFormat, fmt) if chosen or not splice else None
    cache = response_cache(no_cache, cache_dir)
    audit = open_audit(True, settings, "rewrite")  # before anything is paid for
    try:
        with generation_spinner():
            result = localize(
                the_story,
                region,
                settings=settings,
                cache=cache,
                audit=audit or False,
            )
    except ChecksFailedError as exc:
        json_errors(ctx, False)  # the refusal is already on stdout
        if exc.result is not None:
            _say_model(exc.result)
        raise _refused(exc, fmt) from None
    _say_model(result)
    _print_findings(result.checks)
    write_output(
        render(result, out_fmt, splice=splice, disclosure=disclosure, marker=marker.strip()),
        output,
    )
    if not result.ok:
        _flagged(result)


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
@format_option("Report format.")
@click.option(
    "-t",
    "--template",
    metavar="NAME|FILE",
    help="Template whose word bounds apply (default: section).",
)
@profiles_option
@click.option("--strict", is_flag=True, help="Warnings count as errors too (exit 4).")
@check_option
@verify_option
@click.pass_context
def check_cmd(
    ctx: click.Context,
    section_file: Path,
    story_file: Path,
    region: str,
    fmt: str,
    template: str | None,
    profiles: str | None,
    strict: bool,
    check_settings: dict[str, str],
    verify: bool | None,
) -> None:
    """Check SECTION_FILE against the story: exit 0 passed, 4 flagged (errors found), 2 bad
    input. With --verify, the endpoint set by LOCALIZE_BASE_URL, OPENAI_BASE_URL or
    OPENAI_API_KEY (and LOCALIZE_MODEL) verifies it too."""
    json_errors(ctx, fmt == "json")
    settings = resolve_settings(
        profiles=profiles,
        template=template,
        strict=strict or None,
        checks=check_settings or None,
        verify=verify,
    )
    profile = get_region(region, profiles=settings.profiles)
    # Inline citation markers ([3]) in a pasted model answer are read, not checked as text, and
    # a rendered section's disclosure line is not part of it.
    # The profile's checks: block, then --check, then --strict: as a generating run weighs them.
    report = CheckPolicy(strict=settings.strict).apply(
        check(
            read_section(section_file, profile),
            story_file,
            profile,
            template=load_template(settings.template, settings.templates),
            severities=dict(settings.checks),
            verify=settings.verify,
        )
    )
    if fmt == "json":
        status = "passed" if report.ok else "flagged"
        data = {**report.to_dict(), "status": status}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for f in report.findings:
            click.echo(f"{f.severity:7} {f.check:11} {f.message}{_span(f, '  ')}")
        for check_id, why in report.skipped:
            click.echo(f"{'skipped':7} {check_id:11} {why}")
        click.echo(
            f"{'passed' if report.ok else 'flagged'}: {len(report.errors)} error(s), "
            f"{len(report.warnings)} warning(s)"
        )
    sys.exit(0 if report.ok else ChecksFailedError.exit_code)


@cli.command()
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: a free one).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
def serve(port: int | None, host: str) -> None:
    """Run the embedded model's server until Ctrl-C, for repeated use."""
    # SIGTERM unwinds like Ctrl-C, so the server is stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(LocalServer(port=port, host=host))
        except ConfigError as exc:  # the address: named by its option here
            raise ConfigError(exc.message, option=f"--{exc.option}") from None
        click.echo(server.base_url)
        say(
            f"localize: serving {server.model}; use it with: "
            f"LOCALIZE_BASE_URL={server.base_url} localize rewrite ...  (Ctrl-C stops)"
        )
        with contextlib.suppress(KeyboardInterrupt):
            server.wait()
        failure = server.failure()
        if failure is not None:
            raise failure


cli.add_command(regions)
cli.add_command(batch)
cli.add_command(logs)
cli.add_command(review)
cli.add_command(eval_cmd)


def main() -> None:
    cli(prog_name="localize")


__all__ = ["cli", "main"]
