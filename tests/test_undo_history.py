"""Undo that respects others' edits; the history and restore coordinators use (CLI and app)."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sample_workspaces import built

from cswb_widgets.cli import main
from cswb_widgets.errors import InputError
from cswb_widgets.notebooks import APP_ONLY, part_of, read_notebook, tags_of
from cswb_widgets.paths import workbooks_dir
from cswb_widgets.store import Workspace
from cswb_widgets.store.history import changes, deleted_records
from cswb_widgets.store.integrity import integrity_problems
from cswb_widgets.widgets import EditableTable, HistoryPanel
from cswb_widgets.widgets.sections import Deferred
from cswb_widgets.workbooks import CommitmentWorkbook, EvaluationWorkbook


@pytest.fixture
def alex(workspace_factory: Callable[..., Workspace]) -> Workspace:
    """One person's workspace, on SQLite and on PostgreSQL (conftest's `backend`)."""
    return workspace_factory("ws", name="Test Town", actor="Alex")


@pytest.fixture
def bea(alex: Workspace) -> Iterator[Workspace]:
    """Another person, in another kernel, on the same workspace."""
    with Workspace.open(alex.location, actor="Bea") as workspace:
        yield workspace


@pytest.fixture
def town(alex: Workspace) -> dict[str, str]:
    """An organization, a person working there, on a committee, and an action it partners in."""
    org = alex.add("organizations", name="Food Bank", sector="community_social_services")
    person = alex.add("people", name="Jo", organization_id=org, title="Volunteer")
    group = alex.add("groups", name="Advisory committee", kind="advisory_committee")
    membership = alex.add("memberships", group_id=group, person_id=person, role="member")
    action = alex.add("actions", title="Extend hours", partners=[org], lead_organization_id=org)
    return {"org": org, "person": person, "group": group, "membership": membership, "action": action}


def _audit_size(ws: Workspace) -> int:
    return len(ws.history())


# --- undo -----------------------------------------------------------------------------------


def test_undo_of_a_cascade_keeps_a_later_edit_to_another_column(alex: Workspace, bea: Workspace,
                                                                  town: dict[str, str]) -> None:
    change = alex.delete("organizations", town["org"], cascade=True)
    assert alex.get("people", town["person"])["organization_id"] is None
    bea.update("people", town["person"], title="Coordinator", phone="705-555-0101")
    bea.update("actions", town["action"], description="Saturdays too")

    alex.undo(change)

    person = alex.get("people", town["person"])
    assert person["organization_id"] == town["org"]  # the reference the cascade cleared is back
    assert (person["title"], person["phone"]) == ("Coordinator", "705-555-0101")  # Bea's edits stay
    action = alex.get("actions", town["action"])
    assert action["partners"] == [town["org"]] and action["lead_organization_id"] == town["org"]
    assert action["description"] == "Saturdays too"
    assert alex.get("organizations", town["org"])["name"] == "Food Bank"
    assert integrity_problems(alex) == []


def test_undo_is_refused_naming_who_changed_a_touched_value(alex: Workspace, bea: Workspace,
                                                             town: dict[str, str]) -> None:
    change = alex.delete("organizations", town["org"], cascade=True)
    library = bea.add("organizations", name="Public Library", sector="education")
    bea.update("people", town["person"], organization_id=library)
    audit = _audit_size(alex)

    with pytest.raises(InputError) as refused:
        alex.undo(change)

    message = str(refused.value)
    assert "\n" not in message
    assert "Bea changed the organization of person “Jo”" in message
    assert town["person"] not in message and library not in message  # labels, not ids
    # Nothing was written: the organization stays deleted, Bea's choice stands, no audit entry.
    assert alex.get("organizations", town["org"]) is None
    assert alex.get("people", town["person"])["organization_id"] == library
    assert _audit_size(alex) == audit


def test_undo_of_an_update_reverts_only_its_own_columns(alex: Workspace, bea: Workspace) -> None:
    risk = alex.add("risks", name="Housing", category="housing", evidence="PiT count")
    alex.update("risks", risk, name="Housing instability")
    change = alex.last_change()
    bea.update("risks", risk, evidence="PiT count up 30%")

    assert change is not None
    alex.undo(change)

    record = alex.get("risks", risk)
    assert (record["name"], record["evidence"]) == ("Housing", "PiT count up 30%")


def test_undo_refused_when_the_same_column_was_changed_since(alex: Workspace, bea: Workspace) -> None:
    risk = alex.add("risks", name="Housing", category="housing")
    alex.update("risks", risk, name="Housing instability")
    change = alex.last_change()
    bea.update("risks", risk, name="Housing and homelessness")

    assert change is not None
    with pytest.raises(InputError, match="Bea changed the name of risk “Housing and homelessness”"):
        alex.undo(change)
    assert alex.get("risks", risk)["name"] == "Housing and homelessness"


def test_undo_of_an_add_refused_once_someone_refers_to_it(alex: Workspace, bea: Workspace) -> None:
    person = alex.add("people", name="Sam")
    change = alex.last_change()
    group = bea.add("groups", name="Housing table", kind="implementation_team")
    bea.add("memberships", group_id=group, person_id=person, role="chair")

    assert change is not None
    with pytest.raises(InputError) as refused:
        alex.undo(change)
    assert "Bea set the person of membership “Housing table · Sam”" in str(refused.value)
    assert "which refers to person “Sam”" in str(refused.value)
    assert alex.get("people", person) is not None


def test_undo_of_a_delete_refused_when_deleted_again_by_someone_else(alex: Workspace, bea: Workspace) -> None:
    risk = alex.add("risks", name="Gangs", category="gangs")
    change = alex.delete("risks", risk)
    bea.restore("risks", risk)
    bea.update("risks", risk, name="Youth gangs")
    bea.delete("risks", risk)

    with pytest.raises(InputError, match="Bea deleted risk “Youth gangs”"):
        alex.undo(change)
    assert alex.get("risks", risk) is None


def test_cascade_delete_then_later_edit_then_undo_brings_back_the_whole_tree(
    alex: Workspace, bea: Workspace, town: dict[str, str]
) -> None:
    change = alex.delete("people", town["person"], cascade=True)  # the membership goes with the person
    assert alex.get("memberships", town["membership"]) is None
    bea.update("groups", town["group"], name="CSWB advisory committee")

    alex.undo(change)

    assert alex.get("memberships", town["membership"])["person_id"] == town["person"]
    assert alex.get("groups", town["group"])["name"] == "CSWB advisory committee"
    # ... unless what the membership belongs to was deleted since: then the refusal says so.
    change = alex.delete("people", town["person"], cascade=True)
    bea.delete("groups", town["group"])
    with pytest.raises(InputError, match="refers to the group “CSWB advisory committee”, deleted by Bea"):
        alex.undo(change)
    assert alex.get("people", town["person"]) is None


def test_undo_of_an_undo_redoes_the_change(alex: Workspace, town: dict[str, str]) -> None:
    change = alex.delete("organizations", town["org"], cascade=True)
    undo = alex.undo(change)
    alex.undo(undo)
    assert alex.get("organizations", town["org"]) is None
    assert alex.get("people", town["person"])["organization_id"] is None
    assert alex.get("actions", town["action"])["partners"] == []


# --- history --------------------------------------------------------------------------------


def test_history_names_who_changed_what_with_labels(alex: Workspace, bea: Workspace, town: dict[str, str]) -> None:
    bea.update("people", town["person"], title="Coordinator", phone="705-555-0101")
    alex.delete("memberships", town["membership"])

    latest = changes(alex, limit=2)
    assert [(c.actor, c.what) for c in latest] == [
        ("Alex", "deleted membership “Advisory committee · Jo”"),
        ("Bea", "changed person “Jo”: title, phone"),
    ]
    assert [c.what for c in changes(alex, table="people", record_id=town["person"])] == [
        "changed person “Jo”: title, phone", "added person “Jo”"
    ]
    deleted = deleted_records(alex)
    assert [(d.table, d.record_id, d.what, d.actor) for d in deleted] == [
        ("memberships", town["membership"], "membership “Advisory committee · Jo”", "Alex")
    ]


# --- the command line -----------------------------------------------------------------------


def test_cli_history_lists_changes_and_how_to_restore(alex: Workspace, bea: Workspace, town: dict[str, str],
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    bea.delete("groups", town["group"], cascade=True)

    assert main(["history", alex.location, "--limit", "3"]) == 0

    out = capsys.readouterr().out.splitlines()
    changes_listed = out[: out.index("")]
    assert len(changes_listed) == 3
    assert changes_listed[0].endswith("Bea   deleted group “Advisory committee”")
    assert changes_listed[1].endswith("Bea   deleted membership “Advisory committee · Jo”")
    assert shlex.join(["cswb", "restore", alex.location, "groups", town["group"]]) in "\n".join(out)
    assert main(["history", alex.location, "--table", "people", "--record", town["person"]]) == 0
    assert [line.split("  ")[-1] for line in capsys.readouterr().out.splitlines()] == ["added person “Jo”"]


def test_cli_history_refuses_an_unknown_table_in_one_line(alex: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", alex.location, "--table", "peple"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("cswb: error: unknown table 'peple'; expected one of: community")


def test_cli_restore_brings_a_record_back_or_says_what_is_missing(
    alex: Workspace, bea: Workspace, town: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    bea.delete("groups", town["group"], cascade=True)
    before = _audit_size(alex)

    assert main(["restore", alex.location, "memberships", town["membership"]]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "cswb: error: cannot restore membership “Advisory committee · Jo”: it refers to the group "
        f"“Advisory committee”, deleted by Bea ({changes(alex, limit=1)[0].when}); restore that first"
    ]
    assert _audit_size(alex) == before and alex.get("memberships", town["membership"]) is None

    assert main(["restore", alex.location, "groups", town["group"]]) == 0
    assert main(["restore", alex.location, "memberships", town["membership"]]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith("restored membership “Advisory committee · Jo” (as ")
    assert alex.get("memberships", town["membership"])["group_id"] == town["group"]
    assert main(["restore", alex.location, "memberships", town["membership"]]) == 1
    assert "no deleted membership with id" in capsys.readouterr().err


def test_undo_restores_values_of_every_column_kind_exactly(alex: Workspace, bea: Workspace) -> None:
    square = {"type": "Polygon", "coordinates": [[[-80.3, 43.5], [-80.2, 43.5], [-80.2, 43.6], [-80.3, 43.5]]]}
    area = alex.add("areas", name="Ward 1", kind="ward", geometry=json.dumps(square), population=1200)
    risk = alex.add("risks", name="Housing", category="housing", priority=True, vulnerable_groups=["youth"])
    indicator = alex.add("indicators", risk_id=risk, indicator="Shelter beds used", year=2023, value=1234.5)
    with alex.batch("many kinds") as ws:
        ws.update("areas", area, population=1300, geometry=None)
        ws.update("risks", risk, priority=False, vulnerable_groups=["youth", "seniors"])
        ws.update("indicators", indicator, value=99.25, year=2024)
        ws.update("community", "community", adoption_date="2025-06-01")
    change = alex.last_change()
    bea.update("indicators", indicator, source="Shelter system")
    bea.update("risks", risk, evidence="Waiting list up 40%")

    assert change is not None and changes(alex, table="areas", limit=1)[0].what == (
        "changed area “Ward 1”: population, geometry"
    )
    alex.undo(change)

    assert alex.get("areas", area)["population"] == 1200 and json.loads(alex.get("areas", area)["geometry"]) == square
    restored = alex.get("risks", risk)
    assert (restored["priority"], restored["vulnerable_groups"], restored["evidence"]) == (
        True, ["youth"], "Waiting list up 40%"
    )
    kept = alex.get("indicators", indicator)
    assert (kept["value"], kept["year"], kept["source"]) == (1234.5, 2023, "Shelter system")
    assert alex.community["adoption_date"] is None


# --- the apps -------------------------------------------------------------------------------


def test_history_panel_restores_a_deleted_record_or_says_why_not(alex: Workspace, bea: Workspace,
                                                                  town: dict[str, str]) -> None:
    bea.delete("groups", town["group"], cascade=True)  # the membership goes with it
    panel = HistoryPanel(alex)
    assert set(panel.restore_buttons) == {("groups", town["group"]), ("memberships", town["membership"])}
    assert "Bea" in panel.changes_view.value and "deleted group “Advisory committee”" in panel.changes_view.value
    membership_button = panel.restore_buttons[("memberships", town["membership"])]
    assert membership_button.description == "Restore membership “Advisory committee · Jo”"

    membership_button.click()  # its group is still deleted: refused, and the panel says why

    assert alex.get("memberships", town["membership"]) is None
    assert 'role="alert"' in panel.status.value
    assert "Not restored: cannot restore membership “Advisory committee · Jo”" in panel.status.value
    assert "deleted by Bea" in panel.status.value

    panel.restore_buttons[("groups", town["group"])].click()
    panel.restore_buttons[("memberships", town["membership"])].click()

    assert alex.get("memberships", town["membership"])["group_id"] == town["group"]
    assert panel.restore_buttons == {} and "No deleted records" in panel.deleted_heading.value
    assert 'role="status"' in panel.status.value and "Restored membership" in panel.status.value
    assert "Alex" in panel.changes_view.value and "restored membership" in panel.changes_view.value


def test_history_panel_escapes_what_people_typed(alex: Workspace) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    rid = alex.add("risks", name=hostile, category="housing")
    alex.delete("risks", rid)
    with alex.acting_as(hostile):
        alex.add("risks", name="Safe", category="housing")
    panel = HistoryPanel(alex)
    shown = panel.changes_view.value + "".join(row.children[1].value for row in panel.deleted_rows.children)
    assert "<img" not in shown and "&lt;img" in shown


def test_table_undo_refusal_names_the_later_change(alex: Workspace, bea: Workspace, town: dict[str, str]) -> None:
    table = EditableTable(alex, "organizations", cascade_delete=True)
    table.handle({"type": "delete", "id": town["org"]})
    bea.update("actions", town["action"], partners=[bea.add("organizations", name="Library", sector="education")])

    table.handle({"type": "undo"})

    assert table.status_kind == "error"
    assert table.status.startswith("Could not undo: it would overwrite what changed since: Bea changed the partners of "
                                   "action “Extend hours”")
    assert alex.get("organizations", town["org"]) is None
    assert table.undo_label != ""  # still offered: Bea may undo hers first


def test_commitment_workbook_shows_the_history_panel_in_the_app_only(alex: Workspace, town: dict[str, str]) -> None:
    alex.delete("risks", alex.add("risks", name="Gangs", category="gangs"))
    section = CommitmentWorkbook(alex, "app").history()
    assert isinstance(section, Deferred) and isinstance(section.content, HistoryPanel)
    assert list(section.content.restore_buttons) == [("risks", alex.history("risks")["record_id"].iloc[-1])]
    printed = CommitmentWorkbook(alex, "report").history()
    assert "deleted risk “Gangs”" in printed.data and "<table" in printed.data
    cells = [c for c in read_notebook(workbooks_dir() / "commitment.ipynb")["cells"] if part_of(c) == "history"]
    assert len(cells) == 1 and APP_ONLY in tags_of(cells[0])  # the plan never prints the history


def test_undo_and_restore_refused_when_someone_reused_a_unique_name(alex: Workspace, bea: Workspace) -> None:
    ward = alex.add("areas", name="Ward 1", kind="ward")
    change = alex.delete("areas", ward)
    bea.add("areas", name="Ward 1", kind="ward", population=900)

    with pytest.raises(InputError, match=r"it would overwrite what changed since: Bea added area “Ward 1” with the "
                                         r"same kind and name \("):
        alex.undo(change)
    with pytest.raises(InputError, match=r"cannot restore area “Ward 1”: Bea added area “Ward 1” with the same kind "
                                         r"and name \(.*\); rename or delete one of them first"):
        alex.restore("areas", ward)
    assert alex.get("areas", ward) is None and alex.count("areas") == 1


def test_evaluation_adoption_undo_refused_after_a_later_edit_and_kept_to_try_again(maple: Path) -> None:
    book = EvaluationWorkbook.open(maple, "app")
    panel = built(book.adopt_assets())
    panel.risk.value = "risk-mha"
    panel.asset.value = next(value for _label, value in panel.asset.options if value)
    created = panel.adopt()
    with Workspace.open(maple, actor="Bea") as bea:
        bea.update("strategies", created[0], description="Drop-in hours for youth")

        assert not panel.undo()

        assert "Could not undo: it would overwrite what changed since: Bea changed the description of strategy" in (
            panel.status.value)
        assert book.ws.exists("strategies", created[0])
        assert panel.undo_button.layout.display != "none"  # still offered once Bea's change is taken back
        bea.undo(bea.last_change() or "")
    assert panel.undo() and not book.ws.exists("strategies", created[0])


def test_an_update_logged_as_a_restore_by_the_old_undo_is_undone_as_an_update(alex: Workspace) -> None:
    risk = alex.add("risks", name="Housing", category="housing")
    alex.update("risks", risk, name="Housing instability")
    with alex.batch("undo (as the old undo logged it)"):
        before = alex.get("risks", risk)
        alex._conn.execute("UPDATE risks SET name = 'Housing' WHERE id = ?", (risk,))
        alex._audit("restore", "risks", risk, before, {**before, "name": "Housing"})
    legacy = alex.last_change()

    assert legacy is not None
    alex.undo(legacy)

    assert alex.get("risks", risk)["name"] == "Housing instability"  # not deleted: it never was
