"""The six apps as short sets of steps: a step menu from the notebook's own headings, every step
reachable by keyboard, the chosen step kept across a reload, no step many screens tall, axe clean."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_harness import axe, describe_violations, wait_for_app
from playwright.sync_api import expect
from sample_workspaces import sample_workspace

from cswb_widgets.notebooks import NOTEBOOKS, for_app, read_notebook, source_text
from cswb_widgets.paths import workbooks_dir

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SLUG = "navigation-maple"
LOAD_MS = 120_000
WIDTH, HEIGHT = 1366, 768  # a common projector / laptop screen
# No step taller than this many screens at 1,366 x 768. The whole pages were 10-20 screens; the
# longest step today (the implementation actions table, ~6.4 screens with the stage header above
# it) is a table that the compact table list shortens, so 7 leaves room without allowing a return
# to one long page.
MAX_SCREENS = 7
HEADING = re.compile(r"^##\s+(.+?)\s*#*\s*$", re.MULTILINE)


def step_titles(notebook: str) -> list[str]:
    """The step menu the app should show: the level-2 headings of the cells the app shows, in order."""
    cells = for_app(read_notebook(workbooks_dir() / f"{notebook}.ipynb"))["cells"]
    titles = []
    for cell in cells:
        if cell.get("cell_type") == "markdown" and (found := HEADING.search(source_text(cell))):
            titles.append(re.sub(r"[*_`]", "", found.group(1)))
    return titles


@pytest.fixture(scope="module")
def maple(workspace_root: Path) -> Path:
    return sample_workspace("maple-falls", workspace_root / SLUG)


@pytest.fixture
def screen(page):
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    return page


def _open(page, server, notebook: str, hash_: str = "") -> None:
    page.goto(server.url(f"voila/render/{notebook}.ipynb?workspace={SLUG}{hash_}"))
    wait_for_app(page, LOAD_MS)


def _menu(page):
    return page.get_by_role("navigation", name="Steps of this workbook")


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_every_step_is_reached_by_keyboard_is_bounded_and_survives_a_reload(
    server, screen, maple: Path, notebook: str
) -> None:
    page = screen
    _open(page, server, notebook)
    titles = step_titles(notebook)
    assert len(titles) >= 3, f"{notebook}: the notebook has too few headings to make steps"
    links = _menu(page).get_by_role("link")
    expect(links).to_have_count(len(titles))
    for index, title in enumerate(titles):
        expect(links.nth(index)).to_contain_text(title)

    links.first.focus()
    tallest = ("", 0)
    for index, title in enumerate(titles):
        if index:
            page.keyboard.press("Tab")
            expect(links.nth(index)).to_be_focused()
        page.keyboard.press("Enter")
        expect(links.nth(index)).to_have_attribute("aria-current", "step")
        heading = page.get_by_role("heading", name=title, exact=True)
        expect(heading).to_be_visible()
        expect(heading).to_be_focused()  # a keyboard user lands in the step, not back at the top
        # one step at a time: the previous step's heading is gone
        if index:
            expect(page.get_by_role("heading", name=titles[index - 1], exact=True)).to_be_hidden()
        links.nth(index).focus()
        height = page.evaluate("() => document.getElementById('rendered_cells').scrollHeight")
        tallest = max(tallest, (title, height), key=lambda pair: pair[1])
    assert tallest[1] <= MAX_SCREENS * HEIGHT, (
        f"{notebook}: step '{tallest[0]}' is {tallest[1]} px tall, over {MAX_SCREENS} screens of {HEIGHT} px"
    )

    chosen = len(titles) // 2
    links.nth(chosen).click()
    expect(links.nth(chosen)).to_have_attribute("aria-current", "step")
    page.reload()
    wait_for_app(page, LOAD_MS)
    expect(_menu(page).get_by_role("link").nth(chosen)).to_have_attribute("aria-current", "step")
    expect(page.get_by_role("heading", name=titles[chosen], exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=titles[0], exact=True)).to_be_hidden()


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_the_stepped_app_passes_axe_and_names_what_to_do_next(server, screen, guard, maple: Path, notebook: str) -> None:
    page = screen
    _open(page, server, notebook)
    expect(_menu(page)).to_be_visible()
    expect(page.locator(".cswb-next")).to_be_visible()
    violations = axe(page)
    assert not violations, describe_violations(violations)
    assert not guard.problems()


def test_an_unmet_check_is_shown_at_the_top_of_the_step_that_meets_it(server, screen, maple: Path) -> None:
    """Maple Falls' evaluation stage has an unmet check (measures without a target); its step says so,
    and the header's link goes there."""
    page = screen
    _open(page, server, "evaluation")
    todo = page.locator(".cswb-next li[data-part]").first
    expect(todo).to_be_visible()
    part = todo.get_attribute("data-part")
    todo.get_by_role("link", name="Go to the step.").click()
    cell = page.locator(f'.jp-Cell[class~="celltag_part:{part}"]')
    expect(cell).to_be_visible()
    step_todo = page.locator(".cswb-step-todo >> visible=true")
    expect(step_todo).to_have_count(1)
    expect(step_todo).to_contain_text("What to do next in this step")
    title = todo.locator("strong").inner_text()
    expect(step_todo).to_contain_text(title)


def test_a_list_of_several_choices_takes_plain_clicks_and_file_pickers_show_no_count(server, screen, maple: Path) -> None:
    page = screen
    _open(page, server, "risk", "#step-analysis")
    # Several choices are a list of checkboxes (pickers.CheckList): each takes a plain click.
    approaches = page.locator(".cswb-checklist >> visible=true").first
    expect(approaches).to_be_visible()
    boxes = approaches.get_by_role("checkbox")
    expect(boxes.nth(1)).to_be_visible()
    already = [boxes.nth(0).is_checked(), boxes.nth(1).is_checked()]
    boxes.nth(0).click()
    expect(boxes.nth(0)).to_be_checked(checked=not already[0])
    boxes.nth(1).click()  # no Ctrl: the first keeps its new state
    expect(boxes.nth(1)).to_be_checked(checked=not already[1])
    expect(boxes.nth(0)).to_be_checked(checked=not already[0])

    _open(page, server, "buy_in", "#step-survey_import")
    picker = page.locator(".widget-upload").first
    expect(picker).to_be_visible()
    shown = picker.evaluate("b => getComputedStyle(b, '::after').content")
    assert shown == '"Survey file"'
    assert picker.evaluate("b => getComputedStyle(b).fontSize") == "0px"  # "(0)" is not shown
