"""The Python API's one contract: story and region arguments, typed errors, the demo-model
fallback, the client's settings, attempts, and one serialisable result shape."""

from __future__ import annotations

import asyncio
import json
import threading
import warnings
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import localize
from localize import (
    ConfigError,
    DemoModelWarning,
    LLMClient,
    LocalModelError,
    ProfileError,
    Settings,
    StoryError,
    Usage,
)
from localize.backends._local import LocalServer
from localize.budget import price
from tests.support import IE_PROFILE, STORIES

WIRE = STORIES / "wire.txt"
# Nothing listens on port 9 of loopback: a call that got this far would fail, not hang.
NOWHERE = Settings.resolve({}, base_url="http://127.0.0.1:9/v1", model="m", max_retries=0)


# ---------------------------------------------------------------------------------- stories


@pytest.mark.parametrize("name", [str(WIRE), "examples/stories/wire.txt", "nosuch.txt"])
def test_a_file_name_given_as_text_is_refused(name: str) -> None:
    with pytest.raises(StoryError, match="looks like a file name, not story text") as info:
        localize.localize(name, "uk", settings=NOWHERE)
    assert "Path(" in str(info.value)
    with pytest.raises(StoryError, match="looks like a file name"):
        localize.prepare(name, "uk", settings=NOWHERE)


def test_story_forms_path_text_and_story_agree() -> None:
    from_path = localize.as_story(WIRE)
    from_text = localize.as_story(WIRE.read_text(encoding="utf-8"))
    assert from_path.paragraphs == from_text.paragraphs
    assert localize.as_story(from_path) is from_path
    with pytest.raises(StoryError, match="not int"):
        localize.as_story(42)  # type: ignore[arg-type]


def test_alocalize_many_refuses_a_missing_file_given_as_text() -> None:
    async def run() -> list[Any]:
        return [r async for r in localize.alocalize_many(["nosuch.txt"], ["uk"])]

    with pytest.raises(StoryError, match=r"'nosuch\.txt' looks like a file name"):
        asyncio.run(run())
    with pytest.raises(StoryError, match="no such file or folder"):
        localize.run_batch([Path("nosuch.txt")], ["uk"], "-", settings=NOWHERE)


# ---------------------------------------------------------------------------------- regions


@pytest.fixture
def ie_folder(tmp_path: Path) -> Path:
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "ie.yaml").write_text(IE_PROFILE)
    return tmp_path / "profiles"


def test_every_region_form_in_every_function(ie_folder: Path) -> None:
    section = "Irish readers should follow the story closely."
    profile = localize.load_profile(ie_folder / "ie.yaml")
    for form in (ie_folder / "ie.yaml", str(ie_folder / "ie.yaml"), profile):
        assert localize.get_region(form).id == "ie"
        assert localize.prepare(WIRE, form, settings=NOWHERE).region.id == "ie"
        assert localize.check(section, WIRE, form, min_words=1).ok
    assert localize.check(section, WIRE, "uk", min_words=1).ok
    with pytest.raises(ProfileError, match="not int"):
        localize.get_region(7)  # type: ignore[arg-type]


def test_one_profile_search_path_for_every_function(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "ie" is built in; a desk's own region id is found only on the search path.
    (tmp_path / "ie-desk.yaml").write_text(IE_PROFILE.replace("id: ie\n", "id: ie-desk\n"))
    with pytest.raises(localize.RegionNotFoundError):
        localize.get_region("ie-desk")
    monkeypatch.setenv("LOCALIZE_PROFILES", str(tmp_path))
    assert localize.get_region("ie-desk").name == "Ireland"
    assert "ie-desk" in localize.list_regions()
    prep = localize.prepare(WIRE, "ie-desk", settings=Settings.resolve(model="m"))
    assert prep.region.id == "ie-desk"
    assert localize.check("Irish readers should follow it.", WIRE, "ie-desk", min_words=1).ok
    regions = localize.batch.resolve_regions(["ie-desk", "uk"])
    assert [r.id for r in regions] == ["ie-desk", "uk"]


# ---------------------------------------------------------------------------- demo model


def _no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: LocalServer) -> LocalServer:
        raise LocalModelError("not started in tests")

    monkeypatch.setattr(LocalServer, "__enter__", refuse)


