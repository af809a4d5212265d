"""The embedded model with llama.cpp's extra buffer types (weight repacking) on and off.

Issue 7's crash fix turns them off on CPUs that advertise AMX (and wherever a probe completion
crashes). This measures what that costs where they work: both servers run side by side in one
process run, answering the same prompts in alternating order, and the figures are llama.cpp's own
timings (prompt evaluation and generation per token) as well as the wall time per request.

    .venv/bin/python benchmarks/extra_buffers.py [--rounds 3] [--max-tokens 64]
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import time
import urllib.request
from pathlib import Path
from typing import Any

from localize import load_story, prepare
from localize.backends._local import LOCAL_MODEL, LocalServer, cpu_has_amx
from localize.config import Settings

ROOT = Path(__file__).resolve().parents[1]
REGIONS = ["uk", "eu", "us", "au"]
# llama-cpp-python logs llama.cpp's timings for each request.
_PROMPT_EVAL = re.compile(r"prompt eval time =\s*([\d.]+) ms /\s*(\d+) tokens")
_EVAL = re.compile(r"^\S*\s*eval time =\s*([\d.]+) ms /\s*(\d+) runs", re.MULTILINE)


def _post(base_url: str, messages: list[Any], max_tokens: int) -> float:
    body = json.dumps(
        {
            "model": LOCAL_MODEL,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": 0,
            "seed": 42,
        }
    ).encode()
    req = urllib.request.Request(
        f"{base_url}/chat/completions", data=body, headers={"Content-Type": "application/json"}
    )
    started = time.perf_counter()
    with urllib.request.urlopen(req, timeout=600) as r:
        r.read()
    return time.perf_counter() - started


def _timings(server: LocalServer) -> tuple[list[float], list[float]]:
    """ms per prompt token and ms per generated token, for every request in the server's log."""
    assert server._log is not None
    server._log.flush()
    log = Path(server._log.name).read_text(errors="replace")
    prompt = [float(ms) / int(n) for ms, n in _PROMPT_EVAL.findall(log) if int(n)]
    gen = [float(ms) / int(n) for ms, n in _EVAL.findall(log) if int(n)]
    return prompt, gen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--max-tokens", type=int, default=64)
    args = ap.parse_args()

    settings = Settings.resolve({}, model=LOCAL_MODEL)
    story = load_story(ROOT / "examples" / "stories" / "wire.txt")
    prompts = [prepare(story, r, settings=settings).messages for r in REGIONS]
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}; AMX: {cpu_has_amx()}")
    servers = {"extra buffers on": True, "extra buffers off": False}
    walls: dict[str, list[float]] = {name: [] for name in servers}
    running: dict[str, LocalServer] = {}
    try:
        for name, extra in servers.items():
            running[name] = LocalServer(extra_buffers=extra, threads=2)
            running[name].start()
        for i in range(args.rounds):
            # Alternate which variant goes first, so neither always meets a warmer machine.
            order = list(running.items()) if i % 2 == 0 else list(reversed(running.items()))
            for name, server in order:
                for messages in prompts:
                    walls[name].append(_post(server.base_url, messages, args.max_tokens))
        print(f"{args.rounds} round(s) x {len(prompts)} prompts, max_tokens {args.max_tokens}")
        print(f"{'variant':20} {'wall s/req':>11} {'prompt ms/tok':>14} {'gen ms/tok':>11}")
        for name, server in running.items():
            prompt, gen = _timings(server)
            print(
                f"{name:20} {statistics.mean(walls[name]):11.2f} "
                f"{statistics.median(prompt):14.2f} {statistics.median(gen):11.2f}"
            )
    finally:
        for server in running.values():
            server.stop()


if __name__ == "__main__":
    main()
