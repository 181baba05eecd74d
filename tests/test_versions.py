"""Adopted plan versions: frozen at adoption, revised, compared, exported, rendered byte for byte."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sample_workspaces import copy_of
from store_backends import new_community_url

from cswb_widgets.errors import CswbWarning, InputError
from cswb_widgets.model.plan_versions import ADDED, CHANGED, DROPPED, compare_plans
from cswb_widgets.render.plan_versions import comparison_html, comparison_text
from cswb_widgets.store import SCHEMA_VERSION, Workspace
from cswb_widgets.store.copy import migrate_workspace
from cswb_widgets.store.history import changes
from cswb_widgets.store.schema import PLAN_VERSIONS_DDL
from cswb_widgets.store.versions import adopt_version, get_version, list_versions, version_tables

MAPLE_COUNCIL = "mc-maple-falls"


def cswb(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cswb_widgets.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cswb: error: "), result.stderr
    return lines[0]


@pytest.fixture
def maple(sample_sources: dict[str, Path], tmp_path: Path) -> Path:
    """Maple Falls as a draft (the sample comes adopted, as 'cswb init --from' makes it): its versions removed."""
    path = copy_of(sample_sources["maple-falls"], tmp_path / "maple-falls")
    raw = sqlite3.connect(path / "workspace.sqlite")
    with raw:
        raw.execute("DROP TABLE plan_versions")  # the triggers forbid deleting a version, not the table
        raw.execute("DELETE FROM _audit WHERE table_name = 'plan_versions'")
        for statement in PLAN_VERSIONS_DDL:
            raw.execute(statement)
    raw.close()
    return path


@pytest.fixture
def maple_anywhere(maple: Path, backend: str, request: pytest.FixtureRequest) -> Path | str:
    """The draft Maple Falls on the test's backend: its folder, or (`cswb migrate`d) a community in PostgreSQL."""
    if backend == "sqlite":
        return maple
    url = new_community_url(request.getfixturevalue("postgres_url"), "maple")
    migrate_workspace(maple, url)
    return url


def revise(ws: Workspace) -> dict[str, str]:
    """Later edits to the working plan: one action renamed, one dropped, one added; a measure's target raised."""
    ws.update("actions", "act-01", title="Extend the mobile crisis team to every night")
    dropped = ws.get("actions", "act-02")["title"]
    ws.delete("actions", "act-02", cascade=True)
    added = ws.add("actions", title="Open a youth drop-in centre on Fridays", planning_area="prevention")
    ws.update("measures", "pm-mha-1", target=80)
    return {"dropped": dropped, "added": added}


def adopt_revision_resolution(ws: Workspace, day: str = "2025-06-10") -> None:
    ws.add("commitment_evidence", kind="council_resolution", member_community_id=MAPLE_COUNCIL, date=day,
           description="Council adopted the revised plan.", reference="Resolution CS-2025-077",
           resolution_kind="revision")


@pytest.mark.slow
def test_adopt_edit_revise_and_compare(maple_anywhere: Path | str) -> None:
    ws = Workspace.open(maple_anywhere, actor="Clerk")
    first = adopt_version(ws, "2024 plan")
    assert (first.number, first.kind, first.adopted_on.isoformat()) == (1, "adoption", "2024-05-28")
    assert [c.statement() for c in first.councils] == [
        "Council of the City of Maple Falls adopted it on 2024-05-28 (Resolution CS-2024-061)"]
    original_title = ws.get("actions", "act-01")["title"]
    edits = revise(ws)

    # later edits leave the adopted version as it was
    adopted = version_tables(ws, 1)
    actions = adopted["actions"].set_index("id")
    assert actions.loc["act-01", "title"] == original_title and "act-02" in actions.index
    assert edits["added"] not in actions.index

    # a revision needs each council's revision resolution after the adopted version
    with pytest.raises(InputError, match="has not adopted a revision since version 1"):
        adopt_version(ws, "2025 revision", revision=True)
    with pytest.raises(InputError, match="add --revision"):
        adopt_version(ws, "2025 revision")
    adopt_revision_resolution(ws)
    second = adopt_version(ws, "2025 revision", revision=True)
    assert (second.number, second.kind, second.adopted_on.isoformat()) == (2, "revision", "2025-06-10")
    assert [v.label for v in list_versions(ws)] == ["2024 plan", "2025 revision"]

    differences = compare_plans(version_tables(ws, 1), version_tables(ws, 2))
    by_change = {(d.section, d.change, d.item): d.details for d in differences}
    assert ("Actions", ADDED, "Open a youth drop-in centre on Fridays") in by_change
    assert ("Actions", DROPPED, edits["dropped"]) in by_change
    renamed = by_change[("Actions", CHANGED, "Extend the mobile crisis team to every night")]
    assert renamed == f"Title: {original_title} → Extend the mobile crisis team to every night"
    target = next(d for d in differences if d.section == "Measures" and d.change == CHANGED)
    assert "Target: 70 → 80" in target.details
    assert not any(d.section in ("Priority risks", "Strategies", "Outcomes") for d in differences)
    # labels, never ids or codes
    text = comparison_text(differences, "version 1", "version 2")
    page = comparison_html(differences, "Maple Falls plan", "version 1", "version 2")
    for code in ("act-0", "pm-mha", edits["added"], "prevention", "mc-maple"):
        assert code not in text and code not in page



