"""The whole flow against recorded traffic of the embedded model: every region, re-asks, async."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from localize import (
    CheckReport,
    GenerationError,
    LLMClient,
    Provenance,
    Story,
    alocalize,
    check,
    get_region,
    load_template,
    localize,
)
from localize.answer import parse_section
from localize.backends._local import LOCAL_MODEL, local_model_generation
from localize.pipeline import generate, prepare
from tests.support import RECORD_BASE_URL, ROOT, request_bodies, response_bodies

PROSE = str(ROOT / "tests" / "data" / "templates" / "prose.jinja")


def _user_message(body: dict[str, Any]) -> str:
    return str(body["messages"][1]["content"])


@pytest.mark.vcr
@pytest.mark.parametrize("region", ["uk", "eu", "us", "au"])
def test_every_builtin_region_gets_a_section(
    region: str, wire_story: Story, client: LLMClient, vcr: Any
) -> None:
    result = localize(wire_story, region, client=client)
    profile = get_region(region)
    assert result.section.heading == profile.section_heading
    assert result.section.body.strip()
    requests, responses = request_bodies(vcr), response_bodies(vcr)
    # The profile's entries chosen for this story reach the model, after the story (shared
    # prefix first), and provenance records which they were.
    prompt = _user_message(requests[0])
    chosen = [e["name"] for e in result.provenance.region_entries["entries"]]
    assert chosen
    for name in chosen:
        assert name in prompt
        assert prompt.index(name) > prompt.index("</story>")
    # Usage is summed over every attempt the cassette holds.
    prov = result.provenance
    assert prov.attempts == len(requests)
    assert prov.prompt_tokens == sum(r["usage"]["prompt_tokens"] for r in responses)
    assert prov.completion_tokens == sum(r["usage"]["completion_tokens"] for r in responses)
    assert prov.structured_mode == "json_object" and prov.region == region
    assert prov.template_sha256 == load_template().sha256
    data = json.loads(json.dumps(result.to_dict()))  # one serialisable shape
    assert data["checks"]["ok"] == result.checks.ok
    assert data["checks"]["error_count"] == len(result.checks.errors)
    assert CheckReport.from_dict(data["checks"]) == result.checks
    assert Provenance.from_dict(data["provenance"]) == prov


@pytest.mark.vcr
def test_check_findings_are_sent_back_in_a_reask(
    wire_story: Story, client: LLMClient, vcr: Any
) -> None:
    # A 300-word minimum no answer of this model meets: the first answer always fails a check.
    demanding = dataclasses.replace(load_template(), min_words=300)
    result = localize(wire_story, "eu", client=client, template=demanding, max_attempts=2)
    requests = request_bodies(vcr)
    assert len(requests) == 2 and result.provenance.attempts == 2
    reask = requests[1]["messages"]
    first_answer = response_bodies(vcr)[0]["choices"][0]["message"]["content"]
    assert reask[:2] == requests[0]["messages"]
    assert reask[-2] == {"role": "assistant", "content": first_answer}
    assert reask[-1]["role"] == "user"
    assert "cannot be published" in reask[-1]["content"]
    first = parse_section(first_answer)
    first_report = check(first.body, wire_story, get_region("eu"), min_words=300)
    # Every error of the first answer is sent back, one line each.
    for line in first_report.feedback().splitlines()[1:]:
        assert line in reask[-1]["content"]
    assert "write at least 300 words" in reask[-1]["content"]
    # The kept answer is the one with the fewest errors, and its report is the result's.
    answers = [parse_section(r["choices"][0]["message"]["content"]) for r in response_bodies(vcr)]
    reports = [check(a.body, wire_story, get_region("eu"), min_words=300) for a in answers]
    assert len(result.checks.errors) == min(len(r.errors) for r in reports)
    assert not result.checks.ok


@pytest.mark.vcr
def test_the_embedded_model_writes_one_paragraph_of_prose(wire_story: Story, vcr: Any) -> None:
    """The embedded default: prose, stopped at the model's first blank line, checked as JSON is."""
    client = LLMClient(
        model=LOCAL_MODEL, base_url=RECORD_BASE_URL, max_retries=0, structured="text"
    )
    result = localize(wire_story, "uk", client=client, max_attempts=1)
    (request,) = request_bodies(vcr)
    (response,) = response_bodies(vcr)
    expected = local_model_generation(load_template().defaults, "text")
    assert request["stop"] == ["\n\n"] and request["max_tokens"] == expected["max_tokens"]
    assert "response_format" not in request
    assert "section text only" in request["messages"][0]["content"]
    assert response["choices"][0]["finish_reason"] == "stop"
    answer = response["choices"][0]["message"]["content"]
    assert "\n\n" not in answer.strip()
    assert result.provenance.structured_mode == "text"
    assert result.section.body == parse_section(answer, "text", result.section.heading).body
    assert result.checks == check(
        result.section, wire_story, get_region("uk"), template=load_template()
    )


