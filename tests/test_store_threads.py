"""One Workspace used from many threads at once (JupyterLab runs widget messages on subshell threads)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from cswb_widgets.errors import CswbWarning, InputError, WorkspaceError
from cswb_widgets.store import Workspace
from cswb_widgets.store.integrity import integrity_problems

THREADS = 8
EDITS = 50


@pytest.fixture
def ws(workspace_factory: Callable[..., Workspace]) -> Workspace:
    """A new workspace, on SQLite and on PostgreSQL (conftest's `backend`)."""
    return workspace_factory("ws", name="Test Town", kind="municipality", actor="Tester")


def _in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(0..count-1) in `count` threads started together; re-raise the first failure."""
    start = threading.Barrier(count)

    def run(n: int) -> Any:
        start.wait(timeout=30)
        return work(n)

    with ThreadPoolExecutor(count) as pool:
        return [f.result(timeout=300) for f in [pool.submit(run, n) for n in range(count)]]


def _in_other_thread(work: Callable[[], Any]) -> Any:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work).result(timeout=60)


@pytest.mark.slow
def test_many_threads_edit_and_read_at_once_and_every_edit_lands(ws: Workspace) -> None:
    rids = [ws.add("risks", name=f"Risk {n}") for n in range(THREADS)]

    def work(n: int) -> int:
        reads = 0
        with ws.acting_as(f"thread{n}"):
            for i in range(EDITS):
                ws.add("feedback", text=f"thread {n} item {i}")
                ws.update("risks", rids[n], evidence=f"edit {i}")
                reads += len(ws.table("feedback")) > 0
                assert ws.get("risks", rids[n])["evidence"] == f"edit {i}"
                ws.history("risks", rids[n])
                ws.last_change()
        return reads

    assert _in_threads(THREADS, work) == [EDITS] * THREADS
    feedback = ws.table("feedback")
    assert len(feedback) == THREADS * EDITS
    assert len(set(feedback["text"])) == THREADS * EDITS
    history = ws.history()
    edits = history[history["actor"].str.startswith("thread")]
    # One insert and one update per edit, each its own change, named after its own thread.
    assert edits["actor"].value_counts().to_dict() == {f"thread{n}": 2 * EDITS for n in range(THREADS)}
    assert edits["change_id"].is_unique
    for n, rid in enumerate(rids):
        mine = history[(history["record_id"] == rid) & (history["action"] == "update")]
        assert set(mine["actor"]) == {f"thread{n}"} and len(mine) == EDITS
        assert ws.get("risks", rid)["evidence"] == f"edit {EDITS - 1}"
    assert ws.actor == "Tester"  # acting_as changed no one else's actor
    assert integrity_problems(ws) == []


def test_a_batch_in_one_thread_is_not_joined_or_seen_half_done_by_another(ws: Workspace) -> None:
    inside = threading.Event()
    go_on = threading.Event()
    seen: list[int] = []

    def batch_writer() -> None:
        with ws.batch("slow batch"):
            ws.add("risks", name="A")
            inside.set()
            go_on.wait(timeout=30)
            ws.add("risks", name="B")

    def other() -> None:
        inside.wait(timeout=30)
        go_on.set()
        seen.append(ws.count("risks"))  # waits for the batch: 0 or 2, never 1
        ws.add("risks", name="C")  # its own change, not part of the batch

    _in_threads(2, lambda n: batch_writer() if n == 0 else other())
    assert seen == [2]
    history = ws.history("risks")
    assert history.groupby("change_id").size().sort_values().tolist() == [1, 2]


def test_a_refused_batch_in_one_thread_leaves_the_others_edits(ws: Workspace) -> None:
    def work(n: int) -> str:
        try:
            with ws.batch(f"batch {n}"):
                ws.add("risks", name=f"Risk {n}")
                if n % 2:
                    ws.add("risks", name="")  # refused: the whole batch is rolled back
        except InputError:
            return "refused"
        return "saved"

    results = _in_threads(THREADS, work)
    assert results.count("saved") == THREADS // 2
    assert sorted(ws.table("risks")["name"]) == [f"Risk {n}" for n in range(0, THREADS, 2)]


def test_a_workspace_opened_in_one_thread_works_in_another(workspace_location: Callable[[str], Any]) -> None:
    ws = _in_other_thread(lambda: Workspace.create(workspace_location("ws"), name="Test Town", actor="Opener"))
    rid = ws.add("risks", name="Housing")
    change = _in_other_thread(lambda: ws.delete("risks", rid))
    assert ws.count("risks") == 0
    _in_other_thread(lambda: ws.undo(change))
    assert ws.get("risks", rid)["name"] == "Housing"
    assert _in_other_thread(lambda: ws.table("risks")["name"].tolist()) == ["Housing"]
    assert _in_other_thread(lambda: ws.schema_version) == ws.schema_version
    assert _in_other_thread(lambda: integrity_problems(ws)) == []


def test_an_old_workspace_opened_in_another_thread_migrates_on_its_first_write(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    folder.mkdir()
    conn = sqlite3.connect(folder / "workspace.sqlite")
    conn.executescript((Path(__file__).parent / "fixtures" / "workspace-v1.sql").read_text())
    conn.close()
    ws = _in_other_thread(lambda: Workspace.open(folder))
    assert ws.community["plan_name"] == "Old Harbour Community Safety and Well-Being Plan"
    with pytest.warns(CswbWarning, match="upgraded this workspace from schema 1"):  # on its first write
        ws.update("community", "community", colour_primary="#1f5c99")
    assert _in_other_thread(lambda: ws.community["colour_primary"]) == "#1f5c99"


def test_close_from_another_thread(ws: Workspace) -> None:
    ws.add("risks", name="Kept")
    _in_other_thread(ws.close)
    assert ws.closed
    with pytest.raises(WorkspaceError, match="closed"):
        ws.table("risks")
    ws.close()  # a second close does nothing
    reopened = Workspace.open(ws.location)
    assert reopened.table("risks")["name"].tolist() == ["Kept"]


def test_close_waits_for_a_batch_in_progress_in_another_thread(ws: Workspace) -> None:
    inside = threading.Event()
    go_on = threading.Event()

    def batch_writer() -> None:
        with ws.batch("slow batch"):
            ws.add("risks", name="A")
            inside.set()
            go_on.wait(timeout=30)
            ws.add("risks", name="B")

    with ThreadPoolExecutor(1) as pool:
        done = pool.submit(batch_writer)
        assert inside.wait(timeout=30)
        closer = threading.Thread(target=ws.close)
        closer.start()
        closer.join(timeout=0.3)
        assert closer.is_alive()  # the batch still holds the workspace
        go_on.set()
        done.result(timeout=30)
        closer.join(timeout=30)
    assert ws.closed
    assert Workspace.open(ws.location).table("risks")["name"].tolist() == ["A", "B"]
