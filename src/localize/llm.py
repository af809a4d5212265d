"""The LLM client: the openai SDK over HTTP, with one retry policy and structured output.

The SDK's own retries are off (``max_retries=0``); tenacity retries rate limits (honouring
Retry-After), timeouts, connection errors and 5xx with exponential backoff and jitter. Every other
failure is raised at once as a `BackendError` that keeps the HTTP status and request id.

Structured output is negotiated per endpoint: ``json_schema`` (OpenAI), then ``json_object`` with a
``schema`` (llama.cpp's server constrains decoding with it), then plain text with JSON
instructions. The first mode an endpoint accepts is remembered for the client's lifetime.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Protocol
from urllib.parse import urlsplit

import openai
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from localize._types import STRUCTURED_MODES, ChatMessage, StructuredMode
from localize.budget import count_messages
from localize.errors import (
    BackendError,
    ConfigError,
    EndpointAuthError,
    EndpointUnreachableError,
    LocalizeError,
)
from localize.events import RetryWait, emit
from localize.redact import redact_url

__all__ = ["Completion", "LLMClient", "RequestGate", "ResponseCache", "Spend", "Usage"]

_NEGOTIATION_ORDER: tuple[StructuredMode, ...] = ("json_schema", "json_object", "text")
_SCHEMA_NAME = "localized_section"
_MAX_RETRY_AFTER = 60.0
_OPENAI_HOST = "api.openai.com"
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Usage:
    """Token usage; adds up across attempts."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.cached_tokens + other.cached_tokens,
        )

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class Completion:
    """One model answer and what it cost."""

    content: str
    finish_reason: str | None
    usage: Usage
    model: str
    mode: StructuredMode
    request_id: str | None = None
    from_cache: bool = False


@dataclass(frozen=True, slots=True)
class Spend:
    """What a run paid for: the usage of answers the endpoint produced, and the answers the
    response cache served instead (which cost nothing)."""

    usage: Usage = Usage()
    cache_hits: int = 0

    def count(self, completion: Completion) -> Spend:
        if completion.from_cache:
            return Spend(self.usage, self.cache_hits + 1)
        return Spend(self.usage + completion.usage, self.cache_hits)

    def __add__(self, other: Spend) -> Spend:
        return Spend(self.usage + other.usage, self.cache_hits + other.cache_hits)


class ResponseCache(Protocol):
    """Stores completions by the hash of the exact request (see `localize.cache`)."""

    def get(self, key: str) -> Completion | None: ...

    def put(self, key: str, completion: Completion) -> None: ...


class RequestGate(Protocol):
    """Paces requests across a whole run (rate limits); see `localize.batch`."""

    async def acquire(self, tokens: int) -> None:
        """Wait until a request of about ``tokens`` tokens may be sent."""

    def penalize(self, seconds: float) -> None:
        """A 429 arrived: hold every request back for ``seconds``."""


def request_key(kwargs: dict[str, Any], endpoint: str) -> str:
    """A stable hash of everything that determines the answer: endpoint, model, messages, params."""
    blob = json.dumps({"endpoint": endpoint, **kwargs}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _is_format_rejection(exc: BaseException) -> bool:
    """True when the endpoint refused the response_format rather than failing."""
    if not isinstance(exc, openai.APIStatusError) or exc.status_code not in (400, 422, 500, 501):
        return False
    text = f"{exc.message} {exc.body}".lower()
    return any(k in text for k in ("response_format", "json_schema", "json_object", "schema"))


def _is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.APIStatusError):
        if _is_format_rejection(exc):
            return False
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    return False


def retry_after_seconds(exc: BaseException | None) -> float | None:
    """The server's Retry-After (or retry-after-ms) hint, when the error carries one."""
    if not isinstance(exc, openai.APIStatusError):
        return None
    headers = exc.response.headers
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / scale
        except ValueError:
            continue
        if math.isfinite(seconds) and seconds >= 0:
            return min(seconds, _MAX_RETRY_AFTER)
    return None


