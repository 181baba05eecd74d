"""What the plan and the progress report say: the plan is the adopted content (no live status, no
app instructions, no codes or ids), says why (prioritization) and to whom (seats, publication);
the progress report says where things stand and what changed since a date."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from sample_workspaces import REPORTS_SINCE, SAMPLES, SampleReports, sample_workspace

from cswb_widgets.cli import main
from cswb_widgets.framework import load_catalogue
from cswb_widgets.model import commitment, readiness
from cswb_widgets.model.adoption import first_nation_led
from cswb_widgets.render import WorkspaceTables, implementation as implementation_html
from cswb_widgets.render.records import detailed_table_html
from cswb_widgets.store import Workspace
from cswb_widgets.store.schema import TABLES

# What only a working view or a progress report says: live status, "today", instructions.
LIVE_PHRASES = ("Overdue", "overdue", "Today", "days ago", "Due in", "Done on", "Fix this in", "Plan readiness",
                "requirements for the plan are met", "Enter the", "enter the", "Still missing", "% complete",
                "Percent complete", "Not yet (")
SINCE = dt.date(2025, 1, 1)
INLINE = {"a", "abbr", "b", "code", "em", "i", "small", "span", "strong", "sub", "sup"}


class _Text(HTMLParser):
    """The text a reader sees (styles and scripts left out) and the text of every table cell."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.cells: list[str] = []
        self._skip = 0
        self._cell: list[str] | None = None
        self.closed_details = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._space(tag)
        if tag in ("style", "script"):
            self._skip += 1
        if tag in ("td", "th"):
            self._cell = []
        if tag == "details" and not any(name == "open" for name, _ in attrs):
            self.closed_details += 1

    def _space(self, tag: str) -> None:
        if tag not in INLINE:  # words in two blocks are two words; "<strong>A</strong>: b" reads "A: b"
            self.chunks.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self._space(tag)
        if tag in ("style", "script"):
            self._skip -= 1
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.chunks.append(data)
        if self._cell is not None:
            self._cell.append(data)


