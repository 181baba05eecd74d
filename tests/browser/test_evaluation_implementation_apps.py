"""The Evaluation and Implementation apps in a real browser: a logic model and an action built
through the UI and still there after a reload, hostile names kept as text, and axe-core.

Each workspace here is a folder of its own under the served root (other browser modules use
other ones), so the order in which modules run never matters.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_harness import (
    HOSTILE_NAME,
    axe,
    describe_violations,
    open_row,
    reveal,
    row_number,
    show_step,
    table_widget,
    wait_for_app,
    wait_until,
)
from playwright.sync_api import expect
from sample_workspaces import sample_workspace

from cswb_widgets.store import Workspace

pytestmark = pytest.mark.browser

MAPLE = "evalimpl-maple"  # the sample; the tests add a logic model and an action to it
HOSTILE = "evalimpl-hostile"  # the sample plus a logic model and an action with hostile names
LOAD_MS = 180_000  # a shared two-core machine
SAVE_MS = 60_000

HOUSING = "Housing instability and homelessness"
GROUP = "Seniors renting alone in Ward 3"
MODEL_NAME = "Aging in place (browser test)"
ACTIVITY = "Tenant-rights visits to seniors in older walk-up buildings"
OUTCOME = "Seniors know where to turn before an eviction notice"

ACTION = "Tenant-rights clinics at the public library (browser test)"
LEAD = "City of Maple Falls"
START, END = "2025-02-03", "2027-06-30"
UPDATE_DATE = "2025-11-14"
UPDATE_NOTE = "Two clinics held; the library's room is booked until March."

TYPED = HOSTILE_NAME + " typed"

# Counts hostile markup that became elements, in the page and in every shadow root.
INJECTED = """() => {
  let found = 0;
  const walk = (root) => {
    found += root.querySelectorAll('img[src="x"], [onerror]').length;
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
  };
  walk(document);
  return found;
}"""


@pytest.fixture(scope="module")
def maple(workspace_root: Path) -> Path:
    return sample_workspace("maple-falls", workspace_root / MAPLE)


@pytest.fixture(scope="module")
def hostile(workspace_root: Path) -> Path:
    """Maple Falls plus a logic model (target group and item) and an action named HOSTILE_NAME."""
    path = sample_workspace("maple-falls", workspace_root / HOSTILE)
    with Workspace.open(path) as ws, ws.batch("hostile names"):
        model = ws.add("logic_models", risk_id="risk-housing", target_group=HOSTILE_NAME)
        outcome = ws.add("logic_model_items", logic_model_id=model, level="immediate",
                         text="Outcome of a hostile activity")
        ws.add("logic_model_items", logic_model_id=model, level="activities", text=HOSTILE_NAME,
               leads_to=[outcome], planning_area="prevention")
        action = ws.add("actions", title=HOSTILE_NAME, lead_organization_id="org-city",
                        planning_area="prevention", risk_id="risk-housing", team_id="team-housing",
                        start="2025-01-06", end="2025-06-30", status="in_progress", percent_complete=10)
        ws.add("action_updates", action_id=action, date="2025-03-03", status="in_progress",
               percent_complete=10, note=HOSTILE_NAME)
    return path


# -- helpers -------------------------------------------------------------------------------------------


def _open(page, server, notebook: str, slug: str, step: str = "") -> None:
    """Open an app, on the step holding the part `step` if given (the apps show one step at a time)."""
    page.goto(server.url(f"voila/render/{notebook}.ipynb?workspace={slug}" + (f"#step-{step}" if step else "")))
    wait_for_app(page, LOAD_MS)


def _said(page, words: str) -> None:
    page.get_by_role("status").filter(has_text=words).first.wait_for(timeout=SAVE_MS)


def _diagram(page):
    """The logic-model builder's diagram (the app shows the chosen model only)."""
    figure = page.locator("figure.cswb-logic-model")
    expect(figure).to_have_count(1, timeout=SAVE_MS)
    return figure.locator("svg")


def _boxes(svg) -> list[str]:
    """The full text of each item's box (its tooltip; the box itself wraps the text)."""
    return svg.locator("g > title").all_text_contents()


def _expect_boxes(svg, texts: list[str]) -> None:
    wait_until(svg.page, lambda: sorted(_boxes(svg)) == sorted(texts), f"the diagram's boxes are {texts}")


