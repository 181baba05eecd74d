"""Putting the plan into action: actions, who reports to whom, the plan cycle, overdue items, progress.

Pure functions on the workspace's tables (a mapping of name -> DataFrame, see `_tables`).
Everything that depends on the date takes a ``today`` argument instead of reading the clock,
so a report can be made "as of" a date and tests can fix it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..framework import load_catalogue
from ..i18n import N_, _, format_percent, ngettext
from ._tables import Tables, blank as _blank, column_values, rows_of
from .adoption import CouncilAdoption, add_years, council_adoptions, date_order_problems, in_force_since
from .evaluation import partial_period
from .plan_versions import ADDED_SINCE, DROPPED_SINCE, SINCE_ADOPTION, STANDING

CLOSED_STATUSES = frozenset({"completed", "cancelled"})  # an action in these is not overdue
NO_TEAM = "__no_team__"  # the diagram's stand-in team for actions with no team named


# -- small helpers ---------------------------------------------------------------------------------



def as_date(value: Any) -> dt.date | None:
    """A stored date (Timestamp, date or ISO text) as a `datetime.date`, or None when blank."""
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


def _names(tables: Tables, table: str, column: str = "name") -> dict[str, str]:
    frame = rows_of(tables, table)
    if frame.empty or column not in frame:
        return {}
    return {str(i): str(n) for i, n in zip(frame["id"], frame[column], strict=True)}


def _catalogue_names(list_name: str) -> dict[str, str]:
    return {entry.key: entry.name for entry in getattr(load_catalogue(), list_name)}


def _community(tables: Tables) -> pd.Series:
    community = rows_of(tables, "community")
    return community.iloc[0] if not community.empty else pd.Series(dtype=object)


# -- the plan cycle --------------------------------------------------------------------------------


def publication_due(adoption: dt.date) -> dt.date:
    """The last day to publish the plan online: 30 days (the catalogue's rule) after adoption."""
    return adoption + dt.timedelta(days=load_catalogue().plan_rules.publication_days)


def review_due(adoption: dt.date) -> dt.date:
    """The latest review date: four years (the catalogue's rule) after adoption."""
    return add_years(adoption, load_catalogue().plan_rules.review_years)


@dataclass(frozen=True)
class PlanCycle:
    """The plan's dates, the deadlines that follow from adoption, and advice on timing."""

    adoption: dt.date | None
    publication_due: dt.date | None
    published: dt.date | None
    review_due: dt.date | None  # the legal latest date
    planned_review: dt.date | None  # the date the community entered
    council_term_end: dt.date | None
    budget_date: dt.date | None
    notes: tuple[str, ...]  # plain sentences, most urgent first
    councils: tuple[CouncilAdoption, ...] = ()  # each council's adoption and its own deadlines

    @property
    def review_date(self) -> dt.date | None:
        """The review date the plan works to: the one entered, else the deadline."""
        return self.planned_review or self.review_due


def _day(value: dt.date) -> str:
    return value.isoformat()


def plan_cycle(tables: Tables, today: dt.date) -> PlanCycle:
    """Adoption, publication (due 30 days later), review (due within four years), and their fit
    with the council term and the budget the community entered.

    For a joint plan every council's adoption counts: the plan is adopted when the last council
    adopts it, and the publication and review deadlines are the earliest of the councils' own.
    A Band Council approving its own plan is bound by no statutory deadline.
    """
    rules = load_catalogue().plan_rules
    row = _community(tables)
    published = as_date(row.get("publication_date"))
    planned = as_date(row.get("next_review_date"))
    term_end = as_date(row.get("council_term_end"))
    budget = as_date(row.get("budget_date"))
    councils = tuple(c for c in council_adoptions(tables) if c.needs_resolution)
    notes: list[str] = []
    joint = len(councils) > 1
    for council in councils:
        if joint and not council.has_approved:
            notes.append(_("{council} has not adopted the plan ({status}): a joint plan is adopted only when every council has adopted it.").format(
                council=council.council, status=_(council.status).lower()))
    adoptions = [c.adopted for c in councils if c.adopted is not None]
    adoption = in_force_since(tables) if joint else (adoptions[0] if adoptions else None)
    if not adoptions:
        notes.append(_("Enter the date council adopted the plan: the publication and review deadlines follow from it."))
        return PlanCycle(None, None, published, None, planned, term_end, budget, tuple(notes), councils)
    dues = [c.publication_due for c in councils if c.publication_due is not None]
    reviews = [c.review_due for c in councils if c.review_due is not None]
    if not dues:  # a First Nation's own plan: the Band Council's terms, not the Act's
        notes.append(_("The Band Council approved this plan in its own terms: the Act's publication and review "
                       "deadlines for municipalities do not bind it. Share and review it as the Band Council decides."))
        if planned is None:
            notes.append(_("Enter the date the Band Council plans to review the plan."))
        return PlanCycle(adoption, None, published, None, planned, term_end, budget, tuple(notes), councils)
    due = min(dues)
    latest = min(reviews)
    problems = date_order_problems(tables)
    notes.extend(_("Dates out of order: {problem}.").format(problem=p) for p in problems)
    if published is None:
        if today > due:
            notes.append(_("Overdue: the plan had to be published online by {due} ({days} days after adoption) and no publication "
                           "date is recorded.").format(due=_day(due), days=rules.publication_days))
        else:
            notes.append(ngettext("Publish the plan online by {due} ({days} day left).", "Publish the plan online by {due} ({days} days left).",
                                  (due - today).days).format(due=_day(due), days=(due - today).days))
    elif published > due:
        notes.append(ngettext("Published on {published}, {days} day after the {limit}-day deadline ({due}).",
                              "Published on {published}, {days} days after the {limit}-day deadline ({due}).", (published - due).days).format(
            published=_day(published), days=(published - due).days, limit=rules.publication_days, due=_day(due)))
    elif not problems:
        notes.append(_("Published on {published}, within {days} days of adoption.").format(published=_day(published), days=rules.publication_days))
    if today > latest:
        notes.append(_("Overdue: the review was due by {due} ({years} years after adoption).").format(due=_day(latest), years=rules.review_years))
    elif planned is None:
        notes.append(_("The review is due by {due}: enter the date it is planned for.").format(due=_day(latest)))
    elif planned > latest:
        notes.append(_("The planned review ({planned}) is later than the deadline: review the plan by {due}.").format(
            planned=_day(planned), due=_day(latest)))
    else:
        notes.append(_("Review planned for {planned} (due by {due}).").format(planned=_day(planned), due=_day(latest)))
    review = min(planned, latest) if planned else latest
    if term_end is None:
        notes.append(_("Enter the date the council's term ends to line the review up with it."))
    elif term_end < today:
        notes.append(_("The council term end entered ({date}) has passed: enter the current term's end.").format(date=_day(term_end)))
    elif review > term_end:
        first_budget = _(" ({date} or the next one after the election)").format(date=_day(budget)) if budget and budget > term_end else ""
        notes.append(_("The review falls after the council term ends ({date}): plan it for the new council's first budget{budget}, "
                       "and brief the new council on the plan early in its term.").format(date=_day(term_end), budget=first_budget))
    else:
        notes.append(_("The review falls within the current council term (ends {date}): bring its findings to this council "
                       "before the term ends.").format(date=_day(term_end)))
    if budget is None:
        notes.append(_("Enter the date of the next budget so the actions' resources can be requested in time."))
    elif budget < today:
        notes.append(_("The budget date entered ({date}) has passed: enter the next one.").format(date=_day(budget)))
    elif budget <= review:
        notes.append(_("The next budget ({date}) comes before the review: request the resources the actions need in that budget.").format(
            date=_day(budget)))
    else:
        notes.append(_("The review ({review}) comes before the next budget ({budget}): finish it in time for its findings to shape "
                       "that budget.").format(review=_day(review), budget=_day(budget)))
    return PlanCycle(adoption, due, published, latest, planned, term_end, budget, tuple(notes), councils)


# -- overdue items ---------------------------------------------------------------------------------

OVERDUE_COLUMNS = ["kind", "title", "due", "days_overdue", "detail", "stage", "record_id"]


def overdue_items(tables: Tables, today: dt.date) -> pd.DataFrame:
    """Everything past its date and not done, oldest first.

    Milestones past due with no done date; actions past their end date that are neither
    completed nor cancelled; publication more than 30 days after adoption with no publication
    date; a review past its four-year deadline. Due today is not overdue yet.
    """
    rows: list[dict[str, Any]] = []
    kinds = _catalogue_names("milestone_kinds")
    statuses = _catalogue_names("action_statuses")
    milestones = rows_of(tables, "milestones")
    for m in milestones.to_dict("records") if not milestones.empty else []:
        due = as_date(m["due"])
        if due is not None and due < today and as_date(m["done"]) is None:
            kind = _("Milestone") if m["kind"] == "other" else kinds.get(str(m["kind"]), _("Milestone"))
            rows.append({"kind": kind, "title": str(m["title"]), "due": due,
                         "detail": _("no done date recorded"), "stage": "implementation", "record_id": m["id"]})
    actions = rows_of(tables, "actions")
    for a in actions.to_dict("records") if not actions.empty else []:
        if a.get(STANDING) == DROPPED_SINCE:  # a progress report lists it as dropped, not as late
            continue
        end = as_date(a["end"])
        if end is not None and end < today and a["status"] not in CLOSED_STATUSES:
            status = statuses.get(str(a["status"]), _("no status")) if not _blank(a["status"]) else _("no status")
            percent = "" if _blank(a["percent_complete"]) else _(", {percent} complete").format(percent=format_percent(int(a["percent_complete"]) / 100))
            rows.append({"kind": _("Action"), "title": str(a["title"]), "due": end,
                         "detail": f"{status}{percent}", "stage": "implementation", "record_id": a["id"]})
    row = _community(tables)
    adoption = as_date(row.get("adoption_date"))
    if adoption is not None:
        due = publication_due(adoption)
        if as_date(row.get("publication_date")) is None and due < today:
            rows.append({"kind": _("Plan"), "title": _("Publish the plan online"), "due": due,
                         "detail": _("no publication date recorded"), "stage": "implementation", "record_id": None})
        deadline = review_due(adoption)
        if deadline < today:
            rows.append({"kind": _("Plan"), "title": _("Review the plan"), "due": deadline,
                         "detail": _("four years since adoption"), "stage": "implementation", "record_id": None})
    frame = pd.DataFrame(rows, columns=[c for c in OVERDUE_COLUMNS if c != "days_overdue"])
    frame["days_overdue"] = [(today - d).days for d in frame["due"]]
    return frame.sort_values(["due", "title"], kind="stable").reset_index(drop=True)[OVERDUE_COLUMNS]


# -- actions ---------------------------------------------------------------------------------------

ACTION_COLUMNS = ["id", "title", "lead", "partners", "planning_area", "risk", "team", "start", "end",
                  "status", "percent_complete", "resources", "risk_id", "planning_area_key", "status_key",
                  STANDING, SINCE_ADOPTION]


def _named(text: str, titles: dict[str, str], ids: re.Pattern[str]) -> str:
    """`text` with any action id it mentions ("moved to action-ipv-01") replaced by that action's
    title in quotes: readers know actions by their titles. `ids` is `_id_pattern(titles)`."""
    return ids.sub(lambda found: f"“{titles[found.group(1)]}”" if found.group(1) in titles else found.group(1), text)


def _id_pattern(titles: dict[str, str]) -> re.Pattern[str]:
    """What `_named` looks for: an id standing alone (not part of a longer word or id). Ids made of
    word characters and hyphens (all of ours) are each such a whole run, so one short pattern finds
    them, not an alternation of hundreds that every character of a text is tried against."""
    if all(_ID_RUN.fullmatch(one) for one in titles):
        return _ID_RUN_STANDING
    return re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(titles, key=len, reverse=True))) + r")(?![\w-])")


