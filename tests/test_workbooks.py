"""The Commitment and Buy-in workbooks: report mode executed for every sample, app mode driven in-process."""

from __future__ import annotations

import ast
import base64
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ipywidgets
import nbformat
import pandas as pd
import pytest
from IPython.display import HTML
from sample_workspaces import SAMPLES, built, copy_of

from cswb_widgets.model import commitment, engagement
from cswb_widgets.model.commitment import SeatStatus
from cswb_widgets.model.engagement import PeriodSummary
from cswb_widgets.model.readiness import Check
from cswb_widgets.paths import workbooks_dir
from cswb_widgets.report.runner import Runner
from cswb_widgets.store import Workspace
from cswb_widgets.widgets.sections import Deferred
from cswb_widgets.workbooks import BuyInWorkbook, CommitmentWorkbook

NOTEBOOKS = ["commitment", "buy_in", "risk", "assets", "evaluation", "implementation"]
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def report_runner() -> Iterator[Runner]:
    runner = Runner()
    yield runner
    runner.discard()


def _outputs(nb: nbformat.NotebookNode) -> list[dict]:
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]


def _text(nb: nbformat.NotebookNode) -> str:
    return "\n".join(json.dumps(o.get("data", {})) for o in _outputs(nb))


def test_notebooks_are_committed_without_outputs_and_their_part_cells_only_show() -> None:
    for name in NOTEBOOKS:
        nb = nbformat.read(workbooks_dir() / f"{name}.ipynb", as_version=4)
        nbformat.validate(nb)
        assert len({c.id for c in nb.cells}) == len(nb.cells), "cell ids are unique"
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert "parameters" in code[0].metadata.get("tags", [])
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
        for cell in code:
            ast.parse(cell.source)
            if any(t.startswith("part:") for t in cell.metadata.get("tags", [])):
                # a report leaves out the part cells it does not use: they must compute nothing later cells need
                assert cell.source.startswith("book.") and len(cell.source.splitlines()) == 1, cell.source


@pytest.mark.slow
@pytest.mark.parametrize("sample", SAMPLES)
@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_report_mode_runs_for_every_sample(
    notebook: str, sample: str, sample_sources: dict[str, Path], report_runner: Runner, tmp_path: Path
) -> None:
    source = sample_sources[sample]
    workspace = copy_of(source, tmp_path / sample)
    before = (workspace / "workspace.sqlite").read_bytes()
    out = tmp_path / f"{notebook}.ipynb"
    # Every cell, with papermill, on the kernel `cswb report` keeps between notebooks (the namespace
    # reset in between is part of what runs here); test_report runs one by hand on a fresh kernel.
    run = report_runner.run(workbooks_dir() / f"{notebook}.ipynb", workspace, out)
    assert run.ok, run.error
    nb = nbformat.read(out, as_version=4)
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert not [o for o in outputs if WIDGET_MIME in o.get("data", {})], "report mode must be widget-free"
    code_cells = [c for c in nb.cells if c.cell_type == "code" and any(t.startswith("part:") for t in c.metadata.get("tags", []))]
    assert all(c.get("outputs") for c in code_cells), "every part shows something"
    text = _text(nb)
    people = Workspace.open(workspace).table("people")
    for email in people["email"].dropna():
        assert email not in text, "contact data never appears in a report"
    if notebook == "commitment":
        community = Workspace.open(workspace).community
        # A First Nation's own plan is not bound by the Act's list of seats: it is guidance there.
        seats = "Advisory committee seats (the Act" if community["kind"] == "first_nation" \
            else "Required advisory committee seats"
        assert seats in text
        assert community["name"] in text
    elif notebook == "buy_in":
        assert "<svg" in text and "What people raised" in text
    elif notebook == "risk":
        assert "Risks ranked by priority score" in text and "How the score of" in text and "<svg" in text
    elif notebook == "assets":
        assert "Assets by priority risk and planning area" in text and "Capacity gap by risk" in text
    elif notebook == "evaluation":
        assert "Strategies by priority risk and planning area" in text and "Logic model:" in text and "Progress of each measure" in text
    elif notebook == "implementation":
        assert "requirements for the plan are met" in text and "Who reports to whom" in text and "The plan cycle" in text
    assert (workspace / "workspace.sqlite").read_bytes() == before, "report mode writes nothing"


