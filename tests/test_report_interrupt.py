"""`cswb report` refuses a workspace `cswb validate` rejects, and leaves nothing behind when stopped.

A stopped batch (SIGTERM from a scheduler, Ctrl-C from a terminal) must end its workers and
their kernels (which run in sessions of their own, out of reach of a process-group signal),
remove its hidden unfinished folders and say so in one line with a non-zero status.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from cswb_widgets.cli import main
from cswb_widgets.report import build_reports
from cswb_widgets.report.batch import PARTIAL_INFIX
from cswb_widgets.report.runner import kernel_socket_folder

# Generous for a loaded two-core machine; every wait polls and ends as soon as its condition holds.
KERNEL_START_DEADLINE = 180.0
CLEAN_UP_DEADLINE = 15.0


def _break_a_reference(workspace: Path) -> str:
    """Point one person at an organization that does not exist, as a tool other than cswb could."""
    with contextlib.closing(sqlite3.connect(workspace / "workspace.sqlite")) as db, db:
        person = db.execute("SELECT id FROM people WHERE deleted_at IS NULL ORDER BY id LIMIT 1").fetchone()[0]
        db.execute("UPDATE people SET organization_id = 'no-such-organization' WHERE id = ?", (person,))
    return person


def test_a_workspace_failing_validate_fails_its_report_with_validates_line(maple: Path, tmp_path: Path) -> None:
    person = _break_a_reference(maple)
    validate_err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(validate_err):
        assert main(["validate", str(maple)]) == 1
    validate_line = validate_err.getvalue().strip().removeprefix("cswb: error: ")

    out = tmp_path / "out"
    [result] = build_reports([maple], out, kind="plan", formats=("html",), progress=False)

    assert not result.ok and result.notebook == "(validate)"
    assert validate_line in result.error
    assert f"people record '{person}' refers to organizations 'no-such-organization'" in result.error
    assert result.runs == {}  # refused before any kernel worked for it
    failed = out / "maple-falls.FAILED"
    assert validate_line in (failed / "error.txt").read_text(encoding="utf-8")
    assert not (out / "maple-falls").exists()
    assert not [p for p in out.iterdir() if PARTIAL_INFIX in p.name]


def test_a_sound_workspace_passes_the_check_and_an_unreadable_one_is_left_to_the_notebooks(maple: Path) -> None:
    from cswb_widgets.report.batch import integrity_refusal

    assert integrity_refusal(maple) is None
    _break_a_reference(maple)
    assert integrity_refusal(maple) is not None
    (maple / "workspace.sqlite").write_bytes(b"not a database at all" * 100)
    assert integrity_refusal(maple) is None  # test_report: the cell that opens it fails, and says why


def _descendants(process: psutil.Process) -> list[psutil.Process]:
    with contextlib.suppress(psutil.Error):
        return process.children(recursive=True)
    return []


def _is_kernel(process: psutil.Process) -> bool:
    with contextlib.suppress(psutil.Error):
        return "ipykernel_launcher" in " ".join(process.cmdline())
    return False


def _alive(process: psutil.Process) -> bool:
    with contextlib.suppress(psutil.Error):
        return process.status() != psutil.STATUS_ZOMBIE
    return False


def _wait_for(condition, deadline_seconds: float, what: str):
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stopped_report_leaves_no_partial_folder_and_no_process(
    sample_sources: dict[str, Path], tmp_path: Path, signum: int, status: int
) -> None:
    out = tmp_path / "out"
    command = [sys.executable, "-m", "cswb_widgets.cli", "report", *(str(p) for p in sample_sources.values()),
               "--out", str(out), "--jobs", "2"]
    report = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    parent = psutil.Process(report.pid)
    try:
        # Mid-run: the unfinished folders exist and the workers have started their kernels.
        _wait_for(lambda: any(_is_kernel(p) for p in _descendants(parent)), KERNEL_START_DEADLINE, "a kernel")
        assert [p for p in out.iterdir() if PARTIAL_INFIX in p.name]
        started = _descendants(parent)
        connection_files = [Path(value) for p in started if _is_kernel(p)
                            for flag, value in itertools.pairwise(p.cmdline()) if flag == "-f"]
        assert connection_files and all(f.exists() for f in connection_files)
        socket_folders = [kernel_socket_folder(f) for f in connection_files]
        assert socket_folders and all(folder is not None and folder.is_dir() for folder in socket_folders)

        report.send_signal(signum)
        _, stderr = report.communicate(timeout=CLEAN_UP_DEADLINE + 30)
    finally:
        if report.poll() is None:
            report.kill()

    assert report.returncode == status
    lines = [line for line in stderr.splitlines() if line.startswith("cswb:")]
    assert lines == [lines[0]] and f"interrupted by {signal.Signals(signum).name}" in lines[0], stderr[-2000:]
    assert "Traceback" not in stderr
    assert not [p.name for p in out.iterdir() if PARTIAL_INFIX in p.name]
    _wait_for(lambda: not [p for p in started if _alive(p)],
              CLEAN_UP_DEADLINE, "the workers and kernels to be gone")
    assert not [f for f in connection_files if f.exists()]
    assert not [folder for folder in socket_folders if folder is not None and folder.exists()]
