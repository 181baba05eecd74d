"""`make demo` keeps the demo community's edits: it creates the workspace only when it is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cswb_widgets.store import Workspace

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _make(target: str, demo_dir: Path) -> subprocess.CompletedProcess[str]:
    # This interpreter's environment stands in for .venv (the target itself installs nothing).
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(REPO), target, f"BIN={Path(sys.executable).parent}",
         f"DEMO_DIR={demo_dir}"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )


@pytest.mark.slow
def test_make_demo_twice_keeps_an_edit(tmp_path: Path) -> None:
    first = _make("demo-workspace", tmp_path)
    assert first.returncode == 0, first.stderr
    workspace = tmp_path / "maple-falls"
    with Workspace.open(workspace) as ws:
        organization = ws.table("organizations")["id"].iloc[0]
        ws.update("organizations", organization, description="Edited during the demo")
    second = _make("demo-workspace", tmp_path)
    assert second.returncode == 0, second.stderr
    assert "created workspace" not in second.stdout  # not made again
    with Workspace.open(workspace) as ws:
        kept = ws.table("organizations").set_index("id").loc[organization, "description"]
    assert kept == "Edited during the demo"