def test_report_mode_suppresses_small_counts_in_the_theme_chart(maple: Path) -> None:
    ws = Workspace.open(maple)
    for _ in range(2):
        ws.add("feedback", text="Gambling at the new casino", risk_categories=["gambling"])
    report = BuyInWorkbook.open(maple, "report").theme_chart()
    assert isinstance(report, HTML)
    assert "&lt;5" in report.data and "Gambling" in report.data
    app = BuyInWorkbook.open(maple, "app").theme_chart().content
    assert "&lt;5" not in app.view.value  # the working view shows exact counts


def test_app_mode_returns_widgets_bound_to_the_workspace(maple: Path) -> None:
    book = CommitmentWorkbook.open(maple, "app")
    for part in ("header", "guidance", "councils", "organizations", "people", "groups", "memberships",
                 "seat_coverage", "leaders", "terms_of_reference", "evidence"):
        assert isinstance(built(getattr(book, part)()), ipywidgets.Widget), part
    book = BuyInWorkbook.open(maple, "app")
    for part in ("header", "periods", "activities", "consultation", "quick_feedback", "survey_import",
                 "feedback", "theme_chart", "period_summaries", "identity"):
        assert isinstance(built(getattr(book, part)()), ipywidgets.Widget), part


def test_sections_are_built_when_the_browser_shows_them(maple: Path) -> None:
    section = CommitmentWorkbook.open(maple, "app").organizations()
    assert isinstance(section, Deferred)
    placeholder = section.children[0]  # the placeholder alone: nothing read from the workspace yet
    assert len(section.children) == 1 and placeholder.text == "Loading…"
    placeholder._handle_custom_msg({"type": "shown"}, [])  # what the placeholder's script sends
    assert section.children[0] is section.content
    assert section.content.table_name == "organizations"


