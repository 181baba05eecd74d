"""Plan completeness, stage by stage: pure functions on the workspace's DataFrames.

`assess(tables)` takes a mapping of table name → DataFrame (what
`Workspace.table` returns) and yields one `Check` per requirement of the
framework, each saying what is covered and what is missing. Nothing here reads
the database or draws anything, so analysts and tests can call it directly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import pandas as pd

from ..framework import load_catalogue
from ..i18n import _, ngettext, pgettext
from ._tables import Tables, rows_of
from .adoption import council_adoptions, date_order_problems, first_nation_led
from .commitment import seat_eligibility


@dataclass(frozen=True)
class Check:
    stage: str
    key: str
    title: str
    done: int
    total: int
    missing: tuple[str, ...] = ()
    not_applicable: tuple[str, ...] = ()
    detail: str = ""

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done >= self.total

    @property
    def status(self) -> str:
        if self.complete:
            return "done"
        return "partial" if self.done else "missing"


@dataclass(frozen=True)
class StageSummary:
    stage: str
    title: str
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def completion(self) -> float:
        """Share of checks complete, 0..1."""
        return sum(c.complete for c in self.checks) / len(self.checks) if self.checks else 0.0


# Where each check is met: the workbook part (a notebook's `part:<name>` tag) whose step edits what
# it counts. The apps show an unmet check at the top of that step ("what to do next").
FIXED_IN_PART: dict[str, str] = {
    "required_seats": "seat_coverage",
    "roles": "leaders",
    "terms_of_reference": "terms_of_reference",
    "council_resolutions": "councils",
    "activities": "activities",
    "consult_groups": "consultation",
    "feedback": "feedback",
    "period_summaries": "period_summaries",
    "risks": "register",
    "priority_evidence": "prioritization",
    "priority_profile": "analysis",
    "assets": "inventory",
    "assets_located": "missing_coordinates",
    "assets_for_priorities": "gap_matrix",
    "logic_models": "logic_models",
    "priority_strategies": "strategies",
    "measures": "measures",
    "actions": "actions",
    "plan_dates": "plan_cycle",
}


def _filled(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, (list, tuple)):
        return len(value) > 0
    try:
        if pd.isna(value):
            return False
    except (TypeError, ValueError):
        pass
    return str(value).strip() != ""


def _exemptions(tables: Tables, list_name: str) -> dict[str, str]:
    frame = rows_of(tables, "coverage_exemptions")
    if frame.empty:
        return {}
    frame = frame[frame["list"] == list_name]
    return dict(zip(frame["key"], frame["reason"], strict=True))


def seat_coverage(tables: Tables) -> Check:
    """Required advisory-committee seats: filled by someone eligible, marked not applicable, or missing.

    A seat counts as filled only by someone from one of its eligible sectors; `detail` gives the
    reason for each person named for a seat they cannot fill.
    """
    catalogue = load_catalogue()
    verdicts = seat_eligibility(tables)
    filled = {seat for (_membership, seat), why in verdicts.items() if why is None}
    refused = [why for why in verdicts.values() if why]
    exempt = _exemptions(tables, "seats")
    missing, na = [], []
    for seat in catalogue.seats:
        if seat.key in filled:
            continue
        if seat.key in exempt and seat.if_exists:
            na.append(seat.key)
        else:
            missing.append(seat.key)
    total = len(catalogue.seats)
    return Check(
        "commitment",
        "required_seats",
        _("Advisory committee seats are filled") if first_nation_led(tables) else _("Required advisory committee seats are filled"),
        total - len(missing),
        total,
        tuple(missing),
        tuple(na),
        detail="; ".join(refused),
    )


def consultation_coverage(tables: Tables) -> Check:
    """Groups that must be consulted, reached by at least one engagement activity."""
    catalogue = load_catalogue()
    activities = rows_of(tables, "engagement_activities")
    reached: set[str] = set()
    if not activities.empty:
        done = activities[activities["status"].fillna("done") != "cancelled"]
        for groups in done["consult_groups"]:
            reached.update(groups or [])
    exempt = _exemptions(tables, "consult_groups")
    missing = [g.key for g in catalogue.consult_groups if g.key not in reached and g.key not in exempt]
    na = [g.key for g in catalogue.consult_groups if g.key not in reached and g.key in exempt]
    total = len(catalogue.consult_groups)
    title = _("Groups to consult have been consulted") if first_nation_led(tables) else _("Required groups have been consulted")
    return Check("buy_in", "consult_groups", title, total - len(missing), total, tuple(missing), tuple(na))


def _roles_check(tables: Tables) -> Check:
    memberships = rows_of(tables, "memberships")
    roles = set(memberships["role"]) if not memberships.empty else set()
    missing = [r for r in ("champion", "coordinator") if r not in roles]
    return Check("commitment", "roles", _("A champion and a coordinator are named"), 2 - len(missing), 2, tuple(missing))


def _terms_of_reference(tables: Tables) -> Check:
    catalogue = load_catalogue()
    sections = rows_of(tables, "tor_sections")
    written = set(sections["section"]) if not sections.empty else set()
    missing = [s.key for s in catalogue.tor_sections if s.key not in written]
    total = len(catalogue.tor_sections)
    return Check(
        "commitment", "terms_of_reference", _("Terms of reference cover all five sections"), total - len(missing), total, tuple(missing)
    )


def council_resolutions(tables: Tables) -> Check:
    """Each participating council has adopted the plan (a Band Council: adopted or endorsed it).

    A resolution to take part, or a municipal council's endorsement, is not an adoption.
    """
    councils = [c for c in council_adoptions(tables) if c.needs_resolution]
    if not councils:
        return Check("commitment", "council_resolutions", _("Council resolution recorded"), 0, 1, (_("the community"),))
    missing = tuple(f"{c.community}: {_(c.status).lower()}" for c in councils if not c.has_approved)
    title = _("Each council's adoption resolution is recorded") if len(councils) > 1 else _("Council resolution recorded")
    return Check("commitment", "council_resolutions", title, len(councils) - len(missing), len(councils), missing)


def _count_check(stage: str, key: str, title: str, frame: pd.DataFrame, minimum: int = 1) -> Check:
    n = len(frame)
    recorded = ngettext("{count} recorded", "{count} recorded", n).format(count=n)
    return Check(stage, key, title, min(n, minimum), minimum, () if n >= minimum else (title,), detail=recorded)


def _period_summaries(tables: Tables) -> Check:
    periods = rows_of(tables, "engagement_periods")
    if periods.empty:
        return Check("buy_in", "period_summaries", _("Each engagement period is summarized"), 0, 1, (_("no engagement period"),))
    fields = ("outreach_types", "successes", "challenges", "findings", "lessons_learned")
    missing = [str(p["name"]) for _index, p in periods.iterrows() if not all(_filled(p[f]) for f in fields)]
    return Check(
        "buy_in", "period_summaries", _("Each engagement period is summarized"), len(periods) - len(missing), len(periods), tuple(missing)
    )


def priority_risks(tables: Tables) -> pd.DataFrame:
    risks = rows_of(tables, "risks")
    if risks.empty:
        return risks
    return risks[risks["priority"].fillna(False).astype(bool)]


def _priority_evidence(tables: Tables) -> Check:
    priorities = priority_risks(tables)
    indicators = rows_of(tables, "indicators")
    with_data = set(indicators["risk_id"].dropna()) if not indicators.empty else set()
    missing = [
        str(r["name"]) for _index, r in priorities.iterrows() if r["id"] not in with_data and not _filled(r["evidence"])
    ]
    total = max(len(priorities), 1)
    done = len(priorities) - len(missing)
    if priorities.empty:
        missing = [_("no priority risk chosen")]
    return Check("risk", "priority_evidence", _("Priority risks are chosen, each with evidence"), done, total, tuple(missing))


def _priority_profile(tables: Tables) -> Check:
    priorities = priority_risks(tables)
    fields = ("vulnerable_groups", "risk_factors", "protective_factors")
    missing = [str(r["name"]) for _index, r in priorities.iterrows() if not all(_filled(r[f]) for f in fields)]
    return Check(
        "risk",
        "priority_profile",
        _("Each priority names vulnerable groups, risk factors and protective factors"),
        len(priorities) - len(missing),
        max(len(priorities), 1),
        tuple(missing),
    )


def _assets_located(tables: Tables) -> Check:
    assets = rows_of(tables, "assets")
    if assets.empty:
        return Check("assets", "assets_located", _("Assets have map coordinates"), 0, 1, (_("no asset recorded"),))
    # Confidential sites (shelters), phone lines and city-wide services rightly have no map point.
    mappable = assets[assets["location_kind"].fillna("site") == "site"]
    unplaced = mappable[mappable["latitude"].isna() | mappable["longitude"].isna()]
    return Check(
        "assets",
        "assets_located",
        _("Assets that have a site have map coordinates"),
        len(mappable) - len(unplaced),
        max(len(mappable), 1),
        tuple(unplaced["name"].astype(str)),
    )


def _assets_for_priorities(tables: Tables) -> Check:
    priorities = priority_risks(tables)
    assets = rows_of(tables, "assets")
    addressed: set[str] = set()
    if not assets.empty:
        for risks in assets["risks_addressed"]:
            addressed.update(risks or [])
    missing = [str(r["name"]) for _index, r in priorities.iterrows() if r["id"] not in addressed]
    return Check(
        "assets",
        "assets_for_priorities",
        _("Each priority risk has community assets mapped to it"),
        len(priorities) - len(missing),
        max(len(priorities), 1),
        tuple(missing) or (() if len(priorities) else (_("no priority risk chosen"),)),
    )


def _logic_models(tables: Tables) -> Check:
    priorities = priority_risks(tables)
    models = rows_of(tables, "logic_models")
    modelled = set(models["risk_id"]) if not models.empty else set()
    missing = [str(r["name"]) for _index, r in priorities.iterrows() if r["id"] not in modelled]
    return Check(
        "evaluation", "logic_models", _("Each priority risk has a logic model"), len(priorities) - len(missing), max(len(priorities), 1), tuple(missing)
    )


def _measures_complete(tables: Tables) -> Check:
    measures = rows_of(tables, "measures")
    if measures.empty:
        return Check("evaluation", "measures", _("Outcomes have an indicator, baseline, target and owner"), 0, 1, (_("no measure recorded"),))
    fields = ("indicator", "baseline", "target", "responsibility")
    missing = [str(m["expected_outcome"]) for _index, m in measures.iterrows() if not all(_filled(m[f]) for f in fields)]
    return Check(
        "evaluation", "measures", _("Outcomes have an indicator, baseline, target and owner"), len(measures) - len(missing), len(measures), tuple(missing)
    )


def _actions_owned(tables: Tables) -> Check:
    actions = rows_of(tables, "actions")
    if actions.empty:
        return Check("implementation", "actions", _("Every action has a lead and dates"), 0, 1, (_("no action recorded"),))
    missing = [
        str(a["title"])
        for _index, a in actions.iterrows()
        if not (_filled(a["lead_organization_id"]) and _filled(a["start"]) and _filled(a["end"]))
    ]
    return Check(
        "implementation", "actions", _("Every action has a lead and dates"), len(actions) - len(missing), len(actions), tuple(missing)
    )


def plan_dates(tables: Tables, today: dt.date | None = None) -> Check:
    """Each council's adoption, publication within 30 days of it and review within four years of it.

    Dates out of order (published before a council adopted the plan) are problems, never ready.
    The Act's deadlines bind municipal councils; a Band Council approving its own plan is held only
    to the order of the dates.
    """
    rules = load_catalogue().plan_rules
    community = rows_of(tables, "community")
    row = community.iloc[0] if not community.empty else pd.Series(dtype=object)
    published = pd.Timestamp(row["publication_date"]).date() if _filled(row.get("publication_date")) else None
    review = pd.Timestamp(row["next_review_date"]).date() if _filled(row.get("next_review_date")) else None
    councils = [c for c in council_adoptions(tables) if c.needs_resolution]
    if not councils:
        return Check("implementation", "plan_dates", _("Plan adopted, published and its review scheduled"), 0, 1, (_("adoption date"),))
    missing: list[str] = []
    total = 0
    for council in councils:
        label = council.council if len(councils) > 1 else pgettext("who adopted the plan", "council")
        total += 1
        if council.adopted is None:
            missing.append(_("adoption by {council}").format(council=label) if len(councils) > 1 else _("adoption date"))
            continue
        due = council.publication_due
        if due is None:  # a Band Council: no statutory deadline
            continue
        total += 1
        if published is None:
            missing.append(_("publication (due by {due}, {days} days after {council} adopted the plan)").format(
                due=due.isoformat(), days=rules.publication_days, council=label))
        elif published > due:
            missing.append(_("publication was more than {days} days after {council} adopted the plan").format(days=rules.publication_days, council=label))
    missing.extend(date_order_problems(tables))
    deadlines = [c.review_due for c in councils if c.review_due is not None]
    if any(c.adopted is not None for c in councils):
        total += 1
        latest = min(deadlines) if deadlines else None
        if review is None:
            missing.append(_("next review date (due by {due})").format(due=latest.isoformat()) if latest else _("next review date"))
        elif latest is not None and review > latest:
            missing.append(_("next review is more than {years} years after adoption (due by {due})").format(years=rules.review_years, due=latest.isoformat()))
    total = max(total, 1)
    title = (_("Plan approved by Band Council resolution, with its dates in order") if first_nation_led(tables)
             else _("Plan adopted, published and its review scheduled"))
    return Check("implementation", "plan_dates", title, max(total - len(missing), 0), total, tuple(missing))


def assess(tables: Tables) -> list[StageSummary]:
    """Every stage's checks, in the order of the six workbooks."""
    checks = [
        seat_coverage(tables),
        _roles_check(tables),
        _terms_of_reference(tables),
        council_resolutions(tables),
        _count_check("buy_in", "activities", _("Engagement activities are logged"), rows_of(tables, "engagement_activities")),
        consultation_coverage(tables),
        _count_check("buy_in", "feedback", _("What people raised is recorded"), rows_of(tables, "feedback")),
        _period_summaries(tables),
        _count_check("risk", "risks", _("Community risks are documented"), rows_of(tables, "risks")),
        _priority_evidence(tables),
        _priority_profile(tables),
        _count_check("assets", "assets", _("Community assets are inventoried"), rows_of(tables, "assets")),
        _assets_located(tables),
        _assets_for_priorities(tables),
        _logic_models(tables),
        _measures_complete(tables),
        _actions_owned(tables),
        plan_dates(tables),
    ]
    catalogue = load_catalogue()
    return [
        StageSummary(stage.key, stage.title, tuple(c for c in checks if c.stage == stage.key))
        for stage in catalogue.stages
    ]


