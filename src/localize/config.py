"""Settings and where they come from.

Precedence, highest first: explicit argument (or CLI option), environment (``LOCALIZE_*``, then
``OPENAI_*`` as the SDK reads them), the config file (``$LOCALIZE_CONFIG`` or
``$XDG_CONFIG_HOME/localize/config.toml``), then the default. The API key is read from the
environment or passed explicitly, never from the config file, so it is not left on disk.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from localize._reading import read_limited
from localize._redact import redact_url, redacted_repr
from localize._types import STRUCTURED_MODES, StructuredMode
from localize.errors import ConfigError

__all__ = ["BOUNDS", "DEFAULT_MODEL", "Settings", "check_base_url"]

DEFAULT_MODEL = "gpt-4o-mini"

# setting -> (environment variables in order, type)
_SOURCES: dict[str, tuple[tuple[str, ...], type]] = {
    "base_url": (("LOCALIZE_BASE_URL", "OPENAI_BASE_URL"), str),
    "model": (("LOCALIZE_MODEL",), str),
    "template": (("LOCALIZE_TEMPLATE",), str),
    "templates": (("LOCALIZE_TEMPLATES",), str),
    "profiles": (("LOCALIZE_PROFILES",), str),
    "max_attempts": (("LOCALIZE_MAX_ATTEMPTS",), int),
    "max_retries": (("LOCALIZE_MAX_RETRIES",), int),
    "timeout": (("LOCALIZE_TIMEOUT",), float),
    "context_window": (("LOCALIZE_CONTEXT_WINDOW",), int),
    "structured": (("LOCALIZE_STRUCTURED",), str),
    "slots": (("LOCALIZE_SLOTS",), int),
    # Inverted: CI and production set LOCALIZE_NO_DEMO_MODEL=1 to forbid the fallback.
    "allow_demo_model": (("LOCALIZE_NO_DEMO_MODEL",), bool),
    "logs_db": (("LOCALIZE_LOGS_DB",), str),
    "logs": (("LOCALIZE_LOGS",), bool),
    "strict": (("LOCALIZE_STRICT",), bool),
    "verify": (("LOCALIZE_VERIFY",), bool),
}
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


# The range every numeric setting must be in, wherever it comes from: a CLI flag is checked here
# too (through `Settings.resolve`), so an option, its environment variable and its config key
# agree.
BOUNDS: dict[str, tuple[float, float]] = {
    "max_attempts": (1, 20),
    "max_retries": (0, 20),
    "timeout": (0.1, 3600.0),
    "context_window": (256, 10_000_000),
    "slots": (1, 1024),
}


_MAX_CONFIG_BYTES = 1024 * 1024


def _shown(value: object) -> str:
    """A value as an error message quotes it: never a page of digits."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}... ({len(text)} characters)"


def _config_path(env: Mapping[str, str]) -> Path:
    if env.get("LOCALIZE_CONFIG"):
        return Path(env["LOCALIZE_CONFIG"])
    base = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "localize" / "config.toml"


