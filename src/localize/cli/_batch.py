"""`localize batch`: many stories x many regions from the command line.

    localize batch STORY_OR_FOLDER... --regions uk,eu,us,au --output results.jsonl
    localize batch STORY_OR_FOLDER... --regions uk,us --output results.jsonl --submit
    localize batch collect BATCH_ID --output results.jsonl
    localize batch STORIES --regions uk,us --shard 1/2 --output part-1.jsonl   (and 2/2)
    localize batch merge part-1.jsonl part-2.jsonl --output results.jsonl
    localize batch STORIES --regions uk,us --workers 2 --output results.jsonl

Thin: options are parsed here and printed here; each command is one library call
(`localize.batch.run_batch`, `export_batch`, `collect_results`), which checks everything that
can be wrong with the input before the first request.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from localize.audit import resolve_audit
from localize.batch import (
    DEFAULT_CONCURRENCY,
    LOCAL_CONCURRENCY,
    BatchSummary,
    ExportReport,
    JobResult,
    collect_results,
    export_batch,
    merge_results,
    run_batch,
)
from localize.cli._feedback import endpoint_line
from localize.cli._group import (
    LocalizeGroup,
    audit_options,
    check_option,
    disclosure_option,
    format_option,
    generation_options,
    json_errors,
    output_option,
    recording_options,
    resolve_settings,
    response_cache,
    say,
    settings_from,
    verify_source,
)
from localize.cli._interrupt import interrupted_exit_code
from localize.errors import ConfigError, LocalizeError

__all__ = ["batch"]


class _BatchGroup(LocalizeGroup):
    """`localize batch ARGS` runs a batch; `localize batch collect ...` is the subcommand.

    Anything that is not a subcommand name goes to the default ``run`` command, so the common
    case needs no verb (and ``localize batch --help`` shows the options that matter).
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands:
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_BatchGroup, context_settings={"help_option_names": ["-h", "--help"]})
def batch() -> None:
    """Localise many stories into many regions (see `localize batch --help`)."""


def _split_regions(value: str) -> list[str]:
    regions = [r.strip() for r in value.split(",") if r.strip()]
    if not regions:
        raise ConfigError("give at least one region id, e.g. --regions uk,us", option="--regions")
    return regions


summary_format = format_option("Summary format: text on stderr, or one JSON object on stdout.")


# -------------------------------------------------------------------------------- progress