class _Wait:
    """Retry-After when the server gives one, else exponential backoff with jitter.

    A 429 is also reported to the run's gate, so every request slows down, not just this one.
    Each wait is logged and reported as a `RetryWait` event (the CLI's spinner shows it).
    """

    def __init__(self, initial: float, gate: RequestGate | None, attempts: int) -> None:
        self._backoff = wait_exponential_jitter(multiplier=initial, max=20.0)
        self._gate = gate
        self._attempts = attempts

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hinted = retry_after_seconds(exc)
        seconds = hinted if hinted is not None else self._backoff(state)
        limited = isinstance(exc, openai.RateLimitError)
        if self._gate is not None and limited:
            self._gate.penalize(seconds)
        # tenacity asks for the wait before it checks the stop: the last failure waits for nothing.
        if state.attempt_number < self._attempts:
            reason = _failure(exc)
            _log.info("retry %d in %.1f s after %s", state.attempt_number, seconds, reason)
            emit(RetryWait(state.attempt_number, seconds, reason, limited))
        return seconds


def _failure(exc: BaseException | None) -> str:
    """A short name for a failed request: HTTP status or the kind of connection failure."""
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}"
    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, openai.APIConnectionError):
        return "connection error"
    return type(exc).__name__ if exc is not None else "unknown error"


@contextmanager
def _timed(endpoint: str, kwargs: dict[str, Any]) -> Iterator[None]:
    """Log one request's outcome and duration (``-v``); the URL is logged without credentials."""
    started = time.perf_counter()
    mode = (kwargs.get("response_format") or {}).get("type", "text")
    where = f"POST {redact_url(endpoint)}/chat/completions model={kwargs.get('model')} mode={mode}"
    try:
        yield
    except Exception as exc:
        _log.info("%s: %s after %.2f s", where, _failure(exc), time.perf_counter() - started)
        raise
    _log.info("%s: 200 in %.2f s", where, time.perf_counter() - started)


def _estimated_tokens(
    messages: Sequence[ChatMessage], params: dict[str, Any], model: str, counted: int | None
) -> int:
    """Prompt plus the most the answer may use: what a tokens-per-minute limit counts."""
    prompt = counted if counted is not None else count_messages(messages, model).tokens
    return prompt + int(params.get("max_tokens", 0))


def backend_error(exc: Exception, base_url: str, model: str) -> BackendError:
    """Turn an SDK exception into localize's error, keeping status and request id."""
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return EndpointAuthError(
            f"{base_url} refused the API key (check OPENAI_API_KEY)",
            base_url=base_url,
            status_code=exc.status_code,
            request_id=exc.request_id,
        )
    if isinstance(exc, openai.NotFoundError):
        return BackendError(
            f"{base_url} has no model '{model}' or no chat completions route",
            base_url=base_url,
            status_code=exc.status_code,
            request_id=exc.request_id,
        )
    if isinstance(exc, openai.APITimeoutError):
        return EndpointUnreachableError(f"{base_url} timed out", base_url=base_url)
    if isinstance(exc, openai.APIConnectionError):
        return EndpointUnreachableError(f"cannot connect to {base_url}", base_url=base_url)
    if isinstance(exc, openai.APIStatusError):
        return BackendError(
            f"{base_url} failed: {exc.message}",
            base_url=base_url,
            status_code=exc.status_code,
            request_id=exc.request_id,
        )
    return BackendError(f"{base_url} failed: {exc}", base_url=base_url)