def test_an_app_page_reads_each_table_once_per_change_of_the_workspace(
    maple: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cswb_widgets.workbooks import ImplementationWorkbook

    reads: list[str] = []
    real_table = Workspace.table

    def counted(self: Workspace, name: str, **kwargs: Any) -> pd.DataFrame:
        reads.append(name)
        return real_table(self, name, **kwargs)

    monkeypatch.setattr(Workspace, "table", counted)
    book = ImplementationWorkbook.open(maple, "app")
    header = book.header().children[0]  # the stage header: every stage's readiness
    readiness = book.readiness().content  # the first step: the whole plan's readiness
    assert reads and len(reads) == len(set(reads)), "a table read twice for one page render"
    assert {"actions", "measures", "risks", "groups"} <= set(reads)
    # What one part does to its frames stays its own.
    book.working_tables()["actions"].drop(book.working_tables()["actions"].index, inplace=True)
    assert not book.working_tables()["actions"].empty
    # A change (here, from another page) is read afresh, once.
    with Workspace.open(maple) as other:
        other.add("organizations", name="Maple Falls Food Bank", sector="community_social_services")
    reads.clear()
    header.refresh()
    readiness.refresh()
    assert "organizations" in reads and len(reads) == len(set(reads))


def test_display_name_goes_to_the_change_history(maple: Path) -> None:
    book = CommitmentWorkbook.open(maple, "app")
    header = book.header()
    header.children[1].name = "Alex (library)"  # the EditorName widget, as the browser's saved name arrives
    book.ws.add("organizations", name="Maple Falls Public Library", sector="culture_recreation")
    assert book.ws.history("organizations")["actor"].iloc[-1] == "Alex (library)"


def test_terms_of_reference_builder_saves_and_offers_downloads(maple: Path) -> None:
    book = CommitmentWorkbook.open(maple, "app")
    builder = book.terms_of_reference().content
    team = book.ws.table("groups").query("kind == 'implementation_team'")["id"].iloc[0]
    builder.group_picker.value = team
    builder.editors["goals_purpose"].value = "Cut evictions by a third. " + HOSTILE
    builder.editors["membership"].value = "Housing providers, legal clinic, tenants."
    assert builder.save()
    builder.prepare_downloads()
    sections = book.ws.table("tor_sections").query("group_id == @team").set_index("section")["text"]
    assert sections["goals_purpose"].endswith(HOSTILE)
    assert "Housing providers" in sections["membership"]
    links = builder.downloads.value
    html = base64.b64decode(links.split("data:text/html;base64,")[1].split('"')[0]).decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    assert 'download="terms-of-reference-' in links and ".docx" in links
    builder.editors["membership"].value = ""  # emptied: the section goes
    assert builder.save()
    assert "membership" not in set(book.ws.table("tor_sections").query("group_id == @team")["section"])


def test_quick_feedback_suggests_tags_and_saves(maple: Path) -> None:
    book = BuyInWorkbook.open(maple, "app")
    entry = book.quick_feedback().content
    before = book.ws.count("feedback")
    entry.text.value = "My neighbour was evicted and is couch surfing"
    assert "Housing" in entry.suggested.value
    entry.use_suggestions.click()
    assert "housing" in entry.categories.value
    assert entry.save()
    assert book.ws.count("feedback") == before + 1
    assert book.ws.table("feedback")["risk_categories"].iloc[-1] == ["housing"]
    assert entry.text.value == ""  # ready for the next one
    entry.text.value = "   "
    assert entry.save() is None and "a value is required" in entry.status.value
    assert book.ws.count("feedback") == before + 1


def test_survey_upload_imports_answers_or_refuses_cleanly(maple: Path) -> None:
    book = BuyInWorkbook.open(maple, "app")
    upload = book.survey_import().content
    before = book.ws.count("feedback")
    upload.load_file("export.csv", b"When,Your concern,Age\n2024-06-01,Too many overdoses,25-34\n2024-06-02,,65+\n")
    assert upload.answers.options[1] == ("Your concern", "Your concern")
    upload.answers.value = ("Your concern",)
    upload.date.value = "When"
    assert upload.run() == 1
    assert book.ws.count("feedback") == before + 1
    upload.load_file("bad.csv", b"When,Your concern\nyesterday,Loud parties\n")
    upload.answers.value = ("Your concern",)
    upload.date.value = "When"
    assert upload.run() is None
    assert "bad.csv, row 2, column &#39;When&#39;: expected a date" in upload.status.value
    assert book.ws.count("feedback") == before + 1
    upload.load_file("empty.csv", b"")
    assert "the file is empty" in upload.status.value


def test_tag_suggestions_apply_in_one_change(maple: Path) -> None:
    book = BuyInWorkbook.open(maple, "app")
    book.ws.add("feedback", text="Landlord keeps raising the rent")
    panel = book.feedback().content.children[0]
    assert "Landlord keeps raising the rent" in panel.view.value
    applied = panel.apply()
    assert applied >= 1
    assert book.ws.table("feedback")["risk_categories"].iloc[-1] == ["housing"]
    assert len(set(book.ws.history("feedback").tail(applied)["change_id"])) == 1  # one undoable change


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "#1d4e43").save(buffer, format="PNG")
    return buffer.getvalue()


