"""The review page: self-contained, escaped, and usable from the keyboard in a real browser."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from localize import AuditLog, check, get_region, load_story
from localize.cli._main import cli
from localize.review._annotate import ReviewData, render_review, story_blocks
from localize.review._pages import stories_by_id
from tests.browser import CHROMIUM, chromium
from tests.fault_server import BODY, Script, completion
from tests.support import ROOT, STORIES, audit_db

# What the embedded model wrote for the wire story's UK section under the json_object grammar
# (examples/output/wire.uk.json until 2026-12-05): it gives the US government's ban to the UK
# government.
WIRE_UK = (ROOT / "tests" / "data" / "sections" / "wire-uk-misattributed.txt").read_text().strip()


def _page(body: str, region: str = "uk") -> str:
    story = load_story(STORIES / "wire.txt")
    profile = get_region(region)
    report = check(body, story, profile).to_dict()
    return render_review(
        ReviewData(
            title=story.id,
            heading=profile.section_heading,
            body=body,
            findings=report["findings"],  # type: ignore[arg-type]
            sentences=report["sentences"],  # type: ignore[arg-type]
            story=story_blocks(story),
            provenance={"model": "<b>model</b>"},
            profile=profile,
        )
    )


def test_the_page_is_self_contained_and_escapes_every_text() -> None:
    hostile = (
        'The UK government\'s recent ban <script>alert("x")</script> on Fable and Mythos '
        "<img src=http://example.com/x.png> hurts UK defenders & the NCSC."
    )
    page = _page(hostile)
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "<img" not in page and "&lt;b&gt;model&lt;/b&gt;" in page
    # Nothing is fetched: no external URL in any src/href, no stylesheet or script link.
    assert not re.search(r"""<[^>]*\s(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert "<link" not in page and "Content-Security-Policy" in page
    assert page.count("<script>") == 1  # the page's own inline script


def test_cli_review_writes_a_page_for_a_given_section(tmp_path: Path) -> None:
    section = tmp_path / "uk.md"
    section.write_text(WIRE_UK)
    out = tmp_path / "review.html"
    res = CliRunner().invoke(
        cli,
        [
            "review",
            str(STORIES / "wire.txt"),
            "-r",
            "uk",
            "--section",
            str(section),
            "-o",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    page = out.read_text()
    assert 'data-sources="' in page and "attribution" in page and 'id="s-3"' in page
    assert 'class="status flagged"' in page and "For review, not publication." in page


def test_the_page_shows_passed_and_strict_flags_a_section_with_warnings(tmp_path: Path) -> None:
    story = STORIES / "wire-with-uk-section.txt"
    lines = story.read_text().splitlines()
    section = tmp_path / "uk.md"
    section.write_text(lines[-1] + " Defenders must prioritize patching.")  # a spelling warning
    (tmp_path / "story.txt").write_text("\n".join(lines[:-1]))
    args = ["review", str(tmp_path / "story.txt"), "-r", "uk", "--section", str(section)]
    res = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "a.html")])
    assert res.exit_code == 0, res.output
    page = (tmp_path / "a.html").read_text()
    report = check(section.read_text(), tmp_path / "story.txt", "uk")
    assert report.ok and report.warnings  # the case strict changes
    assert 'class="status passed"' in page
    res = CliRunner().invoke(cli, [*args, "--strict", "-o", str(tmp_path / "b.html")])
    assert res.exit_code == 0, res.output
    assert 'class="status flagged"' in (tmp_path / "b.html").read_text()


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])  # the scripted endpoint, on loopback
def test_cli_review_generates_the_section_it_shows(tmp_path: Path, httpserver: HTTPServer) -> None:
    endpoint = Script(httpserver, completion())
    out = tmp_path / "review.html"
    args = ["review", str(STORIES / "wire.txt"), "-r", "uk", "-o", str(out), "--no-cache"]
    args += ["--base-url", endpoint.url, "--model", "fault-model", "--structured", "json_object"]
    res = CliRunner().invoke(cli, [*args, "--max-attempts", "1"])
    assert res.exit_code == 0, res.output
    assert endpoint.requests == 1 and "fault-model" in (page := out.read_text())
    assert BODY.split(",")[0] in page and 'id="s-17"' in page
    # The run is in the audit log as a review, not as a library call.
    assert [e.source for e in AuditLog(audit_db()).entries()] == ["review"]


