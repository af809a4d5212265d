"""Fault harness: endpoint faults, bad inputs, kill-and-resume and a key scan, with counts.

    .venv/bin/python benchmarks/faults.py [--bad-inputs 150] [--kill-rounds 4] [--seed 7]

Not a timing. Four parts, each printing what it tried and how it ended:

1. Endpoint faults: `localize rewrite` (and `localize batch` for a refused key) against a
   scripted loopback fault server (tests/fault_server.py). Each fault must be survived (exit 0 or 4,
   a section written) or reported as what it is (its exit code, one `localize: error:` line, no
   traceback), with the number of requests the server saw as expected.
2. Bad inputs: story files, templates, settings, config files, regions and output paths made to
   be wrong (random bytes and Unicode, control characters, huge and empty paragraphs, template
   bombs, out-of-range values). Each must end in exit 0 or a one-line error, never a traceback.
3. Key scan: runs with keys in the base URL (userinfo and query string) and in OPENAI_API_KEY,
   logging at DEBUG, a response cache and a refused key; every file written and every line
   printed is searched for the keys.
4. Kill and resume: benchmarks/kill_resume.py (SIGKILL/SIGINT at random moments, then rerun):
   pairs lost or duplicated.

Runs in-process through click's test runner (an uncaught exception there is what a traceback
would be), except kill-and-resume, which needs real processes. Exits 1 if any count is wrong.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from _common import ROOT, WIRE

sys.path.insert(0, str(ROOT))

from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer
from tests.fault_server import BODY, Reply, Script, completion, reset_mid_body, status
from werkzeug import Request, Response

from localize.cli._main import cli

KEYS = ("sk-bench-userinfo-7f3a", "sk-bench-query-91c2", "sk-bench-env-55d0")


def invoke(args: list[str], env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, args, env={"LOCALIZE_MAX_RETRIES": "2", **(env or {})})


def crashed(result: Result) -> bool:
    """An exception click did not turn into an exit: a traceback for a user."""
    return result.exception is not None and not isinstance(result.exception, SystemExit)


def one_error_line(result: Result) -> bool:
    """Ends with localize's one-line error (or click's, for an option it rejects itself)."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    return (
        bool(lines)
        and lines[-1].startswith(("localize: error: ", "Error: "))
        and "Traceback" not in result.output
    )


# ----------------------------------------------------------------------- 1. endpoint faults


@dataclass
class Fault:
    name: str
    replies: tuple[Reply, ...]
    exit_code: int
    requests: int
    needle: str = ""
    env: dict[str, str] | None = None


def _slow(request: Request) -> Response:
    time.sleep(0.8)
    return completion()


def _huge(request: Request) -> Response:
    return completion("x" * 50_000_000)


def _huge_chunked(request: Request) -> Response:
    # No Content-Length: the cap must hold while the body streams.
    return Response((b"x" * 1_000_000 for _ in range(50)), content_type="application/json")


def _http_date(seconds: float) -> str:
    return format_datetime(datetime.fromtimestamp(int(time.time() + seconds), UTC), usegmt=True)


def _faults() -> list[Fault]:
    ok = completion()
    faults = [
        Fault("200, HTML body", (Response("<html>", content_type="text/html"),), 3, 1, "not a"),
        Fault(
            "200, truncated JSON",
            (Response('{"id": "x", "cho', content_type="application/json"),),
            3,
            1,
            "not JSON",
        ),
        Fault("200, no choices", (completion(choices=None),), 3, 1, "no choices"),
        Fault("200, empty choices", (completion(choices=[]),), 3, 1, "empty choices"),
        Fault(
            "content filter",
            (completion(None, finish_reason="content_filter"),),
            1,
            1,
            "content filter",
        ),
        Fault("refusal", (completion(None, refusal="I can't help."),), 1, 1, "refused"),
        Fault("429, Retry-After 0", (status(429, {"retry-after": "0"}), ok), 0, 2),
        Fault("429, retry-after-ms", (status(429, {"retry-after-ms": "50"}), ok), 0, 2),
        Fault("429, Retry-After date", (status(429, {"retry-after": _http_date(1.5)}), ok), 0, 2),
        Fault("429, no hint", (status(429), ok), 0, 2),
        *(Fault(f"{c} once", (status(c), ok), 0, 2) for c in (500, 502, 503, 504)),
        Fault("503 always", (status(503),), 3, 3, "after 3 attempts"),
        Fault("429 always", (status(429, {"retry-after": "0"}),), 3, 3, "HTTP 429"),
        Fault("400", (status(400),), 3, 1, "HTTP 400"),
        Fault("401", (status(401),), 3, 1, "refused the API key"),
        Fault("404", (status(404),), 3, 1, "no model"),
        Fault("slower than timeout", (_slow,), 3, 3, "timed out", {"LOCALIZE_TIMEOUT": "0.3"}),
        # Issue 22: a 50 MB answer is cut off at the cap, unretried; usage must be a count.
        Fault("200, 50 MB answer", (_huge,), 3, 1, "limit"),
        Fault("200, 50 MB streamed answer", (_huge_chunked,), 3, 1, "limit"),
        Fault(
            "200, usage 1e400",
            (completion(usage={"prompt_tokens": 1e400, "completion_tokens": 5}),),
            3,
            1,
            "usage.prompt_tokens",
        ),
        Fault("200, answer nested 5000 deep", (completion("[" * 5000),), 1, 1, "nested too deeply"),
    ]
    return faults


