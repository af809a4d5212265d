"""`localize batch`: many stories x many regions from the command line.

    localize batch STORY_OR_FOLDER... --regions uk,eu,us,au --out results.jsonl
    localize batch STORY_OR_FOLDER... --regions uk,us --out results.jsonl --submit
    localize batch collect BATCH_ID --out results.jsonl

Thin: options are parsed here, the work is `localize.batch`. Everything that can be wrong with
the input (regions, template, output file, its lock, the stories' paths) is checked before the
first request.
"""

from __future__ import annotations

import asyncio
import sys
import time
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

from localize.audit import AuditLog
from localize.batch import (
    DEFAULT_CONCURRENCY,
    LOCAL_CONCURRENCY,
    BatchSummary,
    Job,
    JobResult,
    RateGate,
    ResultsFile,
    batch_api_client,
    collect_batch,
    download_batch_output,
    export_requests,
    load_inputs,
    load_manifest,
    plan_jobs,
    resolve_regions,
    run_jobs,
    submit_batch,
)
from localize.cache import DiskCache, default_cache_dir
from localize.cli_feedback import endpoint_line
from localize.cli_group import (
    LOCAL_NOTICE,
    LocalizeGroup,
    audit_options,
    generation_options,
    say,
)
from localize.config import Settings
from localize.errors import ConfigError, InputError
from localize.llm import LLMClient
from localize.pipeline import connect
from localize.prompts import PromptTemplate, load_template

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
    """A rich progress bar on a terminal (fits 80 columns); one plain line per job otherwise."""

    def __init__(self, summary: BatchSummary, *, console: Console | None = None) -> None:
        self.summary = summary
        # Piped or redirected stderr gets plain lines, even where FORCE_COLOR is set.
        self.console = console or Console(stderr=True, force_terminal=sys.stderr.isatty())
        self.tty = self.console.is_terminal
        self.bar: Progress | None = None
        self._task: Any = None

    def _fields(self) -> dict[str, Any]:
        s = self.summary
        return {
            "failed": str(s.failed),
            "tokens": _count(s.tokens),
            "cost": f"${s.cost_usd:.4f}" if s.cost_known else "cost ?",
        }

    def __enter__(self) -> _Progress:
        if self.tty:
            # The bar takes what the counts leave: at 80 columns the line still fits whole.
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
            self._task = self.bar.add_task("jobs", total=self.summary.to_run, **self._fields())
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def update(self, result: JobResult) -> None:
        s = self.summary
        if self.bar is not None:
            self.bar.update(self._task, advance=1, **self._fields())
            if not result.ok:
                self.bar.console.print(
                    f"failed {result.story_id} {result.region}: {result.error}",
                    markup=False,
                    highlight=False,
                )
            return
        n, total = s.finished_jobs, s.to_run
        elapsed = time.monotonic() - s.started
        eta = _fmt_s(elapsed / n * (total - n)) if n else "?"
        if result.ok:
            prov = result.provenance or {}
            errors = int((result.checks or {}).get("errors", 0))
            checks = "checks ok" if (result.checks or {}).get("ok") else f"{errors} check error(s)"
            what = (
                f"ok ({prov.get('attempts', '?')} attempt(s), {checks}, "
                f"{result.spent.total_tokens:,} tokens)"
            )
        else:
            what = f"FAILED: {result.error}"
        say(
            f"localize: [{n}/{total}] {result.story_id} {result.region} {what}; "
            f"tokens {s.tokens:,}, cost {s.cost_text()}, eta {eta}"
        )


# ------------------------------------------------------------------------------------- run


async def _drive(
    jobs: list[Job],
    client: LLMClient,
    results: ResultsFile,
    summary: BatchSummary,
    progress: _Progress,
    *,
    template: PromptTemplate,
    settings: Settings,
    concurrency: int,
    max_attempts: int | None,
    audit: AuditLog | None,
) -> None:
    try:
        async for result in run_jobs(
            jobs,
            client,
            template=template,
            settings=settings,
            concurrency=concurrency,
            max_attempts=max_attempts,
            audit=audit or False,
        ):
            results.append(result)  # durable before it is counted
            summary.add(result)
            progress.update(result)
    finally:
        await client.aclose()


