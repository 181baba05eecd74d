"""Every app's editing tables in a real browser at 1,366 px: the compact list fits, no value is
cut off, sorting, search and filters work, a record edited in the form survives a reload, and
several choices are ticked by click alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_harness import table_widget, wait_for_app, wait_until
from playwright.sync_api import expect
from sample_workspaces import sample_workspace

from cswb_widgets.store import Workspace

pytestmark = pytest.mark.browser

SLUG = "tables-maple"
LOAD_MS = 180_000
SAVE_MS = 30_000
APPS = ["commitment", "buy_in", "risk", "assets", "evaluation", "implementation"]

# Lists wider than their box, and filled cells narrower than their text: [] when none.
OVERFLOW = """() => {
  const out = [];
  for (const list of document.querySelectorAll(".cswb-et-list")) {
    const caption = list.querySelector("caption")?.textContent || "?";
    if (list.scrollWidth > list.clientWidth + 1) out.push(`${caption}: list ${list.scrollWidth} > ${list.clientWidth} px`);
    if (list.getBoundingClientRect().right > document.documentElement.clientWidth + 1) out.push(`${caption}: past the window`);
    for (const cell of list.querySelectorAll("td, th, .cswb-et-open")) {
      if (cell.textContent.trim() && (cell.scrollWidth > cell.clientWidth + 1 || cell.scrollHeight > cell.clientHeight + 1)) {
        out.push(`${caption}: '${cell.textContent.slice(0, 40)}' cut off`);
      }
    }
  }
  return out;
}"""


# {step index in the step menu: how many editing lists it holds}, for the steps that hold any. A
# step is a level-2 heading's cell and the cells after it, as the template's steps.js makes them.
STEPS_WITH_TABLES = """() => {
  const out = {};
  let step = -1;
  for (const cell of document.querySelectorAll("#rendered_cells .jp-Cell")) {
    if (cell.classList.contains("jp-MarkdownCell") && cell.querySelector(".jp-RenderedMarkdown h2, .jp-RenderedHTMLCommon h2")) step += 1;
    const lists = cell.querySelectorAll(".cswb-et-list").length;
    if (lists && step >= 0) out[step] = (out[step] || 0) + lists;
  }
  return out;
}"""


@pytest.fixture(scope="module")
def maple(workspace_root: Path) -> Path:
    return sample_workspace("maple-falls", workspace_root / SLUG)


def _open(page, server, notebook: str) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(server.url(f"voila/render/{notebook}.ipynb?workspace={SLUG}"))
    wait_for_app(page, LOAD_MS)


def _widget(page, caption: str):
    """The whole table widget (tools, list, form, status) around the list with this caption."""
    return table_widget(page, caption, LOAD_MS)


@pytest.mark.slow
@pytest.mark.parametrize("notebook", APPS)
def test_every_table_fits_1366_px_with_nothing_cut_off(server, page, maple: Path, notebook: str) -> None:
    _open(page, server, notebook)
    # The app shows one step at a time: go, by the step menu, to each step that holds a table.
    lists = page.locator(".cswb-et-list")
    expect(lists.first).to_be_attached(timeout=LOAD_MS)
    steps = page.evaluate(STEPS_WITH_TABLES)
    assert steps, f"{notebook}: no editing table in any step"
    links = page.get_by_role("navigation", name="Steps of this workbook").get_by_role("link")
    problems, add_buttons, keys = [], 0, []
    for step, count in steps.items():
        links.nth(int(step)).click()
        expect(links.nth(int(step))).to_have_attribute("aria-current", "step")
        shown = page.locator(".cswb-et-list >> visible=true")
        expect(shown).to_have_count(count, timeout=LOAD_MS)
        for i in range(count):  # every list of the step, each scrolled to
            shown.nth(i).scroll_into_view_if_needed()
            expect(shown.nth(i).locator("tbody tr").first).to_be_visible(timeout=LOAD_MS)
        problems += page.evaluate(OVERFLOW)  # lists of hidden steps measure 0: only this step's count
        # Add row sits above its list, in the window's width.
        for button in page.get_by_role("button", name="Add row").all():
            if not button.is_visible():  # another step's
                continue
            box = button.bounding_box()
            assert box is not None and box["x"] + box["width"] <= 1366
            add_buttons += 1
        # Choices read as names: no catalogue key (a word_with_underscores) in any list.
        texts = page.locator(".cswb-et-table tbody td >> visible=true").all_inner_texts()
        keys += [t for t in texts if re.fullmatch(r"[a-z]+(_[a-z]+)+", t.strip())]
    assert problems == []
    assert add_buttons >= 1
    assert keys == []


@pytest.mark.slow
def test_sort_search_filter_and_an_edit_in_the_form_that_survives_a_reload(server, page, maple: Path) -> None:
    _open(page, server, "commitment")
    people = _widget(page, "People")
    names = people.locator("tbody .cswb-et-open")
    expect(names.first).to_be_visible()
    people.get_by_role("button", name="Name", exact=True).click()
    expect(people.get_by_role("columnheader", name=re.compile("^Name"))).to_have_attribute("aria-sort", "ascending")
    # The first page, A to Z whatever the case: waited for, since the rows may come just after the arrow.
    everyone = sorted(Workspace.open(maple).table("people")["name"], key=str.casefold)
    first_page = [re.compile(rf"^{re.escape(name)}(\s|,|$)") for name in everyone[:25]]
    expect(names).to_have_text(first_page, timeout=SAVE_MS)
    people.get_by_role("button", name="Name", exact=True).click()
    expect(people.get_by_role("columnheader", name=re.compile("^Name"))).to_have_attribute("aria-sort", "descending")

    total = Workspace.open(maple).count("people")
    people.get_by_label("Search").fill("zzz-nobody")
    expect(people.get_by_text("No rows match the search and filters.")).to_be_visible(timeout=SAVE_MS)
    people.get_by_label("Search").fill("")
    expect(people.locator(".cswb-et-page")).to_have_text(re.compile(rf"\b{total} rows"), timeout=SAVE_MS)
    people.locator(".cswb-et-tools").get_by_label("Sector").select_option(label="Police")
    police = Workspace.open(maple).table("people").query("sector == 'police'")
    expect(people.locator(".cswb-et-page")).to_contain_text(f"{len(police)} row", timeout=SAVE_MS)

    # Open the first police officer in the form, change the title, reload: kept, and the filter too.
    people.locator("tbody .cswb-et-open").first.click()
    title = people.get_by_role("textbox", name=re.compile(r"^Title, row 1$"))
    expect(title).to_be_visible(timeout=SAVE_MS)
    title.fill("Staff Sergeant, community liaison")
    title.press("Tab")
    expect(people.locator(".cswb-et-status")).to_have_text(re.compile(r"^Saved Title of "), timeout=SAVE_MS)
    assert "Staff Sergeant, community liaison" in set(Workspace.open(maple).table("people")["title"])
    page.reload()
    wait_for_app(page, LOAD_MS)
    people = _widget(page, "People")
    expect(people.locator(".cswb-et-tools").get_by_label("Sector")).to_have_value("police", timeout=SAVE_MS)
    expect(people.locator("tbody")).to_contain_text("Staff Sergeant, community liaison", timeout=SAVE_MS)


@pytest.mark.slow
def test_seats_are_ticked_by_click_alone_and_saved(server, page, maple: Path) -> None:
    _open(page, server, "commitment")
    memberships = _widget(page, "Memberships: group, person, role and the seats they fill")
    seats_before = int(Workspace.open(maple).table("memberships")["seats"].map(len).sum())
    memberships.locator("tbody .cswb-et-open").first.click()
    seats = memberships.get_by_role("group", name=re.compile(r"^Seats, row 1$"))
    expect(seats).to_be_visible(timeout=SAVE_MS)
    boxes = seats.get_by_role("checkbox")
    before = [b.is_checked() for b in boxes.all()]
    first_off = before.index(False)
    second_off = before.index(False, first_off + 1)
    boxes.nth(first_off).click()  # a plain click: no Ctrl
    expect(memberships.locator(".cswb-et-status")).to_have_text(re.compile(r"^Saved Seats of "), timeout=SAVE_MS)
    boxes.nth(second_off).click()
    expect(boxes.nth(first_off)).to_be_checked()
    expect(boxes.nth(second_off)).to_be_checked(timeout=SAVE_MS)

    def stored() -> int:
        return int(Workspace.open(maple).table("memberships")["seats"].map(len).sum())

    # the second save says the same words as the first: wait for the workspace itself
    wait_until(page, lambda: stored() == seats_before + 2, "both seats ticked are saved", SAVE_MS)
