"""The LLM client: the openai SDK over HTTP, with one retry policy and structured output.

The SDK's own retries are off (``max_retries=0``); tenacity retries rate limits (honouring
Retry-After in seconds, milliseconds or as an HTTP date), timeouts, connection errors and 5xx with
exponential backoff and jitter, bounded in count (``max_retries``) and in total time
(``retry_budget``: no retry starts, and no request waits, past it). Every other failure is raised
at once as a `BackendError` that keeps the HTTP status, request id and the attempts made. A 200
that is not a chat completion, or has no choices, is an `InvalidResponseError`; a refusal or a
content-filter stop is a `RefusalError`: none of them is the model writing bad JSON, so none is
re-asked.

Structured output is negotiated per endpoint: ``json_schema`` (OpenAI), then ``json_object`` with a
``schema`` (llama.cpp's server constrains decoding with it), then plain text with JSON
instructions. The first mode an endpoint accepts is remembered for the client's lifetime.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import httpx2
import openai
from tenacity import (
    AsyncRetrying,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
)

from localize._redact import (
    mask_secrets,
    redact_host,
    redact_library_logs,
    redact_url,
    redacted_repr,
    remember_secrets,
    sent_secrets,
    split_credentials,
)
from localize._types import STRUCTURED_MODES, ChatMessage, StructuredMode
from localize.backends._cache import caching_suspended
from localize.backends._capped import async_http_client as capped_async_http_client
from localize.backends._capped import http_client as capped_http_client
from localize.backends._errors import backend_error, failure
from localize.backends._protocols import RequestGate, ResponseCache
from localize.backends._retry import Wait, announce_retry, is_format_rejection, is_retryable
from localize.backends._usage import Completion, Usage
from localize.budget import count_messages
from localize.config import DEFAULT_MODEL, check_base_url
from localize.errors import (
    ConfigError,
    ContentFilterError,
    InvalidResponseError,
    LocalizeError,
    RefusalError,
)

__all__ = ["LLMClient", "connection_options", "request_key"]

_NEGOTIATION_ORDER: tuple[StructuredMode, ...] = ("json_schema", "json_object", "text")
_SCHEMA_NAME = "localized_section"
_OPENAI_HOST = "api.openai.com"
_log = logging.getLogger(__name__)


def request_key(kwargs: dict[str, Any], endpoint: str) -> str:
    """A stable hash of everything that determines the answer: endpoint, model, messages, params."""
    blob = json.dumps({"endpoint": endpoint, **kwargs}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# More tokens than any model's window or answer: a count past this is not a count.
_MAX_TOKENS = 1_000_000_000


def connection_options(base_url: str) -> dict[str, Any]:
    """The SDK client options for a base URL, with its credentials out of the URL.

    Userinfo becomes the Basic auth header httpx would have sent, query parameters go in
    ``default_query`` (the SDK would put the path after them), and the library loggers that
    print request URLs are made to redact them.
    """
    redact_library_logs()
    url, headers, query = split_credentials(base_url)
    options: dict[str, Any] = {"base_url": url}
    if headers:
        options["default_headers"] = headers
    if query:
        options["default_query"] = query
    return options


# The body goes out as `request_body` builds it, through the SDK's documented `client.post`
# ("undocumented endpoints" in its README), not `chat.completions.create`: create re-walks
# every message through its TypedDict transform on each call (about 1.4 ms a request in a
# batch's profile), and the body it would send is this same dict, already plain JSON values.
# Auth, headers, timeouts, status errors and reading the body (under the byte cap) are the
# SDK's own either way. The answer comes back as the HTTP response (``cast_to=httpx2.Response``,
# which the SDK documents) and is parsed once, by `_answer`: building the SDK's ChatCompletion
# model for every answer cost about a sixth of a request's CPU, for the five fields kept.
_CHAT_PATH = "/chat/completions"


def _answer(response: httpx2.Response) -> tuple[object, str | None]:
    """The response's JSON data and request id, as the SDK would parse them for a model type:
    a body that is not declared JSON is parsed if it can be, else kept as text; a body declared
    JSON that is not (``json.JSONDecodeError``, also for bytes that are not UTF-8) is an
    error."""
    content_type, *_ = response.headers.get("content-type", "*").split(";")
    data: object
    if content_type.endswith("json"):
        try:
            data = response.json()
        except UnicodeDecodeError as exc:
            raise json.JSONDecodeError(f"not UTF-8 ({exc.reason})", "", exc.start) from None
        except RecursionError:  # arrays nested past the parser's depth: no completion is
            raise json.JSONDecodeError("nested too deeply", "", 0) from None
    else:
        try:
            data = response.json()
        except Exception:
            data = response.text
    return data, response.headers.get("x-request-id")


class _Fields:
    """A JSON object read as the SDK's ``construct`` reads one: a field it lacks is None."""

    __slots__ = ("_data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getattr__(self, name: str) -> Any:
        return self._data.get(name)


def _model(value: object) -> Any:
    """A value where the SDK builds a model: an object read by field, anything else as it is."""
    return _Fields(value) if isinstance(value, dict) else value


def _request_options(timeout: float, headers: Mapping[str, str] | None) -> openai.RequestOptions:
    """One request's SDK options: as `create` sets them (bearer auth), plus our timeout."""
    options: openai.RequestOptions = {"timeout": timeout, "security": {"bearer_auth": True}}
    if headers:
        options["headers"] = dict(headers)
    return options


@contextmanager
def _timed(endpoint: str, kwargs: dict[str, Any]) -> Iterator[None]:
    """Log one request's outcome and duration (``-v``); the URL is logged without credentials."""
    started = time.perf_counter()
    mode = (kwargs.get("response_format") or {}).get("type", "text")
    where = f"POST {redact_url(endpoint)}/chat/completions model={kwargs.get('model')} mode={mode}"
    try:
        yield
    except Exception as exc:
        _log.info("%s: %s after %.2f s", where, failure(exc), time.perf_counter() - started)
        raise
    _log.info("%s: 200 in %.2f s", where, time.perf_counter() - started)


def _estimated_tokens(
    messages: Sequence[ChatMessage], params: dict[str, Any], model: str, counted: int | None
) -> int:
    """Prompt plus the most the answer may use: what a tokens-per-minute limit counts."""
    prompt = counted if counted is not None else count_messages(messages, model).tokens
    return prompt + int(params.get("max_tokens", 0))


@dataclass
class _Sending:
    """One `complete` call's requests: how many were sent, and the time they may take in all."""

    timeout: float
    deadline: float
    sent: int = 0

    def next_timeout(self) -> float:
        """Count a request about to be sent; its timeout never runs past the retry budget."""
        self.sent += 1
        return max(0.05, min(self.timeout, self.deadline - time.monotonic()))


def _validate(client: LLMClient) -> None:
    if not isinstance(client.model, str) or not client.model.strip():
        raise ConfigError("must be a model name", option="model")
    if client.structured not in STRUCTURED_MODES:
        raise ConfigError(f"must be one of {', '.join(STRUCTURED_MODES)}", option="structured")
    for name in ("timeout", "retry_initial_wait", "retry_budget"):
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


@dataclass(repr=False)
class LLMClient:
    """An OpenAI-compatible chat endpoint: sync and async calls share one policy.

    Like ``openai.OpenAI()``, ``api_key`` and ``base_url`` default to ``OPENAI_API_KEY`` and
    ``OPENAI_BASE_URL``; explicit arguments win. Bad values raise `ConfigError` at once. Use it
    as a context manager (``with`` or ``async with``) to close its connections. Its repr shows
    the base URL without credentials.
    """

    # None: the endpoint's only model, when it lists exactly one, else DEFAULT_MODEL.
    model: str = None  # type: ignore[assignment]  # always a str once constructed
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 120.0
    max_retries: int = 3
    structured: StructuredMode = "auto"
    retry_initial_wait: float = 0.5
    # Seconds all the requests and waits for one answer may take, retries included.
    retry_budget: float = 300.0
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
    # The HTTP clients the SDK sends through, as ``openai.OpenAI(http_client=...)`` takes them:
    # a proxy, custom TLS, or a mock transport in a test. Closed with this client.
    http_client: httpx2.Client | None = field(default=None, repr=False)
    async_http_client: httpx2.AsyncClient | None = field(default=None, repr=False)
    _mode: StructuredMode | None = field(default=None, init=False, repr=False)
    _sync: openai.OpenAI | None = field(default=None, init=False, repr=False)
    _async: openai.AsyncOpenAI | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.base_url is None:
            self.base_url = os.environ.get("OPENAI_BASE_URL") or None
        if self.api_key is None:
            self.api_key = os.environ.get("OPENAI_API_KEY", "")
        if self.base_url is not None:
            self.base_url = check_base_url(self.base_url, "base_url")
        # What this client sends as credentials is masked wherever an answer brings it back.
        _, auth, query = split_credentials(self.endpoint)
        remember_secrets([self.api_key, *sent_secrets(auth.get("Authorization"), query.items())])
        if self.model is None:
            self.model = self.discover_model()
        _validate(self)
        if self.structured != "auto":
            self._mode = self.structured

    def __repr__(self) -> str:
        return redacted_repr(self)

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
        """``host[:port]`` without credentials: what provenance records."""
        return redact_host(self.endpoint)

    @property
    def is_openai(self) -> bool:
        return urlsplit(self.endpoint).hostname == _OPENAI_HOST

    def _client_kwargs(self, http_client: httpx2.Client | httpx2.AsyncClient) -> dict[str, Any]:
        # A self-hosted server needs no key, but the SDK insists on one.
        return {
            "api_key": self.api_key or "unused",
            "timeout": self.timeout,
            "max_retries": 0,
            "http_client": http_client,
            **connection_options(self.endpoint),
        }

    def _sdk(self) -> openai.OpenAI:
        if self._sync is None:
            # Without a client of the caller's, responses are read with a byte cap (see
            # localize.backends._capped).
            client = self.http_client or capped_http_client()
            self._sync = openai.OpenAI(**self._client_kwargs(client))
        return self._sync

    def _async_sdk(self) -> openai.AsyncOpenAI:
        if self._async is None:
            client = self.async_http_client or capped_async_http_client()
            self._async = openai.AsyncOpenAI(**self._client_kwargs(client))
        return self._async

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
            "stop": stop_after_attempt(self.max_retries + 1) | stop_before_delay(self.retry_budget),
            "wait": Wait(self.retry_initial_wait, self.gate),
            "before_sleep": announce_retry,
            "reraise": True,
        }

    def _sending(self) -> _Sending:
        return _Sending(self.timeout, time.monotonic() + self.retry_budget)

    def _diagnosed(self, exc: BaseException) -> LocalizeError | None:
        return self.diagnose(exc) if self.diagnose is not None else None

    def _should_retry(self, exc: BaseException) -> bool:
        return is_retryable(exc) and self._diagnosed(exc) is None

    def _fall_back_or_raise(self, exc: Exception, sending: _Sending, *, last: bool) -> None:
        """Return to try the next output mode; raise if that is not the problem or none is left."""
        diagnosis = self._diagnosed(exc)
        if diagnosis is not None:
            raise diagnosis from exc
        if is_format_rejection(exc) and not last:
            return
        raise backend_error(exc, self.endpoint, self.model, sending.sent) from exc

    def _accept(
        self, answer: tuple[object, str | None], mode: StructuredMode, sending: _Sending
    ) -> Completion:
        """Check the answer (`_answer`'s data and request id) is a usable chat completion and
        keep what it says."""
        where = redact_url(self.endpoint)
        data, request_id = answer
        # Text (a body that is not JSON), a list or a number is not a completion.
        if not isinstance(data, dict):
            raise InvalidResponseError(
                f"{where} answered with {type(data).__name__} data, not a chat completion",
                base_url=where,
                attempts=sending.sent,
            )
        response = _Fields(data)
        if not response.choices:
            raise InvalidResponseError(
                f"{where} returned a completion with "
                f"{'no choices' if response.choices is None else 'an empty choices list'}",
                base_url=where,
                request_id=request_id,
                attempts=sending.sent,
            )

        def shaped(value: object, field: str, *types: type, required: bool = False) -> Any:
            # The SDK's construct never validated these: a wrong shape failed later as an
            # AttributeError, or reached the section as a number.
            if (value is not None or required) and not isinstance(value, types):
                raise InvalidResponseError(
                    f"{where} returned a completion whose {field} is {type(value).__name__} data",
                    base_url=where,
                    request_id=request_id,
                    attempts=sending.sent,
                )
            return _model(value)

        # A null choice or a non-string name failed later as an AttributeError, or reached
        # provenance, the audit log and the results file as an object.
        first = shaped(response.choices, "choices", list)[0]
        choice = shaped(first, "choices[0]", dict, required=True)
        finish_reason = shaped(choice.finish_reason, "finish_reason", str)
        model = shaped(response.model, "model", str)
        fingerprint = shaped(response.system_fingerprint, "system_fingerprint", str)
        if finish_reason == "content_filter":
            raise ContentFilterError(
                f"{where}: the provider's content filter withheld the answer "
                "(finish_reason content_filter)",
                base_url=where,
                request_id=request_id,
            )
        message = shaped(choice.message, "message", dict)
        content = shaped(message.content, "message.content", str) if message is not None else None
        refusal = shaped(message.refusal, "message.refusal", str) if message is not None else None
        # An answer that echoes the key (a proxy, a debugging server, a model asked to) must not
        # carry it into the cache, the audit log, the results or the output.
        content, refusal = (mask_secrets(t) if t else t for t in (content, refusal))
        if refusal:
            raise RefusalError(
                f"{where}: the model refused: {refusal}", base_url=where, request_id=request_id
            )
        self._mode = mode  # remembered: later requests skip the negotiation
        usage = shaped(response.usage, "usage", dict)
        details = (
            shaped(usage.prompt_tokens_details, "usage.prompt_tokens_details", dict)
            if usage
            else None
        )

        def tokens(value: object, name: str) -> int:
            # The SDK does not validate usage: 1e400 or -5 would reach JSON output as Infinity.
            if value is None:
                return 0
            if isinstance(value, bool) or not isinstance(value, int | float):
                value = None
            elif isinstance(value, float) and value.is_integer():
                value = int(value)
            if not isinstance(value, int) or not 0 <= value <= _MAX_TOKENS:
                raise InvalidResponseError(
                    f"{where} returned usage.{name} that is not a token count",
                    base_url=where,
                    request_id=request_id,
                    attempts=sending.sent,
                )
            return value

        return Completion(
            content=content or "",
            finish_reason=finish_reason,
            usage=Usage(
                tokens(usage.prompt_tokens, "prompt_tokens") if usage else 0,
                tokens(usage.completion_tokens, "completion_tokens") if usage else 0,
                tokens(getattr(details, "cached_tokens", None), "cached_tokens") if details else 0,
            ),
            model=model or self.model,
            mode=mode,
            request_id=request_id,
            requests=sending.sent,
            system_fingerprint=fingerprint or None,
        )

    def _cached(self, kwargs: dict[str, Any]) -> tuple[str | None, Completion | None]:
        if self.cache is None or caching_suspended():  # a cassette in use sees every request
            return None, None
        key = request_key(kwargs, self.cache_namespace or self.endpoint)
        hit = self.cache.get(key)
        if hit is None:
            return key, None
        _log.info("answer from the response cache (model=%s, no request sent)", kwargs["model"])
        # An entry written before answers were masked (see _accept) may hold the key.
        return key, replace(hit, content=mask_secrets(hit.content), from_cache=True)

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
        headers: Mapping[str, str] | None = None,
    ) -> Completion:
        """Send one chat completion request (negotiating the output mode on first use).

        ``headers`` go with the request but are not part of the body or the cache key.
        """
        client = self._sdk()
        modes = self._modes()
        sending = self._sending()

        def send(kwargs: dict[str, Any]) -> tuple[object, str | None]:
            with _timed(self.endpoint, kwargs):
                return _answer(
                    client.post(
                        _CHAT_PATH,
                        cast_to=httpx2.Response,
                        body=kwargs,
                        options=_request_options(sending.next_timeout(), headers),
                    )
                )

        for i, mode in enumerate(modes):
            kwargs = self.request_body(messages, params, schema, mode, prompt_cache_key)
            key, hit = self._cached(kwargs)
            if hit is not None:
                self._mode = mode  # a cached answer proves the mode as well as a fresh one
                return hit
            try:
                response = Retrying(**self._retrying_kwargs())(send, kwargs)
            except (openai.OpenAIError, json.JSONDecodeError) as exc:
                self._fall_back_or_raise(exc, sending, last=i + 1 == len(modes))
                continue
            return self._store(key, self._accept(response, mode, sending))
        raise AssertionError("unreachable: the last mode either returns or raises")

    async def acomplete(
        self,
        messages: Sequence[ChatMessage],
        *,
        params: dict[str, Any],
        schema: dict[str, Any],
        prompt_cache_key: str | None = None,
        prompt_tokens: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Completion:
        """Async twin of `complete`; waits on the gate, when there is one, before each send.

        ``prompt_tokens``, when the caller has counted the messages already, saves a recount.
        """
        client = self._async_sdk()
        modes = self._modes()
        sending = self._sending()
        for i, mode in enumerate(modes):
            kwargs = self.request_body(messages, params, schema, mode, prompt_cache_key)
            key, hit = self._cached(kwargs)
            if hit is not None:
                self._mode = mode  # a cached answer proves the mode as well as a fresh one
                return hit
            # Counting a re-ask's messages costs about 0.1 ms: done only for a gate that
            # paces by tokens (a TPM limit).
            tokens = (
                _estimated_tokens(messages, params, self.model, prompt_tokens)
                if self.gate is not None and getattr(self.gate, "counts_tokens", True)
                else 0
            )

            async def send(kwargs: dict[str, Any], tokens: int) -> tuple[object, str | None]:
                if self.gate is not None:
                    await self.gate.acquire(tokens)
                with _timed(self.endpoint, kwargs):
                    return _answer(
                        await client.post(
                            _CHAT_PATH,
                            cast_to=httpx2.Response,
                            body=kwargs,
                            options=_request_options(sending.next_timeout(), headers),
                        )
                    )

            try:
                response: Any = await AsyncRetrying(**self._retrying_kwargs())(send, kwargs, tokens)
            except (openai.OpenAIError, json.JSONDecodeError) as exc:
                self._fall_back_or_raise(exc, sending, last=i + 1 == len(modes))
                continue
            return self._store(key, self._accept(response, mode, sending))
        raise AssertionError("unreachable: the last mode either returns or raises")

    def discover_model(self) -> str:
        """The endpoint's only model, when it lists exactly one (llama.cpp, a one-model vLLM,
        `localize serve`), else `DEFAULT_MODEL`: how ``LLMClient()`` without ``model``, and the
        CLI without ``--model``, choose one, so provenance records the model that answered."""
        if self.base_url is None or self.is_openai:
            return DEFAULT_MODEL  # OpenAI lists dozens: no one model to take
        with contextlib.suppress(Exception):  # a listing is a courtesy: requests report errors
            served = self.served_models()
            if len(served) == 1:
                return served[0]
        return DEFAULT_MODEL

    def served_models(self) -> list[str]:
        """The model ids the endpoint lists (``GET /models``); empty when it lists none."""
        try:
            # An id that is not a string names no model a request could ask for.
            return [m.id for m in self._sdk().models.list() if isinstance(m.id, str) and m.id]
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
