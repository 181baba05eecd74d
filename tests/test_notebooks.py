"""The notebooks an analyst edits: their own copies, the tags that tie cells to the plan, and the
plan built from edited notebooks (`cswb report --notebooks`, a workspace's own notebooks)."""

from __future__ import annotations

import contextlib
import io
import json
import re
import uuid
from pathlib import Path

import pytest
from sample_workspaces import copy_of

from cswb_widgets.cli import main
from cswb_widgets.errors import CswbError
from cswb_widgets.notebooks import (
    NOTEBOOKS,
    ContractError,
    check_additions,
    check_folder,
    for_app,
    for_report,
    missing_parts,
    notebook_path,
    parts_in,
    write_notebooks,
)
from cswb_widgets.paths import workbooks_dir
from cswb_widgets.report.assemble import assemble, output_html
from cswb_widgets.report.batch import community_notebooks
from cswb_widgets.report.outline import PLAN, PROGRESS


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, notebook: dict) -> None:
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")


def _code(source: str, tags: list[str] | None = None) -> dict:
    return {"id": uuid.uuid4().hex[:8], "cell_type": "code", "source": source, "metadata": {"tags": tags} if tags else {}, "outputs": [],
            "execution_count": None}


def _markdown(source: str) -> dict:
    return {"id": uuid.uuid4().hex[:8], "cell_type": "markdown", "source": source, "metadata": {}}


# -- the packaged notebooks keep the contract ------------------------------------------------------------


def test_every_part_an_outline_needs_is_tagged_in_the_packaged_notebooks() -> None:
    for outline in (PLAN, PROGRESS):
        for name in outline.notebooks:
            notebook = _read(workbooks_dir() / f"{name}.ipynb")
            assert missing_parts(notebook, outline.parts_of(name)) == [], (outline.kind, name)
    for name in NOTEBOOKS:
        notebook = _read(workbooks_dir() / f"{name}.ipynb")
        parts = parts_in(notebook)
        assert len(parts) == len(set(parts)), f"{name}: each part once"
        first_code = next(c for c in notebook["cells"] if c["cell_type"] == "code")
        assert first_code["metadata"]["tags"] == ["parameters"]
        assert re.search(r'^workspace: str = ""  # .+$', "".join(first_code["source"]), re.MULTILINE), "typed, with help"


def test_notes_about_the_code_are_left_out_of_the_apps() -> None:
    for name in NOTEBOOKS:
        notebook = _read(workbooks_dir() / f"{name}.ipynb")
        for cell in notebook["cells"]:
            text = "".join(cell["source"])
            if cell["cell_type"] == "markdown" and re.search(r"```|`book\.|`\w+\.\w+\(|cswb_widgets", text):
                assert "analyst-notes" in cell["metadata"].get("tags", []), f"{name}: {text[:80]}"
        shown = "".join("".join(c["source"]) for c in for_app(notebook)["cells"] if c["cell_type"] == "markdown")
        assert "```" not in shown and "cswb_widgets" not in shown, name


def test_additions_are_kept_and_checked() -> None:
    notebook = {"cells": [
        _code("x = 1"), _code("book.header()", ["part:header"]), _code("book.prioritization()", ["part:prioritization"]),
        _markdown("## Mine"), _code("show(x)", ["plan:engagement"]), _code("book.ballot()", ["part:ballot", "app-only"]),
    ]}
    trimmed, omitted = for_report(notebook, {"prioritization"}, "plan")
    assert [c["source"] for c in trimmed["cells"] if c["cell_type"] == "code"] == [
        "x = 1", "book.prioritization()", "show(x)"]
    assert omitted == ["header"]
    check_additions(notebook, "risk", "plan", PLAN.section_keys)
    notebook["cells"][4]["metadata"]["tags"] = ["plan:engagment"]
    with pytest.raises(ContractError, match=r"risk\.ipynb, cell 5: the tag 'plan:engagment' names no section of the plan; "
                                            r"use one of: plan:community, .*plan:engagement, .*plan:appendix"):
        check_additions(notebook, "risk", "plan", PLAN.section_keys)


def test_outputs_of_an_analysts_cell_become_html() -> None:
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    html = output_html([
        {"output_type": "stream", "name": "stdout", "text": "<b>3</b> risks\n"},
        {"output_type": "display_data", "data": {"image/png": png + "\n", "text/plain": "<Figure>"}},
        {"output_type": "execute_result", "data": {"text/plain": "<script>x</script>"}},
    ], "Feedback <by> channel", printed=True)
    assert "<pre>&lt;b&gt;3&lt;/b&gt; risks\n</pre>" in html
    assert f'<img src="data:image/png;base64,{png}" alt="Feedback &lt;by&gt; channel">' in html
    assert "<pre>&lt;script&gt;x&lt;/script&gt;</pre>" in html and "<script>" not in html
    assert "risks" not in output_html([{"output_type": "stream", "name": "stdout", "text": "risks"}])


