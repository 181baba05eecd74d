"""The launcher page and the guard in front of every app page, in a real browser."""

from __future__ import annotations

import re

import pytest
from browser_harness import HOSTILE_NAME, axe, describe_violations
from playwright.sync_api import expect

from cswb_widgets.framework import load_catalogue
from cswb_widgets.paths import workbooks_dir

pytestmark = pytest.mark.browser

STAGES = load_catalogue().stages


def _installed_stages() -> set[str]:
    try:
        return {p.stem for p in workbooks_dir().glob("*.ipynb")}
    except FileNotFoundError:
        return set()


def test_launcher_lists_each_workspace_with_its_stages(server, page) -> None:
    response = page.goto(server.base_url)
    assert response is not None and response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_title("Community workspaces - CSWB Workbook")
    expect(page.get_by_role("heading", level=1)).to_have_text("Community workspaces")

    # other test modules serve copies of the sample also named Maple Falls: pick this folder's card
    maple = page.get_by_role("region", name="Maple Falls").filter(has_text=re.compile(r"folder maple-falls(\s|$)"))
    expect(maple).to_contain_text("Municipality")
    installed = _installed_stages()
    for stage in STAGES:
        link = maple.get_by_role("link", name=f"{stage.title} for Maple Falls")
        if stage.key in installed:
            expect(link).to_have_attribute("href", f"voila/render/{stage.key}.ipynb?workspace=maple-falls")
        else:
            expect(link).to_have_count(0)
            expect(maple).to_contain_text(f"{stage.title} (workbook not installed)")
        progress = re.compile(rf"{re.escape(stage.title)}\s.*?\d+% of checks complete", re.S)
        expect(maple).to_contain_text(progress, use_inner_text=True)


def test_launcher_shows_names_as_text(server, page) -> None:
    page.goto(server.base_url)
    hostile = page.get_by_role("region", name=HOSTILE_NAME)
    expect(hostile.get_by_role("heading", level=2)).to_have_text(HOSTILE_NAME)
    expect(hostile).to_contain_text("First Nation")
    expect(page.locator("img")).to_have_count(0)  # the name was not parsed as markup; the guard sees no alert


def test_launcher_never_opens_a_workspace_outside_the_root(server, page) -> None:
    page.goto(server.base_url)
    escape = page.get_by_role("region", name="escape")
    expect(escape).to_contain_text("cannot be served")
    expect(page.locator("main")).not_to_contain_text("Outside Secret")  # the symlinked workspace was not even read
    expect(escape.get_by_role("link")).to_have_count(0)


def test_launcher_passes_axe(server, page) -> None:
    page.goto(server.base_url)
    violations = axe(page)
    assert not violations, describe_violations(violations)


TRICKS = {
    "parent folder": "../etc",
    "encoded parent folder": "%2e%2e%2f",
    "double-encoded parent folder": "%252e%252e%252f",
    "absolute path": "%2Fetc%2Fpasswd",
    "path through a workspace": "maple-falls%2F..%2F..%2Fetc",
    "backslashes": "..%5C..%5Cwindows",
    "NUL byte": "maple-falls%00",
    "dot": ".",
    "look-alike letters": "%EF%BD%8Daple-falls",
    "symlink out of the root": "escape",
    "unknown workspace": "nowhere",
    "empty": "",
}


@pytest.mark.parametrize("value", TRICKS.values(), ids=TRICKS.keys())
def test_path_tricks_are_refused_before_any_kernel(server, page, value: str) -> None:
    response = page.goto(server.url(f"voila/render/workspace_echo.ipynb?workspace={value}"))
    assert response is not None and response.status in (400, 404)
    expect(page.get_by_role("heading", level=1)).to_have_text("This workspace cannot be opened")
    expect(page.get_by_role("alert")).to_have_text(re.compile(r"\S"))
    expect(page.locator("#jupyter-config-data")).to_have_count(0)  # no kernel was handed out
    expect(page.locator("html")).not_to_contain_text("Outside Secret")
    page.get_by_role("link", name="Back to the list of community workspaces").click()
    page.wait_for_url(server.base_url)


def test_two_workspace_parameters_are_refused(server, page) -> None:
    response = page.goto(
        server.url("voila/render/workspace_echo.ipynb?workspace=maple-falls&workspace=hostile")
    )
    assert response is not None and response.status == 400
    expect(page.get_by_role("alert")).to_contain_text("more than one workspace")


def test_workbooks_need_a_workspace(server, page) -> None:
    installed = sorted(_installed_stages())
    assert installed, "no workbook is installed"
    response = page.goto(server.url(f"voila/render/{installed[0]}.ipynb"))
    assert response is not None and response.status == 400
    expect(page.get_by_role("alert")).to_contain_text(re.compile("no workspace was chosen", re.I))


def test_refusal_page_passes_axe(server, page) -> None:
    page.goto(server.url("voila/render/workspace_echo.ipynb?workspace=..%2F"))
    violations = axe(page)
    assert not violations, describe_violations(violations)
