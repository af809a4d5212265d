"""`localize()` and `alocalize()`: story -> budget -> prompt -> LLM -> section -> checks.

The attempt loop is written once, as a generator that yields the messages to send and receives the
model's completion, so the sync and async entry points differ only in how they make the call, and
a Batch API answer goes through the same loop as one attempt. One builder (`build_result`) makes
every result and its provenance.
"""

from __future__ import annotations

import contextlib
import json
import time
import warnings
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from localize._disclosure import disclosure_for
from localize._redact import redact_host
from localize._types import ChatMessage, StructuredMode
from localize.answer import parse_section, salvage
from localize.audit import AuditLog, resolve_audit
from localize.backends import (
    CacheOption,
    Completion,
    LLMClient,
    RequestGate,
    ResponseCache,
    Spend,
    Usage,
    as_cache,
)
from localize.backends._local import (
    LOCAL_CONTEXT_WINDOW,
    LOCAL_MODEL,
    LocalServer,
    local_model_generation,
)
from localize.budget import (
    FittedPrompt,
    TokenCount,
    context_window,
    count_text,
    fit_story,
    price,
)
from localize.config import DEFAULT_MODEL, Settings
from localize.errors import ChecksFailedError, ConfigError, DemoModelWarning, GenerationError
from localize.events import AttemptStarted, emit
from localize.grounding import CheckFunction, CheckReport, RegisteredCheck
from localize.grounding._policy import CheckPolicy
from localize.grounding._verifier import read_verification
from localize.prompting import AnswerFormat, PromptTemplate, RequestOrigin, load_template
from localize.prompting._verification import (
    VERDICT_SCHEMA,
    verification_messages,
    verification_params,
)
from localize.regions import RegionLike, RegionProfile, Selection, get_region, select_entries
from localize.result import LocalizeResult, Provenance
from localize.section import LocalizedSection, SectionOutput
from localize.story import Story, StoryLike, as_story

__all__ = [
    "PreparedPrompt",
    "agenerate",
    "alocalize",
    "answer_format",
    "build_result",
    "connect",
    "generate",
    "localize",
    "prepare",
    "review_answer",
    "review_completion",
    "structured_mode",
    "verify_report",
    "with_verify",
]

# The embedded model's output mode: plain text. llama-cpp-python applies the json_object
# grammar to the whole vocabulary before sampling each token, which makes a generated token
# cost about half as much again, and prose ends sooner; the checks and re-asks are the same.
# Chosen by benchmarks/embedded_batch.py (figures in benchmarks/RESULTS.md).
EMBEDDED_STRUCTURED: StructuredMode = "text"
DEMO_MODEL_NOTICE = (
    "no OPENAI_API_KEY or base URL set: using the embedded demo model (SmolLM2-135M-Instruct "
    "on llama.cpp; weak output, for trying localize out; forbid it with LOCALIZE_NO_DEMO_MODEL=1)"
)

# The verifier is off on the embedded demo model: a 135M model's verdicts are no evidence, and a
# run that asked for a second opinion must not get that one.
VERIFY_NEEDS_ENDPOINT = (
    "the model verifier needs a configured endpoint (a base URL or OPENAI_API_KEY); it is off "
    "on the embedded demo model, whose verdicts are no evidence (--no-verify, LOCALIZE_VERIFY=0)"
)


