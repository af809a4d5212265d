"""Provenance from a real client exchange: what the endpoint reports reaches the result."""

from __future__ import annotations

import json
from typing import Any

import httpx2

from localize import LLMClient, Settings, generate, prepare
from localize._disclosure import TRAINED_ALGORITHMIC_MEDIA
from tests.support import STORIES

SECTION = (
    "UK organisations that relied on the models to find and fix vulnerabilities lose them too, "
    "and the National Cyber Security Centre (NCSC) has long urged defenders to patch quickly."
)


def _endpoint(request: httpx2.Request) -> httpx2.Response:
    body: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt-4o-mini-2024-07-18",
        "system_fingerprint": "fp_0123abcd",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": json.dumps({"body": SECTION})},
            }
        ],
        "usage": {"prompt_tokens": 900, "completion_tokens": 40, "total_tokens": 940},
    }
    return httpx2.Response(200, json=body)


def test_result_records_profile_template_endpoint_and_fingerprint() -> None:
    client = LLMClient(
        model="gpt-4o-mini",
        base_url="https://llm.example/v1",
        api_key="k",
        http_client=httpx2.Client(transport=httpx2.MockTransport(_endpoint)),
    )
    prep = prepare(STORIES / "wire.txt", "uk-scotland", settings=Settings.resolve({}, model="m"))
    prov = generate(prep, client, 1).provenance.to_dict()
    assert prov["system_fingerprint"] == "fp_0123abcd"
    assert prov["endpoint_host"] == "llm.example" and prov["model"] == "gpt-4o-mini-2024-07-18"
    assert (prov["region"], prov["profile_version"], prov["profile_source"]) == (
        "uk-scotland",
        "2026.11",
        "built-in",
    )
    assert prov["template_name"] == "section" and len(prov["template_sha256"]) == 64
    assert prov["story_sha256"] == prep.story.sha256 and prov["attempts"] == 1
    assert (prov["prompt_tokens"], prov["completion_tokens"]) == (900, 40)
    assert prov["language"] == "en" and prov["digital_source_type"] == TRAINED_ALGORITHMIC_MEDIA
