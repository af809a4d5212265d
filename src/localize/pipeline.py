"""`localize()` and `alocalize()`: story -> budget -> prompt -> LLM -> section -> checks.

The attempt loop is written once, as a generator that yields the messages to send and receives the
model's completion, so the sync and async entry points differ only in how they make the call.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from localize.audit import AuditLog, resolve_audit
from localize.budget import FittedPrompt, TokenCount, context_window, estimate_cost, fit_story
from localize.checks import CheckReport, check
from localize.config import DEFAULT_MODEL, Settings
from localize.errors import GenerationError
from localize.events import AttemptStarted, emit
from localize.llm import Completion, LLMClient, RequestGate, ResponseCache, Usage
from localize.local import LOCAL_MODEL, LocalServer
from localize.prompts import ChatMessage, PromptTemplate, load_template
from localize.regions import RegionProfile, get_region, load_profiles
from localize.section import LocalizedSection, SectionOutput
from localize.story import Story, load_story, parse_story

__all__ = [
    "LocalizeResult",
    "PreparedPrompt",
    "Provenance",
    "agenerate",
    "alocalize",
    "connect",
    "generate",
    "localize",
    "parse_section",
    "prepare",
    "review_answer",
]

_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


@dataclass(frozen=True)
class Provenance:
    """Where a section came from: model, endpoint, prompt, cost and attempts."""

    model: str
    endpoint_host: str
    template_name: str
    template_version: str
    template_sha256: str
    structured_mode: str
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    attempts: int
    latency_s: float
    trimmed_paragraphs: tuple[int, ...]
    prompt_tokens_estimate: int
    estimate_approximate: bool
    estimated_cost_usd: float | None
    story_id: str
    story_sha256: str
    region: str

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["trimmed_paragraphs"] = list(self.trimmed_paragraphs)
        return d


@dataclass(frozen=True)
class LocalizeResult:
    """A localised section, its provenance and its check report."""

    section: LocalizedSection
    provenance: Provenance
    checks: CheckReport
    story: Story
    region: RegionProfile

    def to_dict(self) -> dict[str, Any]:
        return {
            "section": {"heading": self.section.heading, "body": self.section.body},
            "provenance": self.provenance.to_dict(),
            "checks": self.checks.to_dict(),
        }


@dataclass(frozen=True)
class PreparedPrompt:
    """The messages for one (story, region) pair, fitted to the window, before any call."""

    story: Story
    region: RegionProfile
    template: PromptTemplate
    fitted: FittedPrompt
    params: dict[str, Any]
    model: str

    @property
    def messages(self) -> list[ChatMessage]:
        return self.fitted.messages

    @property
    def prompt_tokens(self) -> TokenCount:
        return self.fitted.prompt_tokens


def _as_story(story: Story | str | Path) -> Story:
    if isinstance(story, Story):
        return story
    if isinstance(story, Path):
        return load_story(story)
    return parse_story(story)


def _model_for(settings: Settings) -> str:
    return settings.model or (LOCAL_MODEL if settings.use_local_model else DEFAULT_MODEL)


def prepare(
    story: Story | str | Path,
    region: RegionProfile | str,
    *,
    template: PromptTemplate | str | Path | None = None,
    settings: Settings | None = None,
    model: str | None = None,
) -> PreparedPrompt:
    """Parse, resolve and render: everything up to the LLM call. Used by ``--dry-run`` too."""
    settings = settings or Settings.resolve()
    the_story = _as_story(story)
    extra = load_profiles(settings.profiles) if settings.profiles else None
    profile = get_region(region, extra=extra)
    tmpl = load_template(template or settings.template)
    model = model or _model_for(settings)
    params = {"temperature": 0, "seed": 42, "max_tokens": 450, **tmpl.defaults}
    window = settings.context_window or context_window(model)
    fitted = fit_story(
        the_story,
        lambda s: tmpl.render(story=s, region=profile),
        model=model,
        window=window,
        reserve=int(params["max_tokens"]),
    )
    return PreparedPrompt(the_story, profile, tmpl, fitted, params, model)


def parse_section(content: str) -> SectionOutput:
    """Parse a model answer into `SectionOutput`; ValueError says what is wrong with it."""
    text = content.strip()
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        # Plain-text mode: models often wrap the object in prose or a code fence.
        found = _JSON_OBJECT.search(text)
        if not found:
            raise ValueError("the answer is not a JSON object") from None
        try:
            data = json.loads(found.group(0))
        except json.JSONDecodeError as exc:
            raise ValueError(f"the answer is not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ValueError('the answer must be a JSON object with the key "body"')
    try:
        out = SectionOutput.model_validate(data)
    except ValidationError as exc:
        raise ValueError(
            "; ".join(
                f"'{'.'.join(map(str, e['loc'])) or 'answer'}' {e['msg'].lower()}"
                for e in exc.errors()
            )
        ) from None
    if not out.body.strip():
        raise ValueError('"body" is empty')
    return out


def review_answer(
    content: str, story: Story, region: RegionProfile, *, min_words: int, max_words: int
) -> tuple[LocalizedSection, CheckReport]:
    """A model answer as the region's section, with its check report; ValueError if unusable."""
    section = LocalizedSection(
        heading=region.section_heading, body=parse_section(content).body.strip()
    )
    return section, check(section, story, region, min_words=min_words, max_words=max_words)