def test_the_demo_model_fallback_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_server(monkeypatch)
    with (
        pytest.warns(DemoModelWarning, match="embedded demo model"),
        pytest.raises(LocalModelError),
        localize.connect(Settings.resolve({})),
    ):
        pass


@pytest.mark.parametrize(
    "settings",
    [
        lambda: Settings.resolve({}, allow_demo_model=False),
        lambda: Settings.resolve({"LOCALIZE_NO_DEMO_MODEL": "1"}),
    ],
)
def test_the_demo_model_fallback_can_be_forbidden(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_server(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no warning either
        with pytest.raises(ConfigError, match="demo model is not allowed"):
            localize.localize(WIRE, "uk", settings=settings())


def test_no_demo_model_values() -> None:
    assert Settings.resolve({"LOCALIZE_NO_DEMO_MODEL": "0"}).allow_demo_model
    assert not Settings.resolve({"LOCALIZE_NO_DEMO_MODEL": "yes"}).allow_demo_model
    with pytest.raises(ConfigError, match="LOCALIZE_NO_DEMO_MODEL"):
        Settings.resolve({"LOCALIZE_NO_DEMO_MODEL": "maybe"})


# --------------------------------------------------------------------------------- client


def test_client_reads_openai_variables_like_the_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1234/v1")
    client = LLMClient(model="m")
    assert client.api_key == "sk-env" and client.endpoint == "http://127.0.0.1:1234/v1"
    explicit = LLMClient(model="m", api_key="sk-arg", base_url="http://h/v1")
    assert explicit.api_key == "sk-arg" and explicit.endpoint == "http://h/v1"
    assert "sk-env" not in repr(client)


@pytest.mark.parametrize(
    ("kwargs", "option"),
    [
        ({"structured": "bogus"}, "structured"),
        ({"timeout": -1}, "timeout"),
        ({"timeout": 0}, "timeout"),
        ({"model": ""}, "model"),
        ({"model": "  "}, "model"),
        ({"max_retries": -1}, "max_retries"),
    ],
)
def test_client_validates_its_arguments(kwargs: dict[str, Any], option: str) -> None:
    with pytest.raises(ConfigError, match=option):
        LLMClient(**{"model": "m", **kwargs})


def test_client_is_a_context_manager() -> None:
    with LLMClient(model="m", base_url="http://127.0.0.1:9/v1") as client:
        assert client.served_models is not None

    async def run() -> None:
        async with LLMClient(model="m", base_url="http://127.0.0.1:9/v1") as client:
            assert client.model == "m"

    asyncio.run(run())


@pytest.mark.parametrize("value", [0, -2, 1.5])
def test_max_attempts_is_validated_as_in_the_cli(value: Any) -> None:
    # The CLI's bounds, named as the Python argument (the CLI says --max-attempts).
    with pytest.raises(ConfigError, match=r"^max_attempts: ") as info:
        localize.localize(WIRE, "uk", settings=NOWHERE, max_attempts=value)
    if value == 0:
        assert str(info.value) == "max_attempts: must be from 1 to 20, got 0"


# ---------------------------------------------------------------------- model and price


class _Models(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"object": "list", "data": [{"id": "llama-3-8b", "object": "model"}]})
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def one_model_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Models)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_an_endpoints_only_model_is_used_when_none_is_named(one_model_server: str) -> None:
    with localize.connect(Settings.resolve({}, base_url=one_model_server)) as client:
        assert client.model == "llama-3-8b"
    named = Settings.resolve({}, base_url=one_model_server, model="mine")
    with localize.connect(named) as client:
        assert client.model == "mine"


def test_no_price_is_invented_for_other_endpoints() -> None:
    usage = Usage(1_000_000, 0)
    assert price("gpt-4o-mini", usage, "https://api.openai.com/v1") == pytest.approx(0.15)
    assert price("gpt-4o-mini", usage, "http://127.0.0.1:8080/v1") is None
    assert price("my-model", usage, "https://api.openai.com/v1") is None
