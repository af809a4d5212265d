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
from localize.backends import Completion, Usage
from localize.backends._local import LOCAL_MODEL, local_model_generation
from localize.pipeline import (
    PreparedPrompt,
    _attempts,
    _Request,
    build_result,
    generate,
    prepare,
    review_answer,
)
from localize.result import LocalizeResult
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
    # No request is sent twice: a repeat would get the same answer back (issue 21).
    assert len({json.dumps(r, sort_keys=True) for r in requests}) == len(requests)
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


# --- the attempt loop on given answers (issue 21) -----------------------------------------------
# The loop is driven with answers written here, so each test controls exactly what comes back.

_GOOD = (
    "UK security teams that used Fable or Mythos have lost access to both models, as Anthropic "
    "suspended worldwide access after the US export control order [3, 4]. The 76 experts who "
    "signed the open letter warn that the restriction could impede defenders protecting digital "
    "infrastructure and software, including within the UK [2]. The National Cyber Security "
    "Centre, which issues guidance and handles incidents, may be asked how UK defenders should "
    "cope without these models [5]."
)
_INVENTED = [
    " The ban will cost UK firms 300 million pounds [3].",
    " The Home Office said 12 banks were hit [4].",
    " Ofsted found 9 schools at risk on 3 March [5].",
]


def _with_errors(n: int) -> str:
    """The clean answer with ``n`` invented sentences after it."""
    return _GOOD + "".join(_INVENTED[:n])


def _drive(
    prep: PreparedPrompt, answers: list[tuple[str, str]]
) -> tuple[list[_Request], LocalizeResult | GenerationError]:
    """Run the attempt loop on ``answers`` ((content, finish_reason) each): what it sent, and
    the result it built or the error it raised."""
    steps = _attempts(prep, len(answers))
    sent = [next(steps)]
    try:
        for content, finish in answers:
            sent.append(
                steps.send(Completion(content, finish, Usage(100, 50), LOCAL_MODEL, "text"))
            )
    except StopIteration as stop:
        return sent, build_result(prep, stop.value, endpoint=RECORD_BASE_URL, latency_s=0.0)
    except GenerationError as exc:
        return sent, exc
    raise AssertionError("the loop asked for more answers than it was given")


@pytest.fixture
def prose_prep(wire_story: Story) -> PreparedPrompt:
    return prepare(wire_story, "uk", model=LOCAL_MODEL, structured="text")


def test_a_cut_off_answer_keeps_its_complete_sentences(prose_prep: PreparedPrompt) -> None:
    cut = _GOOD + " The Information Commissioner's Office may also"
    _, result = _drive(prose_prep, [(cut, "length")])
    assert isinstance(result, LocalizeResult)
    assert result.section.body.startswith("UK security teams")
    assert "may also" not in result.section.body
    assert result.checks.ok and result.provenance.attempts == 1


def test_a_cut_off_answer_is_reasked_only_when_what_remains_fails(
    prose_prep: PreparedPrompt,
) -> None:
    salvaged = _with_errors(1)
    sent, result = _drive(
        prose_prep, [(salvaged + " It also said that", "length"), (_GOOD, "stop")]
    )
    assert isinstance(result, LocalizeResult) and result.checks.ok
    reask = sent[1].messages
    # Only the complete sentences go back, with their errors and the length problem.
    assert reask[-2] == {"role": "assistant", "content": salvaged}
    assert "300 million" in reask[-1]["content"] and "cut off" in reask[-1]["content"]


def test_an_answer_cut_off_before_its_first_full_stop_is_not_a_section(
    prose_prep: PreparedPrompt,
) -> None:
    _, error = _drive(prose_prep, [("UK security teams that used", "length")])
    assert isinstance(error, GenerationError) and "cut off" in str(error)


def test_no_reask_repeats_an_earlier_request(prose_prep: PreparedPrompt) -> None:
    """The same problem each time (the issue's three cut-offs): every request is new, so
    neither the response cache nor a deterministic model can answer it as before."""
    sent, error = _drive(prose_prep, [("Nothing complete", "length")] * 4)
    assert isinstance(error, GenerationError) and error.attempts == 4
    bodies = [json.dumps([r.messages, r.params], sort_keys=True) for r in sent]
    assert len(set(bodies)) == len(bodies)
    # Sampled, not greedy, once the problem repeats; and a shorter section asked each time.
    assert sent[1].params == prose_prep.params
    assert all(r.params["temperature"] > 0 for r in sent[2:])
    assert len({r.params["seed"] for r in sent}) == len(sent) - 1
    asks = [r.messages[-1]["content"] for r in sent[1:]]
    assert "at most 4 sentences" in asks[1] and "at most 3 sentences" in asks[2]


def test_when_every_attempt_fails_the_one_with_fewest_errors_is_kept(
    prose_prep: PreparedPrompt,
) -> None:
    answers = [_with_errors(2), _with_errors(1), _with_errors(3)]
    reports = [review_answer(a, prose_prep)[1] for a in answers]
    errors = [len(r.errors) for r in reports]
    assert errors[1] < errors[0] < errors[2]  # the premise: the middle answer is the best
    _, result = _drive(prose_prep, [(a, "stop") for a in answers])
    assert isinstance(result, LocalizeResult) and result.provenance.attempts == 3
    assert result.section.body == review_answer(answers[1], prose_prep)[0].body
    assert result.checks == reports[1] and not result.checks.ok
    assert result.to_dict()["checks"]["error_count"] == errors[1]


def test_a_tie_keeps_the_earlier_answer(prose_prep: PreparedPrompt) -> None:
    first, second = (
        _GOOD + _INVENTED[0],
        _GOOD + " The ban will cost UK firms 400 million pounds [3].",
    )
    assert len(review_answer(first, prose_prep)[1].errors) == len(
        review_answer(second, prose_prep)[1].errors
    )
    _, result = _drive(prose_prep, [(first, "stop"), (second, "stop")])
    assert isinstance(result, LocalizeResult) and "300 million" in result.section.body


def test_a_cut_off_json_answer_keeps_its_complete_sentence_objects() -> None:
    from localize.answer import parse_section, salvage_json

    cut = (
        '{"paragraphs": [[{"text": "For UK firms, the \\"ban\\" matters.", "sources": [1]}], '
        '[{"text": "The NCSC advises patching.", "sources": [2]}, {"text": "It also'
    )
    kept = salvage_json(cut)
    assert parse_section(kept).body.split("\n\n") == [
        'For UK firms, the "ban" matters.',
        "The NCSC advises patching.",
    ]
    # Nothing complete to keep: nothing is salvaged, and the answer is re-asked.
    assert salvage_json('{"paragraphs": [[{"text": "For UK firms') == ""
