"""The audit log: what is recorded, where, how it is read back, and what never reaches it."""

from __future__ import annotations

import json
import multiprocessing
import re
import shlex
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import localize
from localize import AuditLog, LogQuery, Settings
from localize.audit import SCHEMA_VERSION, default_logs_path, logs_path, open_audit
from localize.backends._local import LOCAL_MODEL
from localize.cli._batch import batch
from localize.cli._logs import logs
from localize.cli._main import cli
from localize.errors import ConfigError, InputError, OutputError
from tests.support import RECORD_BASE_URL, ROOT, STORIES, audit_db

WIRE = str(STORIES / "wire.txt")
API_KEY = "sk-audit-secret-0123456789abcdef"
URL_SECRET = "url-password-5ec7e7"


def _db_bytes(db: Path) -> bytes:
    """The database and its WAL side files, as they lie on disk."""
    return b"".join(p.read_bytes() for p in db.parent.glob(f"{db.name}*") if p.is_file())


def _logs(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(cli, ["logs", *args], env=env)


def _section(n: int = 0) -> dict[str, Any]:
    return {
        "section": {"heading": "What it means for the UK", "body": f"Paragraph number {n}."},
        "provenance": {
            "model": "gpt-4o-mini",
            "endpoint_host": "api.openai.com",
            "template_name": "section",
            "template_version": "1",
            "template_sha256": "ab" * 32,
            "structured_mode": "json_schema",
            "prompt_tokens": 900,
            "completion_tokens": 120,
            "cached_tokens": 0,
            "attempts": 1,
            "latency_s": 2.5,
            "estimated_cost_usd": 0.0002,
            "story_id": f"story-{n % 3}",
            "story_sha256": "cd" * 32,
            "region": "uk",
        },
        "checks": {
            "ok": n % 2 == 0,
            "findings": [] if n % 2 == 0 else [{"check": "number", "severity": "error"}],
        },
    }


# ---------------------------------------------------------------------------- where it lives


def test_location_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'logs_db = "{tmp_path / "from-config.db"}"\n')
    monkeypatch.setenv("LOCALIZE_CONFIG", str(config))
    monkeypatch.delenv("LOCALIZE_LOGS_DB")
    assert logs_path(Settings.resolve()) == tmp_path / "from-config.db"
    monkeypatch.setenv("LOCALIZE_LOGS_DB", str(tmp_path / "from-env.db"))
    assert logs_path(Settings.resolve()) == tmp_path / "from-env.db"
    assert logs_path(Settings.resolve(logs_db=str(tmp_path / "arg.db"))) == tmp_path / "arg.db"
    assert default_logs_path({"XDG_DATA_HOME": "/data"}) == Path("/data/localize/logs.db")
    assert default_logs_path({}) == Path.home() / ".local/share/localize/logs.db"


def test_off_switch_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text("logs = false\n")
    monkeypatch.setenv("LOCALIZE_CONFIG", str(config))
    assert AuditLog.from_settings(Settings.resolve()) is None
    monkeypatch.setenv("LOCALIZE_LOGS", "on")
    assert AuditLog.from_settings(Settings.resolve()) is not None
    assert AuditLog.from_settings(Settings.resolve(logs=False)) is None
    monkeypatch.setenv("LOCALIZE_LOGS", "maybe")
    with pytest.raises(ConfigError, match="LOCALIZE_LOGS"):
        Settings.resolve()


