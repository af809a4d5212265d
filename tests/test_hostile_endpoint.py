"""A hostile endpoint: huge answers, impossible usage counts, and what a run says it cost."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Response

from localize import InvalidResponseError, LLMClient
from localize.backends import _capped
from localize.cli._main import cli
from tests.fault_server import Script, completion, status
from tests.support import STORIES

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])

WIRE = STORIES / "wire.txt"
MESSAGES = [{"role": "user", "content": "hi"}]
SCHEMA = {"type": "object", "properties": {"body": {"type": "string"}}}


@pytest.fixture
def script(httpserver: HTTPServer) -> Callable[..., Script]:
    return lambda *replies: Script(httpserver, *replies)


def client(url: str) -> LLMClient:
    return LLMClient(base_url=url, model="m", api_key="k", max_retries=2, structured="json_schema")


def test_an_answer_past_the_cap_is_refused_without_retries(
    script: Callable[..., Script], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_capped.http_client, "__defaults__", (1000,))
    s = script(completion(json.dumps({"body": "x" * 5000})))
    with pytest.raises(InvalidResponseError, match="past the 1000 bytes limit"):
        client(s.url).complete(MESSAGES, params={}, schema=SCHEMA)
    assert s.requests == 1


def test_a_chunked_answer_past_the_cap_is_cut_off(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_capped.http_client, "__defaults__", (1000,))

    def endless() -> Response:
        # No Content-Length: the cap must hold while the body streams.
        return Response((b"x" * 100 for _ in range(100_000)), content_type="application/json")

    httpserver.expect_request("/v1/chat/completions").respond_with_handler(lambda _r: endless())
    with pytest.raises(InvalidResponseError, match="past the"):
        client(httpserver.url_for("/v1")).complete(MESSAGES, params={}, schema=SCHEMA)


@pytest.mark.parametrize("tokens", [1e400, -5, 1e12, 2.5])
def test_usage_that_is_not_a_token_count_is_an_invalid_response(
    script: Callable[..., Script], tokens: object
) -> None:
    body = {
        "id": "c",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": json.dumps({"body": "x"})},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": tokens, "completion_tokens": 1, "total_tokens": 2},
    }
    text = json.dumps(body).replace("Infinity", "1e400")
    s = script(Response(text, content_type="application/json"))
    with pytest.raises(InvalidResponseError, match=r"usage\.prompt_tokens"):
        client(s.url).complete(MESSAGES, params={}, schema=SCHEMA)


def test_failed_and_done_jobs_agree_on_an_unpriced_endpoint(
    script: Callable[..., Script], tmp_path: Path
) -> None:
    s = script(status(400))
    out = tmp_path / "r.jsonl"
    args = ["batch", str(WIRE), "-r", "uk", "-o", str(out), "--base-url", s.url, "-m", "m"]
    result = CliRunner().invoke(cli, [*args, "--no-cache"])
    assert result.exit_code == 1, result.output
    assert "estimated cost unknown" in result.stderr and "$0.0000" not in result.stderr
