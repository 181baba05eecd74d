"""Static output of the Implementation workbook: the tables, the plan cycle, the overdue list,
the timelines and the reporting diagram (an offline SVG built here), for reports and the apps' live views.

Each function takes the workspace's tables (or what a model function computed from them) and
returns HTML; nothing here imports a widget library. "Today" is passed in, so a report can be
dated and tests fixed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html as html_text
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
from markupsafe import Markup

from ..framework import load_catalogue
from ..i18n import N_, _, format_number, format_percent, ngettext
from ..model import adoption, implementation, readiness
from ..model.implementation import Node
from ..model.plan_versions import DROPPED_SINCE, SINCE_ADOPTION, STANDING
from ..model.privacy import is_small_count
from . import charts, figures
from .coverage import missing_names
from .plan_parts import risk_part_html
from .plan_versions import measured_title, since_adoption_text
from .records import detailed_table_html, table_html

OVERDUE_MARK = Markup('<span aria-hidden="true">\u26a0 </span>')


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def _days(count: int) -> str:
    return ngettext("{n} day", "{n} days", count).format(n=format_number(count))


def _stage_title(stage: str) -> str:
    return _(load_catalogue().name_of("stages", stage))


def readiness_html(checks: Sequence[readiness.Check], link: Callable[[str], str | None] | None) -> str:
    """The readiness list: ready or not (in words, not colour alone), what is missing, where to fix it
    (`link` None: a document, which says what is missing but tells no one where to click)."""
    ready = sum(c.complete for c in checks)
    items = []
    for check in checks:
        href = link(check.stage) if link else None
        where = Markup('<a href="{}">{}</a>').format(
            href, (_("Open {workbook}") if check.complete else _("Fix this in {workbook}")).format(
                workbook=_stage_title(check.stage))
        ) if href else Markup("({})").format(_("{workbook} workbook").format(workbook=_stage_title(check.stage))) if link else Markup("")
        if check.complete:
            state = Markup('<span class="cswb-status-covered"><span aria-hidden="true">\u2713 </span>{}</span>').format(
                _("Ready:"))
            missing = Markup("")
        else:
            state = Markup('<span class="cswb-status-missing"><span aria-hidden="true">\u2717 </span>{}</span>').format(
                _("Not yet ({done} of {total}):").format(done=check.done, total=check.total))
            shown = missing_names(check)[:6] + ([_("and {n} more").format(n=len(check.missing) - 6)]
                                               if len(check.missing) > 6 else [])
            missing = Markup(" {}").format(_("Still missing: {items}.").format(items="; ".join(shown))) if shown else Markup("")
        items.append(Markup('<li data-check="{}">{} {}.{} {}</li>').format(check.key, state, _(check.title), missing, where))
    summary = Markup('<p class="cswb-readiness-summary">{}</p>').format(
        Markup(html_text.escape(_("{met} requirements for the plan are met.") if ready < len(checks)
                                else _("{met} requirements for the plan are met: the plan is ready."))).replace(
            "{met}", Markup("<strong>{}</strong>").format(_("{done} of {total}").format(done=ready, total=len(checks)))))
    return str(Markup('<section class="cswb-readiness cswb-static">{}<ul class="cswb-checks">{}</ul></section>').format(
        summary, Markup("").join(items)))


def _overdue_text(end: dt.date | None, today: dt.date, status: str | None) -> str:
    if end is None or status in implementation.CLOSED_STATUSES or end >= today:
        return ""
    return _("Overdue: ended {end}, {days} ago").format(end=end.isoformat(), days=_days((today - end).days))


def _timeframe(start: dt.date | None, end: dt.date | None) -> str:
    return _(" to ").join(d for d in (_date(start), _date(end)) if d)


def actions_html(tables: Any) -> str:
    """The plan's actions, one table per priority risk (then other risks, then actions for no risk):
    action, lead and timeframe side by side, the rest (planning area, partners, team, strategy,
    resources) below each action, so the table fits a Letter page. What the plan commits to, not
    how far each action has come (that is the progress report's)."""
    rows = implementation.action_rows(tables)
    if rows.empty:
        return str(Markup("<p>{}</p>").format(_("No action recorded yet.")))
    strategies = tables["strategies"]
    strategy_names = dict(zip(strategies["id"], strategies["name"].astype(str), strict=True)) if len(strategies) else {}
    actions = tables["actions"].set_index("id")
    rows = rows.assign(
        timeframe=[_timeframe(a, b) for a, b in zip(rows["start"], rows["end"], strict=True)],
        strategy=[strategy_names.get(actions.at[i, "strategy_id"], "") if i in actions.index else "" for i in rows["id"]],
        planning_area=[_(str(a)) if isinstance(a, str) else a for a in rows["planning_area"]],
    )
    priorities = readiness.priority_risks(tables)
    order = list(priorities["id"]) if len(priorities) else []
    others = [r for r in dict.fromkeys(rows["risk_id"].dropna()) if r not in order]
    parts: list[str] = []
    for risk_id in [*order, *others, None]:
        subset = rows[rows["risk_id"].isna()] if risk_id is None else rows[rows["risk_id"] == risk_id]
        if subset.empty:
            continue
        name = _("Actions for no particular risk") if risk_id is None else subset["risk"].iloc[0]
        label = "" if risk_id is None or risk_id in order else _(" (not a priority risk)")
        parts.append(detailed_table_html(
            subset, ["title", "lead", "timeframe"],
            ["planning_area", "partners", "team", "strategy", "resources"],
            labels={"title": "Action", "lead": "Lead organization", "timeframe": "Timeframe",
                    "team": "Team (reports on it)", "strategy": "Strategy"},
            caption=f"{name}{label}", row_header="title", nowrap=("timeframe",), style=not parts,
        ))
    return str(Markup("<p>{}</p>").format(ngettext("{n} action.", "{n} actions.", len(rows)).format(
        n=format_number(len(rows))))) + "".join(parts)


def activities_by_risk_html(tables: Any) -> str:
    """One block per priority risk (see `risk_part_html`): its actions, planning area, who is responsible, when."""
    priorities = readiness.priority_risks(tables)
    if priorities.empty:
        return str(Markup("<p>{}</p>").format(_("No priority risk chosen yet.")))
    rows = implementation.action_rows(tables)
    order = {key: n for n, key in enumerate(implementation.planning_area_order())}
    parts: list[str] = []
    for risk_id, name in zip(priorities["id"].astype(str), priorities["name"].astype(str), strict=True):
        mine = rows[rows["risk_id"] == risk_id] if len(rows) else rows
        mine = mine.iloc[sorted(range(len(mine)), key=lambda n: order.get(mine["planning_area"].iloc[n], len(order)))]  # none: last
        frame = pd.DataFrame({
            "Activity": mine["title"].tolist(),
            "Planning area": [_(str(a)) if isinstance(a, str) else a for a in mine["planning_area"]],
            "Responsible": [lead + (f" ({team})" if team else "") if lead else team
                            for lead, team in zip(mine["lead"], mine["team"], strict=True)],
            "Partners": mine["partners"].tolist(),
            "When": [_timeframe(a, b) for a, b in zip(mine["start"], mine["end"], strict=True)],
        })
        table = table_html(frame, caption=_("Activities for {risk}").format(risk=name), row_header="Activity",
                           empty_text=N_("No activity recorded yet."), style=not parts)
        parts.append(risk_part_html(risk_id, name, "activities", str(Markup("<h4>{}</h4>").format(_("Activities"))) + table))
    return "".join(parts)


def milestones_html(tables: Any, today: dt.date, *, plan: bool = False) -> str:
    """Milestones with their due dates; `plan`: the schedule only (no done dates, no status)."""
    milestones = tables["milestones"]
    if milestones.empty:
        return str(Markup("<p>{}</p>").format(_("No milestone recorded yet: add the progress reports and the final report.")))
    kinds = {k.key: _(k.name) for k in load_catalogue().milestone_kinds}
    titles = dict(zip(tables["actions"]["id"], tables["actions"]["title"], strict=True)) if len(tables["actions"]) else {}

    def state(due: dt.date | None, done: dt.date | None) -> str:
        if done:
            return _("Done on {date}").format(date=done.isoformat())
        if due is None:
            return _("No due date")
        if due < today:
            return _("Overdue by {days}").format(days=_days((today - due).days))
        return _("Due today") if due == today else _("Due in {days}").format(days=_days((due - today).days))

    due = [implementation.as_date(d) for d in milestones["due"]]
    done = [implementation.as_date(d) for d in milestones["done"]]
    frame = pd.DataFrame({
        "title": milestones["title"].astype(str).to_numpy(),
        "kind": [kinds.get(k, k) for k in milestones["kind"]],
        "due": [_date(d) for d in due], "done": [_date(d) for d in done],
        "action": [titles.get(a, "") for a in milestones["action_id"]],
        "state": [state(a, b) for a, b in zip(due, done, strict=True)],
        "_sort": [d or dt.date.max for d in due],
    }).sort_values("_sort", kind="stable")
    if plan:
        return table_html(frame, columns=["title", "kind", "due", "action"],
                          labels={"title": "Milestone", "due": "Planned for"},
                          caption="Milestones: progress reports, the final report and updates to council",
                          row_header="title")
    return table_html(frame, columns=["title", "kind", "due", "done", "action", "state"],
                             labels={"title": "Milestone", "state": "Status"},
                             caption="Milestones: progress reports, the final report and updates to council",
                             row_header="title")


def _instruction(note: str) -> bool:
    """A plan-cycle note that tells an app user what to enter (documents leave those out)."""
    return note.startswith("Enter ") or ": enter " in note or note.endswith("enter the date it is planned for.")


def plan_cycle_html(tables: Any, today: dt.date, *, document: str | None = None) -> str:
    """Adoption, publication and review dates. `document` "plan": the dates only; "progress": with
    the timing notes but none of the apps' instructions; None (apps): everything."""
    cycle = implementation.plan_cycle(tables, today)
    rules = load_catalogue().plan_rules
    joint = len(cycle.councils) > 1
    bound = any(c.bound_by_act for c in cycle.councils) or not cycle.councils
    adopted = (_("Adopted by every council") if joint else _("Adopted by council") if bound
               else _("Approved by Band Council resolution"))  # a First Nation's own plan, in its own terms
    not_recorded = _("Not recorded")
    rows = [(adopted, _date(cycle.adoption) or _("Not yet"))]
    if bound:
        rows.append((_("Publication due ({days} days after adoption)").format(days=rules.publication_days),
                     _date(cycle.publication_due) or "–"))
    rows.append((_("Published online"), _date(cycle.published) or not_recorded))
    if bound:
        rows.append((ngettext("Review due by ({n} year after adoption)", "Review due by ({n} years after adoption)",
                              rules.review_years).format(n=rules.review_years), _date(cycle.review_due) or "–"))
    rows += [
        (_("Review planned for"), _date(cycle.planned_review) or not_recorded),
        (_("Council term ends"), _date(cycle.council_term_end) or not_recorded),
        (_("Next budget"), _date(cycle.budget_date) or not_recorded),
    ]
    if document == "plan":  # the dates the plan records, not what is still to be entered
        rows = [(step, date) for step, date in rows if date not in (not_recorded, "–")]
    frame = pd.DataFrame(rows, columns=["Step", "Date"])
    per_council = ""
    if joint:
        councils = pd.DataFrame({
            "Council": [c.council for c in cycle.councils],
            "Standing": [_(c.status) for c in cycle.councils],
            "Adopted on": [_date(c.adopted) or "–" for c in cycle.councils],
            "Publish by": [_date(c.publication_due) or "–" for c in cycle.councils],
            "Review by": [_date(c.review_due) or "–" for c in cycle.councils],
        })
        per_council = table_html(councils, caption="Each council's adoption and deadlines", row_header="Council")
    shown = [n for n in cycle.notes if document is None or not _instruction(n)]
    if document == "plan" or not shown:
        return table_html(frame, caption="The plan cycle", row_header="Step") + per_council
    notes = Markup("").join(
        Markup("<li>{}{}</li>").format(OVERDUE_MARK if n.startswith("Overdue") else "", _(n) if n else n) for n in shown
    )
    return table_html(frame, caption="The plan cycle", row_header="Step") + per_council + str(
        Markup('<h4>{}</h4><ul class="cswb-cycle-notes">{}</ul>').format(_("Timing"), notes))


def overdue_html(items: pd.DataFrame, today: dt.date) -> str:
    """The overdue list: `items` as `model.implementation.overdue_items` gives them (kind, title, due,
    days_overdue, detail), in their order."""
    if items.empty:
        return str(Markup("<p>{}</p>").format(_("Nothing is overdue as of {date}.").format(date=today.isoformat())))
    rows = Markup("").join(
        Markup('<li class="cswb-overdue"><strong>{}{}</strong> {}</li>').format(
            OVERDUE_MARK, _("Overdue by {days}:").format(days=_days(r.days_overdue)),
            _("{kind} “{title}” (due {due}; {detail})").format(kind=_(r.kind), title=r.title, due=r.due.isoformat(),
                                                              detail=_(r.detail) if r.detail else ""))
        for r in items.itertuples()
    )
    return str(Markup('<p role="status"><strong>{}</strong></p><ul>{}</ul>').format(
        ngettext("{n} item overdue as of {date}.", "{n} items overdue as of {date}.", len(items)).format(
            n=len(items), date=today.isoformat()), rows))


def timeline_html(tasks: pd.DataFrame, today: dt.date | None, *, risk: str | None = None, plan: bool = False) -> str:
    """One timeline per risk (only `risk` if given), its actions by planning area: `tasks` as
    `model.implementation.gantt_tasks` gives them, one chart per risk in their order. `plan`: the
    planned schedule (no status, no "Today" line)."""
    if risk is not None:
        tasks = tasks[tasks["risk"] == risk]
    if tasks.empty:
        return str(Markup("<p>{}</p>").format(_("No action recorded yet.")))
    parts = []
    for name, subset in tasks.groupby("risk", sort=False):
        kind = _("priority risk") if subset["priority"].iloc[0] else _("risk")
        title = str(name) if subset["risk_id"].notna().iloc[0] else _("Actions for no particular risk")
        title = "\n".join(textwrap.wrap(title, 40)[:3])  # a long name would run off the drawing
        chart = charts.gantt(subset, title=title, group_order=implementation.planning_area_order(),
                             today=None if plan else today, show_status=not plan)
        parts.append(str(Markup('<section class="cswb-timeline" aria-label="{}">{}</section>').format(
            _("Timeline: {risk} ({kind})").format(risk=name, kind=kind), Markup(chart.html()))))
    return "".join(parts)


def progress_html(tables: Any) -> str:
    """Where each action stands: its status, percent complete and latest update. Measured against
    an adopted version (`model.plan_versions.measured_against`), the adopted plan's actions, those
    added since marked, those dropped since shown as dropped, and what changed in them stated."""
    rows = implementation.action_rows(tables)
    if rows.empty:
        return str(Markup("<p>{}</p>").format(_("No action recorded yet.")))
    latest = implementation.latest_updates(tables).set_index("action_id")
    dropped = [s == DROPPED_SINCE for s in rows[STANDING]]
    frame = pd.DataFrame({
        "Action": [measured_title(t, s) for t, s in zip(rows["title"], rows[STANDING], strict=True)],
        "Status": [_("Dropped") if gone else _(status) if status else _("No status")
                   for status, gone in zip(rows["status"], dropped, strict=True)],
        "Complete": ["" if p is None or pd.isna(p) else format_percent(int(p) / 100) for p in rows["percent_complete"]],
        "Last update": [_date(implementation.as_date(latest.at[i, "date"])) if i in latest.index else _("None yet")
                        for i in rows["id"]],
        "What it said": [str(latest.at[i, "note"] or "") if i in latest.index else "" for i in rows["id"]],
        "Since adoption": [since_adoption_text(s, c, "dates")
                           for s, c in zip(rows[STANDING], rows[SINCE_ADOPTION], strict=True)],
    })
    # Statuses and dates never wrap: a narrow column once printed "In" and "progress" on two lines.
    return detailed_table_html(frame, ["Action", "Status", "Complete", "Last update"], ["What it said", "Since adoption"],
                               caption="Where each action stands (its current status and latest update)",
                               row_header="Action", nowrap=("Status", "Complete", "Last update"))


def _number(value: Any, unit: Any = None, suppress: bool = False) -> str:
    return figures.number_text(value, unit, suppress=suppress)


def _published_progress(row: dict[str, Any], suppress: bool) -> str:
    """The progress words; the share of the way is left out when a count under 5 is hidden,
    because with the other values it would give that count away (3 of 4 -> 25%)."""
    hidden = suppress and any(is_small_count(row[c], row["unit"]) for c in ("baseline", "latest", "target"))
    if hidden and row["share_of_way"] is not None and 0 < row["share_of_way"] < 1:
        return _("Improving (how far is not published: it would reveal a count under 5)")
    return _(str(row["status"])) if row["status"] else ""


def indicators_html(progress: pd.DataFrame, *, suppress: bool = False) -> str:
    """Each measure's latest value against baseline and target, from `progress` as
    `model.implementation.indicator_progress` gives it; `suppress` (published): small counts read "<5"."""
    if progress.empty:
        return str(Markup("<p>{}</p>").format(_("No measure recorded yet (see the Evidence and evaluation workbook).")))
    standings = progress[STANDING] if STANDING in progress else pd.Series([None] * len(progress))
    changes = progress[SINCE_ADOPTION] if SINCE_ADOPTION in progress else pd.Series([""] * len(progress))
    frame = pd.DataFrame({
        "Expected outcome": progress["expected_outcome"],
        "Indicator": [measured_title(i or o, s) for i, o, s in
                      zip(progress["indicator"], progress["expected_outcome"], standings, strict=True)],
        "Baseline": [_number(v, u, suppress) for v, u in zip(progress["baseline"], progress["unit"], strict=True)],
        "Target": [_number(v, u, suppress) + (_(" by {year}").format(year=int(y)) if y is not None and pd.notna(y) else "")
                   for v, y, u in zip(progress["target"], progress["target_year"], progress["unit"], strict=True)],
        "Latest": [f"{_number(v, u, suppress)} ({_date(d)})" if d is not None and pd.notna(v) else "–"
                   for v, d, u in zip(progress["latest"], progress["latest_date"], progress["unit"], strict=True)],
        "Unit": progress["unit"],
        "Progress": [_published_progress(row, suppress) for row in progress.to_dict("records")],
        "Since adoption": [since_adoption_text(s, c, "target") for s, c in zip(standings, changes, strict=True)],
    })
    return detailed_table_html(frame, ["Indicator", "Baseline", "Target", "Latest", "Progress"],
                               ["Expected outcome", "Unit", "Since adoption"],
                               caption="Indicators: latest value against baseline and target", row_header="Indicator",
                               nowrap=("Latest",))


def default_since(tables: Any, today: dt.date) -> dt.date:
    """The last progress report's date, else the latest adoption (the last council of a joint plan
    to adopt it), else a year ago."""
    last = implementation.last_progress_report(tables, today)
    if last:
        return last
    adopted = [c.adopted for c in adoption.council_adoptions(tables) if c.adopted]
    recorded = implementation.as_date(tables["community"]["adoption_date"].iloc[0]) if len(tables["community"]) else None
    return max([*adopted, *([recorded] if recorded else [])], default=None) or today - dt.timedelta(days=365)


def changes_html(tables: Any, since: dt.date, today: dt.date, *, suppress: bool = False) -> str:
    changes = implementation.changes_since(tables, since, today)
    last = implementation.last_progress_report(tables, today)
    adopted = {c.adopted for c in adoption.council_adoptions(tables) if c.adopted}
    basis = (_("Since the last progress report ({date}):") if last == since
             else _("Since the plan's adoption ({date}):") if since in adopted else _("Since the date chosen ({date}):"))
    head = Markup("<p><strong>{}</strong> {}</p>").format(basis.format(date=since.isoformat()), _(
        "{status} status changes, {updates} progress updates, {measurements} new measurements, "
        "{milestones} milestones done.").format(
        status=len(changes.status_changes), updates=len(changes.updates), measurements=len(changes.measurements),
        milestones=len(changes.milestones_done)))
    if changes.empty:
        return str(head) + str(Markup("<p>{}</p>").format(_("Nothing was recorded in that time.")))
    parts = [str(head)]
    if len(changes.status_changes):
        frame = changes.status_changes.assign(
            date=[_date(d) for d in changes.status_changes["date"]],
            **{column: [_(v) if isinstance(v, str) and v else v for v in changes.status_changes[column]]
               for column in ("from_status", "to_status") if column in changes.status_changes})
        parts.append(table_html(frame, labels={"from_status": "From", "to_status": "To"},
                                       caption="Status changes", row_header="action", style=False))
    if len(changes.updates):
        frame = changes.updates.assign(
            date=[_date(d) for d in changes.updates["date"]],
            **{"status": [_(v) if isinstance(v, str) and v else v for v in changes.updates["status"]]}
            if "status" in changes.updates else {},
            percent_complete=["" if p is None or pd.isna(p) else format_percent(int(p) / 100)
                              for p in changes.updates["percent_complete"]])
        parts.append(table_html(frame, labels={"percent_complete": "Complete"}, caption="Progress updates",
                                       row_header="action", style=False))
    if len(changes.measurements):
        frame = changes.measurements.assign(
            date=[_date(d) for d in changes.measurements["date"]],
            value=[_number(v, u, suppress) for v, u in zip(changes.measurements["value"], changes.measurements["unit"], strict=True)],
            previous=[_number(v, u, suppress) for v, u in zip(changes.measurements["previous"], changes.measurements["unit"], strict=True)],
            target=[_number(v, u, suppress) for v, u in zip(changes.measurements["target"], changes.measurements["unit"], strict=True)])
        parts.append(table_html(frame, labels={"previous": "Value before"}, caption="New measurements",
                                       row_header="indicator", style=False))
    if len(changes.milestones_done):
        frame = changes.milestones_done.assign(due=[_date(d) for d in changes.milestones_done["due"]],
                                               done=[_date(d) for d in changes.milestones_done["done"]])
        parts.append(table_html(frame, labels={"title": "Milestone"}, caption="Milestones done",
                                       row_header="title", style=False))
    return "".join(parts)


# -- the reporting diagram (offline SVG built here) --------------------------------------------------

ROW = 24  # px per row: an action takes one row, a group or council two
GAP = 48  # px between columns (the arrows run here)
MARGIN = 12
HEADER = 30
CHAR_WIDTH = 6.8  # average width of a 12px sans-serif character, for wrapping
WIDTHS = {"council": 210, "group": 230, "action": 340}
STYLES = {  # kind -> (fill, stroke, dash)
    "council": ("#e8eef6", "#1f3a5f", ""),
    "advisory_committee": ("#fdf3d8", "#6b4e00", ""),
    "implementation_team": ("#e6f2ec", "#14632b", ""),
    "no_team": ("#f3f4f6", "#4a4a4a", "4 3"),
    "action": ("#ffffff", "#6b6b6b", ""),
}
KIND_NAMES = {"council": N_("council"), "advisory_committee": N_("advisory committee"),
              "implementation_team": N_("implementation team"), "no_team": "", "action": N_("action")}


def _column_kind(node: Node) -> str:
    return node.kind if node.kind in ("council", "action") else "group"


def _layout(nodes: list[Node]) -> tuple[dict[str, float], dict[int, float], float]:
    """Centre row of each node, x of each column, and the total rows (a tidy tree: parents centred)."""
    ids = {n.id for n in nodes}
    kind_of = {n.id: n.kind for n in nodes}
    children: dict[str | None, list[Node]] = {}
    for node in nodes:
        if node.kind == "council":
            continue
        parent = next((p for p in node.reports_to if p in ids and kind_of[p] != "council"), None)
        children.setdefault(parent, []).append(node)
    centre: dict[str, float] = {}
    started: set[str] = set()  # a reporting cycle (A reports to B, B to A) must not recurse forever
    cursor = 0.0

    def place(node: Node) -> float:
        nonlocal cursor
        started.add(node.id)
        own = 1 if node.kind == "action" else 2
        start = cursor
        kids = [k for k in children.get(node.id, []) if k.id not in started]
        if not kids:
            cursor += own
            middle = start + own / 2
        else:
            centres = [place(k) for k in kids]
            cursor = max(cursor, start + own)
            middle = (centres[0] + centres[-1]) / 2
        if node.kind != "action":
            cursor += 0.5
        centre[node.id] = middle
        return middle

    for root in children.get(None, []):
        place(root)
    for node in nodes:  # groups in a reporting cycle have no root above them
        if node.kind != "council" and node.id not in started:
            place(node)
    councils = [n for n in nodes if n.kind == "council"]
    council_rows = len(councils) * 2.5 - 0.5
    top = max((cursor - council_rows) / 2, 0)
    for i, council in enumerate(councils):
        centre[council.id] = top + i * 2.5 + 1
    total = max(cursor, council_rows)
    x: dict[int, float] = {}
    position = MARGIN
    for level in sorted({n.level for n in nodes}):
        x[level] = position
        kinds = {_column_kind(n) for n in nodes if n.level == level}
        position += max(WIDTHS[k] for k in kinds) + GAP
    return centre, x, total


def _wrap(text: str, width: float, lines: int) -> list[str]:
    chars = max(int((width - 12) / CHAR_WIDTH), 8)
    wrapped = textwrap.wrap(text, chars) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: chars - 1].rstrip() + "…"
    return wrapped