@dataclass(frozen=True)
class PreparedPrompt:
    """The messages for one (story, region) pair, fitted to the window, before any call."""

    story: Story
    region: RegionProfile
    template: PromptTemplate
    fitted: FittedPrompt
    params: dict[str, Any]
    model: str
    window: int
    # How the answer comes back: a JSON object, or the section as plain prose.
    answer: AnswerFormat = "json"
    # How each attempt's findings are weighed (strict: warnings count as errors).
    policy: CheckPolicy = field(default_factory=CheckPolicy)
    # Each checked answer also goes to the endpoint's verifier (`localize.grounding._verifier`).
    verify: bool = False

    @property
    def verifies(self) -> bool:
        """Whether each checked answer is sent to the verifier (asked for, and not turned off
        with ``verified=off``)."""
        return self.verify and self.policy.verifies(self.region)

    @property
    def messages(self) -> list[ChatMessage]:
        return self.fitted.messages

    @property
    def prompt_tokens(self) -> TokenCount:
        return self.fitted.prompt_tokens

    @property
    def selection(self) -> Selection:
        """The story's beats and the profile entries its prompt carries (of the fitted story)."""
        return select_entries(self.fitted.story.text, self.region)

    @cached_property
    def story_sha256(self) -> str:
        """The story's SHA-256, hashed once: the cache key, the origin header and the
        provenance all give it."""
        return self.story.sha256

    @cached_property
    def origin(self) -> RequestOrigin:
        """What the messages were rendered from; sent as a header with every request."""
        return RequestOrigin.of(self.template, self.story, self.region, self.story_sha256)

    def to_dict(self) -> dict[str, Any]:
        """The prompt as ``--dry-run --format json`` prints it: messages with token counts."""
        return {
            "story_id": self.story.id,
            "region": self.region.id,
            "model": self.model,
            "template": {"name": self.template.name, "version": self.template.version},
            "messages": [
                {**m, "tokens": count_text(m["content"], self.model).tokens} for m in self.messages
            ],
            "prompt_tokens": self.prompt_tokens.tokens,
            "encoding": self.prompt_tokens.encoding,
            "approximate": self.prompt_tokens.approximate,
            "window": self.window,
            "reserved_for_output": self.params.get("max_tokens"),
            "trimmed_paragraphs": list(self.fitted.trimmed),
            "region_entries": self.selection.to_dict(),
        }

    @cached_property
    def cache_key(self) -> str:
        """The provider prompt-cache key: one story's requests share a cached prefix."""
        return self.story_sha256[:32]


def _model_for(settings: Settings) -> str:
    return settings.model or (LOCAL_MODEL if settings.use_local_model else DEFAULT_MODEL)


def structured_mode(settings: Settings) -> StructuredMode:
    """The output mode a client made from ``settings`` starts in ("auto" negotiates)."""
    if settings.structured == "auto" and settings.use_local_model:
        return EMBEDDED_STRUCTURED
    return settings.structured


def answer_format(mode: StructuredMode) -> AnswerFormat:
    """Plain prose in text mode; a JSON object otherwise ("auto" included: it may end in text,
    and a JSON answer in text is still parsed)."""
    return "text" if mode == "text" else "json"


def prepare(
    story: StoryLike,
    region: RegionLike,
    *,
    template: PromptTemplate | str | Path | None = None,
    settings: Settings | None = None,
    model: str | None = None,
    structured: StructuredMode | None = None,
    checks: Iterable[RegisteredCheck | CheckFunction] | None = None,
) -> PreparedPrompt:
    """Parse, resolve and render: everything up to the LLM call. Used by ``--dry-run`` too.

    ``structured`` is the output mode the answer will be asked in (a given client's), by default
    the one a client made from ``settings`` starts in: in ``text`` the prompt asks for prose.
    ``checks`` are the run's own checks (callables taking a `CheckContext`, see
    `localize.grounding._plugins`), run after the registered ones on every attempt.

    ``story`` and ``region`` take every form `localize` takes. Generation parameters are the
    template's ``defaults``; its ``max_tokens`` is reserved for the answer when fitting.
    """
    settings = settings or Settings.resolve()
    the_story = as_story(story)
    profile = get_region(region, profiles=settings.profiles)
    tmpl = load_template(template or settings.template, settings.templates)
    model = model or _model_for(settings)
    answer = answer_format(structured or structured_mode(settings))
    params = dict(tmpl.defaults)
    if model == LOCAL_MODEL:
        params = local_model_generation(params, answer)
    # The embedded server's window is the n_ctx it is started with, not the model's own.
    window = settings.context_window or (
        LOCAL_CONTEXT_WINDOW if model == LOCAL_MODEL else context_window(model)
    )
    fitted = fit_story(
        the_story,
        lambda s: tmpl.render(story=s, region=profile, answer=answer),
        model=model,
        window=window,
        # A template that sets no max_tokens leaves the answer's length to the endpoint.
        reserve=int(params.get("max_tokens", 0)),
    )
    # A name the profile or the run gives no check is an error now, before any request.
    policy = CheckPolicy.of(strict=settings.strict, severities=settings.checks, checks=checks)
    policy.validate(profile)
    return PreparedPrompt(
        the_story, profile, tmpl, fitted, params, model, window, answer, policy, settings.verify
    )


