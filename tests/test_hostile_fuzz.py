"""Property-based fuzzing of every reader: whatever the bytes, a `LocalizeError` or a value.

Each reader gets random bytes, random text, random JSON and the known hostile shapes (nesting
thousands deep, 5000-digit integers, 1e400 and Infinity, lone surrogates, NUL bytes, duplicate
keys). None may raise anything but a `LocalizeError` (for the parsers of model answers: a
`ValueError`, which the pipeline turns into a re-ask), and every error is one line naming the
file.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from localize import LocalizeError, Settings, load_story
from localize.answer import parse_section
from localize.backends._cache import DiskCache
from localize.batch._inputs import load_inputs
from localize.batch._results import ResultsFile, read_results
from localize.regions._profiles import load_profiles
from localize.testing._recording import use_cassette

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

HOSTILE = [
    "[" * 5000 + "]" * 5000,
    "{" + '"a":' * 3000,
    "1" * 5000,
    '{"id": ' + "9" * 5000 + ', "body": "x"}',
    "1e400",
    '{"id": "a", "body": "x", "n": Infinity}',
    '{"id": "a", "body": "\\ud800 lone"}',
    '{"id": "a", "body": "x"}\n{"id": ' + "[" * 3000,
    "NaN",
    "\x00\x01\x02",
    "id: uk\nid: fr\nname: X\n",
    "a: &a [*a]\n",
    "version: " + "1" * 5000 + "\n",
    "context_window = 1e400\n",
    "model = " + "[" * 2000 + "\n",
    "interactions:\n- request: {method: POST, uri: x}\n  response: {status: {code: '200'}}\n",
    "",
    "   \n",
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


def _texts() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.sampled_from(HOSTILE).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=3).map(
            lambda ts: "\n".join(ts).encode("utf-8", "surrogatepass")
        ),
    )


@contextmanager
def a_file(name: str, data: bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, name)
        path.write_bytes(data)
        yield path


def refused_cleanly(exc: BaseException, path: Path | None = None) -> None:
    assert isinstance(exc, LocalizeError), f"{type(exc).__name__}: {exc}"
    message = " ".join(str(exc).split())
    assert message and len(message) < 2000
    if path is not None:
        assert path.name in message or str(path) in message, message


@FUZZ
@given(data=_texts(), suffix=st.sampled_from([".txt", ".md", ".html", ".json"]))
def test_story_files(data: bytes, suffix: str) -> None:
    with a_file(f"story{suffix}", data) as path:
        try:
            load_story(path)
        except Exception as exc:
            refused_cleanly(exc, path)


@FUZZ
@given(lines=st.lists(_texts(), min_size=1, max_size=4))
def test_batch_jsonl(lines: list[bytes]) -> None:
    with a_file("stories.jsonl", b"\n".join(lines)) as path:
        try:
            inputs = load_inputs([path])
        except Exception as exc:
            refused_cleanly(exc)
            return
        for item in inputs:  # a bad line fails its own story, with a message
            assert item.story is not None or (item.error and "\n" not in item.error.strip())


@FUZZ
@given(data=_texts())
def test_results_files(data: bytes) -> None:
    with a_file("results.jsonl", data) as path:
        try:
            read_results(path)
        except Exception as exc:
            refused_cleanly(exc, path)
        try:
            with ResultsFile(path):
                pass
        except Exception as exc:
            refused_cleanly(exc, path)


@FUZZ
@given(data=_texts())
def test_cache_entries(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        key = "ab" * 32
        entry = Path(folder, key[:2], f"{key}.json")
        entry.parent.mkdir()
        entry.write_bytes(data)
        found = DiskCache(folder).get(key)  # anything unreadable is a miss, never an error
        assert found is None or found.usage.prompt_tokens >= 0


@FUZZ
@given(data=_texts(), suffix=st.sampled_from([".yaml", ".json"]))
def test_profiles(data: bytes, suffix: str) -> None:
    with a_file(f"desk{suffix}", data) as path:
        try:
            load_profiles(path)
        except Exception as exc:
            refused_cleanly(exc, path)


@FUZZ
@given(data=_texts())
def test_config_files(data: bytes) -> None:
    with a_file("config.toml", data) as path:
        try:
            Settings.resolve({"LOCALIZE_CONFIG": str(path)})
        except Exception as exc:
            refused_cleanly(exc, path)


@FUZZ
@given(data=_texts())
def test_cassettes(data: bytes) -> None:
    with a_file("run.yaml", data) as path:
        try:
            with use_cassette(path, "none", rerecord="rerecord"):
                pass
        except Exception as exc:
            refused_cleanly(exc, path)


@FUZZ
@given(data=_texts(), answer=st.sampled_from(["json", "text"]))
def test_model_answers(data: bytes, answer: Any) -> None:
    try:
        parse_section(data.decode("utf-8", "replace"), answer, "What it means")
    except ValueError as exc:  # a bad answer: re-asked with this message
        assert str(exc) and "\n" not in str(exc).strip()[:200]
