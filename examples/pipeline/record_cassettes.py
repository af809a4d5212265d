#!/usr/bin/env python
"""Record this pipeline's cassettes from localize's embedded model (no account needed).

    pip install -e '.[test]' 'localize[local]'
    python record_cassettes.py                  # every test; or: ... -k own_region

A newsroom records against its own endpoint the same way, with no script:
``LOCALIZE_BASE_URL=... OPENAI_API_KEY=... pytest --record-mode=rewrite``. This script starts the
embedded model with an API key and runs exactly that, with a key, an organisation and a project
set, so the recordings show that none of them reaches a cassette (the tests check it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from localize.backends._local import LOCAL_MODEL, LocalServer

HERE = Path(__file__).resolve().parent
# Secrets the recording is made with: each must be scrubbed from every cassette.
RECORDING_SECRETS = {
    "OPENAI_API_KEY": "sk-recording-key-must-not-reach-a-cassette",
    "OPENAI_ORG_ID": "org-recording-must-not-reach-a-cassette",
    "OPENAI_PROJECT_ID": "proj_recording-must-not-reach-a-cassette",
}


def main(argv: list[str]) -> int:
    with LocalServer(api_key=RECORDING_SECRETS["OPENAI_API_KEY"]) as server:
        print(f"recording against {server.base_url} ({server.model})", file=sys.stderr)
        env = {
            **os.environ,
            **RECORDING_SECRETS,
            "LOCALIZE_BASE_URL": server.base_url,
            "LOCALIZE_MODEL": LOCAL_MODEL,
            # llama.cpp rejects json_schema; asking for json_object saves a refused request.
            "LOCALIZE_STRUCTURED": "json_object",
        }
        cmd = [sys.executable, "-m", "pytest", "--record-mode=rewrite", "-q", *argv]
        return subprocess.call(cmd, cwd=HERE, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
