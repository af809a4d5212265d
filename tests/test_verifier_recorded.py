"""The model verifier against a real server: the bundled llama.cpp model (SmolLM2-135M), started
by scripts/record_cassettes.py and reached as a configured endpoint (a base URL), recorded once
and replayed offline.

These cassettes prove the plumbing only: the request, the constrained JSON answer, the strict
reading, the cost. A 135M model's verdicts are poor (see the README), which is why the verifier
is refused on the embedded demo model and is never the only line.
"""

from __future__ import annotations

from typing import Any

import pytest

from localize import LLMClient, Story, check, localize
from localize.prompting._verification import VERDICT_SCHEMA
from tests.support import STORIES, request_bodies, response_bodies

UK = (STORIES / "wire-with-uk-section.txt").read_text().splitlines()[-1]


@pytest.mark.vcr
def test_a_written_section_is_verified_on_the_same_endpoint(
    wire_story: Story, client: LLMClient, vcr: Any
) -> None:
    result = localize(wire_story, "uk", client=client, verify=True, max_attempts=1, audit=False)
    requests, responses = request_bodies(vcr), response_bodies(vcr)
    # One request for the section, one for all its sentences' verdicts.
    assert len(requests) == 2
    assert requests[1]["response_format"] == {"type": "json_object", "schema": VERDICT_SCHEMA}
    links = result.checks.sentences
    assert links
    for link in links:
        assert f"Sentence {link.number}: {link.text}" in requests[1]["messages"][1]["content"]
    v = result.checks.verification
    assert v is not None and v.model == responses[1]["model"]
    # The grammar kept the answer JSON, and it was read: a verdict for every sentence. (As
    # recorded: the invented DSIT report "supported", the ban given to the UK government not.)
    assert v.problem is None
    assert [(x.sentence, x.supported) for x in v.verdicts] == [(1, True), (2, False)]
    [verified] = [f for f in result.checks.findings if f.check == "verified"]
    assert verified.severity == "warning" and verified.text == links[1].text
    # The checks ran first and all their findings stand: the verifier only adds.
    plain = check(result.section, wire_story, "uk")
    assert result.checks.findings[: len(plain.findings)] == plain.findings
    assert {f.check for f in result.checks.findings[len(plain.findings) :]} <= {"verified"}
    # Its tokens are the response's, and summed into the provenance with the attempt's.
    assert (v.prompt_tokens, v.completion_tokens) == (
        responses[1]["usage"]["prompt_tokens"],
        responses[1]["usage"]["completion_tokens"],
    )
    prov = result.provenance
    assert prov.prompt_tokens == sum(r["usage"]["prompt_tokens"] for r in responses)
    assert prov.completion_tokens == sum(r["usage"]["completion_tokens"] for r in responses)


@pytest.mark.vcr
def test_check_verifies_the_seed_paragraph(wire_story: Story, client: LLMClient, vcr: Any) -> None:
    report = check(UK, wire_story, "uk", verify=True, client=client)
    [request] = request_bodies(vcr)
    assert request["messages"][1]["content"].count("Sentence ") == len(report.sentences) == 4
    # As recorded, the 135M model gave three verdicts for four sentences: read strictly, that
    # answer is unreadable, a warning, and no verdict is made up.
    v = report.verification
    assert v is not None and v.verdicts == ()
    assert v.problem == "no verdict on sentence(s) 4"
    [finding] = report.findings  # the paragraph is clean to the checks
    assert finding.check == "verified" and finding.severity == "warning"
    assert "could not be read: no verdict on sentence(s) 4" in finding.message