def test_analysts_cells_go_to_their_section_and_the_appendix() -> None:
    from test_report import _fake_notebooks, section, section_keys

    notebooks = _fake_notebooks(["Housing"])
    notebooks["risk"]["cells"] += [
        _markdown("## Shelter use against the province"),
        {**_code("chart()", ["plan:engagement"]), "outputs": [
            {"output_type": "display_data", "data": {"text/html": "<figure>shelter chart</figure>"}}]},
        _markdown("## Method notes"),
        {**_code("notes()", ["plan:appendix"]), "outputs": [
            {"output_type": "display_data", "data": {"text/html": "<p>how we counted</p>"}}]},
    ]
    html = assemble(notebooks, PLAN)
    engagement = section(html, "engagement")
    assert engagement.index("theme_chart") < engagement.index("<h3>Shelter use against the province</h3>")
    assert "<figure>shelter chart</figure>" in engagement
    assert section_keys(html)[-1] == "appendix" and "<p>how we counted</p>" in section(html, "appendix")
    assert "shelter chart" not in assemble(notebooks, PROGRESS), "a plan: cell stays out of the progress report"


# -- where notebooks come from ---------------------------------------------------------------------------


def test_an_analysts_copy_and_a_workspaces_own_notebook_take_precedence(tmp_path: Path) -> None:
    folder, workspace = tmp_path / "mine", tmp_path / "ws"
    written = write_notebooks(folder)
    assert [p.name for p in written] == [f"{n}.ipynb" for n in NOTEBOOKS]
    assert all(p.read_bytes() == (workbooks_dir() / p.name).read_bytes() for p in written)
    (workspace / "notebooks").mkdir(parents=True)
    (workspace / "notebooks" / "risk.ipynb").write_bytes((folder / "risk.ipynb").read_bytes())
    assert notebook_path("risk", workspace=workspace, folder=folder) == workspace / "notebooks" / "risk.ipynb"
    assert notebook_path("assets", workspace=workspace, folder=folder) == folder / "assets.ipynb"
    assert notebook_path("assets", workspace=workspace) == workbooks_dir() / "assets.ipynb"
    assert check_folder(folder) == folder
    with pytest.raises(CswbError, match=r"mine already holds commitment\.ipynb, .*: your edits there are kept; .*--overwrite"):
        write_notebooks(folder)
    (folder / "risk.ipynb").write_text("edited")
    write_notebooks(folder, overwrite=True)
    assert (folder / "risk.ipynb").read_bytes() == (workbooks_dir() / "risk.ipynb").read_bytes()
    with pytest.raises(CswbError, match=r"nowhere: no such folder of notebooks \(make one with 'cswb notebooks"):
        check_folder(tmp_path / "nowhere")
    with pytest.raises(CswbError, match=r"holds none of the workbooks"):
        check_folder(workspace)


