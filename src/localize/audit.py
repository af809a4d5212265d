"""The audit log: every generated section, with its provenance and check report, in SQLite.

It answers a newsroom's question about any paragraph: which model wrote it, when, at which
endpoint, from which prompt template version, and what the checks said. ``localize logs`` reads
it. One row per finished section (``localize rewrite``, ``localize batch``, Batch API collects and
library calls), written when the result is built.

Where it lives, highest precedence first: the ``logs_db`` setting (``--logs-db``,
``LOCALIZE_LOGS_DB``, ``logs_db`` in the config file), then ``$XDG_DATA_HOME/localize/logs.db``
(``~/.local/share/localize/logs.db``). The ``logs`` setting (``--no-log``, ``LOCALIZE_LOGS=off``,
``logs = false``) turns it off.

Several writers at once (batch workers, threads, parallel runs) are safe: the database is in WAL
mode, each thread has its own connection, each write commits one row in one transaction, and a
writer waits for another's lock instead of failing. The schema version is SQLite's
``user_version``; each migration only adds, so an older localize can still write to a newer
database. Keys never get here: the endpoint is stored without credentials, and nothing of the
request but its facts is kept.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from localize._redact import redact_text
from localize._version import __version__
from localize.config import Settings
from localize.errors import InputError, LocalizeWarning, OutputError

__all__ = [
    "SCHEMA_VERSION",
    "AuditLog",
    "AuditWarning",
    "LogEntry",
    "LogQuery",
    "default_logs_path",
    "logs_path",
    "open_audit",
    "resolve_audit",
]

# Each step moves the schema from version i to i + 1. Only add (columns, tables, indexes): a
# database written by a newer localize must stay writable by an older one.
_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE generations (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        source TEXT NOT NULL,
        localize_version TEXT NOT NULL,
        story_id TEXT NOT NULL,
        story_sha256 TEXT NOT NULL,
        story_source TEXT,
        region TEXT NOT NULL,
        model TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        template_name TEXT NOT NULL,
        template_version TEXT NOT NULL,
        template_sha256 TEXT NOT NULL,
        structured_mode TEXT,
        attempts INTEGER NOT NULL,
        prompt_tokens INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        cached_tokens INTEGER NOT NULL,
        latency_s REAL,
        estimated_cost_usd REAL,
        checks_ok INTEGER NOT NULL,
        check_errors INTEGER NOT NULL,
        check_warnings INTEGER NOT NULL,
        heading TEXT NOT NULL,
        body TEXT NOT NULL,
        checks_json TEXT NOT NULL,
        provenance_json TEXT NOT NULL
    );
    CREATE INDEX generations_created_at ON generations (created_at);
    CREATE INDEX generations_story ON generations (story_id, region);
    CREATE INDEX generations_model ON generations (model);
    """,
    # The section's status ("passed" or "flagged", see LocalizeResult.status); rows written
    # before it have NULL, read as their checks say.
    """
    ALTER TABLE generations ADD COLUMN status TEXT;
    CREATE INDEX generations_status ON generations (status);
    """,
)
# SQLite's integers are signed 64-bit: a Python int past them cannot be bound to a query.
_MAX_SQLITE_INT = 2**63 - 1

SCHEMA_VERSION = len(_MIGRATIONS)
_BUSY_TIMEOUT_S = 30.0
# Each thread's open connections, by database file (see AuditLog.connect).
_connections = threading.local()


class _ForeignDatabase(sqlite3.DatabaseError):
    """A database that holds someone else's tables: localize adds none of its own to it."""


def _refuse_foreign(conn: sqlite3.Connection) -> None:
    """A fresh log is an empty file; an unversioned one with tables is not localize's."""
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    if tables:
        shown = ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")
        raise _ForeignDatabase(f"it is another program's database (tables: {shown})")


class AuditWarning(LocalizeWarning):
    """A section was generated but could not be written to the audit log."""


