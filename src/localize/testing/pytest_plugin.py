"""pytest plugin: record a pipeline's LLM traffic once, replay it offline in every later run.

Installed with ``pip install 'localize[testing]'`` and loaded by pytest on its own (entry point
``pytest11``). A test asks for the ``localize_cassette`` fixture and runs its pipeline as usual:

    def test_sections(localize_cassette, tmp_path):
        run_pipeline("stories/", tmp_path)

Cassettes are ``<vcr_cassette_dir>/<test name>.yaml``: pytest-recording's rule, by default
``cassettes/<test module>/`` beside the test file (``tests/cassettes/<test module>/``). Override
the ``vcr_cassette_dir`` fixture to keep them elsewhere, as localize's own suite does for its
top-level ``cassettes/<test module>/`` (``tests/conftest.py``). The mode is
pytest-recording's ``--record-mode``: ``none`` (its default) replays and fails when a cassette
is missing; ``once`` records the missing ones against the configured endpoint, or the embedded
model when none is set; ``rewrite`` (or ``all``) records them all again. While a cassette
replays, the network is blocked, no key is needed, no response cache is read and the embedded
model is not started. A request that is not in the recording fails the test with what changed
and the command that re-records it.

Nothing here runs unless a test asks for the fixture, so the plugin is harmless in any suite.
"""

from __future__ import annotations

import shlex
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from localize.errors import CassetteError, CassetteMismatchError, ConfigError
from localize.testing._recording import Recording, RecordMode, use_cassette

__all__ = ["localize_cassette"]

_RECORDING = pytest.StashKey[Recording]()
# pytest-recording's modes, as localize's; "all" keeps no old answer either.
_MODES: dict[str, RecordMode] = {
    "none": "none",
    "once": "once",
    "new_episodes": "new_episodes",
    "rewrite": "rewrite",
    "all": "rewrite",
}


def _rerecord_command(request: pytest.FixtureRequest) -> str:
    return f"pytest --record-mode=rewrite {shlex.quote(request.node.nodeid)}"


def _block_network() -> Any:
    from pytest_recording.network import blocking_context

    return blocking_context()


@pytest.fixture
def localize_cassette(request: pytest.FixtureRequest) -> Iterator[Recording]:
    """Record this test's LLM requests on first run; replay them offline afterwards."""
    try:
        import pytest_recording  # noqa: F401  (its fixtures and options are used below)
    except ImportError:
        pytest.fail(
            "the localize_cassette fixture needs pytest-recording and vcrpy: "
            "pip install 'localize[testing]'",
            pytrace=False,
        )
    mode = _MODES[request.getfixturevalue("record_mode")]
    directory = Path(request.getfixturevalue("vcr_cassette_dir"))
    path = directory / f"{request.getfixturevalue('default_cassette_name')}.yaml"
    rerecord = _rerecord_command(request)
    try:
        with use_cassette(path, mode, rerecord=rerecord) as recording:
            request.node.stash[_RECORDING] = recording
            if recording.replaying:
                with _block_network():
                    yield recording
            else:
                yield recording
    except CassetteMismatchError:
        pass  # already reported as the test's own failure, by pytest_runtest_makereport
    except (CassetteError, ConfigError) as exc:
        pytest.fail(f"localize: {exc}", pytrace=False)


def mismatch_report(error: CassetteMismatchError, root: Path) -> str:
    """The failure a test shows when its requests are not in its recording."""
    path = Path(error.path)
    shown = path.relative_to(root) if path.is_relative_to(root) else path
    return (
        f"localize: the LLM requests no longer match the recording {shown}\n\n"
        f"{error.details}\n\n"
        "Re-record it (against the configured endpoint; with none set, the embedded model):\n"
        f"  {error.rerecord}"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Fail a test whose requests were not in its recording, saying what changed.

    The mismatch shows as a connection error deep in the SDK (or, in a batch, as a failed job the
    test may not even look at); the test fails with the explanation instead, whatever happened.
    """
    report = yield
    recording = item.stash.get(_RECORDING, None)
    if report.when == "call" and recording is not None:
        error = recording.mismatch()
        if error is not None:
            report.outcome = "failed"
            report.longrepr = mismatch_report(error, item.config.rootpath)
    return report