def test_cli_review_of_results_writes_one_page_per_section(tmp_path: Path) -> None:
    story = load_story(STORIES / "wire.txt")
    report = check(WIRE_UK, story, get_region("uk")).to_dict()
    line = {  # a flagged line (an attribution error): it gets a page, its status shown
        "story_id": story.id,
        "region": "uk",
        "ok": False,
        "status": "flagged",
        "section": {"heading": "What it means for the UK", "body": WIRE_UK},
        "checks": report,
        "provenance": {"model": "m"},
        "error": None,
    }
    failed = {"story_id": "other", "region": "eu", "ok": False, "error": "boom"}
    results = tmp_path / "results.jsonl"
    results.write_text(json.dumps(line) + "\n" + json.dumps(failed) + "\n")
    runner = CliRunner()
    res = runner.invoke(cli, ["review", str(results), "-o", str(tmp_path / "pages")])
    assert res.exit_code == 0, res.output
    page = (tmp_path / "pages" / "wire.uk.html").read_text()
    # No --stories: the linked sentences only.
    assert "only the story sentences" in page and 'class="status flagged"' in page
    assert "line 2: no section (boom)" in res.stderr
    res = runner.invoke(
        cli,
        ["review", str(results), "-o", str(tmp_path / "full"), "--stories", str(STORIES)],
    )
    assert res.exit_code == 0, res.output
    assert 'id="s-17"' in (tmp_path / "full" / "wire.uk.html").read_text()
    results.write_text("{not json\n")
    res = runner.invoke(cli, ["review", str(results), "-o", str(tmp_path / "bad")])
    assert res.exit_code == 2 and "line 1" in res.output
    assert not (tmp_path / "bad").exists()


def test_batch_stories_are_found_by_the_ids_the_batch_gave_them(tmp_path: Path) -> None:
    jsonl = tmp_path / "feed.jsonl"
    wire = (STORIES / "wire.txt").read_text()
    jsonl.write_text(json.dumps({"id": "w-7", "body": wire}) + "\n" + '{"id": "bad"}\n')
    found = stories_by_id([jsonl, STORIES / "wire.txt"])
    assert found["w-7"].body == found["wire"].body and "bad" not in found


