"""`localize review`: write the editor's review page for a story's section, or for a batch.

Thin: options are parsed and printed here; the pages come from `localize.review._pages`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from localize._atomic import check_writable, write_atomic
from localize.audit import open_audit
from localize.cli._group import (
    WRITING_OPTIONS,
    generation_options,
    refuse_given,
    response_cache,
    say,
    settings_from,
)
from localize.errors import ConfigError
from localize.review._pages import stories_by_id, story_review, write_batch_reviews
from localize.story import load_story

__all__ = ["review"]

# A results file's pages show its sections as the batch wrote and checked them: of the
# generation options only --profiles (the regions of profile files the batch used) applies.
_NOT_FOR_RESULTS = WRITING_OPTIONS | {"check_settings"}


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
    settings = settings_from({**options, "strict": strict})
    if source.suffix.lower() == ".jsonl":
        if options.get("verify"):
            # A results file's pages show the checks the batch ran; nothing is sent from here.
            raise ConfigError(
                "a batch's results are reviewed as written; run the batch with --verify",
                option="--verify",
            )
        # Nothing is generated or checked again (see _NOT_FOR_RESULTS).
        refuse_given(
            click.get_current_context(),
            _NOT_FOR_RESULTS,
            "is for a STORY's section; a results file's pages show the sections as written",
        )
        for option, given in (("--section", section_file), ("--region", region)):
            if given is not None:  # passed over, it would look as if it had been applied
                raise ConfigError(
                    "is for a STORY; a results file's pages show every section in it",
                    option=option,
                )
        found = stories_by_id(stories, lambda error: say(f"localize: --stories: left out {error}"))
        done = write_batch_reviews(source, output, found, settings.profiles)
        for skipped in done.skipped:
            say(f"localize: skipped {skipped}")
        say(f"localize: wrote {len(done.written)} review page(s) to {output}")
        return
    if stories:  # passed over, it would look as if the page had been made from them
        raise ConfigError(
            "is for a batch's results file (.jsonl); a STORY is its own story", option="--stories"
        )
    if region is None:
        raise ConfigError("give the region whose section to review", option="--region")
    check_writable(output, inputs=(source, *([section_file] if section_file else [])))
    page = story_review(
        load_story(source),
        region,
        section_file=section_file,
        settings=settings,
        cache=response_cache(no_cache, cache_dir),
        audit=open_audit(True, settings, "review") or False,
    )
    write_atomic(output, page)
    say(f"localize: wrote {output}")
