"""Recording and replaying a pipeline's LLM traffic: the pytest plugin, the CLI's --cassette,
what a mismatch says, and that no secret reaches a cassette."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import openai
import pytest
import vcr
import yaml
from click.testing import CliRunner

from localize.cli._main import cli
from localize.errors import CassetteError
from localize.prompting._origin import ORIGIN_HEADER, RequestOrigin
from localize.testing._mismatch import describe_mismatch
from localize.testing._recording import SECRET_HEADERS, replay_environment, use_cassette
from tests.conftest import CASSETTES, ROOT

PIPELINE = ROOT / "examples" / "pipeline"
PIPELINE_CASSETTES = PIPELINE / "tests" / "cassettes" / "test_sections"
OWN_REGION = PIPELINE_CASSETTES / "test_the_newsroom_own_region.yaml"
TEMPLATE = PIPELINE / "newsroom_sections" / "templates" / "house-section.jinja"
SECRET = "sk-test-secret-0123456789abcdef"


def _pipeline_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "pipeline"
    shutil.copytree(PIPELINE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return copy


def _pytest(
    project: Path, *args: str, block_network: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run a pipeline project's tests the way its CI would: offline, network blocked."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCALIZE_", "OPENAI_"))}
    # Only the copy is importable, not an installed newsroom_sections; no retry waits on a miss.
    # The localize under test stays first after it (a worktree's src/ on PYTHONPATH).
    path = os.pathsep.join(filter(None, [str(project), os.environ.get("PYTHONPATH")]))
    env |= {"PYTHONPATH": path, "LOCALIZE_MAX_RETRIES": "0"}
    flags = ["--block-network"] if block_network else []
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *flags, *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_example_pipeline_passes_offline_from_its_cassettes(tmp_path: Path) -> None:
    result = _pytest(_pipeline_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


@pytest.mark.live
def test_a_new_project_records_once_from_the_embedded_model_then_replays_offline(
    tmp_path: Path,
) -> None:
    """The whole cycle, with nothing configured: record from the embedded model, then replay."""
    project = _pipeline_copy(tmp_path)
    shutil.rmtree(project / "tests" / "cassettes")
    test = "tests/test_sections.py::test_the_newsroom_own_region"

    missing = _pytest(project, test)
    assert missing.returncode == 1 and "no such cassette" in missing.stdout, missing.stdout

    recorded = _pytest(project, test, "--record-mode=once", block_network=False)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    cassette = project / OWN_REGION.relative_to(PIPELINE)
    assert cassette.is_file()

    replayed = _pytest(project, test)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr


def test_a_changed_template_fails_naming_the_template_and_its_version(tmp_path: Path) -> None:
    project = _pipeline_copy(tmp_path)
    template = project / TEMPLATE.relative_to(PIPELINE)
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace("Rules:", "Rules (house style):"), encoding="utf-8")

    result = _pytest(project)

    out = result.stdout
    assert result.returncode == 1, out
    assert "2 failed" in out
    assert "match the recording tests/cassettes/test_sections/test_the_newsroom_own_region" in out
    assert "template 'house-section' version 1: its text changed since the recording" in out
    assert "message 1 (system) differs" in out
    assert "+Rules (house style):" in out
    rerecord = "pytest --record-mode=rewrite tests/test_sections.py::test_the_newsroom_own_region"
    assert rerecord in out
    # The explanation replaces the SDK's connection error and vcrpy's own report.
    assert "CannotOverwriteExistingCassetteException" not in out
    assert "Traceback" not in out


def _recorded(path: Path) -> list[Any]:
    with use_cassette(path, "none", rerecord="(re-record)") as recording:
        return recording.requests


def _with_origin(request: Any, **changes: str) -> Any:
    origin = RequestOrigin.from_headers(request.headers)
    assert origin is not None
    headers = {k: v for k, v in request.headers.items() if k.lower() != ORIGIN_HEADER.lower()}
    headers |= dataclasses.replace(origin, **changes).headers()
    return vcr.request.Request(request.method, request.uri, request.body, headers)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"template_version": "2"}, "template 'house-section': recorded at version 1, now 2"),
        ({"story_sha256": "0" * 12}, "story 'router-flaw': its text changed since the recording"),
        ({"profile_sha256": "0" * 12}, "profile 'ie': changed since the recording"),
        ({"template": "other"}, "template: recorded 'house-section' version 1, now 'other'"),
    ],
)
def test_a_mismatch_names_the_input_that_changed(changes: dict[str, str], expected: str) -> None:
    recorded = _recorded(OWN_REGION)
    body = json.loads(recorded[0].body)
    body["messages"][1]["content"] += "\nOne more line."
    changed = _with_origin(recorded[0], **changes)
    changed.body = json.dumps(body)

    mismatch = describe_mismatch(changed, recorded, played=set())

    assert mismatch.changes[0] == expected
    assert "message 2 (user) differs from the recording" in mismatch.changes
    assert mismatch.diff == ("+One more line.",)
    assert "for story 'router-flaw', region 'ie'" in mismatch.request


def test_a_changed_model_and_an_extra_request_are_named() -> None:
    recorded = _recorded(OWN_REGION)
    body = json.loads(recorded[0].body) | {"model": "gpt-4.1-mini", "temperature": 0.7}
    changed = vcr.request.Request("POST", recorded[0].uri, json.dumps(body), recorded[0].headers)
    mismatch = describe_mismatch(changed, recorded, played=set())
    assert "model: recorded 'smollm2-135m-instruct', now 'gpt-4.1-mini'" in mismatch.changes
    assert "parameters changed: temperature 0 -> 0.7" in mismatch.changes
    assert any("template, story and profile are as recorded" in c for c in mismatch.changes)

    extra = describe_mismatch(recorded[0], recorded, played=set(range(len(recorded))))
    assert "the run now makes more requests than when it was recorded" in extra.changes[0]


def test_replay_takes_endpoint_model_and_mode_from_the_recording() -> None:
    env = replay_environment(_recorded(OWN_REGION))
    assert env["LOCALIZE_MODEL"] == "smollm2-135m-instruct"
    assert env["LOCALIZE_STRUCTURED"] == "json_object"
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", env["LOCALIZE_BASE_URL"])


def _rewrite(*args: str, env: dict[str, str] | None = None) -> Any:
    base = [
        "rewrite",
        str(PIPELINE / "stories" / "router-flaw.txt"),
        "-r",
        "ie",
        "--profiles",
        str(PIPELINE / "profiles"),
    ]
    return CliRunner().invoke(cli, [*base, *args], env=env)


def test_cli_replays_a_cassette_offline_without_a_key_or_the_embedded_model() -> None:
    # No endpoint is configured: without the cassette this would start llama.cpp.
    result = _rewrite("-t", str(TEMPLATE), "--cassette", str(OWN_REGION), "--record-mode", "none")
    assert result.exit_code in (0, 4), result.output  # 4: the recorded section is flagged
    assert result.stdout.startswith("## What it means for Ireland\n")
    assert "embedded demo model" not in result.stderr
    assert "LOCALIZE_BASE_URL" not in os.environ  # the recording's settings were for the run only


def test_cli_cassette_from_the_environment_and_a_mismatch_in_one_line(tmp_path: Path) -> None:
    template = tmp_path / "house-section.jinja"
    template.write_text(TEMPLATE.read_text(encoding="utf-8").replace("Rules:", "Rules!"))
    env = {
        "LOCALIZE_CASSETTE": str(OWN_REGION),
        "LOCALIZE_RECORD_MODE": "none",
        "LOCALIZE_MAX_RETRIES": "0",
    }
    result = _rewrite("-t", str(template), env=env)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"localize: error: {OWN_REGION}: not in the recording: ")
    assert "template 'house-section' version 1: its text changed" in lines[0]
    assert "re-record with --record-mode rewrite" in lines[0]


def test_cli_a_missing_cassette_in_replay_mode_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "none.yaml"
    result = _rewrite("--cassette", str(missing), "--record-mode", "none")
    assert result.exit_code == 2
    assert f"{missing}: no such cassette; record it with --record-mode rewrite" in result.stderr


def test_batch_replays_the_pipeline_cassette(tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    cassette = PIPELINE_CASSETTES / "test_every_story_and_region_is_written_or_reported.yaml"
    args = ["batch", str(PIPELINE / "stories"), "-r", "uk,eu", "-t", str(TEMPLATE)]
    args += ["--output", str(out), "--cassette", str(cassette), "--record-mode", "none"]
    result = CliRunner().invoke(cli, args)
    # 1: the weak model failed a job; 4: a section was flagged
    assert result.exit_code in (0, 1, 4), result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted((r["story_id"], r["region"]) for r in rows) == [
        (s, r) for s in ("payments-outage", "router-flaw") for r in ("eu", "uk")
    ]
    assert all(r["error"] is None or "cannot connect" not in r["error"] for r in rows)


class _EchoCompletion(BaseHTTPRequestHandler):
    """A real HTTP endpoint for the recorder: answers every chat request the same way."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["content-length"]))
        body = json.dumps(
            {
                "id": "c1",
                "object": "chat.completion",
                "created": 0,
                "model": "m",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "{}"},
                        "finish_reason": "stop",
                    }
                ],
            }
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("set-cookie", f"session={SECRET}")
        self.send_header("openai-organization", "org-secret-account")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        body = json.dumps({"object": "list", "data": [{"id": "m", "object": "model"}]}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoCompletion)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_recording_scrubs_every_kind_of_secret(
    endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCALIZE_BASE_URL", f"http://{endpoint}/v1")  # the embedded model stays off
    path = tmp_path / "c.yaml"
    with use_cassette(path, "once", rerecord="(re-record)") as recording:
        assert not recording.replaying
        client = openai.OpenAI(
            api_key=SECRET,
            organization="org-secret-account",
            project="proj_secret_project",
            base_url=f"http://user:{SECRET}@{endpoint}/v1",
            default_headers={"api-key": SECRET, "cookie": f"session={SECRET}"},
            default_query={"api-key": SECRET, "token": SECRET},
        )
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        client.close()
    text = path.read_text()
    assert "/v1/chat/completions" in text and "hi" in text  # it did record
    for secret in (SECRET, "org-secret-account", "proj_secret_project", "user:"):
        assert secret not in text


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_rewrite_replaces_the_cassette_only_after_a_clean_run(
    endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCALIZE_BASE_URL", f"http://{endpoint}/v1")
    path = tmp_path / "c.yaml"

    def ask(content: str) -> None:
        client = openai.OpenAI(api_key="k", base_url=f"http://{endpoint}/v1")
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": content}])
        client.close()

    with use_cassette(path, "once", rerecord="(re-record)"):
        ask("first")
    with pytest.raises(RuntimeError), use_cassette(path, "rewrite", rerecord="(re-record)"):
        ask("second")
        raise RuntimeError("the run failed")
    assert "first" in path.read_text() and "second" not in path.read_text()
    with use_cassette(path, "rewrite", rerecord="(re-record)") as recording:
        assert not recording.replaying
        ask("second")
    assert "second" in path.read_text() and "first" not in path.read_text()
    with use_cassette(path, "once", rerecord="(re-record)") as recording:
        assert recording.replaying
        assert os.environ["LOCALIZE_BASE_URL"] == f"http://{endpoint}/v1"
        ask("second")  # answered from the file


@pytest.mark.parametrize("mode", ["once", "rewrite", "new_episodes"])
def test_a_recording_that_could_not_be_written_stops_before_the_run(
    tmp_path: Path, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # vcrpy writes the file at the end: the run was paid for, then a traceback (PermissionError,
    # NotADirectoryError) and no cassette.
    monkeypatch.setenv("LOCALIZE_BASE_URL", "http://127.0.0.1:9/v1")  # never the embedded model
    blocker = tmp_path / "file"
    blocker.write_text("")
    path = blocker / "c.yaml"
    ran = False
    with (
        pytest.raises(CassetteError, match=r"c\.yaml: cannot record to it: ") as info,
        use_cassette(path, mode, rerecord="(re-record)"),  # type: ignore[arg-type]
    ):
        ran = True
    assert not ran and str(info.value).count("\n") == 0
    story = str(ROOT / "examples" / "stories" / "wire.txt")
    res = CliRunner().invoke(cli, ["rewrite", story, "-r", "uk", "--cassette", str(path)])
    assert res.exit_code == 2 and "cannot record to it" in res.stderr, res.output


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_a_replay_that_asks_for_more_never_starts_the_embedded_model(
    endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "models-only.yaml"
    with monkeypatch.context() as m:
        m.setenv("LOCALIZE_BASE_URL", f"http://{endpoint}/v1")
        with use_cassette(path, "once", rerecord="(re-record)"):
            openai.OpenAI(api_key="k", base_url=f"http://{endpoint}/v1").models.list()
    # Nothing configured, and the recording has no chat request to take an endpoint from.
    result = _rewrite("--cassette", str(path), "--record-mode", "none")
    assert result.exit_code == 2, result.output
    assert "the embedded demo model is not allowed" in result.stderr
    assert "LOCALIZE_NO_DEMO_MODEL" not in os.environ


def _cassettes() -> list[Path]:
    return sorted([*CASSETTES.rglob("*.yaml"), *(ROOT / "examples").rglob("cassettes/**/*.yaml")])


def test_no_key_appears_in_any_cassette() -> None:
    """Every committed cassette, localize's and the example pipeline's, is free of secrets."""
    assert len(_cassettes()) > 10
    key_like = re.compile(
        r"sk-[A-Za-z0-9_-]{8,}|Bearer\s+\S|://[^/\s@:]+:[^/\s@]+@"
        r"|[?&](api[-_]?key|key|token|access_token|sig)=|recording-server-key"
        r"|must-not-reach-a-cassette"
    )
    secret_headers = {*SECRET_HEADERS}
    for path in _cassettes():
        text = path.read_text(encoding="utf-8")
        found = key_like.search(text)
        assert found is None, f"{path}: {found.group(0) if found else ''}"
        for interaction in yaml.safe_load(text)["interactions"]:
            request_headers = {h.lower() for h in interaction["request"]["headers"]}
            assert not request_headers & secret_headers, path
            response_headers = {h.lower() for h in interaction["response"]["headers"]}
            assert "set-cookie" not in response_headers, path