def _forward_arrows(svg):
    return svg.locator('path[marker-end*="-arrow"]')


def _table(page, caption: str):
    """An editing table's widget (list, form, status) by its list's caption."""
    return table_widget(page, caption, LOAD_MS)


def _static_table(page, caption: str):
    """A read-only table by its caption, its workbook step shown."""
    return reveal(page.get_by_role("table", name=caption, exact=True, include_hidden=True), LOAD_MS)


def _row_number(widget, column: str, value: str) -> int:
    """The list row showing `value` (in the `column` the test means; waits for it to appear)."""
    return row_number(widget, value, SAVE_MS)


def _row(table, header: str):
    return table.get_by_role("row").filter(has=table.page.get_by_role("rowheader", name=header, exact=True))


def _standing(page, title: str):
    """The action's record in "Where each action stands": its row (status, complete, last update)
    and, in a full-width row below it, the details (what the latest update said)."""
    table = _static_table(page, "Where each action stands (its current status and latest update)")
    return table.locator("tbody.cswb-record").filter(has=page.get_by_role("rowheader", name=title, exact=True))


def _expect_standing(page, title: str, note: str, cells: list[str] | None = None) -> None:
    """One record for `title`, its `cells` (if given) side by side and `note` in its details."""
    record = _standing(page, title)
    expect(record).to_have_count(1)
    if cells is not None:
        expect(_row(record, title).get_by_role("cell")).to_have_text(cells)
    expect(record.locator(".cswb-record-details li").filter(has_text="What it said:")).to_have_text(
        f"What it said: {note}")


def _no_injected_markup(page) -> None:
    for frame in page.frames:  # the page and any iframe in it
        assert frame.evaluate(INJECTED) == 0, f"hostile markup became elements in {frame.url}"  # a snapshot, by intent


# -- the Evaluation app --------------------------------------------------------------------------------


def test_build_a_logic_model_through_the_ui_and_it_survives_a_reload(server, page, guard, maple: Path) -> None:
    _open(page, server, "evaluation", MAPLE, step="logic_models")
    page.get_by_role("combobox", name="Risk", exact=True).select_option(label=f"{HOUSING} (priority)")
    page.get_by_role("textbox", name="Target group", exact=True).fill(GROUP)
    page.get_by_role("textbox", name="Name (optional)", exact=True).fill(MODEL_NAME)
    page.get_by_role("button", name="Create logic model").click()
    _said(page, "Logic model created")
    label = f"{MODEL_NAME} ({GROUP}) – {HOUSING}"
    chosen = page.get_by_role("combobox", name="Logic model", exact=True).locator("option:checked")
    expect(chosen).to_have_text(label, timeout=SAVE_MS)
    svg = _diagram(page)
    expect(svg.locator("text", has_text="No item yet")).to_have_count(6, timeout=SAVE_MS)

    item = page.get_by_role("textbox", name="Item", exact=True)
    for level, text, area in (("Activities", ACTIVITY, "Prevention"), ("Immediate outcomes", OUTCOME, "(none)")):
        page.get_by_role("combobox", name="Level", exact=True).select_option(label=level)
        item.fill(text)
        page.get_by_role("combobox", name="Planning area (for activities)", exact=True).select_option(label=area)
        page.get_by_role("button", name="Add item").click()
        expect(svg.locator("g > title", has_text=text)).to_have_count(1, timeout=SAVE_MS)
        expect(item).to_have_value("", timeout=SAVE_MS)  # cleared for the next item

    page.get_by_role("combobox", name="This item", exact=True).select_option(label=f"Activities: {ACTIVITY}")
    page.get_by_role("combobox", name="leads to", exact=True).select_option(label=f"Immediate outcomes: {OUTCOME}")
    page.get_by_role("button", name="Link", exact=True).click()
    _said(page, "Linked.")
    expect(_forward_arrows(svg)).to_have_count(1, timeout=SAVE_MS)
    _expect_boxes(svg, [ACTIVITY, OUTCOME])
    expect(svg.locator("text", has_text="No item yet")).to_have_count(4)  # the four levels still empty
    expect(svg.locator("desc")).to_contain_text("1 arrow shows what leads to what")

    with Workspace.open(maple) as ws:
        models = ws.table("logic_models").query("target_group == @GROUP")
        items = ws.table("logic_model_items")
    assert len(models) == 1
    assert (models["risk_id"].iloc[0], models["name"].iloc[0]) == ("risk-housing", MODEL_NAME)
    mine = items[items["logic_model_id"] == models["id"].iloc[0]].set_index("text")
    assert set(mine.index) == {ACTIVITY, OUTCOME}
    assert (mine.at[ACTIVITY, "level"], mine.at[ACTIVITY, "planning_area"]) == ("activities", "prevention")
    assert mine.at[OUTCOME, "level"] == "immediate"
    assert list(mine.at[ACTIVITY, "leads_to"]) == [mine.at[OUTCOME, "id"]]

    page.reload()
    wait_for_app(page, LOAD_MS)
    page.get_by_role("combobox", name="Logic model", exact=True).select_option(label=label)
    svg = _diagram(page)
    expect(svg.locator("g > title", has_text=OUTCOME)).to_have_count(1, timeout=SAVE_MS)
    _expect_boxes(svg, [ACTIVITY, OUTCOME])
    expect(_forward_arrows(svg)).to_have_count(1)
    items_table = _table(page, "Items of this logic model (edit or delete here)")
    expect(items_table.locator("tbody tr.cswb-et-row")).to_have_count(2, timeout=SAVE_MS)
    assert _row_number(items_table, "Text", ACTIVITY) and _row_number(items_table, "Text", OUTCOME)
    assert not guard.dialogs


