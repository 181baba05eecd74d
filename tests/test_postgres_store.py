"""The store on PostgreSQL only: many communities in one database, concurrent writers, a killed
import, `cswb migrate` from SQLite. (The shared store tests run on both backends: test_store.py,
test_undo_history.py, test_versions.py, test_store_threads.py.)"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from store_backends import new_community_url, set_stored_schema_version

from cswb_widgets.cli import main
from cswb_widgets.errors import InputError, WorkspaceError
from cswb_widgets.paths import samples_dir
from cswb_widgets.store import SCHEMA_VERSION, Workspace
from cswb_widgets.store.copy import copied_tables
from cswb_widgets.store.integrity import integrity_problems
from cswb_widgets.store.postgres import list_communities
from cswb_widgets.store.versions import list_versions, version_tables

pytestmark = pytest.mark.postgres


def _database_state(base: str) -> dict[str, Any]:
    """What the database holds outside any one test's community: its schemas and the registry."""
    with contextlib.closing(psycopg.connect(base)) as raw:
        schemas = sorted(r[0] for r in raw.execute("SELECT nspname FROM pg_namespace"))
        registry = raw.execute("SELECT to_regclass('cswb.communities')").fetchone()
        communities = sorted(r[0] for r in raw.execute("SELECT slug FROM cswb.communities")) if registry[0] else []
        return {"schemas": schemas, "communities": communities}


def test_one_database_holds_many_communities_each_sees_only_its_own(postgres_url: str) -> None:
    first_url, second_url = new_community_url(postgres_url, "north"), new_community_url(postgres_url, "south")
    with Workspace.create(first_url, name="North Bay", actor="Ann") as north, \
            Workspace.create(second_url, name="South River", actor="Ben") as south:
        north.add("risks", id="r1", name="Housing instability")
        south.add("risks", id="r1", name="Isolation of seniors")  # the same id: another community's record
        assert north.table("risks")["name"].tolist() == ["Housing instability"]
        assert south.table("risks")["name"].tolist() == ["Isolation of seniors"]
        assert north.history("risks")["actor"].tolist() == ["Ann"]
    slugs = list_communities(postgres_url)
    assert first_url.rsplit("=", 1)[1] in slugs and second_url.rsplit("=", 1)[1] in slugs
    with pytest.raises(WorkspaceError, match="a workspace already exists here"):
        Workspace.create(first_url, name="Again")
    with pytest.raises(WorkspaceError, match="no workspace here"):
        Workspace.open(new_community_url(postgres_url, "nowhere"))


def test_a_url_without_a_proper_community_is_refused_in_one_line(postgres_url: str) -> None:
    for url in (postgres_url, f"{postgres_url}?community=Has Spaces", f"{postgres_url}?community=a&community=b"):
        with pytest.raises(WorkspaceError, match=r"expected one community named in the URL as \?community=<name>"):
            Workspace.open(url)


def test_each_community_keeps_its_schema_version_and_an_older_one_is_upgraded_in_one_transaction(
        postgres_url: str) -> None:
    old_url, current_url = new_community_url(postgres_url, "old"), new_community_url(postgres_url, "current")
    with Workspace.create(old_url, name="Old Harbour") as old, Workspace.create(current_url, name="New Town"):
        old.add("commitment_evidence", kind="council_resolution", date="2024-05-28",
                description="Council adopted the plan.", reference="Resolution 2024-61")
        old._conn.execute("UPDATE commitment_evidence SET resolution_kind = NULL")  # as schema 2 left it
        set_stored_schema_version(old, 2)
    with pytest.raises(WorkspaceError, match="has schema 2 and needs an upgrade to"):
        Workspace.open(old_url, read_only=True)
    assert Workspace.open(current_url, read_only=True).schema_version == SCHEMA_VERSION  # the other is untouched
    upgraded = Workspace.open(old_url)  # a writable open upgrades it: schema 2's step runs again on its data
    assert upgraded.schema_version == SCHEMA_VERSION
    assert upgraded.table("commitment_evidence")["resolution_kind"].tolist() == ["adoption"]
    set_stored_schema_version(upgraded, SCHEMA_VERSION + 1)
    with pytest.raises(WorkspaceError, match="written by a newer CSWB Workbook"):
        Workspace.open(old_url)