_ID_RUN = re.compile(r"[\w-]+")
_ID_RUN_STANDING = re.compile(r"(?<![\w-])([\w-]+)(?![\w-])")


def action_rows(tables: Tables) -> pd.DataFrame:
    """The actions as people read them: names instead of ids and keys, dates as dates."""
    actions = rows_of(tables, "actions")
    if actions.empty:
        return pd.DataFrame(columns=ACTION_COLUMNS)
    organizations = _names(tables, "organizations")
    risks = _names(tables, "risks")
    groups = _names(tables, "groups")
    areas = _catalogue_names("planning_areas")
    statuses = _catalogue_names("action_statuses")

    def name(names: dict[str, str], key: Any) -> str:
        return "" if _blank(key) else names.get(str(key), str(key))

    titles = dict(zip(actions["id"].astype(str), actions["title"].astype(str), strict=True))
    ids = _id_pattern(titles)
    return pd.DataFrame({
        "id": actions["id"].astype(str).to_numpy(),
        "title": actions["title"].astype(str).to_numpy(),
        "lead": [name(organizations, o) for o in actions["lead_organization_id"]],
        "partners": ["; ".join(organizations.get(str(p), str(p)) for p in (ps or [])) for ps in actions["partners"]],
        "planning_area": [name(areas, a) for a in actions["planning_area"]],
        "risk": [name(risks, r) for r in actions["risk_id"]],
        "team": [name(groups, g) for g in actions["team_id"]],
        "start": [as_date(d) for d in actions["start"]],
        "end": [as_date(d) for d in actions["end"]],
        "status": [name(statuses, s) for s in actions["status"]],
        "percent_complete": [None if _blank(p) else int(p) for p in actions["percent_complete"]],
        "resources": ["" if _blank(r) else _named(str(r), titles, ids) for r in actions["resources"]],
        "risk_id": [None if _blank(r) else str(r) for r in actions["risk_id"]],
        "planning_area_key": [None if _blank(a) else str(a) for a in actions["planning_area"]],
        "status_key": [None if _blank(s) else str(s) for s in actions["status"]],
        # measured against an adopted version (`plan_versions.measured_against`): in it, added or dropped since
        STANDING: column_values(actions, STANDING),
        SINCE_ADOPTION: ["" if _blank(c) else str(c) for c in column_values(actions, SINCE_ADOPTION)],
    })[ACTION_COLUMNS]