def review_answer(content: str, prep: PreparedPrompt) -> tuple[LocalizedSection, CheckReport]:
    """A model answer as the region's section, with its check report; ValueError if unusable."""
    heading = prep.region.section_heading
    out = parse_section(content, prep.answer, heading)
    # Inline markers and structured sources are citations, with spans into the body as it is.
    section = LocalizedSection(heading=heading, body=out.body, citations=out.citations)
    # The story and profile are resolved already, and the template gives its bounds: the checks
    # neither resolve them again nor load a template. The policy says which checks run and how
    # severe their findings are (profile, run, strict).
    bounds = prep.template
    report = prep.policy.check(
        section,
        prep.story,
        prep.region,
        min_words=bounds.min_words,
        max_words=bounds.max_words,
    )
    return section, report


def _severity(report: CheckReport) -> tuple[int, int]:
    """How bad a checked answer is: fewer errors first, then fewer warnings (smaller is better)."""
    return len(report.errors), len(report.warnings)


def _better(report: CheckReport, best: CheckReport | None) -> bool:
    """Whether an answer with ``report`` replaces the best one so far. The earlier answer wins a
    tie, as later ones from a weak model tend to echo the re-ask instead of improving."""
    return best is None or _severity(report) < _severity(best)


@dataclass(frozen=True)
class _Outcome:
    section: LocalizedSection
    report: CheckReport
    usage: Usage
    spend: Spend
    attempts: int
    mode: str
    model: str
    system_fingerprint: str | None = None


@dataclass(frozen=True)
class _Request:
    """What one attempt (or its verification) sends: the messages, the generation parameters
    and the answer's schema (None: the section's)."""

    messages: list[ChatMessage]
    params: dict[str, Any]
    schema: dict[str, Any] | None = None

    @property
    def answer_schema(self) -> dict[str, Any]:
        return SectionOutput.json_schema() if self.schema is None else self.schema

    @cached_property
    def fingerprint(self) -> str:
        # Kept: a request is looked up and then added; the messages are the whole prompt.
        return json.dumps([self.messages, self.params], sort_keys=True, ensure_ascii=False)


# Re-asks sent with the same problem again are sampled instead of decoded greedily: at
# temperature 0 a model answers the same problem the same way. Moderate, as a 135M model's text
# falls apart quickly above it.
_REASK_TEMPERATURE = 0.5
# The most sentences a re-ask after a cut-off answer asks for, one fewer each further time.
_CUT_OFF_SENTENCES = 4


def _cut_off_problem(times: int) -> str:
    """The re-ask for the ``times``-th cut-off answer: each time a shorter section is asked."""
    problem = "- Your answer was cut off at the length limit. Write a shorter section."
    if times > 1:
        most = max(1, _CUT_OFF_SENTENCES + 2 - times)
        problem += f" Write at most {most} sentence{'s' if most > 1 else ''}."
    return problem


def _varied(params: dict[str, Any], step: int) -> dict[str, Any]:
    """Parameters sampled differently from every earlier request (``step`` counts them)."""
    out = dict(params)
    out["seed"] = int(params.get("seed", 0)) + step
    out["temperature"] = max(float(params.get("temperature", 0) or 0), _REASK_TEMPERATURE)
    return out


