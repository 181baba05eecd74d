"""`cswb serve --notebooks DIR` shows an analyst's edited notebooks; a workspace's own come first."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_harness import Server
from playwright.sync_api import expect
from test_notebooks import add_criterion

from cswb_widgets.notebooks import write_notebooks
from cswb_widgets.store import Workspace

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _add_cells(path: Path, *cells: tuple[str, list[str]]) -> None:
    """Insert code cells right after the cell that opens the workbook."""
    notebook = json.loads(path.read_text())
    at = next(n for n, c in enumerate(notebook["cells"]) if ".open(workspace, mode" in "".join(c["source"])) + 1
    for source, tags in reversed(cells):
        notebook["cells"].insert(at, {"id": uuid.uuid4().hex[:8], "cell_type": "code", "source": source,
                                      "metadata": {"tags": tags}, "outputs": [], "execution_count": None})
    path.write_text(json.dumps(notebook, indent=1))


def _append_step(path: Path, title: str, source: str) -> None:
    """Add a step at the end, as an analyst would: a level-2 heading and a cell under it."""
    notebook = json.loads(path.read_text())
    notebook["cells"] += [
        {"id": uuid.uuid4().hex[:8], "cell_type": "markdown", "source": f"## {title}", "metadata": {}},
        {"id": uuid.uuid4().hex[:8], "cell_type": "code", "source": source, "metadata": {}, "outputs": [],
         "execution_count": None},
    ]
    path.write_text(json.dumps(notebook, indent=1))


@pytest.fixture(scope="module")
def edited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("edited")
    mine = base / "mine"
    write_notebooks(mine)
    _add_cells(mine / "commitment.ipynb",
               ('from IPython.display import HTML\nHTML("<p>Analyst copy in use</p>")', []),
               ('HTML("<p>Printed in the plan only</p>")', ["report-only"]))
    _append_step(mine / "commitment.ipynb", "Our local notes", 'HTML("<p>A step the analyst added</p>")')
    add_criterion(mine / "risk.ipynb")
    root = base / "workspaces"
    for folder, name in (("town", "Analyst Town"), ("own", "Own Notebook Town")):
        Workspace.create(root / folder, name=name).close()
    (root / "own" / "notebooks").mkdir()
    (root / "own" / "notebooks" / "commitment.ipynb").write_bytes((mine / "commitment.ipynb").read_bytes())
    _add_cells(root / "own" / "notebooks" / "commitment.ipynb",
               ('from IPython.display import HTML\nHTML("<p>This community\'s own notebook</p>")', []))
    server = Server(root, base / "log", options=("--notebooks", str(mine))).start()
    yield server
    server.stop()


def test_the_analysts_copy_and_a_workspaces_own_notebook_are_served(edited_server: Server, page) -> None:
    page.goto(edited_server.url("voila/render/commitment.ipynb?workspace=town"))
    expect(page.get_by_text("Analyst copy in use")).to_be_visible(timeout=120_000)
    steps = page.get_by_role("navigation", name="Steps of this workbook")
    expect(steps.get_by_role("link", name=re.compile("Councils and partner communities"))).to_be_visible()
    expect(page.get_by_text("Printed in the plan only")).to_have_count(0)
    expect(page.get_by_text("This community's own notebook")).to_have_count(0)
    # The analyst's own heading is a step of the menu like the others, and shows its cell.
    added = steps.get_by_role("link", name=re.compile("Our local notes"))
    expect(added).to_be_visible()
    expect(page.get_by_text("A step the analyst added")).to_be_hidden()
    added.click()
    expect(page.get_by_text("A step the analyst added")).to_be_visible()
    expect(page.get_by_role("heading", name="Our local notes", exact=True)).to_be_visible()

    page.goto(edited_server.url("voila/render/commitment.ipynb?workspace=own"))
    expect(page.get_by_text("This community's own notebook")).to_be_visible(timeout=120_000)
    expect(page.get_by_text("Analyst copy in use")).to_be_visible()
    expect(page.get_by_text("Printed in the plan only")).to_have_count(0)
    # the links to the other workbooks keep the served addresses
    expect(page.get_by_role("link", name="Risk", exact=False).first).to_have_attribute(
        "href", "risk.ipynb?workspace=own")


def test_a_criterion_computed_in_the_notebook_ranks_in_the_app(edited_server: Server, page) -> None:
    with Workspace.open(edited_server.root / "town") as ws:
        for name in ("Housing", "Youth violence"):
            ws.add("risks", name=name, category="housing")
    page.goto(edited_server.url("voila/render/risk.ipynb?workspace=town#step-prioritization"))
    weight = page.get_by_label("Weight of Name length (analyst) (computed in the notebook)")
    expect(weight).to_have_value("2", timeout=180_000)
    ranking = page.get_by_role("table", name="Risks ranked by priority score")
    expect(ranking.get_by_role("columnheader", name="Name length (analyst)")).to_be_visible()
    expect(ranking.get_by_role("row").nth(1)).to_contain_text("Youth violence")  # the longer name ranks first
