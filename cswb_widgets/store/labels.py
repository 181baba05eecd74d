"""How people name records, columns and moments: used by the store's own messages (undo
refusals, history) and, through `cswb_widgets.render`, by every table and form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from ..i18n import N_, _
from .schema import Table, table as table_spec
from .validation import is_blank

# Columns that name a record, most telling first (the first non-blank one wins).
LABEL_COLUMNS = ("name", "title", "expected_outcome", "indicator", "text", "participant", "description")
MAX_LABEL = 80

# The label of a referenced record (table, id), or None when it is unknown.
RefLabel = Callable[[str, str], "str | None"]


def record_label(spec: Table | str, record: Mapping[str, Any], ref_label: RefLabel | None = None) -> str:
    """A short human name for a record: its name or title; else, given `ref_label`, the records
    it refers to (a membership reads "Ana · Advisory committee"); else its id."""
    spec = table_spec(spec) if isinstance(spec, str) else spec
    for name in LABEL_COLUMNS:
        if name in spec.column_names and not is_blank(record.get(name)):
            return _shortened(str(record[name]))
    if ref_label is not None:
        named = [
            ref_label(column.ref, str(record[column.name]))
            for column in spec.columns
            if column.ref and column.kind != "list" and not is_blank(record.get(column.name))
        ]
        if any(named):
            return _shortened(" · ".join(n for n in named if n))
    return str(record.get("id", ""))


def readable_column(name: str) -> str:
    """A column's name as a heading: organization_id reads "Organization"."""
    words = name.removesuffix("_id").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


# What one record of each table is called (a table added later falls back on dropping its "s").
_NOUNS = {
    "community": N_("community profile"),
    "member_communities": N_("member community"),
    "areas": N_("area"),
    "organizations": N_("organization"),
    "people": N_("person"),
    "groups": N_("group"),
    "memberships": N_("membership"),
    "coverage_exemptions": N_("not-applicable mark"),
    "tor_sections": N_("terms-of-reference section"),
    "commitment_evidence": N_("piece of commitment evidence"),
    "engagement_periods": N_("engagement period"),
    "engagement_activities": N_("engagement activity"),
    "feedback": N_("feedback item"),
    "risks": N_("risk"),
    "indicators": N_("indicator"),
    "criteria": N_("criterion"),
    "risk_scores": N_("risk score"),
    "votes": N_("vote"),
    "assets": N_("asset"),
    "strategies": N_("strategy"),
    "logic_models": N_("logic model"),
    "logic_model_items": N_("logic model item"),
    "measures": N_("measure"),
    "measurements": N_("measurement"),
    "actions": N_("action"),
    "action_updates": N_("action update"),
    "milestones": N_("milestone"),
}


def record_noun(table_name: str) -> str:
    """What one record of a table is called in running text, in the current language: "person", "strategy"."""
    table_spec(table_name)  # an unknown table is a bug: say so here
    if table_name in _NOUNS:
        return _(_NOUNS[table_name])
    words = table_name.replace("_", " ")
    if words.endswith("ies"):
        return words[:-3] + "y"
    return words.removesuffix("s")


def moment(stamp: str) -> str:
    """An audit time (ISO, UTC) as people read it: 2026-12-04 19:20 UTC."""
    try:
        when = dt.datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return str(stamp)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _shortened(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 3] + "..."