# -- plan readiness: is the plan ready to adopt and carry out? ------------------------------------------

OUTCOME_LEVELS = ("immediate", "intermediate", "long_term")


def emphasis_areas() -> tuple[str, ...]:
    """The planning areas where the framework puts most of a plan's effort (all but incident response)."""
    return tuple(area.key for area in load_catalogue().planning_areas if area.emphasis)


def _measured_risks(tables: Tables) -> set[str]:
    """Risks with at least one outcome (of their logic models) measured by an indicator with a target."""
    models = rows_of(tables, "logic_models")
    items = rows_of(tables, "logic_model_items")
    measures = rows_of(tables, "measures")
    if models.empty or items.empty or measures.empty:
        return set()
    model_risk = dict(zip(models["id"], models["risk_id"], strict=True))
    outcomes = items[items["level"].isin(OUTCOME_LEVELS)]
    outcome_risk = {i: model_risk.get(m) for i, m in zip(outcomes["id"], outcomes["logic_model_id"], strict=True)}
    measurable = measures[[_filled(i) and _filled(t) for i, t in zip(measures["indicator"], measures["target"], strict=True)]]
    return {risk for o in measurable["outcome_id"] if (risk := outcome_risk.get(o))}


def priority_strategies(tables: Tables) -> Check:
    """Each priority risk has strategies in the planning areas that carry most of the effort
    (social development, prevention, risk intervention) and an outcome that can be measured."""
    catalogue = load_catalogue()
    priorities = priority_risks(tables)
    strategies = rows_of(tables, "strategies")
    measured = _measured_risks(tables)
    missing, done = [], 0
    for _index, risk in priorities.iterrows():
        covered = set(strategies.loc[strategies["risk_id"] == risk["id"], "planning_area"]) if not strategies.empty else set()
        gaps = [catalogue.name_of("planning_areas", a) for a in emphasis_areas() if a not in covered]
        if gaps:
            missing.append(_("{risk}: no strategy in {areas}").format(risk=risk["name"], areas=", ".join(gaps)))
        if risk["id"] not in measured:
            missing.append(_("{risk}: no outcome with an indicator and a target").format(risk=risk["name"]))
        done += not gaps and risk["id"] in measured
    if priorities.empty:
        missing = [_("no priority risk chosen")]
    return Check(
        "evaluation", "priority_strategies",
        _("Each priority has strategies in social development, prevention and risk intervention, with measurable outcomes"),
        done, max(len(priorities), 1), tuple(missing),
    )


def plan_readiness(tables: Tables) -> list[Check]:
    """Is the plan ready? One check per requirement, from the whole workspace, in the framework's order.

    Seats, consultation, evidence, strategies, measurement, actions, council resolutions and the
    plan's dates. Each check's `stage` names the workbook where it is fixed. Unlike `assess`, the
    `missing` items of the seat and consultation checks are names people read, not catalogue keys.
    """
    catalogue = load_catalogue()
    seats = seat_coverage(tables)
    consulted = consultation_coverage(tables)
    return [
        replace(seats, missing=tuple(catalogue.name_of("seats", k) for k in seats.missing)),
        replace(consulted, missing=tuple(catalogue.name_of("consult_groups", k) for k in consulted.missing)),
        _priority_evidence(tables),
        priority_strategies(tables),
        _measures_complete(tables),
        _actions_owned(tables),
        council_resolutions(tables),
        plan_dates(tables),
    ]