def _reask(prep: PreparedPrompt, problems: str, answer: str | None = None) -> list[ChatMessage]:
    """The first messages, the answer sent back (if any) and what was wrong with it."""
    sent_back: list[ChatMessage] = (
        [] if answer is None else [{"role": "assistant", "content": answer}]
    )
    reask: ChatMessage = {
        "role": "user",
        "content": prep.template.render_reask(problems, answer=prep.answer),
    }
    return [*prep.messages, *sent_back, reask]


class _Reasks:
    """Builds each re-ask so that none repeats a request sent before in the run.

    A request sent again would be answered identically: by the response cache, or by the model
    itself at temperature 0 with a fixed seed. So a cut-off answer is asked again for fewer
    sentences each time; when the same problem comes back, the re-ask is sampled with another
    seed and a temperature above 0; and whatever the reason, a request whose messages and
    parameters were already sent gets another seed until it is new.
    """

    def __init__(self, prep: PreparedPrompt) -> None:
        self.prep = prep
        self.sent: set[str] = set()
        self.problems: set[tuple[str, bool]] = set()
        self.cut_offs = 0
        self.steps = 0

    def first(self) -> _Request:
        return self._new(_Request(self.prep.messages, self.prep.params))

    def next(self, problems: str, answer: str | None, *, cut_off: bool = False) -> _Request:
        """The re-ask for ``problems`` (and a ``cut_off`` answer), sending ``answer`` back."""
        repeated = (problems, cut_off) in self.problems
        self.problems.add((problems, cut_off))
        if cut_off:
            self.cut_offs += 1
            problems = "\n".join(p for p in (problems, _cut_off_problem(self.cut_offs)) if p)
        request = _Request(_reask(self.prep, problems, answer), self.prep.params)
        if repeated:
            self.steps += 1
            request = _Request(request.messages, _varied(self.prep.params, self.steps))
        return self._new(request)

    def _new(self, request: _Request) -> _Request:
        while request.fingerprint in self.sent:
            self.steps += 1
            request = _Request(request.messages, _varied(self.prep.params, self.steps))
        self.sent.add(request.fingerprint)
        return request


def _attempts(prep: PreparedPrompt, max_attempts: int) -> Generator[_Request, Completion, _Outcome]:
    """Yield requests to send, receive completions; re-ask with what was wrong each time.

    With ``prep.verifies``, each checked answer's sentences then go to the endpoint's verifier
    (one more request; its findings are weighed, and fed back, like the checks').
    Only the latest answer goes back with the re-ask, which keeps the prompt inside the window.
    An answer cut off at the length limit is salvaged: its complete sentences are checked as
    any answer is, and only they are sent back. When all attempts fail, the answer with the
    fewest errors is returned with its findings. Usage and spend (answers not served from the
    response cache) are counted here, for every attempt, and travel with a `GenerationError` too.
    """
    usage, spend = Usage(), Spend()
    best: tuple[LocalizedSection, CheckReport] | None = None
    last_problem = ""
    reasks = _Reasks(prep)
    request = reasks.first()
    completion: Completion | None = None
    attempt = 0
    while attempt < max_attempts:
        attempt += 1
        emit(AttemptStarted(attempt, max_attempts, prep.story.id, prep.region.id))
        completion = yield request
        usage, spend = usage + completion.usage, spend.count(completion)
        content = completion.content
        cut_off = completion.finish_reason == "length"
        if cut_off:
            last_problem = "The answer was cut off at the length limit."
            # Continuing truncated text invites more of the same: only whole sentences are
            # kept, from prose or from the sentence objects a cut-off JSON answer completed.
            content = salvage(completion.content, prep.answer)
            if not content:
                request = reasks.next("", None, cut_off=True)
                continue
        try:
            section, report = review_answer(content, prep)
        except ValueError as exc:
            last_problem, problems = str(exc), f"- {exc}."
        else:
            if prep.verifies and report.sentences:
                # After the checks, never instead: one request for the whole section.
                answer = yield _verification(report, prep.region)
                usage, spend = usage + answer.usage, spend.count(answer)
                verdicts = read_verification(answer, report.sentences)
                report = prep.policy.verified(report, verdicts, prep.region)
            if _better(report, best[1] if best else None):
                best = (section, report)
            if report.ok:
                break
            problems = report.feedback()
        request = reasks.next(problems, content, cut_off=cut_off)
    assert completion is not None
    if best is None:
        raise GenerationError(
            f"no usable section after {attempt} attempt(s): {last_problem}",
            attempts=attempt,
            usage=usage,
            spend=spend,
        )
    return _Outcome(
        best[0],
        best[1],
        usage,
        spend,
        attempt,
        completion.mode,
        completion.model,
        completion.system_fingerprint,
    )