def endpoint_faults(tmp: Path) -> tuple[int, int]:
    print("1. endpoint faults (localize rewrite against a scripted loopback server)")
    tried = passed = 0
    server = HTTPServer()
    server.start()
    try:
        for fault in _faults():
            server.clear()
            script = Script(server, *fault.replies)
            out = tmp / "fault.md"
            out.unlink(missing_ok=True)
            args = ["rewrite", str(WIRE), "-r", "uk", "--base-url", script.url, "-m", "m"]
            options = ["--max-attempts", "1", "--no-cache", "-o", str(out)]
            result = invoke([*args, *options], fault.env)
            time.sleep(0.05 if fault.replies[0] is not _slow else 0.9)  # let a slow reply end
            ok = (
                not crashed(result)
                and _exit_matches(result.exit_code, fault.exit_code)
                and script.requests == fault.requests
                and (out.exists() if fault.exit_code == 0 else one_error_line(result))
                and fault.needle in result.stderr
            )
            _report(fault.name, ok, result, script.requests, fault.exit_code == 0)
            tried, passed = tried + 1, passed + ok
        tried, passed = _socket_faults(tmp, tried, passed)
        server.clear()
        tried, passed = _refused_batch(server, tmp, tried, passed)
    finally:
        server.stop()
    print(f"   endpoint faults: {tried} injected, {passed} survived or reported correctly")
    return tried, passed


def _exit_matches(got: int, expected: int) -> bool:
    """Survived means a section was written: exit 0, or 4 when its checks flagged it (the fault
    server's canned section is about another story)."""
    return got in (0, 4) if expected == 0 else got == expected


def _report(name: str, ok: bool, result: Result, requests: int, survive: bool) -> None:
    how = "survived" if survive else "reported"
    last = (result.stderr.strip().splitlines() or [""])[-1][:90]
    print(
        f"   {'ok ' if ok else 'BAD'} {name:24} exit {result.exit_code}, {requests} request(s), "
        f"{how}: {last if not survive else 'section written'}"
    )


def _socket_faults(tmp: Path, tried: int, passed: int) -> tuple[int, int]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        refused = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    result = invoke(["rewrite", str(WIRE), "-r", "uk", "--base-url", refused, "-m", "m"])
    ok = result.exit_code == 3 and one_error_line(result) and "cannot connect" in result.stderr
    _report("connection refused", ok, result, 0, False)
    tried, passed = tried + 1, passed + ok
    with reset_mid_body() as (url, served):
        out = tmp / "reset.md"
        args = ["rewrite", str(WIRE), "-r", "uk", "--base-url", url, "-m", "m", "-o", str(out)]
        result = invoke([*args, "--max-attempts", "1", "--no-cache"])
        ok = _exit_matches(result.exit_code, 0) and len(served) == 2 and out.exists()
        _report("reset mid-body", ok, result, len(served), True)
    return tried + 1, passed + ok