def _column_heading(level_nodes: list[Node]) -> str:
    kinds = {n.kind for n in level_nodes}
    if kinds == {"council"}:
        return _("Council") if len(level_nodes) == 1 else _("Councils")
    if kinds == {"action"}:
        return _("Actions")
    if kinds == {"advisory_committee"}:
        return _("Advisory committee")
    if kinds <= {"implementation_team", "no_team"}:
        return _("Implementation teams")
    return _("Groups")


def reporting_svg(nodes: list[Node], *, title: str) -> str:
    """Councils, groups and actions in columns, each box with an arrow to the one it reports to."""
    centre, x, rows = _layout(nodes)
    # Ids unique to this diagram: two diagrams on one page never share an arrowhead or a title.
    digest = "r" + hashlib.sha1(repr([(n.id, n.label, n.level) for n in nodes]).encode("utf-8")).hexdigest()[:10]
    marker = f"{digest}-arrow"
    by_id = {n.id: n for n in nodes}
    width = max(x[n.level] + WIDTHS[_column_kind(n)] for n in nodes) + MARGIN
    height = HEADER + rows * ROW + MARGIN

    def box(node: Node) -> tuple[float, float, float, float]:
        w = WIDTHS[_column_kind(node)]
        h = ROW - 6 if node.kind == "action" else 2 * ROW - 6
        return x[node.level], HEADER + centre[node.id] * ROW - h / 2, w, h

    body: list[Markup] = []
    for level in sorted(x):
        heading = _column_heading([n for n in nodes if n.level == level])
        body.append(Markup('<text x="{:.1f}" y="18" font-weight="bold">{}</text>').format(x[level], heading))
    for node in nodes:
        nx, ny, _width, nh = box(node)
        for parent_id in node.reports_to:
            parent = by_id.get(parent_id)
            if parent is None:
                continue
            px, py, pw, ph = box(parent)
            elbow = nx - GAP / 2
            body.append(Markup(
                '<path d="M{:.1f} {:.1f} H{:.1f} V{:.1f} H{:.1f}" fill="none" stroke="#4a4a4a" stroke-width="1.2" '
                'marker-end="url(#{})"/>').format(nx, ny + nh / 2, elbow, py + ph / 2, px + pw + 3, marker))
    for node in nodes:
        nx, ny, nw, nh = box(node)
        fill, stroke, dash = STYLES.get(node.kind, STYLES["implementation_team"])
        lines = _wrap(node.label, nw, 1 if node.kind == "action" else 2)
        tooltip = node.label + (f" ({_(node.detail)})" if node.detail else "")
        dash_attr = Markup(' stroke-dasharray="{}"').format(dash) if dash else Markup("")
        texts = Markup("").join(
            Markup('<tspan x="{:.1f}" dy="{}">{}</tspan>').format(nx + 6, 0 if i == 0 else 14, line)
            for i, line in enumerate(lines)
        )
        first_baseline = ny + nh / 2 + 4 - 7 * (len(lines) - 1)
        body.append(Markup(
            '<g><title>{}</title><rect x="{:.1f}" y="{:.1f}" width="{}" height="{}" rx="4" fill="{}" stroke="{}"{}/>'
            '<text x="{:.1f}" y="{:.1f}">{}</text></g>'
        ).format(tooltip, nx, ny, nw, nh, fill, stroke, dash_attr, nx + 6, first_baseline, texts))
    content = Markup("").join(body)
    description = reporting_description(nodes)
    svg = Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.0f} {h:.0f}" width="{w:.0f}" height="{h:.0f}" '
        'role="img" aria-labelledby="{d}-title {d}-desc" style="max-width: 100%; height: auto" '
        'font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="12" fill="#1b1b1b">'
        '<title id="{d}-title">{title}</title><desc id="{d}-desc">{desc}</desc>'
        '<defs><marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="#4a4a4a"/></marker></defs>'
        '{content}</svg>'
    ).format(w=width, h=height, d=digest, title=title, desc=description, marker=marker, content=content)
    return str(svg)