def _verification(report: CheckReport, profile: RegionProfile) -> _Request:
    """The verifier's request for a checked section: its sentences and their linked story
    sentences, from the report."""
    links = report.sentences
    return _Request(
        verification_messages(links, profile), verification_params(links), VERDICT_SCHEMA
    )


def _priced(report: CheckReport, endpoint: str, scale: float = 1.0) -> CheckReport:
    """The report with its verification's estimated cost (None without a list price)."""
    v = report.verification
    if v is None:
        return report
    cost = price(v.model, Usage(v.prompt_tokens, v.completion_tokens), endpoint, scale=scale)
    return replace(report, verification=replace(v, estimated_cost_usd=cost))


def verify_report(
    report: CheckReport, profile: RegionProfile, policy: CheckPolicy, client: LLMClient
) -> CheckReport:
    """A report made elsewhere (`localize.check`) verified on ``client``: one request, unless
    the section has no sentence or the policy turns ``verified`` off."""
    if not report.sentences or not policy.verifies(profile):
        return report
    request = _verification(report, profile)
    answer = client.complete(request.messages, params=request.params, schema=request.answer_schema)
    verified = policy.verified(report, read_verification(answer, report.sentences), profile)
    return _priced(verified, client.endpoint)


def build_result(
    prep: PreparedPrompt,
    out: _Outcome,
    *,
    endpoint: str,
    latency_s: float,
    price_scale: float = 1.0,
    batch_id: str | None = None,
    audit: AuditLog | None = None,
) -> LocalizeResult:
    """The result and its provenance: the one place both are made (pipeline and Batch API).

    With ``audit``, the result is recorded there (`localize.audit`) as it is made.
    """
    prov = Provenance(
        model=out.model,
        endpoint_host=redact_host(endpoint),
        template_name=prep.template.name,
        template_version=prep.template.version,
        template_sha256=prep.template.sha256,
        structured_mode=out.mode,
        prompt_tokens=out.usage.prompt_tokens,
        completion_tokens=out.usage.completion_tokens,
        cached_tokens=out.usage.cached_tokens,
        attempts=out.attempts,
        latency_s=round(latency_s, 3),
        trimmed_paragraphs=prep.fitted.trimmed,
        prompt_tokens_estimate=prep.prompt_tokens.tokens,
        estimate_approximate=prep.prompt_tokens.approximate,
        estimated_cost_usd=price(out.model, out.usage, endpoint, scale=price_scale),
        story_id=prep.story.id,
        story_sha256=prep.story_sha256,
        region=prep.region.id,
        profile_version=prep.region.version,
        profile_source=prep.region.source,
        language=prep.region.language,
        system_fingerprint=out.system_fingerprint,
        disclosure=disclosure_for(prep.region),
        response_cache_hits=out.spend.cache_hits,
        batch_id=batch_id,
        requests=out.spend.requests,
        region_entries=prep.selection.to_dict(),
    )
    report = _priced(out.report, endpoint, price_scale)
    result = LocalizeResult(out.section, prov, report, prep.story, prep.region, out.spend)
    if audit is not None:
        audit.add_or_warn(result.to_dict(), story_source=prep.story.path)
    return result


