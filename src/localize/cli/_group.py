"""What every `localize` command shares: errors as one line, warnings as one line, JSON-safe
failure output, the output target (``-`` is stdout), and the options that mean the same thing
in every command."""

from __future__ import annotations

import errno
import functools
import json
import os
import sqlite3
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from localize._atomic import check_writable, write_atomic, write_failed
from localize._types import STRUCTURED_MODES
from localize.backends import ResponseCache
from localize.backends._cache import DiskCache, default_cache_dir
from localize.cli._feedback import setup_logging
from localize.cli._interrupt import interrupted_exit_code, stopping_on_sigterm
from localize.config import Settings
from localize.errors import ConfigError, LocalizeError, LocalizeWarning
from localize.pipeline import VERIFY_NEEDS_ENDPOINT

__all__ = [
    "LocalizeGroup",
    "audit_options",
    "cache_options",
    "check_option",
    "disclosure_option",
    "format_option",
    "generation_options",
    "json_errors",
    "logs_db_option",
    "non_blank",
    "output_option",
    "profiles_option",
    "recording_options",
    "refuse_given",
    "resolve_settings",
    "response_cache",
    "say",
    "settings_from",
    "verbose_option",
    "verify_source",
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


# A write the OS refused: a full disk or quota, a file too big, a closed pipe, an I/O error.
_WRITE_FAILURES = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EPIPE, errno.EIO)


# What a parser raises besides its own error: nesting too deep, a number past a limit, text
# no encoding can hold, a damaged database.
_PARSER_FAILURES = (RecursionError, OverflowError, UnicodeError, sqlite3.DatabaseError)


def _silence_stdout() -> None:
    """After stdout failed, point it at /dev/null so the interpreter's last flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _not_utf8_input(exc: UnicodeEncodeError) -> ConfigError | None:
    """The option value or environment variable that held bytes that are not UTF-8 (Python
    keeps them as lone surrogates, which no writer takes), when one of them is the cause."""
    bad = exc.object[exc.start : exc.end] if isinstance(exc.object, str) else ""
    if not bad:
        return None
    args = sys.argv[1:]
    for i, arg in enumerate(args):
        if bad in arg:
            flag = arg.split("=", 1)[0] if arg.startswith("--") else None
            if flag is None and i and args[i - 1].startswith("-"):
                flag = args[i - 1]
            return ConfigError("is not UTF-8 text", option=flag or repr(arg))
    for name, value in os.environ.items():
        if bad in value:
            return ConfigError("is not UTF-8 text", option=name)
    return None


class LocalizeGroup(click.Group):
    """Turns every LocalizeError into one line on stderr and the error's exit code, and every
    localize warning into one ``localize: warning:`` line. A write to standard output that the
    OS refuses (``> /dev/full``, a full disk) is an `OutputError` too, not a traceback."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        # The group's own options (`localize --bogus`) are parsed here, before invoke.
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise  # the help, not an error
        except click.UsageError as exc:
            _say_usage_error(exc, info_name or "localize")
            raise click.exceptions.Exit(exc.exit_code) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            try:
                with warnings.catch_warnings(), stopping_on_sigterm():
                    warnings.simplefilter("always", LocalizeWarning)
                    warnings.showwarning = _show_warning
                    return super().invoke(ctx)
            except OSError as exc:
                if exc.errno not in _WRITE_FAILURES:
                    raise
                # Files are written through write_atomic, which names them; what is left is
                # standard output.
                _silence_stdout()
                ctx.meta[_JSON_ERRORS] = False  # stdout is what failed: no JSON there either
                raise write_failed(exc, exc.filename or "<stdout>") from None
            except UnicodeEncodeError as exc:
                given = _not_utf8_input(exc)
                if given is None:
                    raise LocalizeError(f"internal error: {type(exc).__name__}: {exc}") from exc
                raise given from None
            except _PARSER_FAILURES as exc:
                # Every reader turns these into a typed error naming its file; one that slips
                # through is still one line, not a traceback.
                raise LocalizeError(
                    f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())[:200]} "
                    "(please report it)"
                ) from exc
        except LocalizeError as exc:
            # One line, whatever the message holds (a parser's multi-line report, say).
            say(f"localize: error: {' '.join(str(exc).split())}")
            _json_failure(ctx, str(exc), exc.exit_code)
            ctx.exit(exc.exit_code)
        except click.exceptions.NoArgsIsHelpError:
            raise  # the help, not an error
        except click.UsageError as exc:
            _say_usage_error(exc, ctx.command_path)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            # Ctrl-C or SIGTERM (see _interrupt): one line and 128 + the signal, not click's
            # "Aborted!" and exit 1, which reads as a failed run.
            say("localize: interrupted")
            _json_failure(ctx, "interrupted", interrupted_exit_code())
            ctx.exit(interrupted_exit_code())


def _say_usage_error(exc: click.UsageError, command: str) -> None:
    """A bad option value, a missing option or argument, an unknown command: one line, as every
    other bad input (click's own report is three: the usage, a hint and the error)."""
    where = exc.ctx.command_path if exc.ctx is not None else command
    say(f"localize: error: {exc.format_message()} (see '{where} --help')")


def _json_failure(ctx: click.Context, message: str, exit_code: int) -> None:
    """In a JSON mode, the failure as a JSON object on stdout too."""
    if ctx.meta.get(_JSON_ERRORS):
        failure = {"ok": False, "error": message, "exit_code": exit_code}
        try:
            click.echo(json.dumps(failure, ensure_ascii=False))
        except OSError:
            _silence_stdout()


