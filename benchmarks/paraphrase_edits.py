"""Do the checks catch an antonym or a negation edited into news copy they were not tuned on?

A proxy for SummEdits' held-out news domain (issue 18), built on the dev files' real BBC stories
(tests/data/factual: CLIFF, FRANK's XSum half, XSumFaith; never a held-out file). Each edit is
made by rule, the way SummEdits' edits change one word:

- antonym: the first word of a fixed list of news opposites (below, written for this script and
  not read from the check's own table) swapped for its opposite, inflected alike;
- negation: a "not" put after the first auxiliary ("has been" -> "has not been"), or the first
  "not"/"never"/"n't" taken out.

Two sources of sentences: ``abstractive``, each consistent summary of the dev files (the
story's own words seldom; an edit to a word the story never gives is beyond any
restatement check), and ``extractive``, up to four sentences of each story taken as the section
(each edit then sits in a sentence the story gives whole, so a miss is the check's mechanics).
Prints, per source, how many edited sentences an error from a content check flags, and how many
unedited consistent summaries are flagged (``abstractive`` only).

    .venv/bin/python benchmarks/paraphrase_edits.py [-v]
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from pathlib import Path

from lemminflect import getAllLemmas, getInflection  # type: ignore[import-untyped]

from localize import check
from localize.evaluation._factual import CONTENT_CHECKS
from localize.regions import get_region
from localize.story import Story, parse_story
from localize.text import story_sentences

ROOT = Path(__file__).resolve().parents[1]
FILES = [
    ROOT / "tests" / "data" / "factual" / f"{n}-dev.jsonl"
    for n in ("cliff", "frank-xsum", "xsumfaith")
]
_PAIRS = (
    "increase decrease|rise fall|win lose|high low|more less|before after|first last|agree refuse|"
    "approve reject|support oppose|allow ban|open close|start end|success failure|strong weak|"
    "positive negative|guilty innocent|early late|major minor|long short|large small|old young|"
    "accept reject|arrive leave|gain lose|profit loss|rich poor|best worst|up down|public private|"
    "legal illegal|safe dangerous|include exclude|remain leave|join leave|rise drop|grow shrink|"
    "raise cut|higher lower|largest smallest|biggest smallest|top bottom|north south|east west|"
    "men women|boys girls|new old|full empty|victory defeat|majority minority|hot cold|"
    "easy difficult|cheap expensive|future past|launch end|return leave|attack defend|buy sell|"
    "import export|always never|many few|most least|confirm deny|better worse|lead trail|"
    "ahead behind|above below|inside outside|domestic foreign|permanent temporary|expand reduce|"
    "release arrest|alive dead|praise criticise|easier harder|faster slower|lowest highest|"
    "oldest youngest"
)
OPPOSITE: dict[str, str] = {}
for _pair in _PAIRS.split("|"):
    _a, _b = _pair.split()
    OPPOSITE.setdefault(_a, _b)
    OPPOSITE.setdefault(_b, _a)
_AUX = re.compile(
    r"\b(?:is|are|was|were|has|have|had|will|can|could|would|should|may|might|must)\b"
    r"(?!\s+(?:not|n't|never))",
    re.IGNORECASE,
)
_NEGATION = re.compile(r"\s+(?:not|never)\b|n't\b", re.IGNORECASE)
_TAGS = (("ing", "VBG"), ("ed", "VBD"), ("est", "JJS"), ("er", "JJR"), ("s", "VBZ"))


def antonym(text: str) -> str | None:
    """``text`` with its first listed word swapped for the opposite, or None."""
    for m in re.finditer(r"[A-Za-z]+", text):
        low = m.group().lower()
        if low in OPPOSITE:
            return text[: m.start()] + OPPOSITE[low] + text[m.end() :]
        for base in sorted({v[0] for v in getAllLemmas(low).values()}):
            if base in OPPOSITE and base != low:
                tag = next((t for s, t in _TAGS if low.endswith(s)), None)
                forms = getInflection(OPPOSITE[base], tag) if tag else None
                new = forms[0] if forms else OPPOSITE[base]
                return text[: m.start()] + new + text[m.end() :]
    return None


def negation(text: str) -> str | None:
    """``text`` with its first negation taken out, or a "not" after its first auxiliary."""
    m = _NEGATION.search(text)
    if m:
        return text[: m.start()] + text[m.end() :]
    m = _AUX.search(text)
    return text[: m.end()] + " not" + text[m.end() :] if m else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="print every miss")
    args = parser.parse_args()
    profile = get_region("us")

    def flagged(text: str, story: Story) -> bool:
        return any(f.check in CONTENT_CHECKS for f in check(text, story, profile).errors)

    edits: tuple[tuple[str, Callable[[str], str | None]], ...] = (
        ("antonym", antonym),
        ("negation", negation),
    )
    for source in ("abstractive", "extractive"):
        tally = {"consistent": [0, 0], "antonym": [0, 0], "negation": [0, 0]}
        seen: set[str] = set()
        for path in FILES:
            for line in path.read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                story = parse_story(row["doc"], id=row["id"], source=str(path.name))
                if source == "abstractive":
                    if row["label"] != 1:
                        continue
                    texts = [row["summary"]]
                    tally["consistent"][0] += 1
                    tally["consistent"][1] += flagged(row["summary"], story)
                else:
                    if row["doc"] in seen:
                        continue
                    seen.add(row["doc"])
                    sentences = [s.text for s in story_sentences(story)]
                    texts = [t for t in sentences if 60 < len(t) < 250][:4]
                for text in texts:
                    for kind, edit in edits:
                        edited = edit(text)
                        if edited is None:
                            continue
                        hit = flagged(edited, story)
                        tally[kind][0] += 1
                        tally[kind][1] += hit
                        if args.verbose and not hit:
                            print(f"  MISS {source} {kind}: {edited[:160]}")
        cells = [f"{k} {h}/{n}" for k, (n, h) in tally.items() if n]
        print(f"{source}: " + ", ".join(cells) + " flagged")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