def test_a_default_log_that_cannot_be_opened_warns_a_chosen_one_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be\n")
    monkeypatch.delenv("LOCALIZE_LOGS_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    with pytest.warns(localize.AuditWarning, match="no audit log kept"):
        assert open_audit(True, Settings.resolve()) is None
    monkeypatch.setenv("LOCALIZE_LOGS_DB", str(blocker / "logs.db"))
    with pytest.raises(OutputError, match="cannot open the audit log"):
        open_audit(True, Settings.resolve())
    with pytest.raises(OutputError):
        open_audit(AuditLog(blocker / "x.db"))


# ------------------------------------------------------------------------------ the database


def test_schema_is_versioned_and_a_newer_schema_stays_writable(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "logs.db")
    log.add(**_section())
    with sqlite3.connect(log.path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        # A later localize adds a column and bumps the version: this one still writes and reads.
        conn.execute("ALTER TABLE generations ADD COLUMN reviewer TEXT")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    log.add(**_section(1))
    assert [e.body for e in log.entries()] == ["Paragraph number 1.", "Paragraph number 0."]


def test_a_file_that_is_not_a_log_is_an_error(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(OutputError, match=r"notes\.db"):
        AuditLog(bogus).check()
    assert "my notes" in bogus.read_text()


def _write_many(path: str, start: int) -> None:
    log = AuditLog(Path(path), source=f"proc-{start}")
    for n in range(start, start + 150):
        log.add(**_section(n))


def test_concurrent_writers_lose_and_corrupt_nothing(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    ctx = multiprocessing.get_context("fork")  # no re-import: the writers start at once
    procs = [ctx.Process(target=_write_many, args=(str(db), i * 1000)) for i in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    entries = AuditLog(db).entries(LogQuery(limit=0))
    bodies = sorted(e.body for e in entries)
    assert len(entries) == 600 == len(set(bodies)) == len({e.id for e in entries})


def test_threads_share_one_log_without_losing_a_row(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "threads.db")
    threads = [
        threading.Thread(target=lambda i=i: [log.add(**_section(n)) for n in range(i, i + 25)])
        for i in range(0, 100, 25)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(e.body for e in log.entries(LogQuery(limit=0))) == sorted(
        f"Paragraph number {n}." for n in range(100)
    )


def test_queries_filter_by_every_field(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "logs.db")
    for n in range(6):
        log.add(**_section(n))
    assert len(log.entries(LogQuery(limit=0))) == 6
    assert len(log.entries(LogQuery(limit=2))) == 2
    assert {e.story_id for e in log.entries(LogQuery(story="story-1"))} == {"story-1"}
    assert log.entries(LogQuery(region="us")) == []
    assert len(log.entries(LogQuery(model="4O-MINI"))) == 6
    failed = log.entries(LogQuery(failed=True))
    assert len(failed) == 3 and all(e.check_errors == 1 and not e.checks_ok for e in failed)
    assert {e.status for e in failed} == {"flagged"}
    assert {e.status for e in log.entries(LogQuery(limit=0))} == {"passed", "flagged"}
    assert [e.body for e in log.entries(LogQuery(search="number 4"))] == ["Paragraph number 4."]
    today = datetime.now(UTC).date()
    assert len(log.entries(LogQuery(since=str(today), until=str(today)))) == 6
    assert log.entries(LogQuery(until=str(today - timedelta(days=1)))) == []
    assert log.entries(LogQuery(since=str(today + timedelta(days=1)))) == []
    with pytest.raises(InputError, match="--since"):
        log.entries(LogQuery(since="last tuesday"))


def test_rows_written_before_the_status_column_read_as_their_checks_say(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    AuditLog(db).add(**_section(1))  # check errors: flagged
    AuditLog(db).add(**_section(2))
    with sqlite3.connect(db) as conn:  # as a localize without the column would leave them
        conn.execute("UPDATE generations SET status = NULL")
    got = {e.body: e.status for e in AuditLog(db).entries()}
    assert sorted(got.values()) == ["flagged", "passed"]
    assert [e.status for e in AuditLog(db).entries(LogQuery(failed=True))] == ["flagged"]


def test_ids_and_counts_past_sqlite_s_integers_find_nothing_or_everything(tmp_path: Path) -> None:
    # They were an internal OverflowError, or "datatype mismatch (is it damaged?)".
    db = tmp_path / "logs.db"
    log = AuditLog(db)
    log.add(**_section(0))
    huge = 10**23
    assert log.get(huge) is None and log.get(-huge) is None
    assert len(log.entries(LogQuery(limit=huge))) == 1
    res = _logs("--logs-db", str(db), "show", str(huge))
    assert res.exit_code == 2 and f"no entry #{huge}" in res.stderr, res.output
    res = _logs("--logs-db", str(db), "-n", str(huge))
    assert res.exit_code == 0 and "Paragraph number 0." in res.output, res.output


def test_reading_a_missing_log_creates_nothing(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "none" / "logs.db")
    assert log.entries() == [] and log.get(1) is None
    assert not log.path.parent.exists()


# --------------------------------------------------------------------- recorded generations


@pytest.mark.vcr
def test_rewrite_is_recorded_and_logs_answers_who_wrote_it(tmp_path: Path) -> None:
    db = audit_db()
    # A key, and credentials inside the endpoint URL: neither may reach the log.
    base_url = RECORD_BASE_URL.replace("//", f"//editor:{URL_SECRET}@")
    result = CliRunner().invoke(
        cli,
        ["rewrite", WIRE, "-r", "uk", "-f", "json", "--base-url", base_url, "-m", LOCAL_MODEL],
        env={"OPENAI_API_KEY": API_KEY, "LOCALIZE_STRUCTURED": "json_object"},
    )
    written = json.loads(result.stdout)
    assert result.exit_code == (0 if written["ok"] else 4), result.output
    assert f"model {written['provenance']['model']} at 127.0.0.1:8765 (" in result.stderr
    assert URL_SECRET not in result.output and API_KEY not in result.output

    listing = _logs("--format", "json")
    assert listing.exit_code == 0, listing.output
    (entry,) = json.loads(listing.stdout)
    assert entry["source"] == "rewrite" and entry["story_id"] == "wire"
    assert entry["region"] == "uk" and entry["endpoint"] == "127.0.0.1:8765"
    assert entry["body"] == written["section"]["body"]
    assert entry["model"] == written["provenance"]["model"]
    assert entry["template_version"] == written["provenance"]["template_version"]
    assert entry["checks"] == written["checks"]
    assert entry["check_errors"] == sum(
        f["severity"] == "error" for f in written["checks"]["findings"]
    )
    assert entry["story_source"] == WIRE
    assert entry["status"] == written["status"] in ("passed", "flagged")

    # Which model wrote this paragraph, when, from which prompt, and what did the checks say?
    words = " ".join(written["section"]["body"].split()[:6])
    found = _logs("--search", words)
    assert found.exit_code == 0 and f"#{entry['id']}" in found.stdout
    shown = _logs("show", str(entry["id"]))
    assert shown.exit_code == 0, shown.output
    for needle in (entry["model"], entry["created_at"], "template section v", "checks:"):
        assert needle in shown.stdout
    failed = json.loads(_logs("--failed", "-f", "json").stdout)
    assert [e["id"] for e in failed] == ([] if written["ok"] else [entry["id"]])
    status_word = "passed (" if written["ok"] else "FLAGGED: "
    assert status_word in shown.stdout and status_word in _logs("--failed").stdout + (found.stdout)
    assert json.loads(_logs("--region", "us", "-f", "json").stdout) == []
    assert _logs("path").stdout.strip() == str(db)

    data = _db_bytes(db)
    assert data and API_KEY.encode() not in data and URL_SECRET.encode() not in data


@pytest.mark.vcr
def test_library_calls_are_recorded_unless_turned_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings.resolve(
        base_url=RECORD_BASE_URL, model=LOCAL_MODEL, max_retries=0, structured="json_object"
    )
    story = localize.load_story(STORIES / "wire.txt")
    seen: list[localize.AttemptStarted | localize.RetryWait] = []
    with localize.observe(seen.append):
        result = localize.localize(story, "au", settings=settings)
    assert isinstance(seen[0], localize.AttemptStarted)
    assert (seen[0].attempt, seen[0].story_id, seen[0].region) == (1, "wire", "au")
    assert len(seen) == result.provenance.attempts
    (entry,) = AuditLog(audit_db()).entries()
    assert entry.source == "library" and entry.body == result.section.body
    assert entry.provenance == result.provenance.to_dict()

    monkeypatch.setenv("LOCALIZE_LOGS", "off")
    localize.localize(story, "au", settings=Settings.resolve(**_explicit(settings)))
    assert len(AuditLog(audit_db()).entries()) == 1


def _explicit(settings: Settings) -> dict[str, Any]:
    return {
        "base_url": settings.base_url,
        "model": settings.model,
        "max_retries": settings.max_retries,
        "structured": settings.structured,
    }


def test_an_unusable_log_stops_a_rewrite_before_any_request(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_text("not sqlite\n" * 200)
    result = CliRunner().invoke(
        cli,
        ["rewrite", WIRE, "-r", "uk", "--base-url", "http://127.0.0.1:9/v1", "--logs-db", bogus],
    )
    assert result.exit_code == 2, result.output
    assert "bogus.db" in result.stderr and "cannot connect" not in result.stderr


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])  # port 9 on loopback: refused at once
def test_batch_checks_the_log_first_and_no_log_skips_it(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_text("not sqlite\n" * 200)
    args = [
        WIRE,
        "-r",
        "uk",
        "-o",
        str(tmp_path / "r.jsonl"),
        "--base-url",
        "http://127.0.0.1:9/v1",
    ]
    env = {"LOCALIZE_MAX_RETRIES": "0"}
    stopped = CliRunner().invoke(batch, [*args, "--logs-db", str(bogus)], env=env)
    assert stopped.exit_code == 2 and "bogus.db" in stopped.stderr
    assert not (tmp_path / "r.jsonl").exists()
    ran = CliRunner().invoke(batch, [*args, "--logs-db", str(bogus), "--no-log"], env=env)
    assert ran.exit_code == 1 and "cannot connect" in ran.stdout + ran.stderr
    assert "bogus.db" not in ran.stderr


def test_every_new_flag_is_in_the_help_and_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in (logs, *logs.commands.values()):
        name = "logs" if command is logs else f"logs {command.name}"
        shown = _logs(*name.split()[1:], "--help").stdout
        for param in command.params:
            for flag in (o for o in param.opts if o.startswith("--")):
                assert flag in shown and flag in readme, (name, flag)
    for args in (["rewrite", "--help"], ["batch", "--help"], ["batch", "collect", "--help"]):
        shown = CliRunner().invoke(cli, args).stdout
        assert "--logs-db" in shown and "--no-log" in shown
    assert "--verbose" in CliRunner().invoke(cli, ["rewrite", "--help"]).stdout
    for needle in ("LOCALIZE_LOGS_DB", "LOCALIZE_LOGS", "-v, --verbose", "localize logs show"):
        assert needle in readme


def test_the_readme_logs_examples_run_as_written(tmp_path: Path) -> None:
    AuditLog(audit_db()).add(**_section())
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n## The audit log")
    part = readme[start : readme.index("\n## ", start + 1)]
    (block,) = re.findall(r"```sh\n(.*?)```", part, re.DOTALL)
    commands = [shlex.split(line, comments=True) for line in block.splitlines()]
    assert len(commands) == 7 and all(c[:2] == ["localize", "logs"] for c in commands)
    for command in commands:
        result = CliRunner().invoke(cli, command[1:])
        assert result.exit_code == 0 and "error" not in result.stderr, (command, result.output)
    assert "Paragraph number 0." in CliRunner().invoke(cli, ["logs", "show", "1"]).stdout


def test_audit_warning_is_a_localize_warning() -> None:
    """One filter for every localize warning: ``-W ignore::localize.LocalizeWarning``."""
    assert issubclass(localize.AuditWarning, localize.LocalizeWarning)


def test_logs_refuses_a_logs_db_that_does_not_exist_naming_it(tmp_path: Path) -> None:
    # Listed as "no matching entries" with exit 0, a mistyped --logs-db looked like an empty log.
    missing = tmp_path / "typo" / "logs.db"
    for args in (["--logs-db", str(missing)], ["show", "1", "--logs-db", str(missing)]):
        result = _logs(*args)
        assert result.exit_code == 2, result.output
        (line,) = result.stderr.splitlines()
        assert f"--logs-db: {missing} does not exist" in line
    assert _logs("--logs-db", str(missing), "path").stdout.strip() == str(missing)
    assert not missing.parent.exists()
    # Set by the environment (where generating commands write it): nothing generated yet.
    result = _logs(env={"LOCALIZE_LOGS_DB": str(missing)})
    assert result.exit_code == 0 and f"no audit log yet: {missing} does not exist" in result.stderr


def test_a_log_named_by_a_string_works_as_by_a_path(tmp_path: Path) -> None:
    log = AuditLog(str(tmp_path / "logs.db"))  # type: ignore[arg-type]
    log.add(**_section())
    assert log.path == tmp_path / "logs.db" and len(log.entries()) == 1
