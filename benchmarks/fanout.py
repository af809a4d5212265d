#!/usr/bin/env python
"""Shared-prefix fan-out: one story to uk, eu, us and au on the embedded llama.cpp server.

    python benchmarks/fanout.py [--rounds 2] [--max-tokens 32]

Compares two prompt layouts in one run, one region after another on the same server:

- story first (the shipped ``section`` template): system block, story, then region profile;
  regions 2..4 share the system block and the story with the request before them;
- region first: the same template with the ``<region>`` block moved before the ``<story>``,
  so consecutive requests share only the system block.

Before each layout a short unrelated request clears llama.cpp's prefix cache. Prints the wall
time per layout, their ratio, the prompt tokens llama.cpp evaluated for each region (read from
the server's log: its ``prompt eval`` timings / ``prefix-match hit`` lines), and the share of
wall time spent generating the answers (llama.cpp's total time per completion less its prompt
evaluation): a layout saves only prompt evaluation, so that share is out of its reach. Outputs
are kept short (``--max-tokens``) so prompt evaluation dominates, as with short sections; raise
it to see the share a full section leaves.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

from _common import ROOT, LlamaTimings, log_since

from localize import LLMClient, Settings, load_story, prepare
from localize.backends._local import LOCAL_MODEL, LocalServer
from localize.pipeline import structured_mode
from localize.prompting._templates import PromptTemplate, list_templates, load_template
from localize.section import SectionOutput

REGIONS = ["uk", "eu", "us", "au"]
_EVAL = re.compile(r"prompt eval time =\s*[\d.]+ ms /\s*(\d+) tokens")
_HIT = re.compile(r"(\d+) prefix-match hit, remaining (\d+) prompt tokens to eval")


def region_first() -> PromptTemplate:
    text = list_templates()["section"].read_text(encoding="utf-8")
    story = re.search(r"^<story>.*?</story>\n\n", text, re.DOTALL | re.MULTILINE)
    region = re.search(r"^<region>.*?</region>\n\n", text, re.DOTALL | re.MULTILINE)
    assert story and region and story.start() < region.start()
    swapped = text[: story.start()] + region.group(0) + story.group(0) + text[region.end() :]
    swapped = swapped.replace("name: section", "name: section-region-first", 1)
    return PromptTemplate.from_string(swapped, source="section-region-first.jinja")


def evaluated(log: str, prompt_tokens: int) -> int:
    """Prompt tokens llama.cpp evaluated for the request whose log text is ``log``."""
    if (m := _HIT.search(log)) is not None:
        return int(m.group(2))
    if evals := _EVAL.findall(log):
        return int(evals[-1])
    return prompt_tokens


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=2, help="times each layout runs")
    p.add_argument("--max-tokens", type=int, default=32, help="output tokens per region")
    args = p.parse_args()
    story = load_story(ROOT / "examples" / "stories" / "wire.txt")
    layouts = {"story-first": load_template("section"), "region-first": region_first()}
    walls: dict[str, list[float]] = {k: [] for k in layouts}
    per_region: dict[str, list[list[int]]] = {k: [] for k in layouts}
    generating: dict[str, list[float]] = {k: [] for k in layouts}
    prompt_sizes: dict[str, list[int]] = {}
    schema = SectionOutput.json_schema()
    mode = structured_mode(Settings())  # the embedded model's own output mode
    with LocalServer() as server:
        settings = Settings.resolve({}, base_url=server.base_url, model=LOCAL_MODEL)
        client = LLMClient(
            model=LOCAL_MODEL,
            base_url=server.base_url,
            max_retries=0,
            structured=mode,
            timeout=600,
        )
        log_path = server.log_path
        preps = {
            name: [
                prepare(story, r, template=t, settings=settings, structured=mode) for r in REGIONS
            ]
            for name, t in layouts.items()
        }
        for rnd in range(args.rounds):
            order = list(layouts) if rnd % 2 == 0 else list(reversed(layouts))
            for name in order:
                # An unrelated prompt: llama.cpp's cache then holds no part of either layout.
                client.complete(
                    [{"role": "user", "content": f"Reply OK ({rnd}{name})."}],
                    params={"temperature": 0, "max_tokens": 2},
                    schema=schema,
                )
                counts = []
                _, layout_start = log_since(log_path, 0)
                started = time.perf_counter()
                for prep in preps[name]:
                    offset = log_path.stat().st_size if log_path else 0
                    done = client.complete(
                        prep.messages,
                        schema=schema,
                        params={**prep.params, "max_tokens": args.max_tokens},
                    )
                    text = ""
                    if log_path:
                        with log_path.open("rb") as f:
                            f.seek(offset)
                            text = f.read().decode("utf-8", "replace")
                    counts.append(evaluated(text, done.usage.prompt_tokens))
                    prompt_sizes.setdefault(name, []).append(done.usage.prompt_tokens)
                walls[name].append(time.perf_counter() - started)
                per_region[name].append(counts)
                timings = LlamaTimings.parse(log_since(log_path, layout_start)[0])
                generating[name].append(timings.generating_s / walls[name][-1])
                print(
                    f"  round {rnd + 1} {name:12} {walls[name][-1]:6.2f} s; prompt tokens "
                    f"evaluated per region {counts}; generating {generating[name][-1]:.0%}"
                )
        client.close()
    sf, rf = (statistics.mean(walls[k]) for k in ("story-first", "region-first"))
    print(
        f"\nembedded model {LOCAL_MODEL}, 1 story x {len(REGIONS)} regions, max_tokens "
        f"{args.max_tokens}, {args.rounds} round(s), mean wall time per layout:"
    )
    for name in layouts:
        mean_counts = [round(statistics.mean(c)) for c in zip(*per_region[name], strict=True)]
        print(
            f"  {name:12} {statistics.mean(walls[name]):6.2f} s   prompt tokens per request "
            f"~{round(statistics.mean(prompt_sizes[name]))}, evaluated per region "
            f"{dict(zip(REGIONS, mean_counts, strict=True))}, generating "
            f"{statistics.mean(generating[name]):.0%} of wall time"
        )
    print(f"  region-first / story-first wall time: {rf / sf:.2f}x")


if __name__ == "__main__":
    main()
