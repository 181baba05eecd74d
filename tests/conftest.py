"""Shared by every test module: one Playwright driver and one Debian Chromium per session.

Playwright's sync API cannot start twice in one process, so every browser test, in any
folder, borrows this browser.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent / "browser"))

from browser_harness import CHROMIUM, launch_chromium  # noqa: E402


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's Chromium is not installed ({CHROMIUM}); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()
