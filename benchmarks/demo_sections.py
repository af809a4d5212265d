"""The embedded demo model on every example story and the real news stories, old code and
prompt against new, side by side (issue 21): sections written, sections passing the checks,
attempts, tokens and wall time per accepted section, passes per minute.

Each configuration runs in its own process with its own embedded server (SmolLM2-135M on
llama.cpp), one after the other, on the same (story, region) pairs in the same order:

- ``old``: the source tree of ``--baseline`` (a git ref; default: the commit issue 21 was filed
  against), extracted with ``git archive``, with its built-in template;
- ``new``: this working tree with its built-in template;
- ``new:PATH``: this working tree with the template file PATH (prompt variants,
  benchmarks/prompts/).

Server start-up is not timed; each pair's wall time is the `generate` call. No response cache.
Run it under the CPU lock; ``--max-pairs`` takes a subset (every story and region in turn):

    flock /tmp/localize-cpu.lock .venv/bin/python benchmarks/demo_sections.py \\
        --configs old,new --max-pairs 8
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STORY_FOLDERS = [ROOT / "examples" / "stories", ROOT / "tests" / "data" / "real_stories"]
REGIONS = "uk,eu,us,au"
# The commit issue 21 was filed against (the layout move): "old defaults".
BASELINE = "f7c3969"


def _pairs(regions: list[str], max_pairs: int | None) -> list[tuple[str, str]]:
    stories = [str(p) for folder in STORY_FOLDERS for p in sorted(folder.glob("*.txt"))]
    if max_pairs is not None and max_pairs < len(stories) * len(regions):
        # A subset: stories spread over the list, each with the next region in turn.
        return [
            (stories[i * len(stories) // max_pairs], regions[i % len(regions)])
            for i in range(max_pairs)
        ]
    # Regions vary fastest: one story's requests share the prompt's cached prefix.
    return [(s, r) for s in stories for r in regions]


# Text about the text ("This story is about", "The section highlights"): counted here to
# compare prompts; the grounding checks reject it (id "meta").
_META = re.compile(r"\b(?:this|the) (?:story|article|section|report)\b", re.IGNORECASE)


def _worker(pairs_file: Path, template: str | None, attempts: int, out: Path) -> None:
    """In the configuration's own process: write every pair, one JSON line each."""
    from localize import GenerationError, LLMClient, LocalServer, generate, load_story, prepare
    from localize.backends._local import LOCAL_MODEL

    pairs = json.loads(pairs_file.read_text(encoding="utf-8"))
    with LocalServer() as server, out.open("w", encoding="utf-8") as f:
        client = LLMClient(model=LOCAL_MODEL, base_url=server.base_url, structured="text")
        for story_path, region in pairs:
            story = load_story(story_path)
            prep = prepare(story, region, template=template, model=LOCAL_MODEL, structured="text")
            started = time.perf_counter()
            row: dict[str, Any] = {"story": Path(story_path).name, "region": region}
            try:
                result = generate(prep, client, attempts, audit=False)
            except GenerationError as exc:
                usage = exc.usage
                row |= {"written": False, "ok": False, "attempts": exc.attempts, "error": str(exc)}
            else:
                usage = None
                prov = result.provenance
                row |= {
                    "written": True,
                    "ok": result.checks.ok,
                    "attempts": prov.attempts,
                    "tokens": prov.prompt_tokens + prov.completion_tokens,
                    "errors": [e.check for e in result.checks.errors],
                    "body": result.section.body,
                }
            if usage is not None:
                row["tokens"] = usage.prompt_tokens + usage.completion_tokens
            row["wall_s"] = round(time.perf_counter() - started, 2)
            f.write(json.dumps(row) + "\n")
            f.flush()
            print(
                f"  {row['story']}/{region}: written={row['written']} ok={row['ok']} "
                f"attempts={row['attempts']} {row['wall_s']} s {row.get('errors', '')}",
                file=sys.stderr,
            )
        client.close()


