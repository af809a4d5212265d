"""Beats (issue #17): which profile entries each real story's prompt carries, for uk, us, au, de.

For every story in tests/data/beats and every region, prints the beats the story was read as,
the entries chosen (short names), the region block's tokens (cl100k_base) and the time the
choice takes per story (the profile's index is built once and timed apart). With
``--generate`` it also starts the embedded model (llama.cpp, SmolLM2-135M) and writes one
section per pair, a single attempt each, and says whether the section names a body the prompt
offered (a relevant one) or any profile entry at all; run that under the CPU lock:

    python benchmarks/beats.py [--regions uk,us,au,de] [--markdown]
    flock /tmp/localize-cpu.lock python benchmarks/beats.py --generate
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from localize import (
    LLMClient,
    LocalServer,
    Settings,
    generate,
    get_region,
    load_story,
    load_template,
    prepare,
)
from localize.backends._local import LOCAL_MODEL
from localize.budget import count_text
from localize.pipeline import structured_mode
from localize.regions import select_entries
from localize.regions._profiles import Institution, Law
from localize.regions._select import _index_for
from localize.text._wordfold import fold

ROOT = Path(__file__).resolve().parents[1]
STORIES = ROOT / "tests" / "data" / "beats"


def label(entry: Institution | Law) -> str:
    short = entry.acronym if isinstance(entry, Institution) else entry.short_name
    return short or entry.name


def names(entry: Institution | Law) -> list[str]:
    short = entry.acronym if isinstance(entry, Institution) else entry.short_name
    return [n for n in (entry.name, short, *entry.aliases) if n]


def names_any(text: str, entries: list[Institution | Law]) -> list[str]:
    """The entries a section names (by name, short name or alias)."""
    folded = fold(text)
    return [label(e) for e in entries if any(fold(n) in folded for n in names(e))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", default="uk,us,au,de")
    parser.add_argument("--generate", action="store_true", help="write sections (embedded)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    regions = [get_region(r) for r in args.regions.split(",")]
    stories = [load_story(p) for p in sorted(STORIES.glob("*.txt"))]
    template = load_template()

    for region in regions:
        started = time.perf_counter()
        _index_for(region)
        took = (time.perf_counter() - started) * 1000
        print(f"index {region.id}: {took:.1f} ms", file=sys.stderr)

    rows = []
    times = []
    for story in stories:
        for region in regions:
            select_entries.cache_clear()
            started = time.perf_counter()
            chosen = select_entries(story.text, region)
            times.append(time.perf_counter() - started)
            user = template.render(story=story, region=region)[-1]["content"]
            block = user[user.index("<region>") : user.index("</region>") + len("</region>")]
            rows.append(
                {
                    "story": story.id,
                    "region": region.id,
                    "beats": ",".join(chosen.beats) or "-",
                    "entries": "; ".join(label(c.entry) for c in chosen.chosen),
                    "tokens": count_text(block, "gpt-4o").tokens,
                }
            )

    if args.generate:
        mode = structured_mode(Settings())
        with LocalServer() as server:
            client = LLMClient(model=LOCAL_MODEL, base_url=server.base_url, structured=mode)
            for row in rows:
                story = next(s for s in stories if s.id == row["story"])
                region = get_region(str(row["region"]))
                prep = prepare(story, region, template=template, model=LOCAL_MODEL, structured=mode)
                offered = [c.entry for c in prep.selection.chosen]
                try:
                    result = generate(prep, client, 1)
                    body = result.section.body
                except Exception as exc:  # a cut-off or unusable answer is a result here too
                    row["names"] = f"no section ({type(exc).__name__})"
                    continue
                relevant = names_any(body, offered)
                anywhere = names_any(body, [*region.institutions, *region.laws])
                row["names"] = (
                    "relevant: " + ", ".join(relevant)
                    if relevant
                    else ("other: " + ", ".join(anywhere) if anywhere else "none")
                )
                print(f"  {row['story']}/{row['region']}: {row['names']}", file=sys.stderr)
            client.close()

    columns = ["story", "region", "beats", "entries", "tokens"]
    if args.generate:
        columns.append("names")
    if args.markdown:
        print("| " + " | ".join(columns) + " |")
        print("|" + "---|" * len(columns))
        for row in rows:
            print("| " + " | ".join(str(row.get(c, "")) for c in columns) + " |")
    else:
        for row in rows:
            print("  ".join(str(row.get(c, "")) for c in columns))
    ms = [t * 1000 for t in times]
    tokens = [int(r["tokens"]) for r in rows]
    print(
        f"\nselection per story: median {statistics.median(ms):.2f} ms, max {max(ms):.2f} ms "
        f"({len(ms)} story-region pairs); region block: median {statistics.median(tokens)} "
        f"tokens, max {max(tokens)}"
    )
    if args.generate:
        relevant = sum(str(r.get("names", "")).startswith("relevant") for r in rows)
        print(f"sections naming a relevant body: {relevant} of {len(rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
