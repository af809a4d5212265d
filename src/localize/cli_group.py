"""What every `localize` command group shares: errors as one line, and the embedded-model notice."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

import click

from localize.errors import LocalizeError

__all__ = [
    "LOCAL_NOTICE",
    "LocalizeGroup",
    "generation_options",
    "profiles_option",
    "recording_options",
    "say",
]

LOCAL_NOTICE = (
    "localize: no OPENAI_API_KEY or base URL set: using the embedded demo model "
    "(SmolLM2-135M-Instruct on llama.cpp; weak output, for trying localize out)"
)


def say(message: str) -> None:
    """One line on stderr."""
    click.echo(message, err=True)


class LocalizeGroup(click.Group):
    """Turns every LocalizeError into one line on stderr and the error's exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LocalizeError as exc:
            say(f"localize: error: {exc}")
            ctx.exit(exc.exit_code)


F = TypeVar("F", bound=Callable[..., Any])

profiles_option = click.option(
    "--profiles",
    metavar="PATH",
    help="Profile file or folder of user regions (env LOCALIZE_PROFILES).",
)


def generation_options(f: F) -> F:
    """The options every generating command takes: template, model, endpoint, attempts, profiles."""
    for option in reversed(
        (
            click.option(
                "-t",
                "--template",
                metavar="NAME|FILE",
                help="Prompt template (default: section; env LOCALIZE_TEMPLATE).",
            ),
            click.option(
                "-m",
                "--model",
                help="Model name (env LOCALIZE_MODEL; default gpt-4o-mini, or the embedded "
                "model when no endpoint is set).",
            ),
            click.option(
                "--base-url",
                metavar="URL",
                help="OpenAI-compatible endpoint (env LOCALIZE_BASE_URL, OPENAI_BASE_URL).",
            ),
            click.option(
                "--max-attempts",
                type=click.IntRange(min=1),
                metavar="N",
                help="Generations allowed, re-asking with check findings (default 3).",
            ),
            profiles_option,
        )
    ):
        f = option(f)
    return f


def recording_options(f: F) -> F:
    """``--cassette FILE`` and ``--record-mode``: run the command recording to, or replaying from,
    a cassette of its LLM traffic (see `localize.recording`)."""
    from localize.recording import RECORD_MODES, RecordMode

    @functools.wraps(f)
    def run(*args: Any, cassette: str | None, record_mode: str, **kwargs: Any) -> Any:
        if cassette is None:
            return f(*args, **kwargs)
        from localize.recording import use_cassette

        rerecord = "--record-mode rewrite (or LOCALIZE_RECORD_MODE=rewrite)"
        with use_cassette(cassette, cast(RecordMode, record_mode), rerecord=rerecord):
            return f(*args, **kwargs)

    options = (
        click.option(
            "--cassette",
            metavar="FILE",
            envvar="LOCALIZE_CASSETTE",
            help="Record the LLM requests to FILE, or replay them from it offline "
            "(env LOCALIZE_CASSETTE; needs localize[testing]).",
        ),
        click.option(
            "--record-mode",
            type=click.Choice(RECORD_MODES),
            default="once",
            show_default=True,
            envvar="LOCALIZE_RECORD_MODE",
            help="With --cassette: once records a missing file and replays an existing one; "
            "none only replays; new_episodes records what is missing; rewrite records afresh "
            "(env LOCALIZE_RECORD_MODE).",
        ),
    )
    wrapped: Any = run
    for option in reversed(options):
        wrapped = option(wrapped)
    return cast(F, wrapped)
