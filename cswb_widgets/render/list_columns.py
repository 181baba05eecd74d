"""Which columns a table's compact list shows, and which free-text columns hold catalogue keys.

Declared once per table, here, next to the labels (`records.column_label`): every app's
editing table lists these "main" columns, wrapped, and edits every other shown column in
the record's form. A table's main columns are few enough to fit a 1,366 px screen.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..store.schema import Column, table as table_spec

MAIN_COLUMNS: dict[str, tuple[str, ...]] = {
    "member_communities": ("name", "kind", "council", "lead", "resolution_date"),
    "areas": ("name", "kind", "parent_id", "population"),
    "organizations": ("name", "sector", "member_community_id", "description"),
    "people": ("name", "organization_id", "title", "sector"),
    "groups": ("name", "kind", "risk_id", "reports_to"),
    "memberships": ("group_id", "person_id", "role", "seats"),
    "coverage_exemptions": ("list", "key", "reason"),
    "tor_sections": ("group_id", "section", "text"),
    "commitment_evidence": ("kind", "member_community_id", "date", "description"),
    "engagement_periods": ("name", "start", "end", "findings"),
    "engagement_activities": ("title", "method", "date", "audience", "number_reached", "status"),
    "feedback": ("date", "text", "risk_categories", "participant_group"),
    "risks": ("name", "category", "priority", "description"),
    "indicators": ("risk_id", "indicator", "area", "year", "value", "unit"),
    "criteria": ("name", "description", "weight", "higher_is_worse", "source"),
    "risk_scores": ("risk_id", "criterion_id", "value", "note"),
    "votes": ("risk_id", "participant", "value", "session"),
    "assets": ("name", "organization_id", "sector", "planning_areas", "risks_addressed"),
    "strategies": ("risk_id", "planning_area", "name", "evidence_strength"),
    "logic_models": ("risk_id", "target_group", "name"),
    "logic_model_items": ("level", "text", "planning_area", "responsible"),
    "measures": ("expected_outcome", "indicator", "baseline", "target", "frequency"),
    "measurements": ("measure_id", "date", "value", "note"),
    "actions": ("title", "lead_organization_id", "planning_area", "risk_id", "status", "end"),
    "action_updates": ("action_id", "date", "status", "percent_complete", "note"),
    "milestones": ("title", "kind", "due", "done", "action_id"),
}
FALLBACK_MAIN = 4  # a table not declared above lists its first shown columns

# Free-text columns whose values are catalogue keys (the schema does not restrict them, so
# imported names stay): shown, filtered and picked by the catalogue's names.
CATALOGUE_COLUMNS: dict[tuple[str, str], str] = {
    ("risks", "category"): "risk_categories",
    ("risks", "risk_factors"): "risk_categories",
}


def main_columns(table_name: str, shown: Sequence[str]) -> tuple[str, ...]:
    """The shown columns the compact list holds, in the order shown (never empty when `shown` is not)."""
    declared = set(MAIN_COLUMNS.get(table_name, ()))
    main = tuple(name for name in shown if name in declared)
    return main or tuple(shown[:FALLBACK_MAIN])


def choice_list(table_name: str, column: Column | str) -> str | None:
    """The catalogue list a column's values are keys of: its own `choices`, or a declared one."""
    column = table_spec(table_name).column(column) if isinstance(column, str) else column
    return column.choices or CATALOGUE_COLUMNS.get((table_name, column.name))
