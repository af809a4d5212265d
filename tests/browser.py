"""Headless Chromium for page tests: Debian's chromium driven by Playwright.

Also a command that screenshots a review page with its first finding focused:

    .venv/bin/python -m tests.browser docs/review-wire-uk.html docs/review-wire-uk.png
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def chromium(sync_api: Any) -> Iterator[Any]:
    """A launched browser; ``sync_api`` is ``playwright.sync_api``."""
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page_file: Path, out: Path) -> None:
    from playwright import sync_api

    with chromium(sync_api) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(page_file.resolve().as_uri())
        page.keyboard.press("j")  # the first finding: its story sentences light up
        page.screenshot(path=str(out))


if __name__ == "__main__":
    screenshot(Path(sys.argv[1]), Path(sys.argv[2]))
