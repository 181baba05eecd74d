"""App pages as visitors get them: local assets only, accessible, workspace from the URL."""

from __future__ import annotations

import pytest
from browser_harness import HOSTILE_NAME, axe, describe_violations, wait_for_widgets
from playwright.sync_api import expect

from cswb_widgets.serve.app import ERROR_INSTRUCTION

pytestmark = pytest.mark.browser


def test_trivial_notebook_renders_from_this_machine_only(server, page, guard) -> None:
    page.goto(server.url("voila/render/trivial.ipynb"))
    slider = wait_for_widgets(page)
    expect(slider).to_have_attribute("role", "slider")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_title("Trivial one-widget notebook")
    # The cells are the main landmark, whatever page shell Voilà's front end builds around them.
    expect(page.get_by_role("main").locator('[role="slider"]')).to_have_count(1)
    fonts = [url for url in guard.requests if "/cswb/static/fontawesome/" in url]
    assert any(url.endswith("all.min.css") for url in fonts), guard.requests  # icons come from here


def test_trivial_notebook_passes_axe(server, page) -> None:
    page.goto(server.url("voila/render/trivial.ipynb"))
    slider = wait_for_widgets(page)
    expect(page.get_by_role("slider", name="Value")).to_have_count(1)  # the description names the handle
    expect(slider).to_be_visible()
    violations = axe(page)
    assert not violations, describe_violations(violations)


def _expect_community_shown(page, name: str) -> None:
    expect(page.get_by_role("textbox", name="Community")).to_have_value(name, timeout=90_000)


def test_the_workspace_comes_from_the_address(server, page) -> None:
    page.goto(server.url("voila/render/workspace_echo.ipynb?workspace=maple-falls"))
    _expect_community_shown(page, "Maple Falls")


def test_simultaneous_visitors_each_get_their_own_workspace(server, new_context) -> None:
    # One page takes the preheated kernel, the other gets a fresh one: both must read their own
    # address, never the other's.
    pages = {slug: new_context().new_page() for slug in ("maple-falls", "hostile")}
    for slug, page in pages.items():
        page.goto(server.url(f"voila/render/workspace_echo.ipynb?workspace={slug}"), wait_until="commit")
    _expect_community_shown(pages["maple-falls"], "Maple Falls")
    _expect_community_shown(pages["hostile"], HOSTILE_NAME)


def test_errors_reach_the_log_not_the_visitor(server, page) -> None:
    page.goto(server.url("voila/render/fails.ipynb"))
    page.get_by_text(ERROR_INSTRUCTION).wait_for(timeout=90_000)
    body = page.locator("body")
    for hidden in ("secret detail", "/srv/private/path", "Traceback", "RuntimeError"):
        expect(body).not_to_contain_text(hidden)
    expect(page.get_by_role("button", name="Never shown")).to_have_count(0)  # execution stopped there
    assert "secret detail" in server.log()  # the operator still sees it
