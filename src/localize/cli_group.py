"""What every `localize` command group shares: errors as one line, and the embedded-model notice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from localize.config import int_bounds
from localize.errors import LocalizeError

__all__ = ["LOCAL_NOTICE", "LocalizeGroup", "generation_options", "profiles_option", "say"]

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
            # One line, whatever the message holds (a parser's multi-line report, say).
            say(f"localize: error: {' '.join(str(exc).split())}")
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
                type=click.IntRange(*int_bounds("max_attempts")),
                metavar="N",
                help="Generations allowed, re-asking with check findings (default 3).",
            ),
            profiles_option,
        )
    ):
        f = option(f)
    return f