def test_a_joint_plan_one_council_has_not_adopted_is_refused_with_the_reason(
        sample_sources: dict[str, Path], tmp_path: Path) -> None:
    ws = Workspace.open(copy_of(sample_sources["tamarack-county"], tmp_path / "tamarack"))
    before = len(ws.history())
    with pytest.raises(InputError) as refused:
        adopt_version(ws, "2025 plan")
    message = str(refused.value)
    assert "not adopted by Stonebridge Town Council yet (took part; has not adopted the plan)" in message
    assert "Tamarack County Council" not in message and "Elm Hollow" not in message  # they did adopt
    assert list_versions(ws) == [] and len(ws.history()) == before


def test_a_version_is_never_changed_undone_or_deleted(maple: Path) -> None:
    ws = Workspace.open(maple, actor="Clerk")
    adopt_version(ws, "2024 plan")
    change = ws.last_change()
    assert change is not None
    with pytest.raises(InputError, match="never taken back"):
        ws.undo(change)
    assert changes(ws, limit=1)[0].what == "adopted plan version “2024 plan”"
    assert changes(ws, limit=1)[0].actor == "Clerk"
    ws.close()
    raw = sqlite3.connect(maple / "workspace.sqlite")
    for statement in ("UPDATE plan_versions SET label = 'other'", "DELETE FROM plan_versions"):
        with pytest.raises(sqlite3.IntegrityError, match="never"):
            raw.execute(statement)
    raw.close()
    with pytest.raises(InputError, match=r"no plan version 3 \(this plan has version 1\)"):
        get_version(Workspace.open(maple, read_only=True), 3)


def test_a_schema_3_workspace_is_upgraded_with_plan_versions_and_a_backup(maple: Path) -> None:
    raw = sqlite3.connect(maple / "workspace.sqlite")
    with raw:
        raw.execute("DROP TABLE plan_versions")
        raw.execute("PRAGMA user_version = 3")
    raw.close()
    ws = Workspace.open(maple, actor="Upgrader")
    assert ws.stored_schema_version == 3 and list_versions(ws) == []
    with pytest.warns(CswbWarning, match=f"from schema 3 to {SCHEMA_VERSION}"):
        adopt_version(ws, "2024 plan")
    assert ws.stored_schema_version == SCHEMA_VERSION
    assert (maple / "workspace.backup-v3.sqlite").exists()
    assert [v.label for v in list_versions(Workspace.open(maple, read_only=True))] == ["2024 plan"]


