"""Commitment and buy-in model functions, and the readiness checks built on them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from cswb_widgets.model import commitment, engagement, readiness
from cswb_widgets.model.privacy import suppress_small_counts
from cswb_widgets.store import TABLES, Workspace


def tables(ws: Workspace) -> dict[str, pd.DataFrame]:
    return {t.name: ws.table(t.name) for t in TABLES}


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = Workspace.create(tmp_path / "ws", name="Lakeview", kind="municipality")
    ws.add("organizations", id="org-health", name="Lakeview Health Team", sector="health")
    ws.add("organizations", id="org-school", name="Lakeview District School Board", sector="education")
    ws.add("organizations", id="org-police", name="Lakeview Police Service", sector="police")
    ws.add("people", id="p-1", name="Dana Roy", organization_id="org-health")
    ws.add("people", id="p-2", name="Lee Chen", organization_id="org-school", sector="children_youth_services")
    ws.add("people", id="p-3", name="Sam Okafor", organization_id="org-police")
    ws.add("groups", id="g-ac", name="CSWB Advisory Committee", kind="advisory_committee")
    ws.add("groups", id="g-team", name="Housing action table", kind="implementation_team", reports_to="g-ac")
    ws.add("memberships", group_id="g-ac", person_id="p-1", role="champion", seats=["health_mental_health"])
    ws.add("memberships", group_id="g-ac", person_id="p-2", role="member", seats=["education", "children_youth_services"])
    ws.add("memberships", group_id="g-ac", person_id="p-3", role="coordinator", seats=["police"])
    ws.add("memberships", group_id="g-team", person_id="p-1", role="chair")
    return ws


def test_roster_joins_people_organizations_groups_and_seat_names(ws: Workspace) -> None:
    roster = commitment.roster(tables(ws))
    lee = roster[roster["person"] == "Lee Chen"].iloc[0]
    assert lee["organization"] == "Lakeview District School Board"
    assert lee["seats"] == ["Educational services provider", "Community or social services provider to children or youth"]
    assert lee["sector"] == "Children's and youth services"  # the person's own sector wins over the organization's
    assert roster[roster["person"] == "Dana Roy"]["sector"].iloc[0] == "Health care"  # else the organization's
    assert roster[roster["person"] == "Dana Roy"]["group"].tolist() == ["CSWB Advisory Committee", "Housing action table"]


def test_seat_status_filled_missing_and_not_applicable(ws: Workspace) -> None:
    ws.add("coverage_exemptions", list="seats", key="custodial_youth_services", reason="No custodial youth facility in the area")
    statuses = {s.key: s for s in commitment.seat_status(tables(ws))}
    assert statuses["police"].status == "filled"
    assert statuses["police"].filled_by == ("Sam Okafor (Lakeview Police Service)",)
    assert statuses["custodial_youth_services"].status == "not applicable"
    assert statuses["custodial_youth_services"].reason == "No custodial youth facility in the area"
    assert statuses["municipal"].status == "missing"
    assert statuses["community_social_services"].status == "missing"
    check = readiness.seat_coverage(tables(ws))
    assert set(check.missing) == {"municipal", "community_social_services"}
    assert check.not_applicable == ("custodial_youth_services",)
    assert (check.done, check.total) == (5, 7)


def test_exempting_a_seat_that_always_applies_does_not_count(ws: Workspace) -> None:
    ws.add("coverage_exemptions", list="seats", key="municipal", reason="We would rather not")
    statuses = {s.key: s for s in commitment.seat_status(tables(ws))}
    assert statuses["municipal"].status == "missing"
    assert "municipal" in readiness.seat_coverage(tables(ws)).missing


def test_people_in_role(ws: Workspace) -> None:
    assert commitment.people_in_role(tables(ws), "champion")["person"].tolist() == ["Dana Roy"]
    assert commitment.people_in_role(tables(ws), "coordinator")["organization"].tolist() == ["Lakeview Police Service"]


def test_councils_of_a_joint_plan(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "j", name="North Shore Joint Plan", kind="joint_plan")
    ws.add("member_communities", id="m-county", name="North County", kind="municipality", lead=True,
           resolution_date="2024-03-01", resolution_reference="2024-17")
    ws.add("member_communities", id="m-town", name="Town of Birch", kind="municipality")
    ws.add("member_communities", id="m-fn", name="Pine Point First Nation", kind="first_nation")
    ws.add("member_communities", id="m-city", name="City of Alder", kind="municipality", partner=True)
    # A Band Council endorsing its plan approves it in its own terms; a town that only took part has not adopted it.
    ws.add("commitment_evidence", kind="council_resolution", member_community_id="m-fn", date="2024-04-10",
           description="Band Council Resolution endorsing the plan", reference="BCR 2024-05")
    ws.add("commitment_evidence", kind="council_resolution", member_community_id="m-town", date="2023-02-01",
           description="Council resolved to take part in the joint plan", reference="TB-2023-3")
    frame = commitment.councils(tables(ws)).set_index("community")
    assert frame.loc["North County", "status"] == "Adopted"
    assert frame.loc["North County", "role"] == "Lead"
    assert frame.loc["North County", "publication_due"] == dt.date(2024, 3, 31)
    assert frame.loc["Pine Point First Nation", "resolution_reference"] == "BCR 2024-05"
    assert frame.loc["Pine Point First Nation", "status"] == "Approved by Band Council resolution"
    assert frame.loc["Pine Point First Nation", "publication_due"] is None  # the Act binds municipalities
    assert frame.loc["Town of Birch", "status"] == "Took part; has not adopted the plan"
    assert frame.loc["Town of Birch", "resolution_date"] is None
    assert frame.loc["City of Alder", "status"].startswith("Partner")
    check = readiness.council_resolutions(tables(ws))
    assert (check.done, check.total, check.missing) == (2, 3, ("Town of Birch: took part; has not adopted the plan",))


def test_terms_of_reference_sections_in_order_with_prompts(ws: Workspace) -> None:
    ws.add("tor_sections", group_id="g-ac", section="membership", text="Seven seats as the Act requires.")
    sections = commitment.terms_of_reference(tables(ws), "g-ac")
    assert [s.key for s in sections] == ["background_context", "goals_purpose", "objectives_measures", "membership", "roles_responsibilities"]
    assert sections[3].text == "Seven seats as the Act requires."
    assert sections[0].text is None and sections[0].prompt
    assert all(s.text is None for s in commitment.terms_of_reference(tables(ws), "g-team"))


@pytest.fixture
def engaged(ws: Workspace) -> Workspace:
    ws.add("engagement_periods", id="per-1", name="Spring 2024", start="2024-03-01", end="2024-05-31",
           successes="Strong youth turnout", findings="Housing dominates")
    ws.add("engagement_activities", id="a-1", title="Youth forum", method="forum", period_id="per-1",
           consult_groups=["youth", "public"], number_reached=40)
    ws.add("engagement_activities", id="a-2", title="Elders' circle", method="focus_session", period_id="per-1",
           consult_groups=["first_nations"], number_reached=3)
    ws.add("engagement_activities", id="a-3", title="Cancelled webinar", method="webinar", period_id="per-1",
           consult_groups=["metis"], number_reached=0, status="cancelled")
    for i in range(6):
        ws.add("feedback", activity_id="a-1", text=f"Rent is too high {i}", risk_categories=["housing", "poverty"])
    ws.add("feedback", activity_id="a-2", text="Not enough for youth after school", risk_categories=["school"])
    ws.add("feedback", activity_id="a-2", text="People are getting evicted in winter")
    ws.add("feedback", activity_id="a-2", text="The weather is nice")
    return ws


def test_consultation_matrix_ignores_cancelled_activities(engaged: Workspace) -> None:
    matrix = engagement.consultation_matrix(tables(engaged)).set_index("key")
    assert matrix.loc["youth", "people_reached"] == 40
    assert matrix.loc["first_nations", "methods"] == ["Focus session"]
    assert matrix.loc["first_nations", "activities"] == 1
    assert matrix.loc["metis", "status"] == "not yet consulted"
    check = readiness.consultation_coverage(tables(engaged))
    assert set(check.missing) == {"advisory_committee", "racialized_groups", "inuit", "metis", "mh_addictions_service_users",
                                  "community_organizations"}


def test_theme_frequency_counts_items_and_shares(engaged: Workspace) -> None:
    frequency = engagement.theme_frequency(tables(engaged))
    assert frequency["key"].tolist() == ["housing", "poverty", "school"]
    assert frequency["count"].tolist() == [6, 6, 1]
    assert frequency["share"].iloc[0] == pytest.approx(6 / 9)
    assert frequency["label"].iloc[0] == "Housing"
    published = suppress_small_counts(frequency, ["count"])
    assert published["count"].tolist() == [6, 6, "<5"]


def test_tag_suggestions_for_untagged_feedback(engaged: Workspace) -> None:
    suggestions = engagement.tag_suggestions(tables(engaged))
    assert suggestions["text"].tolist() == ["People are getting evicted in winter"]
    assert suggestions["suggested"].iloc[0] == ["housing"]
    assert engagement.feedback_for_risk(tables(engaged), "housing") == (6, pytest.approx(6 / 9))


def test_period_summary_computes_reach_and_keeps_the_narrative(engaged: Workspace) -> None:
    (summary,) = engagement.period_summaries(tables(engaged))
    assert summary.activities == 2
    assert summary.people_reached == 43
    assert summary.feedback_items == 9
    assert summary.successes == "Strong youth turnout"
    assert summary.challenges is None
    assert len(summary.groups_reached) == 3
    check = next(c for c in readiness.assess(tables(engaged)) if c.stage == "buy_in")
    period_check = next(c for c in check.checks if c.key == "period_summaries")
    assert period_check.missing == ("Spring 2024",)
