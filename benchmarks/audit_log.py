#!/usr/bin/env python
"""What the audit log costs per recorded section, and why it keeps its connection open.

    python benchmarks/audit_log.py [--rows 300]

Side by side, in one run, into fresh databases in a temporary folder:

1. ``AuditLog.add`` as localize records a section: one connection per thread kept open, one
   transaction per row (WAL mode, synchronous=NORMAL).
2. The same insert with a connection opened and closed around each row: closing the last
   connection checkpoints the WAL into the database file, an fsync on every write.
3. ``AuditLog.entries``: listing the newest 20 and filtering on a region over all rows.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from localize.audit import AuditLog, LogQuery


def _result(n: int) -> dict[str, Any]:
    body = " ".join(["The export ban reaches this region's suppliers."] * 12) + f" ({n})"
    return {
        "section": {"heading": "What it means for the UK", "body": body},
        "provenance": {
            "model": "gpt-4o-mini",
            "endpoint_host": "api.openai.com",
            "template_name": "section",
            "template_version": "1",
            "template_sha256": "ab" * 32,
            "structured_mode": "json_schema",
            "prompt_tokens": 1100,
            "completion_tokens": 140,
            "cached_tokens": 0,
            "attempts": 1,
            "latency_s": 3.2,
            "estimated_cost_usd": 0.0003,
            "story_id": f"story-{n % 50}",
            "story_sha256": "cd" * 32,
            "region": ("uk", "eu", "us", "au")[n % 4],
        },
        "checks": {"ok": True, "findings": [{"check": "mention", "severity": "warning"}]},
    }


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"mean {statistics.mean(samples) * 1000:7.3f} ms, p95 {p95 * 1000:7.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="localize-audit-bench-"))

    kept = AuditLog(folder / "kept.db")
    kept.check()  # schema created outside the timing
    kept_times = []
    for n in range(args.rows):
        started = time.perf_counter()
        kept.add(**_result(n))
        kept_times.append(time.perf_counter() - started)

    # The same row into the same schema, with a connection per write (no other connection open
    # to that file, as in a process that records one section now and then).
    schema = kept.connect().execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")
    setup = sqlite3.connect(folder / "reopen.db", isolation_level=None)
    setup.execute("PRAGMA journal_mode=WAL")
    for (statement,) in schema.fetchall():
        setup.execute(statement)
    setup.close()
    described = kept.connect().execute("SELECT * FROM generations LIMIT 0").description
    columns = [c[0] for c in described if c[0] != "id"]
    kept_row = kept.connect().execute(f"SELECT {', '.join(columns)} FROM generations").fetchone()
    reopen_times = []
    for _ in range(args.rows):
        started = time.perf_counter()
        conn = sqlite3.connect(folder / "reopen.db", timeout=30, isolation_level=None)
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(
            f"INSERT INTO generations ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' for _ in columns)})",
            tuple(kept_row),
        )
        conn.close()
        reopen_times.append(time.perf_counter() - started)

    list_times, filter_times = [], []
    for _ in range(50):
        started = time.perf_counter()
        kept.entries()
        list_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        kept.entries(LogQuery(region="eu", failed=False, limit=0))
        filter_times.append(time.perf_counter() - started)

    print(json.dumps({"rows": args.rows, "folder": str(folder)}))
    print(f"add, connection kept open (localize):   {_ms(kept_times)}")
    print(f"add, connection opened per write:       {_ms(reopen_times)}")
    print(
        f"ratio (per-write / kept), mean:          "
        f"{statistics.mean(reopen_times) / statistics.mean(kept_times):7.1f}x"
    )
    print(f"list newest 20:                         {_ms(list_times)}")
    print(f"filter one region, all rows:            {_ms(filter_times)}")


if __name__ == "__main__":
    main()
