"""Review pages from what a section comes with: a result, a section someone wrote, a batch.

`localize.review._annotate` renders a page from plain data; this module gathers that data from a
live
`LocalizeResult`, from a section file checked against its story, or from each line of a batch's
results file (with the stories the batch read, when they are given).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from localize._atomic import write_atomic
from localize._checking import check
from localize._section_file import read_section
from localize.audit import AuditLog
from localize.backends import LLMClient, ResponseCache
from localize.batch import load_inputs, read_results
from localize.config import Settings
from localize.errors import ChecksFailedError, OutputError
from localize.grounding._policy import CheckPolicy
from localize.pipeline import connect, localize
from localize.prompting._templates import PromptTemplate, load_template
from localize.regions._profiles import RegionLike, RegionProfile, get_region
from localize.result import LocalizeResult
from localize.review._annotate import ReviewData, blocks_from_links, render_review, story_blocks
from localize.story import Story, StoryLike, as_story

__all__ = [
    "BatchReviews",
    "result_review",
    "section_review",
    "stories_by_id",
    "story_review",
    "write_batch_reviews",
]

_UNSAFE_NAME = re.compile(r"[^\w.-]+")


def result_review(result: LocalizeResult) -> str:
    """The page for a generated section."""
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


def section_review(
    section_file: Path,
    story: Story,
    profile: RegionProfile,
    template: PromptTemplate | str | Path | None = None,
    *,
    strict: bool = False,
    severities: Mapping[str, str] | None = None,
    verifier: LLMClient | None = None,
) -> str:
    """The page for a section someone wrote: checked here, nothing generated. ``strict``
    counts warnings as errors (see `CheckPolicy`); with a ``verifier`` client, the model
    verifier's verdicts are asked for too (see `localize.check`)."""
    section = read_section(section_file, profile)  # as `localize check` reads it
    report = check(
        section,
        story,
        profile,
        template=template,
        severities=severities,
        verify=verifier is not None,
        client=verifier,
    )
    data = CheckPolicy(strict=strict).apply(report).to_dict()
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


def story_review(
    story: StoryLike,
    region: RegionLike,
    *,
    section_file: Path | None = None,
    settings: Settings | None = None,
    cache: ResponseCache | None = None,
    strict: bool = False,
    audit: AuditLog | bool = True,
) -> str:
    """The page for a story: its section generated (see `localize.localize`), or given.

    ``strict`` counts warnings as errors; a flagged section still gets its page (that is what
    the page is for), its status shown. ``audit`` as for `localize.localize`.
    """
    settings = settings or Settings.resolve()
    if strict:
        settings = replace(settings, strict=True)
    the_story = as_story(story)
    profile = get_region(region, profiles=settings.profiles)
    if section_file is not None:
        with contextlib.ExitStack() as stack:
            # --verify on a given section: the run's endpoint gives the verdicts.
            verifier = (
                stack.enter_context(connect(settings, cache=cache)) if settings.verify else None
            )
            return section_review(
                section_file,
                the_story,
                profile,
                load_template(settings.template, settings.templates),
                strict=settings.strict,
                severities=dict(settings.checks),
                verifier=verifier,
            )
    try:
        result = localize(the_story, profile, settings=settings, cache=cache, audit=audit)
    except ChecksFailedError as refused:  # strict refuses to return it; a page shows it
        assert refused.result is not None
        result = refused.result
    return result_review(result)


def stories_by_id(
    paths: Iterable[str | os.PathLike[str]], left_out: Callable[[str], None] | None = None
) -> dict[str, Story]:
    """The stories a batch read, by the ids the batch gave them; unreadable ones are left out,
    each told to ``left_out`` (its error, which names the file and line)."""
    found: dict[str, Story] = {}
    for i in load_inputs(paths):
        if i.story is not None:
            found[i.id] = i.story
        elif left_out is not None and i.error:
            left_out(i.error)
    return found


@dataclass
class BatchReviews:
    """What `write_batch_reviews` did: the pages written, and the lines without a section."""

    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _line_review(data: dict[str, Any], profile: RegionProfile, story: Story | None) -> str:
    section, checks = data["section"], data["checks"]
    sentences = checks.get("sentences") or []
    return render_review(
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


def write_batch_reviews(
    results: Path,
    folder: Path,
    stories: dict[str, Story],
    profiles: str | os.PathLike[str] | None = None,
) -> BatchReviews:
    """One page per section of a results file, as ``FOLDER/<story>.<region>.html``.

    Every line is read before anything is written. ``stories`` (see `stories_by_id`) supply the
    story text; without a line's story its page shows only the story sentences the links quote.
    """
    lines = read_results(results)
    if folder.exists() and not folder.is_dir():
        raise OutputError("is a file, not a folder", path=str(folder))
    done = BatchReviews()
    pages: list[tuple[dict[str, Any], RegionProfile]] = []
    for n, data in lines:
        if not (
            isinstance(data.get("section"), dict)  # passed or flagged: both get a page
            and isinstance(data.get("checks"), dict)
        ):
            done.skipped.append(f"{results}, line {n}: no section ({data.get('error')})")
            continue
        # Every region is found before the first page is written: an unknown one (a profile
        # file's, without --profiles) is an error that leaves nothing half done.
        pages.append((data, get_region(data["region"], profiles=profiles)))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create the folder: {exc.strerror or exc}", path=str(folder)
        ) from None
    for data, profile in pages:
        page = _line_review(data, profile, stories.get(data["story_id"]))
        name = _UNSAFE_NAME.sub("_", f"{data['story_id']}.{profile.id}") + ".html"
        write_atomic(folder / name, page)
        done.written.append(folder / name)
    return done