def default_logs_path(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_DATA_HOME/localize/logs.db``, else ``~/.local/share/localize/logs.db``."""
    env = os.environ if env is None else env
    base = Path(env["XDG_DATA_HOME"]) if env.get("XDG_DATA_HOME") else Path.home() / ".local/share"
    return base / "localize" / "logs.db"


def logs_path(settings: Settings) -> Path:
    """The audit log's file: the ``logs_db`` setting, else `default_logs_path`."""
    return Path(settings.logs_db) if settings.logs_db else default_logs_path()


@dataclass(frozen=True)
class LogEntry:
    """One generated section as the audit log holds it."""

    id: int
    created_at: str
    source: str
    localize_version: str
    story_id: str
    story_sha256: str
    story_source: str | None
    region: str
    model: str
    endpoint: str
    template_name: str
    template_version: str
    template_sha256: str
    structured_mode: str | None
    attempts: int
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    latency_s: float | None
    estimated_cost_usd: float | None
    checks_ok: bool
    check_errors: int
    check_warnings: int
    heading: str
    body: str
    checks: dict[str, Any]
    provenance: dict[str, Any]
    # "passed" or "flagged": a flagged section had check errors left, and is not for publishing.
    status: str = "passed"

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


_COLUMNS = tuple(
    f"{f.name}_json" if f.name in ("checks", "provenance") else f.name for f in fields(LogEntry)
)


def _entry(row: sqlite3.Row) -> LogEntry:
    values = {name: row[name] for name in _COLUMNS}
    values["checks"] = json.loads(values.pop("checks_json"))
    values["provenance"] = json.loads(values.pop("provenance_json"))
    values["checks_ok"] = bool(values["checks_ok"])
    values["status"] = values["status"] or ("passed" if values["checks_ok"] else "flagged")
    return LogEntry(**values)


def _parse_time(value: str, option: str, *, end: bool) -> str:
    """An ISO date or date-time as the stored UTC form; a bare date ``until`` includes that day."""
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"{option}: expected a date like 2026-11-23 or 2026-11-23T14:30, got {value!r}"
        ) from None
    if end and len(value) == 10:  # a bare date: up to the end of that day
        when += timedelta(days=1)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return _stamp(when)


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class LogQuery:
    """Which entries `AuditLog.entries` returns; every field given narrows the list.

    ``since`` and ``until`` are ISO dates or date-times (UTC unless they say otherwise; a bare
    ``until`` date includes that day). ``model`` matches part of the name, case-insensitively;
    ``search`` matches part of the section's text. ``failed`` keeps flagged sections (check
    errors left).
    ``limit`` 0 means all; newest entries come first.
    """

    story: str | None = None
    region: str | None = None
    model: str | None = None
    since: str | None = None
    until: str | None = None
    failed: bool = False
    search: str | None = None
    limit: int = 20

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        args: list[Any] = []
        if self.story is not None:
            clauses.append("story_id = ?")
            args.append(self.story)
        if self.region is not None:
            clauses.append("region = ?")
            args.append(self.region)
        if self.model is not None:
            clauses.append("instr(lower(model), lower(?)) > 0")
            args.append(self.model)
        if self.since is not None:
            clauses.append("created_at >= ?")
            args.append(_parse_time(self.since, "--since", end=False))
        if self.until is not None:
            clauses.append("created_at < ?")
            args.append(_parse_time(self.until, "--until", end=True))
        if self.failed:
            clauses.append("check_errors > 0")
        if self.search is not None:
            clauses.append("instr(lower(heading || char(10) || body), lower(?)) > 0")
            args.append(self.search)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), args


