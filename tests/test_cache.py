"""The on-disk response cache: round trip, bad entries, where it lives, and a recorded rerun."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from localize import Completion, LLMClient, Settings, Usage, prepare
from localize.backends import request_key
from localize.backends._cache import DiskCache, default_cache_dir
from localize.backends._local import LOCAL_MODEL
from localize.section import SectionOutput
from tests.support import RECORD_BASE_URL, STORIES

KEY = "ab" + "0" * 62
ANSWER = Completion(
    content='{"body": "Text."}',
    finish_reason="stop",
    usage=Usage(800, 60, 512),
    model="gpt-4o-mini",
    mode="json_schema",
    request_id="req_123",
)


@pytest.fixture(autouse=True)
def _cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LOCALIZE_CACHE_DIR", str(tmp_path / "default-cache"))


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "c")
    assert cache.get(KEY) is None
    cache.put(KEY, ANSWER)
    assert DiskCache(tmp_path / "c").get(KEY) == ANSWER  # another run, same folder
    assert (tmp_path / "c" / "ab" / f"{KEY}.json").is_file()
    assert len(cache) == 1


def test_stores_only_the_answer(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    cache.put(KEY, ANSWER)
    stored = json.loads((tmp_path / "ab" / f"{KEY}.json").read_text())
    assert set(stored) == {
        "format",
        "content",
        "finish_reason",
        "usage",
        "model",
        "mode",
        "request_id",
        "system_fingerprint",
    }
    assert "from_cache" not in stored
    assert list(tmp_path.rglob("*.tmp")) == []  # written via a temporary file and a rename


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{not json",
        '{"format": 99}',
        "[1, 2]",
        '{"format": 1, "content": "x", "usage": {}, "mode": "json"}',
    ],
)
def test_a_corrupt_or_foreign_entry_is_a_miss(tmp_path: Path, text: str) -> None:
    (tmp_path / "ab").mkdir()
    (tmp_path / "ab" / f"{KEY}.json").write_text(text)
    assert DiskCache(tmp_path).get(KEY) is None


def test_keys_must_be_hashes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a cache key"):
        DiskCache(tmp_path).get("../../etc/passwd")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_cache_does_not_fail_the_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        cache = DiskCache(folder)
        cache.put(KEY, ANSWER)
        cache.put(KEY, ANSWER)
        assert cache.get(KEY) is None
    finally:
        folder.chmod(0o700)
    assert sum("not writable" in r.message for r in caplog.records) == 1  # warned once


def test_default_folder_follows_the_environment(tmp_path: Path) -> None:
    assert default_cache_dir({"LOCALIZE_CACHE_DIR": "/x/y"}) == Path("/x/y")
    assert default_cache_dir({"XDG_CACHE_HOME": "/c"}) == Path("/c/localize")
    assert default_cache_dir({}) == Path.home() / ".cache" / "localize"
    assert DiskCache().directory == tmp_path / "default-cache"


def test_the_key_is_the_exact_request() -> None:
    base = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "temperature": 0}
    key = request_key(base, "http://h/v1")
    assert key == request_key(dict(reversed(base.items())), "http://h/v1")
    assert key != request_key({**base, "temperature": 0.1}, "http://h/v1")
    assert key != request_key(base, "http://other/v1")


@pytest.mark.vcr
def test_an_identical_request_is_sent_once(tmp_path: Path, vcr: Any) -> None:
    """Two clients (two runs) share the folder: the second answer costs no request."""
    settings = Settings.resolve({}, base_url=RECORD_BASE_URL, model=LOCAL_MODEL)
    prep = prepare(STORIES / "wire.txt", "uk", settings=settings)
    params = {**prep.params, "max_tokens": 120}
    answers = []
    for _ in range(2):
        client = LLMClient(
            model=LOCAL_MODEL,
            base_url=RECORD_BASE_URL,
            max_retries=0,
            structured="json_object",
            cache=DiskCache(tmp_path),
            timeout=600,
        )
        answers.append(
            client.complete(prep.messages, params=params, schema=SectionOutput.json_schema())
        )
        client.close()
    assert len(vcr.requests) == 1
    first, second = answers
    assert not first.from_cache and second.from_cache
    assert second.content == first.content and second.usage == first.usage