def gantt_tasks(tables: Tables) -> pd.DataFrame:
    """The actions as timeline rows: one chart per risk, grouped by planning area.

    Columns: title, start, end, status (key), group (the planning area's name), risk, risk_id
    and priority; rows sorted priority risks first, then by risk name, then by the catalogue's
    planning-area order.
    """
    rows = action_rows(tables)
    area_order = {key: i for i, key in enumerate(load_catalogue().keys("planning_areas"))}
    risks = rows_of(tables, "risks")
    priority = set(risks.loc[risks["priority"].fillna(False).astype(bool), "id"]) if not risks.empty else set()
    marks = {standing: f" ({standing.lower()})" for standing in (ADDED_SINCE, DROPPED_SINCE)}
    tasks = pd.DataFrame({
        "title": [title + marks.get(standing, "") for title, standing in zip(rows["title"], rows[STANDING], strict=True)],
        "start": rows["start"], "end": rows["end"],
        "status": rows["status_key"].fillna(""),
        "group": [a or _(NO_PLANNING_AREA) for a in rows["planning_area"]],
        "risk": [r or _("No risk named") for r in rows["risk"]],
        "risk_id": rows["risk_id"],
        "priority": [r in priority for r in rows["risk_id"]],
        "_area": [area_order.get(a, len(area_order)) for a in rows["planning_area_key"]],
    })
    tasks = tasks.assign(_risk=tasks["risk"].str.casefold(), _none=tasks["risk_id"].isna())
    ordered = tasks.sort_values(["_none", "priority", "_risk", "_area"], ascending=[True, False, True, True], kind="stable")
    return ordered.drop(columns=["_area", "_risk", "_none"]).reset_index(drop=True)