def _refused_batch(server: HTTPServer, tmp: Path, tried: int, passed: int) -> tuple[int, int]:
    script = Script(server, status(401))
    out = tmp / "refused" / "results.jsonl"
    out.parent.mkdir()
    args = ["batch", str(WIRE), "-r", "uk,us,eu", "-o", str(out), "--base-url", script.url]
    result = invoke([*args, "-m", "m", "--no-cache", "-c", "1"], {"OPENAI_API_KEY": "sk-refused"})
    leftovers = sorted(p.name for p in out.parent.iterdir())
    ok = result.exit_code == 3 and script.requests == 1 and not leftovers
    _report("batch, refused key", ok, result, script.requests, False)
    if leftovers:
        print(f"       left behind: {leftovers}")
    return tried + 1, passed + ok


# --------------------------------------------------------------------------- 2. bad inputs

BOMBS = [
    '{% block user %}{% include "/etc/passwd" %}{% endblock %}',
    '{% extends "x" %}',
    "{% block user %}{% for i in range(100000000) %}x{% endfor %}{% endblock %}",
    '{% block user %}{{ "x" * 10000000000 }}{% endblock %}',
    "{% block user %}{{ 9 ** 99999999 }}{% endblock %}",
    '{% block user %}{{ "x"|center(1000000000) }}{% endblock %}',
    '{% block user %}{{ "{:>1000000000}".format(1) }}{% endblock %}',
    "{% block user %}{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}{% endblock %}",
    '{% block user %}{{ "".__class__.__mro__ }}{% endblock %}',
    "{% block user %}{{ story.paragraphs + 1 }}{% endblock %}",
    "{% block user %}{{ nope }}{% endblock %}",
    "{% block user %}{% if %}{% endblock %}",
    "---\nwords: {min: lots}\n---\n{% block user %}x{% endblock %}",
    "---\n[unclosed\n---\n{% block user %}x{% endblock %}",
    "no blocks at all",
]
BAD_SETTINGS = {
    "LOCALIZE_CONTEXT_WINDOW": ["0", "-5", "100", "1e9", "lots", "99999999999"],
    "LOCALIZE_MAX_ATTEMPTS": ["0", "-1", "1000", "2.5", "many"],
    "LOCALIZE_MAX_RETRIES": ["-1", "500", "x"],
    "LOCALIZE_TIMEOUT": ["0", "nan", "inf", "-1", "soon"],
    "LOCALIZE_STRUCTURED": ["yaml", "JSON"],
    "LOCALIZE_BASE_URL": ["ftp://x/v1", "not a url", "http://:99/v1", "http://h:port/v1"],
    "LOCALIZE_TEMPLATE": ["/no/such/template.jinja"],
    "LOCALIZE_PROFILES": ["/no/such/profiles"],
}
BAD_CONFIG = [
    "max_attempts = true",
    "max_attempts = 2.5",
    "timeout = -1.0",
    'model = ""',
    "api_key = 'sk-x'",
    "colour = 'red'",
    "this is not toml",
    "context_window = 12",
]
TOKENS = ["</story>", "<|im_start|>system", "[INST]", "<<SYS>>", "</s>", "<|eot_id|>", "{{ x }}"]
CONTROL = "\x00\x01\x07\x08\x0b\x0c\x1b\x7f\x85\u200b\u202e\u2028\ufeff"


def _random_text(rng: random.Random) -> str:
    pools = [
        lambda: "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(rng.randrange(1, 80))),
        lambda: "".join(rng.choice(CONTROL) for _ in range(rng.randrange(1, 20))),
        lambda: rng.choice(TOKENS),
        lambda: "word " * rng.randrange(1, 30),
        lambda: "\n" * rng.randrange(1, 5),
        lambda: "",
    ]
    return "".join(rng.choice(pools)() for _ in range(rng.randrange(0, 12)))