def _validate(client: LLMClient) -> None:
    if not isinstance(client.model, str) or not client.model.strip():
        raise ConfigError("must be a model name", option="model")
    if client.structured not in STRUCTURED_MODES:
        raise ConfigError(f"must be one of {', '.join(STRUCTURED_MODES)}", option="structured")
    for name in ("timeout", "retry_initial_wait"):
        value = getattr(client, name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise ConfigError(
                f"must be a number of seconds more than 0, got {value!r}", option=name
            )
    if isinstance(client.max_retries, bool) or not isinstance(client.max_retries, int):
        raise ConfigError(
            f"must be a whole number, got {client.max_retries!r}", option="max_retries"
        )
    if client.max_retries < 0:
        raise ConfigError(f"must be 0 or more, got {client.max_retries}", option="max_retries")


@dataclass
class LLMClient:
    """An OpenAI-compatible chat endpoint: sync and async calls share one policy.

    Like ``openai.OpenAI()``, ``api_key`` and ``base_url`` default to ``OPENAI_API_KEY`` and
    ``OPENAI_BASE_URL``; explicit arguments win. Bad values raise `ConfigError` at once. Use it
    as a context manager (``with`` or ``async with``) to close its connections.
    """

    model: str
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 120.0
    max_retries: int = 3
    structured: StructuredMode = "auto"
    retry_initial_wait: float = 0.5
    cache: ResponseCache | None = None
    gate: RequestGate | None = None
    # What the response cache calls this endpoint; the base URL unless set (the embedded server
    # gets a new port each run, yet answers the same).
    cache_namespace: str | None = None
    # Asked when a request fails: a local server that died or hung says so here, and is not
    # retried, instead of surfacing as "cannot connect" after every retry.
    diagnose: Callable[[BaseException], LocalizeError | None] | None = field(
        default=None, repr=False
    )
    _mode: StructuredMode | None = field(default=None, init=False, repr=False)
    _sync: openai.OpenAI | None = field(default=None, init=False, repr=False)
    _async: openai.AsyncOpenAI | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.base_url is None:
            self.base_url = os.environ.get("OPENAI_BASE_URL") or None
        if self.api_key is None:
            self.api_key = os.environ.get("OPENAI_API_KEY", "")
        _validate(self)
        if self.structured != "auto":
            self._mode = self.structured

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> LLMClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
        self.close()

    @property
    def endpoint(self) -> str:
        """The base URL requests go to."""
        return self.base_url or f"https://{_OPENAI_HOST}/v1"

    @property
    def host(self) -> str:
        """Host and port of the endpoint, never the user:password a URL may carry."""
        return urlsplit(redact_url(self.endpoint)).netloc

    @property
    def is_openai(self) -> bool:
        return self.host == _OPENAI_HOST

    def _client_kwargs(self) -> dict[str, Any]:
        # A self-hosted server needs no key, but the SDK insists on one.
        return {
            "api_key": self.api_key or "unused",
            "base_url": self.endpoint,
            "timeout": self.timeout,
            "max_retries": 0,
        }

    def request_body(
        self,
        messages: Sequence[ChatMessage],
        params: dict[str, Any],
        schema: dict[str, Any],
        mode: StructuredMode,
        prompt_cache_key: str | None,
    ) -> dict[str, Any]:
        """The exact chat-completions body this client sends (also written to Batch API files)."""
        kwargs: dict[str, Any] = {"model": self.model, "messages": list(messages)}
        for key, value in params.items():
            if key == "max_tokens" and self.is_openai:
                kwargs["max_completion_tokens"] = value  # OpenAI deprecated max_tokens
            else:
                kwargs[key] = value
        if mode == "json_schema":
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": _SCHEMA_NAME, "strict": True, "schema": schema},
            }
        elif mode == "json_object":
            # "schema" is llama.cpp's extension; OpenAI ignores it and only enforces JSON.
            kwargs["response_format"] = {"type": "json_object", "schema": schema}
        if prompt_cache_key and self.is_openai:
            kwargs["prompt_cache_key"] = prompt_cache_key
        return kwargs

    def _modes(self) -> tuple[StructuredMode, ...]:
        if self._mode is not None:
            return (self._mode,)
        return _NEGOTIATION_ORDER

    def _retrying_kwargs(self) -> dict[str, Any]:
        return {
            "retry": retry_if_exception(self._should_retry),
            "stop": stop_after_attempt(self.max_retries + 1),
            "wait": _Wait(self.retry_initial_wait, self.gate, self.max_retries + 1),
            "reraise": True,
        }

    def _diagnosed(self, exc: BaseException) -> LocalizeError | None:
        return self.diagnose(exc) if self.diagnose is not None else None

    def _should_retry(self, exc: BaseException) -> bool:
        return _is_retryable(exc) and self._diagnosed(exc) is None

    def _fall_back_or_raise(self, exc: openai.OpenAIError, *, last: bool) -> None:
        """Return to try the next output mode; raise if that is not the problem or none is left."""
        diagnosis = self._diagnosed(exc)
        if diagnosis is not None:
            raise diagnosis from exc
        if _is_format_rejection(exc) and not last:
            return
        # Error messages are shown and logged: the URL goes without its credentials.
        raise backend_error(exc, redact_url(self.endpoint), self.model) from exc

    def _accept(self, response: Any, mode: StructuredMode) -> Completion:
        self._mode = mode  # remembered: later requests skip the negotiation
        choice = response.choices[0] if response.choices else None
        usage = response.usage
        details = getattr(usage, "prompt_tokens_details", None) if usage else None
        return Completion(
            content=(choice.message.content or "") if choice else "",
            finish_reason=choice.finish_reason if choice else None,
            usage=Usage(
                usage.prompt_tokens if usage else 0,
                usage.completion_tokens if usage else 0,
                (getattr(details, "cached_tokens", None) or 0) if details else 0,
            ),
            model=response.model or self.model,
            mode=mode,
            request_id=getattr(response, "_request_id", None),
        )

    def _cached(self, kwargs: dict[str, Any]) -> tuple[str | None, Completion | None]:
        if self.cache is None:
            return None, None
        key = request_key(kwargs, self.cache_namespace or self.endpoint)
        hit = self.cache.get(key)
        return key, (replace(hit, from_cache=True) if hit is not None else None)

    def _store(self, key: str | None, completion: Completion) -> Completion:
        # Cut-off answers are not worth replaying: a rerun should try again.
        if key is not None and self.cache is not None and completion.finish_reason != "length":
            self.cache.put(key, completion)
        return completion

    def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        params: dict[str, Any],
        schema: dict[str, Any],
        prompt_cache_key: str | None = None,
    ) -> Completion:
        """Send one chat completion request (negotiating the output mode on first use)."""
        if self._sync is None:
            self._sync = openai.OpenAI(**self._client_kwargs())
        sync = self._sync

        def send(kwargs: dict[str, Any]) -> Any:
            with _timed(self.endpoint, kwargs):
                return sync.chat.completions.create(**kwargs)

        modes = self._modes()
        for i, mode in enumerate(modes):
            kwargs = self.request_body(messages, params, schema, mode, prompt_cache_key)
            key, hit = self._cached(kwargs)
            if hit is not None:
                self._mode = mode  # a cached answer proves the mode as well as a fresh one
                return hit
            try:
                response = Retrying(**self._retrying_kwargs())(send, kwargs)
            except openai.OpenAIError as exc:
                self._fall_back_or_raise(exc, last=i + 1 == len(modes))
                continue
            return self._store(key, self._accept(response, mode))
        raise AssertionError("unreachable: the last mode either returns or raises")

    async def acomplete(
        self,
        messages: Sequence[ChatMessage],
        *,
        params: dict[str, Any],
        schema: dict[str, Any],
        prompt_cache_key: str | None = None,
        prompt_tokens: int | None = None,
    ) -> Completion:
        """Async twin of `complete`; waits on the gate, when there is one, before each send.

        ``prompt_tokens``, when the caller has counted the messages already, saves a recount.
        """
        if self._async is None:
            self._async = openai.AsyncOpenAI(**self._client_kwargs())
        client = self._async
        modes = self._modes()
        for i, mode in enumerate(modes):
            kwargs = self.request_body(messages, params, schema, mode, prompt_cache_key)
            key, hit = self._cached(kwargs)
            if hit is not None:
                self._mode = mode  # a cached answer proves the mode as well as a fresh one
                return hit
            tokens = (
                _estimated_tokens(messages, params, self.model, prompt_tokens)
                if self.gate is not None
                else 0
            )

            async def send(kwargs: dict[str, Any], tokens: int) -> Any:
                if self.gate is not None:
                    await self.gate.acquire(tokens)
                with _timed(self.endpoint, kwargs):
                    return await client.chat.completions.create(**kwargs)

            try:
                response: Any = await AsyncRetrying(**self._retrying_kwargs())(send, kwargs, tokens)
            except openai.OpenAIError as exc:
                self._fall_back_or_raise(exc, last=i + 1 == len(modes))
                continue
            return self._store(key, self._accept(response, mode))
        raise AssertionError("unreachable: the last mode either returns or raises")

    def served_models(self) -> list[str]:
        """The model ids the endpoint lists (``GET /models``); empty when it lists none."""
        if self._sync is None:
            self._sync = openai.OpenAI(**self._client_kwargs())
        try:
            return [m.id for m in self._sync.models.list()]
        except openai.OpenAIError as exc:
            raise backend_error(exc, self.endpoint, self.model) from exc

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()
            self._sync = None

    async def aclose(self) -> None:
        if self._async is not None:
            await self._async.close()
            self._async = None
