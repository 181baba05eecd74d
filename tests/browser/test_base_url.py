"""`cswb serve --base-url`: behind a proxy, every link, static file and websocket is under the prefix."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from urllib.parse import urljoin

import pytest
from browser_harness import Server, wait_for_widgets
from playwright.sync_api import expect

from cswb_widgets.store import Workspace

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PREFIX = "/behind/a-proxy/"
LOAD_MS = 180_000
_LINK = re.compile(r'(?:href|src)="([^"#][^"]*)"')


@pytest.fixture(scope="module")
def prefixed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("prefixed") / "workspaces"
    Workspace.create(root / "maple-falls", name="Maple Falls", kind="municipality").close()
    running = Server(root, tmp_path_factory.mktemp("prefixed-log"), prefix=PREFIX).start()
    yield running
    running.stop()


def _get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=120) as answer:
        return answer.status, answer.geturl(), answer.read().decode("utf-8", "replace")


def _links(page_url: str, html: str) -> set[str]:
    return {urljoin(page_url, link.replace("&amp;", "&")) for link in _LINK.findall(html) if not link.startswith("data:")}


def test_every_link_on_the_launcher_and_an_app_page_resolves_under_the_prefix(prefixed: Server) -> None:
    status, launcher_url, launcher = _get(prefixed.url())
    assert status == 200 and "Maple Falls" in launcher
    launcher_links = _links(launcher_url, launcher)
    app_links = {link for link in launcher_links if "voila/render/" in link}
    assert len(app_links) >= 6, launcher_links
    status, app_url, app = _get(sorted(app_links)[0])
    assert status == 200
    static = _links(app_url, app)
    assert any(link.endswith(".css") or ".css?" in link for link in static), static
    for link in sorted(launcher_links | static):
        assert link.startswith(prefixed.base_url), link
        assert _get(link)[0] == 200, link
    # The prefix without its slash leads to the launcher.
    status, url, _ = _get(prefixed.base_url.rstrip("/"))
    assert status == 200 and url == prefixed.base_url


def test_an_app_page_connects_its_widgets_through_the_prefix(prefixed: Server, page, guard) -> None:
    page.goto(prefixed.url("voila/render/commitment.ipynb?workspace=maple-falls"))
    wait_for_widgets(page, LOAD_MS)
    # One workbook step at a time: the step menu's link (a hash, under the prefix) shows the table's step.
    steps = page.get_by_role("navigation", name="Steps of this workbook")
    steps.get_by_role("link", name=re.compile(r"^\d+\s*Organizations$")).click(timeout=LOAD_MS)
    expect(page).to_have_url(re.compile(rf"^{re.escape(prefixed.base_url)}voila/render/.*#step-organizations$"))
    expect(page.get_by_role("table", name="Organizations", exact=True)).to_be_visible(timeout=LOAD_MS)
    sockets = [url for url in guard.requests if url.startswith("ws")]
    assert sockets and all(url.startswith(f"ws://127.0.0.1:{prefixed.port}{PREFIX}") for url in sockets), sockets
    assert not guard.problems()