NO_PLANNING_AREA = N_("No planning area")  # the timeline's group for actions with none


def planning_area_order() -> list[str]:
    """Planning-area names in the catalogue's order (the timeline's group order)."""
    return [area.name for area in load_catalogue().planning_areas] + [_(NO_PLANNING_AREA)]


# -- who reports to whom ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """One box of the reporting diagram."""

    id: str
    label: str
    kind: str  # "council", a group kind, "action", or "no_team"
    reports_to: tuple[str, ...]
    level: int  # column: councils 0, then each reporting level; actions last
    detail: str = ""


def _councils(tables: Tables) -> list[Node]:
    members = rows_of(tables, "member_communities")
    if not members.empty:
        adopting = members[~members["partner"].fillna(False).astype(bool)]
        return [
            Node(f"council:{m['id']}", str(m["council"]) if not _blank(m["council"]) else f"{m['name']} council",
                 "council", (), 0, str(m["name"]))
            for m in adopting.to_dict("records")
        ]
    row = _community(tables)
    name = str(row.get("name") or "The community")
    label = f"{name} Chief and Council" if row.get("kind") == "first_nation" else f"{name} council"
    return [Node("council:community", label, "council", (), 0, name)]


def reporting_lines(tables: Tables) -> list[Node]:
    """Councils, then groups by `reports_to` (advisory committees with none report to every council),
    then actions under their team (`actions.team_id`); in drawing order."""
    councils = _councils(tables)
    council_ids = tuple(c.id for c in councils)
    groups = rows_of(tables, "groups")
    records = groups.to_dict("records") if not groups.empty else []
    by_id = {str(g["id"]): g for g in records}

    def parent(group: dict[str, Any]) -> str | None:
        target = group.get("reports_to")
        return str(target) if not _blank(target) and str(target) in by_id else None

    levels: dict[str, int] = {}

    def level(group_id: str, seen: tuple[str, ...] = ()) -> int:
        if group_id not in levels:
            up = parent(by_id[group_id])
            levels[group_id] = 1 if up is None or up in seen else level(up, seen + (group_id,)) + 1
        return levels[group_id]

    group_nodes = []
    for g in records:
        gid = str(g["id"])
        up = parent(g)
        reports = (up,) if up else (council_ids if g["kind"] == "advisory_committee" else ())
        group_nodes.append(Node(gid, str(g["name"]), str(g["kind"]), reports, level(gid)))
    # Depth first from the top, so each team sits under the committee it reports to.
    children: dict[str | None, list[Node]] = {}
    for node in group_nodes:
        children.setdefault(parent(by_id[node.id]), []).append(node)
    ordered: list[Node] = []

    def visit(node: Node) -> None:
        ordered.append(node)
        for child in children.get(node.id, []):
            if child not in ordered:
                visit(child)

    roots = sorted(children.get(None, []), key=lambda n: n.kind != "advisory_committee")
    for root in roots:
        visit(root)
    ordered.extend(n for n in group_nodes if n not in ordered)  # cycles: drawn, never lost
    actions = rows_of(tables, "actions")
    action_records = actions.to_dict("records") if not actions.empty else []
    team_level = max((n.level for n in ordered), default=0)
    orphans = {str(a["id"]) for a in action_records if _blank(a["team_id"]) or str(a["team_id"]) not in by_id}
    if orphans:
        ordered.append(Node(NO_TEAM, "No team named", "no_team", (), max(team_level, 1)))
    action_level = max(team_level, 1 if orphans else 0) + 1
    statuses = _catalogue_names("action_statuses")
    action_nodes = []
    for node in ordered:
        for a in action_records:
            team = NO_TEAM if str(a["id"]) in orphans else str(a["team_id"])
            if team == node.id:
                status = statuses.get(str(a["status"]), "") if not _blank(a["status"]) else ""
                action_nodes.append(Node(str(a["id"]), str(a["title"]), "action", (node.id,), action_level, status))
    return councils + ordered + action_nodes


