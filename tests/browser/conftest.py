"""Fixtures for the browser tests: one real `cswb serve` per session, Debian's Chromium, guards.

Every browser context made here records each request its pages make (websockets included)
and each JavaScript dialog they open; a test fails if any request leaves loopback or any
dialog appears (an injected `alert(1)` that ran). Use `page` for one visitor and
`new_context` for several at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser_harness import HOSTILE_NAME, Server, is_off_machine

from cswb_widgets.store import Workspace

REPO = Path(__file__).resolve().parents[2]
TEST_NOTEBOOKS = Path(__file__).parent / "notebooks"
BENCHMARK_NOTEBOOKS = REPO / "benchmarks" / "notebooks"


@pytest.fixture(scope="session")
def workspace_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root with two workspaces, plus a symlink in it that leads to one outside it."""
    base = tmp_path_factory.mktemp("served")
    root = base / "workspaces"
    for folder, name, kind in (
        (root / "maple-falls", "Maple Falls", "municipality"),
        (root / "hostile", HOSTILE_NAME, "first_nation"),
        (base / "outside" / "secret", "Outside Secret", "municipality"),
    ):
        Workspace.create(folder, name=name, kind=kind).close()
    (root / "escape").symlink_to(base / "outside" / "secret", target_is_directory=True)
    return root


@pytest.fixture(scope="session")
def server(workspace_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The workbooks, the benchmark's trivial notebook and the test notebooks, preheated."""
    running = Server(
        workspace_root,
        tmp_path_factory.mktemp("server-log"),
        extra_notebooks=(BENCHMARK_NOTEBOOKS, TEST_NOTEBOOKS),
    ).start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def browser(chromium_browser: object) -> object:
    return chromium_browser


@dataclass
class Guard:
    """What the pages of a test did that they must not."""

    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def watch(self, context) -> None:
        context.on("request", lambda request: self.requests.append(request.url))
        context.on("page", self._watch_page)

    def _watch_page(self, page) -> None:
        page.on("websocket", lambda socket: self.requests.append(socket.url))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def problems(self) -> list[str]:
        off = sorted({url for url in self.requests if is_off_machine(url)})
        return [f"request off the machine: {url}" for url in off] + [
            f"dialog opened: {d}" for d in self.dialogs
        ]


@pytest.fixture
def guard() -> Guard:
    return Guard()


@pytest.fixture
def new_context(browser, guard: Guard) -> Iterator[Callable[..., object]]:
    """Make guarded browser contexts (one per simulated visitor); closed and checked afterwards."""
    contexts = []

    def make(**options):  # browser.new_context's options, e.g. viewport={"width": 390, "height": 844}
        context = browser.new_context(**options)
        guard.watch(context)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        for page in context.pages:
            # Leaving the page fires Voilà's beforeunload beacon, which shuts its kernel down.
            page.goto("about:blank")
        context.close()
    problems = guard.problems()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def page(new_context):
    return new_context().new_page()
