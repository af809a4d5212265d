"""A newsroom's own checks: passed in as Python callables, or installed as entry points.

A check is a function that takes a `CheckContext` and returns `Finding` objects (house style,
banned phrases, words that need legal review). Passed to ``localize(..., checks=[...])`` or
``localize.check(..., checks=[...])``, it runs for that call; installed by a package under the
``localize.checks`` entry-point group, it runs in every run once localize has loaded it:

    [project.entry-points."localize.checks"]
    house-style = "newsroom.checks:house_style"

The entry point's name is the check's name. Either way it runs after the built-in checks, in the
same report, re-ask, review page and ``localize eval``, and a profile's ``checks:`` block or
``--check NAME=off|warning|error`` sets its severity as it does a built-in check's.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from importlib.metadata import entry_points
from typing import Any

from localize.errors import ConfigError
from localize.grounding._findings import Severity
from localize.grounding._registry import (
    CheckFunction,
    RegisteredCheck,
    register_check,
    registered_checks,
)

__all__ = ["ENTRY_POINT_GROUP", "as_checks", "load_plugin_checks"]

ENTRY_POINT_GROUP = "localize.checks"
_loaded = False
_lock = threading.Lock()


def as_check(check: RegisteredCheck | CheckFunction) -> RegisteredCheck:
    """A callable as a check: named by its ``check_name`` attribute, else its ``__name__``;
    its default severity ``severity`` (else "error"), its re-ask ``advice`` if it has one."""
    if isinstance(check, RegisteredCheck):
        return check
    if not callable(check):
        raise ConfigError(f"a check must be a callable, got {check!r}", option="checks")
    name = getattr(check, "check_name", None) or getattr(check, "__name__", "")
    name = str(name).replace("_", "-") if name else ""
    severity: Severity = getattr(check, "severity", "error")
    if not name or name == "<lambda>":
        raise ConfigError(
            f"cannot name the check {check!r}: give the function a name, or a check_name attribute",
            option="checks",
        )
    if severity not in ("error", "warning"):
        raise ConfigError(
            f"check {name!r}: severity must be 'error' or 'warning', not {severity!r}",
            option="checks",
        )
    return RegisteredCheck(name, check, severity, advice=getattr(check, "advice", None))


def as_checks(
    checks: Iterable[RegisteredCheck | CheckFunction] | None,
) -> tuple[RegisteredCheck, ...]:
    """A call's own checks, each named once and none shadowing a registered one."""
    out = tuple(as_check(c) for c in checks or ())
    taken = {c.name for c in registered_checks()}
    for n, entry in enumerate(out):
        if entry.name in taken:
            raise ConfigError(f"check {entry.name!r} is already registered", option="checks")
        if entry.name in {c.name for c in out[:n]}:
            raise ConfigError(f"check {entry.name!r} is given twice", option="checks")
    return out


def load_plugin_checks() -> Sequence[RegisteredCheck]:
    """Register every check installed under ``localize.checks``, once per process.

    An entry point that cannot be loaded, or that is no check, is a `ConfigError` naming it.
    """
    global _loaded
    with _lock:
        if _loaded:
            return ()
        added: list[RegisteredCheck] = []
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                target: Any = ep.load()
            except Exception as exc:  # a broken plugin package: say which, not a traceback
                raise ConfigError(
                    f"cannot load check {ep.name!r} ({ep.value}): {type(exc).__name__}: {exc}",
                    option=f"entry point {ENTRY_POINT_GROUP}",
                ) from None
            entry = as_check(target)
            added.append(
                register_check(
                    ep.name,
                    entry.function,
                    severity=entry.severity,
                    advice=entry.advice,
                    replace=True,
                )
            )
        _loaded = True
        return tuple(added)