# -- the Implementation app ----------------------------------------------------------------------------


def test_add_an_action_and_post_its_progress_through_the_ui_and_both_survive_a_reload(
    server, page, guard, maple: Path
) -> None:
    _open(page, server, "implementation", MAPLE, step="actions")
    form = page.locator(".cswb-record-form").filter(has=page.get_by_role("button", name="Add action"))
    form.get_by_role("textbox", name="Action (required)", exact=True).fill(ACTION)
    form.get_by_role("combobox", name="Lead organization", exact=True).select_option(label=LEAD)
    form.get_by_role("combobox", name="Planning area", exact=True).select_option(label="Prevention")
    form.get_by_role("combobox", name="Priority risk", exact=True).select_option(label=HOUSING)
    form.get_by_role("textbox", name="Start", exact=True).fill(START)
    form.get_by_role("textbox", name="End", exact=True).fill(END)
    form.get_by_role("combobox", name="Status", exact=True).select_option(label="Not started")
    form.get_by_role("button", name="Add action").click()
    _said(page, f"Saved {ACTION}.")

    actions = _table(page, "Actions")
    n = _row_number(actions, "Action", ACTION)
    open_row(actions, n)
    expected = {"Lead organization": "org-city", "Planning area": "prevention", "Priority risk": "risk-housing",
                "Start": START, "End": END, "Status": "not_started"}
    for column, value in expected.items():
        expect(actions.get_by_label(f"{column}, row {n}", exact=True)).to_have_value(value)

    show_step(page, "progress")
    update = page.locator(".widget-vbox").filter(has=page.get_by_role("button", name="Save update")).last
    update.get_by_role("combobox", name="Action", exact=True).select_option(label=ACTION)
    status = update.get_by_role("combobox", name="Status", exact=True)
    # Choosing the action loads its current status; change it only once that has arrived.
    expect(status.locator("option:checked")).to_have_text("Not started", timeout=SAVE_MS)
    update.get_by_role("textbox", name="Date of the update", exact=True).fill(UPDATE_DATE)
    status.select_option(label="Delayed")
    update.get_by_role("textbox", name="Percent complete (0 to 100)", exact=True).fill("35")
    update.get_by_role("textbox", name="What happened", exact=True).fill(UPDATE_NOTE)
    update.get_by_role("button", name="Save update").click()
    _said(page, f"Saved the update of “{ACTION}”; its current status now follows it.")
    # The actions table follows the update without a reload.
    expect(actions.get_by_label(f"Status, row {n}", exact=True)).to_have_value("delayed", timeout=SAVE_MS)
    expect(actions.get_by_label(f"Percent complete, row {n}", exact=True)).to_have_value("35")

    with Workspace.open(maple) as ws:
        found = ws.table("actions").query("title == @ACTION")
        assert len(found) == 1
        action = ws.get("actions", found["id"].iloc[0])
        updates = ws.table("action_updates").query("action_id == @action['id']")
    assert (action["lead_organization_id"], action["planning_area"], action["risk_id"]) == (
        "org-city", "prevention", "risk-housing")
    assert (str(action["start"])[:10], str(action["end"])[:10]) == (START, END)
    assert (action["status"], int(action["percent_complete"])) == ("delayed", 35)
    assert len(updates) == 1
    assert (str(updates["date"].iloc[0])[:10], updates["note"].iloc[0]) == (UPDATE_DATE, UPDATE_NOTE)
    assert (updates["status"].iloc[0], int(updates["percent_complete"].iloc[0])) == ("delayed", 35)

    page.reload()
    wait_for_app(page, LOAD_MS)
    actions = _table(page, "Actions")
    n = _row_number(actions, "Action", ACTION)
    open_row(actions, n)
    for column, value in {**expected, "Status": "delayed", "Percent complete": "35"}.items():
        expect(actions.get_by_label(f"{column}, row {n}", exact=True)).to_have_value(value)
    _expect_standing(page, ACTION, UPDATE_NOTE, ["Delayed", "35%", UPDATE_DATE])
    assert not guard.dialogs


