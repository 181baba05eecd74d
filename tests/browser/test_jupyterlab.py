"""The workbooks in a real JupyterLab (4.4+, default settings) driven by Debian's Chromium.

JupyterLab 4.4+ sends widget comm messages to kernel subshells (`commsOverSubshells`, on by
default): a table's edits are handled on a thread other than the one that opened the workspace.
These tests run Risk and Assets as an analyst does (open, Run All, edit a table cell, reload)
and check that every edit is saved and said, on a subshell thread, with no error anywhere.

One JupyterLab serves the module: its own config, data, runtime, settings and workspaces
folders (nothing from the user's own), loopback only, a token, no news or update checks.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browser_harness import free_port, open_row
from playwright.sync_api import expect

from cswb_widgets.paths import workbooks_dir
from cswb_widgets.store import Workspace

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RUN_MS = 240_000  # Run All of a workbook with a cold kernel on a loaded two-core machine
SAVE_MS = 60_000
SUBSHELL_FEATURE = "kernel subshells"
EXECUTED = re.compile(r"^\[\d+\]:$")  # not "[ ]:" (not run yet) nor "[*]:" (running)
STDERR_OUTPUT = '[data-mime-type="application/vnd.jupyter.stderr"]'  # tracebacks and stderr text

# Sent to each kernel from a second client (as a console would): records which thread runs
# the tables' message handler and the deferred sections' build.
SPY = """
import threading as _t
from cswb_widgets.widgets.editable_table import EditableTable as _ET
from cswb_widgets.widgets.sections import Deferred as _D
_cswb_threads = []
def _cswb_spy(original):
    def spy(*args, **kwargs):
        _cswb_threads.append(_t.current_thread().name)
        return original(*args, **kwargs)
    return spy
_ET.handle = _cswb_spy(_ET.handle)
_D._on_message = _cswb_spy(_D._on_message)
"""


@dataclass
class Lab:
    process: subprocess.Popen[bytes]
    port: int
    token: str
    root: Path
    home: Path
    log: Path
    workspace: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}?token={self.token}"

    def api(self, path: str) -> object:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/{path.lstrip('/')}", headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def kernel_client(self, notebook: str):  # -> jupyter_client.BlockingKernelClient
        """A second client of the kernel the lab runs for `notebook`."""
        from jupyter_client import BlockingKernelClient

        sessions = self.api("api/sessions")
        ids = [s["kernel"]["id"] for s in sessions if s["path"].split("?")[0].endswith(notebook)]
        assert len(ids) == 1, sessions
        client = BlockingKernelClient(connection_file=str(self.home / "runtime" / f"kernel-{ids[0]}.json"))
        client.load_connection_file()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        return client


def _with_workspace(source: Path, target: Path, workspace: Path) -> None:
    """A copy of a workbook whose parameters cell names `workspace`."""
    notebook = json.loads(source.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            text = "".join(cell["source"])
            assert 'workspace: str = ""' in text
            cell["source"] = text.replace('workspace: str = ""', f"workspace: str = {str(workspace)!r}")
            break
    else:
        raise AssertionError(f"{source.name} has no parameters cell")
    target.write_text(json.dumps(notebook, indent=1), encoding="utf-8")


@pytest.fixture(scope="module")
def lab(sample_sources: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    base = tmp_path_factory.mktemp("jupyterlab")
    root, home = base / "notebooks", base / "home"
    root.mkdir()
    workspace = shutil.copytree(sample_sources["maple-falls"], root / "maple-falls")
    for name in ("risk", "assets"):
        _with_workspace(workbooks_dir() / f"{name}.ipynb", root / f"{name}.ipynb", workspace)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "CSWB_ACTOR": "lab tester",
    }
    port, token = free_port(), secrets.token_hex(16)
    command = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        # No requests off the machine: no announcements feed, no update check.
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",  # lists no extensions from a package index
        # Kernels on Unix sockets: a TCP port picked free can be taken by another test's process first.
        "--KernelManager.transport=ipc",
    ]
    if os.geteuid() == 0:  # a CI container
        command.append("--allow-root")
    log = base / "lab.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    running = Lab(process, port, token, root, home, log, workspace)
    deadline = time.monotonic() + 180
    while True:
        assert process.poll() is None, f"JupyterLab exited with {process.returncode}:\n{running.log_text()[-6000:]}"
        try:
            running.api("api/status")
            break
        except OSError:
            assert time.monotonic() < deadline, f"JupyterLab did not answer:\n{running.log_text()[-6000:]}"
            time.sleep(0.5)
    yield running
    _stop(running)


def _stop(lab: Lab) -> None:
    import psutil

    try:
        tree = [psutil.Process(lab.process.pid), *psutil.Process(lab.process.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        tree = []
    lab.process.terminate()  # the lab shuts its kernels down
    try:
        lab.process.wait(30)
    except subprocess.TimeoutExpired:
        lab.process.kill()
        lab.process.wait(10)
    _, alive = psutil.wait_procs(tree, timeout=10)
    for process in alive:
        process.kill()


@dataclass
class Console:
    """What the page said in its console: errors and uncaught exceptions."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page) -> None:
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))


