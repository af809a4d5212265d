"""Output files (symbolic links, permissions), settings bounds, and keys that never leak."""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import vcr
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Response

from localize import ConfigError, LLMClient, OutputError, ResultsFile, Settings, write_atomic
from localize._redact import redact_host, redact_url, split_credentials
from localize.cli._main import cli
from tests.fault_server import BODY, Script, completion, status
from tests.support import STORIES

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])

WIRE = str(STORIES / "wire.txt")
KEYS = ("sk-userinfo-SECRET-1", "sk-query-SECRET-2", "sk-env-SECRET-3")


@pytest.fixture
def script(httpserver: HTTPServer) -> Callable[..., Script]:
    return lambda *replies: Script(httpserver, *replies)


def keyed_url(url: str) -> str:
    """The server's URL with a key in its userinfo and another in its query string."""
    return url.replace("http://", f"http://reporter:{KEYS[0]}@") + f"?api-key={KEYS[1]}"


# ------------------------------------------------------------------------------ output files


def test_writing_through_a_symbolic_link_keeps_the_link(tmp_path: Path) -> None:
    target = tmp_path / "real.md"
    target.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    write_atomic(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.md", "real.md"]


def test_a_dangling_link_creates_its_target_and_a_loop_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "out.md"
    link.symlink_to(tmp_path / "made.md")
    write_atomic(link, "x")
    assert link.is_symlink() and (tmp_path / "made.md").read_text() == "x"
    loop = tmp_path / "loop.md"
    loop.symlink_to(loop)
    with pytest.raises(OutputError, match="loops"):
        write_atomic(loop, "x")


def test_an_existing_file_keeps_its_permissions(tmp_path: Path) -> None:
    out = tmp_path / "out.md"
    out.write_text("old")
    out.chmod(0o640)
    write_atomic(out, "new")
    assert stat.S_IMODE(out.stat().st_mode) == 0o640 and out.read_text() == "new"
    fresh = tmp_path / "fresh.md"
    write_atomic(fresh, "x")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_rewrite_o_onto_a_link_writes_the_target(
    script: Callable[..., Script], tmp_path: Path
) -> None:
    s = script(completion())
    target = tmp_path / "section.md"
    target.write_text("old")
    target.chmod(0o600)
    link = tmp_path / "latest.md"
    link.symlink_to(target)
    args = ["rewrite", WIRE, "-r", "uk", "-o", str(link), "--base-url", s.url, "-m", "m"]
    result = CliRunner().invoke(cli, [*args, "--max-attempts", "1"])
    assert result.exit_code == 4, result.output  # the scripted section is flagged (too short)
    assert link.is_symlink() and target.read_text().startswith("## What it means")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


# ------------------------------------------------------------------------ batch results lock


def test_the_results_lock_follows_the_file_not_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path / "r.jsonl"
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    monkeypatch.chdir(tmp_path)
    spellings = [link, Path("r.jsonl"), Path("./sub/../r.jsonl"), Path("link.jsonl")]
    (tmp_path / "sub").mkdir()
    with ResultsFile(real):
        for other in spellings:
            with pytest.raises(OutputError, match="another localize run"):
                ResultsFile(other).open()
        args = ["batch", WIRE, "-r", "uk", "-o", str(link), "--base-url", "http://127.0.0.1:9/v1"]
        result = CliRunner().invoke(cli, [*args, "-m", "m"])
        assert result.exit_code == 2 and "another localize run" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.jsonl", "sub"]


def test_a_hard_link_to_the_results_file_is_the_same_file(tmp_path: Path) -> None:
    real = tmp_path / "r.jsonl"
    real.write_text("")
    other = tmp_path / "same.jsonl"
    os.link(real, other)
    with ResultsFile(real), pytest.raises(OutputError, match="another localize run"):
        ResultsFile(other).open()
    with ResultsFile(other):  # released
        pass


def test_a_symlinked_results_file_is_appended_through_the_link(
    script: Callable[..., Script], tmp_path: Path
) -> None:
    s = script(completion())
    real = tmp_path / "r.jsonl"
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    args = ["batch", WIRE, "-r", "uk,us", "-o", str(link), "--base-url", s.url, "-m", "m"]
    for _ in range(2):  # the second run finds both pairs done
        result = CliRunner().invoke(cli, [*args, "--no-cache", "--max-attempts", "1"])
        assert result.exit_code in (0, 4), result.output  # 4: a section flagged
    assert link.is_symlink() and len(real.read_text().splitlines()) == 2
    assert s.requests == 2


# --------------------------------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LOCALIZE_CONTEXT_WINDOW", "100"),
        ("LOCALIZE_CONTEXT_WINDOW", "99999999999"),
        ("LOCALIZE_MAX_ATTEMPTS", "0"),
        ("LOCALIZE_MAX_ATTEMPTS", "1000"),
        ("LOCALIZE_MAX_RETRIES", "-1"),
        ("LOCALIZE_TIMEOUT", "nan"),
        ("LOCALIZE_TIMEOUT", "inf"),
        ("LOCALIZE_TIMEOUT", "0"),
        ("LOCALIZE_STRUCTURED", "yaml"),
        ("LOCALIZE_BASE_URL", "ftp://example.com/v1"),
        ("LOCALIZE_BASE_URL", "example.com/v1"),
        ("LOCALIZE_BASE_URL", "http://example.com:port/v1"),
    ],
)
def test_environment_settings_have_the_flags_bounds(variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.resolve({variable: value})
    assert info.value.option == variable and info.value.exit_code == 2


def test_a_cache_folder_that_is_a_file_is_refused_from_the_environment_too() -> None:
    args = ["rewrite", WIRE, "-r", "uk", "-m", "m", "--base-url", "http://127.0.0.1:9/v1"]
    by_flag = CliRunner().invoke(cli, [*args, "--cache-dir", WIRE])
    by_env = CliRunner().invoke(cli, args, env={"LOCALIZE_CACHE_DIR": WIRE})
    assert by_flag.exit_code == by_env.exit_code == 2
    assert "LOCALIZE_CACHE_DIR" in by_env.stderr


def test_the_flag_and_its_variable_agree() -> None:
    by_flag = CliRunner().invoke(cli, ["rewrite", WIRE, "-r", "uk", "--context-window", "100"])
    by_env = CliRunner().invoke(
        cli, ["rewrite", WIRE, "-r", "uk"], env={"LOCALIZE_CONTEXT_WINDOW": "100"}
    )
    assert by_flag.exit_code == by_env.exit_code == 2
    assert "256" in by_flag.output and "256" in by_env.stderr
    assert Settings.resolve({"LOCALIZE_CONTEXT_WINDOW": "256"}).context_window == 256


@pytest.mark.parametrize(
    "line",
    ["max_attempts = true", "max_attempts = 2.5", "timeout = -1.0", "model = 5", 'model = " "'],
)
def test_config_file_values_are_checked_too(tmp_path: Path, line: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(line + "\n")
    with pytest.raises(ConfigError, match=str(config)):
        Settings.resolve({"LOCALIZE_CONFIG": str(config)})


def test_a_bad_base_url_is_reported_without_its_key() -> None:
    with pytest.raises(ConfigError) as info:
        Settings.resolve({"LOCALIZE_BASE_URL": f"ftp://u:{KEYS[0]}@host/v1?key={KEYS[1]}"})
    assert KEYS[0] not in str(info.value) and KEYS[1] not in str(info.value)


# ---------------------------------------------------------------------------------- secrets


def test_redact_url() -> None:
    url = f"https://user:{KEYS[0]}@api.example.com:8443/v1?api-version=2024-06-01&key={KEYS[1]}#t"
    assert redact_url(url) == "https://api.example.com:8443/v1?api-version=2024-06-01&key=REDACTED"
    assert redact_host(url) == "api.example.com:8443"
    assert redact_url("http://127.0.0.1:8765/v1") == "http://127.0.0.1:8765/v1"
    assert redact_url(f"user:{KEYS[0]}@host/v1") == "host/v1"
    clean, headers, query = split_credentials(url)
    assert clean == "https://api.example.com:8443/v1"
    assert headers["Authorization"].startswith("Basic ") and query["key"] == KEYS[1]


def test_settings_and_client_reprs_show_no_credentials() -> None:
    url = f"https://user:{KEYS[0]}@api.example.com/v1?key={KEYS[1]}"
    settings = Settings.resolve({}, base_url=url, api_key=KEYS[2])
    client = LLMClient(model="m", base_url=url, api_key=KEYS[2])
    for shown in (repr(settings), repr(client), f"{settings!s} {client!s}"):
        assert not any(key in shown for key in KEYS)
        assert "base_url='https://api.example.com/v1?key=REDACTED'" in shown
    assert "model='m'" in repr(client) and "max_attempts=3" in repr(settings)


def test_credentials_in_the_url_still_authenticate(script: Callable[..., Script]) -> None:
    s = script(completion())
    settings = Settings.resolve({}, base_url=keyed_url(s.url), model="m", max_attempts=1)
    from localize import localize

    result = localize(WIRE and STORIES / "wire.txt", "uk", settings=settings)
    (request,) = s.received
    assert request.authorization is not None and request.authorization.password == KEYS[0]
    assert request.args["api-key"] == KEYS[1] and request.path == "/v1/chat/completions"
    assert result.provenance.endpoint_host == s.url.split("/")[2]


def test_a_refused_key_is_reported_without_it(script: Callable[..., Script]) -> None:
    s = script(status(401))
    result = CliRunner().invoke(
        cli,
        ["rewrite", WIRE, "-r", "uk", "--base-url", keyed_url(s.url), "-m", "m"],
        env={"OPENAI_API_KEY": KEYS[2]},
    )
    assert result.exit_code == 3 and "refused the API key" in result.stderr
    assert "api-key=REDACTED" in result.stderr
    assert not any(k in result.output for k in KEYS)


def test_an_endpoint_that_echoes_the_key_in_its_error_is_reported_without_it(
    script: Callable[..., Script], tmp_path: Path
) -> None:
    # A proxy that quotes the request's credentials back put them on stderr and in the
    # results file. A key of no known shape: only knowing what was sent can mask it.
    key = "local-token-7e1b2c"

    def echo(request: Any) -> Any:
        sent = f"{request.headers.get('Authorization')} {request.authorization.password}"
        body = json.dumps({"error": {"message": f"upstream refused {sent}"}})
        return Response(body, status=400, content_type="application/json")

    s = script(echo)
    url = s.url.replace("http://", f"http://user:{KEYS[0]}@")
    out = tmp_path / "results.jsonl"
    env = {"OPENAI_API_KEY": key, "LOCALIZE_BASE_URL": url}
    for args in (["rewrite", WIRE, "-r", "uk"], ["batch", WIRE, "-r", "uk", "-o", str(out)]):
        result = CliRunner().invoke(cli, [*args, "-m", "m", "--max-attempts", "1"], env=env)
        assert result.exit_code in (1, 3) and "upstream refused" in result.stderr
        assert key not in result.output and KEYS[0] not in result.output, result.output
    assert "upstream refused" in out.read_text()
    assert key not in out.read_text() and KEYS[0] not in out.read_text()


def _scan(root: Path, texts: list[str]) -> dict[str, int]:
    """How often each key occurs in every file under root and in the texts given."""
    blobs = [p.read_bytes().decode("utf-8", "replace") for p in root.rglob("*") if p.is_file()]
    return {k: sum(b.count(k) for b in blobs + texts) for k in KEYS}


def test_no_key_in_anything_a_run_writes(
    script: Callable[..., Script],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    vcr_config: dict[str, Any],
) -> None:
    """Outputs, cache, logs at DEBUG (localize, openai, httpx) and a recorded cassette."""
    s = script(completion())
    out = tmp_path / "run"
    out.mkdir()
    env = {
        "OPENAI_API_KEY": KEYS[2],
        "OPENAI_LOG": "debug",
        "LOCALIZE_BASE_URL": keyed_url(s.url),
        "LOCALIZE_CACHE_DIR": str(out / "cache"),
        # Whatever else a run keeps (a state or data folder, an audit log) lands here too.
        "HOME": str(tmp_path / "home"),
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "XDG_STATE_HOME": str(tmp_path / "xdg-state"),
    }
    caplog.set_level(logging.DEBUG)
    recorder = vcr.VCR(**vcr_config)
    outputs = []
    runs = [
        ["rewrite", WIRE, "-r", "uk", "-f", "json", "-o", str(out / "s.json")],
        ["rewrite", WIRE, "-r", "uk", "--splice", "-o", str(out / "s.md")],
        ["rewrite", WIRE, "-r", "uk", "--dry-run", "-f", "json"],
        ["batch", WIRE, "-r", "uk,us", "-o", str(out / "results.jsonl"), "-f", "json"],
        ["batch", WIRE, "-r", "uk,us", "--export", str(out / "requests.jsonl")],
    ]
    with recorder.use_cassette(str(out / "cassette.yaml"), record_mode="all"):
        for args in runs:
            result = CliRunner().invoke(cli, [*args, "-m", "m", "--max-attempts", "1"], env=env)
            assert result.exit_code in (0, 4), result.output  # 4: a section flagged
            outputs.append(result.output)
    assert s.requests >= 1 and (out / "cassette.yaml").exists()
    assert len((out / "results.jsonl").read_text().splitlines()) == 2
    provenance = json.loads((out / "s.json").read_text())["provenance"]
    assert provenance["endpoint_host"] == s.url.split("/")[2]
    # Every logger in the process, at DEBUG, but the test's own instruments: VCR.py logs what it
    # intercepts, and werkzeug is the fault server.
    log_text = "\n".join(
        r.getMessage() for r in caplog.records if not r.name.startswith(("vcr", "werkzeug"))
    )
    assert "HTTP Request" in log_text  # the library logs were captured, and redacted
    assert _scan(tmp_path, [*outputs, log_text]) == dict.fromkeys(KEYS, 0)


def test_the_declared_license_ships() -> None:
    """pyproject declares Apache-2.0; the full text is in LICENSE at the root (the wheel's too)."""
    root = Path(__file__).resolve().parents[1]
    assert 'license = "Apache-2.0"' in (root / "pyproject.toml").read_text(encoding="utf-8")
    text = (root / "LICENSE").read_text(encoding="utf-8")
    assert text.split()[:4] == ["Apache", "License", "Version", "2.0,"]
    assert "END OF TERMS AND CONDITIONS" in text


def test_an_endpoint_that_echoes_the_key_in_its_answer_leaves_it_in_nothing_kept(
    script: Callable[..., Script], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A debugging server or proxy that quotes the request's credentials in a 200 answer: the
    # cassette kept them (scrub_response masked headers only), and so did the section itself,
    # the response cache, the audit log and the results file.
    key = "local-token-7e1b2c"  # no known shape: only knowing what was sent can mask it

    def echo(request: Any) -> Any:
        sent = f"{request.headers.get('Authorization')} {request.authorization.password} {key}"
        body = json.dumps({"body": f"{BODY} Sent with {sent} and Bearer abcdefghijklmnop1234."})
        return completion(body)

    s = script(echo)
    url = s.url.replace("http://", f"http://user:{KEYS[0]}@")
    env = {
        "OPENAI_API_KEY": key,
        "LOCALIZE_BASE_URL": url,
        "LOCALIZE_CACHE_DIR": str(tmp_path / "cache"),
        "LOCALIZE_LOGS_DB": str(tmp_path / "logs.db"),
    }
    runs = [
        ["rewrite", WIRE, "-r", "uk", "-o", str(tmp_path / "s.md")],
        ["rewrite", WIRE, "-r", "uk", "-f", "json", "-o", str(tmp_path / "s.json")],
        ["rewrite", WIRE, "-r", "uk", "--cassette", str(tmp_path / "c.yaml")],
        # The masked recording replays (its content-length is the masked body's).
        ["rewrite", WIRE, "-r", "uk", "--cassette", str(tmp_path / "c.yaml")],
        ["batch", WIRE, "-r", "uk", "-o", str(tmp_path / "results.jsonl")],
    ]
    outputs = []
    # vcrpy logs at DEBUG each response it records as it arrived, before scrub_response.
    caplog.set_level(logging.DEBUG)
    for args in runs:
        result = CliRunner().invoke(cli, [*args, "-m", "m", "--max-attempts", "1"], env=env)
        assert result.exit_code in (0, 4), result.output
        outputs.append(result.output)
    outputs += [r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug")]
    assert any(r.name.startswith("vcr") for r in caplog.records)
    assert s.requests == 2  # the cassette run records; the others come from the cache
    kept = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {"s.md", "s.json", "c.yaml", "results.jsonl", "logs.db"} <= {p.name for p in kept}
    assert any(p.suffix == ".json" and "cache" in p.parts for p in kept)
    assert "Sent with" in (tmp_path / "s.md").read_text()  # the answer was kept, masked
    blobs = [p.read_bytes().decode("utf-8", "replace") for p in kept] + outputs
    for secret in (key, KEYS[0], "abcdefghijklmnop1234"):
        assert not any(secret in b for b in blobs), secret


def test_a_cached_answer_that_holds_the_key_comes_back_masked(
    script: Callable[..., Script],
) -> None:
    # An entry written before answers were masked (or by a run with another key) is served as
    # it was stored: the key went on into the section and the outputs.
    from localize.backends import Completion, Usage

    key = "local-token-7e1b2c"

    class Stale:
        def get(self, _key: str) -> Completion:
            return Completion(f"It was sent with {key}.", "stop", Usage(1, 1), "m", "json_object")

        def put(self, _key: str, _completion: Completion) -> None:
            raise AssertionError("nothing new to store")

    s = script(completion())
    client = LLMClient(base_url=s.url, api_key=key, model="m", cache=Stale())
    answer = client.complete([{"role": "user", "content": "hi"}], params={}, schema={})
    assert answer.from_cache and s.requests == 0
    assert answer.content == "It was sent with REDACTED."
