"""Endpoint faults against a scripted loopback server: every one is survived or named.

Each test scripts the replies of a real HTTP server on 127.0.0.1 (pytest-httpserver) and asserts
how many requests localize sent: retried faults are retried a bounded number of times, the others
not at all, and nothing is re-asked as if the model had written bad JSON.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from localize import (
    BackendError,
    ContentFilterError,
    EndpointAuthError,
    EndpointUnreachableError,
    InvalidResponseError,
    LLMClient,
    LocalizeError,
    RefusalError,
    Settings,
    alocalize,
    localize,
)
from localize.backends import retry_after_seconds
from localize.cli._main import cli
from localize.section import SectionOutput
from tests.fault_server import BODY, Script, completion, reset_mid_body, status
from tests.support import STORIES

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])

WIRE = STORIES / "wire.txt"
SCHEMA = SectionOutput.json_schema()
MESSAGES = [{"role": "user", "content": "Write the section."}]


@pytest.fixture
def script(httpserver: HTTPServer) -> Callable[..., Script]:
    return lambda *replies: Script(httpserver, *replies)


def client_for(url: str, **kw: Any) -> LLMClient:
    options: dict[str, Any] = {
        "model": "fault-model",
        "base_url": url,
        "max_retries": 3,
        "retry_initial_wait": 0.01,
        "structured": "json_object",
        "timeout": 5.0,
        **kw,
    }
    return LLMClient(**options)


def complete(url: str, **kw: Any) -> Any:
    client = client_for(url, **kw)
    try:
        return client.complete(MESSAGES, params={"max_tokens": 50}, schema=SCHEMA)
    finally:
        client.close()


def settings_for(url: str, **kw: Any) -> Settings:
    return Settings.resolve({}, base_url=url, model="fault-model", max_retries=2, **kw)


# ------------------------------------------------------------- answers that are not answers


NOT_JSON = Response("<html><body>502 gateway</body></html>", status=200, content_type="text/html")
BROKEN_JSON = Response('{"id": "chatcmpl-1", "choi', status=200, content_type="application/json")


@pytest.mark.parametrize("reply", [NOT_JSON, BROKEN_JSON], ids=["html", "truncated-json"])
def test_a_200_that_is_not_json_names_the_endpoint_once(
    script: Callable[..., Script], reply: Response
) -> None:
    s = script(reply)
    with pytest.raises(InvalidResponseError) as info:
        complete(s.url)
    assert s.requests == 1
    assert s.url in str(info.value) and info.value.endpoint == s.url
    assert info.value.exit_code == 3


MALFORMED = {
    "choices-a-string": {"choices": "abc"},
    "choices-an-object": {"choices": {"0": 1}},
    "choice-a-number": {"choices": [5]},
    "message-a-list": {"choices": [{"message": [1]}]},
    "content-a-number": {"choices": [{"message": {"content": 5}}]},
    "usage-a-list": {"choices": [{"message": {"content": "x"}}], "usage": [1]},
    "choice-null": {"choices": [None]},
    "finish-reason-an-object": {"choices": [{"message": {"content": "x"}, "finish_reason": {}}]},
    "model-an-object": {"choices": [{"message": {"content": "x"}}], "model": {"id": "m"}},
    "model-a-number": {"choices": [{"message": {"content": "x"}}], "model": 5},
    "fingerprint-a-list": {"choices": [{"message": {"content": "x"}}], "system_fingerprint": [1]},
    "refusal-an-object": {"choices": [{"message": {"content": None, "refusal": {"a": 1}}}]},
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_completion_of_the_wrong_shape_is_an_invalid_response(
    script: Callable[..., Script], body: dict[str, Any]
) -> None:
    s = script(Response(json.dumps(body), status=200, content_type="application/json"))
    with pytest.raises(InvalidResponseError) as info:
        complete(s.url)
    assert s.url in str(info.value) and "\n" not in str(info.value)


def test_a_json_body_that_is_not_utf8_is_an_invalid_response(
    script: Callable[..., Script],
) -> None:
    s = script(Response(b'{"choices": "\xff\xfe"}', status=200, content_type="application/json"))
    with pytest.raises(InvalidResponseError, match="not JSON"):
        complete(s.url)
    assert s.requests == 1


def test_a_json_body_nested_past_the_parser_is_an_invalid_response(
    script: Callable[..., Script],
) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    s = script(Response(deep, status=200, content_type="application/json"))
    with pytest.raises(InvalidResponseError, match="not JSON"):
        complete(s.url)
    assert s.requests == 1


def test_a_model_listing_with_ids_that_are_not_names_is_no_model(
    httpserver: HTTPServer,
) -> None:
    listing = {"object": "list", "data": [{"id": 5, "object": "model"}]}
    httpserver.expect_request("/v1/models").respond_with_json(listing)
    client = LLMClient(base_url=httpserver.url_for("/v1"), api_key="k")
    assert client.served_models() == []
    assert client.model == "gpt-4o-mini"


def test_localize_and_alocalize_raise_the_typed_error_not_json_decode_error(
    script: Callable[..., Script],
) -> None:
    s = script(BROKEN_JSON)
    with pytest.raises(InvalidResponseError, match="not JSON"):
        localize(WIRE, "uk", settings=settings_for(s.url))
    assert s.requests == 1


async def test_alocalize_raises_the_typed_error(script: Callable[..., Script]) -> None:
    s = script(NOT_JSON)
    with pytest.raises(InvalidResponseError, match="not a chat completion"):
        await alocalize(WIRE, "uk", settings=settings_for(s.url))
    assert s.requests == 1


def test_rewrite_exits_3_with_one_line(script: Callable[..., Script]) -> None:
    s = script(BROKEN_JSON)
    result = CliRunner().invoke(
        cli, ["rewrite", str(WIRE), "-r", "uk", "--base-url", s.url, "-m", "fault-model"]
    )
    assert result.exit_code == 3, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert lines[0].startswith("localize: error: ") and s.url in lines[0]
    assert s.requests == 1


@pytest.mark.parametrize(
    ("reply", "error", "needle"),
    [
        (completion(choices=None), InvalidResponseError, "no choices"),
        (completion(choices=[]), InvalidResponseError, "an empty choices list"),
        (completion(None, finish_reason="content_filter"), ContentFilterError, "content filter"),
        (completion(None, refusal="I can't help with that."), RefusalError, "refused: I can't"),
    ],
    ids=["no-choices", "empty-choices", "content-filter", "refusal"],
)
def test_non_answers_are_reported_as_what_they_are_and_not_re_asked(
    script: Callable[..., Script], reply: Response, error: type[LocalizeError], needle: str
) -> None:
    s = script(reply)
    with pytest.raises(error, match=needle) as info:
        localize(WIRE, "uk", settings=settings_for(s.url, max_attempts=3))
    assert "JSON" not in str(info.value)
    assert s.requests == 1  # three attempts allowed; a re-ask would have sent more


def _answer_as(body: Any, content_type: str, **headers: str) -> Response:
    text = body if isinstance(body, str) else json.dumps(body)
    return Response(text, status=200, content_type=content_type, headers=headers)


def _completion_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(completion().get_data(as_text=True))
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        # The SDK parses a JSON body served under another content type, and so does the client.
        (_answer_as(_completion_data(), "text/plain", **{"x-request-id": "req_7"}), "req_7"),
        # Fields a completion lacks read as None, as the SDK's model had them.
        (_answer_as(_completion_data(usage={}, model=None), "application/json"), None),
        (_answer_as({k: v for k, v in _completion_data().items() if k != "usage"}, "a/json"), None),
    ],
    ids=["json-as-text", "empty-usage", "no-usage"],
)
def test_an_answer_is_read_as_the_sdk_would_read_it(
    script: Callable[..., Script], reply: Response, expected: str | None
) -> None:
    s = script(reply)
    answer = complete(s.url)
    assert json.loads(answer.content) == {"body": BODY}
    assert answer.request_id == expected and answer.model == "fault-model"


@pytest.mark.parametrize(
    ("reply", "needle"),
    [
        (_answer_as([1, 2], "application/json"), "answered with list data"),
        (_answer_as("null", "application/json"), "answered with NoneType data"),
        (_answer_as({"id": "x"}, "application/json"), "no choices"),
        (_answer_as("plain words", "text/plain"), "answered with str data"),
    ],
    ids=["list", "null", "no-choices-field", "text"],
)
def test_an_answer_that_is_no_completion_says_what_it_is(
    script: Callable[..., Script], reply: Response, needle: str
) -> None:
    s = script(reply)
    with pytest.raises(InvalidResponseError, match=needle):
        complete(s.url)
    assert s.requests == 1


# ---------------------------------------------------------------------------- retried faults


@pytest.mark.parametrize("code", [429, 500, 502, 503, 504])
def test_transient_statuses_are_retried_and_the_result_shows_the_requests(
    script: Callable[..., Script], code: int
) -> None:
    s = script(status(code), status(code), completion())
    result = localize(WIRE, "uk", client=client_for(s.url), max_attempts=1)
    assert s.requests == 3
    assert result.provenance.requests == 3 and result.provenance.attempts == 1


@pytest.mark.parametrize(
    "headers",
    [{"retry-after": "0"}, {"retry-after-ms": "20"}, {}],
    ids=["retry-after", "retry-after-ms", "no-hint"],
)
def test_429_with_and_without_a_hint(
    script: Callable[..., Script], headers: dict[str, str]
) -> None:
    s = script(status(429, headers), completion())
    assert complete(s.url).requests == 2
    assert s.requests == 2


def test_retry_after_as_an_http_date_is_honoured(script: Callable[..., Script]) -> None:
    # An HTTP date has whole seconds: this one is 0.5 to 1.5 s away.
    target = datetime.fromtimestamp(int(time.time() + 1.5), UTC)
    when = format_datetime(target, usegmt=True)
    s = script(status(429, {"retry-after": when}), completion())
    started = time.monotonic()
    complete(s.url)  # the backoff alone would wait about 0.01 s
    assert time.monotonic() - started > 0.4
    assert s.requests == 2


def test_retry_after_parsing() -> None:
    import httpx2
    import openai

    def hint(value: str, name: str = "retry-after") -> float | None:
        request = httpx2.Request("POST", "http://x/v1/chat/completions")
        response = httpx2.Response(429, headers={name: value}, request=request)
        exc = openai.RateLimitError("slow", response=response, body=None)
        return retry_after_seconds(exc, now=datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC))

    assert hint("Thu, 01 Jan 2026 12:00:07 GMT") == 7.0
    assert hint("Thu, 01 Jan 2026 11:00:00 GMT") == 0.0  # already past: retry now
    assert hint("Fri, 02 Jan 2026 12:00:00 GMT") == 60.0  # capped
    assert hint("soon") is None and hint("nan") is None and hint("-3") is None
    assert hint("1500", "retry-after-ms") == 1.5


def test_retries_are_bounded_in_count(script: Callable[..., Script]) -> None:
    s = script(status(503))
    with pytest.raises(BackendError) as info:
        complete(s.url, max_retries=2)
    assert s.requests == 3 and info.value.attempts == 3
    assert info.value.status_code == 503 and "after 3 attempts" in str(info.value)


def test_retries_are_bounded_in_total_time(script: Callable[..., Script]) -> None:
    s = script(status(429, {"retry-after": "30"}))
    started = time.monotonic()
    with pytest.raises(BackendError) as info:
        complete(s.url, max_retries=5, retry_budget=1.0)
    # The server asked for 30 s; that is past the budget, so no retry is made at all.
    assert time.monotonic() - started < 10.0  # far from the 30 s it asked for
    assert s.requests == 1 and info.value.status_code == 429


def _held(release: threading.Event, arrived: threading.Semaphore) -> Callable[[Request], Response]:
    """A reply held back until the test releases it; each arrival is signalled, so the test
    waits for events, not for a guessed time."""

    def reply(request: Request) -> Response:
        arrived.release()
        release.wait(_HOLD_AT_MOST)
        return completion()

    return reply


# Only a safety net for a broken test: every wait below ends on an event long before it.
_HOLD_AT_MOST = 30.0


def test_no_request_waits_past_the_retry_budget(script: Callable[..., Script]) -> None:
    release, arrived = threading.Event(), threading.Semaphore(0)
    s = script(_held(release, arrived))
    started = time.monotonic()
    try:
        with pytest.raises(EndpointUnreachableError, match="timed out"):
            complete(s.url, timeout=30.0, max_retries=5, retry_budget=0.3)
        # Each request's timeout is cut to what is left of the budget, not the 30 s timeout.
        assert time.monotonic() - started < 3.0
    finally:
        release.set()
    assert arrived.acquire(timeout=_HOLD_AT_MOST)
    assert s.requests >= 1


@pytest.mark.parametrize(("code", "error"), [(400, BackendError), (401, EndpointAuthError)])
def test_client_errors_are_not_retried(
    script: Callable[..., Script], code: int, error: type[BackendError]
) -> None:
    s = script(status(code))
    with pytest.raises(error) as info:
        complete(s.url)
    assert s.requests == 1 and info.value.status_code == code


def test_a_reply_slower_than_the_timeout(script: Callable[..., Script]) -> None:
    release, arrived = threading.Event(), threading.Semaphore(0)
    s = script(_held(release, arrived))  # answers only after the client has given up
    try:
        with pytest.raises(EndpointUnreachableError, match="timed out") as info:
            complete(s.url, timeout=0.1, max_retries=1)
    finally:
        release.set()
    assert info.value.attempts == 2
    # The server takes one request at a time: the second arrives once the first is let go.
    assert arrived.acquire(timeout=_HOLD_AT_MOST) and arrived.acquire(timeout=_HOLD_AT_MOST)
    assert s.requests == 2


def test_connection_refused_is_retried_then_named() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    with pytest.raises(EndpointUnreachableError, match="cannot connect") as info:
        complete(url, max_retries=2)
    assert info.value.attempts == 3 and info.value.exit_code == 3


@pytest.fixture
def resetting_server() -> Iterator[tuple[str, list[int]]]:
    with reset_mid_body() as served:
        yield served


def test_a_reset_mid_body_is_retried(resetting_server: tuple[str, list[int]]) -> None:
    url, served = resetting_server
    assert complete(url).requests == 2
    assert len(served) == 2


def test_a_reset_mid_body_is_not_called_a_failure_to_connect(
    resetting_server: tuple[str, list[int]],
) -> None:
    # It said "cannot connect to ...", of an endpoint that was up and had begun to answer.
    url, _ = resetting_server
    with pytest.raises(EndpointUnreachableError) as info:
        complete(url, max_retries=0)
    message = str(info.value)
    assert message.startswith(f"the connection to {url} broke: ") and "\n" not in message


@pytest.mark.parametrize(
    ("replies", "error", "requests"),
    [
        ((status(503), completion()), None, 2),
        ((status(429, {"retry-after": "0"}), completion()), None, 2),
        ((completion(choices=[]),), InvalidResponseError, 1),
        ((BROKEN_JSON,), InvalidResponseError, 1),
        ((completion(None, finish_reason="content_filter"),), ContentFilterError, 1),
        ((status(401),), EndpointAuthError, 1),
        ((status(502),), BackendError, 4),
    ],
    ids=["503-then-ok", "429-then-ok", "empty", "not-json", "filter", "401", "502-always"],
)
async def test_the_async_client_handles_faults_the_same(
    script: Callable[..., Script],
    replies: tuple[Response, ...],
    error: type[LocalizeError] | None,
    requests: int,
) -> None:
    s = script(*replies)
    async with client_for(s.url) as client:
        if error is None:
            completion_ = await client.acomplete(MESSAGES, params={}, schema=SCHEMA)
            assert completion_.requests == requests
        else:
            with pytest.raises(error):
                await client.acomplete(MESSAGES, params={}, schema=SCHEMA)
    assert s.requests == requests


# --------------------------------------------------------------------------------- in a batch


def test_batch_stops_on_a_refused_key_and_leaves_no_results_file(
    script: Callable[..., Script], tmp_path: Path
) -> None:
    s = script(status(401))
    out = tmp_path / "results.jsonl"
    args = [str(WIRE), "-r", "uk,us,eu", "-o", str(out), "--base-url", s.url, "-m", "m"]
    result = CliRunner().invoke(
        cli, ["batch", *args, "--no-cache", "-c", "1"], env={"OPENAI_API_KEY": "sk-refused"}
    )
    assert result.exit_code == 3, result.output
    assert "refused the API key" in result.stderr and "Traceback" not in result.output
    assert s.requests == 1
    assert list(tmp_path.iterdir()) == []  # no results file, no lock file, no temporary file


def test_a_refused_key_stops_a_concurrent_batch_at_the_first_request(
    script: Callable[..., Script], tmp_path: Path
) -> None:
    s = script(status(401))
    stories = tmp_path / "stories"
    stories.mkdir()
    for name in ("a", "b", "c"):
        (stories / f"{name}.txt").write_text(WIRE.read_text().replace("76", str(len(name) * 7)))
    out = tmp_path / "results.jsonl"
    args = [str(stories), "-r", "uk,us,eu", "-o", str(out), "--base-url", s.url, "-m", "m"]
    result = CliRunner().invoke(
        cli, ["batch", *args, "--no-cache", "-c", "4"], env={"OPENAI_API_KEY": "sk-refused"}
    )
    assert result.exit_code == 3, result.output
    assert s.requests == 1  # not one per worker
