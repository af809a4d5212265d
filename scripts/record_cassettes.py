#!/usr/bin/env python
"""Re-record the test cassettes against a real llama.cpp server running the embedded model.

    python scripts/record_cassettes.py                 # every recorded test
    python scripts/record_cassettes.py tests/test_pipeline.py -k uk

Starts the embedded model at the fixed address the tests replay from (127.0.0.1:8765), and a
second instance that requires an API key (127.0.0.1:8766) for the wrong-key test, then runs
pytest with ``--record-mode=rewrite`` on the tests marked ``vcr``. Needs ``pip install -e
'.[local,dev]'``. Review the new cassettes with ``git diff cassettes/`` before committing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from localize.backends._local import LocalServer

ROOT = Path(__file__).resolve().parents[1]
# The keyed server's key only has to differ from the one the test sends; it is not a secret.
SERVER_KEY = "recording-server-key"


def main(argv: list[str]) -> int:
    targets = argv or ["tests"]
    with LocalServer(port=8765) as plain, LocalServer(port=8766, api_key=SERVER_KEY) as keyed:
        print(f"recording against {plain.base_url} and {keyed.base_url}", file=sys.stderr)
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            "-m",
            "vcr",
            "--record-mode=rewrite",
            "-p",
            "no:randomly",
            "-q",
            *targets,
        ]
        return subprocess.call(cmd, cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