def review_completion(
    prep: PreparedPrompt,
    completion: Completion,
    *,
    endpoint: str,
    price_scale: float = 1.0,
    batch_id: str | None = None,
    audit: AuditLog | None = None,
) -> LocalizeResult:
    """One answer obtained elsewhere (a Batch API output line) through the attempt loop, as a
    single attempt: checked, and built like every other result. Raises `GenerationError`."""
    steps = _attempts(prep, 1)
    next(steps)
    try:
        steps.send(completion)
    except StopIteration as stop:
        return build_result(
            prep,
            stop.value,
            endpoint=endpoint,
            latency_s=0.0,
            price_scale=price_scale,
            batch_id=batch_id,
            audit=audit,
        )
    raise AssertionError("unreachable: one attempt either returns or raises")


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
        # The embedded server gets its measured mode (llama.cpp rejects json_schema anyway).
        structured=structured_mode(settings) if local else settings.structured,
        cache=cache,
        gate=gate,
        cache_namespace=f"embedded:{model}" if local else None,
    )


@contextmanager
def connect(
    settings: Settings | None = None,
    *,
    cache: CacheOption = True,
    gate: RequestGate | None = None,
) -> Iterator[LLMClient]:
    """A client for the configured endpoint, starting the embedded model when none is set.

    The embedded demo model is announced with a `DemoModelWarning`, or refused with a
    `ConfigError` when ``settings.allow_demo_model`` is False (``LOCALIZE_NO_DEMO_MODEL=1``).
    With a base URL and no model named, the endpoint's only model is used when it lists one,
    so provenance records the model that really answered.
    """
    settings = settings or Settings.resolve()
    model = _model_for(settings)
    with contextlib.ExitStack() as stack:
        server: LocalServer | None = None
        if settings.use_local_model:
            if not settings.allow_demo_model:
                raise ConfigError(
                    "no OPENAI_API_KEY or base URL is set, and the embedded demo model is not "
                    "allowed here; set OPENAI_API_KEY or a base URL",
                    option="LOCALIZE_NO_DEMO_MODEL",
                )
            if settings.verify:
                raise ConfigError(VERIFY_NEEDS_ENDPOINT, option="verify")
            warnings.warn(DEMO_MODEL_NOTICE, DemoModelWarning, stacklevel=3)
            server = stack.enter_context(LocalServer())
        local_url = server.base_url if server is not None else None
        client = _client_for(settings, model, local_url=local_url, cache=as_cache(cache), gate=gate)
        if server is not None:
            client.diagnose = server.failure
        stack.callback(client.close)
        if settings.model is None and settings.base_url and not local_url:
            client.model = client.discover_model()  # as LLMClient() without a model does
        yield client


def _finished(
    prep: PreparedPrompt, client: LLMClient, out: _Outcome, started: float, audit: AuditLog | None
) -> LocalizeResult:
    return build_result(
        prep, out, endpoint=client.endpoint, latency_s=time.perf_counter() - started, audit=audit
    )


def _attempts_setting(max_attempts: int | None) -> int:
    """``max_attempts`` checked, or when None the resolved setting (``LOCALIZE_MAX_ATTEMPTS``,
    the config file, else the default): resolving reads the environment and the config file,
    so it is done only when no number is given."""
    if max_attempts is None:
        return Settings.resolve().max_attempts
    return Settings().check_attempts(max_attempts)


