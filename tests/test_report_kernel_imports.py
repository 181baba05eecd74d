"""Report mode never loads the widget libraries: a report kernel stays lean and widget-free."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import json, sys
from cswb_widgets.notebooks import NOTEBOOKS, for_report, notebook_path, source_text
given = {"workspace": sys.argv[1], "mode": "report"}  # as papermill injects them after the defaults
for name in NOTEBOOKS:
    notebook, _ = for_report(json.loads(notebook_path(name).read_text()), None)
    namespace = {}
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            exec(compile(source_text(cell), f"{name}.ipynb", "exec"), namespace)
            if "parameters" in cell["metadata"].get("tags", []):
                namespace.update(given)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("ipywidgets", "anywidget", "comm"))
print(json.dumps(loaded))
"""


@pytest.mark.slow
def test_every_workbook_runs_in_report_mode_without_the_widget_libraries(maple: Path) -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(maple)], capture_output=True, text=True, timeout=600,
                          check=False, cwd=maple)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout[-2000:]
