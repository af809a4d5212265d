"""Outputs that cannot destroy what they point at: devices, the input file, a full disk."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from localize import JobResult, OutputError, ResultsFile, write_atomic
from localize import _atomic as atomic
from localize.cli._main import cli
from tests.support import ROOT, STORIES

WIRE = str(STORIES / "wire.txt")


def localize_cli(
    *args: str, stdout: Any = subprocess.PIPE, **kw: Any
) -> subprocess.CompletedProcess[str]:
    """The real command in a child process: its stdout can be /dev/full."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "localize", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        timeout=120,
        **kw,
    )


# ---------------------------------------------------------------------------- device files


def device(tmp_path: Path, name: str, minor: int) -> Path:
    """A private copy of /dev/null (minor 3) or /dev/full (minor 7): a test run against code
    that replaces devices must not replace the system's own."""
    path = tmp_path / name
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    except PermissionError:
        pytest.skip("making a device node needs root")
    return path


def test_a_character_device_is_written_to_not_replaced(tmp_path: Path) -> None:
    null = device(tmp_path, "null", 3)
    write_atomic(null, "section")
    assert stat.S_ISCHR(os.stat(null).st_mode)


def test_a_full_device_is_an_output_error_naming_it(tmp_path: Path) -> None:
    full = device(tmp_path, "full", 7)
    with pytest.raises(OutputError, match=rf"^{full}: cannot write: .*disk is full"):
        write_atomic(full, "section")
    assert stat.S_ISCHR(os.stat(full).st_mode)


def test_rewrite_to_a_device_leaves_the_device(tmp_path: Path) -> None:
    null = device(tmp_path, "null", 3)
    args = ["rewrite", WIRE, "-r", "uk", "--dry-run", "-o", str(null)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.stat(null).st_mode)


def test_a_fifo_nobody_reads_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match=r"FIFO .* nobody reads"):
        write_atomic(fifo, "x")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_socket_is_refused(tmp_path: Path) -> None:
    import socket

    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        with pytest.raises(OutputError, match="is a socket"):
            write_atomic(path, "x")
    assert stat.S_ISSOCK(os.stat(path).st_mode)


# ---------------------------------------------------------------------- the input as output


@pytest.mark.parametrize("spelling", ["same", "dot", "symlink", "hardlink"])
def test_rewrite_refuses_its_input_as_output(tmp_path: Path, spelling: str) -> None:
    story = tmp_path / "self.txt"
    story.write_text(Path(WIRE).read_text())
    out = {
        "same": story,
        "dot": Path(os.path.relpath(tmp_path, Path.cwd())) / "." / "self.txt",
        "symlink": tmp_path / "link.txt",
        "hardlink": tmp_path / "hard.txt",
    }[spelling]
    if spelling == "symlink":
        out.symlink_to(story)
    if spelling == "hardlink":
        os.link(story, out)
    before = story.read_bytes()
    result = CliRunner().invoke(
        cli, ["rewrite", str(story), "-r", "uk", "--dry-run", "-o", str(out)]
    )
    assert result.exit_code == 2
    assert "is the input file" in result.output and len(result.output.splitlines()) == 1
    assert story.read_bytes() == before


def test_review_refuses_its_story_or_section_as_output(tmp_path: Path) -> None:
    story = tmp_path / "self.txt"
    story.write_text(Path(WIRE).read_text())
    section = tmp_path / "section.md"
    section.write_text("## What it means for the UK\n\nThe NCSC said little.\n")
    link = tmp_path / "page.html"
    link.symlink_to(section)
    for out in (story, link):
        args = ["review", str(story), "-r", "uk", "--section", str(section), "-o", str(out)]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert "is the input file" in result.output
    assert story.read_text() == Path(WIRE).read_text()
    assert section.read_text().startswith("## What it means")


# ------------------------------------------------------------------------------- full disks


@pytest.mark.parametrize(
    "args",
    [
        ["rewrite", WIRE, "-r", "uk", "--dry-run"],
        ["rewrite", WIRE, "-r", "uk", "--dry-run", "-f", "json"],
        ["regions"],
        ["regions", "-f", "json"],
    ],
    ids=["dry-run", "dry-run-json", "regions", "regions-json"],
)
def test_a_full_stdout_is_one_line_naming_it(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        done = localize_cli(*args, stdout=full)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "localize: error: <stdout>: cannot write: No space left on device "
        "(the disk is full; nothing was written)"
    ]


def test_an_output_file_on_a_full_disk_keeps_its_old_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "section.md"
    out.write_text("old")

    def full(fd: int, data: Any) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full)
    result = CliRunner().invoke(cli, ["rewrite", WIRE, "-r", "uk", "--dry-run", "-o", str(out)])
    monkeypatch.undo()
    assert result.exit_code == 2
    assert f"{out}: cannot write: No space left on device" in result.output
    assert out.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["section.md"]


def _result(story: str) -> JobResult:
    return JobResult(story, "uk", None, "boom")


def test_a_results_file_on_a_full_disk_stops_with_no_torn_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "results.jsonl"
    real_write = os.write

    def half_then_full(fd: int, data: Any) -> int:
        if len(data) > 4:  # a short write, then the disk is full
            return real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with ResultsFile(out) as rf:
        rf.append(_result("a"))
        monkeypatch.setattr(atomic.os, "write", half_then_full)
        with pytest.raises(OutputError, match=rf"^{out}: cannot write: No space left"):
            rf.append(_result("b"))
        monkeypatch.undo()
    lines = out.read_bytes().split(b"\n")
    assert len(lines) == 2 and lines[1] == b"" and b'"a"' in lines[0]


def test_batch_to_a_full_stdout_is_one_line(httpserver: Any) -> None:
    from tests.fault_server import Script, completion

    s = Script(httpserver, completion())
    args = ["batch", WIRE, "-r", "uk", "-o", "-", "--base-url", s.url, "-m", "m", "--no-cache"]
    with open("/dev/full", "w") as full:
        done = localize_cli(*args, "--no-log", stdout=full)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "localize: error: <stdout>: cannot write: No space left on device "
        "(the disk is full; nothing was written)"
    )
    assert "Traceback" not in done.stderr


def test_batch_export_refuses_a_story_file_as_the_request_file(tmp_path: Path) -> None:
    story = tmp_path / "stories.jsonl"
    story.write_text('{"id": "a", "body": "The NCSC said on Monday that 76 firms were hit."}\n')
    before = story.read_bytes()
    result = CliRunner().invoke(cli, ["batch", str(story), "-r", "uk", "--export", str(story)])
    assert result.exit_code == 2 and "is the input file" in result.output
    assert "choose another --export" in result.output  # the option that named it
    assert story.read_bytes() == before