def _fmt_s(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def _count(n: int) -> str:
    """A token count short enough for the progress bar: 9,999, 31.2k, 4.56M."""
    if n < 10_000:
        return f"{n:,}"
    if n < 1_000_000:
        return f"{n / 1000:.1f}k"
    return f"{n / 1_000_000:.2f}M"


class _Progress:
    """A rich progress bar on a terminal (it fits 80 columns); one plain line per job otherwise."""

    def __init__(self, console: Console | None = None) -> None:
        # Piped or redirected stderr gets plain lines, even where FORCE_COLOR is set.
        self.console = console or Console(stderr=True, force_terminal=sys.stderr.isatty())
        self.tty = self.console.is_terminal
        self.bar: Progress | None = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        return self

    @staticmethod
    def _fields(s: BatchSummary) -> dict[str, Any]:
        return {
            "failed": s.failed,
            "tokens": _count(s.tokens),
            "cost": f"${s.cost_usd:.4f}" if s.priced else "cost ?",
        }

    def started(self, summary: BatchSummary) -> None:
        say(endpoint_line(summary.model, summary.endpoint))
        processes = f" in {summary.workers} worker processes" if summary.workers > 1 else ""
        say(
            f"localize: {summary.to_run} job(s), {summary.concurrency} at a time{processes} "
            f"({summary.concurrency_reason})"
        )
        if self.tty:
            # The bar takes the width the counts leave, so the line never wraps.
            self.bar = Progress(
                BarColumn(bar_width=None),
                MofNCompleteColumn(),
                TextColumn("{task.fields[failed]} failed"),
                TextColumn("{task.fields[tokens]} tok"),
                TextColumn("{task.fields[cost]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(compact=True),
                console=self.console,
                expand=True,
            )
            self.bar.start()
            self._task = self.bar.add_task("jobs", total=summary.to_run, **self._fields(summary))

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def finished_job(self, result: JobResult, s: BatchSummary) -> None:
        if self.bar is not None:
            self.bar.update(self._task, advance=1, **self._fields(s))
            if not result.written:
                self.bar.console.print(
                    f"failed {result.story_id} {result.region}: {result.error}",
                    markup=False,
                    highlight=False,
                )
            return
        n, total = s.finished_jobs, s.to_run
        elapsed = time.monotonic() - s.started
        eta = _fmt_s(elapsed / n * (total - n)) if n else "?"
        if result.result is not None:
            report = result.result.checks
            checks = "checks ok" if report.ok else f"{len(report.errors)} check error(s)"
            what = (
                f"{result.status} ({result.result.provenance.attempts} attempt(s), {checks}, "
                f"{result.spend.usage.total_tokens:,} tokens)"
            )
        else:
            what = f"FAILED: {result.error}"
        say(
            f"localize: [{n}/{total}] {result.story_id} {result.region} {what}; "
            f"tokens {s.tokens:,}, cost {s.cost_text()}, eta {eta}"
        )


# ------------------------------------------------------------------------------------- run


def _finish(summary: BatchSummary, fmt: str, **extra: Any) -> None:
    """The summary (stderr, or JSON on stdout) and the exit code (`BatchSummary.exit_code`)."""
    if fmt == "json":
        data = {"ok": summary.ok, **summary.to_dict(), **extra}
        click.echo(json.dumps(data, ensure_ascii=False))
    say(f"localize: {summary.line()}")
    if summary.interrupted:
        say("localize: interrupted; finished jobs are saved: run the same command to resume")
        sys.exit(interrupted_exit_code())  # 130 after Ctrl-C, 143 after SIGTERM
    if summary.failed:
        say(
            f"localize: {summary.failed} job(s) failed (see their 'error'); "
            "run the same command again to retry them"
        )
    if summary.check_errors:
        say(
            f"localize: {summary.check_errors} section(s) flagged with check errors: "
            'for review, not publication (their lines say "status": "flagged")'
        )
    if summary.exit_code:
        sys.exit(summary.exit_code)


def _say_resumed(summary: BatchSummary, output: Path) -> None:
    """What the results file already held: a torn line dropped, pairs done before."""
    if summary.dropped_torn_line:
        say(f"localize: {output}: dropped an incomplete last line left by a killed run")
    if not summary.to_run:
        say(f"localize: all {summary.total} pair(s) are already done in {output}")
    elif summary.skipped:
        say(f"localize: resumed: {summary.skipped} pair(s) were already done")


def _say_export(report: ExportReport, out: Path | None, fmt: str) -> None:
    if report.already_done:
        say(f"localize: {report.already_done} pair(s) already done in {out}: not exported")
    for f in report.failed:
        say(f"localize: not exported: {f.story_id} {f.region}: {f.error}")
    if report.request_file is None:
        say("localize: nothing to export")
    else:
        say(
            f"localize: wrote {report.exported} request(s) to {report.request_file} "
            f"(manifest: {report.manifest})"
        )
    if fmt == "json":
        data = {
            "ok": not report.failed,
            "request_file": str(report.request_file) if report.request_file else None,
            "manifest": str(report.manifest) if report.manifest else None,
            "exported": report.exported,
            "already_done": report.already_done,
            "not_exported": [f.to_dict() for f in report.failed],
            "batch_id": report.batch_id,
        }
        click.echo(json.dumps(data, ensure_ascii=False))
    elif report.batch_id:
        click.echo(report.batch_id)
    if report.batch_id:
        say(
            f"localize: created batch {report.batch_id}; when it has finished (within 24 h), run:\n"
            f"  localize batch collect {report.batch_id} --output {out or 'results.jsonl'}"
        )
    if report.failed:
        # As a run exits 1 for a story that did not parse: a pipeline must not take the export
        # for whole. The JSON summary above says so itself.
        if fmt == "json":
            sys.exit(1)
        raise LocalizeError(
            f"{len(report.failed)} pair(s) not exported: their stories could not be read "
            "(see above); the requests written are for the others"
        )


@batch.command("run")
@click.argument(
    "stories",
    nargs=-1,
    required=True,
    metavar="STORY_OR_FOLDER...",
    type=click.Path(exists=True, path_type=Path),
)
@click.option(
    "-r",
    "--regions",
    required=True,
    metavar="IDS",
    help="Comma-separated region ids or profile files, e.g. uk,eu,us,au.",
)
@output_option(
    "Results file (JSONL, one line per story and region); '-' is stdout. Rerunning with the "
    "same file skips the pairs done and retries the failed ones."
)
@click.option(
    "-c",
    "--concurrency",
    type=int,
    metavar="N",
    help=f"Jobs in flight at once (default: --slots, else {DEFAULT_CONCURRENCY}; "
    f"{LOCAL_CONCURRENCY} for the embedded model).",
)
@click.option(
    "--slots",
    type=int,
    metavar="N",
    help="Requests the endpoint serves at once (a llama.cpp server's --parallel); sets the "
    "default concurrency, and 1 runs a story's regions back to back "
    "(env LOCALIZE_SLOTS).",
)
@click.option(
    "--rpm",
    type=click.IntRange(min=1),
    metavar="N",
    help="Requests per minute the account allows; requests are paced under it.",
)
@click.option(
    "--tpm",
    type=click.IntRange(min=1),
    metavar="N",
    help="Tokens per minute the account allows (prompt + max output, counted with "
    "tiktoken before sending); requests are paced under it.",
)
@click.option(
    "--export",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Write the OpenAI Batch API request file (also read by vLLM's run_batch) "
    "and its manifest instead of running; calls nothing.",
)
@click.option(
    "--submit",
    is_flag=True,
    help="Export (to --export, or <output>.requests.jsonl), upload the file and create "
    "an OpenAI batch (half price, done within 24 h); then use `collect`.",
)
@click.option(
    "--workers",
    type=int,
    default=1,
    show_default=True,
    metavar="N",
    help="Run the jobs in N processes (one process uses about one core): one --output, one "
    "set of --rpm/--tpm limits, --concurrency jobs in flight across them all. Needs an "
    "endpoint, not the embedded model.",
)
@click.option(
    "--shard",
    metavar="I/N",
    help="Run only shard I of N (split by story id, the same on every run); run the N "
    "shards side by side, each with its own --output, then `localize batch merge`.",
)
@disclosure_option
@summary_format
@generation_options
@recording_options
@click.pass_context
def run(
    ctx: click.Context,
    /,
    stories: tuple[Path, ...],
    regions: str,
    output: Path | None,
    concurrency: int | None,
    rpm: int | None,
    tpm: int | None,
    export: Path | None,
    submit: bool,
    workers: int,
    shard: str | None,
    disclosure: str | None,
    fmt: str,
    strict: bool,
    no_cache: bool,
    cache_dir: Path | None,
    **options: Any,
) -> None:
    """Localise every STORY_OR_FOLDER into every region, appending results to --output.

    Inputs are story files (.txt, .md, .html, .json), folders of them, or JSONL files with one
    story per line ({"id", "body"}). The verb `run` may be left out: `localize batch STORIES...`.
    Exit codes: 0 every section written and passed, 1 a job wrote no section (rerun to retry),
    2 bad input or option, 3 endpoint failure, 4 a section flagged (its line says
    "status": "flagged"; --strict counts warnings too), 130 interrupted (rerun to resume;
    143 after SIGTERM, which stops it as Ctrl-C does).
    """
    json_errors(ctx, fmt == "json")
    settings = settings_from({**options, "strict": strict})
    if output is None and export is None:
        raise ConfigError(
            "give the results file (--output), or --export FILE to write requests",
            option="--output",
        )
    if fmt == "json" and output is not None and str(output) == "-":
        raise ConfigError("results go to stdout: use --format text with -o -", option="--format")
    region_ids = _split_regions(regions)
    shard_of = _parse_shard(shard)
    if export is not None or submit:
        # Each shapes the jobs run here; passed over silently, a limit looked applied.
        for option, given in (
            ("--workers", workers != 1),
            ("--concurrency", concurrency is not None),
            ("--rpm", rpm is not None),
            ("--tpm", tpm is not None),
        ):
            if given:
                raise ConfigError(
                    "is for jobs run here; --export and --submit send none (the provider "
                    "runs them)",
                    option=option,
                )
        if settings.verify:
            # A Batch API answer comes back a day later, with no second round for a verdict.
            raise ConfigError(
                "the model verifier runs on a live batch, not with --export or --submit "
                "(turn it off with --no-verify)",
                option=verify_source(options.get("verify")),
            )
        report = export_batch(
            stories,
            region_ids,
            export,
            results=output,
            settings=settings,
            submit=submit,
            disclosure=disclosure,
            shard=shard_of,
        )
        _say_export(report, output, fmt)
        return
    assert output is not None
    with _Progress() as progress:
        summary = run_batch(
            stories,
            region_ids,
            output,
            settings=settings,
            concurrency=concurrency,
            rpm=rpm,
            tpm=tpm,
            cache=response_cache(no_cache, cache_dir),
            progress=progress,
            audit=resolve_audit(True, settings, source="batch") or False,
            disclosure=disclosure,
            shard=shard_of,
            workers=workers,
        )
    _say_resumed(summary, output)
    _finish(summary, fmt, output=str(output))


def _parse_shard(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    index, sep, count = value.partition("/")
    if not (sep and index.strip().isdigit() and count.strip().isdigit()):
        raise ConfigError(f"must be I/N, e.g. 1/4, got {value!r}", option="--shard")
    i, n = int(index), int(count)
    if not 1 <= i <= n:
        raise ConfigError(f"must be I/N with 1 <= I <= N, got {value!r}", option="--shard")
    return i, n


@batch.command("merge")
@click.argument(
    "parts",
    nargs=-1,
    required=True,
    metavar="RESULTS_FILE...",
    type=click.Path(path_type=Path, dir_okay=False),
)
@output_option("Results file to merge into (created, or resumed: pairs done there are kept).")
@summary_format
@click.pass_context
def merge(ctx: click.Context, /, parts: tuple[Path, ...], output: Path | None, fmt: str) -> None:
    """Merge results files (the shards of one batch, run with --shard I/N) into --output.

    Each pair ends with one line: an ok line wins over a failed one. Exit 1 when a pair is
    left failed (rerun its shard to retry it, then merge again)."""
    json_errors(ctx, fmt == "json")
    if output is None:
        raise ConfigError("give the results file to merge into", option="--output")
    if any(p.resolve() == output.resolve() for p in parts):
        raise ConfigError("must not be one of the files merged", option="--output")
    report = merge_results(parts, output)
    if fmt == "json":
        click.echo(json.dumps({"ok": not report.added_failed, **asdict(report)}))
    say(
        f"localize: merged {len(parts)} file(s) into {output}: {report.added_ok} done, "
        f"{report.added_failed} failed, {report.already_done} already there"
        + (f", {report.torn} torn last line(s) skipped" if report.torn else "")
    )
    if report.added_failed:
        sys.exit(1)


@batch.command("collect")
@click.argument("source", metavar="BATCH_ID|OUTPUT_FILE")
@output_option("Results file to append to (same format as `localize batch`).")
@click.option(
    "--manifest",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="The manifest written with the request file (default: the one in the current "
    "folder, or beside the results or output file, that belongs to this batch).",
)
@click.option(
    "--base-url",
    metavar="URL",
    help="OpenAI-compatible endpoint holding the batch (env OPENAI_BASE_URL).",
)
@click.option("--strict", is_flag=True, help="Warnings count as errors too.")
@check_option
@summary_format
@audit_options
@click.pass_context
def collect(
    ctx: click.Context,
    /,
    source: str,
    output: Path | None,
    manifest: Path | None,
    base_url: str | None,
    strict: bool,
    check_settings: dict[str, str],
    fmt: str,
    logs_db: str | None,
    no_log: bool,
) -> None:
    """Download a finished batch (or read a vLLM run_batch output file), check every answer
    and append the results to --output. Pairs already done there are skipped."""
    json_errors(ctx, fmt == "json")
    if output is None:
        raise ConfigError("give the results file to append to", option="--output")
    settings = resolve_settings(
        base_url=base_url,
        logs_db=logs_db,
        logs=False if no_log else None,
        strict=strict or None,
        checks=check_settings or None,
    )
    audit = resolve_audit(True, settings, source="batch-collect") or False
    report = collect_results(source, output, manifest=manifest, settings=settings, audit=audit)
    if report.missing:
        say(
            f"localize: {len(report.missing)} request(s) have no answer in the batch output "
            "(expired or cancelled?); run `localize batch` with the same stories to do them"
        )
        report.summary.failed += len(report.missing)
    _finish(report.summary, fmt, output=str(output), manifest=str(report.manifest))
