"""What tests share besides fixtures: paths, the recording addresses, cassette readers."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STORIES = ROOT / "examples" / "stories"
PAGES = ROOT / "examples" / "pages"  # CMS pages built around the seed stories
CASSETTES = ROOT / "cassettes"
# Cassettes match on host and port, so recording and replay use the same fixed address:
# scripts/record_cassettes.py starts the embedded server there.
RECORD_BASE_URL = "http://127.0.0.1:8765/v1"
AUTH_BASE_URL = "http://127.0.0.1:8766/v1"  # a second server started with an API key


# A small valid user profile (Ireland), for tests of user profiles.
IE_PROFILE = """id: ie
name: Ireland
audience: Irish readers
locale: en-IE
currency: EUR
section_heading: What it means for Ireland
institutions:
  - name: National Cyber Security Centre
    acronym: NCSC
    remit: Ireland's cyber security centre
"""


def audit_db() -> Path:
    """The test's own audit log (conftest points LOCALIZE_LOGS_DB at a fresh folder)."""
    return Path(os.environ["LOCALIZE_LOGS_DB"])


def request_bodies(cassette: Any) -> list[dict[str, Any]]:
    """The JSON bodies of the requests a cassette holds, in order."""
    return [json.loads(r.body) for r in cassette.requests]


def response_bodies(cassette: Any) -> list[dict[str, Any]]:
    return [json.loads(r["body"]["string"]) for r in cassette.responses]
