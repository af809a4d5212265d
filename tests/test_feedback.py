"""What a user sees while localize works: spinner, batch bar, -v logging; and what stays out."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from click.testing import CliRunner
from rich.console import Console

import localize
from localize._redact import SecretFilter, redact_text, redact_url
from localize.backends import Spend, Usage
from localize.batch import BatchSummary, JobResult
from localize.cli._batch import _Progress
from localize.cli._feedback import generation_spinner, setup_logging
from localize.cli._main import cli
from localize.errors import BackendError
from localize.events import AttemptStarted, RetryWait, emit
from tests.support import ROOT, STORIES

API_KEY = "sk-feedback-secret-0123456789"
URL_SECRET = "pw-in-the-url-9f8e"


class _RateLimited(BaseHTTPRequestHandler):
    """An endpoint over its rate limit: every request gets 429 with a short Retry-After."""

    requests = 0

    def do_POST(self) -> None:
        type(self).requests += 1
        self.rfile.read(int(self.headers.get("content-length") or 0))
        body = json.dumps({"error": {"message": "Rate limit reached", "type": "requests"}})
        self.send_response(429)
        self.send_header("content-type", "application/json")
        self.send_header("retry-after-ms", "20")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def rate_limited_url() -> Iterator[str]:
    _RateLimited.requests = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RateLimited)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://editor:{URL_SECRET}@127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _quiet_logging() -> Iterator[None]:
    yield
    setup_logging(0)  # a -v run leaves no handler behind for the next test


class _Answers(BaseHTTPRequestHandler):
    """An endpoint that answers every chat completion with the same short section."""

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["content-length"])))
        answer = json.dumps({"body": "The ban reaches suppliers here, the story says."})
        body = json.dumps(
            {
                "id": "c",
                "object": "chat.completion",
                "created": 0,
                "model": request["model"],
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": answer},
                    }
                ],
                "usage": {"prompt_tokens": 900, "completion_tokens": 20, "total_tokens": 920},
            }
        ).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_the_readme_events_example_runs_as_written(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("LOCALIZE_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}/v1")
    monkeypatch.setenv("LOCALIZE_MODEL", "readme-model")
    monkeypatch.chdir(ROOT)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n## Watching a run")
    (code,) = re.findall(
        r"```python\n(.*?)```", readme[start : readme.index("\n## ", start + 1)], re.S
    )
    try:
        exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    finally:
        server.shutdown()
    shown = capsys.readouterr().err
    assert "AttemptStarted(attempt=1, max_attempts=3, story_id='wire', region='uk')" in shown


# ---------------------------------------------------------------------------------- events


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_a_rate_limit_wait_is_an_event(rate_limited_url: str) -> None:
    client = localize.LLMClient(
        model="gpt-4o-mini",
        base_url=rate_limited_url,
        api_key=API_KEY,
        max_retries=2,
        structured="json_object",
    )
    seen: list[Any] = []
    with localize.observe(seen.append), pytest.raises(BackendError) as info:
        client.complete([{"role": "user", "content": "x"}], params={}, schema={})
    assert _RateLimited.requests == 3
    assert seen == [RetryWait(1, 0.02, "HTTP 429", True), RetryWait(2, 0.02, "HTTP 429", True)]
    assert URL_SECRET not in str(info.value)
    with localize.observe(seen.append):
        pass
    emit(AttemptStarted(1, 1, "s", "uk"))  # outside every observe block: nobody hears it
    assert len(seen) == 2


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_verbose_logs_timing_and_retries_without_secrets(rate_limited_url: str) -> None:
    result = CliRunner().invoke(
        cli,
        ["-v", "rewrite", str(STORIES / "wire.txt"), "-r", "uk", "--base-url", rate_limited_url],
        env={
            "OPENAI_API_KEY": API_KEY,
            "LOCALIZE_MAX_RETRIES": "1",
            "LOCALIZE_STRUCTURED": "json_object",
        },
    )
    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    requests = [line for line in lines if "POST http://127.0.0.1:" in line]
    assert len(requests) == 2 and all("HTTP 429 after" in line for line in requests)
    assert any("retry 1 in 0.0 s after HTTP 429" in line for line in lines)
    assert API_KEY not in result.stderr and URL_SECRET not in result.stderr
    assert "\x1b" not in result.stderr  # not a terminal: plain lines only


def test_redaction() -> None:
    assert redact_url("https://u:p@host:8443/v1?api-key=abc&api-version=2") == (
        "https://host:8443/v1?api-key=REDACTED&api-version=2"
    )
    assert redact_url("http://[::1]:8080/v1") == "http://[::1]:8080/v1"
    text = "key sk-abcdefghijklmnop, Authorization: Bearer tok.en and api_key=zzz9 http://a:b@h/"
    cleaned = redact_text(text, ["zzz9"])
    for secret in ("sk-abcdefghijklmnop", "tok.en", "zzz9", "a:b@"):
        assert secret not in cleaned
    record = logging.LogRecord("localize", logging.INFO, "f", 1, "sent %s", ("my-key-42",), None)
    assert SecretFilter(["my-key-42"]).filter(record) and record.getMessage() == "sent REDACTED"


# ------------------------------------------------------------------------------- terminal


def test_spinner_shows_the_attempt_and_the_wait_on_a_terminal() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80)
    with generation_spinner(console):
        emit(AttemptStarted(2, 3, "wire", "uk"))
        emit(RetryWait(1, 4.0, "HTTP 429", True))
    shown = out.getvalue()
    assert "wire uk: attempt 2/3, re-asking with the check findings" in shown
    assert "rate limited (HTTP 429): waiting 4.0 s before retry 1" in shown


def test_no_spinner_off_a_terminal() -> None:
    out = io.StringIO()
    with generation_spinner(Console(file=out, force_terminal=False)):
        emit(AttemptStarted(1, 3, "wire", "uk"))
    assert out.getvalue() == ""


def test_batch_bar_fits_80_columns() -> None:
    summary = BatchSummary(total=1200, skipped=200)
    live = Console(file=io.StringIO(), force_terminal=True, width=80)
    with _Progress(live) as progress:
        progress.started(summary)
        for n in range(3):
            result = JobResult(
                f"story-{n}", "uk", error="boom", spend=Spend(Usage(1_234_567, 45_678))
            )
            summary.add(result)
            progress.finished_job(result, summary)
        assert progress.bar is not None
        out = io.StringIO()
        Console(file=out, width=80, color_system=None).print(progress.bar.get_renderable())
    lines = out.getvalue().rstrip("\n").splitlines()
    assert len(lines) == 1 and len(lines[0]) <= 80, lines
    line = lines[0]
    for needle in ("3/1000", "3 failed", "3.84M tok", "cost ?", "ETA"):
        assert needle in line, line