@pytest.fixture
def lab_page(new_context, lab: Lab) -> Iterator[tuple[object, Console]]:
    context = new_context()
    page = context.new_page()
    console = Console()
    console.watch(page)
    yield page, console
    _leave_clean(page)  # else the shared teardown's leaving the page asks "leave the page?"
    assert console.errors == [], "errors in the browser console:\n" + "\n".join(console.errors)


def _current(page):
    """The notebook on show (other tabs stay in the page, hidden)."""
    return page.locator(".jp-NotebookPanel >> visible=true")


def _code_cells(lab: Lab, notebook: str) -> int:
    cells = json.loads((lab.root / notebook).read_text(encoding="utf-8"))["cells"]
    return sum(cell["cell_type"] == "code" for cell in cells)


def _kernel_idle(lab: Lab, notebook: str) -> None:
    """Wait until the server runs an idle kernel for the notebook (the page shows idle before that)."""
    deadline = time.monotonic() + RUN_MS / 1000
    while True:
        states = [
            s["kernel"]["execution_state"]
            for s in lab.api("api/sessions")
            if s["path"].split("?")[0].endswith(notebook) and s.get("kernel")
        ]
        if states == ["idle"]:
            return
        assert time.monotonic() < deadline, f"no idle kernel for {notebook}: {states}"
        time.sleep(0.5)