def _source_for(config: str, baseline: str, tmp: Path) -> tuple[Path, str | None]:
    """The src folder and template a configuration runs with."""
    if config == "old":
        target = tmp / "old"
        target.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", baseline, "src"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
        return target / "src", None
    # A copy of this tree's source, taken before any configuration runs, so edits made while
    # the benchmark runs do not leak into it.
    snapshot = tmp / "new" / "src"
    if not snapshot.exists():
        shutil.copytree(ROOT / "src", snapshot, ignore=shutil.ignore_patterns("__pycache__"))
    if config == "new":
        return snapshot, None
    if config.startswith("new:"):
        return snapshot, str(Path(config[4:]).resolve())
    raise SystemExit(f"--configs: unknown configuration {config!r} (old, new, new:PATH)")


def _summary(name: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    passing = sum(r["ok"] for r in rows)
    wall = sum(r["wall_s"] for r in rows)
    attempts = sum(r["attempts"] for r in rows)
    tokens = sum(r.get("tokens", 0) for r in rows)

    def per_pass(x: float) -> float | None:
        return round(x / passing, 1) if passing else None

    return {
        "config": name,
        "pairs": len(rows),
        "written": sum(r["written"] for r in rows),
        "passing": passing,
        "meta_text": sum(bool(_META.search(r.get("body", ""))) for r in rows),
        "passing_without_meta": sum(r["ok"] and not _META.search(r["body"]) for r in rows),
        "attempts": attempts,
        "attempts_per_pass": per_pass(attempts),
        "tokens_per_pass": per_pass(tokens),
        "wall_s": round(wall, 1),
        "wall_s_per_pass": per_pass(wall),
        "passes_per_min": round(passing / (wall / 60), 2) if wall else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default="old,new", help="old, new, new:TEMPLATE (comma)")
    parser.add_argument("--regions", default=REGIONS)
    parser.add_argument("--max-pairs", type=int, default=None, help="a spread-out subset")
    parser.add_argument("--max-attempts", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE, help="git ref for 'old'")
    parser.add_argument("--json", type=Path, help="write every row and the summary here")
    parser.add_argument(
        "--worker", nargs=3, metavar=("PAIRS", "TEMPLATE", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.worker:
        pairs_file, template, out = args.worker
        _worker(Path(pairs_file), template or None, args.max_attempts, Path(out))
        return 0

    pairs = _pairs(args.regions.split(","), args.max_pairs)
    print(f"{len(pairs)} pairs, {args.max_attempts} attempts, load {os.getloadavg()[0]:.1f}")
    summaries, rows_by_config = [], {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        pairs_file = tmp / "pairs.json"
        pairs_file.write_text(json.dumps(pairs), encoding="utf-8")
        configs = args.configs.split(",")
        sources = [_source_for(config, args.baseline, tmp) for config in configs]
        for i, (config, (src, template)) in enumerate(zip(configs, sources, strict=True)):
            out = tmp / f"rows-{i}.jsonl"
            print(f"{config}:", file=sys.stderr)
            env = {**os.environ, "PYTHONPATH": str(src)}
            worker = [
                str(Path(__file__).resolve()),
                "--worker",
                str(pairs_file),
                template or "",
                str(out),
            ]
            subprocess.run(
                [sys.executable, *worker, "--max-attempts", str(args.max_attempts)],
                env=env,
                check=True,
            )
            rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
            rows_by_config[config] = rows
            summaries.append(_summary(config, rows))
    keys = list(summaries[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for s in summaries:
        print("| " + " | ".join("-" if s[k] is None else str(s[k]) for k in keys) + " |")
    print(f"load after: {os.getloadavg()[0]:.1f}")
    if args.json:
        args.json.write_text(
            json.dumps({"summary": summaries, "rows": rows_by_config}, indent=1) + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
