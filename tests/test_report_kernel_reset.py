"""A report worker's kept kernel starts each notebook afresh: nothing the last notebook defined or
showed is left (its variables, IPython's output cache), while the imports stay loaded."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from cswb_widgets.report.runner import Runner


def notebook(path: Path, *sources: str) -> Path:
    parameters = nbformat.v4.new_code_cell('workspace = ""\nmode = "app"')
    parameters.metadata["tags"] = ["parameters"]
    cells = [parameters, *(nbformat.v4.new_code_cell(source) for source in sources)]
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "language": "python",
                                                                                   "display_name": "Python 3"}}), path)
    return path


def printed(executed: Path) -> str:
    cells = json.loads(executed.read_text(encoding="utf-8"))["cells"]
    texts = [o.get("text", "") for c in cells if c["cell_type"] == "code" for o in c.get("outputs", [])]
    return "".join("".join(t) if isinstance(t, list) else t for t in texts)


@pytest.mark.slow
def test_the_next_notebook_sees_nothing_of_the_last_one(tmp_path: Path) -> None:
    first = notebook(tmp_path / "first.ipynb", "import statistics\nleftover = 'x' * 1_000_000", "'shown, so cached in Out'",
                     "'shown again'")
    second = notebook(tmp_path / "second.ipynb",
                      "import sys\nprint('leftover' in globals(), len(Out), 'statistics' in sys.modules)")
    runner = Runner()
    try:
        for round_ in range(3):  # after the prelude of each notebook too (its language, its shared tables)
            assert runner.run(first, tmp_path, tmp_path / f"first-{round_}.ipynb").ok
            run = runner.run(second, tmp_path, tmp_path / f"second-{round_}.ipynb")
            assert run.ok, run.error
            assert printed(tmp_path / f"second-{round_}.ipynb") == "False 0 True\n"
    finally:
        runner.discard()