def _story_files(rng: random.Random, folder: Path, n: int) -> list[Path]:
    fixed: list[tuple[str, bytes]] = [
        ("empty.txt", b""),
        ("blank.txt", b" \n\n \t\n"),
        ("nul.txt", b"text\x00more"),
        ("latin1.txt", "caf\xe9 story".encode("latin-1")),
        ("huge-paragraph.txt", ("word " * 400_000).encode()),
        ("many-paragraphs.txt", "\n\n".join(f"Para {i}." for i in range(20_000)).encode()),
        ("headline-only.md", b"# Just a headline\n"),
        ("list.json", b"[1, 2]"),
        ("body-number.json", b'{"body": 5}'),
        ("body-empty.json", b'{"body": ""}'),
        ("bad.json", b'{"body": "x"'),
        ("nothing.html", b"<html><script>x</script></html>"),
        ("markers.txt", ("Story. " + " ".join(TOKENS) + "\n\nMore story.").encode()),
    ]
    paths = []
    for name, data in fixed:
        (folder / name).write_bytes(data)
        paths.append(folder / name)
    for i in range(max(0, n - len(fixed))):
        suffix = rng.choice([".txt", ".md", ".json", ".html"])
        p = folder / f"random-{i}{suffix}"
        if rng.random() < 0.3:
            p.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randrange(0, 300))))
        else:
            p.write_text("\n\n".join(_random_text(rng) for _ in range(rng.randrange(0, 6))))
        paths.append(p)
    return paths