def test_cswb_notebooks_writes_the_six(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notebooks", str(tmp_path / "nb")]) == 0
    assert "wrote 6 notebooks" in capsys.readouterr().out
    assert main(["notebooks", str(tmp_path / "nb")]) == 1
    assert "your edits there are kept" in capsys.readouterr().err


def test_a_removed_part_is_named_before_anything_runs(tmp_path: Path) -> None:
    (tmp_path / "ws" / "notebooks").mkdir(parents=True)
    notebook = _read(workbooks_dir() / "evaluation.ipynb")
    notebook["cells"] = [c for c in notebook["cells"] if "part:outcomes_by_risk" not in c.get("metadata", {}).get("tags", [])]
    _write(tmp_path / "ws" / "notebooks" / "evaluation.ipynb", notebook)
    with pytest.raises(ContractError, match=r"^evaluation\.ipynb \(.*ws/notebooks/evaluation\.ipynb\) has no cell tagged "
                                            r"part:outcomes_by_risk, which the plan needs"):
        community_notebooks(tmp_path / "ws", PLAN)
    assert set(community_notebooks(tmp_path / "ws", PROGRESS)) == {"buy_in", "evaluation", "implementation"}


# -- the plan from edited notebooks (executed) -------------------------------------------------------------


def _edited(source: Path, target: Path) -> None:
    """The notebook as an analyst might leave it: every cell commented and reformatted, an extra step."""
    notebook = _read(source)
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code" or "parameters" in cell["metadata"].get("tags", []):
            continue
        lines = "".join(cell["source"]).splitlines()
        last = lines[-1]
        if re.fullmatch(r"book\.\w+\(\)", last):
            last = f"(\n    {last}  # reformatted\n)"
        cell["source"] = "\n".join(["# checked by the analyst", "", *lines[:-1], last]) + "\n"
    notebook["cells"].insert(2, _code("import pandas as pd  # an analyst's own set-up\nEXTRA = pd.Series([1, 2]).sum()"))
    _write(target, notebook)


OWN_CRITERION = """
    by_risk = tables["risks"].set_index("id")["name"].str.len().astype(float)  # computed in pandas
    inputs = inputs.with_criterion("Name length (analyst)", by_risk)
    weights = {"Name length (analyst)": 2.0, **weights}
"""


def add_criterion(path: Path) -> None:
    """The risk notebook with a criterion of the analyst's own in its `rank` function."""
    notebook = _read(path)
    cell = next(c for c in notebook["cells"] if "def rank(" in "".join(c["source"]))
    anchor = "    weights = risk_evidence.weights(tables) if weights is None else weights\n"
    source = "".join(cell["source"])
    assert anchor in source
    cell["source"] = source.replace(anchor, anchor + OWN_CRITERION.lstrip("\n"))
    _write(path, notebook)


@pytest.mark.slow
def test_edited_notebooks_still_make_the_plan_with_the_analysts_chart(
    sample_sources: dict[str, Path], tmp_path: Path
) -> None:
    mine = tmp_path / "mine"
    write_notebooks(mine)
    for name in NOTEBOOKS:
        _edited(mine / f"{name}.ipynb", mine / f"{name}.ipynb")
    buy_in = _read(mine / "buy_in.ipynb")
    buy_in["cells"] += [
        _markdown("## Feedback items by group (analyst)"),
        _code("import matplotlib.pyplot as plt\nfeedback = book.ws.table('feedback')\n"
              "feedback['participant_group'].fillna('not said').value_counts().plot.barh(title='Feedback by group')\nplt.show()",
              ["plan:engagement"]),
        _markdown("## How the analyst counted"),
        _code("print(f'{len(feedback)} feedback items, {EXTRA} extra')", ["plan:appendix"]),
    ]
    _write(mine / "buy_in.ipynb", buy_in)
    add_criterion(mine / "risk.ipynb")
    roots = tmp_path / "ws"
    maple = copy_of(sample_sources["maple-falls"], roots / "maple-falls")
    whitebirch = copy_of(sample_sources["whitebirch-lake"], roots / "whitebirch-lake")
    (whitebirch / "notebooks").mkdir()
    own = _read(mine / "risk.ipynb")  # its own risk notebook, without the priority profiles
    own["cells"] = [c for c in own["cells"] if "part:priority_profiles" not in c["metadata"].get("tags", [])]
    _write(whitebirch / "notebooks" / "risk.ipynb", own)

    out = tmp_path / "out"
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        status = main(["report", str(maple), str(whitebirch), "--out", str(out), "--notebooks", str(mine), "--jobs", "2"])
    summary = buffer.getvalue()
    assert status == 1, summary
    html = (out / "maple-falls" / "plan.html").read_text()
    engagement = html[html.index('id="section-engagement"'):html.index('id="section-teams"')]
    assert "Feedback items by group (analyst)" in engagement
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{200,}" alt="Feedback items by group \(analyst\)">',
                     engagement)
    chosen = html[html.index('id="section-prioritization"'):html.index('id="section-risk-1"')]
    assert "Name length (analyst)" in chosen and "computed in the notebook" in chosen, "the analyst's criterion ranks"
    appendix = html[html.index('id="section-appendix"'):]
    assert re.search(r"<pre>\d+ feedback items, 3 extra\n</pre>", appendix)
    executed = _read(out / "maple-falls" / "notebooks" / "buy_in.ipynb")
    assert executed["metadata"]["papermill"]["input_path"] == str(mine / "buy_in.ipynb")
    assert any("# checked by the analyst" in "".join(c["source"]) for c in executed["cells"])
    row = next(line for line in summary.splitlines() if line.startswith("whitebirch-lake"))
    assert "FAILED" in row and "risk.ipynb" in row and "part:priority_profiles" in row
    error = (out / "whitebirch-lake.FAILED" / "error.txt").read_text()
    assert "whitebirch-lake/notebooks/risk.ipynb) has no cell tagged part:priority_profiles, which the plan needs" in error
