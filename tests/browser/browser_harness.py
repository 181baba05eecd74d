"""A real `cswb serve` in a subprocess and Debian's Chromium driven by Playwright.

Shared by the browser tests (through conftest.py) and `benchmarks/first_widget.py`. Nothing
here downloads anything: Chromium is the system one, never Playwright's own build.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})
SERIOUS = frozenset({"serious", "critical"})
HOSTILE_NAME = "<img src=x onerror=alert(1)>"  # a community name that must stay text

# The first control a visitor can use, in any ipywidgets widget, once it is on screen.
INTERACTIVE_WIDGET = ", ".join(
    f".jupyter-widgets {control}" for control in ('[role="slider"]', "input", "select", "textarea", "button")
)


def launch_chromium(playwright):  # -> playwright.sync_api.Browser
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def wait_for_widgets(page, timeout_ms: float = 90_000):  # -> Locator
    """Wait until the first interactive widget is visible; return it."""
    first = page.locator(f"{INTERACTIVE_WIDGET} >> visible=true").first
    first.wait_for(state="visible", timeout=timeout_ms)
    return first


def wait_for_app(page, timeout_ms: float = 180_000):  # -> Locator
    """Wait for the app as a visitor finally sees it: widgets on screen, Voilà's spinner gone, and
    no deferred section still waiting to be built. Returns the first interactive widget."""
    from playwright.sync_api import expect

    first = wait_for_widgets(page, timeout_ms)
    expect(page.locator("#loading")).to_be_hidden(timeout=timeout_ms)
    page.wait_for_function(
        "() => document.querySelectorAll('.cswb-loading').length === 0", timeout=timeout_ms, polling=250
    )
    return first


def wait_until(page, condition, what: str, timeout_ms: float = 30_000) -> None:
    """Poll `condition()` (for what Playwright's `expect` cannot express, such as a size) until it
    holds; fail naming `what` when it has not held within the timeout."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_ms / 1000:.0f} s: {what}")
        page.wait_for_timeout(100)


def axe(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in SERIOUS]


def describe_violations(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} - " + "; ".join(n["html"][:120] for n in v["nodes"][:3])
        for v in violations
    )


def is_off_machine(url: str) -> bool:
    """True for any URL that would leave this machine (data:, blob: and loopback are fine)."""
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return False
    return (parts.hostname or "") not in LOOPBACK_HOSTS


PORT_ATTEMPTS = 3


class _PortTaken(Exception):
    """The chosen port was taken by another process before the server could bind it."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A `cswb serve` subprocess in its own process group, with its output in `log_dir`."""

    root: Path
    log_dir: Path
    extra_notebooks: tuple[Path, ...] = ()
    options: tuple[str, ...] = ()
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    prefix: str = "/"  # --base-url

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.prefix}"

    def url(self, path: str = "") -> str:
        return self.base_url + path.lstrip("/")

    def command(self) -> list[str]:
        command = [
            sys.executable,
            "-m",
            "cswb_widgets.cli",
            "serve",
            "--root",
            str(self.root),
            "--port",
            str(self.port),
        ]
        for folder in self.extra_notebooks:
            command += ["--extra-notebooks", str(folder)]
        if self.prefix != "/":
            command += ["--base-url", self.prefix]
        return command + list(self.options)

    def start(self, timeout: float = 180.0) -> Server:
        # The port was free when chosen, but anything may take it before the server binds it (a
        # kernel's socket did, on a busy machine): then the server starts again on another one.
        for attempt in range(PORT_ATTEMPTS):
            if attempt:
                self.port = free_port()
            try:
                return self._start_once(timeout)
            except _PortTaken:
                self.stop()
        raise RuntimeError(f"cswb serve found its port taken {PORT_ATTEMPTS} times:\n{self.log()}")

    def _start_once(self, timeout: float) -> Server:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_dir / "stdout.log", "wb") as out, open(self.log_dir / "stderr.log", "wb") as err:
            self.process = subprocess.Popen(self.command(), stdout=out, stderr=err, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if "already in use" in self.log():
                    raise _PortTaken
                raise RuntimeError(f"cswb serve exited with {self.process.returncode}:\n{self.log()}")
            if self._answers():
                return self
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"cswb serve did not answer within {timeout:.0f} s:\n{self.log()}")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.base_url, timeout=5) as response:
                return response.status == 200
        except urllib.error.HTTPError:
            return True  # it answers, if only to refuse (a token server)
        except http.client.BadStatusLine as exc:
            if isinstance(exc, ConnectionError):  # closed before answering: not up yet
                return False
            raise _PortTaken from None  # something that does not speak HTTP holds the port
        except (OSError, urllib.error.URLError):
            return False

    def pids(self) -> list[int]:
        """The server and every process under it (its kernels), for memory and clean-up."""
        import psutil

        if self.process is None or self.process.poll() is not None:
            return []
        try:
            parent = psutil.Process(self.process.pid)
            return [parent.pid, *(child.pid for child in parent.children(recursive=True))]
        except psutil.NoSuchProcess:
            return []

    def stop(self, grace: float = 20.0) -> None:
        """SIGTERM (Voilà shuts its kernels down), then SIGKILL whatever is left of the tree."""
        import psutil

        if self.process is None:
            return
        tree = [psutil.Process(pid) for pid in self.pids() if psutil.pid_exists(pid)]
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        # Kernels run in sessions of their own, outside the group: end any that outlived the server.
        _, alive = psutil.wait_procs(tree, timeout=5)
        for process in alive:
            process.kill()
        psutil.wait_procs(alive, timeout=5)

    def log(self) -> str:
        return "\n".join(
            (self.log_dir / name).read_text(errors="replace")[-6000:]
            for name in ("stdout.log", "stderr.log")
            if (self.log_dir / name).exists()
        )