# -- progress --------------------------------------------------------------------------------------


def latest_updates(tables: Tables) -> pd.DataFrame:
    """Each action's most recent dated update (actions without one are left out)."""
    updates = rows_of(tables, "action_updates")
    if updates.empty:
        return pd.DataFrame(columns=["action_id", "date", "status", "percent_complete", "note"])
    ordered = updates.assign(_date=[as_date(d) for d in updates["date"]]).sort_values("_date", kind="stable")
    return ordered.groupby("action_id", sort=False).tail(1).drop(columns="_date").reset_index(drop=True)


def is_latest_update(tables: Tables, action_id: str, day: dt.date) -> bool:
    """Whether an update dated `day` is the action's newest (so it sets the current status)."""
    updates = rows_of(tables, "action_updates")
    if updates.empty:
        return True
    dates = [as_date(d) for d in updates.loc[updates["action_id"] == action_id, "date"]]
    return all(d is None or d <= day for d in dates)


def action_changes_from_update(tables: Tables, action_id: str, day: dt.date, *, status: Any,
                               percent: Any) -> dict[str, Any]:
    """The fields of the action a progress update dated `day` sets: its status and percent
    complete (those given), when it is the action's newest update; nothing for an older one."""
    if not is_latest_update(tables, action_id, day):
        return {}
    return {k: v for k, v in (("status", status), ("percent_complete", percent)) if not _blank(v)}


