"""No parser error escapes: each hostile file is one typed error naming the file and the problem."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from jinja2.sandbox import SecurityError

from localize import ConfigError, ProfileError, Settings, StoryError, load_story
from localize.answer import parse_section
from localize.cli._main import cli
from localize.prompting._neutralise import find_markers, neutralise
from localize.prompting._sandbox import BoundedSandbox, join_bounded, render_budget
from localize.regions import _profiles as regions_module
from localize.regions._packs import _paths, installed_packs
from localize.regions._profiles import load_profiles
from tests.support import STORIES

WIRE = str(STORIES / "wire.txt")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def one_error(out: str) -> str:
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("localize: error: "), out
    return lines[0]


# ---------------------------------------------------------------------------------- stories


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"body": ' + "[" * 5000, "nested too deeply"),
        ('{"id": ' + "9" * 5000 + ', "body": "x"}', "integer of 5000 digits"),
        ('{"id": "a", "body": "x", "n": 1e400}', "too large"),
        ('{"id": "a", "body": "x", "n": Infinity}', "Infinity is not a JSON number"),
        ('{"id": "a", "body": "a \\ud800 b"}', "lone surrogate"),
    ],
)
def test_hostile_json_stories(tmp_path: Path, text: str, problem: str) -> None:
    story = tmp_path / "story.json"
    story.write_text(text)
    with pytest.raises(StoryError, match=problem) as info:
        load_story(story)
    assert str(info.value).startswith(f"{story}: ")
    code, out = run("rewrite", str(story), "-r", "uk", "--dry-run")
    assert code == 2 and problem.split()[0] in one_error(out)


def test_one_undecodable_file_fails_only_its_own_jobs(tmp_path: Path) -> None:
    folder = tmp_path / "stories"
    folder.mkdir()
    (folder / "good.txt").write_text(Path(WIRE).read_text())
    (folder / "bad.jsonl").write_bytes(b'{"id": "x", "body": "\xff\xfe"}\n')
    requests = tmp_path / "requests.jsonl"
    result = CliRunner().invoke(cli, ["batch", str(folder), "-r", "uk", "--export", str(requests)])
    assert "Traceback" not in result.output
    assert len(requests.read_text().splitlines()) == 1  # the good story's job is still there


def test_an_empty_section_file_says_the_section_is_empty(tmp_path: Path) -> None:
    section = tmp_path / "section.md"
    section.write_text("\n  \n")
    code, out = run("check", str(section), "-s", WIRE, "-r", "uk")
    assert code == 2 and one_error(out).endswith(f"{section}: the section is empty")


# --------------------------------------------------------------------------------- profiles


def test_duplicate_yaml_keys_are_refused(tmp_path: Path) -> None:
    profile = tmp_path / "desk.yaml"
    profile.write_text("id: desk\nname: Desk\nid: other\n")
    with pytest.raises(ProfileError, match=r"desk.yaml:3: not valid YAML: duplicate key 'id'"):
        load_profiles(profile)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("version: " + "1" * 5000 + "\n", "not valid YAML"),
        ("a: " + "[" * 3000 + "\n", "not valid YAML"),
    ],
)
def test_hostile_yaml_profiles(tmp_path: Path, text: str, problem: str) -> None:
    profile = tmp_path / "desk.yaml"
    profile.write_text(text)
    with pytest.raises(ProfileError, match=problem):
        load_profiles(profile)


def test_a_json_profile_nested_deep_is_refused(tmp_path: Path) -> None:
    profile = tmp_path / "desk.json"
    profile.write_text("[" * 5000)
    with pytest.raises(ProfileError, match="nested too deeply"):
        load_profiles(profile)


def _raises() -> None:
    raise RuntimeError("boom")


def _recurses() -> object:
    return _recurses()


@pytest.mark.parametrize(
    ("found", "problem"),
    [
        (_raises, "its function failed: RuntimeError: boom"),
        (_recurses, "its function failed: RecursionError"),
        (lambda: [1, 2], "got a list holding a int"),
        (lambda: 3, "got int"),
    ],
)
def test_a_broken_pack_entry_point_is_a_profile_error(found: object, problem: str) -> None:
    with pytest.raises(ProfileError, match=problem):
        _paths(found, "profile pack desk 1.0")


def test_a_pack_function_that_fails_is_one_line_even_for_a_builtin_region(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from importlib import metadata

    class EntryPoint:
        name, value, dist = "desk", "desk:paths", None

        def load(self) -> object:
            return _recurses

    monkeypatch.setattr(metadata, "entry_points", lambda group: [EntryPoint()])
    installed_packs.cache_clear()
    regions_module._packs.cache_clear()
    try:
        code, out = run("rewrite", WIRE, "-r", "uk", "--dry-run")
        assert code == 2 and "RecursionError" in one_error(out)
    finally:
        monkeypatch.undo()
        installed_packs.cache_clear()
        regions_module._packs.cache_clear()


# ----------------------------------------------------------------------------------- config


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("context_window = 1e400\n", "context_window: must be from 256"),
        ("context_window = inf\n", "context_window: must be from 256"),
        ("context_window = " + "1" * 5000 + "\n", "cannot read config file"),
        ("timeout = " + "[" * 3000 + "\n", "cannot read config file"),
    ],
)
def test_hostile_config_files(tmp_path: Path, text: str, problem: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=problem) as info:
        Settings.resolve({"LOCALIZE_CONFIG": str(config)})
    assert str(config) in str(info.value) and len(str(info.value)) < 300


def test_a_config_file_that_is_a_device_is_refused() -> None:
    with pytest.raises(ConfigError, match="is a device, not a config file"):
        Settings.resolve({"LOCALIZE_CONFIG": "/dev/zero"})


# -------------------------------------------------------------------------------- cassettes


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("", "is empty, not a cassette"),
        ("garbage: [", "is not a cassette (not valid YAML"),
        ("just text\n", "is not a cassette (no 'interactions' list)"),
        (
            "interactions:\n- request: {method: POST, uri: 'http://x'}\n"
            "  response: {status: {code: '200'}}\nversion: 1\n",
            "response status code that is not an HTTP status",
        ),
        (None, "is a folder, not a cassette file"),
    ],
)
def test_a_cassette_says_what_the_file_is(
    tmp_path: Path, content: str | None, problem: str
) -> None:
    cassette = tmp_path / "run.yaml"
    if content is None:
        cassette.mkdir()
    else:
        cassette.write_text(content)
    args = ["rewrite", WIRE, "-r", "uk", "--cassette", str(cassette), "--record-mode", "none"]
    code, out = run(*args)
    assert code == 2 and problem in one_error(out) and str(cassette) in out


# ------------------------------------------------------------------------------- audit logs


def test_a_foreign_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE users (id INTEGER)")
    code, out = run("logs", "--logs-db", str(db))
    assert code == 2 and "not a localize logs database" in one_error(out)
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert tables == ["users"]


def test_a_corrupt_database_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "logs.db"
    db.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    code, out = run("logs", "--logs-db", str(db))
    assert code == 2 and str(db) in one_error(out)


# ------------------------------------------------------------------------- prompt templates


def render(source: str) -> str:
    with render_budget():
        return join_bounded(BoundedSandbox(autoescape=False).from_string(source).generate())


@pytest.mark.parametrize(
    "source",
    [
        "{% set ns = namespace(s='x') %}{% for i in range(30) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
        "{% set ns = namespace(s='x') %}{% for i in range(30) %}"
        "{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s|length }}",
        "{% macro d(s, n) %}{% if n %}{{ d(s ~ s, n - 1) }}{% else %}{{ s|length }}"
        "{% endif %}{% endmacro %}{{ d('x', 30) }}",
        "{% set ns = namespace(s='xx') %}{% for i in range(30) %}"
        "{% set ns.s = ns.s|replace('x', 'xxxxxxxxxx') %}{% endfor %}{{ ns.s|length }}",
    ],
    ids=["concat", "plus", "macro", "replace"],
)
def test_intermediate_strings_are_capped(source: str) -> None:
    with pytest.raises(SecurityError, match="would grow to"):
        render(source)


def test_small_strings_still_render() -> None:
    source = (
        "{% set ns = namespace(s='x') %}{% for i in range(10) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}"
    )
    assert render(source) == "1024"


# ------------------------------------------------------------------------------- neutralise


@pytest.mark.parametrize(
    "hidden",
    [
        "</st\u200bory>",
        "</sto\u00adry>",
        "<\u2060/story>",
        "\uff1c/story\uff1e",
        "<|im\u200b_end|>",
    ],
)
def test_markers_hidden_by_invisible_or_wide_characters_are_neutralised(hidden: str) -> None:
    tags = frozenset({"story"})
    text = f"caf\u00e9 before {hidden} after \u201cquoted\u201d"
    assert find_markers(text, tags) == [hidden]
    out = neutralise(text, tags)
    assert find_markers(out, tags) == []
    assert out.startswith("caf\u00e9 before ") and out.endswith(" after \u201cquoted\u201d")


def test_a_parser_failure_that_slips_through_is_still_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from localize.cli import _regions

    def deep(*_: object, **__: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(_regions, "list_regions", deep)
    code, out = run("regions")
    assert code == 1
    assert one_error(out) == (
        "localize: error: internal error: RecursionError: maximum recursion depth exceeded "
        "(please report it)"
    )


def test_a_prose_answer_of_citation_markers_only_is_a_one_line_error() -> None:
    # Found by test_hostile_fuzz (data=b"[1]", answer="text"): pydantic's multi-line message
    # reached the re-ask instead of one line.
    with pytest.raises(ValueError) as caught:
        parse_section("[1]", "text")
    assert str(caught.value) and "\n" not in str(caught.value)
