"""What every `localize` command group shares: errors as one line, and the embedded-model notice."""

from __future__ import annotations

from typing import Any

import click

from localize.errors import LocalizeError

__all__ = ["LOCAL_NOTICE", "LocalizeGroup", "say"]

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
