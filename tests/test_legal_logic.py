"""Legal and domain logic (issue 12, item 3): per-council adoption, seat eligibility, date order,
a First Nation's own terms, data sovereignty, consultation wording, counts against rates and
part-year measurements. On the samples where they show it, on hand-built tables where not."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from sample_workspaces import copy_of

from cswb_widgets.cli import main
from cswb_widgets.errors import InputError
from cswb_widgets.framework import load_catalogue
from cswb_widgets.model import adoption, commitment, evaluation, implementation, readiness, risk_evidence, sovereignty
from cswb_widgets.render import WorkspaceTables
from cswb_widgets.render.coverage import coverage_html
from cswb_widgets.store import Workspace
from cswb_widgets.store.tabular import import_file

D = dt.date


def tables(path: Path) -> WorkspaceTables:
    return WorkspaceTables(Workspace.open(path))


# -- adoption, council by council ------------------------------------------------------------------------


def test_joint_plan_is_not_adopted_while_a_council_has_only_taken_part(sample_sources: dict[str, Path], tmp_path: Path) -> None:
    path = copy_of(sample_sources["tamarack-county"], tmp_path / "tamarack")
    councils = {c.community: c for c in adoption.council_adoptions(tables(path))}
    stonebridge = councils["Town of Stonebridge"]
    # Its 2023 resolution to take part is recorded, and is not an adoption.
    assert stonebridge.participation == D(2023, 11, 21)
    assert stonebridge.adopted is None and stonebridge.status == adoption.TOOK_PART_ONLY
    assert stonebridge.publication_due is None and stonebridge.review_due is None
    county, town = councils["Tamarack County"], councils["Town of Elm Hollow"]
    assert (county.adopted, county.publication_due, county.review_due) == (D(2025, 6, 10), D(2025, 7, 10), D(2029, 6, 10))
    assert (town.adopted, town.publication_due, town.review_due) == (D(2025, 6, 16), D(2025, 7, 16), D(2029, 6, 16))
    # The Band Council endorsed the plan in its own terms; the Act's deadlines do not bind it.
    cedar = councils["Cedar Narrows First Nation"]
    assert cedar.status == adoption.APPROVED_BY_BAND_COUNCIL and cedar.publication_due is None
    assert councils["City of Port Alder"].status == adoption.PARTNER
    assert not adoption.plan_adopted(tables(path)) and adoption.in_force_since(tables(path)) is None
    check = readiness.council_resolutions(tables(path))
    assert (check.done, check.total, check.complete) == (3, 4, False)
    assert check.missing == ("Town of Stonebridge: took part; has not adopted the plan",)
    cycle = implementation.plan_cycle(tables(path), D(2025, 9, 1))
    assert cycle.adoption is None  # not in force until every council has adopted it
    assert cycle.notes[0].startswith("Stonebridge Town Council has not adopted the plan")
    assert not readiness.plan_dates(tables(path)).complete

    # Stonebridge adopts it: the plan is in force from that day; each council keeps its own deadlines.
    with Workspace.open(path) as ws:
        ws.add("commitment_evidence", kind="council_resolution", member_community_id="mc-stonebridge",
               date="2025-07-02", description="Council adopted the joint plan.", reference="SB-2025-090")
    councils = {c.community: c for c in adoption.council_adoptions(tables(path))}
    assert councils["Town of Stonebridge"].adopted == D(2025, 7, 2)
    assert councils["Town of Stonebridge"].publication_due == D(2025, 8, 1)
    assert councils["Town of Stonebridge"].reference == "SB-2025-090"
    assert adoption.plan_adopted(tables(path)) and adoption.in_force_since(tables(path)) == D(2025, 7, 2)
    assert readiness.council_resolutions(tables(path)).complete
    cycle = implementation.plan_cycle(tables(path), D(2025, 9, 1))
    assert cycle.adoption == D(2025, 7, 2) and cycle.publication_due == D(2025, 7, 10)
    assert readiness.plan_dates(tables(path)).complete  # published 2025-07-08: after every adoption, in time for each


@pytest.mark.parametrize(("text", "kind"), [
    ("Council adopted the plan 2024-2028.", "adoption"),
    ("Band Council Resolution adopting the Community Safety and Well-Being Plan", "adoption"),
    ("Council adopted the revised plan after its four-year review.", "revision"),
    ("Chief and Council passed a resolution endorsing the joint plan.", "endorsement"),
    ("Council resolved to take part in a joint plan.", "participation"),
    ("Council directed staff to review and update the 2021 plan.", "participation"),
    ("Band Council Resolution", "participation"),  # says nothing of adopting: not an adoption
])
def test_a_resolution_is_an_adoption_only_when_it_says_so(text: str, kind: str) -> None:
    assert adoption.infer_resolution_kind(text) == kind


def test_the_kind_recorded_wins_over_the_wording() -> None:
    record = {"description": "Council adopted the plan", "resolution_kind": "endorsement"}
    assert adoption.resolution_kind(record) == "endorsement"


def test_upgrading_a_version_2_workspace_infers_kinds_and_part_year_periods(tmp_path: Path) -> None:
    with Workspace.create(tmp_path / "old", name="Old Town", kind="municipality") as ws:
        ws.add("commitment_evidence", id="took-part", kind="council_resolution", date="2023-02-01",
               description="Council resolved to take part in the plan.")
        ws.add("commitment_evidence", id="adopted", kind="council_resolution", date="2024-05-28",
               description="Council adopted the plan.")
        ws.add("commitment_evidence", id="budget", kind="realigned_resources", description="Staff time")
        measure = ws.add("measures", expected_outcome="Fewer apprehensions", target=450, target_year=2027)
        ws.add("measurements", id="half", measure_id=measure, date="2025-06-30", value=262,
               note="January to June 2025 only")
        ws.add("measurements", id="year", measure_id=measure, date="2024-12-31", value=574, note="Calendar 2024")
    connection = sqlite3.connect(tmp_path / "old" / "workspace.sqlite")
    with connection:
        connection.execute("UPDATE commitment_evidence SET resolution_kind = NULL")
        connection.execute("UPDATE measurements SET period_start = NULL")
        connection.execute("PRAGMA user_version = 2")
    connection.close()
    with Workspace.open(tmp_path / "old") as ws:
        kinds = dict(zip(ws.table("commitment_evidence")["id"], ws.table("commitment_evidence")["resolution_kind"], strict=True))
        starts = dict(zip(ws.table("measurements")["id"], ws.table("measurements")["period_start"], strict=True))
    assert kinds["took-part"] == "participation" and kinds["adopted"] == "adoption"
    assert pd.isna(kinds["budget"])  # not a council resolution
    assert pd.Timestamp(starts["half"]).date() == D(2025, 1, 1) and pd.isna(starts["year"])


# -- dates in order ------------------------------------------------------------------------------------


def _community(**dates: str) -> dict[str, pd.DataFrame]:
    row = {"id": "community", "name": "Test Town", "kind": "municipality", "adoption_date": None,
           "publication_date": None, "next_review_date": None, "council_term_end": None, "budget_date": None}
    return {"community": pd.DataFrame([{**row, **{k: pd.Timestamp(v) for k, v in dates.items()}}])}


def test_publication_before_adoption_is_a_problem_not_ready() -> None:
    early = _community(adoption_date="2024-05-28", publication_date="2024-04-18", next_review_date="2028-03-31")
    check = readiness.plan_dates(early)
    assert not check.complete
    assert any("publication date (2024-04-18) is before" in m and "(2024-05-28)" in m for m in check.missing)
    notes = implementation.plan_cycle(early, D(2024, 7, 1)).notes
    assert any(n.startswith("Dates out of order: the publication date (2024-04-18)") for n in notes)
    assert not any("within 30 days of adoption" in n for n in notes)
    in_order = _community(adoption_date="2024-05-28", publication_date="2024-06-12", next_review_date="2028-03-31")
    assert readiness.plan_dates(in_order).complete


# -- a First Nation's own plan -------------------------------------------------------------------------


def test_a_first_nations_plan_uses_the_band_councils_terms(sample_sources: dict[str, Path]) -> None:
    whitebirch = tables(sample_sources["whitebirch-lake"])
    assert adoption.first_nation_led(whitebirch)
    dates = readiness.plan_dates(whitebirch)
    assert dates.complete and "Band Council" in dates.title
    cycle = implementation.plan_cycle(whitebirch, D(2025, 1, 1))
    assert cycle.publication_due is None and cycle.review_due is None
    assert any("do not bind it" in n for n in cycle.notes)
    seats = readiness.seat_coverage(whitebirch)
    assert not seats.title.startswith("Required")
    assert "<th scope=\"col\">Recommended</th>" in coverage_html(seats)
    assert not readiness.consultation_coverage(whitebirch).title.startswith("Required")
    maple = tables(sample_sources["maple-falls"])
    assert not adoption.first_nation_led(maple)
    assert readiness.seat_coverage(maple).title.startswith("Required")
    assert "<th scope=\"col\">Required</th>" in coverage_html(readiness.seat_coverage(maple))


def test_the_consultation_list_follows_the_act() -> None:
    names = [g.name for g in load_catalogue().consult_groups]
    assert names[:2] == ["Advisory committee", "Members of the public"]
    for group in ("Youth", "Members of racialized groups", "Members of First Nations communities",
                  "Members of Métis communities", "Members of Inuit communities",
                  "People who have received mental-health or addictions services",
                  "Community organizations that represent these groups"):
        assert group in names


# -- seats -------------------------------------------------------------------------------------------------


def test_a_person_from_the_wrong_sector_cannot_fill_a_seat(sample_sources: dict[str, Path], tmp_path: Path) -> None:
    path = copy_of(sample_sources["maple-falls"], tmp_path / "maple")
    before = readiness.seat_coverage(tables(path))
    assert before.complete
    with Workspace.open(path) as ws:
        board = ws.add("organizations", name="Maple Valley District School Board", sector="education")
        person = ws.add("people", name="Pat Superintendent", organization_id=board, title="Superintendent")
        committee = ws.table("groups").query("kind == 'advisory_committee'")["id"].iloc[0]
        # the only holders of the police and health seats give them up; the superintendent is named instead
        for membership in ws.table("memberships").to_dict("records"):
            if membership["group_id"] == committee and {"police", "health_mental_health"} & set(membership["seats"] or []):
                kept = [s for s in membership["seats"] if s not in ("police", "health_mental_health")]
                ws.update("memberships", membership["id"], seats=kept)
        ws.add("memberships", group_id=committee, person_id=person, role="member",
               seats=["police", "health_mental_health", "education"])
    statuses = {s.key: s for s in commitment.seat_status(tables(path))}
    assert statuses["police"].status == "missing" and statuses["police"].filled_by == ()
    assert statuses["police"].ineligible == (
        "Pat Superintendent (Maple Valley District School Board) is from Education: the “Police service board or "
        "OPP detachment commander” seat needs someone from Police",
    )
    assert "needs someone from Health care, Mental health and addictions or Public health" in statuses["health_mental_health"].ineligible[0]
    assert any(h.startswith("Pat Superintendent") for h in statuses["education"].filled_by)
    check = readiness.seat_coverage(tables(path))
    assert {"police", "health_mental_health"} <= set(check.missing) and check.done == check.total - 2
    assert "Pat Superintendent (Maple Valley District School Board) is from Education" in check.detail


# -- evidence: counts, rates and periods -----------------------------------------------------------------


def _ward_rows(indicator: str, unit: str, values: list[float]) -> pd.DataFrame:
    wards = [f"Ward {n}" for n in range(1, len(values) + 1)]
    return pd.DataFrame({
        "id": [f"{indicator}-{w}" for w in wards], "risk_id": "r", "indicator": indicator, "area": wards, "year": 2024,
        "value": values, "unit": unit, "comparator_value": None, "comparator_label": None, "source": "x",
        "higher_is_worse": True,
    })


def test_ward_counts_are_summed_and_rates_are_not() -> None:
    rows = pd.concat([_ward_rows("Calls", "calls", [100, 10, 40]), _ward_rows("Call rate", "per 1,000", [10, 20, 30])])
    yearly = risk_evidence.community_yearly({"indicators": rows}).set_index("indicator")
    assert yearly.at["Calls", "value"] == 150 and yearly.at["Calls", "areas"] == 3
    assert yearly.at["Call rate", "value"] == 20  # averaged: no populations to weight by
    areas = pd.DataFrame({"id": ["a1", "a2", "a3"], "name": ["Ward 1", "Ward 2", "Ward 3"], "population": [1000, 1000, 2000]})
    weighted = risk_evidence.community_yearly({"indicators": rows, "areas": areas}).set_index("indicator")
    assert weighted.at["Call rate", "value"] == pytest.approx((10 * 1000 + 20 * 1000 + 30 * 2000) / 4000)
    assert weighted.at["Calls", "value"] == 150


def _measure_tables(period_start: str | None) -> dict[str, pd.DataFrame]:
    measures = pd.DataFrame([{
        "id": "m", "outcome_id": None, "expected_outcome": "Fewer apprehensions", "indicator": "Apprehensions",
        "unit": "apprehensions", "baseline": 612.0, "baseline_year": 2023, "target": 450.0, "target_year": 2027,
        "higher_is_better": False,
    }])
    measurements = pd.DataFrame([
        {"id": "a", "measure_id": "m", "date": pd.Timestamp("2024-12-31"), "value": 574.0, "note": None, "period_start": None},
        {"id": "b", "measure_id": "m", "date": pd.Timestamp("2025-06-30"), "value": 262.0, "note": None,
         "period_start": pd.Timestamp(period_start) if period_start else None},
    ])
    return {"measures": measures, "measurements": measurements}


def test_a_part_year_value_is_never_judged_against_an_annual_target() -> None:
    partial = _measure_tables("2025-01-01")
    progress = implementation.indicator_progress(partial).iloc[0]
    assert progress["status"] != "Target reached" and progress["status"].startswith("Incomplete")
    assert progress["latest_partial"] == "2025-01-01 to 2025-06-30" and progress["share_of_way"] is None
    status = evaluation.measure_status(partial).iloc[0]
    assert "reached" not in status["reason"].split(";")[0]
    assert "covers 2025-01-01 to 2025-06-30 only" in status["reason"]
    assert status["status"] == evaluation.OFF_TRACK  # judged on 2024's full-year 574, behind the line to 450
    # The same value for a whole year would reach the target: the period is what changes the verdict.
    whole = implementation.indicator_progress(_measure_tables(None)).iloc[0]
    assert whole["status"] == "Target reached"


def test_the_samples_part_year_figure_is_marked_incomplete(sample_sources: dict[str, Path]) -> None:
    maple = tables(sample_sources["maple-falls"])
    progress = implementation.indicator_progress(maple).set_index("measure_id")
    assert progress.at["pm-mha-3", "latest"] == 262  # "January to June 2025 only", target 450 a year
    assert progress.at["pm-mha-3", "status"].startswith("Incomplete") and progress.at["pm-mha-3", "status"] != "Target reached"
    only_part = evaluation.measure_status({"measures": maple["measures"], "measurements": maple["measurements"].query(
        "measure_id == 'pm-mha-3' and date > '2025-01-01'")}).set_index("measure_id")
    assert only_part.at["pm-mha-3", "status"] == evaluation.PARTIAL


# -- data sovereignty ----------------------------------------------------------------------------------------


def _withhold(path: Path) -> tuple[str, str, str]:
    """Withhold one priority indicator and one measure of the workspace; publish another aggregated only."""
    with Workspace.open(path) as ws:
        indicators = ws.table("indicators")
        by_area = indicators[indicators["area"].notna()]
        aggregated = str(by_area["indicator"].iloc[0])
        priority = set(ws.table("risks").query("priority == True")["id"])
        withheld = str(indicators[indicators["risk_id"].isin(priority) & (indicators["indicator"] != aggregated)]["indicator"].iloc[0])
        owner = ws.table("member_communities")["id"].iloc[0]
        with ws.batch("data sovereignty"):
            for row in indicators[indicators["indicator"] == withheld].itertuples():
                ws.update("indicators", row.id, data_sovereignty="withhold", data_owner_id=owner)
            first = indicators[indicators["indicator"] == aggregated]["id"].iloc[0]
            ws.update("indicators", first, data_sovereignty="aggregated_only", data_owner_id=owner)
            measure = ws.table("measures").iloc[0]
            ws.update("measures", measure["id"], data_sovereignty="withhold")
        return withheld, str(measure["indicator"]), aggregated


def test_published_tables_leave_out_withheld_data_and_sub_areas_of_aggregated_data(
        sample_sources: dict[str, Path], tmp_path: Path) -> None:
    path = copy_of(sample_sources["maple-falls"], tmp_path / "maple")
    withheld, measure, aggregated = _withhold(path)
    working = tables(path)
    published = sovereignty.published_tables(working)
    assert withheld in set(working["indicators"]["indicator"]) and withheld not in set(published["indicators"]["indicator"])
    assert measure not in set(published["measures"]["indicator"])
    withheld_ids = set(working["measures"].query("data_sovereignty == 'withhold'")["id"])
    assert not set(published["measurements"]["measure_id"]) & withheld_ids
    mine = published["indicators"][published["indicators"]["indicator"] == aggregated]
    assert not mine.empty and mine["area"].isna().all()  # whole-community figures only
    expected = risk_evidence.community_yearly(working).query("indicator == @aggregated").set_index("year")["value"]
    assert mine.set_index("year")["value"].sort_index().tolist() == pytest.approx(expected.sort_index().tolist())
    # The working view (apps) still has everything.
    assert set(WorkspaceTables(Workspace.open(path))["indicators"]["indicator"]) == set(working["indicators"]["indicator"])


@pytest.mark.slow
def test_a_withheld_dataset_never_appears_in_the_published_documents(sample_sources: dict[str, Path], tmp_path: Path) -> None:
    path = copy_of(sample_sources["maple-falls"], tmp_path / "maple-falls")
    withheld, measure, _aggregated = _withhold(path)
    documents = []
    for kind in ("plan", "progress"):
        out = tmp_path / kind
        with contextlib.redirect_stdout(io.StringIO()):
            status = main(["report", str(path), "--out", str(out), "--format", "html", "--kind", kind])
        assert status == 0
        found = [d for d in out.rglob("*.html") if "notebooks" not in d.parts]
        assert found, f"no {kind} document"
        documents += found
    for document in documents:
        text = document.read_text(encoding="utf-8")
        assert withheld not in text, document.name
        assert measure not in text, document.name


def test_a_period_ending_before_it_starts_is_refused_in_one_line(tmp_path: Path) -> None:
    with Workspace.create(tmp_path / "w", name="Test Town", kind="municipality") as ws:
        measure = ws.add("measures", expected_outcome="Fewer apprehensions")
        source = tmp_path / "measurements.csv"
        source.write_text(f"measure_id,date,value,period_start\n{measure},2025-06-30,262,2025-01-01\n"
                          f"{measure},2025-06-30,40,2025-09-01\n", encoding="utf-8")
        with pytest.raises(InputError) as refused:
            import_file(ws, source, "measurements")
        assert str(refused.value) == (
            f"{source}, row 3, column 'period_start': 2025-09-01 is after date 2025-06-30: the period measured must "
            "start on or before the day it ends; enter its first day in period_start, or leave it blank for a full period")
        assert ws.count("measurements") == 0  # all or nothing: the good row was not kept either
