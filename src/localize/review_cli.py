"""`localize review`: write the editor's review page for a story's section, or for a batch.

Thin: it reads inputs, calls the library (`pipeline` to generate, `checks` to check a given
section, `review` to render) and writes files atomically.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from localize._cli_group import generation_options, response_cache, say, settings_from
from localize.atomic import check_writable, write_atomic
from localize.checks import check
from localize.errors import ConfigError, InputError, OutputError
from localize.pipeline import LocalizeResult, localize
from localize.regions import RegionProfile, get_region
from localize.review import ReviewData, blocks_from_links, render_review, story_blocks
from localize.section import LocalizedSection
from localize.story import STORY_SUFFIXES, Story, load_story

__all__ = ["review"]

_UNSAFE_NAME = re.compile(r"[^\w.-]+")


def _result_page(result: LocalizeResult) -> str:
    report = result.checks.to_dict()
    return render_review(
        ReviewData(
            title=result.story.headline or result.story.id,
            heading=result.section.heading,
            body=result.section.body,
            findings=report["findings"],
            sentences=report["sentences"],
            story=story_blocks(result.story),
            provenance=result.provenance.to_dict(),
            profile=result.region,
        )
    )


def _section_page(
    section_file: Path, story: Story, profile: RegionProfile, template: str | Path | None
) -> str:
    """The page for a section someone wrote: checked here, nothing generated."""
    text = load_story(section_file)  # same reading rules as `localize check`
    section = LocalizedSection.from_text(text.headline or profile.section_heading, text.body)
    data = check(section, story, profile, template=template).to_dict()
    return render_review(
        ReviewData(
            title=story.headline or story.id,
            heading=section.heading,
            body=section.body,
            findings=data["findings"],
            sentences=data["sentences"],
            story=story_blocks(story),
            provenance={"section_file": str(section_file), "generated": "no: given with --section"},
            profile=profile,
        )
    )


def _stories_by_id(paths: tuple[Path, ...]) -> dict[str, Story]:
    stories: dict[str, Story] = {}
    for path in paths:
        files = (
            sorted(f for f in path.iterdir() if f.suffix.lower() in STORY_SUFFIXES)
            if path.is_dir()
            else [path]
        )
        for f in files:
            story = load_story(f)
            stories[story.id] = story
    return stories


def _result_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}, line {n}: not a JSON results line ({exc.msg})") from None
        if not isinstance(data, dict) or not isinstance(data.get("story_id"), str):
            raise InputError(f"{path}, line {n}: not a localize results line (no story_id)")
        yield n, data


def _batch_pages(
    results: Path, folder: Path, stories: dict[str, Story], profiles: str | Path | None
) -> int:
    lines = list(_result_lines(results))  # every line is read before anything is written
    if folder.exists() and not folder.is_dir():
        raise OutputError("is a file, not a folder", path=str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for n, data in lines:
        section, checks = data.get("section"), data.get("checks")
        if not data.get("ok") or not isinstance(section, dict) or not isinstance(checks, dict):
            say(f"localize: skipped {results}, line {n}: no section ({data.get('error')})")
            continue
        profile = get_region(str(data.get("region")), profiles=profiles)
        story = stories.get(data["story_id"])
        sentences = checks.get("sentences") or []
        page = render_review(
            ReviewData(
                title=(story.headline or story.id) if story else data["story_id"],
                heading=str(section.get("heading", "")),
                body=str(section.get("body", "")),
                findings=checks.get("findings") or [],
                sentences=sentences,
                story=story_blocks(story) if story else blocks_from_links(sentences),
                story_complete=story is not None,
                provenance=data.get("provenance") or {},
                profile=profile,
            )
        )
        name = _UNSAFE_NAME.sub("_", f"{data['story_id']}.{profile.id}") + ".html"
        write_atomic(folder / name, page)
        written += 1
    return written


@click.command()
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@click.option("-r", "--region", metavar="ID|FILE", help="Region id or profile file (for a STORY).")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="The HTML file (for a STORY) or the folder of pages (for a results file).",
)
@click.option(
    "--section",
    "section_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Review this section (e.g. one an editor wrote) instead of generating one.",
)
@click.option(
    "--stories",
    multiple=True,
    type=click.Path(path_type=Path, exists=True),
    help="Story files or folders the batch read (results files hold no story text).",
)
@generation_options
def review(
    source: Path,
    region: str | None,
    output: Path,
    section_file: Path | None,
    stories: tuple[Path, ...],
    strict: bool,
    no_cache: bool,
    cache_dir: Path | None,
    **options: Any,
) -> None:
    """Write the editor's review page: SOURCE is a STORY (its section is generated, or given
    with --section) or a batch's results JSONL (one page per section into the -o folder).

    Each page is self-contained HTML: the story with numbered sentences, the section with each
    sentence linked to the story sentences it rests on, every finding on its span, the
    provenance and the profile. Keys on the page: j/n next finding, k/p previous.
    """
    settings = settings_from(options)
    if source.suffix.lower() == ".jsonl":
        written = _batch_pages(source, output, _stories_by_id(stories), settings.profiles)
        say(f"localize: wrote {written} review page(s) to {output}")
        return
    if region is None:
        raise ConfigError("give the region whose section to review", option="--region")
    check_writable(output)
    story = load_story(source)
    profile = get_region(region, profiles=settings.profiles)
    if section_file is not None:
        page = _section_page(section_file, story, profile, settings.template)
    else:
        cache = response_cache(no_cache, cache_dir)
        result = localize(story, profile, settings=settings, cache=cache, strict=strict)
        page = _result_page(result)
    write_atomic(output, page)
    say(f"localize: wrote {output}")
