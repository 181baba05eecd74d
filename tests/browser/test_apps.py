"""App pages as visitors get them: local assets only, accessible, workspace from the URL."""

from __future__ import annotations

import pytest
from browser_harness import HOSTILE_NAME, axe, describe_violations, wait_for_widgets

from cswb_widgets.serve.app import ERROR_INSTRUCTION

pytestmark = pytest.mark.browser


def test_trivial_notebook_renders_from_this_machine_only(server, page, guard) -> None:
    page.goto(server.url("voila/render/trivial.ipynb"))
    slider = wait_for_widgets(page)
    assert slider.get_attribute("role") == "slider"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.title() == "Trivial one-widget notebook"
    # The cells are the main landmark, whatever page shell Voilà's front end builds around them.
    assert page.get_by_role("main").locator('[role="slider"]').count() == 1
    fonts = [url for url in guard.requests if "/cswb/static/fontawesome/" in url]
    assert any(url.endswith("all.min.css") for url in fonts), guard.requests  # icons come from here


def test_trivial_notebook_passes_axe(server, page) -> None:
    page.goto(server.url("voila/render/trivial.ipynb"))
    slider = wait_for_widgets(page)
    assert page.get_by_role("slider", name="Value").count() == 1  # the description names the handle
    assert slider.is_visible()
    violations = axe(page)
    assert not violations, describe_violations(violations)


def _community_shown(page) -> str:
    box = page.get_by_role("textbox", name="Community")
    box.wait_for(state="visible", timeout=90_000)
    return box.input_value()


def test_the_workspace_comes_from_the_address(server, page) -> None:
    page.goto(server.url("voila/render/workspace_echo.ipynb?workspace=maple-falls"))
    assert _community_shown(page) == "Maple Falls"


def test_simultaneous_visitors_each_get_their_own_workspace(server, new_context) -> None:
    # One page takes the preheated kernel, the other gets a fresh one: both must read their own
    # address, never the other's.
    pages = {slug: new_context().new_page() for slug in ("maple-falls", "hostile")}
    for slug, page in pages.items():
        page.goto(server.url(f"voila/render/workspace_echo.ipynb?workspace={slug}"), wait_until="commit")
    assert _community_shown(pages["maple-falls"]) == "Maple Falls"
    assert _community_shown(pages["hostile"]) == HOSTILE_NAME


def test_errors_reach_the_log_not_the_visitor(server, page) -> None:
    page.goto(server.url("voila/render/fails.ipynb"))
    page.get_by_text(ERROR_INSTRUCTION).wait_for(timeout=90_000)
    text = page.locator("body").inner_text()
    assert "secret detail" not in text and "/srv/private/path" not in text
    assert "Traceback" not in text and "RuntimeError" not in text
    assert page.get_by_role("button", name="Never shown").count() == 0  # execution stopped there
    assert "secret detail" in server.log()  # the operator still sees it