@pytest.mark.slow
def test_an_adopted_version_is_never_changed_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    url = new_community_url(postgres_url, "maple")
    assert main(["init", url, "--from", "maple-falls"]) == 0
    ws = Workspace.open(url, actor="Clerk")
    (version,) = list_versions(ws)
    assert version.label == "2024 plan"
    assert len(version_tables(ws, 1)["actions"]) == len(ws.table("actions"))
    for statement in ("UPDATE plan_versions SET label = 'forged'", "DELETE FROM plan_versions"):
        with pytest.raises(psycopg.errors.RaiseException, match="never"):
            ws._conn.execute(statement)
    with pytest.raises(InputError, match="never taken back"):
        ws.undo(ws.history("plan_versions")["change_id"].iloc[-1])
    assert integrity_problems(ws) == []
    assert main(["export", url, str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "actions.csv").read_text(encoding="utf-8").count("\n") == len(ws.table("actions")) + 1


@pytest.mark.slow
def test_fifty_writers_times_a_hundred_edits_lose_nothing(postgres_url: str) -> None:
    """Half the edits add a record; half read the shared counter and write it plus one, in one batch:
    a writer that read a value another had not committed yet would lose an increment."""
    url = new_community_url(postgres_url, "writers")
    Workspace.create(url, name="Busy Town", actor="Setup").update("community", "community", population=0)
    writers, edits = 50, 100
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def write(n: int) -> None:
        try:
            with Workspace.open(url, actor=f"writer{n:02d}") as ws:
                start.wait()
                for i in range(edits):
                    if i % 2:
                        ws.add("feedback", text=f"writer {n} note {i}")
                    else:
                        with ws.batch("count one more"):
                            ws.update("community", "community", population=ws.community["population"] + 1)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    ws = Workspace.open(url)
    assert ws.community["population"] == writers * edits // 2
    assert ws.count("feedback") == writers * edits // 2
    assert len(set(ws.table("feedback")["text"])) == writers * edits // 2
    per_writer = ws.history()["actor"].value_counts().to_dict()
    assert all(per_writer[f"writer{n:02d}"] == edits for n in range(writers)), per_writer


def _bundle_with_many_comments(folder: Path, comments: int) -> Path:
    shutil.copytree(samples_dir() / "whitebirch-lake", folder)
    (folder / "plan_versions.json").unlink(missing_ok=True)
    with (folder / "feedback.csv").open("w", encoding="utf-8") as handle:
        handle.write("text,date\n")
        for i in range(comments):
            handle.write(f"comment number {i},2024-05-01\n")
    return folder


def _another_session_holds_a_lock(base: str) -> bool:
    with contextlib.closing(psycopg.connect(base, autocommit=True)) as raw:
        row = raw.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()"
                          ).fetchone()
        return bool(row and row[0])


@pytest.mark.slow
def test_a_killed_import_leaves_the_database_unchanged(postgres_url: str, tmp_path: Path) -> None:
    Workspace.create(new_community_url(postgres_url, "neighbour"), name="Neighbour").close()
    before = _database_state(postgres_url)
    bundle = _bundle_with_many_comments(tmp_path / "bundle", 200_000)
    url = new_community_url(postgres_url, "killed")
    proc = subprocess.Popen([sys.executable, "-m", "cswb_widgets.cli", "init", url, "--from", str(bundle)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not _another_session_holds_a_lock(postgres_url):  # the build's transaction has begun
        assert proc.poll() is None, f"the import ended before it began writing: {proc.stderr.read()!r}"  # type: ignore[union-attr]
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(1.0)  # well inside the import: it is writing rows now
    assert proc.poll() is None, "the import finished before it could be killed; make the file larger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 60
    while _another_session_holds_a_lock(postgres_url):  # the server notices the lost client and rolls back
        assert time.monotonic() < deadline, "the killed import's transaction was never rolled back"
        time.sleep(0.05)
    assert _database_state(postgres_url) == before
    # and the same import, run again, is not blocked by anything the killed one left
    small = _bundle_with_many_comments(tmp_path / "small", 10)
    assert main(["init", url, "--from", str(small)]) == 0
    assert Workspace.open(url).count("feedback") == 10


def _all_rows(ws: Workspace) -> dict[str, list[tuple[Any, ...]]]:
    """Every row the migration copies, table by table, as stored."""
    found = {}
    for name, columns, order in copied_tables():
        quoted = ", ".join(f'"{c}"' for c in columns)
        found[name] = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                       for row in ws._rows(f'SELECT {quoted} FROM "{name}" ORDER BY {order}')]
    return found


@pytest.mark.slow
def test_migrate_copies_every_record_and_the_audit_trail_row_by_row(
        maple: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with Workspace.open(maple, actor="Dana") as ws:  # deleted records and undone changes to copy too
        risk = ws.table("risks")["id"].iloc[0]
        change = ws.update("risks", risk, name="Renamed before the move") or ws.last_change()
        ws.delete("feedback", ws.table("feedback")["id"].iloc[0])
        ws.undo(str(change))
        expected = _all_rows(ws)
    assert expected["_audit"] and expected["plan_versions"]
    assert any(row[-1] is not None for row in expected["feedback"])  # a deleted record is among them
    url = new_community_url(postgres_url, "maple_moved")
    assert main(["migrate", str(maple), url]) == 0
    said = capsys.readouterr().out.strip().splitlines()
    assert len(said) == 1 and "counts checked on both sides: they match" in said[0]
    moved = Workspace.open(url, actor="Eve")
    assert _all_rows(moved) == expected
    # the copy goes on where the original left off: its next audit entry follows the copied ones
    moved.add("feedback", text="first edit in PostgreSQL")
    seqs = moved.history()["seq"].tolist()
    assert seqs[-1] == max(row[0] for row in expected["_audit"]) + 1
    assert moved.undo(moved.last_change() or "")
    assert main(["migrate", str(maple), url]) == 1
    assert "add --replace to replace it" in capsys.readouterr().err
    assert main(["migrate", str(maple), url, "--replace"]) == 0
    assert _all_rows(Workspace.open(url)) == expected