def generate(
    prep: PreparedPrompt,
    client: LLMClient,
    max_attempts: int | None = None,
    *,
    audit: AuditLog | bool = True,
) -> LocalizeResult:
    """Run the attempt loop for a prepared prompt: generate, check, re-ask.

    ``max_attempts``: 1 or more; None takes the setting (``LOCALIZE_MAX_ATTEMPTS`` or the
    config file's ``max_attempts``, default 3).

    ``audit``: True records the section in the audit log the environment and config file name
    (`localize.audit`; unless they turn it off), False records nothing, an `AuditLog` records
    there.
    """
    attempts = _attempts_setting(max_attempts)
    log = resolve_audit(audit)
    started = time.perf_counter()
    steps = _attempts(prep, attempts)
    request = next(steps)
    headers = prep.origin.headers()  # the same for every attempt
    try:
        while True:
            completion = client.complete(
                request.messages,
                params=request.params,
                schema=request.answer_schema,
                prompt_cache_key=prep.cache_key,
                headers=headers,
            )
            request = steps.send(completion)
    except StopIteration as stop:
        return _finished(prep, client, stop.value, started, log)


async def agenerate(
    prep: PreparedPrompt,
    client: LLMClient,
    max_attempts: int | None = None,
    *,
    audit: AuditLog | bool = True,
) -> LocalizeResult:
    """Async `generate`."""
    attempts = _attempts_setting(max_attempts)
    log = resolve_audit(audit)
    started = time.perf_counter()
    steps = _attempts(prep, attempts)
    request = next(steps)
    headers = prep.origin.headers()  # the same for every attempt
    try:
        while True:
            completion = await client.acomplete(
                request.messages,
                params=request.params,
                schema=request.answer_schema,
                prompt_cache_key=prep.cache_key,
                # The first attempt's prompt was counted when it was fitted to the window.
                prompt_tokens=(
                    prep.prompt_tokens.tokens if request.messages is prep.messages else None
                ),
                headers=headers,
            )
            request = steps.send(completion)
    except StopIteration as stop:
        return _finished(prep, client, stop.value, started, log)


def _start(
    story: StoryLike,
    region: RegionLike,
    template: PromptTemplate | str | Path | None,
    client: LLMClient | None,
    settings: Settings,
    max_attempts: int | None,
    audit: AuditLog | bool,
    checks: Iterable[RegisteredCheck | CheckFunction] | None,
) -> tuple[PreparedPrompt, Settings, int, AuditLog | bool]:
    """Everything `localize` checks before it connects: bad input fails before any start."""
    attempts = settings.check_attempts(max_attempts)
    model, mode = (client.model, client.structured) if client else (None, None)
    return (
        prepare(
            story,
            region,
            template=template,
            settings=settings,
            model=model,
            structured=mode,
            checks=checks,
        ),
        settings,
        attempts,
        resolve_audit(audit, settings) or False,
    )


def _for_client(prep: PreparedPrompt, client: LLMClient, settings: Settings) -> PreparedPrompt:
    """The prompt again when the endpoint named another model (its window and counts differ)."""
    if client.model == prep.model:
        return prep
    again = prepare(
        prep.story,
        prep.region,
        template=prep.template,
        settings=settings,
        model=client.model,
        structured=client.structured,
    )
    return replace(again, policy=prep.policy)  # the run's own checks come with it


def with_verify(settings: Settings | None, verify: bool | None) -> Settings:
    """The settings with a call's ``verify`` argument over them (None: the setting)."""
    if settings is None:
        return Settings.resolve(verify=verify)
    return settings if verify is None else replace(settings, verify=verify)


def _run_settings(
    settings: Settings | None, strict: bool, profiles: str | Path | None, verify: bool | None
) -> Settings:
    """The settings a call runs with: its ``strict``, ``profiles`` and ``verify`` arguments win."""
    if settings is None:
        return Settings.resolve(profiles=profiles, strict=strict or None, verify=verify)
    settings = with_verify(settings, verify)
    if profiles is not None:
        if not str(profiles).strip():
            raise ConfigError("expected a profile file or folder, got ''", option="profiles")
        settings = replace(settings, profiles=str(profiles))
    return replace(settings, strict=True) if strict else settings


def _strict(result: LocalizeResult, settings: Settings) -> LocalizeResult:
    """With ``strict``, a flagged section is refused: raised, never returned."""
    if settings.strict and not result.ok:
        n = len(result.checks.errors)
        raise ChecksFailedError(
            f"flagged: {n} check error(s) remain after {result.provenance.attempts} attempt(s)",
            findings=n,
            result=result,
        )
    return result