INDICATOR_COLUMNS = ["measure_id", "expected_outcome", "indicator", "unit", "baseline", "target", "target_year",
                     "latest", "latest_date", "share_of_way", "status", "latest_partial", STANDING, SINCE_ADOPTION]


def indicator_progress(tables: Tables) -> pd.DataFrame:
    """Each measure's latest value against its baseline and target.

    ``share_of_way`` is how far the latest value has moved from the baseline towards the target
    (1 = reached; negative = moved away). A latest value covering part of the year only
    (``latest_partial``: its period) is marked incomplete and never judged against the target. The direction is the measure's `higher_is_better`, or,
    when blank, the direction from baseline to target.
    """
    measures = rows_of(tables, "measures")
    if measures.empty:
        return pd.DataFrame(columns=INDICATOR_COLUMNS)
    measurements = rows_of(tables, "measurements")
    latest: dict[str, tuple[dt.date, float, str | None]] = {}
    if not measurements.empty:
        for m in measurements.to_dict("records"):
            day = as_date(m["date"])
            key = str(m["measure_id"])
            if day is not None and (key not in latest or day >= latest[key][0]):
                latest[key] = (day, float(m["value"]), partial_period(m))
    rows = []
    for m in measures.to_dict("records"):
        baseline = None if _blank(m["baseline"]) else float(m["baseline"])
        target = None if _blank(m["target"]) else float(m["target"])
        found = latest.get(str(m["id"]))
        value = found[1] if found else None
        partial = found[2] if found else None
        higher = m.get("higher_is_better")
        if _blank(higher):
            higher = None if baseline is None or target is None or target == baseline else target > baseline
        share = None
        if value is not None and target is not None and baseline is not None and target != baseline and partial is None:
            share = (value - baseline) / (target - baseline)
        status = (_("Incomplete: covers {period} only, not comparable with the full-year target").format(period=partial) if partial
                  else _progress_status(value, baseline, target, higher, share))
        rows.append({
            "measure_id": str(m["id"]), "expected_outcome": str(m["expected_outcome"]),
            "indicator": "" if _blank(m["indicator"]) else str(m["indicator"]),
            "unit": "" if _blank(m["unit"]) else str(m["unit"]), "baseline": baseline, "target": target,
            "target_year": None if _blank(m["target_year"]) else int(m["target_year"]),
            "latest": value, "latest_date": found[0] if found else None, "share_of_way": share,
            "status": status, "latest_partial": partial,
            STANDING: m.get(STANDING), SINCE_ADOPTION: "" if _blank(m.get(SINCE_ADOPTION)) else str(m[SINCE_ADOPTION]),
        })
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)


def _progress_status(value: float | None, baseline: float | None, target: float | None,
                     higher: bool | None, share: float | None) -> str:
    if target is None:
        return _("No target set")
    if value is None:
        return _("No measurement yet")
    if share is not None:
        if share >= 1:
            return _("Target reached")
        if share > 0:
            return _("Improving: {percent} of the way from baseline to target").format(percent=format_percent(share))
        return _("No change from baseline") if share == 0 else _("Moved away from the target since the baseline")
    if higher is None:
        return _("Latest value recorded; no baseline to compare")
    reached = value >= target if higher else value <= target
    return _("Target reached") if reached else _("Target not yet reached")


# -- what changed since the last progress report ----------------------------------------------------


