"""OpenAI Batch API files: export the requests, submit them, download and collect the answers.

The Batch API (half price, within 24 h) takes the same jobs as a request file: `export_requests`
writes it (vLLM's offline ``run_batch`` reads the same format), `submit_batch` uploads it and
creates the batch, `collect_batch` turns the output back into results, checked and built like
the synchronous ones (`localize.pipeline.review_completion`). `export_batch` and
`collect_results` are whole ``localize batch --export/--submit`` and ``localize batch collect``
runs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import openai

from localize import _strict_json as strict_json
from localize._atomic import check_writable, write_atomic
from localize._reading import read_limited
from localize._redact import mask_secrets, redact_url, remember_secrets
from localize._types import StructuredMode
from localize.audit import AuditLog, open_audit, resolve_audit
from localize.backends import (
    Completion,
    LLMClient,
    Spend,
    Usage,
    backend_error,
    connection_options,
)
from localize.batch._inputs import BatchStory
from localize.batch._manifest import BatchManifest, ManifestJob, find_manifest, load_manifest
from localize.batch._results import (
    MAX_RESULTS_BYTES,
    BatchSummary,
    Job,
    JobResult,
    ResultsFile,
    plan_batch,
)
from localize.budget import price
from localize.config import DEFAULT_MODEL, Settings
from localize.errors import (
    BackendError,
    BatchNotFinishedError,
    ConfigError,
    GenerationError,
    InputError,
    LocalizeError,
)
from localize.pipeline import PreparedPrompt, prepare, review_completion
from localize.prompting._templates import PromptTemplate, load_template
from localize.regions._profiles import RegionLike
from localize.section import SectionOutput
from localize.story import Story

__all__ = [
    "CollectReport",
    "ExportReport",
    "batch_api_client",
    "collect_batch",
    "collect_results",
    "custom_id",
    "download_batch_output",
    "export_batch",
    "export_requests",
    "submit_batch",
]

BATCH_ENDPOINT: Final = "/v1/chat/completions"
BATCH_DISCOUNT = 0.5  # the Batch API bills half the synchronous price
_FINAL_STATES = ("completed", "expired", "cancelled", "failed")


def custom_id(story_id: str, region: str) -> str:
    """The Batch API's per-request id: region ids hold no ':', so the last '::' splits it."""
    return f"{story_id}::{region}"


def _request_line(client: LLMClient, prep: PreparedPrompt, mode: StructuredMode) -> str:
    # The same request body the synchronous client sends (one place decides its shape).
    body = client.request_body(
        prep.messages, prep.params, SectionOutput.json_schema(), mode, prep.cache_key
    )
    line: dict[str, Any] = {"custom_id": custom_id(prep.story.id, prep.region.id)}
    line |= {"method": "POST", "url": BATCH_ENDPOINT, "body": body}
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


def _prepare_job(
    job: Job, tmpl: PromptTemplate, settings: Settings, model: str, mode: StructuredMode
) -> PreparedPrompt:
    if job.story.story is None:
        raise InputError(job.story.error or "the story could not be read")
    return prepare(
        job.story.story, job.region, template=tmpl, settings=settings, model=model, structured=mode
    )


