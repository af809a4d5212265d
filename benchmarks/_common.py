"""Shared helpers for the benchmarks: the load-test server, stories, and running `localize batch`
in-process (so interpreter start-up is not timed)."""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WIRE = ROOT / "examples" / "stories" / "wire.txt"
REGIONS = ["uk", "eu", "us", "au"]


@contextlib.contextmanager
def load_server(*args: str, max_seconds: int = 290) -> Iterator[str]:
    """Start benchmarks/loadtest_server.py; yields its base URL."""
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "loadtest_server.py"),
            "--max-seconds",
            str(max_seconds),
            *args,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def server_call(url: str, path: str, method: str = "GET") -> dict[str, Any]:
    root = url.rsplit("/v1", 1)[0]
    req = urllib.request.Request(
        f"{root}{path}", method=method, data=b"" if method == "POST" else None
    )
    with urllib.request.urlopen(req, timeout=5) as r:
        data: dict[str, Any] = json.loads(r.read())
    return data


def write_stories(path: Path, n: int, base: Path = WIRE, digits: int = 3) -> Path:
    """``n`` distinct stories (``base``, the wire story by default, plus a numbered update
    paragraph) as JSONL, with ids ``story-`` and ``digits`` digits."""
    text = base.read_text(encoding="utf-8")
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            body = f"{text}\n\nUpdate {i}: officials said the review would take {i + 2} weeks."
            f.write(json.dumps({"id": f"story-{i:0{digits}d}", "body": body}) + "\n")
    return path


def write_real_stories(path: Path, n: int, digits: int = 3) -> Path:
    """``n`` real, wholly distinct stories as JSONL: the documents of tests/data/factual (news
    articles, transcripts, emails; 662 in all, about 1.9 KB at the median), in a fixed order.
    No sentence repeats from story to story, so a cache keyed by a sentence's text gains
    nothing across stories, as in a real batch."""
    docs: dict[str, None] = {}
    for file in sorted((ROOT / "tests" / "data" / "factual").glob("*.jsonl")):
        for line in file.read_text(encoding="utf-8").splitlines():
            docs.setdefault(json.loads(line)["doc"], None)
    if n > len(docs):
        raise SystemExit(
            f"--stories real: {n} stories asked for, the factual sets hold {len(docs)}"
        )
    with path.open("w", encoding="utf-8") as f:
        for i, body in enumerate(list(docs)[:n]):
            f.write(json.dumps({"id": f"story-{i:0{digits}d}", "body": body}) + "\n")
    return path


def run_cli(args: list[str], env: dict[str, str] | None = None) -> tuple[int, float, str]:
    """Run `localize batch ARGS` in this process: exit code, wall seconds, stderr text."""
    import os

    from localize.cli._batch import batch

    old = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    err = io.StringIO()
    started = time.perf_counter()
    try:
        with contextlib.redirect_stderr(err):
            # Without standalone mode click returns the exit code of ctx.exit() (how errors
            # end) instead of raising it; sys.exit() in a command still raises SystemExit.
            returned = batch.main(args, prog_name="localize batch", standalone_mode=False)
        code = returned if isinstance(returned, int) else 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return code, time.perf_counter() - started, err.getvalue()


def count_results(path: Path) -> tuple[int, int]:
    """Result lines with a section written (passed or flagged) and lines without one."""
    written = failed = 0
    # A line at a time: a benchmark that read a 20,000-job file whole held 400 MB, and a
    # process it starts after that reports it as its own peak in ``wait4``'s ``ru_maxrss``.
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            # The load-test server's short answer is flagged by the region checks: a throughput
            # run counts sections that came back, whatever the checks said of them (read from
            # the section itself, which results files of older code have too).
            if json.loads(line)["section"] is not None:
                written += 1
            else:
                failed += 1
    return written, failed


# llama.cpp prints these once per completion (llama-cpp-python's server runs verbose).
_PROMPT_EVAL = re.compile(r"prompt eval time =\s*([\d.]+) ms /\s*(\d+) tokens")
_TOTAL = re.compile(r"total time =\s*([\d.]+) ms /\s*(\d+) tokens")


@dataclass(frozen=True)
class LlamaTimings:
    """What llama.cpp's server reported for a stretch of its log: one entry per completion."""

    prompt_eval_ms: list[float]
    prompt_eval_tokens: list[int]
    total_ms: list[float]

    @classmethod
    def parse(cls, log: str) -> LlamaTimings:
        evals = _PROMPT_EVAL.findall(log)
        return cls(
            [float(ms) for ms, _ in evals],
            [int(n) for _, n in evals],
            [float(ms) for ms, _ in _TOTAL.findall(log)],
        )

    @property
    def evaluated(self) -> int:
        """Prompt tokens evaluated (those served from the KV cache are not)."""
        return sum(self.prompt_eval_tokens)

    @property
    def prompt_s(self) -> float:
        return sum(self.prompt_eval_ms) / 1000

    @property
    def generating_s(self) -> float:
        """Producing the answers: decoding and sampling their tokens (all but prompt eval)."""
        return (sum(self.total_ms) - sum(self.prompt_eval_ms)) / 1000


def log_since(path: Path | None, offset: int) -> tuple[str, int]:
    """The server log's text written after byte ``offset``, and the new offset."""
    if path is None:
        return "", offset
    with path.open("rb") as f:
        f.seek(offset)
        data = f.read()
    return data.decode("utf-8", "replace"), offset + len(data)
