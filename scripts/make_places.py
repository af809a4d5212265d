"""Write the paraphrase check's table of places from the `countryinfo` package's country data.

`countryinfo` (PyPI, MIT) ships one JSON file a country: its name, other spellings, demonym,
capital and provinces. This script keeps, for each country, the words a text names it by (its
name, the spellings written as words, its demonym) and the words that place a story in it without
naming it (its capital and provinces: a story set in Porto is set in Portugal). The package files
the United Kingdom's provinces (English counties and cities) under the United Kingdom and gives
Scotland, Wales and Northern Ireland files of their own; England gets its line here, with those
provinces and London, and the four nations name the United Kingdom as the place they are part of.

Nothing is read at run time but the table, which ships inside the wheel with the package's
licence beside it (src/localize/grounding/LICENSE-countryinfo):

    pip install countryinfo==1.0.1
    python scripts/make_places.py [--out FILE]

Output: src/localize/grounding/places.txt, one place a line, tab-separated: its name, the place
it is part of (or "-"), the words naming it, the words placing a story in it (each list
"|"-separated); the lines sorted, so a rebuild from the same package gives the same file.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from importlib.resources import files
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "localize" / "grounding" / "places.txt"
# A word a text names a place by: Latin letters, spaces, dots, apostrophes and hyphens. Codes in
# capitals ("GB", "FRA") are left out but for the four a text writes as words.
_WORD = re.compile(r"[A-Za-z][A-Za-z .'-]*[A-Za-z.]")
_CODES_AS_WORDS = {"UK", "US", "USA", "UAE"}
_UK = "United Kingdom"
_NATIONS = {"Scotland", "Wales", "Northern Ireland", "England"}
# Files that give no name or demonym of their own: what the place is called.
_UNNAMED = {"ireland_northern.json": ("Northern Ireland", "Northern Irish")}
# Names the package files in index order ("Ireland, Northern").
_INVERTED = re.compile(r"^(?P<tail>[^,]+), (?P<head>[^,]+)$")


def _words(values: object) -> set[str]:
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        return set()
    return {
        re.sub(r"\s*\(.*?\)", "", v).strip()
        for v in values
        if isinstance(v, str) and _WORD.fullmatch(re.sub(r"\s*\(.*?\)", "", v).strip())
    }


def _name(raw: str) -> str:
    m = _INVERTED.match(raw)
    return f"{m['head']} {m['tail']}" if m else raw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    try:
        root = files("countryinfo")
    except ModuleNotFoundError:
        print("countryinfo is not installed: pip install countryinfo==1.0.1", file=sys.stderr)
        return 1
    places: dict[str, tuple[str, set[str], set[str]]] = {}
    for folder in ("data", "data_no_iso"):
        for entry in sorted(root.joinpath(folder).iterdir(), key=lambda p: p.name):
            if not entry.name.endswith(".json"):
                continue
            data = json.loads(entry.read_text(encoding="utf-8"))
            raw = data.get("name")
            if entry.name in _UNNAMED:
                raw, data["demonym"] = _UNNAMED[entry.name]
            if not isinstance(raw, str) or ("," in raw and not _INVERTED.match(raw)):
                continue
            name = _name(raw)
            naming = {name} | {
                s
                for s in _words(data.get("altSpellings"))
                if not s.isupper() or s in _CODES_AS_WORDS
            }
            demonyms = {d.strip() for d in str(data.get("demonym") or "").split(",")}
            naming |= {d for d in demonyms if _WORD.fullmatch(d)}
            capital = data.get("capital")
            capitals = {c.removesuffix(" D.C.") for c in _words(capital)}
            placing = (capitals | _words(data.get("provinces"))) - naming
            part_of = _UK if name in _NATIONS else "-"
            places[name] = (part_of, naming, placing)
    # England: the provinces the package gives the United Kingdom, and its capital.
    part_of, naming, placing = places[_UK]
    places["England"] = (_UK, {"England", "English"}, placing | {"London"})
    places[_UK] = (part_of, naming | {"Britain", "British", "Briton", "Britons"}, set())
    lines = [
        "# Places from the countryinfo package's country data (MIT; Copyright (c) 2018 Porimol",
        "# Chandro; licence in LICENSE-countryinfo beside this file). Written by",
        "# scripts/make_places.py; tab-separated: name, part of, naming words, placing words.",
    ]
    for name in sorted(places):
        part_of, naming, placing = places[name]
        lines.append(
            "\t".join((name, part_of, "|".join(sorted(naming)), "|".join(sorted(placing))))
        )
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{args.out}: {len(places)} places")
    return 0


if __name__ == "__main__":
    sys.exit(main())
