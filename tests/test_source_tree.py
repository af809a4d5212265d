"""The checked-in tree itself: no half-finished merge reaches main."""

from __future__ import annotations

import subprocess

import pytest

from tests.support import ROOT

_TEXT = (".md", ".py", ".toml", ".yaml", ".yml", ".jinja", ".txt", ".json", ".cfg", ".sh")


def _tracked() -> list[str]:
    try:
        out = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [p for p in out.splitlines() if p.endswith(_TEXT) or p.startswith(".ci/")]


def test_no_file_holds_merge_conflict_markers() -> None:
    found = []
    for name in _tracked():
        path = ROOT / name
        if not path.is_file():
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines()):
            if line.startswith(("<<<<<<< ", ">>>>>>> ")):
                found.append(f"{name}:{n + 1}: {line}")
    assert not found, "\n".join(found)
