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

from browser_harness import CHROMIUM, launch_chromium
from sample_workspaces import SAMPLES, copy_of, sample_workspace


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's Chromium is not installed ({CHROMIUM}); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def sample_sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every sample community imported once per session: tests read them or copy them, never change them."""
    root = tmp_path_factory.mktemp("samples")
    return {sample: sample_workspace(sample, root / sample) for sample in SAMPLES}


@pytest.fixture
def maple(sample_sources: dict[str, Path], tmp_path: Path) -> Path:
    """A copy of Maple Falls that one test may change."""
    return copy_of(sample_sources["maple-falls"], tmp_path / "maple-falls")
