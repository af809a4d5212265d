#!/usr/bin/env python
"""The same batch a second time, answered from the response cache: jobs per second.

    python benchmarks/rerun.py [--jobs 300]

Runs `localize batch` (in-process) three times over the same stories and regions with one
cache folder, against benchmarks/loadtest_server.py (no limits, 0.05 s latency):

1. cold: into results-1.jsonl, filling the cache;
2. rerun from cache: into a new results-2.jsonl, so every job runs again and every answer
   comes from the cache (the server must see no request);
3. resume: into results-2.jsonl again, where every pair is already done.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REGIONS, count_results, load_server, run_cli, server_call, write_stories


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--jobs", type=int, default=300, help="jobs (a multiple of 4 regions)")
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="localize-rerun-"))
    stories = write_stories(tmp / "stories.jsonl", args.jobs // len(REGIONS))
    env = {"OPENAI_API_KEY": "x", "LOCALIZE_CACHE_DIR": str(tmp / "cache")}
    with load_server("--latency", "0.05") as url:
        base = [
            str(stories),
            "--regions",
            ",".join(REGIONS),
            "--base-url",
            url,
            "--model",
            "gpt-4o-mini",
            "--max-attempts",
            "1",
        ]
        rows = []
        for name, out in (
            ("cold (fills the cache)", "results-1.jsonl"),
            ("rerun from cache", "results-2.jsonl"),
            ("resume, all done", "results-2.jsonl"),
        ):
            server_call(url, "/reset", "POST")
            code, wall, err = run_cli([*base, "--output", str(tmp / out)], env=env)
            sent = server_call(url, "/stats")["received"]
            ok, failed = count_results(tmp / out)
            rows.append((name, code, wall, sent, ok, failed))
            summary = [ln for ln in err.splitlines() if ln.startswith("localize: done")]
            if summary:
                print(f"  {name}: {summary[-1]}")
    print(
        f"\n{args.jobs} jobs ({args.jobs // 4} stories x 4 regions), wall time of the whole "
        "command in-process (load stories, plan, run, write):"
    )
    print(f"{'run':24} {'exit':>4} {'wall s':>7} {'jobs/s':>8} {'requests':>8} {'written':>8}")
    for name, code, wall, sent, ok, _failed in rows:
        print(f"{name:24} {code:4d} {wall:7.2f} {args.jobs / wall:8.1f} {sent:8d} {ok:8d}")


if __name__ == "__main__":
    main()