def reporting_description(nodes: list[Node]) -> str:
    councils = [n.label for n in nodes if n.kind == "council"]
    committees = [n for n in nodes if n.kind == "advisory_committee"]
    teams = [n for n in nodes if n.kind == "implementation_team"]
    actions = [n for n in nodes if n.kind == "action"]
    parts = [_("Who reports to whom.") + " " + (_("Councils: {names}.") if len(councils) != 1 else _("Council: {names}.")).format(
        names="; ".join(councils))]
    for committee in committees:
        parts.append((_("{group} reports to the councils.") if len(councils) > 1
                      else _("{group} reports to the council.")).format(group=committee.label))
    for team in teams:
        count = sum(team.id in a.reports_to for a in actions)
        parts.append(ngettext("{team}: {n} action.", "{team}: {n} actions.", count).format(team=team.label, n=count))
    parts.append(_("Each arrow points to the body a group or action reports to; the same lines follow as a list."))
    return " ".join(parts)


def reporting_list_html(nodes: list[Node]) -> str:
    """The diagram as nested lists, from the council(s) down."""
    ids = {n.id for n in nodes}
    councils = [n for n in nodes if n.kind == "council"]
    children: dict[str, list[Node]] = {}
    roots = []
    for node in nodes:
        if node.kind == "council":
            continue
        parents = [p for p in node.reports_to if p in ids and not p.startswith("council:")]
        if parents:
            children.setdefault(parents[0], []).append(node)
        else:
            roots.append(node)

    listed: set[str] = set()

    def item(node: Node) -> Markup:
        listed.add(node.id)
        named = KIND_NAMES.get(node.kind, node.kind.replace("_", " "))
        kind = _(named) if named else ""  # gettext("") would be the catalogue's header
        label = Markup("{} ({}{})").format(node.label, kind, f", {_(node.detail)}" if node.detail and node.kind == "action" else "") \
            if kind else Markup("{}").format(node.label)
        if node.kind != "action" and not any(p in ids for p in node.reports_to):
            label += Markup("{}").format(_(": reports to no one recorded"))
        elif node.reports_to and node.reports_to[0].startswith("council:"):
            label += Markup("{}").format(_(": reports to the councils") if len(councils) > 1 else _(": reports to the council"))
        kids = [k for k in children.get(node.id, []) if k.id not in listed]
        inner = Markup("<ul>{}</ul>").format(Markup("").join(item(k) for k in kids)) if kids else Markup("")
        return Markup("<li>{}{}</li>").format(label, inner)

    heading = Markup("<p>{}</p>").format((_("Councils that adopt the plan: {names}.") if len(councils) > 1
                                          else _("Council: {names}.")).format(names="; ".join(c.label for c in councils)))
    items = [item(r) for r in roots]
    items += [item(n) for n in nodes if n.kind != "council" and n.id not in listed]  # reporting cycles
    return str(heading + Markup('<ul class="cswb-reporting-list">{}</ul>').format(Markup("").join(items)))