def _load_file(path: Path, required: bool) -> dict[str, Any]:
    if not path.exists() and not path.is_symlink():
        if required:
            raise ConfigError("no such config file", option=str(path))
        return {}

    def error(message: str) -> ConfigError:
        return ConfigError(f"cannot read config file: {message}", option=str(path))

    # Only a regular file of a config file's size: not /dev/zero, not a FIFO that never ends.
    raw = read_limited(path, _MAX_CONFIG_BYTES, error, what="config file")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise error(f"not UTF-8 (bad byte at offset {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(str(exc)) from None
    except RecursionError:
        raise error("nested too deeply") from None
    except ValueError as exc:  # an integer past Python's digit limit
        raise error(str(exc)) from None
    unknown = set(data) - set(_SOURCES)
    if "api_key" in unknown:
        raise ConfigError(
            "api_key is not read from the config file; set OPENAI_API_KEY",
            option=f"{path}: api_key",
        )
    if unknown:
        raise ConfigError(
            f"unknown key(s): {', '.join(sorted(unknown))}; known: {', '.join(_SOURCES)}",
            option=str(path),
        )
    return data


def _flag(value: object, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in _TRUE | _FALSE:
        raise ConfigError(
            f"expected 1/0, true/false, yes/no or on/off, got {value!r}", option=where
        )
    return text in _TRUE


def _coerce(name: str, value: object, where: str) -> object:
    kind = _SOURCES[name][1]
    if kind is bool:
        flag = _flag(value, where)
        # The environment variable says "no"; the argument and the file key say "allow".
        return not flag if where == "LOCALIZE_NO_DEMO_MODEL" else flag
    if kind is str:
        return _check_text(name, value, where)
    # A config file holds typed values: true is not a number.
    # As a person names it ("expected int" was Python's word).
    wanted = "a whole number" if kind is int else "a number"
    if isinstance(value, bool) or (isinstance(value, str) and not value):
        raise ConfigError(f"expected {wanted}, got {_shown(value)}", option=where)
    low, high = BOUNDS[name]
    if isinstance(value, float) and not math.isfinite(value):  # 1e400 in TOML is infinite
        raise ConfigError(f"must be from {low:g} to {high:g}, got {_shown(value)}", option=where)
    try:
        out = kind(value)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(f"expected {wanted}, got {_shown(value)}", option=where) from None
    if kind is int and isinstance(value, float) and value != out:
        raise ConfigError(f"expected a whole number, got {_shown(value)}", option=where)
    if not (math.isfinite(out) and low <= out <= high):
        raise ConfigError(f"must be from {low:g} to {high:g}, got {_shown(value)}", option=where)
    return out


def _check_text(name: str, value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"expected a non-empty string, got {value!r}", option=where)
    if name == "structured" and value not in STRUCTURED_MODES:
        raise ConfigError(f"must be one of {', '.join(STRUCTURED_MODES)}", option=where)
    if name == "base_url":
        check_base_url(value, where)
    return value


def check_base_url(value: object, where: str) -> str:
    """An endpoint URL as every entry point checks it (settings, `LLMClient`): http or https
    with a host, so "localhost:8080/v1" fails here and not later as "cannot connect"."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"expected a non-empty string, got {value!r}", option=where)
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError as exc:
        raise ConfigError(f"is not a URL ({exc}): {redact_url(value)}", option=where) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"must be an http:// or https:// URL with a host, got {redact_url(value)!r}",
            option=where,
        )
    return value


@dataclass(frozen=True, repr=False)
class Settings:
    """Resolved settings for one run. Its repr shows the base URL without credentials."""

    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    model: str | None = None
    template: str | None = None
    # The user templates folder: `-t NAME` finds NAME.jinja here before the built-in ones.
    templates: str | None = None
    profiles: str | None = None
    max_attempts: int = 3
    max_retries: int = 3
    timeout: float = 120.0
    context_window: int | None = None
    structured: StructuredMode = "auto"
    allow_demo_model: bool = True
    # Requests the endpoint serves at once (a llama.cpp server's slots); None when unknown.
    slots: int | None = None
    logs_db: str | None = None  # the audit log's file (see localize.audit)
    logs: bool = True  # record every generated section in the audit log
    # Warnings count as errors too: a section with any finding is flagged (see `CheckPolicy`).
    strict: bool = False
    # This run's check severities, (check name, "off" | "warning" | "error"), over a profile's.
    checks: tuple[tuple[str, str], ...] = ()
    # Ask the endpoint too whether each sentence is supported (`localize.grounding._verifier`).
    verify: bool = False

    def __repr__(self) -> str:
        return redacted_repr(self)

    @property
    def use_local_model(self) -> bool:
        """No key and no endpoint configured: run the embedded demo model."""
        return not self.api_key and not self.base_url

    @classmethod
    def resolve(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        model: str | None = None,
        template: str | Path | None = None,
        templates: str | Path | None = None,
        profiles: str | Path | None = None,
        max_attempts: int | None = None,
        max_retries: int | None = None,
        timeout: float | None = None,
        context_window: int | None = None,
        structured: str | None = None,
        allow_demo_model: bool | None = None,
        slots: int | None = None,
        logs_db: str | Path | None = None,
        logs: bool | None = None,
        strict: bool | None = None,
        checks: Mapping[str, str] | None = None,
        verify: bool | None = None,
    ) -> Settings:
        """Combine explicit values (None means unset), environment, config file and defaults.

        An error names the argument (``max_attempts: must be from 1 to 20, got 0``), the
        environment variable or the config file key the bad value came from.

        ``env`` defaults to ``os.environ``. ``allow_demo_model=False`` (or the environment's
        ``LOCALIZE_NO_DEMO_MODEL=1``, or ``allow_demo_model = false`` in the config file) makes a
        run without a key or endpoint an error instead of a run on the embedded demo model.
        ``logs_db`` and ``logs`` say where the audit log is and whether to keep it
        (`localize.audit`). ``strict`` counts check warnings as errors (``--strict``,
        ``LOCALIZE_STRICT=1``, ``strict = true``). ``checks`` maps a check name to
        ``"off"``, ``"warning"`` or ``"error"`` for this run (``--check NAME=SETTING``; checked
        against the registered checks when a prompt is prepared). ``verify`` asks the endpoint,
        after the checks, whether each sentence is supported (``--verify``, ``LOCALIZE_VERIFY=1``,
        ``verify = true``; off by default, and refused on the embedded demo model).
        """
        env = os.environ if env is None else env
        explicit = {
            "base_url": base_url,
            "model": model,
            "max_attempts": max_attempts,
            "max_retries": max_retries,
            "timeout": timeout,
            "context_window": context_window,
            "structured": structured,
            "allow_demo_model": allow_demo_model,
            "slots": slots,
            # A path is as good as its text, here as everywhere a file is named.
            "template": str(template) if isinstance(template, os.PathLike) else template,
            "templates": str(templates) if isinstance(templates, os.PathLike) else templates,
            "profiles": str(profiles) if isinstance(profiles, os.PathLike) else profiles,
            "logs_db": str(logs_db) if logs_db is not None else None,
            "logs": logs,
            "strict": strict,
            "verify": verify,
        }
        path = _config_path(env)
        file_values = _load_file(path, required=bool(env.get("LOCALIZE_CONFIG")))
        values: dict[str, Any] = {}
        for name, (variables, _kind) in _SOURCES.items():
            if explicit[name] is not None:
                values[name] = _coerce(name, explicit[name], _option(name))
                continue
            var = next((v for v in variables if env.get(v)), None)
            if var is not None:
                values[name] = _coerce(name, env[var], var)
            elif name in file_values:
                values[name] = _coerce(name, file_values[name], f"{path}: {name}")
        if checks:
            values["checks"] = tuple(checks.items())
        return cls(api_key=api_key or env.get("OPENAI_API_KEY") or None, **values)

    def check_attempts(self, max_attempts: int | None) -> int:
        """``max_attempts`` validated as the option is, or the resolved setting when None."""
        if max_attempts is None:
            return self.max_attempts
        checked = _coerce("max_attempts", max_attempts, _option("max_attempts"))
        assert isinstance(checked, int)
        return checked


def _option(name: str) -> str:
    """How an error names an explicit value: the Python argument (the CLI renames it to its
    option, see `localize.cli._group.settings_from`)."""
    return name
