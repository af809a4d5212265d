"""Shared fixtures: recorded-endpoint clients, cassette rules, example data."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from localize import LLMClient, Settings, Story, load_story
from localize.backends._local import LOCAL_MODEL
from localize.testing import _recording as recording
from tests.support import CASSETTES, RECORD_BASE_URL, ROOT, STORIES


@pytest.fixture
def stories(tmp_path: Path) -> Path:
    """Six distinct stories in one JSONL file (the brief example, an update line each)."""
    text = (STORIES / "brief.txt").read_text(encoding="utf-8")
    path = tmp_path / "stories.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for i in range(6):
            body = f"{text}\n\nUpdate {i}: officials said the review would take {i + 2} weeks."
            f.write(json.dumps({"id": f"story-{i}", "body": body}) + "\n")
    return path


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    """The rules `localize.testing._recording` records with: the suite's cassettes keep no secret
    either."""
    return recording.vcr_config()


@pytest.fixture
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(CASSETTES / request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture(autouse=True)
def _require_cassette(
    request: pytest.FixtureRequest, record_mode: str, vcr_cassette_dir: str
) -> None:
    """A missing cassette fails with how to record it, not as a network error after retries."""
    if request.node.get_closest_marker("vcr") is None or record_mode != "none":
        return
    path = Path(vcr_cassette_dir) / f"{request.node.name}.yaml"
    if not path.exists():
        pytest.fail(
            f"missing cassette {path.relative_to(ROOT)}; record it with "
            "`python scripts/record_cassettes.py`",
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def _isolated_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No test reads the developer's keys, endpoints or config file."""
    for var in [v for v in os.environ if v.startswith(("LOCALIZE_", "OPENAI_"))]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    # Every generation is recorded in the audit log: never in the developer's own.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    # Outside tmp_path, which some tests list file by file (tests.support.audit_db finds it).
    monkeypatch.setenv("LOCALIZE_LOGS_DB", str(tmp_path_factory.mktemp("audit") / "logs.db"))


@pytest.fixture
def settings() -> Settings:
    return Settings.resolve(base_url=RECORD_BASE_URL, model=LOCAL_MODEL, max_retries=0)


@pytest.fixture
def client() -> Iterator[LLMClient]:
    c = LLMClient(
        model=LOCAL_MODEL, base_url=RECORD_BASE_URL, max_retries=0, structured="json_object"
    )
    yield c
    c.close()


@pytest.fixture
def wire_story() -> Story:
    """The wire story without its human-written UK paragraph: the base story to localise."""
    return load_story(STORIES / "wire.txt")
