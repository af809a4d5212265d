"""Resuming a large results file: peak RSS of opening it, old code path beside new.

A resumed `localize batch` (and `batch merge`, and a retry of failed pairs) first reads the
results file it appends to. A results line holds a section, its findings and its spend: about
9 KB with a realistic answer, so a million jobs make a file of gigabytes. This writes results
files of N lines (four real lines from `localize batch` against the load-test server, repeated
under distinct story ids, every eighth one failed so the retry path runs too), then, in a fresh
process for each code path, opens the file as a resumed run does (`ResultsFile.open`, then
`begin` with the failed pairs) and prints the process's peak RSS and the time it took.

    .venv/bin/python benchmarks/resume_memory.py --old /tmp/old-localize --lines 10000,20000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import REGIONS, load_server, write_stories

ROOT = Path(__file__).resolve().parents[1]
BRIEF = ROOT / "examples" / "stories" / "brief.txt"

# Run in a fresh interpreter per code path, so one's memory cannot hide the other's.
PROBE = """
import json, sys, time
from localize.batch import ResultsFile
def hwm():  # this process's own peak (ru_maxrss would carry over its parent's: see batch_scale)
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
path = sys.argv[1]
base = hwm()
started = time.perf_counter()
with ResultsFile(path) as rf:
    rf.begin(sorted(rf.failed))
    done, failed = len(rf.done), len(rf.failed)
seconds = time.perf_counter() - started
peak = hwm()
print(json.dumps({"done": done, "failed": failed, "seconds": seconds,
                  "base_mb": base / 1024, "peak_mb": peak / 1024}))
"""


def sample_lines(work: Path) -> list[dict[str, object]]:
    """Four results lines (one story, four regions) from a real `localize batch` run."""
    stories = write_stories(work / "one.jsonl", 1, BRIEF)
    out = work / "sample.jsonl"
    with load_server("--answer", "realistic", "--latency", "0") as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LOCALIZE_", "OPENAI_"))}
        env.update(
            PYTHONPATH=str(ROOT / "src"),
            OPENAI_API_KEY="load-test",
            LOCALIZE_BASE_URL=url,
            LOCALIZE_MODEL="gpt-4o-mini",
            HOME=str(work),
            XDG_CONFIG_HOME=str(work / ".config"),
            XDG_CACHE_HOME=str(work / ".cache"),
        )
        cmd = [sys.executable, "-m", "localize", "batch", str(stories), "-r", ",".join(REGIONS)]
        subprocess.run(
            [*cmd, "--no-cache", "--no-log", "-o", str(out)],
            env=env,
            check=False,
            capture_output=True,
        )
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    if len(lines) != len(REGIONS) or any(x["section"] is None for x in lines):
        raise SystemExit(f"the sample run wrote no sections: {out.read_text()[:2000]}")
    return lines


def write_results(path: Path, samples: list[dict[str, object]], n: int) -> None:
    with path.open("w") as f:
        for i in range(n):
            line = dict(samples[i % len(samples)], story_id=f"story-{i // len(samples):07d}")
            if i % 8 == 7:  # a failed pair: no section, an error
                line.update(ok=False, status="failed", section=None, error="timed out")
            f.write(json.dumps(line, ensure_ascii=False) + "\n")


def probe(src: Path, path: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(src))
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)], env=env, capture_output=True, text=True
    )
    if proc.returncode:
        return {"error": 1.0}
    result: dict[str, float] = json.loads(proc.stdout)
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--old", type=Path, help="root of a checkout of the old code (git worktree)")
    p.add_argument("--lines", default="10000,20000", help="comma-separated results-file sizes")
    args = p.parse_args()
    paths = {"new": ROOT / "src"}
    if args.old is not None:
        paths = {"old": args.old / "src", **paths}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        samples = sample_lines(work)
        rows = []
        for n in (int(x) for x in args.lines.split(",")):
            path = work / f"results-{n}.jsonl"
            for variant, src in paths.items():
                write_results(path, samples, n)  # afresh: a resumed open rewrites the file
                size = path.stat().st_size / 2**20
                r = probe(src, path)
                rows.append((variant, n, size, r))
                if "error" in r:
                    print(f"  {variant} {n} lines ({size:.0f} MB): failed", flush=True)
                    continue
                print(
                    f"  {variant} {n} lines ({size:.0f} MB): peak RSS {r['peak_mb']:.0f} MB "
                    f"(interpreter and imports {r['base_mb']:.0f} MB), {r['seconds']:.2f} s",
                    flush=True,
                )
    print("\n| variant | lines | file MB | peak RSS MB | after imports MB | seconds |")
    print("|---|---|---|---|---|---|")
    for variant, n, size, r in rows:
        if "error" in r:
            print(f"| {variant} | {n:,} | {size:.0f} | failed | | |")
        else:
            print(
                f"| {variant} | {n:,} | {size:.0f} | {r['peak_mb']:.0f} | {r['base_mb']:.0f} | "
                f"{r['seconds']:.2f} |"
            )


if __name__ == "__main__":
    main()