def show_step(page, part: str, timeout_ms: float = 60_000) -> None:
    """Open the workbook step that holds the cell tagged `part:<part>` (the apps show one step at a
    time; see the template's steps.js), and wait until that cell is on screen."""
    from playwright.sync_api import expect

    page.wait_for_function("() => document.querySelector('.cswb-steps') !== null", timeout=timeout_ms)
    page.evaluate("part => { window.location.hash = 'step-' + part; }", part)
    expect(page.locator(f'.jp-Cell[class~="celltag_part:{part}"]')).to_be_visible(timeout=timeout_ms)


def reveal(locator, timeout_ms: float = 120_000):  # -> Locator
    """Show the workbook step holding `locator`'s first element, and wait until it is visible.

    The apps show one step at a time (steps.js); a role query finds an element of a hidden step
    only with `include_hidden=True`, which the callers pass. Returns `locator.first`.
    """
    first = locator.first
    first.wait_for(state="attached", timeout=timeout_ms)
    first.page.wait_for_function("() => document.querySelector('.cswb-steps') !== null", timeout=timeout_ms)
    first.evaluate("el => window.cswbSteps.showStepOf(el)")
    first.wait_for(state="visible", timeout=timeout_ms)
    return first


# -- the editing table (widgets/editable_table.py): a list, and a form beside it ----------------------

ROW_OF_TEXT = """([root, value]) => {
  for (const tr of root.querySelectorAll("tbody tr.cswb-et-row")) {
    const texts = [...tr.querySelectorAll("td")].map((td) => {
      const open = td.querySelector(".cswb-et-open");
      return (open ? open.firstChild.textContent : td.textContent);
    });
    if (texts.includes(value)) return Number(tr.querySelector("th").textContent);
  }
  return 0;
}"""


def table_widget(scope, caption: str, timeout_ms: float = 120_000):  # -> Locator
    """The editing table whose list has this caption: its tools, list, form and status line."""
    # The apps show one workbook step at a time: show the step that holds the table first.
    table = reveal(scope.get_by_role("table", name=caption, exact=True, include_hidden=True), timeout_ms)
    return table.locator("xpath=ancestor::div[contains(concat(' ', normalize-space(@class), ' '), ' cswb-et ')][1]")


def open_row(widget, n: int) -> None:
    """Open row `n` of the list in the form (its first value is a button named "..., row n")."""
    from playwright.sync_api import expect

    widget.locator("tbody").get_by_role("button", name=re.compile(rf", row {n}$")).click()
    expect(widget.locator(".cswb-et-form-heading")).to_have_text(re.compile(rf"\(row {n}\)$|row {n}$"))


def row_number(widget, value: str, timeout_ms: float = 30_000) -> int:
    """The number of the list's row that shows `value` in a cell, once it does."""
    found = widget.page.wait_for_function(ROW_OF_TEXT, arg=[widget.element_handle(), value], timeout=timeout_ms)
    return int(found.json_value())