def _export(
    jobs: list[Job],
    done: set[tuple[str, str]],
    *,
    export: Path | None,
    out: Path | None,
    submit: bool,
    settings: Settings,
    template: PromptTemplate,
) -> None:
    todo = [j for j in jobs if j.key not in done]
    if done:
        say(f"localize: {len(jobs) - len(todo)} pair(s) already done in {out}: not exported")
    if not todo:
        say("localize: nothing to export")
        return
    request_file = export or Path(f"{out}.requests.jsonl")
    client = batch_api_client(settings) if submit else None  # no key: stop before writing
    path, manifest, failed = export_requests(
        todo, request_file, settings=settings, template=template
    )
    for f in failed:
        say(f"localize: not exported: {f.story_id} {f.region}: {f.error}")
    say(f"localize: wrote {len(todo) - len(failed)} request(s) to {path} (manifest: {manifest})")
    if client is None:
        return
    batch_id = submit_batch(path, manifest, client=client)
    click.echo(batch_id)
    collect_out = out or Path("results.jsonl")
    say(
        f"localize: created batch {batch_id}; when it has finished (within 24 h), run:\n"
        f"  localize batch collect {batch_id} --out {collect_out} --manifest {manifest}"
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
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Results file (JSONL, one line per story and region). Rerunning with the "
    "same file skips the pairs done and retries the failed ones.",
)
@click.option(
    "-c",
    "--concurrency",
    type=click.IntRange(min=1),
    metavar="N",
    help=f"Jobs in flight at once (default {DEFAULT_CONCURRENCY}; "
    f"{LOCAL_CONCURRENCY} for the embedded model).",
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
@click.option("--no-cache", is_flag=True, help="Do not read or write the on-disk response cache.")
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path, file_okay=False),
    metavar="DIR",
    help="Response cache folder (env LOCALIZE_CACHE_DIR; default "
    "$XDG_CACHE_HOME/localize or ~/.cache/localize).",
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
    help="Export (to --export, or <out>.requests.jsonl), upload the file and create "
    "an OpenAI batch (half price, done within 24 h); then use `collect`.",
)
@generation_options
def run(
    stories: tuple[Path, ...],
    regions: str,
    out: Path | None,
    concurrency: int | None,
    rpm: int | None,
    tpm: int | None,
    no_cache: bool,
    cache_dir: Path | None,
    export: Path | None,
    submit: bool,
    model: str | None,
    base_url: str | None,
    max_attempts: int | None,
    template: str | None,
    profiles: str | None,
    logs_db: str | None,
    no_log: bool,
) -> None:
    """Localise every STORY_OR_FOLDER into every region, appending results to --out.

    Inputs are story files (.txt, .md, .html, .json), folders of them, or JSONL files with one story
    per line ({"id", "body"}). The verb `run` may be left out: `localize batch STORIES...`.
    Exit codes: 0 every job done, 1 some job failed (rerun to retry), 2 bad input or option,
    3 endpoint failure, 130 interrupted (rerun to resume).
    """
    settings = Settings.resolve(
        model=model,
        base_url=base_url,
        template=template,
        max_attempts=max_attempts,
        profiles=profiles,
        logs_db=logs_db,
        logs=False if no_log else None,
    )
    profile_list = resolve_regions(_split_regions(regions), settings.profiles)
    tmpl = load_template(settings.template)
    if out is None and export is None:
        raise ConfigError(
            "give the results file (--out), or --export FILE to write requests", option="--out"
        )
    inputs = load_inputs(stories)
    jobs = plan_jobs(inputs, profile_list)
    if export is not None or submit:
        done: set[tuple[str, str]] = set()
        if out is not None and out.exists():
            with ResultsFile(out) as existing:
                done = set(existing.done)
        _export(jobs, done, export=export, out=out, submit=submit, settings=settings, template=tmpl)
        return
    assert out is not None
    audit = AuditLog.from_settings(settings, source="batch")
    if audit is not None:
        audit.check()  # an unusable log stops the run before any request
    cache = None if no_cache else DiskCache(cache_dir or default_cache_dir())
    with ResultsFile(out) as results:
        todo = [j for j in jobs if j.key not in results.done]
        results.begin([j.key for j in todo])
        if results.dropped_torn_line:
            say(f"localize: {out}: dropped an incomplete last line left by a killed run")
        summary = BatchSummary(total=len(jobs), skipped=len(jobs) - len(todo))
        if not todo:
            say(f"localize: all {len(jobs)} pair(s) are already done in {out}")
            return
        if summary.skipped:
            say(f"localize: resuming: {summary.skipped} pair(s) already done, {len(todo)} to run")
        if settings.use_local_model:
            say(LOCAL_NOTICE)
        gate = RateGate(rpm, tpm)
        width = concurrency or (
            LOCAL_CONCURRENCY if settings.use_local_model else DEFAULT_CONCURRENCY
        )
        interrupted = False
        with (
            connect(settings, cache=cache, gate=gate) as client,
            _Progress(summary) as progress,
        ):
            say(endpoint_line(client.model, client.endpoint))
            summary.started = time.monotonic()  # not counting the embedded server's start
            try:
                asyncio.run(
                    _drive(
                        todo,
                        client,
                        results,
                        summary,
                        progress,
                        template=tmpl,
                        settings=settings,
                        concurrency=width,
                        max_attempts=max_attempts,
                        audit=audit,
                    )
                )
            except KeyboardInterrupt:
                interrupted = True
            finally:
                summary.finished = time.monotonic()
                summary.rate_limited = gate.rate_limited
    say(f"localize: {summary.line()}")
    say(f"localize: results in {out}")
    if interrupted:
        say("localize: interrupted; finished jobs are saved: run the same command to resume")
        sys.exit(130)
    if summary.failed:
        say(
            f"localize: {summary.failed} job(s) failed (see their 'error'); "
            "run the same command again to retry them"
        )
        sys.exit(1)


