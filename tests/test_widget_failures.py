"""A store call that fails unexpectedly is said in the widget itself, in one line, and logged.

Browser messages and button callbacks run where nobody reads a traceback (JupyterLab's log
console, or nowhere under Voilà): the failures here are simulated by making workspace calls
raise what SQLite raises (a busy database, a connection used from the wrong thread).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ipywidgets
import pytest

from cswb_widgets.model.readiness import seat_coverage
from cswb_widgets.store import Workspace
from cswb_widgets.store.tabular import import_file
from cswb_widgets.widgets import (
    Ballot,
    CoverageIndicator,
    EditableTable,
    FileImport,
    RecordForm,
    VoteTally,
)
from cswb_widgets.widgets.sections import Deferred, LiveHTML

WRONG_THREAD = sqlite3.ProgrammingError(
    "SQLite objects created in a thread can only be used in that same thread. The object was created in"
    " thread id 1 and this is thread id 2."
)
BUSY = sqlite3.OperationalError("database is locked")


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace.create(tmp_path / "ws", name="Test Town", kind="municipality", actor="Tester") as workspace:
        yield workspace


def _failing(monkeypatch: pytest.MonkeyPatch, method: str, error: BaseException) -> None:
    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(Workspace, method, fail)


def _one_line(text: str) -> None:
    assert "\n" not in text and "Traceback" not in text and len(text) < 400, text


def _logged(caplog: pytest.LogCaptureFixture, error: BaseException) -> None:
    records = [r for r in caplog.records if r.name == "cswb_widgets.widgets" and r.levelno == logging.ERROR]
    assert records and records[-1].exc_info and records[-1].exc_info[1] is error


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (WRONG_THREAD, "the workspace could not be used (SQLite objects created in a thread can only be used"),
        (BUSY, "the workspace is busy with another change (database is locked); try again in a moment"),
        (RuntimeError("boom"), "something went wrong (RuntimeError: boom)"),
    ],
)
def test_a_table_edit_that_fails_says_so_in_the_status_line(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, error: BaseException, words: str
) -> None:
    rid = ws.add("risks", name="Housing")
    table = EditableTable(ws, "risks")
    _failing(monkeypatch, "update", error)
    with caplog.at_level(logging.ERROR, logger="cswb_widgets.widgets"):
        table.handle({"type": "edit", "id": rid, "column": "description", "value": "typed"})
    assert table.status_kind == "error"
    assert table.status.startswith(f"Not saved: Description of Housing (row 1): {words}")
    _one_line(table.status)
    _logged(caplog, error)
    monkeypatch.undo()
    assert ws.get("risks", rid)["description"] is None


def test_known_errors_keep_their_own_message_and_are_not_logged(
    ws: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    rid = ws.add("risks", name="Housing")
    table = EditableTable(ws, "risks")
    with caplog.at_level(logging.ERROR, logger="cswb_widgets.widgets"):
        table.handle({"type": "edit", "id": rid, "column": "name", "value": ""})
    assert table.status == "Not saved: Name of Housing (row 1): a value is required"
    assert not [r for r in caplog.records if r.name == "cswb_widgets.widgets"]


@pytest.mark.parametrize(
    ("message", "method", "said"),
    [
        ({"type": "add", "values": {"name": "New"}}, "add", "Not added: "),
        ({"type": "delete", "id": "ID"}, "delete", "Not deleted: "),
        ({"type": "refresh"}, "last_change", "Could not reload the table: "),
        ({"type": "page", "page": 0}, "last_change", "Something went wrong: "),
    ],
)
def test_every_table_action_that_fails_says_so(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, message: dict[str, Any], method: str, said: str
) -> None:
    rid = ws.add("risks", name="Housing")
    table = EditableTable(ws, "risks")
    _failing(monkeypatch, method, WRONG_THREAD)
    table.handle({k: (rid if v == "ID" else v) for k, v in message.items()})
    assert table.status_kind == "error"
    assert table.status.startswith(said + "the workspace could not be used (SQLite objects"), table.status
    _one_line(table.status)


def test_undo_that_fails_says_so_and_can_be_tried_again(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    rid = ws.add("risks", name="Housing")
    table = EditableTable(ws, "risks")
    table.handle({"type": "delete", "id": rid})
    _failing(monkeypatch, "undo", BUSY)
    table.handle({"type": "undo"})
    assert table.status.startswith("Could not undo: the workspace is busy")
    monkeypatch.undo()
    table.handle({"type": "undo"})
    assert table.status == "Restored Housing (row 1)."


def test_a_browser_message_never_raises_out_of_the_table(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    rid = ws.add("risks", name="Housing")
    table = EditableTable(ws, "risks")
    _failing(monkeypatch, "update", WRONG_THREAD)
    _failing(monkeypatch, "last_change", WRONG_THREAD)
    table._on_browser_message(table, {"type": "edit", "id": rid, "column": "name", "value": "x"}, [])
    assert table.status.startswith("Not saved: ")


def test_a_table_edit_handled_on_another_thread_is_saved(ws: Workspace) -> None:
    """As JupyterLab 4.4+ does: the widget made in one thread, its message handled in another."""
    rid = ws.add("risks", name="Housing")
    table = EditableTable(ws, "risks")
    thread = threading.Thread(target=table.handle, args=({"type": "edit", "id": rid, "column": "name", "value": "Rent"},))
    thread.start()
    thread.join(30)
    assert table.status == "Saved Name of Rent (row 1)."  # the store works from any thread


def test_a_form_save_that_fails_says_so_under_the_form(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    form = RecordForm(ws, "risks", fields=["name"])
    form.fields["name"].widget.value = "Housing"
    _failing(monkeypatch, "add", WRONG_THREAD)
    with caplog.at_level(logging.ERROR, logger="cswb_widgets.widgets"):
        form.save_button.click()
    assert 'role="alert"' in form.status.value
    assert "Not saved: the workspace could not be used (SQLite objects created in a thread" in form.status.value
    _logged(caplog, WRONG_THREAD)
    assert form.fields["name"].widget.value == "Housing"  # what was typed stays


def test_a_form_whose_reload_after_saving_fails_still_says_something(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    form = RecordForm(ws, "risks", fields=["name"])
    form.fields["name"].widget.value = "Housing"
    _failing(monkeypatch, "get", BUSY)
    form.save_button.click()
    assert "Something went wrong: the workspace is busy" in form.status.value


def test_a_failed_import_says_nothing_was_imported(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    def importer(workspace: Workspace, path: Path) -> Any:
        raise sqlite3.OperationalError("disk I/O error")

    widget = FileImport(ws, importer, description="Upload risks", accept=".csv")
    assert widget.load("risks.csv", b"name\nHousing\n") is None
    assert "Nothing imported: the workspace could not be used (disk I/O error)" in widget.status.value
    assert 'role="alert"' in widget.status.value
    _failing(monkeypatch, "upsert", BUSY)
    widget = FileImport(ws, lambda w, p: import_file(w, p, "risks"), description="Upload risks", accept=".csv")
    widget.load("risks.csv", b"name\nHousing\n")
    assert "Nothing imported: the workspace is busy" in widget.status.value


def test_coverage_buttons_that_fail_say_so(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    indicator = CoverageIndicator(ws, seat_coverage)
    _failing(monkeypatch, "table", WRONG_THREAD)
    indicator.count_button.click()
    assert "Something went wrong: the workspace could not be used" in indicator.status.value
    monkeypatch.undo()
    indicator.item_picker.value = indicator.item_picker.options[0][1]
    indicator.reason.value = "No custodial services here"
    _failing(monkeypatch, "add", BUSY)
    indicator.mark_button.click()
    assert "Not saved: the workspace is busy" in indicator.status.value


def test_ballot_and_tally_that_fail_say_so(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    rid = ws.add("risks", name="Housing")
    ballot, tally = Ballot(ws), VoteTally(ws)
    ballot.participant.value = "Sam"
    ballot.rate(rid, 4)
    _failing(monkeypatch, "batch", WRONG_THREAD)
    ballot.submit_button.click()
    assert ballot.status.kind == "error"
    assert ballot.status.text.startswith("Not saved: the workspace could not be used")
    _failing(monkeypatch, "last_change", BUSY)
    ballot.handle({"type": "refresh"})
    assert ballot.status.text.startswith("Could not reload the risks: the workspace is busy")
    tally.handle({"type": "refresh"})
    assert tally.participants_text.startswith("Could not update the tally: the workspace is busy")


def test_sections_built_or_recomputed_on_a_browser_message_say_a_failure(ws: Workspace) -> None:
    def build() -> ipywidgets.Widget:
        raise WRONG_THREAD

    section = Deferred(build, "the risk register")
    section._on_message(section, {"type": "shown"}, [])
    shown = section.children[0]
    assert isinstance(shown, ipywidgets.HTML) and 'role="alert"' in shown.value
    assert "Could not show the risk register: the workspace could not be used" in shown.value

    calls = []

    def html() -> str:
        calls.append(1)
        if len(calls) > 1:
            raise BUSY
        return "<p>fine</p>"

    live = LiveHTML(ws, html)
    ticker = live.children[1]
    ticker._handle_custom_msg({"type": "tick"}, [])  # nothing changed: not recomputed
    assert calls == [1] and live.view.value == "<p>fine</p>"
    with Workspace.open(ws.path) as other:  # someone else's page saves
        other.add("risks", name="Housing")
    ticker._handle_custom_msg({"type": "tick"}, [])
    assert "Could not recompute this: the workspace is busy" in live.view.value


def test_the_stage_panels_say_an_unexpected_failure_too(
    maple: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from sample_workspaces import built

    from cswb_widgets.store import operations
    from cswb_widgets.workbooks import RiskWorkbook

    panel = built(RiskWorkbook.open(maple, "app").prioritization())
    monkeypatch.setattr(operations, "save_weights", lambda *_a, **_k: (_ for _ in ()).throw(BUSY))
    with caplog.at_level(logging.ERROR, logger="cswb_widgets.widgets"):
        assert panel.save_weights() is False
    assert "Not saved: the workspace is busy with another change (database is locked)" in panel.status.value
    _one_line(panel.status.value)
    _logged(caplog, BUSY)
