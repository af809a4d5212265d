"""OpenAI Batch API files: export the requests, submit them, download and collect the answers.

The Batch API (half price, within 24 h) takes the same jobs as a request file: `export_requests`
writes it (vLLM's offline ``run_batch`` reads the same format), `submit_batch` uploads it and
creates the batch, `collect_batch` turns the output back into result lines.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import openai

from localize._types import StructuredMode
from localize.atomic import check_writable, write_atomic
from localize.batch._results import Job, JobResult
from localize.budget import estimate_cost
from localize.config import DEFAULT_MODEL, Settings
from localize.errors import BackendError, ConfigError, InputError, LocalizeError
from localize.llm import LLMClient, Usage
from localize.pipeline import PreparedPrompt, Provenance, prepare, review_answer
from localize.prompts import PromptTemplate, load_template
from localize.regions import RegionProfile
from localize.section import SectionOutput
from localize.story import Story

__all__ = [
    "batch_api_client",
    "collect_batch",
    "download_batch_output",
    "export_requests",
    "load_manifest",
    "submit_batch",
]

BATCH_ENDPOINT: Final = "/v1/chat/completions"
BATCH_DISCOUNT = 0.5  # the Batch API bills half the synchronous price


def _request_body(client: LLMClient, prep: PreparedPrompt, mode: StructuredMode) -> dict[str, Any]:
    # The same request body the synchronous client sends (one place decides its shape).
    return client.request_body(
        prep.messages, prep.params, SectionOutput.json_schema(), mode, prep.story.sha256[:32]
    )


def custom_id(story_id: str, region: str) -> str:
    """The Batch API's per-request id: region ids hold no ':', so the last '::' splits it."""
    return f"{story_id}::{region}"


