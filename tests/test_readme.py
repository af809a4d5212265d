"""Every example in the README runs as written.

The shell examples of "Using it from the terminal" and "Many stories, many regions" and the
Python example run in a copy of the examples folder, against a loopback OpenAI-compatible
endpoint given the way a reader gives their own (``LOCALIZE_BASE_URL``, ``OPENAI_BASE_URL``).
It answers every request with the seed story's human-written UK paragraph. What the sections say
is not the point here (the recorded tests check real model output); that every command, option,
file name and function shown exists and works as shown is. Examples that need an outside
service are not run: the Quick start (installs), "Choosing the model" (OpenAI, Ollama, vLLM, a
running `localize serve`), `localize serve` itself, and the test commands.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from localize.cli._main import cli
from tests.support import ROOT, STORIES

README = (ROOT / "README.md").read_text(encoding="utf-8")
HUMAN_SECTION = (STORIES / "wire-with-uk-section.txt").read_text(encoding="utf-8").splitlines()[-1]
NOT_RUN = {"localize serve"}  # starts the embedded model and waits for Ctrl-C


def _section(title: str) -> str:
    start = README.index(f"\n## {title}")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def _blocks(title: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", _section(title), re.DOTALL)


def _commands(title: str) -> list[list[str]]:
    """Each ``localize ...`` line, and each ``cat FILE | localize ...`` (as ``<FILE`` then the
    command: the file is its standard input)."""
    lines = [ln for block in _blocks(title, "sh") for ln in block.splitlines()]
    out = []
    for ln in lines:
        words = shlex.split(ln, comments=True)
        if words[:1] == ["cat"] and "|" in words:
            bar = words.index("|")
            out.append([f"<{words[1]}", *words[bar + 1 :]])
        elif ln.startswith("localize ") and words[:2] != ["localize", "serve"]:
            out.append(words)
    return out


class _Endpoint(BaseHTTPRequestHandler):
    def _json(self, data: dict[str, Any]) -> None:
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._json({"object": "list", "data": [{"id": "readme-model", "object": "model"}]})

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["content-length"])))
        answer = {"role": "assistant", "content": json.dumps({"body": HUMAN_SECTION})}
        self._json(
            {
                "id": "chatcmpl-readme",
                "object": "chat.completion",
                "created": 0,
                "model": request["model"],
                "choices": [{"index": 0, "finish_reason": "stop", "message": answer}],
                "usage": {"prompt_tokens": 900, "completion_tokens": 120, "total_tokens": 1020},
            }
        )

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOCALIZE_BASE_URL", url)
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    yield url
    server.shutdown()


def test_the_readme_profile_is_the_shipped_example_file() -> None:
    (profile,) = _blocks("Regions", "yaml")
    assert (ROOT / "examples" / "ie.yaml").read_text(encoding="utf-8") == profile


def test_the_readme_shows_the_examples_this_test_runs() -> None:
    commands = _commands("Using it from the terminal") + _commands("Many stories")
    assert len(commands) >= 9 and all(c[0] == "localize" for c in commands if c[0][0] != "<")
    assert any(c[0] == "<examples/story.json" for c in commands)  # the shipped file
    assert len(_blocks("Using it from Python", "python")) == 1


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
@pytest.mark.parametrize(
    "command",
    _commands("Using it from the terminal") + _commands("Many stories"),
    ids=lambda c: " ".join(c[1:4]),
)
def test_shell_example_runs_as_written(command: list[str], endpoint: str) -> None:
    stdin = None
    if command[0].startswith("<"):
        stdin, command = Path(command[0][1:]).read_text(encoding="utf-8"), command[1:]
    result = CliRunner().invoke(cli, command[1:], input=stdin)
    # 4 is an answer too: the canned section flagged (check errors left) for a region.
    assert result.exit_code in (0, 4), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "error:" not in result.stderr, result.stderr
    if "-o" in command or "--output" in command or "--export" in command:
        flag = next(f for f in ("-o", "--output", "--export") if f in command)
        target = command[command.index(flag) + 1]
        assert target == "-" or Path(target).is_file()


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_python_example_runs_as_written(endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    (code,) = _blocks("Using it from Python", "python")  # it reads examples/ie.yaml
    exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    printed = capsys.readouterr().out
    assert "What it means for the UK" in printed and "readme-model" in printed
    assert json.loads(printed[printed.index("{") : printed.rindex("}") + 1])["ok"] is True


def test_the_newsroom_check_example_runs_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    (code,) = _blocks("Grounding checks", "python")
    exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    assert capsys.readouterr().out.strip() == "['The style guide bans \"game-changer\".']"