def _hostile_files(folder: Path) -> list[tuple[str, list[str], dict[str, str]]]:
    """Issue 22's classes: devices and FIFOs where a file is meant, sizes past the limits,
    parser bombs in every reader, the input file as output, foreign databases."""
    import sqlite3

    dry = ["-r", "uk", "--dry-run"]
    cases: list[tuple[str, list[str], dict[str, str]]] = []

    def write(name: str, data: str | bytes) -> Path:
        path = folder / name
        path.write_bytes(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
        return path

    fifo = folder / "fifo.txt"
    os.mkfifo(fifo)
    dev_link = folder / "dev-link.txt"
    dev_link.symlink_to("/dev/zero")
    for name, path in [
        ("/dev/zero", "/dev/zero"),
        ("/dev/urandom", "/dev/urandom"),
        ("fifo", str(fifo)),
        ("link to /dev/zero", str(dev_link)),
        ("5 MB story", str(write("big.txt", "word " * 1_000_001))),
    ]:
        cases.append((f"story {name}", ["rewrite", path, *dry], {}))
    cases.append(("check /dev/zero", ["check", "/dev/zero", "-s", str(WIRE), "-r", "uk"], {}))
    for name, text in [
        ("deep", '{"body": ' + "[" * 5000),
        ("5000-digit id", '{"id": ' + "9" * 5000 + ', "body": "x"}'),
        ("1e400", '{"body": "x", "n": 1e400}'),
        ("Infinity", '{"body": "x", "n": Infinity}'),
        ("lone surrogate", '{"body": "a \\ud800 b"}'),
    ]:
        story = write(f"hostile-{name.replace(' ', '-')}.json", text)
        cases.append((f"JSON story {name}", ["rewrite", str(story), *dry], {}))
    self_story = write("self.txt", WIRE.read_bytes())
    (folder / "self-link.txt").symlink_to(self_story)
    os.link(self_story, folder / "self-hard.txt")
    for spelling in ("self.txt", "self-link.txt", "self-hard.txt", "./self.txt"):
        out = str(folder / spelling) if spelling[0] != "." else f"{folder}/./self.txt"
        cases.append(
            (f"output {spelling} is the input", ["rewrite", str(self_story), *dry, "-o", out], {})
        )
    profiles = {
        "duplicate id": "id: zz\nname: Z\nid: yy\n",
        "deep": "a: " + "[" * 3000 + "\n",
        "5000-digit version": "id: zz\nversion: " + "1" * 5000 + "\n",
    }
    for name, text in profiles.items():
        profile = write(f"profile-{name.replace(' ', '-')}.yaml", text)
        cases.append(
            (f"profile {name}", ["rewrite", str(WIRE), "-r", str(profile), "--dry-run"], {})
        )
    deep_json = write("profile-deep.json", "[" * 5000)
    cases.append(
        ("profile deep JSON", ["rewrite", str(WIRE), "-r", str(deep_json), "--dry-run"], {})
    )
    for name, text in [
        ("1e400", "context_window = 1e400"),
        ("deep", "timeout = " + "[" * 3000),
        ("5000 digits", "context_window = " + "1" * 5000),
    ]:
        cfg = write(f"config-{name.replace(' ', '-')}.toml", text + "\n")
        cases.append(
            (f"config {name}", ["rewrite", str(WIRE), *dry], {"LOCALIZE_CONFIG": str(cfg)})
        )
    cases.append(
        ("config /dev/zero", ["rewrite", str(WIRE), *dry], {"LOCALIZE_CONFIG": "/dev/zero"})
    )
    cassette_folder = folder / "cassette-folder.yaml"
    cassette_folder.mkdir()
    for name, path in [
        ("empty", write("c-empty.yaml", "")),
        ("garbage", write("c-garbage.yaml", "garbage: [")),
        ("folder", cassette_folder),
        (
            "string status",
            write(
                "c-status.yaml",
                "interactions:\n- request: {method: POST, uri: 'http://x'}\n"
                "  response: {status: {code: '200'}}\nversion: 1\n",
            ),
        ),
    ]:
        args = ["rewrite", str(WIRE), "-r", "uk", "--cassette", str(path), "--record-mode", "none"]
        cases.append((f"cassette {name}", args, {}))
    foreign = folder / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE users (id INTEGER)")
    corrupt = write("corrupt.db", b"SQLite format 3\x00" + b"\xff" * 5000)
    cases.append(("logs on a foreign database", ["logs", "--logs-db", str(foreign)], {}))
    cases.append(("logs on a corrupt database", ["logs", "--logs-db", str(corrupt)], {}))
    doubling = write(
        "doubling.jinja",
        "{% set ns = namespace(s='x') %}{% for i in range(30) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}<story>{{ story.body }}</story>{{ ns.s|length }}",
    )
    cases.append(
        (
            "template doubling a namespace string",
            ["rewrite", str(WIRE), *dry, "-t", str(doubling)],
            {},
        )
    )
    mixed = folder / "batch-folder"
    mixed.mkdir()
    (mixed / "good.txt").write_bytes(WIRE.read_bytes())
    (mixed / "bad.jsonl").write_bytes(b'{"id": "x", "body": "\xff"}\n')
    (mixed / "deep.jsonl").write_text('{"id": "d", "body": ' + "[" * 5000 + "\n")
    cases.append(
        (
            "batch folder with undecodable and deep files",
            ["batch", str(mixed), "-r", "uk", "--export", str(folder / "req.jsonl")],
            {},
        )
    )
    results = write("results.jsonl", "[" * 5000 + "\n")
    cases.append(
        ("review of a deep results file", ["review", str(results), "-o", str(folder / "pages")], {})
    )
    return cases


def full_stdout() -> tuple[int, int]:
    """Commands writing to /dev/full: one error line naming <stdout>, exit 2, no traceback."""
    commands = [
        ["rewrite", str(WIRE), "-r", "uk", "--dry-run"],
        ["rewrite", str(WIRE), "-r", "uk", "--dry-run", "-f", "json"],
        ["regions"],
        ["regions", "-f", "json"],
    ]
    clean = 0
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for args in commands:
        with open("/dev/full", "w") as full:
            done = subprocess.run(
                [sys.executable, "-m", "localize", *args],
                stdout=full,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
        lines = done.stderr.strip().splitlines()
        ok = done.returncode == 2 and len(lines) == 1 and "<stdout>: cannot write" in lines[0]
        clean += ok
        if not ok:
            print(f"   NOT CLEAN full stdout {' '.join(args)}: {done.stderr[-200:]!r}")
    print(f"   full stdout: {len(commands)} tried, {clean} clean")
    return len(commands), len(commands) - clean


def bad_inputs(tmp: Path, n: int, seed: int) -> tuple[int, int, dict[int, int]]:
    print("2. bad inputs (localize rewrite --dry-run, unless the case needs a run)")
    rng = random.Random(seed)
    folder = tmp / "bad"
    folder.mkdir()
    cases: list[tuple[str, list[str], dict[str, str]]] = []
    dry = ["-r", "uk", "--dry-run"]
    for story in _story_files(rng, folder, n):
        cases.append((f"story {story.name}", ["rewrite", str(story), *dry], {}))
    for i, body in enumerate(BOMBS):
        t = folder / f"bomb-{i}.jinja"
        t.write_text(body)
        cases.append((f"template {i}", ["rewrite", str(WIRE), *dry, "-t", str(t)], {}))
    for var, values in BAD_SETTINGS.items():
        for value in values:
            cases.append((f"{var}={value}", ["rewrite", str(WIRE), *dry], {var: value}))
    for i, line in enumerate(BAD_CONFIG):
        cfg = folder / f"config-{i}.toml"
        cfg.write_text(line + "\n")
        cases.append(
            (f"config {line}", ["rewrite", str(WIRE), *dry], {"LOCALIZE_CONFIG": str(cfg)})
        )
    bad_profile = folder / "bad-profile.yaml"
    bad_profile.write_text("id: zz\nname: [unclosed\n")
    loop = folder / "loop.md"
    loop.symlink_to(loop)
    batch_bomb = ["batch", str(WIRE), "-r", "uk", "-t", str(folder / "bomb-2.jinja")]
    for name, args in [
        ("unknown region", ["rewrite", str(WIRE), "-r", "narnia", "--dry-run"]),
        ("bad profile file", ["rewrite", str(WIRE), "-r", str(bad_profile), "--dry-run"]),
        ("missing story", ["rewrite", str(folder / "absent.txt"), *dry]),
        ("story is a folder", ["rewrite", str(folder), *dry]),
        ("output is a folder", ["rewrite", str(WIRE), "-r", "uk", "-o", str(folder)]),
        ("output link loops", ["rewrite", str(WIRE), "-r", "uk", "-o", str(loop)]),
        ("output folder missing", ["rewrite", str(WIRE), "-r", "uk", "-o", "/no/such/d/o.md"]),
        ("batch, bad region", ["batch", str(WIRE), "-r", "uk,narnia", "-o", str(tmp / "r")]),
        ("batch, bomb template", [*batch_bomb, "-o", str(tmp / "b.jsonl")]),
    ]:
        cases.append((name, args, {"LOCALIZE_BASE_URL": "http://127.0.0.1:9/v1"}))
    hostile = folder / "hostile"
    hostile.mkdir()
    cases.extend(_hostile_files(hostile))
    tracebacks = unclear = 0
    codes: dict[int, int] = {}
    for name, args, env in cases:
        result = invoke(args, env)
        codes[result.exit_code] = codes.get(result.exit_code, 0) + 1
        if crashed(result) or "Traceback" in result.output:
            tracebacks += 1
            exc = result.exception
            print(f"   TRACEBACK {name}: {type(exc).__name__}: {exc}"[:200])
        elif result.exit_code != 0 and not one_error_line(result):
            unclear += 1
            print(f"   UNCLEAR {name}: exit {result.exit_code}: {result.stderr[-150:]!r}")
    summary = ", ".join(f"exit {c}: {k}" for c, k in sorted(codes.items()))
    print(
        f"   bad inputs: {len(cases)} tried, {tracebacks} ended in a traceback, "
        f"{unclear} without a one-line error ({summary})"
    )
    stdout_tried, stdout_bad = full_stdout()
    return len(cases) + stdout_tried, tracebacks + unclear + stdout_bad, codes


# ------------------------------------------------------------------------ 3. kill and resume


def kill_resume(rounds: int, seed: int) -> tuple[int, bool, str]:
    print(f"4. kill and resume (benchmarks/kill_resume.py --kills {rounds})")
    script = str(ROOT / "benchmarks" / "kill_resume.py")
    proc = subprocess.run(
        [sys.executable, script, "--stories", "12", "--kills", str(rounds), "--seed", str(seed)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
    )
    lines = proc.stdout.strip().splitlines()
    pairs = next((line for line in lines if line.startswith("pairs expected")), "no summary")
    print(f"   {pairs}")
    return rounds, proc.returncode == 0, pairs


# ------------------------------------------------------------------------------ 4. key scan


def _echo_credentials(request: Request) -> Response:
    auth = request.authorization
    sent = f"{request.headers.get('Authorization')} {auth.password if auth else ''} {request.args}"
    return completion(json.dumps({"body": f"{BODY} It was sent with {sent}."}))


def key_scan(tmp: Path) -> int:
    print("3. key scan (keys in the base URL's userinfo and query, and in OPENAI_API_KEY)")
    folder = tmp / "keys"
    folder.mkdir()
    log_file = folder / "debug.log"
    handler = logging.FileHandler(log_file)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    # The fault server's own access log (werkzeug writes it to stderr, which the runs capture)
    # shows the URL it was sent, key and all: that is the harness's server talking, not localize.
    werkzeug = logging.getLogger("werkzeug")
    werkzeug.propagate = False
    werkzeug.setLevel(logging.WARNING)
    server = HTTPServer()
    server.start()
    printed: list[str] = []
    try:
        good = Script(server, completion())
        url = good.url.replace("http://", f"http://desk:{KEYS[0]}@") + f"?api-key={KEYS[1]}"
        env = {
            "OPENAI_API_KEY": KEYS[2],
            "OPENAI_LOG": "debug",
            "LOCALIZE_BASE_URL": url,
            "LOCALIZE_CACHE_DIR": str(folder / "cache"),
            "LOCALIZE_LOGS_DB": str(folder / "logs.db"),  # the audit log is scanned too
        }
        runs: list[list[str]] = [
            ["rewrite", str(WIRE), "-r", "uk", "-f", "json", "-o", str(folder / "s.json")],
            ["rewrite", str(WIRE), "-r", "uk", "--splice", "-o", str(folder / "s.md")],
            ["rewrite", str(WIRE), "-r", "uk", "--dry-run"],
            ["batch", str(WIRE), "-r", "uk,us", "-o", str(folder / "results.jsonl")],
            ["batch", str(WIRE), "-r", "uk,us", "--export", str(folder / "requests.jsonl")],
        ]
        for args in runs:
            result = invoke([*args, "-m", "m", "--max-attempts", "1"], env)
            printed.append(result.output)
        server.clear()
        Script(server, status(401))
        refused = invoke(["rewrite", str(WIRE), "-r", "uk", "-m", "m"], env)
        printed.append(refused.output)
        server.clear()
        Script(server, status(401))
        refused_batch = invoke(
            ["batch", str(WIRE), "-r", "uk", "-o", str(folder / "r2.jsonl")], env
        )
        printed.append(refused_batch.output)
        # A server that echoes every credential it was sent in a 200 answer: the section, the
        # output, the audit log and a recorded cassette must hold none of them.
        server.clear()
        Script(server, _echo_credentials)
        for extra in (["-o", str(folder / "echo.md")], ["--cassette", str(folder / "echo.yaml")]):
            echoed = invoke(
                ["rewrite", str(WIRE), "-r", "uk", "-m", "m", "--no-cache", *extra], env
            )
            printed.append(echoed.output)
    finally:
        server.stop()
        root.removeHandler(handler)
        handler.close()
    files = [p for p in folder.rglob("*") if p.is_file()]
    texts = [p.read_bytes().decode("utf-8", "replace") for p in files] + printed
    found = {k: sum(t.count(k) for t in texts) for k in KEYS}
    total = sum(found.values())
    where = [
        str(p.relative_to(folder))
        for p in files
        if any(k in p.read_text(errors="replace") for k in KEYS)
    ]
    kinds = ", ".join(sorted({p.suffix or p.name for p in files}))
    print(
        f"   scanned {len(files)} file(s) ({kinds}) and {len(printed)} run(s)' output, "
        f"{log_file.stat().st_size:,} bytes of DEBUG log: "
        f"key occurrences {total}" + (f" in {where}" if where else "")
    )
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bad-inputs", type=int, default=150, help="story files to try")
    parser.add_argument("--kill-rounds", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-kill", action="store_true", help="leave out kill-and-resume")
    args = parser.parse_args()
    os.environ.pop("OPENAI_API_KEY", None)
    for var in [v for v in os.environ if v.startswith("LOCALIZE_")]:
        os.environ.pop(var)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        os.environ["XDG_CACHE_HOME"] = str(tmp / "xdg-cache")
        os.environ["XDG_CONFIG_HOME"] = str(tmp / "xdg-config")
        os.environ["XDG_DATA_HOME"] = str(tmp / "xdg-data")  # the audit log: not the user's
        injected, handled = endpoint_faults(tmp)
        tried, tracebacks, _ = bad_inputs(tmp, args.bad_inputs, args.seed)
        keys = key_scan(tmp)
    kill = (0, True, "skipped") if args.skip_kill else kill_resume(args.kill_rounds, args.seed)
    print()
    print(f"faults injected: {injected}, survived or reported correctly: {handled}")
    print(
        f"bad inputs tried: {tried}, clean: {tried - tracebacks}, "
        f"ending in a traceback or with no one-line error: {tracebacks}"
    )
    print(f"kill-and-resume rounds: {kill[0]}, {kill[2]}")
    print(f"key occurrences found: {keys}")
    ok = handled == injected and tracebacks == 0 and kill[1] and keys == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