def split_custom_id(value: str) -> tuple[str, str]:
    story_id, sep, region = value.rpartition("::")
    if not sep:
        raise ValueError(f"not a localize custom_id: {value!r}")
    return story_id, region


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
    vLLM's ``run_batch`` both read this). The manifest keeps what ``collect`` needs to check the
    answers: the stories, region profiles and template facts. Jobs whose story did not parse
    are not exported; they are returned as failed results. Both files are written atomically.
    """
    settings = settings or Settings.resolve()
    tmpl = load_template(template or settings.template)
    model = settings.model or DEFAULT_MODEL
    mode: StructuredMode = settings.structured if settings.structured != "auto" else "json_schema"
    builder = LLMClient(model=model, base_url=settings.base_url)
    job_settings = replace(settings, profiles=None)
    out = Path(path)
    manifest_path = out.parent / f"{out.name}.manifest.json"
    check_writable(out)
    check_writable(manifest_path)
    lines: list[str] = []
    failed: list[JobResult] = []
    stories: dict[str, dict[str, Any]] = {}
    regions: dict[str, Any] = {}
    entries: list[dict[str, Any]] = []
    for job in jobs:
        if job.story.story is None:
            failed.append(JobResult.failure(job, job.story.error or "unreadable story"))
            continue
        try:
            prep = prepare(
                job.story.story, job.region, template=tmpl, settings=job_settings, model=model
            )
        except LocalizeError as exc:
            failed.append(JobResult.failure(job, str(exc)))
            continue
        cid = custom_id(*job.key)
        lines.append(
            json.dumps(
                {
                    "custom_id": cid,
                    "method": "POST",
                    "url": BATCH_ENDPOINT,
                    "body": _request_body(builder, prep, mode),
                },
                ensure_ascii=False,
                separators=(",", ":"),
            )
        )
        stories.setdefault(prep.story.id, prep.story.to_dict())
        regions.setdefault(job.region.id, job.region.model_dump(mode="json"))
        entries.append(
            {
                "custom_id": cid,
                "story_id": job.story.id,
                "region": job.region.id,
                "trimmed_paragraphs": list(prep.fitted.trimmed),
                "prompt_tokens_estimate": prep.prompt_tokens.tokens,
                "estimate_approximate": prep.prompt_tokens.approximate,
            }
        )
    manifest = {
        "kind": "localize-batch-manifest",
        "format": 1,
        "request_file": out.name,
        "batch_id": None,
        "input_file_id": None,
        "model": model,
        "endpoint": builder.endpoint,
        "structured_mode": mode,
        "template": {
            "name": tmpl.name,
            "version": tmpl.version,
            "sha256": tmpl.sha256,
            "min_words": tmpl.min_words,
            "max_words": tmpl.max_words,
        },
        "regions": regions,
        "stories": stories,
        "jobs": entries,
    }
    write_atomic(out, "".join(line + "\n" for line in lines).encode("utf-8"))
    _write_manifest(manifest_path, manifest)
    return out, manifest_path, failed


def _write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    write_atomic(path, (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))


def load_manifest(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{p}: no such manifest (it is written next to the request file as "
            "<request file>.manifest.json; pass it with --manifest)"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{p}: cannot read the manifest: {exc}") from None
    if not isinstance(data, dict) or data.get("kind") != "localize-batch-manifest":
        raise InputError(f"{p}: not a localize batch manifest")
    return data


def batch_api_client(settings: Settings) -> openai.OpenAI:
    if not settings.api_key:
        raise ConfigError(
            "the Batch API needs an API key; set OPENAI_API_KEY", option="OPENAI_API_KEY"
        )
    return openai.OpenAI(
        api_key=settings.api_key, base_url=settings.base_url, timeout=settings.timeout
    )


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
        raise BackendError(f"creating the batch failed: {exc}") from exc
    manifest["batch_id"] = batch.id
    manifest["input_file_id"] = uploaded.id
    _write_manifest(Path(manifest_path), manifest)
    return batch.id


_FINAL_STATES = ("completed", "expired", "cancelled", "failed")


def download_batch_output(batch_id: str, *, client: openai.OpenAI) -> list[str]:
    """The output (and error) file lines of a finished batch; raises while it still runs."""
    try:
        batch = client.batches.retrieve(batch_id)
    except openai.OpenAIError as exc:
        raise BackendError(f"cannot retrieve batch {batch_id}: {exc}") from exc
    if batch.status not in _FINAL_STATES:
        counts = batch.request_counts
        progress = (
            f" ({counts.completed + counts.failed} of {counts.total} requests done)"
            if counts
            else ""
        )
        raise LocalizeError(f"batch {batch_id} is {batch.status}{progress}; collect it again later")
    if batch.status == "failed" and not (batch.output_file_id or batch.error_file_id):
        reasons = (
            "; ".join(e.message or "" for e in (batch.errors.data or [])) if batch.errors else ""
        )
        raise BackendError(f"batch {batch_id} failed{': ' + reasons if reasons else ''}")
    lines: list[str] = []
    for file_id in (batch.output_file_id, batch.error_file_id):
        if not file_id:
            continue
        try:
            lines.extend(client.files.content(file_id).text.splitlines())
        except openai.OpenAIError as exc:
            raise BackendError(
                f"cannot download file {file_id} of batch {batch_id}: {exc}"
            ) from exc
    return lines


def _collected_result(
    entry: dict[str, Any], manifest: dict[str, Any], line: dict[str, Any]
) -> JobResult:
    story_id, region_id = entry["story_id"], entry["region"]

    def fail(message: str) -> JobResult:
        return JobResult(story_id, region_id, False, error=message)

    response = line.get("response")
    if line.get("error") or not isinstance(response, dict):
        err = line.get("error") or {}
        message = err.get("message") if isinstance(err, dict) else str(err)
        return fail(f"batch request failed: {message or 'no response'}")
    status, body = response.get("status_code"), response.get("body")
    if status != 200 or not isinstance(body, dict):
        message = body.get("error", {}).get("message") if isinstance(body, dict) else None
        return fail(f"batch request failed: HTTP {status}{': ' + message if message else ''}")
    choices = body.get("choices") or []
    if not choices:
        return fail("batch response has no choices")
    choice = choices[0]
    content = (choice.get("message") or {}).get("content") or ""
    if choice.get("finish_reason") == "length":
        return fail("the answer was cut off at the length limit; rerun without --submit")
    s = manifest["stories"][story_id]
    story = Story.from_dict(s)
    profile = RegionProfile.model_validate(manifest["regions"][region_id])
    tmpl = manifest["template"]
    try:
        section, report = review_answer(
            content, story, profile, min_words=tmpl["min_words"], max_words=tmpl["max_words"]
        )
    except ValueError as exc:
        return fail(f"unusable answer: {exc}")
    usage = body.get("usage") or {}
    details = usage.get("prompt_tokens_details") or {}
    spent = Usage(
        int(usage.get("prompt_tokens") or 0),
        int(usage.get("completion_tokens") or 0),
        int(details.get("cached_tokens") or 0),
    )
    model = str(body.get("model") or manifest["model"])
    cost = estimate_cost(model, spent.prompt_tokens, spent.completion_tokens, spent.cached_tokens)
    cost = cost * BATCH_DISCOUNT if cost is not None else None
    endpoint = str(manifest["endpoint"])
    prov = Provenance(
        model=model,
        endpoint_host=urlsplit(endpoint).netloc,
        template_name=tmpl["name"],
        template_version=tmpl["version"],
        template_sha256=tmpl["sha256"],
        structured_mode=manifest["structured_mode"],
        prompt_tokens=spent.prompt_tokens,
        completion_tokens=spent.completion_tokens,
        cached_tokens=spent.cached_tokens,
        attempts=1,
        latency_s=0.0,
        trimmed_paragraphs=tuple(entry["trimmed_paragraphs"]),
        prompt_tokens_estimate=entry["prompt_tokens_estimate"],
        estimate_approximate=entry["estimate_approximate"],
        estimated_cost_usd=cost,
        story_id=story_id,
        story_sha256=story.sha256,
        region=region_id,
    ).to_dict()
    prov["batch_id"] = manifest.get("batch_id")
    prov["batch_request_id"] = response.get("request_id")
    return JobResult(
        story_id,
        region_id,
        True,
        section={"heading": section.heading, "body": section.body},
        checks=report.to_dict(),
        provenance=prov,
        spent=spent,
        spent_cost_usd=cost,
    )


def collect_batch(
    output_lines: Iterable[str], manifest: dict[str, Any], skip: Collection[tuple[str, str]] = ()
) -> tuple[list[JobResult], list[str]]:
    """Turn Batch API (or vLLM ``run_batch``) output lines into results, checked as usual.

    Returns the results (not those in ``skip``) and the custom ids of requests the output does
    not answer (an expired or cancelled batch): rerun ``localize batch`` to do those.
    """
    by_id = {e["custom_id"]: e for e in manifest["jobs"]}
    skipped = set(skip)
    seen: set[str] = set()
    results: list[JobResult] = []
    for n, raw in enumerate(output_lines, start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(f"batch output line {n}: invalid JSON: {exc.msg}") from None
        cid = line.get("custom_id") if isinstance(line, dict) else None
        if not isinstance(cid, str) or cid not in by_id:
            raise InputError(
                f"batch output line {n}: custom_id {cid!r} is not in the manifest "
                "(is this the output of another batch?)"
            )
        if cid in seen:
            continue
        seen.add(cid)
        entry = by_id[cid]
        if (entry["story_id"], entry["region"]) in skipped:
            continue
        results.append(_collected_result(entry, manifest, line))
    missing = [cid for cid in by_id if cid not in seen]
    return results, missing
