"""The workspace store: edits, validation, audit and undo, transactions, processes, migrations."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from store_backends import another_writer_holds, set_stored_schema_version

from cswb_widgets.errors import CswbWarning, InputError, WorkspaceError
from cswb_widgets.store import SCHEMA_VERSION, Workspace
from cswb_widgets.store.integrity import integrity_problems
from cswb_widgets.store.tabular import export_csv

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def ws(workspace_factory: Callable[..., Workspace]) -> Workspace:
    """A new workspace, on SQLite and on PostgreSQL (conftest's `backend`)."""
    return workspace_factory("ws", name="Test Town", kind="municipality", actor="Tester")


def _snapshot(ws: Workspace, folder: Path) -> dict[str, bytes]:
    export_csv(ws, folder)
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_add_get_update_typed_values(ws: Workspace) -> None:
    rid = ws.add("risks", name="Housing instability", category="housing", priority="yes",
                 vulnerable_groups=["youth leaving care", "seniors; living alone"])
    ws.update("risks", rid, evidence="Point-in-time count up 30%")
    record = ws.get("risks", rid)
    assert record is not None
    assert record["priority"] is True
    assert record["vulnerable_groups"] == ["youth leaving care", "seniors; living alone"]
    assert record["evidence"] == "Point-in-time count up 30%"
    frame = ws.table("risks")
    assert frame["priority"].dtype == "boolean"
    ws.add("indicators", risk_id=rid, indicator="Shelter beds used", year="2023", value="1,234.5")
    indicators = ws.table("indicators")
    assert indicators["year"].dtype == "Int64" and indicators.loc[0, "year"] == 2023
    assert indicators.loc[0, "value"] == pytest.approx(1234.5)


def test_choice_accepts_display_names_and_stores_keys(ws: Workspace) -> None:
    aid = ws.add("assets", name="Food bank", planning_areas=["Social development", "risk intervention"])
    assert ws.get("assets", aid)["planning_areas"] == ["social_development", "risk_intervention"]


@pytest.mark.parametrize(
    ("table", "fields", "message"),
    [
        ("risks", {"category": "housing"}, "column 'name': a value is required"),
        ("indicators", {"indicator": "x", "year": "2023.5", "value": 1},
         "column 'year': expected a whole number at least 1800 and at most 2200, got '2023.5'"),
        ("votes", {"risk_id": "r", "participant": "a", "value": 9},
         "column 'value': expected a whole number at least 1 and at most 5, got '9'"),
        ("member_communities", {"name": "X", "kind": "city"},
         "column 'kind': expected one of: municipality, first_nation, joint_plan, got 'city'"),
        ("milestones", {"title": "Report", "kind": "progress_report", "due": "2024-02-30"},
         "column 'due': expected a date as YYYY-MM-DD, got '2024-02-30'"),
        ("risks", {"name": "R", "id": "has space"},
         "column 'id': expected an id of letters, digits and . _ : - (at most 64, starting with a letter or digit), got 'has space'"),
    ],
)
def test_bad_values_are_refused_with_the_column_and_expectation(
    ws: Workspace, table: str, fields: dict, message: str
) -> None:
    before = ws.history()
    with pytest.raises(InputError) as caught:
        ws.add(table, **fields)
    assert str(caught.value.problems[0]) == message
    assert len(ws.history()) == len(before)


def test_reference_to_missing_record_is_refused(ws: Workspace) -> None:
    with pytest.raises(InputError, match="column 'risk_id': expected the id of an existing risks record, got 'nope'"):
        ws.add("indicators", risk_id="nope", indicator="x", year=2020, value=1)
    assert ws.count("indicators") == 0


def test_unique_constraint_names_the_duplicate(ws: Workspace) -> None:
    rid = ws.add("risks", name="R")
    ws.add("votes", risk_id=rid, participant="Ana", value=3)
    with pytest.raises(InputError, match=r"duplicate: another votes record already has risk_id='.*', participant='Ana'"):
        ws.add("votes", risk_id=rid, participant="Ana", value=5)
    assert ws.table("votes")["value"].tolist() == [3]


def test_audit_trail_records_who_and_what(ws: Workspace) -> None:
    rid = ws.add("risks", name="Gangs", category="gangs")
    ws.update("risks", rid, name="Youth gang involvement")
    history = ws.history("risks", rid)
    assert history["action"].tolist() == ["insert", "update"]
    assert set(history["actor"]) == {"Tester"}
    assert json.loads(history["before"].iloc[1])["name"] == "Gangs"
    assert json.loads(history["after"].iloc[1])["name"] == "Youth gang involvement"
    ws.update("risks", rid, name="Youth gang involvement")  # no change: no audit noise
    assert len(ws.history("risks", rid)) == 2


def test_delete_is_refused_while_referenced_then_cascades_and_undoes(ws: Workspace) -> None:
    org = ws.add("organizations", name="Food Bank", sector="community_social_services")
    person = ws.add("people", name="Jo", organization_id=org)
    committee = ws.add("groups", name="Advisory committee", kind="advisory_committee")
    ws.add("memberships", group_id=committee, person_id=person, role="member", seats=["municipal"])
    action = ws.add("actions", title="Extend hours", partners=[org])
    with pytest.raises(InputError, match=r"cannot delete people '.*': 1 memberships record"):
        ws.delete("people", person)
    change = ws.delete("organizations", org, cascade=True)
    assert ws.get("organizations", org) is None
    assert ws.get("people", person)["organization_id"] is None  # optional reference cleared
    assert ws.get("actions", action)["partners"] == []
    ws.undo(change)
    assert ws.get("organizations", org)["name"] == "Food Bank"
    assert ws.get("people", person)["organization_id"] == org
    assert ws.get("actions", action)["partners"] == [org]
    change = ws.delete("people", person, cascade=True)
    assert ws.count("memberships") == 0  # required reference: the membership goes too
    ws.undo(change)
    assert ws.count("memberships") == 1
    assert integrity_problems(ws) == []


def test_batch_is_all_or_nothing(ws: Workspace) -> None:
    with pytest.raises(InputError) as caught, ws.batch("two risks and a bad one"):  # noqa: PT012 - the batch is what fails
        ws.add("risks", name="A")
        ws.add("risks", name="B")
        ws.add("risks", name="")
    assert "a value is required" in str(caught.value)
    assert ws.count("risks") == 0


def test_newer_schema_is_refused(ws: Workspace) -> None:
    set_stored_schema_version(ws, SCHEMA_VERSION + 1)
    ws.close()
    with pytest.raises(WorkspaceError, match="written by a newer CSWB Workbook"):
        Workspace.open(ws.location)


def test_not_a_workspace(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="no workspace here"):
        Workspace.open(tmp_path)
    (tmp_path / "workspace.sqlite").write_text("this is not a database")
    with pytest.raises(WorkspaceError, match="not a workspace database"):
        Workspace.open(tmp_path)


def _first_version_workspace(folder: Path) -> Path:
    """The fixture workspace as schema version 1 wrote it; returns its database file."""
    db = folder / "workspace.sqlite"
    folder.mkdir()
    conn = sqlite3.connect(db)
    conn.executescript((FIXTURES / "workspace-v1.sql").read_text())
    conn.close()
    return db


def test_migration_from_first_version(tmp_path: Path) -> None:
    db = _first_version_workspace(tmp_path / "old")
    assert "plan_name" not in {r[1] for r in sqlite3.connect(db).execute("PRAGMA table_info(community)")}
    ws = Workspace.open(db.parent, actor="Upgrader")
    assert ws.schema_version == SCHEMA_VERSION
    community = ws.community
    assert community["name"] == "Old Harbour" and community["population"] == 21000
    assert community["plan_name"] == "Old Harbour Community Safety and Well-Being Plan"
    assert community["adoption_date"] == dt.date(2021, 3, 15)
    assert ws.get("risks", "risk-housing")["vulnerable_groups"] == ["youth leaving care", "seniors"]
    assert ws.table("indicators")["value"].tolist() == [41.0]
    assert ws.get("people", "p-1")["email"] == "sam@example.org"
    assert len(ws.history()) == 1  # the old audit trail is kept
    with pytest.warns(CswbWarning, match=f"upgraded this workspace from schema 1 to {SCHEMA_VERSION}"):
        ws.update("community", "community", colour_primary="#1f5c99")
    assert ws.community["colour_primary"] == "#1f5c99"
    assert ws.stored_schema_version == SCHEMA_VERSION
    assert integrity_problems(ws) == []


_WRITER = textwrap.dedent(
    """
    import sys
    from cswb_widgets.store import Workspace
    ws = Workspace.open(sys.argv[1], actor=sys.argv[2])
    for i in range(int(sys.argv[3])):
        ws.add("feedback", text=f"{sys.argv[2]} item {i}")
    """
)


@pytest.mark.slow
def test_four_processes_write_at_once_and_every_write_lands(ws: Workspace) -> None:
    per_process = 150
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, ws.location, f"writer{n}", str(per_process)],
                         stderr=subprocess.PIPE, text=True)
        for n in range(4)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    feedback = ws.table("feedback")
    assert len(feedback) == 4 * per_process
    assert len(set(feedback["text"])) == 4 * per_process
    assert ws.history("feedback")["actor"].value_counts().to_dict() == {f"writer{n}": per_process for n in range(4)}