@dataclass(frozen=True)
class AuditLog:
    """The audit database at ``path``; ``source`` labels the rows this process writes.

    ``chosen`` is False only for the default location, which `open_audit` may do without.
    """

    path: Path
    source: str = "library"
    chosen: bool = True

    def __post_init__(self) -> None:
        # ``AuditLog("logs.db")`` failed at the first write with an AttributeError.
        object.__setattr__(self, "path", Path(self.path))

    @classmethod
    def from_settings(cls, settings: Settings, source: str = "library") -> AuditLog | None:
        """The configured log, or None when the settings turn it off."""
        if not settings.logs:
            return None
        return cls(logs_path(settings), source, chosen=settings.logs_db is not None)

    def connect(self) -> sqlite3.Connection:
        """This thread's connection to the database, created and migrated on first use.

        It stays open for the life of the thread: closing the last connection checkpoints the
        WAL, an fsync that would cost every write about 17 ms.
        """
        open_here: dict[Path, sqlite3.Connection] = _connections.__dict__.setdefault("by_path", {})
        key = self.path.absolute()
        conn = open_here.get(key)
        if conn is not None:
            return conn
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise OutputError(f"cannot open the audit log: {exc}", path=str(self.path)) from None
        try:
            conn.row_factory = sqlite3.Row
            self._set_up(conn)
        except _ForeignDatabase as exc:
            conn.close()
            raise OutputError(
                f"not a localize logs database: {exc}; choose another --logs-db",
                path=str(self.path),
            ) from None
        except sqlite3.Error as exc:
            conn.close()
            raise OutputError(
                f"cannot use the audit log: {exc} (is it a localize logs database?)",
                path=str(self.path),
            ) from None
        open_here[key] = conn
        return conn

    @classmethod
    def _set_up(cls, conn: sqlite3.Connection) -> None:
        """WAL mode and the schema, retried while another connection holds the lock.

        Switching a new database to WAL takes an exclusive lock and SQLite answers "database is
        locked" at once, without its busy timeout, when several processes or threads open a
        fresh log together (measured: 2 of 60 runs of four threads under load).
        """
        deadline = time.monotonic() + _BUSY_TIMEOUT_S
        while True:
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints, never torn
                cls._migrate(conn)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version >= SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")  # one writer migrates; the others wait, then see it done
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                _refuse_foreign(conn)
            for step in _MIGRATIONS[version:]:
                for statement in filter(str.strip, step.split(";")):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {max(version, SCHEMA_VERSION)}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def check(self) -> None:
        """Fail now (`OutputError`) if the log cannot be opened, before any generation."""
        self.connect()

    def add(
        self,
        *,
        section: Mapping[str, Any],
        provenance: Mapping[str, Any],
        checks: Mapping[str, Any],
        story_source: str | None = None,
    ) -> int:
        """Record one finished section; returns its id. The dicts are a result's ``to_dict()``."""
        findings = checks.get("findings") or []
        errors = sum(1 for f in findings if f.get("severity") == "error")
        warnings_ = sum(1 for f in findings if f.get("severity") == "warning")
        p = provenance
        # The host is stored without user:password; any key-shaped text is masked besides.
        prov = json.loads(redact_text(json.dumps(dict(p), ensure_ascii=False)))
        row: dict[str, Any] = {
            "created_at": _stamp(datetime.now(UTC)),
            "source": self.source,
            "localize_version": __version__,
            "story_id": p["story_id"],
            "story_sha256": p["story_sha256"],
            "story_source": story_source,
            "region": p["region"],
            "model": p["model"],
            "endpoint": prov["endpoint_host"],
            "template_name": p["template_name"],
            "template_version": p["template_version"],
            "template_sha256": p["template_sha256"],
            "structured_mode": p.get("structured_mode"),
            "attempts": p["attempts"],
            "prompt_tokens": p["prompt_tokens"],
            "completion_tokens": p["completion_tokens"],
            "cached_tokens": p.get("cached_tokens", 0),
            "latency_s": p.get("latency_s"),
            "estimated_cost_usd": p.get("estimated_cost_usd"),
            "checks_ok": errors == 0,
            "status": "passed" if errors == 0 else "flagged",
            "check_errors": errors,
            "check_warnings": warnings_,
            "heading": section["heading"],
            "body": section["body"],
            "checks_json": json.dumps(dict(checks), ensure_ascii=False),
            "provenance_json": json.dumps(prov, ensure_ascii=False),
        }
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        conn = self.connect()
        try:
            cursor = conn.execute(
                f"INSERT INTO generations ({names}) VALUES ({marks})", tuple(row.values())
            )
        except sqlite3.Error as exc:
            raise OutputError(
                f"cannot write to the audit log: {exc}", path=str(self.path)
            ) from None
        return int(cursor.lastrowid or 0)

    def add_or_warn(self, result: Mapping[str, Any], story_source: str | None = None) -> None:
        """`add` a result's ``to_dict()``; a failure warns (`AuditWarning`) and loses no result."""
        try:
            self.add(
                section=result["section"],
                provenance=result["provenance"],
                checks=result["checks"],
                story_source=story_source,
            )
        except OutputError as exc:
            warnings.warn(f"section not recorded: {exc}", AuditWarning, stacklevel=2)

    def entries(self, query: LogQuery | None = None) -> list[LogEntry]:
        """Entries matching ``query``, newest first."""
        query = query or LogQuery()
        where, args = query.where()
        if not self.path.exists():  # reading never creates the database
            return []
        # Past SQLite's integers a limit is no limit (SQLite would call the database damaged).
        limit = f" LIMIT {int(query.limit)}" if 0 < query.limit <= _MAX_SQLITE_INT else ""
        sql = (
            f"SELECT {', '.join(_COLUMNS)} FROM generations{where} "
            f"ORDER BY created_at DESC, id DESC{limit}"
        )
        return self._read(sql, args)

    def get(self, entry_id: int) -> LogEntry | None:
        if not self.path.exists() or abs(entry_id) > _MAX_SQLITE_INT:  # no row has such an id
            return None
        rows = self._read(f"SELECT {', '.join(_COLUMNS)} FROM generations WHERE id = ?", [entry_id])
        return rows[0] if rows else None

    def _read(self, sql: str, args: list[Any]) -> list[LogEntry]:
        """Rows of a query; a database damaged past its header is one `OutputError`."""
        try:
            return [_entry(row) for row in self.connect().execute(sql, args).fetchall()]
        except (sqlite3.Error, ValueError, TypeError, RecursionError) as exc:
            raise OutputError(
                f"cannot read the audit log: {exc} (is it damaged?)", path=str(self.path)
            ) from None


def resolve_audit(
    audit: AuditLog | bool, settings: Settings | None = None, source: str = "library"
) -> AuditLog | None:
    """``True``: the log the settings (or environment and config file) name; ``False``: none."""
    if isinstance(audit, AuditLog):
        return audit
    if not audit:
        return None
    return AuditLog.from_settings(settings or Settings.resolve(), source)


def open_audit(
    audit: AuditLog | bool, settings: Settings | None = None, source: str = "library"
) -> AuditLog | None:
    """`resolve_audit`, opened before a run starts.

    A log named on purpose (an `AuditLog`, ``--logs-db``, ``LOCALIZE_LOGS_DB``, ``logs_db``) that
    cannot be opened is an `OutputError`: nothing is generated unrecorded. The default log that
    cannot be opened (a read-only home folder) is an `AuditWarning`, and the run goes on without.
    """
    log = resolve_audit(audit, settings, source)
    if log is None:
        return None
    try:
        log.check()
    except OutputError as exc:
        if log.chosen:
            raise
        warnings.warn(
            f"no audit log kept: {exc} (set LOCALIZE_LOGS_DB, or LOCALIZE_LOGS=off)",
            AuditWarning,
            stacklevel=2,
        )
        return None
    return log
