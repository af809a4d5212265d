#!/usr/bin/env python
"""llama.cpp settings for the embedded model on a small machine, one at a time, in process.

    python benchmarks/llama_settings.py [--rounds 3] [--tokens 48]

Loads SmolLM2-135M with llama-cpp-python (as the embedded server does) under each setting below,
evaluates one real prompt (the wire story for the UK, ~1,500 tokens) from an empty cache and then
generates ``--tokens`` tokens greedily, one at a time. Settings alternate in order from round to
round so machine load falls on all of them. Prints the median prompt-evaluation and generation
milliseconds per token for each:

- before: what the embedded server ran with before issue 11 (llama-cpp-python's server defaults:
  logits of every prompt token kept, no flash attention);
- default: `ServerTuning()`, what it runs with now;
- then the default with one thing changed: 1 thread, smaller batches, a 2,048-token window, the
  logits of every token kept, flash attention off.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace
from typing import Any

from _common import WIRE
from llama_cpp import Llama

from localize import Settings, load_story, prepare
from localize.backends._local import (
    LOCAL_CONTEXT_WINDOW,
    LOCAL_MODEL,
    LocalServer,
    ServerTuning,
    cpu_has_amx,
    local_model_path,
)


def configs() -> dict[str, dict[str, Any]]:
    cores = LocalServer().threads  # every core, as the embedded server starts
    default = ServerTuning()

    def of(t: ServerTuning, **extra: Any) -> dict[str, Any]:
        base = {"n_threads": cores, "n_threads_batch": cores, "n_ctx": LOCAL_CONTEXT_WINDOW}
        kwargs = {"n_batch": t.n_batch, "n_ubatch": t.n_ubatch, "flash_attn": t.flash_attn}
        return {**base, **kwargs, "logits_all": t.logits_all, **extra}

    return {
        "before": of(ServerTuning.llama_cpp_defaults()),
        "default": of(default),
        "1 thread": of(default, n_threads=1, n_threads_batch=1),
        "batch 256": of(replace(default, n_batch=256, n_ubatch=256)),
        "batch 128": of(replace(default, n_batch=128, n_ubatch=128)),
        "n_ctx 2048": of(default, n_ctx=2048),
        "logits_all": of(replace(default, logits_all=True)),
        "no flash": of(replace(default, flash_attn=False)),
    }


def measure(kwargs: dict[str, Any], text: str, tokens: int) -> tuple[float, float]:
    """Milliseconds per token: prompt evaluation, then generation."""
    llm = Llama(str(local_model_path()), verbose=False, **kwargs)
    try:
        prompt = llm.tokenize(text.encode("utf-8"))
        llm.reset()
        started = time.perf_counter()
        llm.eval(prompt)
        prompt_ms = (time.perf_counter() - started) * 1000 / len(prompt)
        started = time.perf_counter()
        for _ in range(tokens):
            llm.eval([llm.sample(temp=0.0)])
        return prompt_ms, (time.perf_counter() - started) * 1000 / tokens
    finally:
        llm.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3, help="runs of each setting")
    p.add_argument("--tokens", type=int, default=48, help="tokens generated per run")
    args = p.parse_args()
    if cpu_has_amx():
        from localize.backends._llama_server import _disable_extra_buffers

        _disable_extra_buffers()  # as the embedded server does there: repacking crashes
    settings = Settings.resolve({}, base_url="http://127.0.0.1:9/v1", model=LOCAL_MODEL)
    prep = prepare(load_story(WIRE), "uk", settings=settings)
    text = "\n\n".join(m["content"] for m in prep.messages)
    chosen = configs()
    prompt: dict[str, list[float]] = {k: [] for k in chosen}
    gen: dict[str, list[float]] = {k: [] for k in chosen}
    for rnd in range(args.rounds):
        order = list(chosen) if rnd % 2 == 0 else list(reversed(chosen))
        for name in order:
            p_ms, g_ms = measure(chosen[name], text, args.tokens)
            prompt[name].append(p_ms)
            gen[name].append(g_ms)
        print(f"  round {rnd + 1} done", flush=True)
    print(
        f"\nSmolLM2-135M Q4_1, one ~{prep.prompt_tokens.tokens}-token prompt, {args.tokens} "
        f"generated tokens, median of {args.rounds} round(s), ms per token:"
    )
    print(f"{'setting':12} {'prompt eval':>11} {'generation':>10}   runs (prompt / generation)")
    for name in chosen:
        runs = " ".join(f"{a:.1f}/{b:.1f}" for a, b in zip(prompt[name], gen[name], strict=True))
        print(
            f"{name:12} {statistics.median(prompt[name]):11.2f} "
            f"{statistics.median(gen[name]):10.1f}   {runs}"
        )


if __name__ == "__main__":
    main()