def last_progress_report(tables: Tables, today: dt.date) -> dt.date | None:
    """The done date of the latest progress report (milestones of kind progress report) up to today."""
    milestones = rows_of(tables, "milestones")
    if milestones.empty:
        return None
    reports = milestones[milestones["kind"] == "progress_report"]
    days = [d for d in (as_date(v) for v in reports["done"]) if d is not None and d <= today]
    return max(days, default=None)


@dataclass(frozen=True)
class Changes:
    """What happened after `since`, up to `today` (both as dates; `since` itself excluded)."""

    since: dt.date
    today: dt.date
    updates: pd.DataFrame  # action, date, status, percent_complete, note
    status_changes: pd.DataFrame  # action, date, from_status, to_status
    measurements: pd.DataFrame  # indicator, date, value, previous, target, unit
    milestones_done: pd.DataFrame  # title, kind, due, done

    @property
    def empty(self) -> bool:
        return self.updates.empty and self.measurements.empty and self.milestones_done.empty


def changes_since(tables: Tables, since: dt.date, today: dt.date) -> Changes:
    """New progress updates, status changes, new measurements and milestones done after `since`.

    A status change is an update whose status differs from the action's previous update (or,
    for its first update, from "not started").
    """
    titles = _names(tables, "actions", "title")
    statuses = _catalogue_names("action_statuses")
    updates = rows_of(tables, "action_updates")
    update_rows, change_rows = [], []
    if not updates.empty:
        ordered = updates.assign(_date=[as_date(d) for d in updates["date"]]).sort_values("_date", kind="stable")
        for action_id, history in ordered.groupby("action_id", sort=False):
            previous = "not_started"
            for u in history.to_dict("records"):
                day = u["_date"]
                status = None if _blank(u["status"]) else str(u["status"])
                if since < day <= today:
                    update_rows.append({
                        "action": titles.get(str(action_id), str(action_id)), "date": day,
                        "status": statuses.get(status, "") if status else "",
                        "percent_complete": None if _blank(u["percent_complete"]) else int(u["percent_complete"]),
                        "note": "" if _blank(u["note"]) else str(u["note"]),
                    })
                    if status and status != previous:
                        change_rows.append({"action": titles.get(str(action_id), str(action_id)), "date": day,
                                            "from_status": statuses.get(previous, previous),
                                            "to_status": statuses.get(status, status)})
                if status:
                    previous = status
    measure_rows = []
    measures = rows_of(tables, "measures")
    measurements = rows_of(tables, "measurements")
    if not measurements.empty:
        info = {str(m["id"]): m for m in measures.to_dict("records")} if not measures.empty else {}
        ordered = measurements.assign(_date=[as_date(d) for d in measurements["date"]]).sort_values("_date", kind="stable")
        for measure_id, history in ordered.groupby("measure_id", sort=False):
            measure = info.get(str(measure_id), {})
            name = measure.get("indicator") if not _blank(measure.get("indicator")) else measure.get("expected_outcome")
            last_value: float | None = None
            for m in history.to_dict("records"):
                if since < m["_date"] <= today:
                    measure_rows.append({
                        "indicator": str(name or measure_id), "date": m["_date"], "value": float(m["value"]),
                        "previous": last_value, "target": None if _blank(measure.get("target")) else float(measure["target"]),
                        "unit": None if _blank(measure.get("unit")) else str(measure["unit"]),
                    })
                last_value = float(m["value"])
    done_rows = []
    milestones = rows_of(tables, "milestones")
    kinds = _catalogue_names("milestone_kinds")
    for m in milestones.to_dict("records") if not milestones.empty else []:
        done = as_date(m["done"])
        if done is not None and since < done <= today:
            done_rows.append({"title": str(m["title"]), "kind": kinds.get(str(m["kind"]), str(m["kind"])),
                              "due": as_date(m["due"]), "done": done})

    def frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
        return pd.DataFrame(rows, columns=columns).sort_values("date" if "date" in columns else "done", kind="stable").reset_index(drop=True)

    return Changes(
        since, today,
        frame(update_rows, ["action", "date", "status", "percent_complete", "note"]),
        frame(change_rows, ["action", "date", "from_status", "to_status"]),
        frame(measure_rows, ["indicator", "date", "value", "previous", "target", "unit"]),
        frame(done_rows, ["title", "kind", "due", "done"]),
    )