@pytest.mark.slow
def test_cli_lists_exports_and_refuses_in_one_line(maple: Path, sample_sources: dict[str, Path],
                                                    tmp_path: Path) -> None:
    assert cswb("versions", "list", maple).stdout.strip() == "no adopted version: the plan is a draft"
    assert "plan: every council has adopted it, but no version is frozen yet" in cswb("validate", maple).stdout
    assert cswb("versions", "adopt", maple, "--label", "2024 plan").returncode == 0
    original_title = Workspace.open(maple, read_only=True).get("actions", "act-01")["title"]
    Workspace.open(maple).update("actions", "act-01", title="Renamed after adoption")
    listed = cswb("versions", "list", maple).stdout
    assert "plan: adopted, version 1 (“2024 plan”) in force since 2024-05-28" in cswb("validate", maple).stdout
    assert "1  2024 plan  (adoption, in force since 2024-05-28)" in listed
    assert "Resolution CS-2024-061" in listed

    out = tmp_path / "v1"
    assert cswb("versions", "export", maple, "1", out).returncode == 0
    assert cswb("init", tmp_path / "again", "--from", out).returncode == 0
    again = Workspace.open(tmp_path / "again", read_only=True)
    assert again.get("actions", "act-01")["title"] == original_title
    assert len(again.table("actions")) == len(Workspace.open(maple, read_only=True).table("actions"))

    compared = cswb("versions", "compare", maple, "1", "draft", "--out", tmp_path / "compare.html")
    assert f"Title: {original_title} → Renamed after adoption" in compared.stdout
    assert "Renamed after adoption" in (tmp_path / "compare.html").read_text(encoding="utf-8")

    assert "no plan version 4" in one_line_error(cswb("versions", "export", maple, "4", tmp_path / "x"))
    assert "add --revision" in one_line_error(cswb("versions", "adopt", maple, "--label", "Again"))
    tamarack = copy_of(sample_sources["tamarack-county"], tmp_path / "tamarack")
    line = one_line_error(cswb("versions", "adopt", tamarack, "--label", "2025 plan"))
    assert "not adopted by Stonebridge Town Council yet" in line
    assert "no adopted version yet" in one_line_error(cswb("versions", "compare", tamarack, "1", "draft"))


@pytest.mark.slow
def test_the_adopted_plan_is_byte_stable_and_a_draft_says_so_on_every_page(
        maple: Path, sample_sources: dict[str, Path], tmp_path: Path) -> None:
    from cswb_widgets.report import build_reports

    ws = Workspace.open(maple, actor="Clerk")
    adopt_version(ws, "2024 plan")
    first = build_reports([maple], tmp_path / "first", kind="plan", jobs=1, progress=False)
    assert all(r.ok for r in first), first
    before = (tmp_path / "first" / "maple-falls" / "plan.html").read_bytes()
    original_title = ws.get("actions", "act-01")["title"]
    revise(ws)
    second = build_reports([maple], tmp_path / "second", kind="plan", jobs=1, progress=False)
    assert all(r.ok for r in second), second
    after = (tmp_path / "second" / "maple-falls" / "plan.html").read_bytes()
    assert after == before
    text = before.decode("utf-8")
    assert original_title in text and "Extend the mobile crisis team to every night" not in text
    assert 'data-running-header="Maple Falls Community Safety and Well-Being Plan 2024–2028 – 2024 plan"' in text
    assert "Council of the City of Maple Falls adopted it on May 28, 2024 (Resolution CS-2024-061)" in text
    assert "prepared on" not in text and "Draft" not in text

    draft = build_reports([maple, sample_sources["tamarack-county"]], tmp_path / "draft", kind="plan", jobs=2,
                          progress=False, draft=True)
    assert all(r.ok for r in draft), draft
    for name in ("maple-falls", "tamarack-county"):
        page = (tmp_path / "draft" / name / "plan.html").read_text(encoding="utf-8")
        assert "– Draft – not adopted\">" in page.split("<header", 1)[0]  # the running header of every page
        assert "Draft – not adopted. This is the working draft of the plan" in page
        sections = page.count("<section id=\"section-")
        assert sections > 3 and page.count('<p class="cswb-draft-note">Draft – not adopted</p>') == sections
    assert "Extend the mobile crisis team to every night" in (
        tmp_path / "draft" / "maple-falls" / "plan.html").read_text(encoding="utf-8")
    # The joint plan's draft says where each council stands: one adopted it, Stonebridge only took part.
    joint = (tmp_path / "draft" / "tamarack-county" / "plan.html").read_text(encoding="utf-8")
    statement = joint.split('class="cswb-edition cswb-draft-statement"', 1)[1].split("</div>", 1)[0]
    assert re.search(r"<li>[^<]*Stonebridge[^<]*: Took part; has not adopted the plan\.</li>", statement), statement
    assert re.search(r"<li>[^<]*: Adopted \([A-Z][a-z]+ \d{1,2}, \d{4}\)\.</li>", statement), statement