def export_requests(
    jobs: Sequence[Job],
    path: str | Path,
    *,
    settings: Settings | None = None,
    template: PromptTemplate | str | Path | None = None,
) -> tuple[Path, Path, list[JobResult]]:
    """Write the Batch API request file and its manifest (``<path>.manifest.json``).

    Each line is ``{"custom_id", "method": "POST", "url": "/v1/chat/completions", "body"}``, the
    body being the exact request the synchronous client would send (OpenAI's Batch API and
    vLLM's ``run_batch`` both read this). The manifest (`BatchManifest`) keeps what ``collect``
    needs to check the answers. Jobs whose story did not parse are not exported; they are
    returned as failed results. Both files are written atomically.
    """
    settings = settings or Settings.resolve()
    tmpl = load_template(template or settings.template, settings.templates)
    model = settings.model or DEFAULT_MODEL
    mode: StructuredMode = settings.structured if settings.structured != "auto" else "json_schema"
    builder = LLMClient(model=model, base_url=settings.base_url, api_key="")
    out, manifest_path = Path(path), BatchManifest.path_for(path)
    # A story file (or the JSONL file a story line came from) is never overwritten.
    sources = {j.story.source for j in jobs if j.story.source}
    inputs = sources | {s.rsplit(" line ", 1)[0] for s in sources}
    check_writable(out, inputs=inputs, option="--export")
    check_writable(manifest_path, inputs=inputs, option="--export")
    lines: list[str] = []
    failed: list[JobResult] = []
    manifest = BatchManifest(
        request_file=out.name,
        model=model,
        endpoint=redact_url(builder.endpoint),  # the manifest is a file: no credentials in it
        structured_mode=mode,
        context_window=settings.context_window,
        template_source=tmpl.source,
        template_text=tmpl.text,
        regions={},
        stories={},
        jobs=[],
    )
    for job in jobs:
        try:
            prep = _prepare_job(job, tmpl, settings, model, mode)
        except LocalizeError as exc:
            failed.append(JobResult.failure(job, str(exc)))
            continue
        lines.append(_request_line(builder, prep, mode))
        manifest.stories.setdefault(prep.story.id, prep.story.to_dict())
        manifest.regions.setdefault(job.region.id, job.region)
        manifest.region_sources.setdefault(job.region.id, job.region.source)
        manifest.jobs.append(
            ManifestJob(custom_id=custom_id(*job.key), story_id=job.story.id, region=job.region.id)
        )
    write_atomic(out, "".join(line + "\n" for line in lines))
    manifest.write(manifest_path)
    return out, manifest_path, failed


def batch_api_client(settings: Settings) -> openai.OpenAI:
    """An SDK client for the Batch API; needs an API key."""
    if not settings.api_key:
        raise ConfigError(
            "the Batch API needs an API key; set OPENAI_API_KEY", option="OPENAI_API_KEY"
        )
    where = connection_options(settings.base_url) if settings.base_url else {}
    remember_secrets([settings.api_key])  # masked in the answers collected (see _answer)
    return openai.OpenAI(api_key=settings.api_key, timeout=settings.timeout, **where)


def _failure(exc: openai.OpenAIError, client: openai.OpenAI, model: str) -> BackendError:
    # The same translation as the chat client: HTTP status and request id kept.
    return backend_error(exc, str(client.base_url), model)


def submit_batch(
    request_file: str | Path, manifest_path: str | Path, *, client: openai.OpenAI
) -> str:
    """Upload the request file, create the batch (24 h window) and record its id in the
    manifest; returns the batch id."""
    manifest = load_manifest(manifest_path)
    try:
        with Path(request_file).open("rb") as f:
            uploaded = client.files.create(file=f, purpose="batch")
        batch = client.batches.create(
            input_file_id=uploaded.id,
            endpoint=BATCH_ENDPOINT,
            completion_window="24h",
            metadata={"created_by": "localize"},
        )
    except openai.OpenAIError as exc:
        raise _failure(exc, client, manifest.model) from exc
    manifest.batch_id, manifest.input_file_id = batch.id, uploaded.id
    manifest.write(manifest_path)
    return batch.id


def download_batch_output(batch_id: str, *, client: openai.OpenAI) -> list[str]:
    """The output (and error) file lines of a finished batch.

    Raises `BatchNotFinishedError` while it still runs, `BackendError` when it failed outright.
    """
    try:
        batch = client.batches.retrieve(batch_id)
    except openai.OpenAIError as exc:
        raise _failure(exc, client, "") from exc
    if batch.status not in _FINAL_STATES:
        counts, done = batch.request_counts, ""
        if counts is not None:
            done = f" ({counts.completed + counts.failed} of {counts.total} requests done)"
        raise BatchNotFinishedError(
            f"batch {batch_id} is {batch.status}{done}; collect it again later",
            batch_id=batch_id,
            status=batch.status,
        )
    if batch.status == "failed" and not (batch.output_file_id or batch.error_file_id):
        errors = batch.errors.data or [] if batch.errors else []
        reasons = "; ".join(e.message or "" for e in errors)
        raise BackendError(f"batch {batch_id} failed{': ' + reasons if reasons else ''}")
    lines: list[str] = []
    for file_id in (batch.output_file_id, batch.error_file_id):
        if file_id:
            try:
                lines.extend(client.files.content(file_id).text.splitlines())
            except openai.OpenAIError as exc:
                raise _failure(exc, client, "") from exc
    return lines


