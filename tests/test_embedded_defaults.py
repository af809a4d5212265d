"""The embedded backend's measured defaults (one request at a time, the llama.cpp settings its
server starts with, its output mode) and the plain-text path (issue 11; figures in
benchmarks/embedded_batch.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

import localize.cli._main  # noqa: F401  (imported first: _batch_cli reuses its error handling)
from localize import Settings, load_story, prepare
from localize.answer import parse_section
from localize.backends._local import LocalServer, ServerTuning, local_model_generation
from localize.batch import DEFAULT_CONCURRENCY, choose_concurrency
from localize.cli._batch import batch
from localize.errors import ConfigError
from localize.pipeline import EMBEDDED_STRUCTURED, _client_for, structured_mode
from localize.prompting._templates import load_template
from tests.fault_server import BODY, Script, completion
from tests.support import STORIES

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])

HEADING = "What it means for the UK"


@pytest.mark.parametrize(
    "answer",
    [
        BODY,
        f"  {BODY}\n",
        f"```\n{BODY}\n```",
        f"```text\n{BODY}\n```",
        f"# {HEADING}\n\n{BODY}",
        f"**{HEADING}**\n{BODY}",
        f"{HEADING}:\n\n{BODY}",
        f"Here is the section for UK readers:\n\n{BODY}",
        f"Section: {BODY}",
        json.dumps({"body": BODY}),
        f"```json\n{json.dumps({'body': BODY})}\n```",
        f"<section>\n{BODY}",
    ],
)
def test_a_text_answer_is_the_prose_without_its_wrapping(answer: str) -> None:
    assert parse_section(answer, "text", HEADING).body == BODY


def test_a_text_answer_keeps_its_paragraphs_and_reads_inline_markers_as_citations() -> None:
    answer = "The ban matters to UK buyers [2].\n\nThe NCSC will want to know [3]."
    out = parse_section(answer, "text", HEADING)
    assert out.body == "The ban matters to UK buyers.\n\nThe NCSC will want to know."
    assert [c.sources for c in out.citations] == [(2,), (3,)]


def test_a_first_sentence_ending_in_a_colon_is_kept_when_nothing_follows() -> None:
    assert parse_section("The rules say:", "text").body == "The rules say:"


@pytest.mark.parametrize("answer", ["", "  \n", f"# {HEADING}\n", '{"summary": "x"}'])
def test_an_empty_or_wrong_text_answer_is_a_value_error(answer: str) -> None:
    with pytest.raises(ValueError):
        parse_section(answer, "text", HEADING)


def test_each_backend_starts_in_its_measured_output_mode() -> None:
    embedded = Settings()
    assert structured_mode(embedded) == EMBEDDED_STRUCTURED == "text"
    local = "http://127.0.0.1:9/v1"
    assert _client_for(embedded, "m", local_url=local).structured == "text"
    assert _client_for(Settings(structured="json_object"), "m", local_url=local).structured == (
        "json_object"
    )
    assert _client_for(Settings(structured="text"), "m", local_url=local).structured == "text"
    remote = Settings(base_url="http://127.0.0.1:9/v1")
    assert structured_mode(remote) == "auto"  # negotiated: OpenAI's json_schema first


def test_the_prompt_asks_for_prose_in_text_mode_and_json_otherwise() -> None:
    story = load_story(STORIES / "wire.txt")
    remote = Settings(base_url="http://127.0.0.1:9/v1")
    text = prepare(story, "uk", settings=Settings(structured="text"))
    as_json = prepare(story, "uk", settings=remote)
    assert text.answer == "text" and as_json.answer == "json"
    assert "section text only" in text.messages[0]["content"]
    assert "JSON" not in text.messages[0]["content"]
    assert '"paragraphs"' in as_json.messages[0]["content"]
    # A given client's mode wins over the settings: the prompt matches the request.
    assert prepare(story, "uk", settings=remote, structured="text").answer == "text"
    assert prepare(story, "uk", settings=Settings(structured="text"), structured="auto").answer == (
        "json"
    )
    assert prepare(story, "uk", settings=Settings()).answer == "text"  # the embedded default
    template = load_template()
    assert "section text only" in template.render_reask("- Too short.", answer="text")
    assert '"paragraphs"' in template.render_reask("- Too short.")
    # The shared prefix is unchanged by the mode but for the one instruction line.
    assert text.messages[1] == as_json.messages[1]


def test_the_embedded_model_writes_one_paragraph_of_prose_within_its_cap() -> None:
    story = load_story(STORIES / "wire.txt")
    embedded = prepare(story, "uk", settings=Settings())
    assert embedded.params["stop"] == ["\n\n"]
    assert embedded.params["max_tokens"] < load_template().defaults["max_tokens"]
    # Under the grammar, or on another model, the template's parameters go as they are.
    as_json = prepare(story, "uk", settings=Settings(structured="json_object"))
    assert as_json.params == load_template().defaults
    other = prepare(story, "uk", settings=Settings(structured="text"), model="gpt-4o-mini")
    assert other.params == load_template().defaults
    # A template's own stop and lower cap win.
    own = {"max_tokens": 50, "stop": ["END"], "temperature": 0}
    assert local_model_generation(own, "text") == own
    assert local_model_generation({}, "json") == {}


def test_concurrency_follows_what_the_endpoint_serves_at_once() -> None:
    width, why = choose_concurrency(None, Settings())
    assert width == 1 and "one request at a time" in why and "back to back" in why
    remote = Settings(base_url="http://127.0.0.1:9/v1")
    assert choose_concurrency(None, remote)[0] == DEFAULT_CONCURRENCY
    assert choose_concurrency(None, Settings(base_url=remote.base_url, slots=1))[0] == 1
    assert choose_concurrency(None, Settings(base_url=remote.base_url, slots=4)) == (
        4,
        "the endpoint serves 4 requests at a time (slots)",
    )
    assert choose_concurrency(3, Settings()) == (3, "set by --concurrency")
    # A client of one's own on the embedded settings is not the embedded server.
    assert choose_concurrency(None, Settings(), own_client=False)[0] == DEFAULT_CONCURRENCY
    with pytest.raises(ConfigError, match="--concurrency"):
        choose_concurrency(0, Settings())


def test_slots_come_from_the_environment_and_are_bounded() -> None:
    assert Settings.resolve({"LOCALIZE_SLOTS": "1"}).slots == 1
    assert Settings.resolve({}).slots is None
    with pytest.raises(ConfigError, match="LOCALIZE_SLOTS"):
        Settings.resolve({"LOCALIZE_SLOTS": "0"})


def test_the_embedded_server_starts_with_the_measured_settings() -> None:
    server = LocalServer(port=1)
    assert server.tuning == ServerTuning()
    args = ServerTuning().args()
    pairs = dict(zip(args[::2], args[1::2], strict=True))
    assert pairs == {
        "--n_batch": "512",
        "--n_ubatch": "512",
        "--flash_attn": "true",
        "--logits_all": "false",
    }
    before = dict(zip(*[iter(ServerTuning.llama_cpp_defaults().args())] * 2, strict=True))
    assert before["--flash_attn"] == "false" and before["--logits_all"] == "true"


def test_single_slot_endpoint_gets_a_storys_regions_back_to_back(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    script = Script(httpserver, completion(BODY))
    stories = tmp_path / "stories"
    stories.mkdir()
    for name in ("alpha", "beta"):
        text = (STORIES / "wire.txt").read_text(encoding="utf-8")
        (stories / f"{name}.txt").write_text(f"{text}\n\nNote on {name}.", encoding="utf-8")
    out = tmp_path / "results.jsonl"
    args = [str(stories), "-r", "uk,eu", "-o", str(out), "--model", "fault-model"]
    args += ["--base-url", script.url, "--slots", "1", "--structured", "text", "--no-cache"]
    args += ["--max-attempts", "1"]
    res = CliRunner().invoke(batch, args)
    assert res.exit_code == 4, res.output  # every scripted section is flagged (too short)
    assert "4 job(s), 1 at a time (the endpoint serves one request at a time" in res.stderr
    order: list[tuple[str, str]] = []
    for request in script.received:
        user = json.loads(request.get_data())["messages"][1]["content"]
        order.append(
            (
                "alpha" if "Note on alpha" in user else "beta",
                "uk" if "Region: United Kingdom" in user else "eu",
            )
        )
    assert [story for story, _ in order] == ["alpha", "alpha", "beta", "beta"]
    sections = [json.loads(line)["section"]["body"] for line in out.read_text().splitlines()]
    assert sections == [BODY] * 4


def test_slots_out_of_bounds_is_refused_naming_the_option(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        batch,
        [str(STORIES / "wire.txt"), "-r", "uk", "-o", str(tmp_path / "r.jsonl"), "--slots", "0"],
    )
    assert res.exit_code == 2 and "--slots" in res.stderr
    assert not (tmp_path / "r.jsonl").exists()