def read(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    parser.text = " ".join("".join(parser.chunks).split())  # type: ignore[attr-defined]
    return parser


def workspace_codes(ws: Workspace) -> tuple[set[str], set[str]]:
    """(ids that look like ids, catalogue keys) the workspace uses."""
    ids: set[str] = set()
    keys: set[str] = set()
    for spec in TABLES:
        frame = ws.table(spec.name)
        if frame.empty:
            continue
        if "id" in frame:
            ids |= {str(v) for v in frame["id"].dropna() if re.search(r"[-_0-9]", str(v))}
        for column in spec.columns:
            if column.choices and column.name in frame:
                for value in frame[column.name].dropna():
                    keys |= {str(v) for v in (value if isinstance(value, list) else [value])}
    return ids, keys


def codes_in(document: _Text, ids: set[str], keys: set[str]) -> list[str]:
    """The ids and catalogue keys a reader would meet: an id or a key with an underscore anywhere in
    the text, a one-word key as a whole table cell."""
    tokens = set(re.findall(r"[\w-]+", document.text))  # type: ignore[attr-defined]
    tokens |= {part for token in tokens for part in token.split("-")}  # a key in a hyphenated phrase
    found = [i for i in ids if i in tokens]
    found += [k for k in keys if "_" in k and k in tokens]
    found += [k for k in keys if k in set(document.cells)]
    return sorted(set(found))


# -- the documents of every sample ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def documents(sample_reports: SampleReports) -> dict[str, dict[str, str]]:
    """Every sample's plan and progress report since SINCE, as `cswb report` made them (once per session)."""
    assert REPORTS_SINCE == SINCE
    made: dict[str, dict[str, str]] = {
        sample: {kind: sample_reports.document(kind, sample, "html").read_text(encoding="utf-8")
                 for kind in ("plan", "progress")}
        for sample in SAMPLES}
    made["_workspaces"] = {sample: str(sample_reports.workspaces[sample]) for sample in SAMPLES}
    return made


def _workspace(documents: dict[str, dict[str, str]], sample: str) -> Workspace:
    return Workspace.open(Path(documents["_workspaces"][sample]), read_only=True)


@pytest.mark.slow
@pytest.mark.parametrize("sample", SAMPLES)
def test_the_plan_has_no_live_status_instruction_or_code(documents: dict[str, dict[str, str]], sample: str) -> None:
    plan = read(documents[sample]["plan"])
    text = plan.text  # type: ignore[attr-defined]
    assert [p for p in LIVE_PHRASES if p in text] == [], sample
    statuses = {e.name for e in load_catalogue().action_statuses}
    assert statuses.isdisjoint(plan.cells), sample  # no action status in any table
    assert plan.closed_details == 0, sample  # nothing folded away that a printed page would not show
    ids, keys = workspace_codes(_workspace(documents, sample))
    assert ids and keys  # the check has something to find
    assert codes_in(plan, ids, keys) == [], sample


@pytest.mark.slow
@pytest.mark.parametrize("sample", SAMPLES)
def test_the_plan_says_why_the_priorities_were_chosen(documents: dict[str, dict[str, str]], sample: str) -> None:
    ws = _workspace(documents, sample)
    tables = WorkspaceTables(ws, published=True)
    text = read(documents[sample]["plan"]).text  # type: ignore[attr-defined]
    assert "How the priority risks were chosen" in text
    for criterion in ws.table("criteria")["name"]:
        assert criterion in text, (sample, criterion)
    assert "Share of the weight" in text and "Workshop votes" in text
    chosen = set(readiness.priority_risks(tables)["id"])
    not_chosen = ws.table("risks")[~ws.table("risks")["id"].isin(chosen)]
    assert len(not_chosen), sample
    block = text[text.index("Risks not chosen, and why"):]
    for name in not_chosen["name"]:
        assert f"{name}: ranked" in block, (sample, name)


@pytest.mark.slow
@pytest.mark.parametrize("sample", SAMPLES)
def test_the_plan_names_each_members_seat_and_publication(documents: dict[str, dict[str, str]], sample: str) -> None:
    ws = _workspace(documents, sample)
    tables = WorkspaceTables(ws, published=True)
    plan = read(documents[sample]["plan"])
    text, cells = plan.text, plan.cells  # type: ignore[attr-defined]
    statuses = commitment.seat_status(tables)
    assert any(s.filled_by for s in statuses), sample
    for status in statuses:  # every seat: its holders (and theirs in the member list), or why it is not applicable
        after = cells[cells.index(status.name, cells.index("Seat")) + 1]
        if status.filled_by:
            assert after == "; ".join(status.filled_by), (sample, status.name)
        elif status.status == "not applicable":
            assert after.startswith("Not applicable") and status.reason in after, (sample, status.name)
        for holder in status.filled_by:
            row = cells.index(holder.split(" (")[0])
            assert status.name in cells[row + 2].split("; "), (sample, holder)
    if first_nation_led(tables):  # the Band Council's terms: no heading, caption or column says "required"
        titles = re.findall(r"<(?:h\d|caption|th)\b[^>]*>(.*?)</(?:h\d|caption|th)>", documents[sample]["plan"], re.S)
        assert titles and not [t for t in titles if re.search(r"\b[Rr]equire", t)], sample
        assert "Approved by Band Council resolution" in text, sample
    else:
        assert "Seats the Community Safety and Policing Act, 2019 requires" in text
    # Indicator tables: the comparator and the collection method (the framework's 8th column).
    assert "Comparator (latest year)" in text and "Collection method:" in text, sample
    for method in ws.table("measures")["collection_method"].dropna():
        assert method in text, (sample, method)
    # The publication statement: where, printed copy and accessible formats on request, an organization.
    community = ws.community
    statement = text[text.index("Publication and accessible formats"):]
    assert f"posted online at {community['website']}" in statement, sample
    assert "printed copy" in statement and "accessible formats" in statement, sample
    organization, _ = implementation_html.publication_contact(tables)
    assert organization and f"contact {organization}" in statement, sample
    assert organization not in set(ws.table("people")["name"])  # an organization, not a person


@pytest.mark.slow
@pytest.mark.parametrize("sample", SAMPLES)
def test_the_progress_report_has_status_and_change_since(documents: dict[str, dict[str, str]], sample: str) -> None:
    progress = read(documents[sample]["progress"])
    text = progress.text  # type: ignore[attr-defined]
    ws = _workspace(documents, sample)
    statuses = {e.name for e in load_catalogue().action_statuses}
    assert statuses & set(progress.cells), sample  # each action's status
    assert f"({SINCE.isoformat()})" in text and "the date chosen" in text, sample
    updates = ws.table("action_updates")
    after = sum(1 for d in updates["date"] if pd.notna(d) and dt.date.fromisoformat(str(d)[:10]) > SINCE)
    assert f"{after} progress updates" in text, sample
    assert "Fix this in" not in text and "Enter the" not in text, sample
    ids, keys = workspace_codes(ws)
    assert codes_in(progress, ids, keys) == [], sample


# -- fast checks of the parts --------------------------------------------------------------------------------


def test_a_wide_record_keeps_its_details_below_it() -> None:
    frame = pd.DataFrame({"title": ["Open a drop-in"], "lead": ["Library"], "when": ["2024-07-01 to 2025-06-30"],
                          "partners": ["Food bank; <b>School</b>"], "resources": [None]})
    html = detailed_table_html(frame, ["title", "lead", "when"], ["partners", "resources"],
                               labels={"when": "Timeframe"}, row_header="title", nowrap=("when",), style=False)
    assert html.count("<th scope=\"col\">") == 3  # three columns, whatever the details
    assert '<td style="white-space: nowrap">2024-07-01 to 2025-06-30</td>' in html
    assert "<strong>Partners:</strong> Food bank; &lt;b&gt;School&lt;/b&gt;" in html
    assert "Resources" not in html  # a blank detail is left out
    assert 'colspan="3"' in html


def test_the_plans_actions_table_has_no_status_and_few_columns(tmp_path: Path) -> None:
    ws = Workspace.open(sample_workspace("maple-falls", tmp_path / "mf"), read_only=True)
    tables = WorkspaceTables(ws, published=True)
    html = implementation_html.actions_html(tables)
    document = read(html)
    headers = re.findall(r'<table[^>]*>.*?</thead>', html, re.S)
    assert headers and all(h.count('scope="col"') <= 3 for h in headers)
    statuses = {e.name for e in load_catalogue().action_statuses}
    assert statuses.isdisjoint(document.cells)
    for title in ws.table("actions")["title"]:
        assert title in document.text  # type: ignore[attr-defined]


def test_since_is_for_the_progress_report_and_must_be_a_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = sample_workspace("maple-falls", tmp_path / "mf")
    assert main(["report", str(path), "--out", str(tmp_path / "out"), "--since", "2025-01-01"]) != 0
    assert "--since is for the progress report" in capsys.readouterr().err
    assert main(["report", str(path), "--out", str(tmp_path / "out"), "--kind", "progress", "--since", "Jan 2025"]) != 0
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_withheld_indicator_lends_no_comparator_to_the_plan(tmp_path: Path) -> None:
    from cswb_widgets.render import evaluation, risk

    indicator = "Drug- and alcohol-related police calls per 1,000 residents"
    path = sample_workspace("whitebirch-lake", tmp_path / "wl")
    ws = Workspace.open(path)
    published = WorkspaceTables(ws, published=True)
    assert "Ontario (illustrative): 12.1 (2024)" in evaluation.outcomes_by_risk_html(published)
    rows = ws.table("indicators")
    ws.update("indicators", rows.loc[rows["indicator"] == indicator, "id"].iloc[0], data_sovereignty="withhold")
    published = WorkspaceTables(ws, published=True)
    outcomes = evaluation.outcomes_by_risk_html(published)
    assert "Ontario (illustrative): 12.1 (2024)" not in outcomes
    assert indicator not in risk.priority_profiles_html(published)
    assert indicator in risk.priority_profiles_html(WorkspaceTables(ws, published=False))  # the apps still see it
