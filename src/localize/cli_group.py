"""What every `localize` command group shares: errors as one line, and the embedded-model notice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from localize.cli_feedback import setup_logging
from localize.errors import LocalizeError

__all__ = [
    "LOCAL_NOTICE",
    "LocalizeGroup",
    "audit_options",
    "generation_options",
    "logs_db_option",
    "profiles_option",
    "say",
    "verbose_option",
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


def _set_verbosity(ctx: click.Context, _param: click.Parameter, value: int) -> None:
    if value:
        setup_logging(value)


verbose_option = click.option(
    "-v",
    "--verbose",
    count=True,
    expose_value=False,
    callback=_set_verbosity,
    help="Log each request's timing and retries to stderr (-vv: more detail); keys are redacted.",
)


logs_db_option = click.option(
    "--logs-db",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Audit log database (env LOCALIZE_LOGS_DB; default "
    "$XDG_DATA_HOME/localize/logs.db, see `localize logs`).",
)


def audit_options(f: F) -> F:
    """Where the run's sections are recorded (``--logs-db``), or not at all (``--no-log``)."""
    f = click.option(
        "--no-log",
        is_flag=True,
        help="Do not record this run in the audit log (env LOCALIZE_LOGS=off).",
    )(f)
    return logs_db_option(f)


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
            audit_options,
            verbose_option,
        )
    ):
        f = option(f)
    return f
