"""Write the paraphrase check's table of opposites from Princeton WordNet 3.0's antonym pointers.

WordNet marks antonymy between word senses with the ``!`` pointer in its data files. This script
reads every ``!`` pointer of data.adj, data.adv, data.verb and data.noun and keeps the pairs of
single-word lemmas (lower case; a multiword lemma such as ``come_up`` is dropped: the check
compares one word with one word). The table carries no senses or parts of speech: the check
compares lemmas, and a pair that holds in one sense (``raise``/``lower``) is what it looks for.

Each word is written in the form the check compares clauses by (``localize.text.lemma``:
WordNet's "specified" becomes "specify"), so a lookup matches.

The shipped table is built with no option. Two wider tables were measured and not kept
(benchmarks/RESULTS.md, "opposites from WordNet"): ``--synonyms`` sets every word of one sense
against every word of the other ("hard", a synonym of "difficult", against "easy");
``--satellites`` adds the indirect antonyms: an adjective satellite (``costless``, ``gratis``)
is "similar to" a head adjective (``free``) and stands against the head's antonym (``paid``).

The database comes from Debian's ``wordnet-base`` package (Princeton WordNet 3.0, under
/usr/share/wordnet); nothing is downloaded at run time, the table ships inside the wheel with
WordNet's licence beside it (src/localize/grounding/LICENSE-wordnet):

    apt-get install -y wordnet-base
    python scripts/make_antonyms.py [--wordnet /usr/share/wordnet] [--satellites]

Output: src/localize/grounding/antonyms.txt, one pair a line ("cut raise"), the two words in
order and the lines sorted, so a rebuild from the same database gives the same file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from localize.text._lemmas import lemma

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "localize" / "grounding" / "antonyms.txt"
# Each data file and the part-of-speech letter its pointers name it by.
FILES = {"data.adj": "a", "data.adv": "r", "data.verb": "v", "data.noun": "n"}
HEADER = (
    "# Antonym pairs from Princeton WordNet 3.0 (WordNet 3.0 Copyright 2006 by Princeton\n"
    "# University. All rights reserved; licence in LICENSE-wordnet beside this file).\n"
    "# Written by scripts/make_antonyms.py; one pair of single-word lemmas a line.\n"
)


class _Synset:
    __slots__ = ("antonyms", "similar", "words")

    def __init__(self, words: list[str]) -> None:
        self.words = words
        self.antonyms: list[tuple[int, str, int]] = []  # (source word, target synset, target word)
        self.similar: list[str] = []  # "similar to" synsets (a satellite's head)


def _synsets(path: Path, pos: str) -> Iterator[tuple[str, _Synset]]:
    """(key, synset) for each synset of one data file; a key is "pos:offset"."""
    with path.open(encoding="latin-1") as f:
        for line in f:
            if line.startswith("  "):  # the licence at the top of every data file
                continue
            fields = line.split(" | ")[0].split()
            offset, n = fields[0], int(fields[3], 16)
            # An adjective's word may carry a marker: "big(a)", "elect(ip)".
            words = [fields[4 + 2 * i].split("(")[0].lower() for i in range(n)]
            synset = _Synset(words)
            at = 4 + 2 * n
            for i in range(int(fields[at])):
                symbol, target, target_pos, st = fields[at + 1 + 4 * i : at + 5 + 4 * i]
                target_pos = "a" if target_pos == "s" else target_pos
                if symbol == "!":
                    synset.antonyms.append(
                        (int(st[:2], 16), f"{target_pos}:{target}", int(st[2:], 16))
                    )
                elif symbol == "&":
                    synset.similar.append(f"{target_pos}:{target}")
            yield f"{pos}:{offset}", synset


def _single(word: str) -> bool:
    return word.isalpha()  # drops "come_up", "a-one", "ne'er"


def pairs(wordnet: Path, satellites: bool, synonyms: bool) -> set[tuple[str, str]]:
    synsets: dict[str, _Synset] = {}
    for name, pos in FILES.items():
        synsets.update(_synsets(wordnet / name, pos))
    out: set[tuple[str, str]] = set()

    def add(a: str, b: str) -> None:
        if _single(a) and _single(b):
            a, b = lemma(a), lemma(b)
            if a != b:
                out.add((min(a, b), max(a, b)))

    for synset in synsets.values():
        for source, target, target_word in synset.antonyms:
            if synonyms:  # every word of one sense against every word of the other
                for a in synset.words:
                    for b in synsets[target].words:
                        add(a, b)
            else:
                add(synset.words[source - 1], synsets[target].words[target_word - 1])
    if satellites:
        # A satellite's words stand against every antonym of its head's words.
        for synset in synsets.values():
            for head_key in synset.similar:
                head = synsets[head_key]
                for _, target, target_word in head.antonyms:
                    for word in synset.words:
                        add(word, synsets[target].words[target_word - 1])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"))
    parser.add_argument("--satellites", action="store_true", help="add indirect antonyms")
    parser.add_argument(
        "--synonyms", action="store_true", help="add the synonyms of both words of a pair"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    missing = [n for n in FILES if not (args.wordnet / n).is_file()]
    if missing:
        print(
            f"error: --wordnet {args.wordnet}: no {', '.join(missing)} "
            "(apt-get install -y wordnet-base)",
            file=sys.stderr,
        )
        return 2
    table = sorted(pairs(args.wordnet, args.satellites, args.synonyms))
    args.out.write_text(HEADER + "".join(f"{a} {b}\n" for a, b in table), encoding="utf-8")
    print(f"{len(table)} pairs -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
