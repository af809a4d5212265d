"""What every `localize` command shares: errors as one line, warnings as one line, JSON-safe
failure output, the output target (``-`` is stdout), and the options that mean the same thing
in every command."""

from __future__ import annotations

import functools
import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from localize._atomic import check_writable, write_atomic
from localize._types import STRUCTURED_MODES
from localize.backends import ResponseCache
from localize.backends._cache import DiskCache, default_cache_dir
from localize.cli._feedback import setup_logging
from localize.config import Settings
from localize.errors import ConfigError, LocalizeError, LocalizeWarning

__all__ = [
    "LocalizeGroup",
    "audit_options",
    "cache_options",
    "disclosure_option",
    "format_option",
    "generation_options",
    "json_errors",
    "logs_db_option",
    "non_blank",
    "output_option",
    "profiles_option",
    "recording_options",
    "response_cache",
    "say",
    "settings_from",
    "verbose_option",
    "writable_output",
    "write_output",
]

_JSON_ERRORS = "localize.json_errors"


def say(message: str) -> None:
    """One line on stderr."""
    click.echo(message, err=True)


def json_errors(ctx: click.Context, on: bool) -> None:
    """In a JSON mode, a failure is also a JSON object on stdout (stdout stays valid JSON)."""
    ctx.meta[_JSON_ERRORS] = on


def _show_warning(message: Any, category: type[Warning], *_: Any, **__: Any) -> None:
    say(f"localize: warning: {message}")


class LocalizeGroup(click.Group):
    """Turns every LocalizeError into one line on stderr and the error's exit code, and every
    localize warning into one ``localize: warning:`` line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", LocalizeWarning)
                warnings.showwarning = _show_warning
                return super().invoke(ctx)
        except LocalizeError as exc:
            # One line, whatever the message holds (a parser's multi-line report, say).
            say(f"localize: error: {' '.join(str(exc).split())}")
            if ctx.meta.get(_JSON_ERRORS):
                failure = {"ok": False, "error": str(exc), "exit_code": exc.exit_code}
                click.echo(json.dumps(failure, ensure_ascii=False))
            ctx.exit(exc.exit_code)


def write_output(text: str, output: Path | None) -> None:
    """Print ``text`` on stdout (``output`` None or ``-``) or write the file atomically."""
    if output is None or str(output) == "-":
        click.echo(text, nl=False)
        return
    write_atomic(output, text)
    say(f"localize: wrote {output}")


def writable_output(output: Path | None) -> None:
    """Fail before any work when the output file could not be written (stdout always can)."""
    if output is not None and str(output) != "-":
        check_writable(output)


F = TypeVar("F", bound=Callable[..., Any])


def _stack(f: F, options: tuple[Callable[[F], F], ...]) -> F:
    for option in reversed(options):
        f = option(f)
    return f


profiles_option = click.option(
    "--profiles",
    metavar="PATH",
    help="Profile file or folder of user regions (env LOCALIZE_PROFILES).",
)


def format_option(
    help: str, choices: tuple[str, ...] = ("text", "json"), default: str = "text"
) -> Callable[[F], F]:
    return click.option(
        "-f",
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help=help,
    )


def non_blank(_ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Option callback: a value of only blanks is refused (one error line, exit 2)."""
    if value is not None and not value.strip():
        raise ConfigError("must not be empty", option=param.opts[-1])
    return value


disclosure_option = click.option(
    "--disclosure",
    metavar="TEXT",
    callback=non_blank,
    help="The AI-assistance line under the section (default: the profile's, else localize's).",
)


def output_option(help: str) -> Callable[[F], F]:
    return click.option(
        "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help=help
    )


def cache_options(f: F) -> F:
    """The response cache: on by default, in every generating command."""
    return _stack(
        f,
        (
            click.option(
                "--no-cache", is_flag=True, help="Do not read or write the on-disk response cache."
            ),
            click.option(
                "--cache-dir",
                type=click.Path(path_type=Path, file_okay=False),
                metavar="DIR",
                help="Response cache folder (env LOCALIZE_CACHE_DIR; default "
                "$XDG_CACHE_HOME/localize or ~/.cache/localize).",
            ),
        ),
    )


def response_cache(no_cache: bool, cache_dir: Path | None) -> ResponseCache | None:
    return None if no_cache else DiskCache(cache_dir or default_cache_dir())