def write_output(text: str, output: Path | None) -> None:
    """Print ``text`` on stdout (``output`` None or ``-``) or write the file atomically."""
    if output is None or str(output) == "-":
        try:
            click.echo(text, nl=False)
            sys.stdout.flush()
        except OSError as exc:
            _silence_stdout()
            raise write_failed(exc, "<stdout>") from None
        return
    write_atomic(output, text)
    say(f"localize: wrote {output}")


def writable_output(output: Path | None, *, inputs: tuple[str | Path, ...] = ()) -> None:
    """Fail before any work when the output file could not be written (stdout always can), or
    when it is one of the command's ``inputs``."""
    if output is not None and str(output) != "-":
        check_writable(output, inputs=inputs)


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


def _check_settings(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> dict[str, str]:
    """``--check NAME=off|warning|error``, repeatable: the run's check severities, each name one
    the registry knows (built-in, or installed under the ``localize.checks`` entry point)."""
    from localize.grounding import resolve_severities
    from localize.grounding._plugins import load_plugin_checks

    settings: dict[str, str] = {}
    for value in values:
        name, sep, setting = value.partition("=")
        if not sep or not name.strip() or not setting.strip():
            raise ConfigError(f"expected NAME=off|warning|error, got {value!r}", option="--check")
        settings[name.strip()] = setting.strip().lower()
    load_plugin_checks()
    try:
        resolve_severities(settings)
    except ConfigError as exc:
        raise ConfigError(str(exc), option="--check") from None
    return settings


verify_option = click.option(
    "--verify/--no-verify",
    default=None,
    help="Also ask the endpoint whether each sentence is supported by the story sentences it "
    "is linked to: one request per section, findings under the check 'verified' (a warning; "
    "--check verified=error makes it count). Not on the embedded demo model "
    "(env LOCALIZE_VERIFY; default off).",
)

check_option = click.option(
    "--check",
    "check_settings",
    multiple=True,
    metavar="NAME=SETTING",
    callback=_check_settings,
    help="Turn a check off or set its severity for this run: NAME=off|warning|error "
    "(repeatable; over the profile's checks: block).",
)

_SECTION_OPTIONS = (
    click.option(
        "-t",
        "--template",
        metavar="NAME|FILE",
        help="Prompt template (default: section; env LOCALIZE_TEMPLATE).",
    ),
    click.option(
        "--templates",
        metavar="DIR",
        help="Your templates folder: -t NAME finds NAME.jinja there first "
        "(env LOCALIZE_TEMPLATES).",
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
        help="Warnings count as errors too; a flagged section is not written (exit 4).",
    ),
    check_option,
    verify_option,
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


def resolve_settings(**explicit: Any) -> Settings:
    """`Settings.resolve` with the CLI's names: an error names ``--max-attempts``, where the
    library names its argument ``max_attempts``."""
    try:
        settings = Settings.resolve(**explicit)
    except ConfigError as exc:
        if exc.option not in explicit:
            raise  # from the environment or the config file: named as it is there
        flag = f"--{exc.option.replace('_', '-')}"
        raise ConfigError(exc.message, option=flag) from None
    # `connect` refuses the verifier on the demo model too, by its Python name; a command line
    # hears where it asked for it (the flag, the environment or the config file's key), before
    # the model starts.
    if settings.verify and settings.use_local_model:
        raise ConfigError(VERIFY_NEEDS_ENDPOINT, option=verify_source(explicit.get("verify")))
    return settings


# The generation options that shape only how a section is written, not how it is checked: a
# command that writes no section (eval without --generate, review of a results file) refuses
# them rather than passing them over.
WRITING_OPTIONS = frozenset(
    {
        "template",
        "templates",
        "max_attempts",
        "strict",
        "structured",
        "context_window",
        "model",
        "base_url",
        "timeout",
        "max_retries",
        "no_demo_model",
        "no_cache",
        "cache_dir",
        "logs_db",
        "no_log",
    }
)


def refuse_given(ctx: click.Context, names: frozenset[str], why: str) -> None:
    """Refuse the first of the command's options ``names`` given on the command line, naming it
    and saying ``why``: an option a command would pass over looks applied."""
    for param in ctx.command.params:
        given = ctx.get_parameter_source(param.name or "")
        if param.name in names and given == click.core.ParameterSource.COMMANDLINE:
            raise ConfigError(why, option=param.opts[-1])


def verify_source(flag: bool | None) -> str:
    """Where a run's verifier setting came from, as a message names it."""
    if flag:
        return "--verify"
    if os.environ.get("LOCALIZE_VERIFY"):
        return "LOCALIZE_VERIFY"
    return "verify (config file)"


def settings_from(options: dict[str, Any]) -> Settings:
    """Settings from the generation options, validated as the library validates them."""
    return resolve_settings(
        model=options.get("model"),
        base_url=options.get("base_url"),
        template=options.get("template"),
        templates=options.get("templates"),
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
        strict=True if options.get("strict") else None,
        checks=options.get("check_settings") or None,
        verify=options.get("verify"),
    )


def recording_options(f: F) -> F:
    """``--cassette FILE`` and ``--record-mode``: run the command recording its LLM requests to
    FILE, or replaying them from it offline (see `localize.testing._recording`)."""
    from localize.testing._recording import RECORD_MODES, RecordMode

    @functools.wraps(f)
    def run(*args: Any, cassette: str | None, record_mode: str, **kwargs: Any) -> Any:
        if cassette is None:
            # Passed over silently, a replay looked asked for while the run went live.
            source = click.get_current_context().get_parameter_source("record_mode")
            if source == click.core.ParameterSource.COMMANDLINE:
                raise ConfigError(
                    "is for a recording: give --cassette FILE too", option="--record-mode"
                )
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