# -- hostile names ---------------------------------------------------------------------------------------


def test_hostile_names_in_both_apps_show_as_text_and_run_nothing(
    server, page, guard, hostile: Path
) -> None:
    _open(page, server, "evaluation", HOSTILE, step="logic_models")
    page.get_by_role("combobox", name="Logic model", exact=True).select_option(label=f"{HOSTILE_NAME} – {HOUSING}")
    svg = _diagram(page)
    expect(svg.locator("g > title", has_text=HOSTILE_NAME)).to_have_count(1, timeout=SAVE_MS)
    expect(svg.locator("g > title", has_text=HOSTILE_NAME).first).to_have_text(HOSTILE_NAME)  # the item, whole
    expect(svg.locator("title").first).to_contain_text(HOSTILE_NAME)  # the target group, in the diagram's title
    expect(page.locator("figure.cswb-logic-model figcaption")).to_contain_text(f"target group: {HOSTILE_NAME}.")
    expect(_row(page.get_by_role("table", name=re.compile("^Logic model as a table")), HOSTILE_NAME)).to_have_count(1)
    assert _row_number(_table(page, "All logic models"), "Target group", HOSTILE_NAME)
    # One more, typed into the app.
    page.get_by_role("combobox", name="Level", exact=True).select_option(label="Outputs")
    page.get_by_role("textbox", name="Item", exact=True).fill(TYPED)
    page.get_by_role("button", name="Add item").click()
    expect(svg.locator("g > title", has_text=TYPED)).to_have_count(1, timeout=SAVE_MS)
    assert _row_number(_table(page, "Items of this logic model (edit or delete here)"), "Text", TYPED)
    _no_injected_markup(page)

    _open(page, server, "implementation", HOSTILE)
    assert _row_number(_table(page, "Actions"), "Action", HOSTILE_NAME)
    _expect_standing(page, HOSTILE_NAME, HOSTILE_NAME)  # the update's note, as text
    expect(page.locator("li.cswb-overdue", has_text=f"“{HOSTILE_NAME}”")).to_have_count(1)
    reporting = page.locator("figure.cswb-reporting svg")
    expect(reporting.locator("g > title", has_text=HOSTILE_NAME).first).to_be_attached()
    show_step(page, "actions")
    form = page.locator(".cswb-record-form").filter(has=page.get_by_role("button", name="Add action"))
    form.get_by_role("textbox", name="Action (required)", exact=True).fill(TYPED)
    form.get_by_role("button", name="Add action").click()
    _said(page, f"Saved {TYPED}.")
    assert _row_number(_table(page, "Actions"), "Action", TYPED)
    _no_injected_markup(page)
    assert not guard.dialogs


# -- accessibility -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("notebook", ["evaluation", "implementation"])
def test_apps_pass_axe_and_stay_on_this_machine(server, page, guard, maple: Path, notebook: str) -> None:
    _open(page, server, notebook, MAPLE, step={"evaluation": "measures", "implementation": "actions"}[notebook])
    expect(page.get_by_role("table").last).to_be_visible(timeout=LOAD_MS)
    violations = axe(page)
    assert not violations, describe_violations(violations)
    assert guard.requests, "the guard saw the page's requests"