def test_the_launcher_lists_each_communitys_versions_and_plan_state(
        maple: Path, sample_sources: dict[str, Path], tmp_path: Path) -> None:
    from cswb_widgets.serve.launcher import render_launcher, workspace_cards

    adopt_version(Workspace.open(maple, actor="Clerk"), "2024 plan")
    copy_of(sample_sources["tamarack-county"], maple.parent / "tamarack-county")
    cards = {card.slug: card for card in workspace_cards(maple.parent, set())}
    assert cards["maple-falls"].plan_state == "Adopted (2024 plan)"
    assert cards["tamarack-county"].plan_state == "Draft (not adopted)" and cards["tamarack-county"].versions == ()
    page = render_launcher(list(cards.values()))
    assert "<li>2024 plan, adopted May 28, 2024</li>" in page  # a prose date, in the page's language
    assert "Plan: Draft (not adopted)" in page


HOSTILE = '"><img src=x onerror=alert(1)>'


def test_the_title_page_running_header_and_footer_say_which_plan_and_escape_it() -> None:
    import datetime as dt

    from test_report import _fake_notebooks

    from cswb_widgets.report.assemble import Edition, assemble
    from cswb_widgets.report.outline import PLAN, PROGRESS

    day = dt.date(2026, 3, 2)
    adopted = Edition(2, f"2025 revision {HOSTILE}", "revision", "2025-06-10",
                      (f"Town council adopted it on 2025-06-10 (Resolution {HOSTILE})",))
    plan = assemble(_fake_notebooks(["Housing"]), PLAN, today=day, edition=adopted)
    assert "onerror=alert(1)>" not in plan and plan.count("&lt;img src=x onerror=alert(1)&gt;") >= 3
    assert 'data-running-header="Town &amp; Country Plan – 2025 revision &#34;&gt;&lt;img' in plan
    assert "Revision 2 of the plan: “2025 revision" in plan and "Town council adopted it on 2025-06-10" in plan
    assert "2026-03-02" not in plan and "March 2, 2026" not in plan and "Draft" not in plan  # no date of making: the same bytes on any day
    assert plan == assemble(_fake_notebooks(["Housing"]), PLAN, today=day + dt.timedelta(days=400), edition=adopted)

    draft = assemble(_fake_notebooks(["Housing"]), PLAN, today=day)
    assert 'data-running-header="Town &amp; Country Plan – Draft – not adopted"' in draft
    assert "prepared on March 2, 2026; not every council taking part has adopted it" in draft
    partly = assemble(_fake_notebooks(["Housing"]), PLAN, today=day, edition=Edition(councils=(
        "County council: Adopted (2025-06-10)", f"Town council {HOSTILE}: Took part; has not adopted the plan")))
    assert "<li>County council: Adopted (2025-06-10).</li>" in partly and "onerror=alert(1)>" not in partly
    assert "Took part; has not adopted the plan" in partly
    assert draft.count('<p class="cswb-draft-note">') == draft.count('<section id="section-')

    progress = assemble(_fake_notebooks(["Housing"]), PROGRESS, today=day, edition=adopted)
    assert "Progress report, prepared on March 2, 2026. It measures progress against version 2 of the plan" in progress
    assert "cswb-draft-note\">" not in progress


def test_the_comparison_document_escapes_what_people_typed() -> None:
    from cswb_widgets.model.plan_versions import Difference

    differences = [Difference("Actions", CHANGED, HOSTILE, f"Title: a → {HOSTILE}"), Difference("Actions", ADDED, "B")]
    page = comparison_html(differences, HOSTILE, "version 1", "version 2")
    assert "onerror=alert(1)>" not in page and "0 dropped and 1 changed" in page


def test_data_withheld_after_adoption_is_withheld_in_the_version_too(maple_anywhere: Path | str) -> None:
    ws = Workspace.open(maple_anywhere, actor="Clerk")
    adopt_version(ws, "2024 plan")
    ws.update("measures", "pm-mha-1", data_sovereignty="withhold", data_owner_id=MAPLE_COUNCIL)
    ws.update("measures", "pm-mha-2", target=95)  # an ordinary edit stays out of the version
    measures = version_tables(ws, 1)["measures"].set_index("id")
    assert measures.loc["pm-mha-1", "data_sovereignty"] == "withhold"
    assert measures.loc["pm-mha-2", "target"] == 80
