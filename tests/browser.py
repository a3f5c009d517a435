"""Headless Chromium for browser tests: Debian's ``/usr/bin/chromium`` driven by Playwright, never a
downloaded browser. Each test saves screenshots under ``results/screenshots/``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[1] / "results" / "screenshots"
# Chromium's own background traffic would be refused by a closed network: switch it off.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-default-apps", "--autoplay-policy=no-user-gesture-required"]


def launched() -> Iterator[Any]:
    """A Playwright ``Browser`` on Debian's chromium; skips (with the reason) where there is none."""
    if not CHROMIUM.exists():
        pytest.skip(f"no chromium at {CHROMIUM}: `make browser` (root) or apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