def test_plan_identity_accepts_png_and_refuses_svg(maple: Path) -> None:
    book = BuyInWorkbook.open(maple, "app")
    identity = book.identity().content
    assert not identity.set_logo(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')
    assert "PNG or JPEG" in identity.status.value
    assert identity.set_logo(_png())
    assert book.ws.community["logo"].startswith("data:image/png;base64,")
    assert 'src="data:image/png;base64,' in identity.preview.value
    report = BuyInWorkbook.open(maple, "report").identity()
    assert "data:image/png;base64," in report.data


def test_a_refused_workspace_shows_one_message_and_nothing_else(tmp_path: Path) -> None:
    book = CommitmentWorkbook.open(tmp_path / "nowhere", "app")
    first = book.header()
    assert "cannot be opened" in first.data and 'role="alert"' in first.data
    assert book.seat_coverage().data == ""
    with pytest.raises(Exception, match="no workspace here"):
        CommitmentWorkbook.open(tmp_path / "nowhere", "report")


def test_community_map_is_offline_and_titled(maple: Path) -> None:
    import re

    report = CommitmentWorkbook.open(maple, "report").community_map().data
    assert '<iframe title="Community boundary and sub-areas"' in report
    # Nothing to fetch: no script, stylesheet, image or frame from elsewhere (links are fine).
    assert not re.search(r"&lt;(script|link|img|iframe)\b[^&]*(src|href)=&#34;https?://", report)
    assert "Ward 3" in report
    panel = CommitmentWorkbook.open(maple, "app").community_map().content
    ws = Workspace.open(maple)
    ws.add("areas", name=HOSTILE, kind="neighbourhood",
           geometry={"type": "Polygon", "coordinates": [[[-80.8, 43.95], [-80.79, 43.95], [-80.79, 43.96], [-80.8, 43.95]]]})
    panel.refresh()
    assert "<img src=x" not in panel.value and "onerror=alert(1)&gt;" not in panel.value.split("srcdoc=")[0]


def test_header_links_only_to_workbooks_that_exist(maple: Path) -> None:
    import re

    from cswb_widgets.framework import load_catalogue

    html = CommitmentWorkbook.open(maple, "report").header().data
    names = {title: tag for tag, title in re.findall(r"<li><(a|span)[^>]*>\d\. ([^<]*)", html)}
    for stage in load_catalogue().stages:
        installed = (workbooks_dir() / f"{stage.key}.ipynb").exists()
        assert names[stage.title] == ("a" if installed else "span"), stage.key
    assert 'href="buy_in.ipynb?workspace=maple-falls"' in html


# -- what the parts compute: functions a notebook may replace -----------------------------------------


def _shown_text(widget: Any) -> str:
    """Every piece of HTML an app section shows (its HTML widgets' values, through its children)."""
    parts = [widget.value] if isinstance(widget, ipywidgets.HTML) else []
    for child in getattr(widget, "children", ()):
        parts.append(_shown_text(child))
    return "\n".join(parts)


def _own_roster(tables: Any) -> pd.DataFrame:
    return commitment.roster(tables).assign(person="Rostered by the analyst")


def _own_seats(tables: Any) -> list[SeatStatus]:
    return [SeatStatus("police", "A seat the analyst counts", False, "filled", ("Pat Doe (Town hall)",))]


def _own_matrix(tables: Any) -> pd.DataFrame:
    frame = engagement.consultation_matrix(tables)
    return frame.assign(group=frame["group"] + " (as the analyst counts)")


def _own_theme_counts(tables: Any, by: str = "risk_categories") -> pd.DataFrame:
    return pd.DataFrame({"key": ["x"], "label": ["A theme the analyst counts"], "count": [12], "share": [1.0]})


def _own_periods(tables: Any) -> list[PeriodSummary]:
    return [PeriodSummary("p", "A period the analyst summarizes", None, None, 1, 10, ("Survey",), ("Youth",), 3,
                          None, "Many came.", None, None, None)]


def _check(stage: str, key: str, title: str) -> Callable[[Any], Check]:
    return lambda tables: Check(stage, key, title, 1, 1)


HOOKS = [
    (CommitmentWorkbook, "roster", _own_roster, ["memberships", "advisory_committee", "implementation_teams"],
     "Rostered by the analyst"),
    (CommitmentWorkbook, "seat_check", _check("commitment", "required_seats", "Seats as the analyst counts them"),
     ["seat_coverage"], "Seats as the analyst counts them"),
    (CommitmentWorkbook, "seat_status", _own_seats, ["seat_coverage"], "A seat the analyst counts"),
    (BuyInWorkbook, "consultation_check", _check("buy_in", "consult_groups", "Groups as the analyst counts them"),
     ["consultation"], "Groups as the analyst counts them"),
    (BuyInWorkbook, "consultation_matrix", _own_matrix, ["consultation"], "Youth (as the analyst counts)"),
    (BuyInWorkbook, "theme_counts", _own_theme_counts, ["theme_chart"], "A theme the analyst counts"),
    (BuyInWorkbook, "summarize_periods", _own_periods, ["period_summaries"], "A period the analyst summarizes"),
]


@pytest.mark.parametrize(("workbook", "hook", "replacement", "parts", "marker"), HOOKS, ids=[h[1] for h in HOOKS])
def test_a_function_the_notebook_sets_computes_what_the_parts_show(
    workbook: type, hook: str, replacement: Callable[..., Any], parts: list[str], marker: str, maple: Path
) -> None:
    for mode in ("report", "app"):
        book = workbook.open(maple, mode)
        for part in parts:
            before = getattr(book, part)()
            shown = before.data if mode == "report" else _shown_text(built(before))
            assert marker not in shown, (mode, part)
        setattr(book, hook, replacement)  # what the notebook's compute cell does
        for part in parts:
            if mode == "app" and part in ("advisory_committee", "implementation_teams"):
                continue  # parts of the printed plan only: apps show nothing there
            after = getattr(book, part)()
            shown = after.data if mode == "report" else _shown_text(built(after))
            assert marker in shown, (mode, part)
