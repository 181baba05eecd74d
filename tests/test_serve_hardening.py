"""What a visitor of `cswb serve` can see and send, and what its log keeps.

- An error in a widget callback reaches the page as one plain line; the traceback and anything
  written to stderr go to the server log (checked on a real server, over the kernel websocket:
  what arrives there is what any page, or anyone reading its traffic, receives).
- A workspace that cannot be opened is named by its community (or folder), never by a path.
- Numbers a page may set on a widget (page size, page, refresh interval) are kept in range.
- Tokens: a guessable one is refused with what is required; the server log never shows one.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
import secrets
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from browser_harness import Server

from cswb_widgets.cli import main
from cswb_widgets.errors import CswbError
from cswb_widgets.kernel_errors import VISITOR_MESSAGE
from cswb_widgets.serve.options import check_access
from cswb_widgets.store import Workspace
from cswb_widgets.store.served_root import ROOT_ENV, community_name, for_visitor
from cswb_widgets.widgets import EditableTable
from cswb_widgets.widgets._sync import REFRESH_SECONDS_RANGE
from cswb_widgets.widgets.editable_table import MAX_PAGE_SIZE
from cswb_widgets.workbooks import CommitmentWorkbook, page as request

TOKEN = secrets.token_urlsafe(24)  # what the hint in the refusal makes
SECRET_DETAIL = "/srv/private/handler_detail.py"
STDERR_DETAIL = "/srv/private/stderr_detail.py"
SERVER_DEADLINE = 120.0  # polls end as soon as the server has answered or written


# -- tokens ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("token", ["a" * 16, "abcdefghijklmnop", "1234567890123456", "qwertyuiopasdfgh",
                                   "passwordpassword", "abababababababababab"])
def test_a_guessable_token_is_refused_saying_what_is_required(token: str) -> None:
    with pytest.raises(CswbError) as refused:
        check_access("0.0.0.0", token, None)
    message = str(refused.value)
    assert "\n" not in message
    assert "at least 16 characters" in message and "too easy to guess" in message and "token_urlsafe" in message


def test_generated_tokens_are_accepted() -> None:
    for _ in range(5):
        check_access("0.0.0.0", secrets.token_urlsafe(24), None)
        check_access("0.0.0.0", secrets.token_hex(24), None)  # what Jupyter generates


def test_serve_refuses_a_guessable_token_in_one_line(tmp_path: Path) -> None:
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        status = main(["serve", "--root", str(tmp_path), "--host", "0.0.0.0", "--token", "x" * 20])
    assert status == 1
    [line] = stderr.getvalue().strip().splitlines()
    assert line.startswith("cswb: error: the token must be at least 16 characters")


# -- widget traits set by a page ---------------------------------------------------------------------

@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.create(tmp_path / "ws", name="Maple Falls")
    with workspace.batch():
        for i in range(30):
            workspace.add("people", name=f"Person {i:02d}")
    yield workspace
    workspace.close()


@pytest.mark.parametrize(("sent", "kept"), [(0, 1), (-7, 1), (10**12, MAX_PAGE_SIZE), (10, 10)])
def test_a_page_size_from_the_page_is_kept_in_range(ws: Workspace, sent: int, kept: int) -> None:
    table = EditableTable(ws, "people", page_size=25)
    table.set_state({"page_size": sent})  # what a message over the websocket does
    assert table.page_size == kept
    assert table.page_count == math.ceil(30 / kept)
    assert len(table.rows) == min(kept, 30)
    table.handle({"type": "page", "page": 1})  # paging still works after it
    assert table.page == min(1, table.page_count - 1)
    assert table.rows[0]["n"] == table.page * kept + 1


def test_a_page_and_refresh_interval_from_the_page_are_kept_in_range(ws: Workspace) -> None:
    table = EditableTable(ws, "people", page_size=10)
    table.set_state({"page": -3})
    assert table.page == 0
    low, high = REFRESH_SECONDS_RANGE
    for sent, kept in ((0.0, low), (-1.0, low), (float("nan"), high), (float("inf"), high), (1e9, high), (3.0, 3.0)):
        table.set_state({"refresh_seconds": sent})
        assert table.refresh_seconds == kept


# -- a workspace that cannot be opened, as a visitor reads it ----------------------------------------

def test_messages_about_a_workspace_name_its_community_not_its_path(ws: Workspace, tmp_path: Path) -> None:
    assert community_name(ws.path) == "Maple Falls"
    message = f"{ws.db_path}: cannot open the workspace database (disk I/O error); also /opt/cswb/other/file.txt"
    shown = for_visitor(message, ws.path)
    assert shown.startswith("the workspace Maple Falls: cannot open the workspace database")
    assert "/" not in shown.replace("I/O", "")


def test_a_widgets_failure_line_names_no_server_path_in_a_served_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    from cswb_widgets import kernel_errors
    from cswb_widgets.errors import WorkspaceError
    from cswb_widgets.widgets import _failures

    failures = [PermissionError(13, "Permission denied", "/srv/cswb/maple-falls/workspace.sqlite"),
                WorkspaceError("/srv/cswb/maple-falls: this workspace was closed; open it again")]
    assert all("/srv/cswb" in _failures.words(error, "a test") for error in failures)  # an analyst's kernel
    monkeypatch.setitem(kernel_errors._state, "shell", object())  # as kernel_errors.install() leaves it
    for error in failures:
        line = _failures.words(error, "a test")
        assert "/srv" not in line and kernel_errors.HIDDEN_PATH in line


@pytest.fixture
def broken_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "broken-db").mkdir(parents=True)
    (root / "broken-db" / "workspace.sqlite").write_bytes(b"this is not an SQLite file\n" * 200)
    return root


def test_a_visitor_is_not_shown_the_database_path(broken_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOILA_SERVER_URL", "/")  # a kernel Voilà started for this visitor
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.setenv("QUERY_STRING", "workspace=broken-db")
    monkeypatch.setenv(ROOT_ENV, str(broken_root))
    monkeypatch.setattr(request, "_received", None)
    book: Any = CommitmentWorkbook.open(None, mode="app")
    html = book.seat_coverage().data
    assert "This workspace cannot be opened" in html and "the workspace broken-db" in html
    assert str(broken_root) not in html and "workspace.sqlite" not in html


def test_an_analyst_still_sees_the_path(broken_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("VOILA_SERVER_URL", "VOILA_PREHEAT"):
        monkeypatch.delenv(name, raising=False)
    book: Any = CommitmentWorkbook.open(broken_root / "broken-db", mode="app")
    assert "workspace.sqlite" in book.seat_coverage().data


# -- a real server -----------------------------------------------------------------------------------

HANDLER_FAILS = f'''import sys
import ipywidgets

button = ipywidgets.Button(description="Fail")

def fail(_):
    print("written to stderr: {STDERR_DETAIL}", file=sys.stderr)
    raise RuntimeError("raised in a callback: {SECRET_DETAIL}")

button.on_click(fail)
button'''


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("hardening")
    root, notebooks = base / "root", base / "notebooks"
    (root / "broken-db").mkdir(parents=True)
    (root / "broken-db" / "workspace.sqlite").write_bytes(b"this is not an SQLite file\n" * 200)
    notebooks.mkdir()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(HANDLER_FAILS)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, notebooks / "handler_fails.ipynb")
    (notebooks / "unreadable.ipynb").write_text('{"cells": [ not JSON', encoding="utf-8")
    running = Server(root, base / "log", extra_notebooks=(notebooks,), options=("--token", TOKEN, "--pool-size", "0"))
    running.start()
    try:
        yield running
    finally:
        running.stop()


def _get(server: Server, path: str, *, token: str | None = TOKEN) -> tuple[int, str]:
    headers = {"Authorization": f"token {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(server.url(path), headers=headers), timeout=120) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def _wait_for_log(server: Server, text: str) -> str:
    deadline = time.monotonic() + SERVER_DEADLINE
    while time.monotonic() < deadline:
        log = server.log()
        if text in log:
            return log
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never reached the server log:\n{server.log()}")


def _click(server: Server, kernel: str, model: str) -> list[dict[str, Any]]:
    """Send a button click as the page would; every message the kernel sends until it is idle again."""
    from websockets.sync.client import connect

    session, msg_id = uuid.uuid4().hex, uuid.uuid4().hex
    url = f"ws://127.0.0.1:{server.port}/api/kernels/{kernel}/channels?session_id={session}"
    received: list[dict[str, Any]] = []
    with connect(url, additional_headers={"Authorization": f"token {TOKEN}"}) as socket:
        socket.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "comm_msg", "username": "visitor", "session": session,
                       "date": "", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "buffers": [], "channel": "shell",
            "content": {"comm_id": model, "data": {"method": "custom", "content": {"event": "click"}}},
        }))
        deadline = time.monotonic() + SERVER_DEADLINE
        while time.monotonic() < deadline:
            try:
                message = json.loads(socket.recv(timeout=1))
            except TimeoutError:
                continue
            received.append(message)
            if (message.get("parent_header", {}).get("msg_id") == msg_id and message.get("msg_type") == "status"
                    and message["content"].get("execution_state") == "idle"):
                return received
    raise AssertionError(f"the kernel never finished the click: {received}")


@pytest.mark.slow
def test_a_failing_widget_callback_shows_one_plain_line_and_logs_the_details(server: Server) -> None:
    status, html = _get(server, "voila/render/handler_fails.ipynb")
    assert status == 200, html[-2000:]
    kernel = re.search(r'"kernelId": *"([^"]+)"', html)
    model = re.search(r'"model_id": *"([0-9a-f]+)"', html)
    assert kernel and model, "the page shows no button"

    received = _click(server, kernel.group(1), model.group(1))

    errors = [m["content"] for m in received if m.get("msg_type") == "error"]
    assert errors == [{"ename": "AppError", "evalue": VISITOR_MESSAGE, "traceback": [VISITOR_MESSAGE]}]
    everything = json.dumps(received)
    assert "/srv/private" not in everything and "Traceback" not in everything and ".py" not in everything
    log = _wait_for_log(server, SECRET_DETAIL)
    assert "RuntimeError" in log and "def fail" in log  # the operator gets the whole traceback
    _wait_for_log(server, STDERR_DETAIL)


@pytest.mark.slow
def test_the_refusal_of_a_broken_workspace_names_no_server_path(server: Server) -> None:
    status, html = _get(server, "voila/render/commitment.ipynb?workspace=broken-db")
    assert status == 200
    assert "This workspace cannot be opened" in html and "the workspace broken-db" in html
    assert str(server.root) not in html and str(server.root.resolve()) not in html
    assert "workspace.sqlite" not in html and "Traceback" not in html
    _wait_for_log(server, "not a workspace database")  # the whole line is the operator's


@pytest.mark.slow
def test_the_token_never_reaches_the_server_log(server: Server) -> None:
    wrong = secrets.token_urlsafe(24)
    assert _get(server, f"voila/render/no-such-notebook.ipynb?token={TOKEN}", token=None)[0] == 404
    assert 400 <= _get(server, f"api/kernels?token={wrong}", token=None)[0] < 500
    log = _wait_for_log(server, "api/kernels?token=[secret]")
    assert "no-such-notebook.ipynb?token=[secret]" in log
    assert wrong not in log
    announced = f"?token={TOKEN}"  # printed once at start, for the person who started the server
    assert log.count(TOKEN) == log.count(announced) == 1


def _visible_text(html: str) -> str:
    body = re.sub(r"(?s)<(script|style|noscript)\b.*?</\1>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()


@pytest.mark.slow
@pytest.mark.parametrize(("path", "status", "heading"), [
    ("voila/render/no-such-notebook.ipynb", 404, "There is no such page"),
    ("voila/render/unreadable.ipynb", 400, "This page could not be shown"),  # Voila quotes its path in the log
])
def test_error_pages_say_what_happened_in_words(server: Server, path: str, status: int, heading: str) -> None:
    got, html = _get(server, path)
    text = _visible_text(html)
    assert got == status
    assert heading in text and "Back to the list of community workspaces" in text
    assert str(status) not in text and "/" not in text and "Error" not in text
