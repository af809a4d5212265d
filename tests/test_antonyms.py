"""Opposites for the ``paraphrase`` check from WordNet's antonym pointers (issue 18): the table
ships inside the package, with WordNet's licence beside it, and is read once on first use."""

from __future__ import annotations

import importlib.util
import sys
from importlib.resources import files
from pathlib import Path

import pytest

from localize.grounding import _paraphrase
from localize.grounding._paraphrase import _OPPOSITES, _pairs, check_paraphrase
from localize.regions._profiles import get_region
from localize.story import parse_story

ROOT = Path(__file__).resolve().parents[1]
WORDNET = Path("/usr/share/wordnet")


def test_a_pair_only_wordnet_gives_is_caught() -> None:
    # "general"/"specific" is in no hand-written list: WordNet links them.
    assert "general specific" not in _OPPOSITES and "specific general" not in _OPPOSITES
    story = parse_story("We offer a wide range of insurance plans to fit your specific needs.")
    messages = [
        f.message
        for f in check_paraphrase(
            "They offer a wide range of insurance plans to fit his general needs.",
            story,
            get_region("us"),
        )
    ]
    assert len(messages) == 1 and '"general" where the story says "specific"' in messages[0]


def test_a_pair_is_looked_up_by_the_lemma_the_clauses_are_compared_by() -> None:
    # "specified" is compared as "specify": the table holds WordNet's "specified"/"unspecified"
    # under the lemma, where the negating prefix alone would miss it.
    story = parse_story("The network produces a correct output within a specified tolerance.")
    messages = [
        f.message
        for f in check_paraphrase(
            "The network produces a correct output within an unspecified tolerance.",
            story,
            get_region("us"),
        )
    ]
    assert len(messages) == 1 and '"unspecified" where the story says "specify"' in messages[0]


def test_the_table_loads_from_the_installed_package_with_its_licence() -> None:
    here = files("localize.grounding")
    table = here.joinpath("antonyms.txt").read_text(encoding="utf-8")
    assert table.startswith("# Antonym pairs from Princeton WordNet 3.0")
    assert "WordNet 3.0 Copyright 2006" in here.joinpath("LICENSE-wordnet").read_text("utf-8")
    assert "decrease" in _pairs()["increase"] and "increase" in _pairs()["decrease"]
    assert "cut" in _pairs()["raise"]  # a hand pair WordNet lacks, kept beside the table
    assert _pairs() is _pairs()  # read once


@pytest.mark.skipif(not (WORDNET / "data.adj").is_file(), reason="wordnet-base not installed")
def test_the_script_rebuilds_the_shipped_table(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "make_antonyms", ROOT / "scripts/make_antonyms.py"
    )
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    sys.modules["make_antonyms"] = script
    spec.loader.exec_module(script)
    out = tmp_path / "antonyms.txt"
    assert script.main(["--wordnet", str(WORDNET), "--out", str(out)]) == 0
    shipped = Path(_paraphrase.__file__).with_name("antonyms.txt")
    assert out.read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8")


def test_the_script_names_a_missing_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = importlib.util.spec_from_file_location(
        "make_antonyms", ROOT / "scripts/make_antonyms.py"
    )
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.main(["--wordnet", str(tmp_path), "--out", str(tmp_path / "x.txt")]) == 2
    assert "--wordnet" in capsys.readouterr().err
