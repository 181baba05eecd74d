"""An analyst who installs the wheel (no checkout) can still get the notebooks out to edit them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from cswb_widgets.notebooks import NOTEBOOKS
from cswb_widgets.paths import workbooks_dir

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_cswb_notebooks_works_from_the_installed_wheel(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation", "--quiet",
         "-w", str(tmp_path / "dist")],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("cswb_workbook-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    out = tmp_path / "my notebooks"
    script = (
        "import cswb_widgets, sys\n"
        f"assert cswb_widgets.__file__.startswith({str(site)!r}), cswb_widgets.__file__\n"
        "from cswb_widgets.cli import main\n"
        f"sys.exit(main(['notebooks', {str(out)!r}]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "wrote 6 notebooks" in done.stdout
    for name in NOTEBOOKS:
        written = json.loads((out / f"{name}.ipynb").read_text(encoding="utf-8"))
        assert written == json.loads((workbooks_dir() / f"{name}.ipynb").read_text(encoding="utf-8"))
