"""One way to configure, in Python as in the CLI (issue 19, point 3)."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

import localize
from localize import ConfigError, LLMClient, Settings
from localize.cli._main import cli
from localize.config import DEFAULT_MODEL
from tests.fault_server import Script, completion
from tests.support import ROOT, STORIES

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1", "localhost"])

WIRE = STORIES / "wire.txt"
PASSES = (STORIES / "wire-with-uk-section.txt").read_text(encoding="utf-8").splitlines()[-1]


def _models(server: HTTPServer, *ids: str) -> None:
    data = {"object": "list", "data": [{"id": i, "object": "model"} for i in ids]}
    server.expect_request("/v1/models", method="GET").respond_with_json(data)


def test_a_client_without_a_model_takes_the_endpoints_only_model(httpserver: HTTPServer) -> None:
    _models(httpserver, "served-model")
    with LLMClient(base_url=httpserver.url_for("/v1"), api_key="k") as client:
        assert client.model == "served-model"  # as the CLI and localize.connect() choose


def test_a_client_without_a_model_falls_back_to_the_default(httpserver: HTTPServer) -> None:
    _models(httpserver, "a", "b")  # two models: no one to take
    assert LLMClient(base_url=httpserver.url_for("/v1"), api_key="k").model == DEFAULT_MODEL
    assert LLMClient(api_key="k").model == DEFAULT_MODEL  # OpenAI: nothing is asked


@pytest.mark.parametrize("url", ["localhost:8080/v1", "ftp://host/v1", "http://"])
def test_a_client_checks_its_base_url_up_front_as_settings_do(url: str) -> None:
    with pytest.raises(ConfigError, match=r"^base_url: must be an http:// or https:// URL"):
        LLMClient(model="m", base_url=url)
    with pytest.raises(ConfigError, match=r"^base_url: must be an http:// or https:// URL"):
        Settings.resolve({}, base_url=url)


def test_settings_take_paths_and_python_errors_name_python_arguments(tmp_path: Path) -> None:
    assert Settings.resolve({}, profiles=tmp_path).profiles == str(tmp_path)
    assert Settings.resolve({}, template=tmp_path / "t.jinja").template == str(tmp_path / "t.jinja")
    with pytest.raises(ConfigError) as info:
        Settings.resolve({}, max_attempts=0)
    assert str(info.value) == "max_attempts: must be from 1 to 20, got 0"
    # The CLI names its own option for the same value.
    res = CliRunner().invoke(cli, ["rewrite", str(WIRE), "-r", "uk", "--max-attempts", "0"])
    assert res.exit_code == 2 and "--max-attempts: must be from 1 to 20, got 0" in res.stderr


def test_localize_takes_profiles_as_check_does(httpserver: HTTPServer, tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    own = (ROOT / "examples" / "pipeline" / "profiles" / "ie.yaml").read_text(encoding="utf-8")
    (folder / "ie-desk.yaml").write_text(own.replace("id: ie", "id: ie-desk", 1), encoding="utf-8")
    script = Script(httpserver, completion(json.dumps({"body": PASSES})))
    client = LLMClient(model="m", base_url=script.url, api_key="k", structured="text")
    result = localize.localize(WIRE, "ie-desk", client=client, profiles=folder, audit=False)
    assert result.region.id == "ie-desk"
    assert localize.check(result.section, WIRE, "ie-desk", profiles=folder) is not None


def test_render_refuses_an_unknown_format_and_takes_aliases(httpserver: HTTPServer) -> None:
    script = Script(httpserver, completion(json.dumps({"body": PASSES})))
    client = LLMClient(model="m", base_url=script.url, api_key="k", structured="text")
    result = localize.localize(WIRE, "uk", client=client, audit=False)
    assert localize.render(result, "md") == localize.render(result, "markdown")  # type: ignore[arg-type]
    assert localize.render(result, "HTML").startswith('<section class="localize"')  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"^format: unknown format 'bogus'; use one of"):
        localize.render(result, "bogus")  # type: ignore[arg-type]


def test_one_cache_default_and_type(httpserver: HTTPServer, tmp_path: Path) -> None:
    cache = inspect.signature(localize.localize).parameters["cache"]
    many = inspect.signature(localize.alocalize_many).parameters["cache"]
    assert cache.default is many.default is True
    assert cache.annotation == many.annotation
    # On by default, as in the CLI: the same request twice is answered once.
    script = Script(httpserver, completion(json.dumps({"body": PASSES})))
    settings = Settings.resolve({}, base_url=script.url, model="m", structured="text")
    first = localize.localize(WIRE, "uk", settings=settings, audit=False)
    again = localize.localize(WIRE, "uk", settings=settings, audit=False)
    assert script.requests == 1 and again.provenance.response_cache_hits == 1
    assert first.section == again.section
    localize.localize(WIRE, "uk", settings=settings, audit=False, cache=False)
    assert script.requests == 2