@pytest.mark.slow
def test_sigkill_in_the_middle_of_an_import_leaves_the_workspace_as_before(ws: Workspace, tmp_path: Path) -> None:
    ws.add("risks", id="risk-1", name="Existing risk")
    ws.add("feedback", text="already here")
    before = _snapshot(ws, tmp_path / "before")
    big = tmp_path / "feedback.csv"
    with big.open("w", encoding="utf-8") as handle:
        handle.write("text,date\n")
        for i in range(200_000):
            handle.write(f"comment number {i},2024-05-01\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "cswb_widgets.cli", "import", ws.location, str(big)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not another_writer_holds(ws):
        assert proc.poll() is None, "the import ended before it took the write lock"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.3)  # well inside the import: it is writing rows now
    assert proc.poll() is None, "the import finished before it could be killed; make the file larger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    reopened = Workspace.open(ws.location)
    assert _snapshot(reopened, tmp_path / "after") == before
    assert reopened.count("feedback") == 1
    reopened.add("feedback", text="the workspace still takes edits")
    assert reopened.count("feedback") == 2


def test_workspaces_opened_at_once_on_an_old_file_migrate_once(tmp_path: Path) -> None:
    db = _first_version_workspace(tmp_path / "old")
    first, second = Workspace.open(db.parent), Workspace.open(db.parent)
    assert first.schema_version == second.schema_version == SCHEMA_VERSION
    assert second.community["plan_name"].startswith("Old Harbour")
    with pytest.warns(CswbWarning, match=f"from schema 1 to {SCHEMA_VERSION}"):
        first.add("risks", name="Written by the first")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the second finds the file upgraded: no second upgrade, no warning
        second.add("risks", name="Written by the second")
    assert sorted(p.name for p in db.parent.glob("*.backup-*")) == ["workspace.backup-v1.sqlite"]
    assert first.count("risks") == second.count("risks") == 4


def test_dataframe_types_for_analysts(ws: Workspace) -> None:
    ws.update("community", "community", adoption_date="2024-06-01", population=12000)
    frame = ws.table("community")
    assert pd.api.types.is_datetime64_any_dtype(frame["adoption_date"])
    assert frame.loc[0, "adoption_date"] == pd.Timestamp("2024-06-01")
    assert frame["population"].dtype == "Int64"


def test_restore_one_deleted_record(ws: Workspace) -> None:
    rid = ws.add("risks", name="Loneliness among seniors", category="social_environment")
    ws.delete("risks", rid)
    assert ws.get("risks", rid) is None
    assert ws.table("risks", include_deleted=True)["deleted_at"].notna().tolist() == [True]
    ws.restore("risks", rid)
    assert ws.get("risks", rid)["name"] == "Loneliness among seniors"
    assert ws.history("risks", rid)["action"].tolist() == ["insert", "delete", "restore"]
    with pytest.raises(InputError, match="no deleted risk with id"):
        ws.restore("risks", rid)
