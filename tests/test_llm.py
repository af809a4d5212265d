"""The LLM client against recorded traffic of the embedded llama.cpp server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest

from localize import (
    EndpointAuthError,
    EndpointUnreachableError,
    LLMClient,
    Settings,
    prepare,
)
from localize.backends import request_key, retry_after_seconds
from localize.backends._local import LOCAL_MODEL
from localize.section import SectionOutput
from tests.support import AUTH_BASE_URL, RECORD_BASE_URL, STORIES, request_bodies

SCHEMA = SectionOutput.json_schema()


def _messages(region: str = "uk") -> list[dict[str, str]]:
    settings = Settings.resolve({}, base_url=RECORD_BASE_URL, model=LOCAL_MODEL)
    return prepare(STORIES / "wire.txt", region, settings=settings).messages


PARAMS: dict[str, Any] = {"temperature": 0, "seed": 42, "max_tokens": 200}


@pytest.mark.vcr
def test_json_object_mode_sends_the_schema_and_parses(client: LLMClient, vcr: Any) -> None:
    completion = client.complete(_messages(), params=PARAMS, schema=SCHEMA)
    (body,) = request_bodies(vcr)
    assert body["response_format"] == {"type": "json_object", "schema": SCHEMA}
    assert body["temperature"] == 0 and body["seed"] == 42 and body["max_tokens"] == 200
    assert "National Cyber Security Centre (NCSC)" in body["messages"][1]["content"]
    assert completion.mode == "json_object"
    assert SectionOutput.model_validate(json.loads(completion.content)).body
    assert completion.usage.prompt_tokens > 500 and completion.usage.completion_tokens > 0


@pytest.mark.vcr
def test_auto_negotiation_falls_back_to_json_object_once(vcr: Any) -> None:
    client = LLMClient(model=LOCAL_MODEL, base_url=RECORD_BASE_URL, max_retries=0)
    first = client.complete(_messages("uk"), params=PARAMS, schema=SCHEMA)
    second = client.complete(_messages("eu"), params=PARAMS, schema=SCHEMA)
    kinds = [b["response_format"]["type"] for b in request_bodies(vcr)]
    # llama.cpp refuses json_schema (HTTP 500) once; the accepted mode is then remembered.
    assert kinds == ["json_schema", "json_object", "json_object"]
    assert vcr.responses[0]["status"]["code"] == 500
    assert first.mode == second.mode == "json_object"


@pytest.mark.vcr(allow_playback_repeats=True)
async def test_async_client_matches_sync_request(vcr: Any) -> None:
    async with LLMClient(
        model=LOCAL_MODEL, base_url=RECORD_BASE_URL, max_retries=0, structured="json_object"
    ) as client:
        completion = await client.acomplete(_messages("au"), params=PARAMS, schema=SCHEMA)
        synced = client.complete(_messages("au"), params=PARAMS, schema=SCHEMA)
    # Both requests matched the one recorded request on its body, byte for byte.
    assert len(vcr.requests) == 1 and vcr.play_count == 2
    assert completion == synced
    assert completion.usage.prompt_tokens > 500
    assert "Australian Signals Directorate" in request_bodies(vcr)[0]["messages"][1]["content"]


@pytest.mark.vcr
def test_wrong_api_key_is_an_auth_error_and_the_key_is_not_recorded(
    vcr: Any, vcr_cassette_dir: str
) -> None:
    client = LLMClient(
        model=LOCAL_MODEL,
        base_url=AUTH_BASE_URL,
        api_key="sk-wrong-key-0000",
        max_retries=0,
        structured="json_object",
    )
    with pytest.raises(EndpointAuthError) as info:
        client.complete(_messages(), params=PARAMS, schema=SCHEMA)
    assert info.value.status_code == 401
    assert info.value.exit_code == 3
    (request,) = vcr.requests
    assert "authorization" not in {h.lower() for h in request.headers}
    cassette = Path(vcr_cassette_dir) / f"{request_name()}.yaml"
    if cassette.exists():  # replay; while recording the file is written after the test
        assert "sk-wrong-key" not in cassette.read_text()


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])  # port 9 on loopback: refused at once
def test_unreachable_endpoint_is_a_clear_error() -> None:
    client = LLMClient(
        model="m",
        base_url="http://127.0.0.1:9/v1",
        max_retries=1,
        retry_initial_wait=0.01,
        structured="json_object",
    )
    with pytest.raises(EndpointUnreachableError, match=r"127\.0\.0\.1:9"):
        client.complete([{"role": "user", "content": "x"}], params={}, schema=SCHEMA)


def request_name() -> str:
    return "test_wrong_api_key_is_an_auth_error_and_the_key_is_not_recorded"


def _rate_limited(headers: dict[str, str]) -> openai.RateLimitError:
    request = httpx2.Request("POST", "http://x/v1/chat/completions")
    response = httpx2.Response(429, headers=headers, request=request)
    return openai.RateLimitError("slow down", response=response, body=None)


def test_retry_after_headers_are_honoured() -> None:
    assert retry_after_seconds(_rate_limited({"retry-after": "2"})) == 2.0
    assert retry_after_seconds(_rate_limited({"retry-after-ms": "250"})) == 0.25
    assert retry_after_seconds(_rate_limited({"retry-after": "999"})) == 60.0
    assert retry_after_seconds(_rate_limited({})) is None
    assert retry_after_seconds(ValueError()) is None


def test_openai_gets_max_completion_tokens_and_cache_key() -> None:
    client = LLMClient(model="gpt-4o-mini", api_key="k", structured="json_schema")
    kwargs = client.request_body(
        [{"role": "user", "content": "x"}], {"max_tokens": 10}, SCHEMA, "json_schema", "story-hash"
    )
    assert kwargs["max_completion_tokens"] == 10 and "max_tokens" not in kwargs
    assert kwargs["prompt_cache_key"] == "story-hash"
    assert kwargs["response_format"]["json_schema"]["strict"] is True
    assert request_key(kwargs, client.endpoint) == request_key(dict(kwargs), client.endpoint)
    assert request_key(kwargs, client.endpoint) != request_key(
        {**kwargs, "seed": 1}, client.endpoint
    )
