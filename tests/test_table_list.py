"""EditableTable's compact list and form, on the Python side: main columns, names instead of
keys, sorting, search, filters, paging over 5,000 rows, and the record the form edits.

The browser side is driven in tests/test_widgets.py (the widget mounted in Chromium) and in
tests/browser/test_tables.py (the real apps).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cswb_widgets import render
from cswb_widgets.render.list_columns import CATALOGUE_COLUMNS, FALLBACK_MAIN, MAIN_COLUMNS, main_columns
from cswb_widgets.store import Workspace
from cswb_widgets.store.schema import TABLES, table as table_spec
from cswb_widgets.widgets import EditableTable
from cswb_widgets.widgets.editable_table import cell_key

MOST_MAIN_COLUMNS = 6  # what fits 1,366 px with wrapped text beside the form


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace.create(tmp_path / "ws", name="Test Town", kind="municipality", actor="Tester") as workspace:
        yield workspace


def _texts(table: EditableTable, column: str) -> list[str]:
    return [row["text"][column] for row in table.rows]


def _spec(table: EditableTable, column: str) -> dict[str, Any]:
    return next(s for s in table.column_specs if s["name"] == column)


# --- main columns, declared once per table ---------------------------------------------------


def test_every_declared_main_column_exists_and_every_list_is_short() -> None:
    for name, columns in MAIN_COLUMNS.items():
        spec = table_spec(name)
        assert not spec.singleton, name
        for column in columns:
            assert column in spec.column_names, (name, column)
        assert 1 <= len(columns) <= MOST_MAIN_COLUMNS, name
    for (name, column), list_name in CATALOGUE_COLUMNS.items():
        assert column in table_spec(name).column_names
        assert render.choice_options(list_name), list_name
    # every table an app edits has its main columns declared
    assert {t.name for t in TABLES if not t.singleton} <= set(MAIN_COLUMNS)


def test_main_columns_follow_the_shown_columns() -> None:
    shown = ["name", "purpose", "organization_id", "sector", "coordination_notes"]
    assert main_columns("assets", shown) == ("name", "organization_id", "sector")
    # columns a view hides (a `where`) are not listed; nothing declared shown: the first few
    assert main_columns("assets", ["purpose", "address", "source", "area", "partners"]) == (
        "purpose", "address", "source", "area")[:FALLBACK_MAIN]


def test_the_list_holds_main_columns_and_the_form_every_shown_column(ws: Workspace) -> None:
    ws.add("assets", name="Food bank", purpose="Emergency food", sector="community_social_services")
    table = EditableTable(ws, "assets", columns=render.default_columns("assets"))
    assert set(table.main_columns) == set(MAIN_COLUMNS["assets"])  # in the order the columns are shown
    assert [s["name"] for s in table.column_specs if s["main"]] == table.main_columns
    row = table.rows[0]
    assert set(row["text"]) == set(MAIN_COLUMNS["assets"])
    assert set(row["values"]) == set(table.shown_columns)  # the form edits all of them
    assert len(table.shown_columns) > len(table.main_columns)


# --- names, never keys ---------------------------------------------------------------------


def test_cells_filters_and_controls_show_catalogue_names(ws: Workspace) -> None:
    rid = ws.add("risks", name="Overdoses", category="mental_health", risk_factors=["drugs", "housing", "own words"])
    ws.add("assets", name="Outreach van", planning_areas=["prevention"], risks_addressed=[rid])
    risks = EditableTable(ws, "risks", columns=["name", "category", "risk_factors", "priority"])
    names = {key: name for name, key in render.choice_options("risk_categories")}
    text = risks.rows[0]["text"]
    assert text["category"] == names["mental_health"] != "mental_health"
    assert "risk_factors" not in text  # not a main column of risks: the form shows it
    assert risks.rows[0]["values"]["risk_factors"] == ["drugs", "housing", "own words"]  # keys kept for the form
    factors = _spec(risks, "risk_factors")
    assert factors["control"] == "multi" and [("drugs", names["drugs"])] == [
        (k, n) for k, n in factors["options"] if k == "drugs"]
    category = _spec(risks, "category")
    assert category["control"] == "select" and category["filter"] is True

    assets = EditableTable(ws, "assets", columns=render.default_columns("assets"))
    assert assets.rows[0]["text"]["risks_addressed"] == "Overdoses"  # a record label, not an id
    assert assets.rows[0]["text"]["planning_areas"] == "Prevention"


def test_a_catalogue_key_typed_in_the_form_is_saved_as_the_key(ws: Workspace) -> None:
    rid = ws.add("risks", name="Isolation")
    table = EditableTable(ws, "risks", columns=["name", "category", "risk_factors"])
    table.handle({"type": "edit", "id": rid, "column": "risk_factors", "value": ["social_environment", "poverty"]})
    table.handle({"type": "edit", "id": rid, "column": "category", "value": "social_environment"})
    stored = ws.get("risks", rid)
    assert stored["risk_factors"] == ["social_environment", "poverty"] and stored["category"] == "social_environment"
    assert table.rows[0]["text"]["category"] == render.choice_name("risk_categories", "social_environment")


# --- sorting, search, filters ------------------------------------------------------------


def test_sort_by_shown_names_and_numbers_with_blanks_last(ws: Workspace) -> None:
    zed = ws.add("organizations", name="Zed Health", sector="health")
    abe = ws.add("organizations", name="Abe Youth", sector="children_youth_services")
    for name, org in (("b", zed), ("a", abe), ("c", None), ("d", abe)):
        ws.add("people", name=name, organization_id=org)
    people = EditableTable(ws, "people")
    people.handle({"type": "view", "sort": "organization_id"})  # by the names shown, not the ids
    assert _texts(people, "organization_id") == ["Abe Youth", "Abe Youth", "Zed Health", ""]
    for title, reached in (("w", 5), ("x", 40), ("y", None), ("z", 7)):
        ws.add("engagement_activities", title=title, method="forum", number_reached=reached)
    table = EditableTable(ws, "engagement_activities")
    table.handle({"type": "view", "sort": "number_reached", "descending": True})
    assert _texts(table, "number_reached") == ["40", "7", "5", ""]
    assert table.sort_column == "number_reached" and table.sort_descending
    table.handle({"type": "view", "sort": "number_reached"})
    assert _texts(table, "number_reached") == ["5", "7", "40", ""]  # as numbers, not as text
    assert [r["n"] for r in table.rows] == [1, 2, 3, 4]  # rows are numbered as listed


def test_search_and_filters_narrow_the_list_and_say_how_many(ws: Workspace) -> None:
    ws.add("assets", name="Youth drop-in", purpose="After-school space", planning_areas=["prevention"])
    ws.add("assets", name="Food bank", purpose="Emergency food for youth", planning_areas=["social_development"])
    ws.add("assets", name="Crisis line", planning_areas=["risk_intervention", "prevention"])
    table = EditableTable(ws, "assets", columns=render.default_columns("assets"))
    table.handle({"type": "view", "search": "YOUTH"})  # any shown column, any case
    assert sorted(_texts(table, "name")) == ["Food bank", "Youth drop-in"]
    assert (table.row_count, table.total_count) == (2, 3) and table.status == "Showing 2 of 3 rows."
    table.handle({"type": "view", "search": "youth after"})  # every word must match
    assert _texts(table, "name") == ["Youth drop-in"]
    table.handle({"type": "view", "filters": {"planning_areas": "prevention"}})  # a list column holds it
    assert sorted(_texts(table, "name")) == ["Crisis line", "Youth drop-in"]
    # a column that is not filterable, or no longer exists, is ignored, not an error
    table.handle({"type": "view", "filters": {"purpose": "x", "gone": "y"}, "sort": "no_such_column"})
    assert table.row_count == 3 and table.filters == {} and table.sort_column == ""
    table.handle({"type": "view", "search": "nothing matches this"})
    assert table.rows == [] and table.page_count == 1 and table.total_count == 3


@pytest.mark.slow
def test_paging_over_five_thousand_rows_sends_one_page_at_a_time(ws: Workspace) -> None:
    with ws.batch("many assets"):
        for i in range(5000):
            ws.add("assets", name=f"Asset {i:04d}", numbers_served=i % 97)
    table = EditableTable(ws, "assets", columns=render.default_columns("assets"))
    assert (table.row_count, table.page_count, len(table.rows)) == (5000, 200, 25)
    table.handle({"type": "page", "page": 1})
    assert [r["n"] for r in table.rows] == list(range(26, 51))
    assert _texts(table, "name")[0] == "Asset 0025"
    table.handle({"type": "view", "sort": "name", "descending": True})
    assert table.page == 0 and _texts(table, "name")[:2] == ["Asset 4999", "Asset 4998"]
    table.handle({"type": "page", "page": 199})
    assert _texts(table, "name")[-1] == "Asset 0000" and len(table.rows) == 25
    table.handle({"type": "view", "search": "ASSET 0042"})
    assert table.row_count == 1 and _texts(table, "name") == ["Asset 0042"]


# --- the form's record -------------------------------------------------------------------


def test_select_opens_a_record_with_every_field_and_follows_its_edits(ws: Workspace) -> None:
    pid = ws.add("people", name="Ana", title="Chair")
    table = EditableTable(ws, "people")
    assert table.selected == {}
    table.handle({"type": "select", "id": pid})
    assert table.selected["id"] == pid and table.selected["n"] == 1
    assert table.selected["label"] == "Ana (row 1)"
    assert set(table.selected["values"]) == set(table.shown_columns)
    table.handle({"type": "edit", "id": pid, "column": "title", "value": "Co-chair"})
    assert table.selected["values"]["title"] == "Co-chair" and ws.get("people", pid)["title"] == "Co-chair"
    # a refused value is kept as typed, with its message, for the form's field
    table.handle({"type": "edit", "id": pid, "column": "name", "value": ""})
    assert table.cell_errors[cell_key(pid, "name")] == {"message": "a value is required", "value": ""}
    assert table.selected["values"]["name"] == "Ana"  # the stored value is unchanged
    table.handle({"type": "select", "id": "no-such-id"})
    assert table.selected == {}


def test_an_edit_from_elsewhere_reaches_the_open_record(ws: Workspace, tmp_path: Path) -> None:
    pid = ws.add("people", name="Ana", title="Chair")
    table = EditableTable(ws, "people")
    table.handle({"type": "select", "id": pid})
    with Workspace.open(ws.path, actor="Other") as other:
        other.update("people", pid, title="Treasurer")
    table.handle({"type": "refresh"})
    assert table.selected["values"]["title"] == "Treasurer"


def test_deleting_the_open_record_closes_the_form_and_undo_brings_it_back(ws: Workspace) -> None:
    pid = ws.add("people", name="Ana")
    table = EditableTable(ws, "people")
    table.handle({"type": "select", "id": pid})
    table.handle({"type": "delete", "id": pid})
    assert table.selected == {} and table.rows == [] and table.undo_label == "Ana (row 1)"
    table.handle({"type": "undo"})
    assert [r["id"] for r in table.rows] == [pid]


def test_a_new_record_opens_in_the_form_on_its_page_of_the_sorted_list(ws: Workspace) -> None:
    for i in range(30):
        ws.add("people", name=f"Person {i:02d}")
    table = EditableTable(ws, "people")
    table.handle({"type": "view", "sort": "name"})
    table.handle({"type": "add", "values": {"name": "Aaron"}})
    new = ws.table("people").query("name == 'Aaron'")["id"].iloc[0]
    assert table.selected["id"] == new and table.selected["n"] == 1 and table.page == 0
    table.handle({"type": "add", "values": {"name": "Zoe"}})
    assert table.selected["n"] == 32 and table.page == 1 and table.rows[-1]["text"]["name"] == "Zoe"


# --- form controls: ISO dates, checkboxes, colours, the quick feedback's date ---------------


def test_a_date_is_typed_as_iso_and_any_other_form_is_refused_under_its_field(ws: Workspace) -> None:
    from cswb_widgets.widgets import RecordForm
    from cswb_widgets.widgets.pickers import IsoDate

    when = IsoDate("Date")
    assert when.date is None and when.placeholder == "yyyy-mm-dd"
    when.value = "2026-03-31"
    assert when.date == dt.date(2026, 3, 31)
    for wrong in ("03/31/2026", "2026-3-31", "2026-02-30", "tomorrow"):
        when.value = wrong
        with pytest.raises(ValueError, match=r"type it as yyyy-mm-dd, e.g. 2026-03-31"):
            when.date  # noqa: B018
    form = RecordForm(ws, "engagement_activities", fields=["title", "method", "date"])
    form.fields["title"].widget.value = "Town hall"
    form.fields["method"].widget.value = "town_hall"
    form.fields["date"].widget.value = "04/05/2026"  # day or month first? not guessed
    assert form.save() is None and ws.count("engagement_activities") == 0
    assert "is not a date" in form.fields["date"].error.value and 'role="alert"' in form.status.value
    form.fields["date"].widget.value = "2026-04-05"
    assert form.save() and str(ws.table("engagement_activities")["date"].iloc[0])[:10] == "2026-04-05"


def test_several_choices_are_ticked_one_by_one_without_modifier_keys() -> None:
    from cswb_widgets.widgets.pickers import CheckList, catalogue_picker

    groups = catalogue_picker("consult_groups", multiple=True, description="Groups consulted")
    assert isinstance(groups, CheckList)
    boxes = groups.children[1].children
    assert [box.description for box in boxes] == [name for name, _ in render.choice_options("consult_groups")]
    boxes[2].value = True  # a click on one box
    boxes[0].value = True  # and on another: both stay ticked, in the catalogue's order
    keys = [key for _, key in render.choice_options("consult_groups")]
    assert groups.value == (keys[0], keys[2])
    boxes[2].value = False
    assert groups.value == (keys[0],)
    groups.value = (keys[1], "unknown")  # set from code: unknown keys dropped, boxes follow
    assert groups.value == (keys[1],) and [b.value for b in boxes[:3]] == [False, True, False]


def test_plan_colours_are_picked_not_typed(ws: Workspace) -> None:
    from cswb_widgets.widgets import RecordForm
    from cswb_widgets.widgets.colour_field import ColourField

    form = RecordForm(ws, "community", fields=["plan_name", "colour_primary"], record_id="community")
    picker = form.fields["colour_primary"].widget
    assert isinstance(picker, ColourField) and picker.description == "Colour primary"
    assert picker.value == render.DEFAULT_PRIMARY  # nothing stored yet: the default shown
    picker.value = "#2a7f62"
    assert form.save() == "community" and ws.community["colour_primary"] == "#2a7f62"
    picker.value = "red; background: url(x)"  # only a #rrggbb colour is taken from the browser
    assert picker.value == "#2a7f62"


def test_quick_feedback_stores_the_date_it_was_said(ws: Workspace) -> None:
    from cswb_widgets.widgets.buy_in import QuickFeedback

    entry = QuickFeedback(ws)
    assert entry.date.date == dt.date.today()  # a session's entries are dated today unless changed
    entry.text.value = "Not enough youth programs after school"
    entry.date.value = "2026-05-02"
    fid = entry.save()
    assert fid and str(ws.get("feedback", fid)["date"])[:10] == "2026-05-02"
    entry.text.value = "Second comment"
    assert entry.date.value == "2026-05-02"  # kept for the next entry of the same session
    entry.date.value = "May 2"
    assert entry.save() is None and "type it as yyyy-mm-dd" in entry.status.value
    assert ws.count("feedback") == 1


def test_asset_map_filters_are_kept_by_the_browser_and_restored_on_reload(maple: Path) -> None:
    from sample_workspaces import built

    from cswb_widgets.workbooks.assets import AssetsWorkbook

    first = built(AssetsWorkbook.open(maple, "app").asset_map())
    first.planning_area.value = "risk_intervention"
    first.risk.value = "risk-mha"
    kept = dict(first.memory.value)  # what the browser stores
    assert kept == {"planning_area": "risk_intervention", "risk": "risk-mha"}
    narrowed = first.matched

    again = built(AssetsWorkbook.open(maple, "app").asset_map())  # a reload: a new kernel, all shown
    assert again.planning_area.value == "" and again.matched > narrowed
    again.memory.value = {**kept, "sector": "no-longer-offered"}  # the browser sends what it kept
    assert (again.planning_area.value, again.risk.value, again.sector.value) == ("risk_intervention", "risk-mha", "")
    assert again.matched == narrowed and "filtered by planning area: Risk intervention" in again.caption.value


def test_a_communitys_own_category_reads_as_words_and_stays_a_choice(ws: Workspace) -> None:
    ws.add("risks", name="Water safety at the falls", category="water_safety", risk_factors=["alcohol", "cold_water"])
    table = EditableTable(ws, "risks", columns=["name", "category", "risk_factors"])
    assert table.rows[0]["text"]["category"] == "Water safety"
    assert ["water_safety", "Water safety"] in _spec(table, "category")["options"]  # not lost from the form
    assert ["cold_water", "Cold water"] in _spec(table, "risk_factors")["options"]
    table.handle({"type": "view", "filters": {"category": "water_safety"}})
    assert table.row_count == 1
