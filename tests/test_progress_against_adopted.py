"""Progress reports measure against the adopted version: its actions, measures and targets, with
today's status; rows added since marked, rows dropped since shown as dropped, a changed target
judged against the adopted one and the change stated; `--version` chooses the version."""

from __future__ import annotations

import datetime as dt
import html as html_text
import json
import re
from pathlib import Path

import pytest
from test_versions import adopt_revision_resolution, cswb, one_line_error, revise

from cswb_widgets.errors import InputError
from cswb_widgets.model.implementation import indicator_progress, overdue_items
from cswb_widgets.model.plan_versions import (
    ADDED_SINCE,
    DROPPED_SINCE,
    IN_ADOPTED_PLAN,
    SINCE_ADOPTION,
    STANDING,
    measured_against,
    shown_value,
)
from cswb_widgets.report import build_reports
from cswb_widgets.store import Workspace
from cswb_widgets.store.versions import adopt_version, version_tables, workspace_tables
from cswb_widgets.workbooks.evaluation import EvaluationWorkbook
from cswb_widgets.workbooks.implementation import ImplementationWorkbook

CHANGED_MEASURE = "pm-mha-1"  # `revise` raises its target


def text_of(page: str) -> str:
    """A part's HTML as a reader sees it: no style sheet, no tags, one space between words."""
    page = re.sub(r"<style>.*?</style>", "", page, flags=re.DOTALL)
    return " ".join(html_text.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def records(page: str) -> list[str]:
    """Each record of a detailed table (a `<tbody>` per record) as text."""
    return [text_of(body) for body in re.findall(r'<tbody class="cswb-record".*?</tbody>', page, flags=re.DOTALL)]


def record_of(page: str, title: str) -> str:
    [found] = [r for r in records(page) if r.startswith(title)]
    return found


@pytest.fixture
def edited(maple: Path) -> tuple[Path, dict[str, str]]:
    """Maple Falls (adopted as version 1) edited since: an action renamed and its end moved, one
    dropped, one added, a measure's target raised, an adopted action's status changed today."""
    ws = Workspace.open(maple, actor="Clerk")
    adopted = {"title": str(ws.get("actions", "act-01")["title"]),
               "target": shown_value({}, "target", ws.get("measures", CHANGED_MEASURE)["target"])}
    edits = revise(ws)
    ws.update("actions", "act-01", end="2027-12-31")
    ws.update("actions", "act-03", status="completed", percent_complete=100)
    ws.close()
    return maple, {**edits, **{f"adopted_{k}": v for k, v in adopted.items()}}


def test_the_tables_hold_the_adopted_rows_with_todays_status_and_mark_the_rest(
        edited: tuple[Path, dict[str, str]]) -> None:
    path, edits = edited
    with Workspace.open(path, read_only=True) as ws:
        adopted, live = version_tables(ws, 1), workspace_tables(ws)
    tables = measured_against(adopted, live)
    actions = tables["actions"].set_index("id")
    assert list(actions.index[: len(adopted["actions"])]) == list(adopted["actions"]["id"])  # the adopted rows first
    renamed = actions.loc["act-01"]
    assert renamed["title"] == edits["adopted_title"] and renamed[STANDING] == IN_ADOPTED_PLAN
    assert renamed["end"] == adopted["actions"].set_index("id").loc["act-01", "end"]  # the adopted date
    assert "Title: " in renamed[SINCE_ADOPTION] and "→ 2027-12-31" in renamed[SINCE_ADOPTION]
    assert actions.loc["act-03", "status"] == "completed" and actions.loc["act-03", "percent_complete"] == 100
    assert actions.loc["act-02", STANDING] == DROPPED_SINCE and actions.loc["act-02", "title"] == edits["dropped"]
    assert actions.loc[edits["added"], STANDING] == ADDED_SINCE
    assert len(actions) == len(adopted["actions"]) + 1

    progress = indicator_progress(tables).set_index("measure_id")
    changed = progress.loc[CHANGED_MEASURE]
    assert shown_value({}, "target", changed["target"]) == edits["adopted_target"]
    assert changed[SINCE_ADOPTION] == f"Target: {edits['adopted_target']} → 80"
    if changed["share_of_way"] is not None:  # judged on the adopted target, not the working plan's 80
        assert changed["share_of_way"] == pytest.approx(
            (changed["latest"] - changed["baseline"]) / (float(edits["adopted_target"]) - changed["baseline"]))
    # the working plan itself still reads as it is today
    assert live["measures"].set_index("id").loc[CHANGED_MEASURE, "target"] == 80

    late = overdue_items(tables, dt.date(2100, 1, 1))
    assert edits["dropped"] not in set(late["title"])  # dropped, so not late
    assert edits["adopted_title"] in set(late["title"])  # judged on its adopted end date


@pytest.mark.slow
def test_the_progress_report_lists_the_adopted_plan_and_says_what_changed(
        edited: tuple[Path, dict[str, str]]) -> None:
    path, edits = edited
    book = ImplementationWorkbook.open(path, "report", document="progress")
    page = book.progress().data
    note = text_of(page.split("<table", 1)[0])
    assert "measured against version 1 (“2024 plan”)" in note
    assert "added 1 action, dropped 1 action" in note
    added = record_of(page, "Open a youth drop-in centre on Fridays")
    assert added.startswith(f"Open a youth drop-in centre on Fridays ({ADDED_SINCE.lower()})")
    dropped = record_of(page, edits["dropped"])
    assert f"{edits['dropped']} Dropped" in dropped and "Dropped from the working plan since adoption" in dropped
    renamed = record_of(page, edits["adopted_title"])
    assert "Changed in the working plan since adoption (Title: " in renamed and "judged against the adopted dates" in renamed
    assert not any(r.startswith("Extend the mobile crisis team to every night") for r in records(page))

    for part in (book.indicators().data, EvaluationWorkbook.open(path, "report", document="progress").progress().data):
        changed = next(r for r in records(part) if "Since adoption" in r)
        assert (f"Changed in the working plan since adoption (Target: {edits['adopted_target']} → 80); "
                "judged against the adopted target") in changed
        assert f" {edits['adopted_target']} " in changed  # the target column shows the adopted target
    # the plan document and the apps' tables are the working plan, unmarked
    plan = ImplementationWorkbook.open(path, "report").actions().data
    assert ADDED_SINCE.lower() not in plan and "Extend the mobile crisis team to every night" in plan


@pytest.mark.slow
def test_version_chooses_what_the_progress_report_measures_against(edited: tuple[Path, dict[str, str]]) -> None:
    path, edits = edited
    with Workspace.open(path, actor="Clerk") as ws:
        adopt_revision_resolution(ws)
        adopt_version(ws, "2025 revision", revision=True)
    against_first = ImplementationWorkbook.open(path, "report", document="progress", version=1).progress().data
    assert "Open a youth drop-in centre on Fridays (added since the adopted plan)" in text_of(against_first)
    assert edits["dropped"] in text_of(against_first)
    latest = ImplementationWorkbook.open(path, "report", document="progress").progress().data
    assert "measured against version 2 (“2025 revision”)" in text_of(latest)
    assert ADDED_SINCE.lower() not in text_of(latest) and edits["dropped"] not in text_of(latest)
    with pytest.raises(InputError, match=r"no plan version 3 \(this plan has versions 1, 2\)"):
        ImplementationWorkbook.open(path, "report", document="progress", version=3).progress()


def test_a_draft_is_measured_against_itself(sample_sources: dict[str, Path]) -> None:
    book = ImplementationWorkbook.open(sample_sources["tamarack-county"], "report", document="progress")
    page = book.progress().data
    assert "No version of the plan has been adopted yet" in page
    assert ADDED_SINCE.lower() not in page and DROPPED_SINCE.lower() not in page


@pytest.mark.slow
def test_cswb_report_progress_version_is_on_the_title_page_and_in_the_fingerprint(
        edited: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    path, _edits = edited
    with Workspace.open(path, actor="Clerk") as ws:
        adopt_revision_resolution(ws)
        adopt_version(ws, "2025 revision", revision=True)
    out = tmp_path / "out"
    [first] = build_reports([path], out, kind="progress", version=1, progress=False)
    assert first.ok, first.error
    page = (out / path.name / "progress.html").read_text(encoding="utf-8")
    assert "It measures progress against version 1 of the plan (“2024 plan”)" in text_of(page)
    assert "Open a youth drop-in centre on Fridays (added since the adopted plan)" in text_of(page)
    marker = json.loads((out / path.name / "report.json").read_text(encoding="utf-8"))
    assert marker["measured_against_version"] == 1 and marker["fingerprint"]["options"]["version"] == 1
    [latest] = build_reports([path], out, kind="progress", progress=False)  # another version: made again
    assert latest.ok and latest.status == "ok", latest.error
    marker = json.loads((out / path.name / "report.json").read_text(encoding="utf-8"))
    assert marker["measured_against_version"] == 2 and marker["fingerprint"]["options"]["version"] == "latest"
    assert "against version 2 of the plan (“2025 revision”)" in text_of(
        (out / path.name / "progress.html").read_text(encoding="utf-8"))
    refused = cswb("report", path, "--out", tmp_path / "refused", "--kind", "progress", "--draft")
    assert "--draft chooses the plan to render" in one_line_error(refused)