def _answer(line: dict[str, Any], manifest: BatchManifest) -> Completion:
    """The completion in one output line; `GenerationError` says why there is none."""
    response = line.get("response")
    if line.get("error") or not isinstance(response, dict):
        err = line.get("error") or {}
        message = err.get("message") if isinstance(err, dict) else str(err)
        raise GenerationError(f"batch request failed: {message or 'no response'}", attempts=0)
    status, body = response.get("status_code"), response.get("body")
    if status != 200 or not isinstance(body, dict):
        error = body.get("error") if isinstance(body, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
        raise GenerationError(
            f"batch request failed: HTTP {status}{': ' + message if message else ''}", attempts=0
        )
    choices = body.get("choices") or []
    if not choices:
        raise GenerationError("batch response has no choices", attempts=0)
    # An output file is the provider's (or vLLM's, or a proxy's) JSON: a field of the wrong
    # shape fails this job with what is wrong, not the whole collect with a traceback.
    choice = choices[0] if isinstance(choices, list) else choices
    if not isinstance(choice, dict):
        raise GenerationError(
            f"batch response's choices[0] is {type(choice).__name__} data, not a dict", attempts=0
        )
    message = _field(choice.get("message"), "message", dict) or {}
    usage = _field(body.get("usage"), "usage", dict) or {}
    details = _field(usage.get("prompt_tokens_details"), "prompt_tokens_details", dict) or {}
    return Completion(
        # An answer that echoes the key must not carry it into the results or the audit log.
        content=mask_secrets(_field(message.get("content"), "message.content", str) or ""),
        finish_reason=_field(choice.get("finish_reason"), "finish_reason", str),
        usage=Usage(
            _field(usage.get("prompt_tokens"), "prompt_tokens", int) or 0,
            _field(usage.get("completion_tokens"), "completion_tokens", int) or 0,
            _field(details.get("cached_tokens"), "cached_tokens", int) or 0,
        ),
        model=_field(body.get("model"), "model", str) or manifest.model,
        mode=manifest.structured_mode,
        request_id=_field(response.get("request_id"), "request_id", str),
    )


def _field(value: Any, name: str, kind: type) -> Any:
    """An output line's field of the kind it must be (None when absent); a token count must
    also be a count."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, kind):
        raise GenerationError(
            f"batch response's {name} is {type(value).__name__} data, not a {kind.__name__}",
            attempts=0,
        )
    if isinstance(value, int) and value < 0:
        raise GenerationError(f"batch response's {name} is {value}, not a token count", attempts=0)
    return value


def _collected(
    job: ManifestJob,
    line: dict[str, Any],
    manifest: BatchManifest,
    tmpl: PromptTemplate,
    audit: AuditLog | None,
    run: Settings,
) -> JobResult:
    story = Story.from_dict(manifest.stories[job.story_id])
    # The run's check policy (strict, --check) with the window the requests were fitted to.
    settings = Settings(
        context_window=manifest.context_window, strict=run.strict, checks=run.checks
    )
    spend = Spend()
    try:
        completion = _answer(line, manifest)
        spend = spend.count(completion)
        prep = prepare(
            story,
            manifest.region(job.region),
            template=tmpl,
            settings=settings,
            model=manifest.model,
            structured=manifest.structured_mode,
        )
        result = review_completion(
            prep,
            completion,
            endpoint=manifest.endpoint,
            price_scale=BATCH_DISCOUNT,
            batch_id=manifest.batch_id,
            audit=audit,
        )
    except LocalizeError as exc:
        cost = price(manifest.model, spend.usage, manifest.endpoint, scale=BATCH_DISCOUNT)
        return JobResult(job.story_id, job.region, None, str(exc), spend, cost)
    cost = price(result.provenance.model, spend.usage, manifest.endpoint, scale=BATCH_DISCOUNT)
    return JobResult(job.story_id, job.region, result, None, spend, cost)


def collect_batch(
    output_lines: Iterable[str],
    manifest: BatchManifest,
    skip: Collection[tuple[str, str]] = (),
    *,
    audit: AuditLog | bool = True,
    settings: Settings | None = None,
    source: str = "batch output",
) -> tuple[list[JobResult], list[str]]:
    """Turn Batch API (or vLLM ``run_batch``) output lines into results, checked as usual.

    Returns the results (not those in ``skip``) and the custom ids of requests the output does
    not answer (an expired or cancelled batch): rerun ``localize batch`` to do those. ``audit``
    as for `localize.generate`: each section collected is recorded. ``settings`` gives the
    check policy (``strict``, ``checks``), as in the run that exported the requests. ``source``
    names the output (its file, or the batch) in errors.
    """
    run = settings or Settings()
    log = resolve_audit(audit)
    by_id = {j.custom_id: j for j in manifest.jobs}
    tmpl = manifest.template()
    seen: set[str] = set()
    results: list[JobResult] = []
    for n, raw in enumerate(output_lines, start=1):
        if not raw.strip():
            continue
        try:
            line = strict_json.loads(raw)
        except strict_json.JSONProblem as exc:
            raise InputError(f"{source} line {n}: invalid JSON: {exc.detail}") from None
        if not isinstance(line, dict):
            raise InputError(f"{source} line {n}: not a JSON object (a Batch API output line)")
        cid = line.get("custom_id")
        if cid is None:
            raise InputError(f"{source} line {n}: has no custom_id (a Batch API output line)")
        if not isinstance(cid, str) or cid not in by_id:
            raise InputError(
                f"{source} line {n}: custom_id {cid!r} is not in the manifest "
                "(is this the output of another batch?)"
            )
        job = by_id[cid]
        if cid not in seen and (job.story_id, job.region) not in skip:
            results.append(_collected(job, line, manifest, tmpl, log, run))
        seen.add(cid)
    return results, [cid for cid in by_id if cid not in seen]


@dataclass(frozen=True)
class ExportReport:
    """What `export_batch` did: the files, how many requests, and the batch id if submitted."""

    request_file: Path | None
    manifest: Path | None
    exported: int
    already_done: int
    failed: list[JobResult] = field(default_factory=list)
    batch_id: str | None = None


def export_batch(
    stories: Iterable[BatchStory],
    regions: Iterable[RegionLike],
    request_file: str | Path | None = None,
    *,
    results: str | Path | None = None,
    settings: Settings | None = None,
    template: PromptTemplate | str | Path | None = None,
    submit: bool = False,
    client: openai.OpenAI | None = None,
    disclosure: str | None = None,
    shard: tuple[int, int] | None = None,
) -> ExportReport:
    """A whole ``localize batch --export/--submit`` run: the pairs not yet done in ``results``
    written as a request file (default ``<results>.requests.jsonl``) and its manifest, then,
    with ``submit``, uploaded and created as a batch. Calls no model. ``disclosure`` replaces
    each profile's disclosure line; the manifest keeps the profiles, so ``collect`` uses it.
    ``shard`` (i, N) exports only shard i of N (`BatchPlan.shard`): a batch too large for one
    request file goes as N files, each with its manifest."""
    settings = settings or Settings.resolve()
    if request_file is None and results is None:
        raise ConfigError(
            "give the request file, or the results file to name it after", option="--export"
        )
    path = Path(request_file) if request_file is not None else Path(f"{results}.requests.jsonl")
    plan = plan_batch(stories, regions, settings=settings, template=template, disclosure=disclosure)
    if shard is not None:
        plan = plan.shard(*shard)
    jobs = list(plan.jobs)  # the manifest holds every story anyway
    done: set[tuple[str, str]] = set()
    if results is not None and Path(results).is_file():
        with ResultsFile(results) as existing:
            done = set(existing.done)
    todo = [j for j in jobs if j.key not in done]
    if not todo:
        return ExportReport(None, None, 0, len(jobs))
    api = (client or batch_api_client(settings)) if submit else None  # no key: stop first
    written, manifest, failed = export_requests(
        todo, path, settings=settings, template=plan.template
    )
    batch_id = submit_batch(written, manifest, client=api) if api is not None else None
    return ExportReport(
        written, manifest, len(todo) - len(failed), len(jobs) - len(todo), failed, batch_id
    )


@dataclass(frozen=True)
class CollectReport:
    """What `collect_results` did: the run summary, the manifest used, unanswered requests."""

    summary: BatchSummary
    manifest: Path
    missing: list[str]


def _output_lines(
    source: str | Path, settings: Settings, client: openai.OpenAI | None
) -> list[str]:
    if Path(source).is_file():
        raw = read_limited(
            source, MAX_RESULTS_BYTES, lambda m: InputError(f"{source}: {m}"), what="output file"
        )
        try:
            return raw.decode("utf-8").splitlines()
        except UnicodeDecodeError as exc:
            raise InputError(f"{source}: cannot read: {exc}") from None
    return download_batch_output(str(source), client=client or batch_api_client(settings))


def _manifest_for(source: str | Path, output: Path, manifest: str | Path | None) -> Path:
    if manifest is not None:
        return Path(manifest)
    if not Path(source).is_file():
        return find_manifest(str(source), None, [Path("."), output.parent])
    first = next((ln for ln in _output_lines(source, Settings(), None) if ln.strip()), "")
    try:
        cid = strict_json.loads(first).get("custom_id")
    except (strict_json.JSONProblem, AttributeError):
        raise InputError(f"{source}: not a Batch API output file") from None
    return find_manifest(None, str(cid), [Path("."), output.parent, Path(source).parent])


def collect_results(
    source: str | Path,
    output: str | Path,
    *,
    manifest: str | Path | None = None,
    settings: Settings | None = None,
    client: openai.OpenAI | None = None,
    audit: AuditLog | bool = True,
) -> CollectReport:
    """A whole ``localize batch collect`` run: a batch id (downloaded when finished) or an output
    file (vLLM's ``run_batch``), checked and appended to the results file ``output``.

    Without ``manifest``, the one manifest in the current folder (or beside ``output`` or the
    output file) that belongs to this batch is used. ``audit`` as for `localize.generate`.
    """
    settings = settings or Settings.resolve()
    log = open_audit(audit, settings)
    out = Path(output)
    manifest_path = _manifest_for(source, out, manifest)
    data = load_manifest(manifest_path)
    if not Path(source).is_file() and data.batch_id not in (None, str(source)):
        raise InputError(
            f"{manifest_path}: this manifest is for batch {data.batch_id}, "
            f"not {source}; pass the right one with --manifest"
        )
    with ResultsFile(out) as results:  # locked and checked before downloading anything
        lines = _output_lines(source, settings, client)
        named = str(source) if Path(source).is_file() else f"batch {source} output"
        collected, missing = collect_batch(
            lines, data, skip=results.done, audit=log or False, settings=settings, source=named
        )
        results.begin([r.key for r in collected])
        answered = len(collected) + len(missing)
        summary = BatchSummary(total=len(data.jobs), skipped=len(data.jobs) - answered)
        summary.skipped_flagged = len(results.flagged & {(j.story_id, j.region) for j in data.jobs})
        for result in collected:
            results.append(result)
            summary.add(result)
    summary.finished = time.monotonic()
    return CollectReport(summary, manifest_path, missing)