@batch.command("collect")
@click.argument("source", metavar="BATCH_ID|OUTPUT_FILE")
@click.option(
    "-o",
    "--out",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Results file to append to (same format as `localize batch`).",
)
@click.option(
    "--manifest",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="The manifest written with the request file (default <out>.requests.jsonl.manifest.json).",
)
@click.option(
    "--base-url",
    metavar="URL",
    help="OpenAI-compatible endpoint holding the batch (env OPENAI_BASE_URL).",
)
@audit_options
def collect(
    source: str,
    out: Path,
    manifest: Path | None,
    base_url: str | None,
    logs_db: str | None,
    no_log: bool,
) -> None:
    """Download a finished batch (or read a vLLM run_batch output file), check every answer
    and append the results to --out. Pairs already done there are skipped."""
    manifest_path = manifest or Path(f"{out}.requests.jsonl.manifest.json")
    data = load_manifest(manifest_path)
    audit = AuditLog.from_settings(
        Settings.resolve(logs_db=logs_db, logs=False if no_log else None), source="batch-collect"
    )
    if audit is not None:
        audit.check()
    from_file = Path(source).is_file()
    if not from_file and data.get("batch_id") not in (None, source):
        raise InputError(
            f"{manifest_path}: this manifest is for batch {data['batch_id']}, "
            f"not {source}; pass the right one with --manifest"
        )
    with ResultsFile(out) as results:  # locked and checked before downloading anything
        if from_file:
            try:
                lines = Path(source).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"{source}: cannot read: {exc}") from None
        else:
            settings = Settings.resolve(base_url=base_url)
            lines = download_batch_output(source, client=batch_api_client(settings))
        collected, missing = collect_batch(lines, data, skip=results.done, audit=audit or False)
        results.begin([r.key for r in collected])
        summary = BatchSummary(
            total=len(data["jobs"]), skipped=len(data["jobs"]) - len(collected) - len(missing)
        )
        for result in collected:
            results.append(result)
            summary.add(result)
        summary.finished = time.monotonic()
    say(f"localize: {summary.line()}")
    if missing:
        say(
            f"localize: {len(missing)} request(s) have no answer in the batch output "
            "(expired or cancelled?); run `localize batch` with the same stories to do them"
        )
    if summary.failed or missing:
        sys.exit(1)
