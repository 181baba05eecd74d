"""The community workspace schema: every table and column, declared once.

The SQLite DDL, row validation, CSV/XLSX import and export and the DataFrame
types are all derived from these declarations, so a column is added here and
nowhere else. `choices` names a list of the framework catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from ..i18n import N_, _

ColumnKind = Literal["text", "int", "float", "date", "bool", "list", "geojson"]

SCHEMA_VERSION = 6

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
HEX_COLOUR = r"#[0-9A-Fa-f]{6}"
LOGO_DATA_URI = r"data:image/(png|jpeg);base64,[A-Za-z0-9+/]+={0,2}"


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind = "text"
    required: bool = False
    choices: str | None = None  # a catalogue list name; for "list" it constrains each item
    ref: str | None = None  # id of a record in that table (for "list": each item)
    minimum: float | None = None
    maximum: float | None = None
    private: bool = False  # personal contact data: never exported to published output
    pattern: str | None = None  # a regular expression the whole text must match
    pattern_hint: str = ""  # what the pattern means, for error messages
    languages: bool = False  # language codes separated by "; " (see model.languages)
    description: str = ""


@dataclass(frozen=True, eq=False)
class Table:
    name: str
    title: str
    stage: str  # the workbook that owns it (catalogue `stages` key), or "community"
    columns: tuple[Column, ...]
    unique: tuple[tuple[str, ...], ...] = ()
    singleton: bool = False  # exactly one record, id "community"
    description: str = ""
    since: int = 1  # schema version that introduced the table

    @cached_property
    def column_names(self) -> tuple[str, ...]:
        return ("id",) + tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(_("table '{table}' has no column '{column}'").format(table=self.name, column=name))


def _c(name: str, kind: ColumnKind = "text", **kw) -> Column:
    return Column(name, kind, **kw)


TABLES: tuple[Table, ...] = (
    Table(
        "community",
        N_("Community profile"),
        "community",
        (
            _c("name", required=True),
            _c("kind", required=True, choices="community_kinds"),
            _c("illustrative", "bool", description="true for made-up sample data"),
            _c("population", "int", minimum=0),
            _c("population_year", "int", minimum=1800, maximum=2200),
            _c("background", description="community background: demographics, context"),
            _c("demographics", description="key demographic facts, one per line"),
            _c("plan_start", "date"),
            _c("adoption_date", "date"),
            _c("publication_date", "date"),
            _c("next_review_date", "date"),
            _c("council_term_end", "date"),
            _c("budget_date", "date", description="date the next municipal budget is set"),
            _c("website"),
            # Added in schema version 2: the plan identity used by apps and reports.
            _c("plan_name"),
            _c("colour_primary", pattern=HEX_COLOUR, pattern_hint=N_("a colour as #RRGGBB")),
            _c("colour_secondary", pattern=HEX_COLOUR, pattern_hint=N_("a colour as #RRGGBB")),
            _c(
                "logo",
                pattern=LOGO_DATA_URI,
                pattern_hint=N_("a PNG or JPEG image as a data: URI"),
                description="logo image as a data: URI (PNG or JPEG; SVG could carry scripts)",
            ),
            # Added in schema version 6: the language(s) the plan is published in.
            _c("plan_language", choices="plan_languages", description="en, fr or both (a bilingual plan); blank: en"),
        ),
        singleton=True,
    ),
    Table(
        "member_communities",
        N_("Member communities and council resolutions"),
        "commitment",
        (
            _c("name", required=True),
            _c("kind", required=True, choices="community_kinds"),
            _c("council", description="the council or Band Council that adopts the plan"),
            _c("lead", "bool"),
            _c("partner", "bool", description="a neighbouring community whose assets count"),
            _c("resolution_date", "date", description="date of this council's resolution adopting the plan"),
            _c("resolution_reference", description="number of this council's adoption resolution"),
        ),
    ),
    Table(
        "areas",
        N_("Boundary and sub-areas"),
        "community",
        (
            _c("name", required=True),
            _c("kind", required=True, choices="area_kinds"),
            _c("parent_id", ref="areas"),
            _c("member_community_id", ref="member_communities"),
            _c("population", "int", minimum=0),
            _c("geometry", "geojson"),
            _c("source"),
        ),
        unique=(("kind", "name"),),
    ),
    Table(
        "organizations",
        N_("Organizations"),
        "commitment",
        (
            _c("name", required=True),
            _c("sector", required=True, choices="sectors"),
            _c("member_community_id", ref="member_communities"),
            _c("description"),
            _c("website"),
        ),
    ),
    Table(
        "people",
        N_("People"),
        "commitment",
        (
            _c("name", required=True),
            _c("organization_id", ref="organizations"),
            _c("title"),
            _c("sector", choices="sectors"),
            _c("email", private=True),
            _c("phone", private=True),
        ),
    ),
    Table(
        "groups",
        N_("Advisory committee and implementation teams"),
        "commitment",
        (
            _c("name", required=True),
            _c("kind", required=True, choices="group_kinds"),
            _c("risk_id", ref="risks", description="the priority risk an implementation team works on"),
            _c("reports_to", ref="groups"),
            _c("description"),
        ),
    ),
    Table(
        "memberships",
        N_("Group memberships and roles"),
        "commitment",
        (
            _c("group_id", required=True, ref="groups"),
            _c("person_id", required=True, ref="people"),
            _c("role", required=True, choices="roles"),
            _c("seats", "list", choices="seats", description="required seats this member fills"),
        ),
        unique=(("group_id", "person_id", "role"),),
    ),
    Table(
        "coverage_exemptions",
        N_("Required items marked not applicable here"),
        "commitment",
        (
            _c("list", required=True, choices="exemptable_lists"),
            _c("key", required=True),
            _c("reason", required=True),
        ),
        unique=(("list", "key"),),
    ),
    Table(
        "tor_sections",
        N_("Terms of reference"),
        "commitment",
        (
            _c("group_id", ref="groups", description="empty for one combined terms of reference"),
            _c("section", required=True, choices="tor_sections"),
            _c("text", required=True),
        ),
        unique=(("group_id", "section"),),
    ),
    Table(
        "commitment_evidence",
        N_("Commitment evidence"),
        "commitment",
        (
            _c("kind", required=True, choices="commitment_evidence_kinds"),
            _c("member_community_id", ref="member_communities"),
            _c("date", "date"),
            _c("description", required=True),
            _c("reference"),
            # Added in schema version 3: only an adoption (or revision) resolution adopts the plan.
            _c(
                "resolution_kind",
                choices="resolution_kinds",
                description="for a council resolution: participation, endorsement, adoption or revision",
            ),
        ),
    ),
    Table(
        "engagement_periods",
        N_("Engagement periods and summaries"),
        "buy_in",
        (
            _c("name", required=True),
            _c("start", "date"),
            _c("end", "date"),
            _c("outreach_types"),
            _c("successes"),
            _c("challenges"),
            _c("findings"),
            _c("lessons_learned"),
        ),
    ),
    Table(
        "engagement_activities",
        N_("Engagement plan and log"),
        "buy_in",
        (
            _c("title", required=True),
            _c("method", required=True, choices="engagement_methods"),
            _c("period_id", ref="engagement_periods"),
            _c("date", "date"),
            _c("audience"),
            _c("consult_groups", "list", choices="consult_groups"),
            _c("sector", choices="sectors"),
            _c("number_reached", "int", minimum=0),
            _c("language_notes"),
            _c("accessibility_notes"),
            _c("status", choices="activity_statuses"),
        ),
    ),
    Table(
        "feedback",
        N_("Feedback items"),
        "buy_in",
        (
            _c("activity_id", ref="engagement_activities"),
            _c("date", "date"),
            _c("question", description="the survey question or prompt that was answered"),
            _c("text", required=True),
            _c("risk_categories", "list", choices="risk_categories"),
            _c("themes", "list"),
            _c("participant_group"),
        ),
    ),
    Table(
        "risks",
        N_("Risk register and analysis"),
        "risk",
        (
            _c("name", required=True),
            _c("category", description="a catalogue risk category key, or the community's own"),
            _c("description"),
            _c("priority", "bool"),
            _c("narrative"),
            _c("real_problem_or_symptom"),
            _c("raised_by"),
            _c("evidence"),
            _c("current_approach", "list", choices="current_approaches"),
            _c("comprehensive_strategy"),
            _c("most_work_needed"),
            _c("who_fills_gaps"),
            _c("vulnerable_groups", "list"),
            _c("risk_factors", "list"),
            _c("protective_factors", "list"),
        ),
    ),
    Table(
        "indicators",
        N_("Risk indicators by area and year"),
        "risk",
        (
            _c("risk_id", ref="risks"),
            _c("indicator", required=True),
            _c("area", description="sub-area name, or empty for the whole community"),
            _c("year", "int", required=True, minimum=1800, maximum=2200),
            _c("value", "float", required=True),
            _c("unit"),
            _c("comparator_value", "float"),
            _c("comparator_label"),
            _c("source"),
            _c("higher_is_worse", "bool", description="false for indicators where a rise is good news, e.g. graduation rates"),
            # Added in schema version 3: the owning community decides what may be published.
            _c(
                "data_sovereignty",
                choices="data_sovereignty",
                description="publish, aggregated only (no sub-area figures) or withhold from published output",
            ),
            _c("data_owner_id", ref="member_communities", description="the community that owns the data and sets its publication"),
        ),
        unique=(("indicator", "area", "year"),),
    ),
    Table(
        "criteria",
        N_("Prioritization criteria and weights"),
        "risk",
        (
            _c("name", required=True),
            _c("description"),
            _c("weight", "float", required=True, minimum=0),
            _c("higher_is_worse", "bool"),
            _c(
                "source",
                choices="criterion_sources",
                description="where each risk's value comes from: entered scores, or computed from "
                "feedback, workshop votes, indicator trends or the asset gap analysis",
            ),
        ),
    ),
    Table(
        "risk_scores",
        N_("Risk scores by criterion"),
        "risk",
        (
            _c("risk_id", required=True, ref="risks"),
            _c("criterion_id", required=True, ref="criteria"),
            _c("value", "float", required=True),
            _c("note"),
        ),
        unique=(("risk_id", "criterion_id"),),
    ),
    Table(
        "votes",
        N_("Workshop votes"),
        "risk",
        (
            _c("risk_id", required=True, ref="risks"),
            _c("participant", required=True),
            _c("value", "int", required=True, minimum=1, maximum=5),
            _c("session"),
            # A one-way digest of the key kept in the voter's browser (cookie); blank for ballots
            # entered by name in an app. Private: a key's digest is no one's business but the store's.
            _c("device", private=True, description="fingerprint of the device a ballot came from"),
        ),
        # Per device: two phones whose people typed the same name keep two ballots.
        unique=(("risk_id", "participant", "device"),),
    ),
    Table(
        "assets",
        N_("Asset inventory"),
        "assets",
        (
            _c("name", required=True),
            _c("organization_id", ref="organizations"),
            _c("purpose"),
            _c("funding_source"),
            _c("service_delivery"),
            _c("target_population"),
            _c("numbers_served", "int", minimum=0),
            _c("activities"),
            _c("partners"),
            _c("expected_outcomes"),
            _c("data_sources"),
            _c("address"),
            _c(
                "location_kind",
                choices="location_kinds",
                description="site (mapped), confidential (e.g. a shelter), virtual, or community-wide",
            ),
            _c("latitude", "float", minimum=-90, maximum=90),
            _c("longitude", "float", minimum=-180, maximum=180),
            _c("area", description="sub-area name"),
            _c("planning_areas", "list", choices="planning_areas"),
            _c("risks_addressed", "list", ref="risks"),
            _c("sector", choices="sectors"),
            _c("member_community_id", ref="member_communities"),
            _c("coordination_notes"),
            _c("source", description="where the record came from, e.g. an HSDS service id"),
            # Added in schema version 6.
            _c(
                "service_languages",
                languages=True,
                description="languages the service is offered in, as ISO 639-1 codes separated by '; ' (en; fr)",
            ),
        ),
    ),
    Table(
        "strategies",
        N_("Strategies"),
        "evaluation",
        (
            _c("risk_id", required=True, ref="risks"),
            _c("planning_area", required=True, choices="planning_areas"),
            _c("name", required=True),
            _c("description"),
            _c("evidence_strength", choices="evidence_strengths"),
            _c("evidence_source"),
            _c("asset_id", ref="assets"),
        ),
    ),
    Table(
        "logic_models",
        N_("Logic models"),
        "evaluation",
        (
            _c("risk_id", required=True, ref="risks"),
            _c("target_group", required=True),
            _c("name"),
        ),
    ),
    Table(
        "logic_model_items",
        N_("Logic model items"),
        "evaluation",
        (
            _c("logic_model_id", required=True, ref="logic_models"),
            _c("level", required=True, choices="logic_model_levels"),
            _c("text", required=True),
            _c("leads_to", "list", ref="logic_model_items"),
            _c("planning_area", choices="planning_areas"),
            _c("responsible"),
        ),
    ),
    Table(
        "measures",
        N_("Performance measurement framework"),
        "evaluation",
        (
            _c("outcome_id", ref="logic_model_items"),
            _c("expected_outcome", required=True),
            _c("indicator"),
            _c("unit"),
            _c("baseline", "float"),
            _c("baseline_year", "int", minimum=1800, maximum=2200),
            _c("target", "float"),
            _c("target_year", "int", minimum=1800, maximum=2200),
            _c("higher_is_better", "bool"),
            _c("data_source"),
            _c("collection_method"),
            _c("frequency"),
            _c("responsibility"),
            # Added in schema version 3: the owning community decides what may be published.
            _c(
                "data_sovereignty",
                choices="data_sovereignty",
                description="publish, aggregated only (no sub-area figures) or withhold from published output",
            ),
            _c("data_owner_id", ref="member_communities", description="the community that owns the data and sets its publication"),
        ),
    ),
    Table(
        "measurements",
        N_("Measurements over time"),
        "evaluation",
        (
            _c("measure_id", required=True, ref="measures"),
            _c("date", "date", required=True, description="the last day of the period measured"),
            _c("value", "float", required=True),
            _c("note"),
            # Added in schema version 3: a value for part of the measure's period is not judged against its target.
            _c("period_start", "date", description="the first day of the period measured (blank: the whole reporting period)"),
        ),
    ),
    Table(
        "actions",
        N_("Implementation actions"),
        "implementation",
        (
            _c("title", required=True),
            _c("description"),
            _c("lead_organization_id", ref="organizations"),
            _c("partners", "list", ref="organizations"),
            _c("planning_area", choices="planning_areas"),
            _c("risk_id", ref="risks"),
            _c("strategy_id", ref="strategies"),
            _c("team_id", ref="groups"),
            _c("start", "date"),
            _c("end", "date"),
            _c("status", choices="action_statuses"),
            _c("percent_complete", "int", minimum=0, maximum=100),
            _c("resources"),
        ),
    ),
    Table(
        "action_updates",
        N_("Action progress updates"),
        "implementation",
        (
            _c("action_id", required=True, ref="actions"),
            _c("date", "date", required=True),
            _c("status", choices="action_statuses"),
            _c("percent_complete", "int", minimum=0, maximum=100),
            _c("note"),
        ),
    ),
    Table(
        "milestones",
        N_("Milestones and reports"),
        "implementation",
        (
            _c("title", required=True),
            _c("kind", required=True, choices="milestone_kinds"),
            _c("due", "date"),
            _c("done", "date"),
            _c("action_id", ref="actions"),
        ),
    ),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}

# Lists that are part of the schema rather than of the framework.
SCHEMA_CHOICES: dict[str, tuple[str, ...]] = {
    "area_kinds": ("boundary", "ward", "sub_area", "neighbourhood"),
    "exemptable_lists": ("seats", "consult_groups"),
    "activity_statuses": ("planned", "done", "cancelled"),
    "location_kinds": ("site", "confidential", "virtual", "community_wide"),
    # entered: scores typed per risk; the others are computed from the workspace, so they stay current
    "criterion_sources": ("entered", "community_concern", "workshop_votes", "indicator_trend", "capacity_gap"),
    # only adoption and revision adopt a plan; taking part or endorsing it does not
    "resolution_kinds": ("participation", "endorsement", "adoption", "revision"),
    # set by the community that owns the data (e.g. under a Band Council Resolution)
    "data_sovereignty": ("publish", "aggregated_only", "withhold"),
    # the language(s) of the plan document; blank means English
    "plan_languages": ("en", "fr", "both"),
}

# Names people may write for a schema list's keys, by language (a key itself is always accepted).
SCHEMA_CHOICE_NAMES: dict[str, dict[str, dict[str, str]]] = {
    "plan_languages": {
        "en": {"en": "English", "fr": "French", "both": "Bilingual"},
        "fr": {"en": "Anglais", "fr": "Français", "both": "Bilingue"},
    },
}


def table(name: str) -> Table:
    try:
        return TABLES_BY_NAME[name]
    except KeyError:
        raise KeyError(
            _("unknown table '{table}'; expected one of: {tables}").format(table=name, tables=", ".join(TABLES_BY_NAME))
        ) from None


def referencing(table_name: str) -> list[tuple[Table, Column]]:
    """Every (table, column) that refers to records of `table_name`."""
    return [(t, c) for t in TABLES for c in t.columns if c.ref == table_name]


# Adopted plan versions (schema 4): outside TABLES because a version is not workspace content to
# edit, import or undo but a record of what councils adopted. The triggers keep it that way.
PLAN_VERSIONS_TABLE = "plan_versions"
PLAN_VERSIONS_DDL = (
    "CREATE TABLE IF NOT EXISTS plan_versions (number INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE,"
    " kind TEXT NOT NULL CHECK (kind IN ('adoption', 'revision')), adopted_on TEXT NOT NULL,"
    " councils TEXT NOT NULL, created_at TEXT NOT NULL, actor TEXT NOT NULL, schema_version INTEGER NOT NULL,"
    " content_sha256 TEXT NOT NULL, snapshot BLOB NOT NULL)",
    "CREATE TRIGGER IF NOT EXISTS plan_versions__never_changed BEFORE UPDATE ON plan_versions"
    " BEGIN SELECT RAISE(ABORT, 'an adopted plan version is never changed'); END",
    "CREATE TRIGGER IF NOT EXISTS plan_versions__never_deleted BEFORE DELETE ON plan_versions"
    " BEGIN SELECT RAISE(ABORT, 'an adopted plan version is never deleted'); END",
)
