"""The editor's name is asked once per browser and kept across workbooks and reloads."""

from __future__ import annotations

import re

import pytest
from browser_harness import wait_for_app
from playwright.sync_api import expect

from cswb_widgets.store import Workspace

pytestmark = pytest.mark.browser

LABEL = "Your name (for the change history)"
NAME = "Alex from the library"
LOAD_MS = 240_000


def test_the_name_given_once_follows_the_browser_into_other_workbooks(server, new_context, workspace_root) -> None:
    page = new_context().new_page()
    page.goto(server.url("voila/render/commitment.ipynb?workspace=maple-falls"))
    wait_for_app(page, LOAD_MS)
    page.get_by_label(LABEL).fill(f"  {NAME} ")
    page.get_by_role("button", name="Save my name").click()
    expect(page.get_by_text(f"Editing as {NAME}", exact=True)).to_be_visible()

    page.goto(server.url("voila/render/buy_in.ipynb?workspace=maple-falls"))  # another workbook, a new kernel
    wait_for_app(page, LOAD_MS)
    expect(page.get_by_text(f"Editing as {NAME}", exact=True)).to_be_visible()
    expect(page.get_by_label(LABEL)).to_be_hidden()
    # The new kernel was told: feedback typed on this page is saved under the person's name.
    # The app shows one step at a time: go to the feedback step through the step menu, as a person would.
    steps = page.get_by_role("navigation", name="Steps of this workbook")
    steps.get_by_role("link", name=re.compile(r"Quick feedback entry$")).click()
    expect(page.get_by_label("What was said")).to_be_visible()
    page.get_by_label("What was said").fill("The bus stops too early for night shifts.")
    page.get_by_role("button", name="Save feedback").click()
    expect(page.get_by_text("Saved. Ready for the next one.")).to_be_visible()
    with Workspace.open(workspace_root / "maple-falls", read_only=True) as ws:
        saved = ws.history("feedback")
    assert set(saved["actor"]) == {NAME}, saved[["actor"]]

    stranger = new_context().new_page()  # another browser is asked for its own name
    stranger.goto(server.url("voila/render/commitment.ipynb?workspace=maple-falls"))
    wait_for_app(stranger, LOAD_MS)
    expect(stranger.get_by_label(LABEL)).to_be_visible()