def _severity(report: CheckReport) -> tuple[int, int]:
    return len(report.errors), len(report.warnings)


@dataclass
class _Outcome:
    section: LocalizedSection
    report: CheckReport
    usage: Usage
    attempts: int
    mode: str
    model: str


def _attempts(
    prep: PreparedPrompt, max_attempts: int
) -> Generator[list[ChatMessage], Completion, _Outcome]:
    """Yield messages to send, receive completions; re-ask with what was wrong each time.

    Only the latest answer goes back with the re-ask, which keeps the prompt inside the window.
    A cut-off answer is not sent back: continuing truncated text invites more of the same.
    """
    usage = Usage()
    best: tuple[LocalizedSection, CheckReport] | None = None
    last_problem = ""
    messages = prep.messages
    completion: Completion | None = None
    attempt = 0
    while attempt < max_attempts:
        attempt += 1
        emit(AttemptStarted(attempt, max_attempts, prep.story.id, prep.region.id))
        completion = yield messages
        usage = usage + completion.usage
        if completion.finish_reason == "length":
            last_problem = "The answer was cut off at the length limit."
            reask = prep.template.render_reask(
                "- Your answer was cut off at the length limit. Write a shorter section."
            )
            messages = [*prep.messages, {"role": "user", "content": reask}]
            continue
        try:
            section, report = review_answer(
                completion.content,
                prep.story,
                prep.region,
                min_words=prep.template.min_words,
                max_words=prep.template.max_words,
            )
        except ValueError as exc:
            last_problem = str(exc)
            problems = f"- {exc}."
        else:
            # Fewest errors, then fewest warnings; the earlier answer wins a tie, as later
            # ones from a weak model tend to echo the re-ask instead of improving.
            if best is None or _severity(report) < _severity(best[1]):
                best = (section, report)
            if report.ok:
                break
            problems = report.feedback()
        messages = [
            *prep.messages,
            {"role": "assistant", "content": completion.content},
            {"role": "user", "content": prep.template.render_reask(problems)},
        ]
    assert completion is not None
    if best is None:
        raise GenerationError(
            f"no usable section after {max_attempts} attempt(s): {last_problem}",
            attempts=max_attempts,
        )
    return _Outcome(best[0], best[1], usage, attempt, completion.mode, completion.model)


def _result(
    prep: PreparedPrompt,
    client: LLMClient,
    out: _Outcome,
    latency: float,
    audit: AuditLog | None,
) -> LocalizeResult:
    prov = Provenance(
        model=out.model,
        endpoint_host=client.host,
        template_name=prep.template.name,
        template_version=prep.template.version,
        template_sha256=prep.template.sha256,
        structured_mode=out.mode,
        prompt_tokens=out.usage.prompt_tokens,
        completion_tokens=out.usage.completion_tokens,
        cached_tokens=out.usage.cached_tokens,
        attempts=out.attempts,
        latency_s=round(latency, 3),
        trimmed_paragraphs=prep.fitted.trimmed,
        prompt_tokens_estimate=prep.prompt_tokens.tokens,
        estimate_approximate=prep.prompt_tokens.approximate,
        estimated_cost_usd=estimate_cost(
            out.model, out.usage.prompt_tokens, out.usage.completion_tokens, out.usage.cached_tokens
        ),
        story_id=prep.story.id,
        story_sha256=prep.story.sha256,
        region=prep.region.id,
    )
    result = LocalizeResult(out.section, prov, out.report, prep.story, prep.region)
    if audit is not None:
        audit.add_or_warn(result.to_dict(), story_source=prep.story.source)
    return result