def _run_all(page, lab: Lab, notebook: str) -> None:
    """Wait for the notebook's kernel, Run All, wait until every code cell has run."""
    panel = _current(page)
    _kernel_idle(lab, notebook)
    expect(panel.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(1, timeout=RUN_MS)
    prompts = panel.locator(".jp-CodeCell .jp-InputPrompt")
    expect(prompts).to_have_count(_code_cells(lab, notebook), timeout=RUN_MS)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
    try:
        expect(prompts.filter(has_text=EXECUTED)).to_have_count(_code_cells(lab, notebook), timeout=RUN_MS)
    except AssertionError:
        page.screenshot(path=str(lab.root.parent / f"run-all-{notebook}.png"), full_page=True)  # beside lab.log
        raise
    expect(panel.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(1, timeout=RUN_MS)
    expect(panel.locator(STDERR_OUTPUT)).to_have_count(0)


def _leave_clean(page) -> None:
    """Clear the notebook's outputs and save: a page with unsaved notebooks asks before it is
    left or reloaded, and saved widget outputs would be drawn again without their models."""
    page.get_by_role("menuitem", name="Edit", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Clear Outputs of All Cells")).click()
    expect(_current(page).locator(".jp-OutputArea-output")).to_have_count(0, timeout=SAVE_MS)
    page.get_by_role("menuitem", name="File", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Save All")).click()
    expect(page.locator(".lm-TabBar-tab.jp-mod-dirty")).to_have_count(0, timeout=SAVE_MS)


def _widget(page, caption: str):
    """An editing table in the notebook on show (list, form, status), once its section is built."""
    table = _current(page).get_by_role("table", name=caption, exact=True)
    table.scroll_into_view_if_needed(timeout=RUN_MS)
    return table.locator("xpath=ancestor::div[contains(concat(' ', normalize-space(@class), ' '), ' cswb-et ')][1]")


def _cell(page, caption: str, label: str):
    """One text field of an editable table's record (its row opened in the form)."""
    widget = _widget(page, caption)
    row = int(re.search(r"row (\d+)$", label).group(1))
    open_row(widget, row)
    box = widget.get_by_role("textbox", name=label, exact=True)
    expect(box).to_be_editable(timeout=RUN_MS)
    return box


def _edit(page, caption: str, label: str, value: str) -> None:
    """Type into one field of an editable table's record and leave it; the table says it is saved."""
    box = _cell(page, caption, label)
    box.fill(value)
    box.press("Tab")  # a text field sends its value when it is left
    # This table's own status line; its words on success start "Saved".
    status = _widget(page, caption).locator(".cswb-et-status")
    expect(status).to_have_text(re.compile(r"^Saved .+ of .+\(row 1\)\.$"), timeout=SAVE_MS)


def _spy_on(lab: Lab, notebook: str):
    """A second client of the notebook's kernel, which supports subshells, with the spy in it."""
    client = lab.kernel_client(notebook)
    info = client.kernel_info(reply=True, timeout=60)["content"]
    assert SUBSHELL_FEATURE in info.get("supported_features", []), info
    reply = client.execute_interactive(SPY, timeout=60)
    assert reply["content"]["status"] == "ok", reply["content"]
    return client


def _threads(client) -> list[str]:
    """The names of the threads that ran the spied handlers so far."""
    printed: list[str] = []

    def hook(message: dict) -> None:
        if message["msg_type"] == "stream":
            printed.append(message["content"]["text"])

    reply = client.execute_interactive("print(__import__('json').dumps(_cswb_threads))", output_hook=hook, timeout=60)
    assert reply["content"]["status"] == "ok", reply["content"]
    return json.loads("".join(printed))


def test_edits_in_jupyterlab_run_on_a_subshell_are_saved_and_survive_a_reload(lab: Lab, lab_page) -> None:
    page, _console = lab_page
    with Workspace.open(lab.workspace) as ws:
        first_risk = str(ws.table("risks").iloc[0]["id"])
        first_asset = str(ws.table("assets").iloc[0]["id"])
    risk_text = "Edited in JupyterLab: point-in-time count up 30%"
    asset_text = "Edited in JupyterLab: meals for families"

    for notebook, caption, label, text in (
        ("risk.ipynb", "Risk register", "Description, row 1", risk_text),
        ("assets.ipynb", "Asset inventory", "Purpose, row 1", asset_text),
    ):
        page.goto(lab.url(f"lab/tree/{notebook}"))
        _run_all(page, lab, notebook)
        client = _spy_on(lab, notebook)
        try:
            _edit(page, caption, label, text)
            threads = _threads(client)
        finally:
            client.stop_channels()
        _leave_clean(page)
        # The edit (and the deferred section's build, if it came after the spy) ran on a subshell.
        assert threads and all(name.startswith("subshell-") for name in threads), threads

    with Workspace.open(lab.workspace) as ws:
        assert ws.get("risks", first_risk)["description"] == risk_text
        assert ws.get("assets", first_asset)["purpose"] == asset_text
        edits = ws.history().tail(2)
        assert edits["record_id"].tolist() == [first_risk, first_asset]
        assert set(edits["action"]) == {"update"}

    page.reload()  # assets.ipynb on show, risk.ipynb in the other tab
    _run_all(page, lab, "assets.ipynb")
    expect(_cell(page, "Asset inventory", "Purpose, row 1")).to_have_value(asset_text, timeout=RUN_MS)
    _leave_clean(page)
    page.goto(lab.url("lab/tree/risk.ipynb"))
    _run_all(page, lab, "risk.ipynb")
    expect(_cell(page, "Risk register", "Description, row 1")).to_have_value(risk_text, timeout=RUN_MS)

    log = lab.log_text()  # the server's and its kernels' own output
    assert not re.search(r"Traceback|Error|^\[E ", log, re.MULTILINE), log[-6000:]
