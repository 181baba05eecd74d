"""The Commitment and Buy-in apps in a real browser: persistence, two editors, escaping, axe."""

from __future__ import annotations

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
    wait_for_widgets,
)
from playwright.sync_api import expect
from sample_workspaces import sample_workspace

from cswb_widgets.store import Workspace
from cswb_widgets.store.tabular import import_file

pytestmark = pytest.mark.browser

SLUG = "sample-maple"
LOAD_MS = 120_000


@pytest.fixture(scope="module")
def sample(workspace_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Maple Falls from the sample, plus an organization imported from a file with a hostile name."""
    path = sample_workspace("maple-falls", workspace_root / SLUG)
    hostile = tmp_path_factory.mktemp("hostile") / "organizations.csv"
    hostile.write_text(f'id,name,sector\norg-hostile,"{HOSTILE_NAME}",other\n', encoding="utf-8")
    with Workspace.open(path) as ws:
        import_file(ws, hostile)
    return path


def _open(page, server, notebook: str) -> None:
    page.goto(server.url(f"voila/render/{notebook}.ipynb?workspace={SLUG}"))
    wait_for_widgets(page, LOAD_MS)


def _table(page, caption: str):
    """An editing table's widget (list, form, status) by its list's caption."""
    return table_widget(page, caption, LOAD_MS)


def _added(page, nth: int) -> None:
    """Wait for the `nth` "Added" status of the page (of any step, shown or not)."""
    page.get_by_role("status", include_hidden=True).filter(has_text="Added").nth(nth).wait_for(
        state="attached", timeout=30_000)


def test_add_a_committee_member_through_the_ui_and_it_survives_a_reload(server, page, sample: Path) -> None:
    _open(page, server, "commitment")
    people = _table(page, "People")
    people.get_by_role("button", name="Add row").click()  # above the list: always in view
    people.get_by_label("New row: Name").fill("Noor Haddad")
    people.get_by_label("New row: Title").fill("Youth Council Chair")
    people.get_by_role("button", name="Save new row").click()
    _added(page, 0)
    memberships = _table(page, "Memberships: group, person, role and the seats they fill")
    memberships.get_by_role("button", name="Add row").click()
    memberships.get_by_label("New row: Group").select_option(label="Maple Falls CSWB Advisory Committee")
    memberships.get_by_label("New row: Person").select_option(label="Noor Haddad")
    memberships.get_by_label("New row: Role").select_option(label="Member")
    memberships.get_by_role("button", name="Save new row").click()
    _added(page, 1)

    ws = Workspace.open(sample)
    person = ws.table("people").query("name == 'Noor Haddad'")
    assert len(person) == 1
    assert len(ws.table("memberships").query("person_id == @person.id.iloc[0]")) == 1

    page.reload()
    wait_for_widgets(page, LOAD_MS)
    roster = reveal(page.get_by_role("table", name="Committee and team roster", include_hidden=True), LOAD_MS)
    expect(roster.get_by_text("Noor Haddad")).to_have_count(1, timeout=LOAD_MS)


def test_two_people_edit_the_same_workspace_at_once_and_both_edits_are_kept(server, new_context, sample: Path) -> None:
    first, second = new_context().new_page(), new_context().new_page()
    for page in (first, second):
        _open(page, server, "commitment")
    edits = {first: (1, "Edited by the first facilitator"), second: (2, "Edited by the second facilitator")}
    for page, (n, text) in edits.items():
        organizations = _table(page, "Organizations")
        open_row(organizations, n)
        organizations.get_by_label(f"Description, row {n}", exact=True).fill(text)
    for page, (n, _text) in edits.items():  # both commit (blur) at nearly the same moment
        _table(page, "Organizations").get_by_label(f"Description, row {n}", exact=True).press("Tab")
    for page in (first, second):
        page.get_by_role("status").filter(has_text="Saved").first.wait_for(timeout=30_000)
    descriptions = set(Workspace.open(sample).table("organizations")["description"])
    assert {"Edited by the first facilitator", "Edited by the second facilitator"} <= descriptions
    # Each sees the other's edit once the table refreshes: it polls every few seconds while
    # no field of its form has the focus (so nobody's typing is overwritten).
    first.evaluate("document.activeElement && document.activeElement.blur()")
    expect(_table(first, "Organizations").locator("tbody")).to_contain_text(
        "Edited by the second facilitator", timeout=30_000)


def test_hostile_names_show_as_text_and_run_nothing(server, page, guard, sample: Path) -> None:
    _open(page, server, "commitment")
    organizations = _table(page, "Organizations")
    organizations.get_by_role("button", name="Add row").click()
    organizations.get_by_label("New row: Name").fill(HOSTILE_NAME + " typed")
    organizations.get_by_label("New row: Sector").select_option(label="Other")
    organizations.get_by_role("button", name="Save new row").click()
    page.get_by_role("status").filter(has_text="Added").first.wait_for(timeout=30_000)
    page.reload()
    wait_for_widgets(page, LOAD_MS)
    organizations = _table(page, "Organizations")
    organizations.get_by_role("button", name="Next page").click()
    organizations.locator(".cswb-et-page", has_text="Page 2 of 2").wait_for(timeout=30_000)
    # the list shows both names as text
    assert row_number(organizations, HOSTILE_NAME), "the name imported from a file is on page 2"
    assert row_number(organizations, HOSTILE_NAME + " typed"), "the name typed into the app is on page 2"
    expect(page.locator("img[src='x']")).to_have_count(0)
    assert not guard.dialogs


@pytest.mark.parametrize("notebook", ["commitment", "buy_in"])
def test_apps_pass_axe_and_stay_on_this_machine(server, page, guard, sample: Path, notebook: str) -> None:
    _open(page, server, notebook)
    wait_for_app(page, LOAD_MS)
    # what the framework asks is on the page; the notes for analysts are not (nor any code)
    part, step = {"commitment": ("seat_coverage", "Required advisory committee seats"),
                  "buy_in": ("consultation", "Groups that must be consulted")}[notebook]
    show_step(page, part)
    expect(page.get_by_role("heading", name=step, exact=True)).to_be_visible()
    expect(page.get_by_role("table").last).to_be_visible()
    violations = axe(page)
    assert not violations, describe_violations(violations)
    assert guard.requests, "the guard saw the page's requests"
    expect(page.get_by_text("Reading and changing this notebook")).to_have_count(0)
    code = {"commitment": "book.roster = roster", "buy_in": "book.theme_counts = theme_counts"}[notebook]
    expect(page.get_by_text(code)).to_have_count(0)
