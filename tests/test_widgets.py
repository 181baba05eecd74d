"""The workspace-bound widgets, driven as the browser would: messages in, traits and workspace out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ipywidgets
import pytest

from cswb_widgets.model.readiness import consultation_coverage, seat_coverage
from cswb_widgets.store import Workspace
from cswb_widgets.widgets import (
    CoverageIndicator,
    EditableTable,
    GuidancePanel,
    RecordForm,
    StageHeader,
    catalogue_picker,
)
from cswb_widgets.widgets._table_front import TABLE_CSS, TABLE_ESM
from cswb_widgets.widgets.editable_table import cell_key
from cswb_widgets.widgets.pickers import CheckList, IsoDate

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace.create(tmp_path / "ws", name="Test Town", kind="municipality", actor="Tester") as workspace:
        yield workspace


@pytest.fixture
def other_kernel(ws: Workspace) -> Iterator[Workspace]:
    """A second connection to the same workspace, as a second Voilà kernel would open."""
    with Workspace.open(ws.path, actor="Other") as workspace:
        yield workspace


def _row(table: EditableTable, record_id: str) -> dict[str, Any]:
    return next(r for r in table.rows if r["id"] == record_id)


def _spec(table: EditableTable, column: str) -> dict[str, Any]:
    return next(s for s in table.column_specs if s["name"] == column)


# --- EditableTable: what the browser is sent -------------------------------------------------


def test_table_sends_keys_with_catalogue_names_and_reference_labels(ws: Workspace) -> None:
    org = ws.add("organizations", name="Northside Health", sector="health")
    pid = ws.add("people", name="Ana", organization_id=org, sector="police", email="ana@example.org")
    table = EditableTable(ws, "people")

    assert table.shown_columns == ("name", "organization_id", "title", "sector", "email", "phone")
    assert _row(table, pid) == {
        "id": pid,
        "n": 1,
        "values": {
            "name": "Ana",
            "organization_id": org,
            "title": "",
            "sector": "police",
            "email": "ana@example.org",
            "phone": "",
        },
        # the compact list's main columns, as people read them: names, never keys or ids
        "text": {"name": "Ana", "organization_id": "Northside Health", "title": "", "sector": "Police"},
    }
    assert table.main_columns == ["name", "organization_id", "title", "sector"]
    sector = _spec(table, "sector")
    assert sector["control"] == "select" and ["police", "Police"] in sector["options"]
    assert _spec(table, "organization_id")["options"] == [[org, "Northside Health"]]
    name = _spec(table, "name")
    assert name["label"] == "Name" and name["required"] is True and name["control"] == "text"
    assert table.caption == "People" and table.row_count == 1


def test_each_kind_of_column_gets_its_control(ws: Workspace) -> None:
    table = EditableTable(ws, "engagement_activities")
    controls = {s["name"]: s["control"] for s in table.column_specs}
    assert controls["date"] == "date"
    assert controls["number_reached"] == "number" and _spec(table, "number_reached")["integer"] is True
    assert controls["consult_groups"] == "multi"
    assert controls["method"] == "select" and controls["period_id"] == "select"
    risks = EditableTable(ws, "risks")
    assert {s["name"]: s["control"] for s in risks.column_specs}["priority"] == "select"
    assert _spec(risks, "priority")["options"] == [["yes", "Yes"], ["no", "No"]]
    assert _spec(risks, "vulnerable_groups")["control"] == "text"
    assert _spec(risks, "vulnerable_groups")["hint"] == "separate items with ;"
    assert "geometry" not in EditableTable(ws, "areas").shown_columns


def test_table_refuses_singleton_and_unknown_columns(ws: Workspace) -> None:
    with pytest.raises(ValueError, match="RecordForm"):
        EditableTable(ws, "community")
    with pytest.raises(KeyError, match="no column 'nmae'"):
        EditableTable(ws, "people", columns=["nmae"])


# --- EditableTable: editing ------------------------------------------------------------------


def test_edit_is_saved_at_once_and_says_saved(ws: Workspace) -> None:
    pid = ws.add("people", name="Ana")
    table = EditableTable(ws, "people")
    table.handle({"type": "edit", "id": pid, "column": "name", "value": "Ana Silva"})
    assert ws.get("people", pid)["name"] == "Ana Silva"
    assert _row(table, pid)["values"]["name"] == "Ana Silva"
    assert table.status_kind == "saved"
    assert table.status == "Saved Name of Ana Silva (row 1)."


@pytest.mark.parametrize(
    ("column", "typed", "stored"),
    [
        ("priority", "yes", True),
        ("priority", "", None),
        (
            "current_approach",
            ["coping_supports", "incident_response"],
            ["coping_supports", "incident_response"],
        ),
        ("vulnerable_groups", "seniors; youth leaving care", ["seniors", "youth leaving care"]),
        ("category", "housing", "housing"),
    ],
)
def test_edits_of_each_kind_are_stored_typed(ws: Workspace, column: str, typed: Any, stored: Any) -> None:
    rid = ws.add("risks", name="Housing")
    table = EditableTable(ws, "risks")
    table.handle({"type": "edit", "id": rid, "column": column, "value": typed})
    assert ws.get("risks", rid)[column] == stored
    assert table.status_kind == "saved"


def test_dates_and_numbers_round_trip_as_plain_text(ws: Workspace) -> None:
    aid = ws.add("engagement_activities", title="Town hall", method="town_hall")
    table = EditableTable(ws, "engagement_activities")
    table.handle({"type": "edit", "id": aid, "column": "date", "value": "2024-05-01"})
    table.handle({"type": "edit", "id": aid, "column": "number_reached", "value": " 1234 "})
    assert str(ws.get("engagement_activities", aid)["date"]) == "2024-05-01"
    assert _row(table, aid)["values"]["date"] == "2024-05-01"
    assert _row(table, aid)["values"]["number_reached"] == "1234"


def test_refused_edit_keeps_what_was_typed_and_leaves_workspace_unchanged(ws: Workspace) -> None:
    aid = ws.add("engagement_activities", title="Town hall", method="town_hall", number_reached=40)
    table = EditableTable(ws, "engagement_activities")
    before = ws.last_change()

    table.handle({"type": "edit", "id": aid, "column": "number_reached", "value": "lots"})

    assert ws.get("engagement_activities", aid)["number_reached"] == 40
    assert ws.last_change() == before
    error = table.cell_errors[cell_key(aid, "number_reached")]
    assert error["value"] == "lots"
    assert "whole number" in error["message"]
    assert table.status_kind == "error" and table.status.startswith("Not saved: Number reached of Town hall")
    # A refresh (own or periodic) must not bring the old value back over the typed one.
    table.refresh()
    assert table.cell_errors[cell_key(aid, "number_reached")]["value"] == "lots"

    table.handle({"type": "edit", "id": aid, "column": "number_reached", "value": "45"})
    assert table.cell_errors == {}
    assert ws.get("engagement_activities", aid)["number_reached"] == 45


def test_blanking_a_required_cell_is_refused(ws: Workspace) -> None:
    pid = ws.add("people", name="Ana")
    table = EditableTable(ws, "people")
    table.handle({"type": "edit", "id": pid, "column": "name", "value": "  "})
    assert ws.get("people", pid)["name"] == "Ana"
    assert table.cell_errors[cell_key(pid, "name")]["message"] == "a value is required"


def test_edit_of_a_readonly_or_hidden_column_is_ignored(ws: Workspace) -> None:
    pid = ws.add("people", name="Ana", email="a@example.org")
    table = EditableTable(ws, "people", columns=["name", "email"], readonly=["email"])
    assert _spec(table, "email")["readonly"] is True
    table.handle({"type": "edit", "id": pid, "column": "email", "value": "x@example.org"})
    table.handle({"type": "edit", "id": pid, "column": "phone", "value": "555"})
    assert ws.get("people", pid)["email"] == "a@example.org" and ws.get("people", pid)["phone"] is None
    assert table.status_kind == "error"


def test_edit_of_a_record_deleted_elsewhere_reports_and_drops_the_row(ws: Workspace, other_kernel: Workspace) -> None:
    pid = ws.add("people", name="Ana")
    table = EditableTable(ws, "people")
    other_kernel.delete("people", pid)
    table.handle({"type": "edit", "id": pid, "column": "name", "value": "Ana S"})
    assert table.status_kind == "error" and "no person with id" in table.status
    assert table.rows == []


# --- EditableTable: adding, filtering, deleting, paging ---------------------------------------


def test_add_row_uses_where_and_defaults(ws: Workspace) -> None:
    committee = ws.add("groups", name="Advisory committee", kind="advisory_committee")
    team = ws.add("groups", name="Housing team", kind="implementation_team")
    ana = ws.add("people", name="Ana")
    ben = ws.add("people", name="Ben")
    ws.add("memberships", group_id=team, person_id=ben, role="member")
    table = EditableTable(ws, "memberships", where={"group_id": committee}, defaults={"role": "member"})

    assert "group_id" not in table.shown_columns
    assert table.rows == [] and table.new_row["role"] == "member"
    table.handle({"type": "add", "values": {"person_id": ana, "role": "", "seats": ["police", "municipal"]}})

    frame = ws.table("memberships")
    added = frame[frame["person_id"] == ana].iloc[0]
    assert added["group_id"] == committee and added["role"] == "member"
    assert added["seats"] == ["police", "municipal"]
    assert [r["values"]["person_id"] for r in table.rows] == [ana]  # Ben's team membership stays out
    assert table.status == "Added row 1." and table.added_count == 1


def test_refused_add_keeps_the_draft_and_names_each_column(ws: Workspace) -> None:
    table = EditableTable(ws, "engagement_activities")
    sent = {"title": "", "method": "", "number_reached": "-3", "audience": "Seniors"}
    table.handle({"type": "add", "values": sent})
    assert ws.count("engagement_activities") == 0
    assert set(table.add_errors) == {"title", "method", "number_reached"}
    assert table.add_errors["title"] == "a value is required"
    assert table.draft == sent
    assert table.status.startswith("Not added: Title: a value is required")

    table.handle(
        {
            "type": "add",
            "values": {**sent, "title": "Seniors lunch", "method": "focus_session", "number_reached": "12"},
        }
    )
    assert ws.count("engagement_activities") == 1
    assert table.add_errors == {} and table.draft == {} and table.added_count == 1


def test_delete_then_undo_brings_the_row_back(ws: Workspace) -> None:
    pid = ws.add("people", name="Ana")
    table = EditableTable(ws, "people")
    table.handle({"type": "delete", "id": pid})
    assert ws.get("people", pid) is None and table.rows == []
    assert table.undo_label == "Ana (row 1)" and table.status == "Deleted Ana (row 1). Use Undo to bring it back."

    table.handle({"type": "undo"})
    assert ws.get("people", pid)["name"] == "Ana"
    assert [r["id"] for r in table.rows] == [pid]
    assert table.undo_label == "" and table.status == "Restored Ana (row 1)."


def test_delete_of_a_referenced_record_is_refused_unless_cascading(ws: Workspace) -> None:
    group = ws.add("groups", name="Committee", kind="advisory_committee")
    pid = ws.add("people", name="Ana")
    mid = ws.add("memberships", group_id=group, person_id=pid, role="chair")
    table = EditableTable(ws, "people")
    table.handle({"type": "delete", "id": pid})
    assert ws.get("people", pid) is not None
    assert table.status_kind == "error" and "memberships" in table.status and table.undo_label == ""

    cascading = EditableTable(ws, "people", cascade_delete=True)
    cascading.handle({"type": "delete", "id": pid})
    assert ws.get("people", pid) is None and ws.get("memberships", mid) is None
    cascading.handle({"type": "undo"})
    assert ws.get("people", pid) is not None and ws.get("memberships", mid) is not None


def test_paging_and_a_new_row_shows_on_the_last_page(ws: Workspace) -> None:
    with ws.batch():
        for i in range(27):
            ws.add("people", name=f"Person {i:02d}")
    table = EditableTable(ws, "people", page_size=25)
    assert (table.page_count, len(table.rows), table.rows[0]["n"]) == (2, 25, 1)
    table.handle({"type": "page", "page": 1})
    assert table.page == 1 and [r["n"] for r in table.rows] == [26, 27]
    assert table.status == "Page 2 of 2: rows 26 to 27."
    table.handle({"type": "page", "page": 99})
    assert table.page == 1
    table.handle({"type": "page", "page": 0})
    table.handle({"type": "add", "values": {"name": "Newcomer"}})
    assert table.page == 1 and table.rows[-1]["values"]["name"] == "Newcomer" and table.rows[-1]["n"] == 28


def test_unknown_and_malformed_messages_change_nothing(ws: Workspace) -> None:
    ws.add("people", name="Ana")
    table = EditableTable(ws, "people")
    before = ws.last_change()
    for message in ({"type": "drop table"}, {}, {"type": "page", "page": "x"}, {"type": "undo"}):
        table.handle(message)
    table._on_browser_message(table, "not a mapping", [])
    assert ws.last_change() == before and table.page == 0


# --- EditableTable: several people at once ---------------------------------------------------


def test_two_kernels_see_each_others_edits(ws: Workspace, other_kernel: Workspace) -> None:
    pid = ws.add("people", name="Ana")
    mine = EditableTable(ws, "people")
    theirs = EditableTable(other_kernel, "people")

    mine.handle({"type": "edit", "id": pid, "column": "title", "value": "Chair"})
    theirs.handle({"type": "add", "values": {"name": "Ben"}})
    theirs.handle({"type": "refresh"})  # what the browser sends every few seconds
    mine.handle({"type": "refresh"})

    for table in (mine, theirs):
        assert [r["values"]["name"] for r in table.rows] == ["Ana", "Ben"]
        assert table.rows[0]["values"]["title"] == "Chair"


def test_refresh_sends_nothing_when_nothing_changed(ws: Workspace) -> None:
    ws.add("people", name="Ana")
    table = EditableTable(ws, "people")
    changes: list[str] = []
    table.observe(lambda change: changes.append(change["name"]), names=["rows", "column_specs"])
    table.handle({"type": "refresh"})
    assert changes == []


def test_a_form_save_shows_in_the_table_of_the_same_kernel(ws: Workspace) -> None:
    table = EditableTable(ws, "people", refresh_seconds=0)
    form = RecordForm(ws, "people", fields=["name"])
    form.fields["name"].widget.value = "Cleo"
    form.save()
    assert [r["values"]["name"] for r in table.rows] == ["Cleo"]


def test_closed_widgets_stop_listening(ws: Workspace) -> None:
    old = EditableTable(ws, "people", refresh_seconds=0)
    old.close()  # as when a cell is re-run and its widget replaced
    form = RecordForm(ws, "people", fields=["name"])
    form.fields["name"].widget.value = "Dee"
    form.save()
    assert old.rows == []


def test_new_reference_targets_reach_the_dropdown_options(ws: Workspace, other_kernel: Workspace) -> None:
    table = EditableTable(ws, "people")
    other_kernel.add("organizations", name="Food Bank", sector="community_social_services")
    table.handle({"type": "refresh"})
    assert [name for _, name in _spec(table, "organization_id")["options"]] == ["Food Bank"]


# --- EditableTable: safety of the front end and of report mode -------------------------------


def test_hostile_text_travels_as_data_and_is_escaped_in_report_mode(ws: Workspace) -> None:
    org = ws.add("organizations", name=HOSTILE, sector="health")
    pid = ws.add("people", name=HOSTILE, organization_id=org, title='"><script>alert(2)</script>')
    table = EditableTable(ws, "people", labels={"title": "<b>Role</b>"}, caption="<i>People</i>")
    assert _row(table, pid)["values"]["name"] == HOSTILE  # the browser puts it in .value
    html = table.to_html()
    for raw in (HOSTILE, "<script>", "<b>Role</b>", "<i>People</i>"):
        assert raw not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;b&gt;Role&lt;/b&gt;" in html


def test_report_mode_table_never_shows_contact_details(ws: Workspace) -> None:
    ws.add("people", name="Ana", email="ana@example.org", phone="555-0100")
    table = EditableTable(ws, "people", columns=["name", "email", "phone"])
    assert "email" in table.shown_columns  # facilitators may edit contacts in the app...
    html = table.to_html()
    assert "ana@example.org" not in html and "555-0100" not in html  # ...but reports never show them
    assert "Email" not in html and "Ana" in html


def test_front_end_loads_nothing_and_writes_no_markup() -> None:
    for source in (TABLE_ESM, TABLE_CSS):
        assert "http://" not in source and "https://" not in source
        assert "//cdn" not in source and "@import" not in source and "url(" not in source
    assert not re.search(r"^\s*import\s", TABLE_ESM, flags=re.MULTILINE)  # no module imports
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in TABLE_ESM
    # Text reaches the page only as text or attribute values.
    assert "textContent" in TABLE_ESM and "setAttribute" in TABLE_ESM


def test_front_end_names_every_control_and_ties_errors_to_cells() -> None:
    for needle in (
        'h("label", { for: id',
        'setAttribute("aria-invalid", "true")',
        'setAttribute("aria-describedby"',
        'role: "status"',
        '"aria-live": "polite"',
        'h("th", { scope: "col" }',
        'h("th", { scope: "row"',
        'setAttribute("aria-sort"',
        'h("caption")',
        'h("legend"',
    ):
        assert needle in TABLE_ESM, needle


# --- RecordForm ------------------------------------------------------------------------------


def test_form_has_one_labelled_widget_per_column_kind(ws: Workspace) -> None:
    form = RecordForm(ws, "engagement_activities")
    widgets = {name: field.widget for name, field in form.fields.items()}
    assert isinstance(widgets["title"], ipywidgets.Text)
    assert widgets["title"].description == "Title (required)"
    assert isinstance(widgets["method"], ipywidgets.Dropdown)
    assert ("Town hall", "town_hall") in widgets["method"].options
    assert widgets["method"].options[0] == ("(choose one)", "")
    assert isinstance(widgets["date"], IsoDate) and widgets["date"].placeholder == "yyyy-mm-dd"  # ISO, not the locale's
    assert isinstance(widgets["consult_groups"], CheckList)  # checkboxes: no Ctrl-click
    assert ("Youth", "youth") in widgets["consult_groups"].options
    assert isinstance(widgets["accessibility_notes"], ipywidgets.Text)
    for widget in widgets.values():
        assert widget.description.strip(), "every field needs a label"
    assert isinstance(RecordForm(ws, "engagement_periods").fields["findings"].widget, ipywidgets.Textarea)


def test_form_yes_no_and_free_lists(ws: Workspace) -> None:
    form = RecordForm(ws, "risks", fields=["name", "priority", "vulnerable_groups"])
    priority = form.fields["priority"].widget
    assert priority.label == "(not set)" and [label for label, _ in priority.options] == [
        "(not set)",
        "Yes",
        "No",
    ]
    form.fields["name"].widget.value = "Isolation"
    priority.value = True
    form.fields["vulnerable_groups"].widget.value = "seniors; newcomers"
    record = ws.get("risks", form.save() or "")
    assert record["priority"] is True and record["vulnerable_groups"] == ["seniors", "newcomers"]


def test_form_save_adds_a_record_and_clears(ws: Workspace) -> None:
    saved: list[str] = []
    form = RecordForm(ws, "engagement_activities", on_saved=saved.append, defaults={"status": "planned"})
    assert "status" not in form.fields
    form.fields["title"].widget.value = "Youth focus group"
    form.fields["method"].widget.value = "focus_session"
    form.fields["consult_groups"].widget.value = ("youth", "metis")
    form.fields["number_reached"].widget.value = "14"
    record_id = form.save()

    assert saved == [record_id]
    record = ws.get("engagement_activities", record_id)
    assert record["title"] == "Youth focus group" and record["status"] == "planned"
    assert record["consult_groups"] == ["youth", "metis"] and record["number_reached"] == 14
    assert form.fields["title"].widget.value == "" and form.fields["consult_groups"].widget.value == ()
    assert form.fields["method"].widget.label == "(choose one)"
    assert "Saved Youth focus group." in form.status.value and 'role="status"' in form.status.value


def test_form_shows_each_problem_under_its_field_and_keeps_values(ws: Workspace) -> None:
    form = RecordForm(ws, "engagement_activities")
    form.fields["number_reached"].widget.value = "many"
    form.fields["audience"].widget.value = HOSTILE
    assert form.save() is None
    assert ws.count("engagement_activities") == 0
    assert "Title: a value is required" in form.fields["title"].error.value
    assert "whole number" in form.fields["number_reached"].error.value
    assert form.fields["audience"].error.value == ""
    assert form.fields["number_reached"].widget.value == "many"
    assert 'role="alert"' in form.status.value and "3 problems" in form.status.value

    form.fields["title"].widget.value = "Drop-in"
    form.fields["method"].widget.value = "town_hall"
    form.fields["number_reached"].widget.value = "3"
    assert form.save() is not None
    assert all(field.error.value == "" for field in form.fields.values())


def test_form_error_text_is_escaped(ws: Workspace) -> None:
    form = RecordForm(ws, "engagement_activities", fields=["title", "method", "number_reached"])
    form.fields["title"].widget.value = "x"
    form.fields["method"].widget.value = "town_hall"
    form.fields["number_reached"].widget.value = HOSTILE
    form.save()
    assert HOSTILE not in form.fields["number_reached"].error.value
    assert "&lt;img" in form.fields["number_reached"].error.value


def test_form_edits_an_existing_record(ws: Workspace) -> None:
    form = RecordForm(ws, "community", fields=["name", "plan_name", "adoption_date"], record_id="community")
    assert form.fields["name"].widget.value == "Test Town"
    form.fields["plan_name"].widget.value = "Safer Together"
    form.save()
    assert ws.community["plan_name"] == "Safer Together"
    assert form.fields["plan_name"].widget.value == "Safer Together"


def test_form_reference_options_follow_the_workspace(ws: Workspace) -> None:
    form = RecordForm(ws, "people", fields=["name", "organization_id"])
    other = RecordForm(ws, "organizations", fields=["name", "sector"])
    other.fields["name"].widget.value = "Library"
    other.fields["sector"].widget.value = "culture_recreation"
    org = other.save()
    assert ("Library", org) in form.fields["organization_id"].widget.options


# --- Pickers ---------------------------------------------------------------------------------


def test_catalogue_picker_shows_names_and_returns_keys() -> None:
    picker = catalogue_picker("sectors")
    assert isinstance(picker, ipywidgets.Dropdown)
    assert picker.description == "Sectors" and picker.options[0] == ("(none)", "")
    assert picker.value == "" and picker.label == "(none)"  # shown, not an empty box
    picker.value = "police"
    assert picker.label == "Police"
    seats = catalogue_picker("seats", multiple=True, description="Seats filled", value=("police", "nonsense"))
    assert isinstance(seats, CheckList) and seats.value == ("police",)
    assert ("Municipal council member or employee", "municipal") in seats.options
    methods = catalogue_picker("engagement_methods", blank=None, value="webinar")
    assert methods.value == "webinar" and "" not in [key for _, key in methods.options]
    assert len(catalogue_picker("risk_categories").options) == 28
    with pytest.raises(KeyError, match="not a list"):
        catalogue_picker("sectorz")


# --- CoverageIndicator -----------------------------------------------------------------------


def test_seat_coverage_marks_and_unmarks_not_applicable(ws: Workspace) -> None:
    indicator = CoverageIndicator(ws, seat_coverage)
    markable = [key for _, key in indicator.item_picker.options]
    assert markable == ["community_social_services", "children_youth_services", "custodial_youth_services"]
    assert "0 of 7 covered; 7 missing" in indicator.summary.value

    assert indicator.mark_not_applicable("custodial_youth_services", "No custodial youth facility in the county")
    assert indicator.check.not_applicable == ("custodial_youth_services",)
    frame = ws.table("coverage_exemptions")
    assert frame[["list", "key"]].values.tolist() == [["seats", "custodial_youth_services"]]
    assert "No custodial youth facility in the county" in indicator.summary.value
    assert "Not applicable here" in indicator.to_html()
    assert [key for _, key in indicator.marked_picker.options] == ["custodial_youth_services"]

    assert indicator.count_again("custodial_youth_services")
    assert indicator.check.not_applicable == () and ws.count("coverage_exemptions") == 0
    assert indicator.marked_picker.options == () and indicator.count_box.layout.display == "none"


def test_coverage_refuses_unwaivable_items_and_blank_reasons(ws: Workspace) -> None:
    indicator = CoverageIndicator(ws, seat_coverage)
    assert not indicator.mark_not_applicable("police", "We have no police")  # required by law everywhere
    assert "Choose a missing item" in indicator.status.value
    assert not indicator.mark_not_applicable("children_youth_services", "  ")
    assert "Reason: a value is required" in indicator.status.value and 'role="alert"' in indicator.status.value
    assert ws.count("coverage_exemptions") == 0


def test_coverage_buttons_and_filled_seats(ws: Workspace) -> None:
    committee = ws.add("groups", name="Committee", kind="advisory_committee")
    pid = ws.add("people", name="Chief", sector="police")  # only someone from the police sector fills the police seat
    ws.add("memberships", group_id=committee, person_id=pid, role="member", seats=["police"])
    indicator = CoverageIndicator(ws, seat_coverage)
    assert "1 of 7 covered" in indicator.summary.value
    indicator.item_picker.value = "children_youth_services"
    indicator.reason.value = "<b>none</b> here"
    indicator.mark_button.click()
    assert ws.count("coverage_exemptions") == 1
    assert "<b>none</b>" not in indicator.summary.value and "&lt;b&gt;none&lt;/b&gt; here" in indicator.summary.value
    indicator.marked_picker.value = "children_youth_services"
    indicator.count_button.click()
    assert ws.count("coverage_exemptions") == 0


def test_consultation_coverage_updates_after_a_logged_activity(ws: Workspace) -> None:
    indicator = CoverageIndicator(ws, consultation_coverage)
    assert indicator.list_name == "consult_groups" and len(indicator.item_picker.options) == 9
    table = EditableTable(ws, "engagement_activities", refresh_seconds=0)
    table.handle({"type": "add", "values": {"title": "Youth forum", "method": "forum", "consult_groups": ["youth"]}})
    assert "1 of 9 covered" in indicator.summary.value  # the table's save notified the indicator


# --- Guidance and header ---------------------------------------------------------------------


def test_guidance_panel_is_a_native_disclosure() -> None:
    panel = GuidancePanel("buy_in")
    assert isinstance(panel, ipywidgets.HTML)
    assert "<details" in panel.value and "<summary>" in panel.value and " open" not in panel.value
    assert "youth, racialized groups" in panel.value and "Cultural responsiveness" in panel.value
    assert '<details class="cswb-guidance cswb-static" open>' in GuidancePanel("risk", open=True).value
    with pytest.raises(KeyError):
        GuidancePanel("nope")


def test_stage_header_links_the_six_workbooks_and_marks_the_current(ws: Workspace) -> None:
    header = StageHeader(ws, "buy_in")
    hrefs = re.findall(r'<a href="([^"]+)"', header.value)
    assert hrefs == [
        f"{stage}.ipynb?workspace=ws"
        for stage in ("commitment", "buy_in", "risk", "assets", "evaluation", "implementation")
    ]
    markup = header.value.split("</style>", 1)[1]
    assert markup.count('aria-current="page"') == 1
    assert re.search(r'aria-current="page">2\. Creating buy-in<', header.value)
    assert "Test Town" in header.value and "0 of 4 checks complete" in header.value
    custom = StageHeader(ws, "risk", link=lambda stage: f"/apps/{stage}?w=a&b")
    assert 'href="/apps/risk?w=a&amp;b"' in custom.value
    with pytest.raises(KeyError):
        StageHeader(ws, "risks")


def test_stage_header_shows_plan_identity_and_follows_progress(ws: Workspace) -> None:
    header = StageHeader(ws, "commitment")
    ws.update("community", "community", plan_name=HOSTILE, colour_primary="#ffffff", colour_secondary="#00ff00")
    for section in (
        "background_context",
        "goals_purpose",
        "objectives_measures",
        "membership",
        "roles_responsibilities",
    ):
        ws.add("tor_sections", section=section, text="Written")
    header.refresh()
    assert HOSTILE not in header.value and "&lt;img src=x" in header.value
    assert "background:#ffffff;color:#000000;--cswb-accent:#00ff00" in header.value
    assert "1 of 4 checks complete" in header.value
    assert header.to_html() == header.value


def test_a_served_stage_header_computes_in_the_background_and_says_a_failure(ws: Workspace) -> None:
    read = []

    def tables() -> dict[str, Any]:
        read.append(1)
        return {name: ws.table(name) for name in ("community", "tor_sections", "groups", "memberships")}

    header = StageHeader(ws, "commitment", tables=tables, background=True)
    assert header.ready.wait(60), "the header's background computation never finished"
    assert read == [1] and "0 of 4 checks complete" in header.value and header.value == header.to_html()
    ws.add("tor_sections", section="background_context", text="Written")
    header.refresh()  # after a save: at once, in the caller's thread
    assert read == [1, 1, 1] and header.value == header.to_html()

    def broken() -> dict[str, Any]:
        raise RuntimeError("disk gone")

    failed = StageHeader(ws, "commitment", tables=broken, background=True)
    assert failed.ready.wait(60)
    assert 'role="alert"' in failed.value and "Could not recompute this: something went wrong" in failed.value
    assert "disk gone" in failed.value and "Traceback" not in failed.value


# --- The table's front end in Chromium, bridged to the real widget (no Jupyter server) ---------


# A stand-in for anywidget's model: get/on/off like the real one; send() hands the message to
# EditableTable.handle in Python and plays back the traits that changed, as the kernel would.
MOUNT = """async ([esm, css, initial]) => {
  const listeners = {};
  const model = {
    state: initial,
    get(name) { return this.state[name]; },
    on(event, callback) { (listeners[event] ||= []).push(callback); },
    off(event, callback) { listeners[event] = (listeners[event] || []).filter((f) => f !== callback); },
    async send(message) {
      const next = await window.handleInPython(message);
      for (const [name, value] of Object.entries(next)) {
        if (JSON.stringify(value) === JSON.stringify(this.state[name])) continue;
        this.state[name] = value;
        for (const callback of listeners["change:" + name] || []) callback();
      }
    },
  };
  const style = document.createElement("style");
  style.textContent = css;
  document.head.append(style);
  const module = await import(URL.createObjectURL(new Blob([esm], { type: "text/javascript" })));
  module.default.render({ model, el: document.querySelector("main") });
}"""


# Where the list is wider than its box, or a filled cell narrower than its text: [] when none.
NO_OVERFLOW = """() => {
  const out = [];
  for (const list of document.querySelectorAll(".cswb-et-list")) {
    if (list.scrollWidth > list.clientWidth + 1) out.push(`list ${list.scrollWidth} > ${list.clientWidth}`);
  }
  for (const cell of document.querySelectorAll(".cswb-et-table td, .cswb-et-table th, .cswb-et-open")) {
    if (cell.textContent.trim() && cell.scrollWidth > cell.clientWidth + 1) out.push(`cell '${cell.textContent}'`);
  }
  return out;
}"""


def _synced_state(widget: EditableTable) -> dict[str, Any]:
    """The traits EditableTable itself syncs (not ipywidgets' layout and style objects)."""
    return {name: getattr(widget, name) for name in EditableTable.class_own_traits(sync=True)}


@pytest.fixture(scope="module")
def chromium(chromium_browser: Any) -> Any:
    return chromium_browser


@pytest.mark.browser
def test_table_front_end_in_a_browser(chromium: Any, ws: Workspace, other_kernel: Workspace) -> None:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect

    period = ws.add("engagement_periods", name="Spring <b>2024</b>")
    ws.add("engagement_activities", title=HOSTILE, method="survey_online", period_id=period, number_reached=12)
    for i in range(3):
        ws.add("engagement_activities", title=f"Town hall {i}", method="town_hall")
    table = EditableTable(ws, "engagement_activities", page_size=3, refresh_seconds=0.3)

    page = chromium.new_page()
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("dialog", lambda dialog: problems.append(f"dialog: {dialog.message}"))
    page.expose_function("handleInPython", lambda message: (table.handle(message), _synced_state(table))[1])
    page.set_content('<!doctype html><html lang="en"><title>Table</title><main></main></html>')
    page.evaluate(MOUNT, [TABLE_ESM, TABLE_CSS, _synced_state(table)])

    # Hostile text from the workspace shows as text, in the list and in the form.
    page.set_viewport_size({"width": 1366, "height": 768})
    first = page.get_by_role("button", name=re.compile(r", row 1$"))
    expect(first).to_contain_text(HOSTILE)
    assert page.locator("img, script:not([src])").count() == 0
    first.click()
    expect(page.get_by_label("Title, row 1", exact=True)).to_have_value(HOSTILE)
    expect(page.get_by_label("Period, row 1").locator("option:checked")).to_have_text("Spring <b>2024</b>")
    # The list shows the method's catalogue name, never its key.
    expect(page.locator(".cswb-et-table tbody")).to_contain_text("Online survey")
    expect(page.locator(".cswb-et-table tbody")).not_to_contain_text("survey_online")

    # An edit is saved when the field is left, and the live region says so.
    page.get_by_role("button", name=re.compile(r", row 2$")).click()
    page.get_by_label("Title, row 2", exact=True).fill("Town hall, renamed")
    page.keyboard.press("Tab")
    page.get_by_role("status").filter(has_text="Saved Title of Town hall, renamed (row 2).").wait_for()
    assert ws.table("engagement_activities")["title"].tolist()[1] == "Town hall, renamed"

    # Checkbox groups save the whole list, by click alone.
    page.get_by_role("group", name="Consult groups, row 2").get_by_label("Youth").click()
    page.get_by_role("status").filter(has_text="Saved Consult groups").wait_for()
    assert ws.table("engagement_activities")["consult_groups"].tolist()[1] == ["youth"]

    # A refused value stays as typed, marked invalid and described, through periodic refreshes.
    page.get_by_role("button", name=re.compile(r", row 1$")).click()
    reached = page.get_by_label("Number reached, row 1")
    reached.fill("lots")
    reached.press("Tab")
    page.get_by_role("status").filter(has_text="Not saved").wait_for()
    page.wait_for_timeout(800)
    expect(reached).to_have_value("lots")
    expect(reached).to_have_attribute("aria-invalid", "true")
    message = page.locator(f"#{reached.get_attribute('aria-describedby').split()[-1]}")
    expect(message).to_contain_text("whole number")
    reached.fill("12")
    reached.press("Tab")
    page.get_by_role("status").filter(has_text="Saved Number reached").wait_for()

    # Delete moves focus to Undo; Enter on it restores the row.
    page.get_by_role("button", name=re.compile(r", row 3$")).click()
    page.get_by_role("button", name="Delete row 3").click()
    undo = page.get_by_role("button", name="Undo delete of Town hall 1 (row 3)")
    expect(undo).to_be_focused()
    assert ws.count("engagement_activities") == 3
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="Restored").wait_for()
    assert ws.count("engagement_activities") == 4

    # Add row, above the list: a refusal names the fields; a fixed row is added and opened.
    page.get_by_role("button", name="Add row").click()
    page.get_by_role("button", name="Save new row").click()
    page.get_by_role("status").filter(has_text="Not added").wait_for()
    expect(page.get_by_label("New row: Title")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("New row: Title").fill("<script>alert(2)</script>")
    page.get_by_label("New row: Method").select_option(label="One-on-one interview")
    page.get_by_role("button", name="Save new row").click()
    page.get_by_role("status").filter(has_text="Added").wait_for()
    assert ws.count("engagement_activities") == 5
    expect(page.get_by_label("Title, row 5", exact=True)).to_have_value("<script>alert(2)</script>")
    expect(page.get_by_text("Page 2 of 2 (5 rows)")).to_have_count(1)

    # Sorting by a heading, searching and filtering by a catalogue name.
    page.get_by_role("button", name="Close form").click()
    page.get_by_role("button", name="Title", exact=True).click()
    expect(page.get_by_role("columnheader", name="Title")).to_have_attribute("aria-sort", "ascending")
    expect(page.get_by_role("button", name=re.compile(r", row 1$"))).to_contain_text("<img")
    page.get_by_role("button", name="Title", exact=True).click()
    expect(page.get_by_role("columnheader", name="Title")).to_have_attribute("aria-sort", "descending")
    expect(page.get_by_role("button", name=re.compile(r", row 1$"))).to_contain_text("Town hall, renamed")
    page.get_by_label("Search").fill("renamed")
    expect(page.get_by_text("1 row of 5")).to_have_count(1)
    page.get_by_label("Search").fill("")
    page.locator(".cswb-et-tools").get_by_label("Method").select_option(label="Town hall")
    expect(page.get_by_text("3 rows of 5")).to_have_count(1)
    page.locator(".cswb-et-tools").get_by_label("Method").select_option(label="(any)")
    expect(page.get_by_text("Page 1 of 2 (5 rows)")).to_have_count(1)

    # At 1,366 px the list fits its box, and no value is cut off.
    assert page.evaluate(NO_OVERFLOW) == []

    # Another kernel's edit arrives by the periodic refresh.
    activities = ws.table("engagement_activities")
    shown_id = activities.loc[activities["title"] == "Town hall 2", "id"].iloc[0]
    other_kernel.update("engagement_activities", shown_id, title="Town hall 2, from another kernel")
    page.locator("body").click(position={"x": 1, "y": 1})
    expect(page.locator(".cswb-et-table")).to_contain_text("Town hall 2, from another kernel")

    violations = Axe().run(page).response["violations"]
    assert [v["id"] for v in violations if v.get("impact") in ("serious", "critical")] == []
    assert [url for url in requests if not url.startswith(("blob:", "about:", "data:"))] == []
    assert problems == []
    page.close()


def test_the_plan_identity_form_names_its_fields_in_words_in_each_language(ws: Workspace) -> None:
    from cswb_widgets import i18n
    from cswb_widgets.widgets.buy_in import PlanIdentity

    for language, main, accent, name in (("en", "Main colour", "Accent colour", "Plan name"),
                                         ("fr", "Couleur principale", "Couleur d’accent", "Nom du plan")):
        with i18n.use_language(language):
            fields = PlanIdentity(ws).form.fields
        labels = [getattr(f.widget, "description", "") for f in fields.values()]
        assert fields["colour_primary"].widget.description == main, labels
        assert fields["colour_secondary"].widget.description == accent, labels
        assert fields["plan_name"].widget.description == name, labels
        assert not any("olour primary" in label or "olour secondary" in label for label in labels)
