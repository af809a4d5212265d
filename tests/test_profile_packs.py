"""Profile packs: the example pack, really installed, used by `rewrite` and `batch`.

The pack in examples/profile-pack is built and installed with pip (offline, with the hatchling
the dev extra installs) into a folder that is then put on sys.path, as a site-packages would be.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from localize import ProfileError, get_region
from localize.cli._main import cli
from localize.regions import _profiles as regions_module
from localize.regions._packs import installed_packs
from tests.support import ROOT, STORIES

PACK = ROOT / "examples" / "profile-pack"
WIRE = str(STORIES / "wire.txt")


def _forget_packs() -> None:
    installed_packs.cache_clear()
    regions_module._packs.cache_clear()


@pytest.fixture(scope="session")
def pack_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site-packages")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            str(PACK),
        ],
        check=True,
        capture_output=True,
    )
    return target


@pytest.fixture
def desk_pack(pack_site: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(pack_site))
    _forget_packs()
    yield pack_site
    monkeypatch.undo()
    _forget_packs()


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def test_installed_pack_profiles_are_listed_with_their_pack(desk_pack: Path) -> None:
    assert (desk_pack / "localize_desk_profiles-1.1.0.dist-info").is_dir()
    listing = run("regions").output.splitlines()
    source = "pack localize-desk-profiles 1.1.0 (entry point 'desk')"
    assert any(
        line.startswith("de-by ") and "Bayern (de-DE, EUR, in de)" in line and line.endswith(source)
        for line in listing
    )
    assert any(line.startswith("uk-wales ") and line.endswith(source) for line in listing)
    wales = get_region("uk-wales")
    assert {"Welsh Government", "National Cyber Security Centre"} <= {
        i.name for i in wales.institutions
    }
    assert run("regions", "validate", str(desk_pack / "localize_desk_profiles")).exit_code == 0


def test_a_pack_adds_a_beat_and_entries_to_a_built_in_region(
    desk_pack: Path, tmp_path: Path
) -> None:
    story = tmp_path / "tourism.txt"
    story.write_text(
        "Hotel bookings rose\n\nHoliday makers booked more hotel rooms this summer, and "
        "visitor numbers at attractions rose, the tourism industry said.\n"
    )
    result = run("rewrite", str(story), "-r", "uk-wales", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "- Visit Wales: the Welsh Government's tourism team" in result.output
    assert "The story's beats: tourism" in result.output
    assert "for Welsh tourism businesses and visitors to Wales" in result.output
    # The Bavarian pack profile keeps the built-in German bodies and adds its own.
    bavaria = get_region("de-by")
    names = {i.name for i in bavaria.institutions}
    assert {"Bayerisches Landesamt für Datenschutzaufsicht", "Paul-Ehrlich-Institut"} <= names


def test_without_the_pack_its_regions_are_unknown() -> None:
    _forget_packs()
    assert run("rewrite", WIRE, "-r", "uk-wales", "--dry-run").exit_code == 2


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("uk-scotland", ["Police Scotland", "Scottish Government", "What it means for Scotland"]),
        (
            "uk-wales",
            ["Welsh Government", "What it means for Wales", "National Cyber Security Centre"],
        ),
        ("de-by", ['the language with the code "de"', "Was das für Bayern bedeutet", "BSI"]),
    ],
)
def test_rewrite_uses_extending_and_pack_profiles(
    desk_pack: Path, region: str, expected: list[str]
) -> None:
    result = run("rewrite", WIRE, "-r", region, "--dry-run")
    assert result.exit_code == 0, result.output
    for text in expected:
        assert text in result.output


def test_batch_uses_extending_and_pack_profiles(desk_pack: Path, tmp_path: Path) -> None:
    requests = tmp_path / "requests.jsonl"
    result = run("batch", WIRE, "-r", "de-by,uk-scotland,uk-wales", "--export", str(requests))
    assert result.exit_code == 0, result.output
    prompts = {}
    for line in requests.read_text().splitlines():
        data = json.loads(line)
        prompts[data["custom_id"]] = data["body"]["messages"][-1]["content"]
    assert len(prompts) == 3
    joined = "\n".join(prompts.values())
    for text in ("Police Scotland", "Welsh Government", 'the language with the code "de"'):
        assert text in joined
    manifest = json.loads(Path(f"{requests}.manifest.json").read_text())
    assert manifest["regions"]["de-by"]["language"] == "de"
    assert manifest["regions"]["uk-scotland"]["extends"] == "uk"


def test_a_pack_that_fails_to_import_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What pip leaves for an installed package: its module and a dist-info with entry points.
    (tmp_path / "broken_desk.py").write_text("raise ImportError('missing dependency yaml2')\n")
    info = tmp_path / "broken_desk-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-desk\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[localize.profiles]\nbroken = broken_desk\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    _forget_packs()
    try:
        with pytest.raises(ProfileError, match=r"broken-desk 0\.1.*missing dependency yaml2"):
            get_region("uk")
        result = run("regions")
        assert result.exit_code == 2 and "broken-desk 0.1" in result.stderr
    finally:
        monkeypatch.undo()
        _forget_packs()
