"""What each report holds, in order: sections made of workbook parts (cells tagged `part:<name>`).

The plan follows the framework's sample plan (Appendix G): community and coordinators,
advisory committee, community background, overview of engagement, implementation teams,
then one section per priority risk, the implementation plan, publication and sources. Readiness
is the apps' business (and the progress report's), not the adopted plan's. Every
section is made of the report-mode output of notebook cells, named by their `part:` tags
(:mod:`cswb_widgets.notebooks`), so the document says nothing the notebooks do not.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_
from ..notebooks import APPENDIX, NOTEBOOKS

KINDS = ("plan", "progress")


class FromNotebook:
    def __repr__(self) -> str:
        return "FROM_NOTEBOOK"


FROM_NOTEBOOK = FromNotebook()  # a part's subheading: the notebook's heading just above the cell


@dataclass(frozen=True)
class Part:
    """The output of the cell tagged `part:<call>` in `<notebook>.ipynb`."""

    notebook: str
    call: str
    title: str | FromNotebook | None = FROM_NOTEBOOK  # None: no subheading (the part has its own)


@dataclass(frozen=True)
class Section:
    key: str  # the section's id in the document
    title: str  # English, marked with N_; the document shows `_(title)`
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class PerRisk:
    """One section per priority risk, gathering each part's block for that risk (`risk_part_html`)."""

    parts: tuple[Part, ...]


@dataclass(frozen=True)
class Outline:
    kind: str
    label: str  # what the document is, under the plan's name on its title page
    title_page: Part
    body: tuple[Section | PerRisk, ...]

    @property
    def notebooks(self) -> tuple[str, ...]:
        """The notebooks this document draws on, in the workbooks' order."""
        parts = [self.title_page] + [p for s in self.body for p in s.parts]
        used = {p.notebook for p in parts}
        return tuple(n for n in NOTEBOOKS if n in used)

    @property
    def section_keys(self) -> tuple[str, ...]:
        """Where an analyst's cell tagged `<kind>:<key>` may go: a section, or the appendix."""
        return (*(s.key for s in self.body if isinstance(s, Section)), APPENDIX)

    def parts_of(self, notebook: str) -> tuple[str, ...]:
        """The parts (cells tagged `part:<name>`) of `notebook` this document uses."""
        parts = [self.title_page] + [p for s in self.body for p in s.parts]
        return tuple(dict.fromkeys(p.call for p in parts if p.notebook == notebook))


TITLE_PAGE = Part("buy_in", "title_page")

PLAN = Outline(
    "plan",
    N_("Community Safety and Well-Being Plan"),
    TITLE_PAGE,
    (
        Section("community", N_("Community and coordinators"), (
            Part("commitment", "councils"),
            Part("commitment", "leaders"),
        )),
        Section("advisory-committee", N_("Advisory committee"), (Part("commitment", "advisory_committee", None),)),
        Section("background", N_("Community background"), (Part("commitment", "background", None),)),
        Section("engagement", N_("Overview of engagement"), (
            Part("buy_in", "period_summaries"),
            Part("buy_in", "consultation", N_("Groups consulted")),  # the notebook's "must" is the Act's, not a Band Council's
            Part("buy_in", "theme_chart"),
        )),
        Section("teams", N_("Implementation teams"), (Part("commitment", "implementation_teams", None),)),
        Section("prioritization", N_("How the priority risks were chosen"), (Part("risk", "ranking_summary", None),)),
        PerRisk((
            Part("risk", "priority_profiles"),
            Part("implementation", "activities_by_risk"),
            Part("evaluation", "outcomes_by_risk"),
        )),
        Section("implementation", N_("Implementation plan"), (
            Part("implementation", "actions", N_("Actions")),
            Part("implementation", "reporting_lines"),
            Part("implementation", "priority_timeline", N_("Timeline")),
            Part("implementation", "milestones"),
            Part("implementation", "plan_cycle"),
        )),
        Section("publication", N_("Publication and accessible formats"),
                (Part("implementation", "publication", None),)),
        Section("sources", N_("Sources"), (
            Part("risk", "sources", N_("Indicator data")),
            Part("evaluation", "sources", N_("Evidence and measures")),
            Part("assets", "import_assets", N_("Asset inventory")),
        )),
    ),
)

PROGRESS = Outline(
    "progress",
    N_("Progress report"),
    TITLE_PAGE,
    (
        Section("actions", N_("Action status"), (
            Part("implementation", "progress"),
            Part("implementation", "overdue", N_("Overdue items")),
            Part("implementation", "milestones"),
        )),
        Section("indicators", N_("Indicators against targets"), (
            Part("implementation", "indicators", None),
            Part("evaluation", "progress", N_("Each measure over time")),
        )),
        Section("changes", N_("What changed since the previous report"), (Part("implementation", "changes", None),)),
        Section("readiness", N_("Plan readiness"), (Part("implementation", "readiness", None),)),
        Section("timeline", N_("Timeline"), (Part("implementation", "priority_timeline", None),)),
        Section("cycle", N_("The plan cycle"), (Part("implementation", "plan_cycle", None),)),
        Section("sources", N_("Sources"), (Part("evaluation", "sources", None),)),
    ),
)

OUTLINES = {outline.kind: outline for outline in (PLAN, PROGRESS)}