@pytest.mark.vcr
def test_invalid_output_is_reasked_with_the_validation_error(wire_story: Story, vcr: Any) -> None:
    client = LLMClient(
        model=LOCAL_MODEL, base_url=RECORD_BASE_URL, max_retries=0, structured="text"
    )
    # A prompt made for a negotiating client expects JSON; sent in text mode (where negotiation
    # ends on an endpoint that refuses response_format), prose is not a section.
    prep = prepare(wire_story, "uk", template=PROSE, model=LOCAL_MODEL, structured="auto")
    with pytest.raises(GenerationError, match="not a JSON object") as info:
        generate(prep, client, max_attempts=2)
    assert info.value.attempts == 2
    first, second = request_bodies(vcr)
    assert "response_format" not in first
    answer = response_bodies(vcr)[0]["choices"][0]["message"]["content"]
    assert second["messages"][-2] == {"role": "assistant", "content": answer}
    assert "the answer is not a JSON object" in second["messages"][-1]["content"]


@pytest.mark.vcr
def test_a_cut_off_answer_is_not_sent_back(wire_story: Story, client: LLMClient, vcr: Any) -> None:
    short = dataclasses.replace(
        load_template(), defaults={"max_tokens": 12, "seed": 42, "temperature": 0}
    )
    with pytest.raises(GenerationError, match="cut off"):
        localize(wire_story, "uk", client=client, template=short, max_attempts=2)
    first, second = request_bodies(vcr)
    assert all(r["choices"][0]["finish_reason"] == "length" for r in response_bodies(vcr))
    assert [m["role"] for m in second["messages"]] == ["system", "user", "user"]
    assert second["messages"][:2] == first["messages"]
    assert "cut off" in second["messages"][-1]["content"]


@pytest.mark.vcr(allow_playback_repeats=True)
async def test_alocalize_matches_the_sync_flow(wire_story: Story, vcr: Any) -> None:
    async with LLMClient(
        model=LOCAL_MODEL, base_url=RECORD_BASE_URL, max_retries=0, structured="json_object"
    ) as client:
        result = await alocalize(wire_story, "uk", client=client, max_attempts=1)
        # The sync call sends the very same request (the cassette answers it again).
        synced = localize(wire_story, "uk", client=client, max_attempts=1)
    # Both requests matched the one recorded request on its body, byte for byte.
    assert len(vcr.requests) == 1 and vcr.play_count == 2
    assert result.section == synced.section and result.checks == synced.checks
    same = dataclasses.replace(synced.provenance, latency_s=result.provenance.latency_s)
    assert result.provenance == same
    assert result.provenance.attempts == 1
    assert result.provenance.prompt_tokens == response_bodies(vcr)[0]["usage"]["prompt_tokens"]


@pytest.mark.vcr
def test_generate_takes_max_attempts_from_the_environment(
    wire_story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without max_attempts, generate uses LOCALIZE_MAX_ATTEMPTS (or the config file)."""
    monkeypatch.setenv("LOCALIZE_MAX_ATTEMPTS", "1")
    client = LLMClient(
        model=LOCAL_MODEL, base_url=RECORD_BASE_URL, max_retries=0, structured="text"
    )
    prep = prepare(wire_story, "uk", template=PROSE, model=LOCAL_MODEL, structured="auto")
    with pytest.raises(GenerationError, match="not a JSON object") as info:
        generate(prep, client)
    assert info.value.attempts == 1