def localize(
    story: StoryLike,
    region: RegionLike,
    *,
    template: PromptTemplate | str | Path | None = None,
    client: LLMClient | None = None,
    settings: Settings | None = None,
    max_attempts: int | None = None,
    cache: CacheOption = True,
    strict: bool = False,
    audit: AuditLog | bool = True,
    profiles: str | Path | None = None,
    checks: Iterable[RegisteredCheck | CheckFunction] | None = None,
    verify: bool | None = None,
) -> LocalizeResult:
    """Write the region's section for a story.

    ``story``: a `Story`, a ``Path`` to a story file, or the story text (a ``str`` that looks
    like a file name is refused: see `as_story`). ``region``: a `RegionProfile`, a region id
    (built-in or on the profile search path, ``LOCALIZE_PROFILES``) or a profile file (see
    `get_region`); ``profiles`` (a profile file or folder) adds regions to look ids up in, as
    ``--profiles`` does. Without ``client``, one is built from ``settings`` (or the
    environment) with ``cache`` (True, the default: the on-disk response cache, as in the CLI;
    False: none; or a cache object), and the embedded model is started and stopped if no
    endpoint is set (see `connect`). ``max_attempts`` must be 1 or more (default: the setting,
    3). ``checks`` are the newsroom's own checks for this call (functions taking a
    `CheckContext` and returning `Finding` objects; see `localize.grounding._plugins`): they run
    after the built-in ones, in the same report and re-ask.

    The result's ``ok`` is True only when no check error remains; otherwise its ``status`` is
    ``"flagged"`` and the section is for review, not publication. ``strict`` (or the setting)
    counts warnings as errors too, and refuses a flagged section: it raises
    `ChecksFailedError`, whose ``result`` is the refused section. ``audit``: as for
    `generate`; True uses the audit log ``settings`` name.

    ``verify`` (None: the setting, ``LOCALIZE_VERIFY`` or the config file's ``verify``, else
    off) asks the endpoint, after the checks, whether each sentence is supported by the story
    sentences linked to it: one more request per section written, its findings under the
    ``verified`` check (a warning unless ``--check verified=error``), its verdicts and cost in
    ``result.checks.verification``, its tokens in the provenance. A `ConfigError` on the
    embedded demo model.
    """
    settings = _run_settings(settings, strict, profiles, verify)
    prep, settings, attempts, log = _start(
        story, region, template, client, settings, max_attempts, audit, checks
    )
    if client is not None:
        return _strict(generate(prep, client, attempts, audit=log), settings)
    with connect(settings, cache=cache) as own:
        prep = _for_client(prep, own, settings)
        return _strict(generate(prep, own, attempts, audit=log), settings)


async def alocalize(
    story: StoryLike,
    region: RegionLike,
    *,
    template: PromptTemplate | str | Path | None = None,
    client: LLMClient | None = None,
    settings: Settings | None = None,
    max_attempts: int | None = None,
    cache: CacheOption = True,
    strict: bool = False,
    audit: AuditLog | bool = True,
    profiles: str | Path | None = None,
    checks: Iterable[RegisteredCheck | CheckFunction] | None = None,
    verify: bool | None = None,
) -> LocalizeResult:
    """Async `localize`; pass a ``client`` to share one connection pool across calls."""
    settings = _run_settings(settings, strict, profiles, verify)
    prep, settings, attempts, log = _start(
        story, region, template, client, settings, max_attempts, audit, checks
    )
    if client is not None:
        return _strict(await agenerate(prep, client, attempts, audit=log), settings)
    with connect(settings, cache=cache) as own:
        try:
            prep = _for_client(prep, own, settings)
            result = await agenerate(prep, own, attempts, audit=log)
        finally:
            await own.aclose()
    return _strict(result, settings)