def reporting_html(tables: Any, *, plan: bool = False) -> str:
    """Who reports to whom; `plan`: without each action's status."""
    nodes = implementation.reporting_lines(tables)
    if plan:
        nodes = [dataclasses.replace(n, detail="") if n.kind == "action" else n for n in nodes]
    if not any(n.kind != "council" for n in nodes):
        return str(Markup("<p>{}</p>").format(_(
            "No advisory committee, team or action recorded yet (groups are added in the Commitment workbook).")))
    title = _("Who reports to whom")
    return str(Markup('<figure class="cswb-reporting">{}<figcaption>{}</figcaption>'
                      "<details><summary>{}</summary>{}</details></figure>").format(
        Markup(reporting_svg(nodes, title=title)),
        _("Implementation teams report to the advisory committee, which reports to council; each action sits under "
          "the team that carries it out."),
        _("Who reports to whom, as a list"),
        Markup(reporting_list_html(nodes)),
    ))


# -- the publication statement (the plan's last word) ---------------------------------------------


def publication_contact(tables: Any) -> tuple[str, str]:
    """(organization, its website or "") to ask for the plan: the coordinators' organization (the
    municipality or Band Council), else the lead council. An organization, never a person."""
    from ..model import commitment

    coordinators = commitment.people_in_role(tables, "coordinator")
    organizations = tables["organizations"]
    sites = dict(zip(organizations["name"].astype(str), organizations["website"], strict=True)) if len(organizations) else {}
    for name in coordinators["organization"] if len(coordinators) else []:
        if isinstance(name, str) and name.strip():
            site = sites.get(name)
            return name, site if isinstance(site, str) else ""
    adoptions = adoption.council_adoptions(tables)
    lead = next((c for c in adoptions if c.role == "Lead"), adoptions[0] if adoptions else None)
    return (lead.council, "") if lead else ("", "")


