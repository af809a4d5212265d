"""Fault harness: kill `localize batch` at random moments, rerun it, and count every pair.

    .venv/bin/python benchmarks/kill_resume.py [--stories 30] [--kills 6] [--seed 7]

Runs `localize batch` as a real subprocess against the load-test server, sends it SIGKILL (and,
every other time, SIGINT, as Ctrl-C does) at random moments, then runs the same command until it
finishes. Prints, per run, the lines in the results file, and at the end whether every
(story, region) pair is there exactly once and every line parses. Exits 1 if not.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REGIONS, ROOT, load_server, write_stories


def _batch(stories: Path, out: Path, url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LOCALIZE_MAX_RETRIES": "3"}
    env.pop("OPENAI_API_KEY", None)
    cmd = [
        sys.executable,
        "-m",
        "localize",
        "batch",
        str(stories),
        "--regions",
        ",".join(REGIONS),
        "--output",
        str(out),
        "--base-url",
        url,
        "--model",
        "loadtest",
        "--no-cache",
        "--concurrency",
        "8",
    ]
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _lines(out: Path) -> list[bytes]:
    return out.read_bytes().splitlines(keepends=True) if out.exists() else []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=30)
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    expected = {(f"story-{i:03d}", r) for i in range(args.stories) for r in REGIONS}

    with tempfile.TemporaryDirectory() as tmp, load_server("--latency", "0.2") as url:
        stories = write_stories(Path(tmp) / "stories.jsonl", args.stories)
        out = Path(tmp) / "results.jsonl"
        for k in range(args.kills):
            before = len(_lines(out))
            proc = _batch(stories, out, url)
            # Kill mid-run whatever the machine's load: once this run has written a line (startup
            # can take seconds on a busy machine), after a random further delay.
            deadline = time.monotonic() + 60
            while len(_lines(out)) <= before and proc.poll() is None:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.02)
            time.sleep(rng.uniform(0.0, 1.0))
            how = signal.SIGKILL if k % 2 == 0 else signal.SIGINT
            proc.send_signal(how)
            proc.wait(timeout=60)
            print(
                f"run {k + 1}: {how.name} after start -> {len(_lines(out))} line(s) on disk, "
                f"exit {proc.returncode}"
            )
        proc = _batch(stories, out, url)
        code = proc.wait(timeout=600)
        print(f"final run: exit {code} -> {len(_lines(out))} line(s)")

        keys: collections.Counter[tuple[str, str]] = collections.Counter()
        torn = 0
        for line in _lines(out):
            try:
                data = json.loads(line)
            except json.JSONDecodeError:
                torn += 1
                continue
            # A flagged section is written and done (never retried), like a passed one; the
            # load-test server's short answer is flagged by the region checks.
            if data["status"] in ("passed", "flagged"):
                keys[(data["story_id"], data["region"])] += 1
    dupes = sum(1 for n in keys.values() if n > 1)
    missing = len(expected - set(keys))
    print(
        f"pairs expected {len(expected)}, present {len(keys)}, duplicated {dupes}, "
        f"missing {missing}, unparseable lines {torn}"
    )
    # Exit 4 means every job wrote its section and some were flagged: a complete run.
    ok = dupes == 0 and missing == 0 and torn == 0 and code in (0, 4)
    print("exactly once: yes" if ok else "exactly once: NO")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