def _png_pixels(data: bytes) -> tuple[int, int, Iterator[tuple[int, int, int]]]:
    """Width, height and RGB pixels of an 8-bit RGB or RGBA PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, chunk = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytearray] = []
    prev = bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line

    def pixels() -> Iterator[tuple[int, int, int]]:
        for line in rows:
            for x in range(width):
                yield line[x * channels], line[x * channels + 1], line[x * channels + 2]

    return width, height, pixels()


def test_keyboard_moves_through_findings_in_headless_chromium(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install)")
    page_file = tmp_path / "review.html"
    page_file.write_text(_page(WIRE_UK))
    with chromium(sync_api) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        refused: list[str] = []  # the page's own script and style must pass its CSP
        page.on("console", lambda m: refused.append(m.text) if "Security Policy" in m.text else 0)
        page.goto(page_file.as_uri())
        # The status is the first thing an editor sees: flagged, in the header, on red.
        status = page.locator("#status")
        assert status.is_visible() and status.inner_text().startswith("Flagged: ")
        style = "getComputedStyle(document.getElementById('status'))"
        colour = page.evaluate(f"{style}.backgroundColor")
        assert colour == "rgb(179, 38, 30)"  # --err
        anchors = page.eval_on_selector_all("[data-anchor]", "els => els.length")
        assert anchors >= 2
        page.keyboard.press("j")
        first = page.evaluate("document.activeElement.dataset.finding")
        assert first == "1"
        # Errors come first: the attribution error on "UK government's recent ban".
        assert "attribution" in page.inner_text("#current")
        assert "UK government" in page.evaluate("document.activeElement.textContent")
        # Its sentence's links and the story sentence the finding quotes are highlighted.
        linked = page.eval_on_selector_all(".story-sent.linked", "els => els.map(e => e.id)")
        refs = page.evaluate("document.activeElement.dataset.refs").split()
        assert refs and all(f"s-{n}" in linked for n in refs)
        shot = page.screenshot()
        page.keyboard.press("j")
        assert page.evaluate("document.activeElement.dataset.finding") == "2"
        page.keyboard.press("k")
        assert page.evaluate("document.activeElement.dataset.finding") == "1"
        page.keyboard.press("k")  # wraps round to the last finding
        assert page.evaluate("document.activeElement.dataset.finding") == str(anchors)
        assert requests == [page_file.as_uri()]
        assert refused == []
    width, height, pixels = _png_pixels(shot)
    assert (width, height) == (1280, 900)
    counts = {"link": 0, "error": 0}
    for r, g, b in pixels:
        if (r, g, b) == (0xFF, 0xF1, 0xA8):  # --link: a highlighted story sentence
            counts["link"] += 1
        elif (r, g, b) == (0xFD, 0xE7, 0xE4):  # the error mark's background
            counts["error"] += 1
    assert counts["link"] > 500 and counts["error"] > 100, counts


def test_the_page_csp_allows_only_its_own_script_and_style() -> None:
    page = _page(WIRE_UK)
    csp = re.search(r'Content-Security-Policy" content="([^"]+)"', page)
    assert csp is not None
    policy = {
        name: value
        for name, _, value in (d.strip().partition(" ") for d in csp.group(1).split(";"))
    }
    assert "unsafe-inline" not in csp.group(1)
    assert policy["base-uri"] == "'none'" and policy["form-action"] == "'none'"
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert policy["script-src"] == f"'sha256-{digest}'"


def test_review_of_a_results_file_refuses_verify(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCALIZE_BASE_URL", "http://127.0.0.1:9/v1")  # never contacted
    results = tmp_path / "results.jsonl"
    results.write_text("")
    res = CliRunner().invoke(cli, ["review", str(results), "-o", str(tmp_path / "out"), "--verify"])
    assert res.exit_code == 2
    assert "--verify: a batch's results are reviewed as written" in res.output


def _results_line(region: str = "uk") -> str:
    story = load_story(STORIES / "wire.txt")
    return json.dumps(
        {
            "story_id": story.id,
            "region": region,
            "ok": False,
            "status": "flagged",
            "section": {"heading": "What it means", "body": WIRE_UK},
            "checks": check(WIRE_UK, story, get_region("uk")).to_dict(),
            "provenance": {"model": "m"},
            "error": None,
        }
    )


@pytest.mark.parametrize(
    ("extra", "option"),
    [(["--section", "SECTION"], "--section"), (["-r", "uk"], "--region")],
)
def test_review_of_a_results_file_refuses_a_story_s_options(
    tmp_path: Path, extra: list[str], option: str
) -> None:
    # They were passed over: a page for every line, not the section or region asked for.
    results = tmp_path / "results.jsonl"
    results.write_text(_results_line() + "\n")
    section = tmp_path / "section.txt"
    section.write_text(WIRE_UK)
    args = [a.replace("SECTION", str(section)) for a in extra]
    res = CliRunner().invoke(cli, ["review", str(results), "-o", str(tmp_path / "out"), *args])
    assert res.exit_code == 2, res.output
    assert res.stderr.strip().splitlines() == [
        f"localize: error: {option}: is for a STORY; a results file's pages show every "
        "section in it"
    ]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "extra",
    [["--strict"], ["--check", "quote=off"], ["--model", "m"], ["--template", "section"]],
)
def test_review_of_a_results_file_refuses_options_that_would_change_its_sections(
    tmp_path: Path, extra: list[str]
) -> None:
    # Passed over: the pages show the sections as the batch wrote and checked them.
    results = tmp_path / "results.jsonl"
    results.write_text(_results_line() + "\n")
    res = CliRunner().invoke(cli, ["review", str(results), "-o", str(tmp_path / "out"), *extra])
    assert res.exit_code == 2, res.output
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith(f"localize: error: {extra[0]}: is for a STORY's section"), line
    assert not (tmp_path / "out").exists()


def test_review_of_a_story_refuses_the_stories_of_a_results_file(tmp_path: Path) -> None:
    # --stories was passed over for a STORY: the page came from SOURCE, not the files named.
    section = tmp_path / "section.txt"
    section.write_text(WIRE_UK)
    story = str(STORIES / "wire.txt")
    args = [story, "-r", "uk", "--section", str(section), "--stories", story]
    res = CliRunner().invoke(cli, ["review", *args, "-o", str(tmp_path / "page.html")])
    assert res.exit_code == 2, res.output
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith("localize: error: --stories: is for a batch's results file")
    assert not (tmp_path / "page.html").exists()


def test_review_of_results_writes_nothing_when_a_region_is_unknown(tmp_path: Path) -> None:
    # The second line's region is a profile file's the review was not given: found out before
    # the first page was written, not after.
    results = tmp_path / "results.jsonl"
    results.write_text(_results_line() + "\n" + _results_line("ie-desk") + "\n")
    res = CliRunner().invoke(cli, ["review", str(results), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2 and "unknown region 'ie-desk'" in res.stderr
    assert not (tmp_path / "out").exists()


def test_review_names_the_stories_it_could_not_read(tmp_path: Path) -> None:
    results = tmp_path / "results.jsonl"
    results.write_text(_results_line() + "\n")
    binary = tmp_path / "wire.txt"
    binary.write_bytes(b"\x00\x01 not text")
    args = ["review", str(results), "-o", str(tmp_path / "out"), "--stories", str(binary)]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert f"localize: --stories: left out {binary}: " in res.stderr
    assert "binary file" in res.stderr


def test_a_pages_folder_that_cannot_be_made_is_named(tmp_path: Path) -> None:
    # It was a traceback (FileExistsError, PermissionError from mkdir).
    results = tmp_path / "results.jsonl"
    results.write_text(_results_line() + "\n")
    blocker = tmp_path / "file"
    blocker.write_text("")
    res = CliRunner().invoke(cli, ["review", str(results), "-o", str(blocker / "pages")])
    assert res.exit_code == 2, res.output
    assert res.stderr.strip().splitlines() == [
        f"localize: error: {blocker / 'pages'}: cannot create the folder: Not a directory"
    ]
