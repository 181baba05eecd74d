"""Shared by every test module: one Playwright driver and one Debian Chromium per session.

Playwright's sync API cannot start twice in one process, so every browser test, in any
folder, borrows this browser.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent / "browser"))

from browser_harness import CHROMIUM, launch_chromium
from postgres_cluster import running_cluster
from sample_workspaces import SAMPLES, SampleReports, build_sample_reports, copy_of, sample_workspace
from store_backends import new_community_url

from cswb_widgets import i18n
from cswb_widgets.store import Workspace


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


@pytest.fixture(scope="session")
def sample_reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleReports]:
    """Every sample's plan and progress report (HTML, PDF, Word), made once; afterwards, a check that no
    test changed a workspace or a document the others read."""
    made = build_sample_reports(tmp_path_factory.mktemp("sample-reports"))
    before = made.fingerprint()
    yield made
    changed = [path for path, digest in made.fingerprint().items() if before[path] != digest]
    assert not changed, f"a test changed the shared sample reports or workspaces: {changed}"


@pytest.fixture
def maple(sample_sources: dict[str, Path], tmp_path: Path) -> Path:
    """A copy of Maple Falls that one test may change."""
    return copy_of(sample_sources["maple-falls"], tmp_path / "maple-falls")


# -- the store on both backends ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL cluster, started only when a test asks for it (see postgres_cluster.py)."""
    try:
        cluster = running_cluster()
        url = cluster.__enter__()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield url
    finally:
        cluster.__exit__(None, None, None)


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def workspace_location(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], str | Path]:
    """Where a new workspace goes on the test's backend: a folder, or a new community's URL."""
    if backend == "sqlite":
        return lambda name="ws": tmp_path / name
    base = request.getfixturevalue("postgres_url")
    return lambda name="ws": new_community_url(base, name)


@pytest.fixture
def workspace_factory(workspace_location: Callable[[str], str | Path]) -> Iterator[Callable[..., Workspace]]:
    """`make(place="ws", **create_options)`: a new workspace on the test's backend (closed afterwards)."""
    made: list[Workspace] = []

    def make(place: str = "ws", /, **options: object) -> Workspace:
        ws = Workspace.create(workspace_location(place), **options)  # type: ignore[arg-type]
        made.append(ws)
        return ws

    yield make
    for ws in made:
        ws.close()


@pytest.fixture(autouse=True)
def english_after_each_test() -> Iterator[None]:
    """A test that switches this process to French (`cswb --lang fr` through click's runner, a
    kernel's `set_language`) leaves the next test in English, as a new process would be."""
    yield
    i18n.set_language(i18n.DEFAULT_LANGUAGE)