def publication_html(tables: Any) -> str:
    """Where the plan is posted, that a printed copy and accessible formats are available on
    request, and whom to ask (an organization's general contact, not a person's)."""
    community = tables["community"].iloc[0].to_dict() if len(tables["community"]) else {}
    website = community.get("website")
    published = implementation.as_date(community.get("publication_date"))
    bound = not adoption.first_nation_led(tables)
    where = (_markup_message(_("This plan is posted online at {link}"), link=Markup('<a href="{0}">{0}</a>').format(website))
             if isinstance(website, str) and website.strip() else Markup("{}").format(_("This plan is posted online")))
    when = Markup("{}").format(_(" (published on {date})").format(date=published.isoformat())) if published else Markup("")
    law = Markup("{}").format(_(", as the Community Safety and Policing Act, 2019 requires")) if bound else Markup("")
    organization, site = publication_contact(tables)
    if organization:
        contact = _markup_message(_("To ask for a copy or a format, or to comment on the plan, contact {organization}{site}."),
                                  organization=Markup("{}").format(organization),
                                  site=Markup(' (<a href="{0}">{0}</a>)').format(site) if site else Markup(""))
    else:
        contact = Markup("")
    return str(Markup(
        '<section class="cswb-publication cswb-static"><p>{}{}{}.</p><p>{} {}</p></section>'
    ).format(where, when, law, _(
        "A printed copy of the plan is available on request, free of charge, and so is the plan in "
        "accessible formats (for example large print, or an electronic file that works with a screen reader)."), contact))


def _markup_message(message: str, **fields: Markup) -> Markup:
    """A translated sentence (escaped) with markup (links) put in its `{name}` fields."""
    result = Markup(html_text.escape(message))
    for name, value in fields.items():
        result = Markup(result.replace("{" + name + "}", value))
    return result
