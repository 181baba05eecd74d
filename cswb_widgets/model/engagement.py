"""Creating buy-in (Tool 4): who was reached, what they raised, what each period taught.

Pure functions on the workspace's DataFrames (`{name: ws.table(name)}`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from ..framework import load_catalogue
from ._tables import Tables, rows_of


def _held(activities: pd.DataFrame) -> pd.DataFrame:
    """Activities that happened or are planned: cancelled ones reached nobody."""
    if activities.empty:
        return activities
    return activities[activities["status"].fillna("done") != "cancelled"]


def consultation_matrix(tables: Tables) -> pd.DataFrame:
    """For each group that must be consulted: activities, people reached, methods used."""
    catalogue = load_catalogue()
    activities = _held(rows_of(tables, "engagement_activities"))
    exemptions = rows_of(tables, "coverage_exemptions")
    reasons = (
        dict(zip(exemptions.loc[exemptions["list"] == "consult_groups", "key"],
                 exemptions.loc[exemptions["list"] == "consult_groups", "reason"], strict=True))
        if not exemptions.empty
        else {}
    )
    rows = []
    for group in catalogue.consult_groups:
        reached = activities[[group.key in (g or []) for g in activities["consult_groups"]]] if not activities.empty else activities
        count = len(reached)
        rows.append(
            {
                "key": group.key,
                "group": group.name,
                "activities": count,
                "people_reached": int(reached["number_reached"].fillna(0).sum()) if count else 0,
                "methods": sorted({catalogue.name_of("engagement_methods", m) for m in reached["method"]}) if count else [],
                "status": "consulted" if count else ("not applicable" if group.key in reasons else "not yet consulted"),
                "reason": reasons.get(group.key, ""),
            }
        )
    return pd.DataFrame(rows)


def theme_frequency(tables: Tables, *, by: str = "risk_categories") -> pd.DataFrame:
    """How often each tag was raised in feedback, most frequent first, with its share of items.

    `by` is "risk_categories" (named from the catalogue) or "themes" (the group's own words).
    """
    if by not in ("risk_categories", "themes"):
        raise ValueError(f"by must be 'risk_categories' or 'themes', not {by!r}")
    feedback = rows_of(tables, "feedback")
    columns = ["key", "label", "count", "share"]
    if feedback.empty:
        return pd.DataFrame(columns=columns)
    counts: Counter[str] = Counter()
    for tags in feedback[by]:
        counts.update(dict.fromkeys(tags or [], 1))  # an item counts once per tag
    catalogue = load_catalogue()
    known = set(catalogue.keys("risk_categories"))
    rows = [
        {
            "key": key,
            "label": catalogue.name_of("risk_categories", key) if by == "risk_categories" and key in known else key,
            "count": n,
            "share": n / len(feedback),
        }
        for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return pd.DataFrame(rows, columns=columns)


def feedback_for_risk(tables: Tables, category: str | None) -> tuple[int, float]:
    """The engagement signal for one risk category: items tagged with it, and their share."""
    feedback = rows_of(tables, "feedback")
    if feedback.empty or not category:
        return 0, 0.0
    tagged = sum(category in (tags or []) for tags in feedback["risk_categories"])
    return tagged, tagged / len(feedback)


def untagged_feedback(tables: Tables) -> pd.DataFrame:
    feedback = rows_of(tables, "feedback")
    if feedback.empty:
        return feedback
    return feedback[[not tags for tags in feedback["risk_categories"]]]


def tag_suggestions(tables: Tables) -> pd.DataFrame:
    """For feedback without risk categories: the catalogue's keyword suggestions."""
    catalogue = load_catalogue()
    pending = untagged_feedback(tables)
    if pending.empty:
        return pd.DataFrame(columns=["id", "text", "suggested"])
    suggested = [catalogue.suggest_categories(str(t)) for t in pending["text"]]
    result = pd.DataFrame({"id": pending["id"], "text": pending["text"], "suggested": suggested})
    return result[[bool(s) for s in suggested]].reset_index(drop=True)


@dataclass(frozen=True)
class PeriodSummary:
    """An engagement period as the framework asks it be summarized, with figures computed."""

    id: str
    name: str
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    activities: int
    people_reached: int
    methods: tuple[str, ...]
    groups_reached: tuple[str, ...]
    feedback_items: int
    outreach_types: str | None
    successes: str | None
    challenges: str | None
    findings: str | None
    lessons_learned: str | None


def period_summaries(tables: Tables) -> list[PeriodSummary]:
    catalogue = load_catalogue()
    periods = rows_of(tables, "engagement_periods")
    activities = _held(rows_of(tables, "engagement_activities"))
    feedback = rows_of(tables, "feedback")
    summaries = []
    for _, period in periods.iterrows():
        mine = activities[activities["period_id"] == period["id"]] if not activities.empty else activities
        heard = feedback[feedback["activity_id"].isin(set(mine["id"]))] if not feedback.empty and not mine.empty else feedback.iloc[0:0]
        groups = sorted({g for gs in mine["consult_groups"] for g in (gs or [])}) if not mine.empty else []

        def text(field: str, period: pd.Series = period) -> str | None:
            value = period[field]
            return None if pd.isna(value) else str(value)

        summaries.append(
            PeriodSummary(
                id=str(period["id"]),
                name=str(period["name"]),
                start=period["start"] if pd.notna(period["start"]) else None,
                end=period["end"] if pd.notna(period["end"]) else None,
                activities=len(mine),
                people_reached=int(mine["number_reached"].fillna(0).sum()) if not mine.empty else 0,
                methods=tuple(sorted({catalogue.name_of("engagement_methods", m) for m in mine["method"]})) if not mine.empty else (),
                groups_reached=tuple(catalogue.name_of("consult_groups", g) for g in groups),
                feedback_items=len(heard),
                outreach_types=text("outreach_types"),
                successes=text("successes"),
                challenges=text("challenges"),
                findings=text("findings"),
                lessons_learned=text("lessons_learned"),
            )
        )
    return summaries