_ENDPOINT_OPTIONS = (
    click.option(
        "-m",
        "--model",
        help="Model name (env LOCALIZE_MODEL; default: the endpoint's only model, "
        "else gpt-4o-mini; the embedded model when no endpoint is set).",
    ),
    click.option(
        "--base-url",
        metavar="URL",
        help="OpenAI-compatible endpoint (env LOCALIZE_BASE_URL, OPENAI_BASE_URL).",
    ),
    click.option(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="HTTP timeout per request (env LOCALIZE_TIMEOUT; default 120).",
    ),
    click.option(
        "--max-retries",
        type=int,
        metavar="N",
        help="Retries of rate limits, timeouts and 5xx (env LOCALIZE_MAX_RETRIES; default 3).",
    ),
    click.option(
        "--no-demo-model",
        is_flag=True,
        help="Fail instead of using the embedded demo model when no key or endpoint is set "
        "(env LOCALIZE_NO_DEMO_MODEL=1).",
    ),
)

_SECTION_OPTIONS = (
    click.option(
        "-t",
        "--template",
        metavar="NAME|FILE",
        help="Prompt template (default: section; env LOCALIZE_TEMPLATE).",
    ),
    click.option(
        "--max-attempts",
        type=int,
        metavar="N",
        help="Generations allowed, re-asking with check findings (default 3).",
    ),
    click.option(
        "--strict",
        is_flag=True,
        help="Sections with check errors count as failures (exit 1, nothing written).",
    ),
    click.option(
        "--structured",
        type=click.Choice(STRUCTURED_MODES),
        help="Structured-output mode (default auto: negotiated with the endpoint).",
    ),
    click.option(
        "--context-window",
        type=int,
        metavar="TOKENS",
        help="Override the model's context window (env LOCALIZE_CONTEXT_WINDOW).",
    ),
)


def _set_verbosity(_ctx: click.Context, _param: click.Parameter, value: int) -> None:
    if value:
        setup_logging(value)


verbose_option = click.option(
    "-v",
    "--verbose",
    count=True,
    expose_value=False,
    callback=_set_verbosity,
    help="Log each request's timing and retries to stderr (-vv: more); keys are masked.",
)

logs_db_option = click.option(
    "--logs-db",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Audit log database (env LOCALIZE_LOGS_DB; default "
    "$XDG_DATA_HOME/localize/logs.db; see `localize logs`).",
)


def audit_options(f: F) -> F:
    """Where a run's sections are recorded (``--logs-db``), or not at all (``--no-log``)."""
    no_log = click.option(
        "--no-log",
        is_flag=True,
        help="Do not record this run in the audit log (env LOCALIZE_LOGS=off).",
    )
    return _stack(f, (logs_db_option, no_log))


def generation_options(f: F) -> F:
    """The options every generating command takes, each with one name and one meaning."""
    return _stack(
        f,
        (
            *_SECTION_OPTIONS,
            *_ENDPOINT_OPTIONS,
            profiles_option,
            cache_options,
            audit_options,
            verbose_option,
        ),
    )


def settings_from(options: dict[str, Any]) -> Settings:
    """Settings from the generation options, validated as the library validates them."""
    return Settings.resolve(
        model=options.get("model"),
        base_url=options.get("base_url"),
        template=options.get("template"),
        profiles=options.get("profiles"),
        max_attempts=options.get("max_attempts"),
        max_retries=options.get("max_retries"),
        timeout=options.get("timeout"),
        context_window=options.get("context_window"),
        structured=options.get("structured"),
        allow_demo_model=False if options.get("no_demo_model") else None,
        slots=options.get("slots"),
        logs_db=options.get("logs_db"),
        logs=False if options.get("no_log") else None,
    )


def recording_options(f: F) -> F:
    """``--cassette FILE`` and ``--record-mode``: run the command recording its LLM requests to
    FILE, or replaying them from it offline (see `localize.testing._recording`)."""
    from localize.testing._recording import RECORD_MODES, RecordMode

    @functools.wraps(f)
    def run(*args: Any, cassette: str | None, record_mode: str, **kwargs: Any) -> Any:
        if cassette is None:
            return f(*args, **kwargs)
        from localize.testing._recording import use_cassette

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
            help="With --cassette: once records a missing FILE and replays an existing one; "
            "none only replays; new_episodes records what is missing; rewrite records afresh "
            "(env LOCALIZE_RECORD_MODE).",
        ),
    )
    return _stack(cast(F, run), cast(tuple[Callable[[F], F], ...], options))
