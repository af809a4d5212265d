"""The embedded model's figures on the labelled folder: share of sections that pass the checks,
attempts per accepted section, tokens per section (the baseline `localize eval` prints).

Starts the embedded model (llama.cpp, SmolLM2-135M) once and writes a section for every
(story, region) pair of the folder with the built-in template, re-asking on check errors. Run it
under the CPU lock; ``--save`` stores the figures in src/localize/evaluation/eval_baseline.json.

    flock /tmp/localize-cpu.lock .venv/bin/python benchmarks/generation_eval.py [--save]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from localize import LLMClient, LocalServer, Settings, generate, load_template, prepare
from localize.backends._local import LOCAL_MODEL
from localize.evaluation._evaluation import evaluate_generation, load_cases, pairs_of
from localize.pipeline import structured_mode
from localize.regions._profiles import RegionProfile
from localize.story import Story

ROOT = Path(__file__).resolve().parents[1]

BASELINE = ROOT / "src" / "localize" / "evaluation" / "eval_baseline.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", default="tests/data/checks", help="labelled folder")
    parser.add_argument("--max-attempts", type=int, default=3)
    parser.add_argument("--save", action="store_true", help=f"write {BASELINE.name}")
    args = parser.parse_args()

    pairs = pairs_of(load_cases(ROOT / args.folder))
    template = load_template()
    mode = structured_mode(Settings())  # the embedded model's own output mode
    started = time.perf_counter()
    with LocalServer() as server:
        client = LLMClient(model=LOCAL_MODEL, base_url=server.base_url, structured=mode)

        def write(story: Story, region: RegionProfile) -> object:
            prep = prepare(story, region, template=template, model=LOCAL_MODEL, structured=mode)
            result = generate(prep, client, args.max_attempts)
            print(
                f"  {story.id}/{region.id}: ok={result.checks.ok} "
                f"attempts={result.provenance.attempts} "
                f"errors={[f.check for f in result.checks.errors]}",
                file=sys.stderr,
            )
            return result

        run = evaluate_generation(pairs, write, model=LOCAL_MODEL, template=template.name)
        client.close()
    figures = {
        "model": LOCAL_MODEL,
        "folder": args.folder,
        "template": template.name,
        "template_version": template.version,
        "structured_mode": mode,
        "max_attempts": args.max_attempts,
        **{k: v for k, v in run.to_dict().items() if k not in ("model", "template")},
        "wall_s": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(figures, indent=2))
    if args.save:
        BASELINE.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
