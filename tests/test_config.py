from __future__ import annotations

from pathlib import Path

import pytest

from localize import ConfigError, Settings


def test_precedence_argument_env_file_default(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('model = "from-file"\nbase_url = "http://file/v1"\nmax_attempts = 5\n')
    env = {"LOCALIZE_CONFIG": str(cfg), "LOCALIZE_MODEL": "from-env"}
    s = Settings.resolve(env)
    assert (s.model, s.base_url, s.max_attempts, s.timeout) == (
        "from-env",
        "http://file/v1",
        5,
        120.0,
    )
    s = Settings.resolve(env, model="from-arg")
    assert s.model == "from-arg"
    s = Settings.resolve({**env, "OPENAI_BASE_URL": "http://openai-env/v1"})
    assert s.base_url == "http://openai-env/v1"
    s = Settings.resolve(
        {**env, "OPENAI_BASE_URL": "http://o/v1", "LOCALIZE_BASE_URL": "http://l/v1"}
    )
    assert s.base_url == "http://l/v1"


def test_local_model_only_without_key_and_endpoint() -> None:
    assert Settings.resolve({}).use_local_model
    assert not Settings.resolve({"OPENAI_API_KEY": "k"}).use_local_model
    assert not Settings.resolve({}, base_url="http://x/v1").use_local_model


def test_bad_values_name_their_source(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="LOCALIZE_MAX_ATTEMPTS"):
        Settings.resolve({"LOCALIZE_MAX_ATTEMPTS": "many"})
    with pytest.raises(ConfigError, match=r"^max_attempts: "):
        Settings.resolve({}, max_attempts=0)
    cfg = tmp_path / "c.toml"
    cfg.write_text('api_key = "sk-secret"\n')
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        Settings.resolve({"LOCALIZE_CONFIG": str(cfg)})
    cfg.write_text("modle = 'x'\n")
    with pytest.raises(ConfigError, match="unknown key"):
        Settings.resolve({"LOCALIZE_CONFIG": str(cfg)})
    with pytest.raises(ConfigError, match="no such config file"):
        Settings.resolve({"LOCALIZE_CONFIG": str(tmp_path / "missing.toml")})


def test_key_is_not_in_repr() -> None:
    assert "sk-secret" not in repr(Settings.resolve({"OPENAI_API_KEY": "sk-secret"}))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('max_attempts = "many"', "max_attempts: expected a whole number, got 'many'"),
        ("max_retries = [1]", "max_retries: expected a whole number, got [1]"),
        ("timeout = true", "timeout: expected a number, got True"),
        ('timeout = "soon"', "timeout: expected a number, got 'soon'"),
    ],
)
def test_a_config_value_of_the_wrong_type_says_what_it_must_be(
    tmp_path: Path, line: str, message: str
) -> None:
    # It said "expected int" and "expected float": Python's words, not the user's.
    cfg = tmp_path / "c.toml"
    cfg.write_text(line + "\n")
    with pytest.raises(ConfigError) as info:
        Settings.resolve({"LOCALIZE_CONFIG": str(cfg)})
    assert str(info.value) == f"{cfg}: {message}"