def _client_for(
    settings: Settings,
    model: str,
    *,
    local_url: str | None = None,
    cache: ResponseCache | None = None,
    gate: RequestGate | None = None,
) -> LLMClient:
    local = local_url is not None
    return LLMClient(
        model=model,
        base_url=local_url or settings.base_url,
        api_key=settings.api_key or "",
        timeout=settings.timeout,
        max_retries=settings.max_retries,
        # llama.cpp's server is known to reject json_schema: skip the failing first request.
        structured="json_object"
        if local and settings.structured == "auto"
        else settings.structured,
        cache=cache,
        gate=gate,
        cache_namespace=f"embedded:{model}" if local else None,
    )


@contextmanager
def connect(
    settings: Settings | None = None,
    *,
    cache: ResponseCache | None = None,
    gate: RequestGate | None = None,
) -> Iterator[LLMClient]:
    """A client for the configured endpoint, starting the embedded model when none is set."""
    settings = settings or Settings.resolve()
    model = _model_for(settings)
    with contextlib.ExitStack() as stack:
        local_url = None
        if settings.use_local_model:
            local_url = stack.enter_context(LocalServer()).base_url
        client = _client_for(settings, model, local_url=local_url, cache=cache, gate=gate)
        stack.callback(client.close)
        yield client


def generate(
    prep: PreparedPrompt,
    client: LLMClient,
    max_attempts: int = 3,
    *,
    audit: AuditLog | bool = True,
) -> LocalizeResult:
    """Run the attempt loop for a prepared prompt: generate, check, re-ask.

    ``audit``: True records the section in the configured audit log (`localize.audit`), False
    records nothing, an `AuditLog` records there.
    """
    log = resolve_audit(audit)
    started = time.perf_counter()
    steps = _attempts(prep, max_attempts)
    messages = next(steps)
    try:
        while True:
            completion = client.complete(
                messages,
                params=prep.params,
                schema=SectionOutput.json_schema(),
                prompt_cache_key=prep.story.sha256[:32],
            )
            messages = steps.send(completion)
    except StopIteration as stop:
        return _result(prep, client, stop.value, time.perf_counter() - started, log)


async def agenerate(
    prep: PreparedPrompt,
    client: LLMClient,
    max_attempts: int = 3,
    *,
    audit: AuditLog | bool = True,
) -> LocalizeResult:
    """Async `generate`."""
    log = resolve_audit(audit)
    started = time.perf_counter()
    steps = _attempts(prep, max_attempts)
    messages = next(steps)
    try:
        while True:
            completion = await client.acomplete(
                messages,
                params=prep.params,
                schema=SectionOutput.json_schema(),
                prompt_cache_key=prep.story.sha256[:32],
                # The first attempt's prompt was counted when it was fitted to the window.
                prompt_tokens=prep.prompt_tokens.tokens if messages is prep.messages else None,
            )
            messages = steps.send(completion)
    except StopIteration as stop:
        return _result(prep, client, stop.value, time.perf_counter() - started, log)


def localize(
    story: Story | str | Path,
    region: RegionProfile | str,
    *,
    template: PromptTemplate | str | Path | None = None,
    client: LLMClient | None = None,
    settings: Settings | None = None,
    max_attempts: int | None = None,
    audit: AuditLog | bool = True,
) -> LocalizeResult:
    """Write the region's section for a story.

    ``story`` is a `Story`, story text, or a `Path` to a story file; ``region`` a `RegionProfile`,
    a built-in id, or a profile file. Without ``client``, one is built from ``settings`` (or
    the environment), and the embedded model is started and stopped if no endpoint is set.
    ``audit`` as in `generate`; True uses the audit log ``settings`` name.
    """
    settings = settings or Settings.resolve()
    prep = prepare(
        story, region, template=template, settings=settings, model=client.model if client else None
    )
    attempts = max_attempts or settings.max_attempts
    log = resolve_audit(audit, settings) or False
    if client is not None:
        return generate(prep, client, attempts, audit=log)
    with connect(settings) as own:
        return generate(prep, own, attempts, audit=log)


async def alocalize(
    story: Story | str | Path,
    region: RegionProfile | str,
    *,
    template: PromptTemplate | str | Path | None = None,
    client: LLMClient | None = None,
    settings: Settings | None = None,
    max_attempts: int | None = None,
    audit: AuditLog | bool = True,
) -> LocalizeResult:
    """Async `localize`; pass a ``client`` to share one connection pool across calls."""
    settings = settings or Settings.resolve()
    prep = prepare(
        story, region, template=template, settings=settings, model=client.model if client else None
    )
    attempts = max_attempts or settings.max_attempts
    log = resolve_audit(audit, settings) or False
    if client is not None:
        return await agenerate(prep, client, attempts, audit=log)
    with connect(settings) as own:
        try:
            return await agenerate(prep, own, attempts, audit=log)
        finally:
            await own.aclose()
