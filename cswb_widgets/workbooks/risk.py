"""Risk workbook (Tool 5): the risk register, its evidence, transparent prioritization, workshop voting.

One notebook serves two pages: the facilitator's (everything) and, with ``view=vote`` in the
address, the participants' ballot alone, so people can vote from their own phones.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import ipywidgets
import pandas as pd
from markupsafe import Markup

from .. import render
from ..errors import CswbError
from ..framework import load_catalogue
from ..model import prioritization, readiness, risk_evidence
from ..model.privacy import SMALL_COUNT, is_count_unit, is_small_count
from ..render import charts, figures, maps
from ..store.tabular import import_file
from ..widgets import FileImport, _sync
from ..widgets.file_import import say
from ._base import Shown, Workbook, _html, deferred, report_only, risk_part_html

VOTE_VIEW = "vote"
CHART_TOP = 15  # risks drawn in the ranked chart and heatmap; the table lists them all

# Tool 5's questions, in the framework's order, with the column that holds each answer.
QUESTIONS = (
    ("real_problem_or_symptom", "Is it the real problem or a symptom of another?"),
    ("raised_by", "Who raised it, and how?"),
    ("evidence", "What does the evidence say (impact, data, seriousness, cost of doing nothing)?"),
    ("current_approach", "Which approaches are used now?"),
    ("comprehensive_strategy", "What would a comprehensive strategy need?"),
    ("most_work_needed", "Where is the most work needed?"),
    ("who_fills_gaps", "Who must fill the gaps?"),
    ("narrative", "Narrative for the plan"),
)
PROFILE = ("vulnerable_groups", "risk_factors", "protective_factors")

Part = TypeVar("Part", bound=Callable[..., Shown])


def not_on_ballot_page(part: Part) -> Part:
    """A part the participants' voting page leaves out (it shows the ballot alone)."""

    @functools.wraps(part)
    def wrapper(self: RiskWorkbook, *args: Any, **kwargs: Any) -> Shown:
        if self.vote_view:
            return _html("")
        return part(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class RiskWorkbook(Workbook):
    stage = "risk"

    def __init__(self, ws: Any, mode: str) -> None:
        super().__init__(ws, mode)
        from .page import page_parameter

        self.vote_view = self.app and page_parameter("view") == VOTE_VIEW
        # How every part ranks the risks: `rank(tables, weights=None)`. A notebook may set its own
        # (e.g. with a criterion computed in pandas); apps call it again after every edit.
        self.rank: Callable[..., prioritization.Ranking] = prioritization.rank_risks
        self._report_ranking: tuple[Any, prioritization.Ranking] | None = None

    def _ranking(self) -> tuple[Any, prioritization.Ranking]:
        """The tables and their ranking. A report reads the workspace once and ranks once for all
        its parts; in apps the data changes under the page, so every call ranks afresh."""
        if self.app:
            tables = self.tables()
            return tables, self.rank(tables)
        if self._report_ranking is None:
            tables = self.tables()
            self._report_ranking = (tables, self.rank(tables))
        return self._report_ranking

    # -- the two pages ------------------------------------------------------------------------------

    def header(self) -> Shown:
        if not self.vote_view:
            return super().header()
        # The ballot page: the plan's name and nothing else; the notebook's headings are hidden.
        community = self.ws.community
        name = community.get("plan_name") or community.get("name") or ""
        return _html(str(Markup(
            "<style>.jp-MarkdownOutput, .jp-RenderedMarkdown {{ display: none !important; }}</style>"
            '<div class="cswb-ballot-header"><p>{}</p><h1>Rate the risks</h1></div>'
        ).format(name)))

    def ballot(self) -> Shown:
        """The participants' ballot (on the voting page only)."""
        if not self.vote_view:
            return _html("")
        from ..widgets.voting import Ballot

        return Ballot(self.ws)

    @not_on_ballot_page
    def guidance(self) -> Shown:
        return super().guidance()

    # -- register and analysis ---------------------------------------------------------------------

    @not_on_ballot_page
    @deferred
    def register(self) -> Shown:
        """The risks: from the catalogue's categories or the community's own."""
        if not self.app:
            return _html(register_html(self.tables()))
        table = self.records(
            "risks", columns=["name", "category", "description", "priority"],
            caption="Risk register", labels={"priority": "Priority risk"},
        )
        return ipywidgets.VBox([AddRisk(self), table])

    @not_on_ballot_page
    @deferred
    def analysis(self) -> Shown:
        """Tool 5's questions, answered for each risk."""
        if not self.app:
            return _html(analysis_html(self.tables()))
        return RiskAnalysis(self)

    # -- evidence ---------------------------------------------------------------------------------------

    @not_on_ballot_page
    @deferred
    def indicators(self) -> Shown:
        """Indicators by sub-area and year; import a long-form file (indicator, area, year, value, unit, source)."""
        if not self.app:
            rows = self.ws.table("indicators")
            return _html(
                f"<p>{len(rows)} indicator values: {rows['indicator'].nunique()} indicators, "
                f"{rows['area'].dropna().nunique()} sub-areas, years "
                + (f"{int(rows['year'].min())} to {int(rows['year'].max())}" if len(rows) else "none")
                + ". Trends and sources are listed below.</p>"
            )
        upload = FileImport(
            self.ws, lambda ws, path: import_file(ws, path, "indicators"),
            description="Indicator file", accept=".csv,.xlsx,.txt",
            help_text="CSV or Excel in long form, one value per row: indicator, area, year, value, unit, source "
            "(optional: risk_id, comparator_value, comparator_label, higher_is_worse). Rows already here "
            "(same indicator, area and year) are updated.",
        )
        table = self.records(
            "indicators",
            columns=["indicator", "risk_id", "area", "year", "value", "unit", "comparator_value",
                     "comparator_label", "higher_is_worse", "source"],
            caption="Indicator values",
        )
        return ipywidgets.VBox([upload, table])

    @not_on_ballot_page
    @deferred
    def trends(self) -> Shown:
        """Each indicator's trend against its comparator (e.g. the provincial value)."""
        if not self.app:
            return _html(trends_html(self.tables(), charted=_priority_indicators(self.tables()), suppress=True))
        return IndicatorTrends(self)

    @not_on_ballot_page
    @deferred
    def indicator_map(self) -> Shown:
        """An indicator by sub-area on the community map."""
        if not self.app:
            return _html(indicator_maps_html(self))
        return IndicatorMap(self)

    @not_on_ballot_page
    @deferred
    def engagement(self) -> Shown:
        """What the buy-in feedback says: items tagged with each risk's category, and their share."""
        def html() -> str:
            return engagement_html(self.tables(), suppress=not self.app)

        return self.live(html)

    # -- prioritization -------------------------------------------------------------------------------

    @not_on_ballot_page
    @deferred
    def criteria(self) -> Shown:
        """The criteria, where each one's values come from, and the scores entered by hand."""
        criteria = self.records(
            "criteria", columns=["name", "description", "source", "weight", "higher_is_worse"],
            caption="Prioritization criteria", labels={"source": "Values come from"},
        )
        if not self.app:
            return _html(str(criteria.data) + sources_note_html())
        entered = self.records(
            "risk_scores", columns=["risk_id", "criterion_id", "value", "note"],
            caption="Scores entered by hand (for criteria whose values come from entered scores)",
        )
        return ipywidgets.VBox([criteria, ipywidgets.HTML(sources_note_html()), entered])

    @not_on_ballot_page
    @deferred
    def prioritization(self) -> Shown:
        """Weights, scores, ranks and how stable each rank is; every score traced to its inputs."""
        if not self.app:
            tables, ranking = self._ranking()
            return _html(ranking_html(ranking, tables) + sensitivity_html(ranking, tables) + trace_html(ranking, tables))
        return PrioritizationPanel(self)

    @not_on_ballot_page
    @deferred
    def ranking_charts(self) -> Shown:
        """The ranked scores (stacked by criterion) and the criteria heatmap."""
        def html() -> str:
            tables, ranking = self._ranking()
            return ranking_charts_html(ranking, tables)

        return self.live(html)

    @not_on_ballot_page
    @deferred
    def voting(self) -> Shown:
        """Workshop voting: the address participants open, and the live tally."""
        from ..widgets.voting import VoteTally

        tally = VoteTally(self.ws)
        if not self.app:
            return _html(tally.to_html())
        address = f"risk.ipynb?workspace={self.ws.path.name}&view={VOTE_VIEW}"
        invite = Markup(
            '<p>Participants open <a href="{0}" target="_blank" rel="noopener">the voting page</a> on their own '
            "phone or laptop (this page's address with <code>&amp;view=vote</code> added at the end). Each "
            "participant's ratings are kept once per risk; voting again replaces their earlier ratings.</p>"
        ).format(address)
        return ipywidgets.VBox([ipywidgets.HTML(str(invite)), tally])

    @not_on_ballot_page
    @deferred
    def priorities(self) -> Shown:
        """The priority risks, each with its vulnerable groups, risk factors and protective factors."""
        if not self.app:
            return _html(priorities_html(self.tables()))
        chooser = self.records(
            "risks", columns=["name", "priority"], caption="Choose the priority risks",
            labels={"priority": "Priority risk"}, readonly=("name",),
        )
        profile = self.records(
            "risks", columns=["name", *PROFILE], where={"priority": True},
            caption="Priority risks: who is vulnerable, what raises and what lowers the risk", readonly=("name",),
        )
        status = self.live(lambda: priorities_status_html(self.tables()))
        return ipywidgets.VBox([chooser, profile, status])

    # -- parts of the printed plan (`cswb report`) -------------------------------------------------

    @report_only
    def priority_profiles(self) -> Shown:
        """Each priority risk for the plan: narrative and evidence, its indicators, vulnerable groups,
        risk and protective factors."""
        return _html(priority_profiles_html(self.tables()))

    @report_only
    def ranking_summary(self) -> Shown:
        """For the plan: the criteria with their weights, the ranked risks and which ranks hold."""
        tables, ranking = self._ranking()
        if ranking.scored.empty:
            return _html("<p>No risk has been ranked.</p>")
        return _html(criteria_summary_html(ranking, tables) + ranking_html(ranking, tables)
                     + sensitivity_html(ranking, tables))

    @report_only
    def sources(self) -> Shown:
        """Where the indicator data came from."""
        return _html(indicator_sources_html(self.tables()))


# -- static HTML, shared by both modes -------------------------------------------------------------------


def _names(tables: Any) -> dict[str, str]:
    risks = tables["risks"]
    return dict(zip(risks["id"], risks["name"].astype(str))) if len(risks) else {}


def _list_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return "" if value is None or value != value else str(value)


def register_html(tables: Any) -> str:
    risks = tables["risks"]
    if risks.empty:
        return "<p>No risk recorded yet.</p>"
    frame = pd.DataFrame({
        "Risk": risks["name"],
        "Category": [risk_evidence.category_name(c) for c in risks["category"]],
        "Description": risks["description"].fillna(""),
        "Priority": ["yes" if p else "" for p in risks["priority"].fillna(False)],
    })
    return render.table_html(frame, caption="Risk register", row_header="Risk")


def analysis_html(tables: Any) -> str:
    risks = tables["risks"]
    if risks.empty:
        return "<p>No risk recorded yet.</p>"
    catalogue = load_catalogue()
    ordered = risks.sort_values("priority", ascending=False, kind="stable")
    parts = []
    for _, risk in ordered.iterrows():
        answers = []
        for column, question in QUESTIONS:
            value = risk[column]
            if column == "current_approach":
                value = ", ".join(catalogue.name_of("current_approaches", k) for k in (value or []))
            text = _list_text(value)
            answers.append(Markup("<dt>{}</dt><dd>{}</dd>").format(question, text or "Not yet answered."))
        parts.append(Markup('<section class="cswb-risk-analysis"><h4>{}{}</h4><dl>{}</dl></section>').format(
            risk["name"], " (priority)" if risk["priority"] else "", Markup("").join(answers)))
    return str(Markup("").join(parts))


def _priority_indicators(tables: Any) -> set[str]:
    priorities = set(readiness.priority_risks(tables)["id"]) if len(tables["risks"]) else set()
    rows = tables["indicators"]
    return set(rows.loc[rows["risk_id"].isin(priorities), "indicator"]) if len(rows) else set()


def trends_table_html(tables: Any, *, suppress: bool = False) -> str:
    """The indicators' trends; `suppress` (published reports): small counts read "<5"."""
    trends = risk_evidence.indicator_trends(tables)
    if trends.empty:
        return "<p>No indicator values yet.</p>"
    names = _names(tables)

    def comparator(row: Any) -> str:
        if pd.isna(row.comparator_value):
            return ""
        text = figures.number_text(row.comparator_value, row.unit, suppress=suppress)
        return text + (f" ({row.comparator_label})" if row.comparator_label else "")

    frame = pd.DataFrame({
        "Indicator": trends["indicator"],
        "Risk": [names.get(r, "") for r in trends["risk_id"]],
        "First": _values_in_years(trends["first_value"], trends["first_year"], trends["unit"], suppress),
        "Latest": _values_in_years(trends["latest_value"], trends["latest_year"], trends["unit"], suppress),
        "Comparator (latest)": [comparator(r) for r in trends.itertuples()],
        "Trend": _trends_in_words(trends, suppress),
        "Unit": trends["unit"].fillna(""),
        "Source": trends["source"].fillna(""),
    })
    return render.table_html(frame, caption="Indicator trends (whole community; the mean of sub-areas where no whole-community figure is given)", row_header="Indicator")


def _trends_in_words(trends: pd.DataFrame, suppress: bool) -> list[str]:
    """The trend column; published, without the yearly rate where a count under 5 is hidden."""
    return [
        risk_evidence.trend_words(row.annual_change, row.worsening, with_rate=not (
            suppress and (is_small_count(row.first_value, row.unit) or is_small_count(row.latest_value, row.unit))))
        for row in trends.itertuples()
    ]


def _values_in_years(values: Any, years: Any, units: Any, suppress: bool) -> list[str]:
    return [f"{figures.number_text(v, u, suppress=suppress)} ({y})" for v, y, u in zip(values, years, units, strict=True)]


def trend_chart(tables: Any, indicator: str, *, suppress: bool = False) -> figures.Chart:
    series = risk_evidence.community_series(tables, indicator).set_index("year")
    comparator = series["comparator_value"].dropna()
    rows = tables["indicators"]
    labels = rows.loc[rows["indicator"] == indicator, "comparator_label"].dropna()
    units = rows.loc[rows["indicator"] == indicator, "unit"].dropna()
    return charts.line_chart(
        pd.DataFrame({"This community": series["value"]}),
        title=indicator,
        ylabel=str(units.iloc[0]) if len(units) else "Value",
        comparator=comparator.to_dict() if len(comparator) else None,
        comparator_label=str(labels.iloc[-1]) if len(labels) else "Comparator",
        suppress_below=SMALL_COUNT if suppress and is_count_unit(units.iloc[0] if len(units) else None) else None,
    )


def trends_html(tables: Any, *, charted: set[str], suppress: bool) -> str:
    parts = [trends_table_html(tables, suppress=suppress)]
    for indicator in sorted(charted):
        parts.append(trend_chart(tables, indicator, suppress=suppress).html())
    return "".join(parts)


def engagement_html(tables: Any, *, suppress: bool) -> str:
    signal = risk_evidence.engagement_signal(tables)
    if signal.empty:
        return "<p>No risk recorded yet.</p>"
    total = int(signal["of"].max())
    if not total:
        return "<p>No feedback recorded yet (see the Buy-in workbook).</p>"
    names = _names(tables)
    risks = tables["risks"].set_index("id")
    signal = signal.sort_values("feedback", ascending=False, kind="stable")

    def count_text(n: int) -> str:
        return f"<{SMALL_COUNT}" if suppress and 0 < n < SMALL_COUNT else str(n)

    def share_text(n: int, share: float) -> str:
        return "–" if suppress and 0 < n < SMALL_COUNT else f"{share:.0%}"

    frame = pd.DataFrame({
        "Risk": [names[r] for r in signal.index],
        "Category": [risk_evidence.category_name(risks.at[r, "category"]) for r in signal.index],
        "Feedback items": [count_text(int(n)) for n in signal["feedback"]],
        "Share of all feedback": [share_text(int(n), s) for n, s in zip(signal["feedback"], signal["share"])],
    })
    note = Markup("<p>Out of {} feedback items recorded in the Buy-in workbook; an item counts once for each risk category it is tagged with.{}</p>").format(
        total, f" Counts under {SMALL_COUNT} are not published." if suppress else "")
    return render.table_html(frame, caption="Engagement signal by risk", row_header="Risk") + str(note)


def sources_note_html() -> str:
    items = Markup("").join(
        Markup("<li><strong>{}</strong>: {}</li>").format(name, words)
        for name, words in (
            ("entered", "the scores typed in the table below (e.g. magnitude or severity from the group's judgement)"),
            ("community concern", "the share of buy-in feedback items tagged with the risk's category"),
            ("workshop votes", "the mean rating from workshop ballots"),
            ("indicator trend", "the yearly change of the risk's indicators, signed so that worsening is positive"),
            ("capacity gap", "how many of the four planning areas have no asset addressing the risk (Assets workbook)"),
        )
    )
    return str(Markup("<p>Where each criterion's values come from:</p><ul>{}</ul>").format(items))


def _criterion_names(tables: Any) -> dict[str, str]:
    criteria = tables["criteria"]
    return dict(zip(criteria["id"], criteria["name"].astype(str))) if len(criteria) else {}


def ranking_frame(ranking: prioritization.Ranking, tables: Any) -> pd.DataFrame:
    """The ranking as a table: rank, risk, score, each criterion's part, and how firmly the rank holds."""
    names, criteria = _names(tables), _criterion_names(tables)
    scored = ranking.scored
    priorities = set(readiness.priority_risks(tables)["id"]) if len(tables["risks"]) else set()
    frame = pd.DataFrame({
        "Rank": scored["rank"].astype(int),
        "Risk": [names.get(r, r) + (" (priority)" if r in priorities else "") for r in scored.index],
        "Score": scored["score"].map(lambda v: f"{v:.3f}"),
    }, index=scored.index)
    for criterion_id in ranking.normalized.columns:
        frame[criteria.get(criterion_id, criterion_id)] = scored[criterion_id].map(lambda v: f"{v:.3f}")
    moves = ranking.sensitivity.reindex(scored.index)
    frame["Rank range when one weight moves ±50%"] = [
        f"{int(b)}" if b == w else f"{int(b)} to {int(w)}" for b, w in zip(moves["best_rank"], moves["worst_rank"])
    ]
    frame["Rank"] = frame["Rank"].astype(str)
    return frame


def criteria_summary_html(ranking: prioritization.Ranking, tables: Any) -> str:
    """The criteria a ranking used (stored or computed in the notebook), where each one's values
    come from and its share of the weight."""
    names = _criterion_names(tables)
    descriptions = dict(zip(tables["criteria"]["id"], tables["criteria"]["description"].fillna(""))) if len(tables["criteria"]) else {}
    shares = prioritization.weight_shares(ranking.weights).reindex(ranking.normalized.columns).fillna(0)
    frame = pd.DataFrame({
        "Criterion": [names.get(c, c) for c in ranking.normalized.columns],
        "What it measures": [descriptions.get(c, "") for c in ranking.normalized.columns],
        "Values come from": [risk_evidence.source_name(ranking.inputs.sources.get(c, "entered")) for c in ranking.normalized.columns],
        "Share of the weight": [f"{shares[c]:.0%}" for c in ranking.normalized.columns],
    })
    return render.table_html(frame, caption="Prioritization criteria and their weights", row_header="Criterion")


def ranking_html(ranking: prioritization.Ranking, tables: Any) -> str:
    if ranking.scored.empty:
        return "<p>Add risks and criteria to rank them.</p>"
    shares = prioritization.weight_shares(ranking.weights).reindex(ranking.normalized.columns).fillna(0)
    criteria = _criterion_names(tables)
    weights = ", ".join(f"{criteria.get(c, c)} {shares[c]:.0%}" for c in ranking.normalized.columns)
    note = Markup(
        "<p>Weights (shares of the total): {}. Each score is the sum of the criterion columns: the risk's value "
        "scaled to 0–1 across all risks (1 = most concerning) times the criterion's weight share.</p>"
    ).format(weights)
    return str(note) + render.table_html(ranking_frame(ranking, tables), caption="Risks ranked by priority score", row_header="Risk")


def sensitivity_html(ranking: prioritization.Ranking, tables: Any) -> str:
    if ranking.sensitivity.empty:
        return ""
    names = _names(tables)
    moves = ranking.sensitivity
    held = [names.get(r, r) for r in moves.index[moves["holds"]]]
    flips = moves[~moves["holds"]]
    items = Markup("").join(
        Markup("<li>{}: rank {} now, between {} and {}</li>").format(names.get(r, r), int(m.rank), int(m.best_rank), int(m.worst_rank))
        for r, m in zip(flips.index, flips.itertuples())
    )
    return str(Markup(
        "<h4>Which ranks hold when the weights move</h4><p>Each weight in turn was set from half to one and a "
        "half times its value, the others unchanged.</p><p>Ranks that hold in every case: {}.</p>{}"
    ).format(", ".join(held) or "none", Markup("<p>Ranks that move:</p><ul>{}</ul>").format(items) if len(flips) else ""))


def trace_frame(ranking: prioritization.Ranking, tables: Any, risk_id: str) -> pd.DataFrame:
    """One risk's score, criterion by criterion: raw value and why, scaled value, weight share, part."""
    criteria = _criterion_names(tables)
    shares = prioritization.weight_shares(ranking.weights).reindex(ranking.normalized.columns).fillna(0)
    rows = []
    for criterion_id in ranking.normalized.columns:
        raw = ranking.inputs.values.at[risk_id, criterion_id]
        rows.append({
            "Criterion": criteria.get(criterion_id, criterion_id),
            "Values from": risk_evidence.source_name(ranking.inputs.sources.get(criterion_id, "entered")),
            "Raw value": "no evidence" if raw != raw else figures.format_number(float(raw)),
            "Why": ranking.inputs.explanations.at[risk_id, criterion_id],
            "Scaled 0–1": f"{ranking.normalized.at[risk_id, criterion_id]:.3f}",
            "Weight share": f"{shares[criterion_id]:.0%}",
            "Part of score": f"{ranking.scored.at[risk_id, criterion_id]:.3f}",
        })
    return pd.DataFrame(rows)


def trace_html(ranking: prioritization.Ranking, tables: Any, risk_ids: list[str] | None = None) -> str:
    """How each (or each given) risk's score is built; in reports, the priority risks."""
    if ranking.scored.empty:
        return ""
    names = _names(tables)
    if risk_ids is None:
        chosen = list(readiness.priority_risks(tables)["id"]) or list(ranking.scored.index[:3])
    else:
        chosen = risk_ids
    parts = []
    for risk_id in chosen:
        if risk_id not in ranking.scored.index:
            continue
        total = ranking.scored.at[risk_id, "score"]
        parts.append(render.table_html(
            trace_frame(ranking, tables, risk_id),
            caption=f"How the score of {names.get(risk_id, risk_id)} is built (total {total:.3f}, rank {int(ranking.scored.at[risk_id, 'rank'])})",
            row_header="Criterion",
        ))
    return "".join(parts)


def ranking_charts_html(ranking: prioritization.Ranking, tables: Any) -> str:
    if ranking.scored.empty:
        return "<p>Nothing to chart yet.</p>"
    names, criteria = _names(tables), _criterion_names(tables)
    top = ranking.scored.head(CHART_TOP)
    contributions = top[list(ranking.normalized.columns)].rename(index=names, columns=criteria)
    priorities = set(readiness.priority_risks(tables)["name"]) if len(tables["risks"]) else set()
    ranked = charts.ranked_scores(
        contributions, title="Priority scores, built from weighted criteria", highlight=priorities & set(contributions.index),
    )
    normalized = ranking.normalized.loc[top.index].rename(index=names, columns=criteria)
    heat = charts.heatmap(normalized, title="Criteria values, scaled 0–1 (1 = most concerning)", value_label="Scaled value")
    shown = f"<p>The {len(top)} highest-ranked of {len(ranking.scored)} risks.</p>" if len(ranking.scored) > CHART_TOP else ""
    return shown + ranked.html() + heat.html()


def priorities_html(tables: Any) -> str:
    priorities = readiness.priority_risks(tables)
    if priorities.empty:
        return "<p>No priority risk chosen yet.</p>"
    parts = []
    for _, risk in priorities.iterrows():
        lists = Markup("").join(
            Markup("<h5>{}</h5>{}").format(
                label,
                Markup("<ul>{}</ul>").format(Markup("").join(
                    Markup("<li>{}</li>").format(risk_evidence.category_name(v) if col == "risk_factors" else v)
                    for v in (risk[col] or [])))
                if risk[col] else Markup("<p>Not yet named.</p>"),
            )
            for col, label in zip(PROFILE, ("Vulnerable groups", "Risk factors", "Protective factors"))
        )
        parts.append(Markup('<section class="cswb-priority"><h4>{}</h4><p>{}</p>{}</section>').format(
            risk["name"], _list_text(risk["description"]), lists))
    return str(Markup("").join(parts)) + priorities_status_html(tables)


def _text_paragraphs(value: Any) -> Markup:
    text = _list_text(value).strip()
    return Markup("").join(Markup("<p>{}</p>").format(b.strip()) for b in text.split("\n\n") if b.strip())


def priority_profiles_html(tables: Any) -> str:
    """One block per priority risk (see `risk_part_html`): narrative and evidence, indicators, profile."""
    priorities = readiness.priority_risks(tables)
    if priorities.empty:
        return "<p>No priority risk chosen yet.</p>"
    trends = risk_evidence.indicator_trends(tables)
    parts = []
    for _, risk in priorities.iterrows():
        story = _text_paragraphs(risk["narrative"]) or _text_paragraphs(risk["description"])
        evidence = _text_paragraphs(risk["evidence"])
        body = [Markup("<h4>Narrative and evidence</h4>"), story or Markup("<p>No narrative written yet.</p>")]
        if evidence:
            body.append(Markup("<p><strong>What the evidence says:</strong></p>") + evidence)
        mine = trends[trends["risk_id"] == risk["id"]] if len(trends) else trends
        if len(mine):
            frame = pd.DataFrame({
                "Indicator": mine["indicator"].tolist(),
                "First": _values_in_years(mine["first_value"], mine["first_year"], mine["unit"], suppress=True),
                "Latest": _values_in_years(mine["latest_value"], mine["latest_year"], mine["unit"], suppress=True),
                "Trend": _trends_in_words(mine, suppress=True),
                "Unit": mine["unit"].fillna("").tolist(),
                "Source": mine["source"].fillna("").tolist(),
            })
            body.append(Markup(render.table_html(frame, caption=f"Indicators of {risk['name']}", row_header="Indicator",
                                                 style=not parts)))
        for col, label in zip(PROFILE, ("Vulnerable groups", "Risk factors", "Protective factors")):
            values = [risk_evidence.category_name(v) if col == "risk_factors" else v for v in (risk[col] or [])]
            listing = (Markup("<ul>{}</ul>").format(Markup("").join(Markup("<li>{}</li>").format(v) for v in values))
                       if values else Markup("<p>Not yet named.</p>"))
            body.append(Markup("<h4>{}</h4>{}").format(label, listing))
        parts.append(risk_part_html(risk["id"], risk["name"], "profile", str(Markup("").join(body))))
    return "".join(parts)


def indicator_sources_html(tables: Any) -> str:
    """Each source of indicator data with the indicators and years taken from it."""
    rows = tables["indicators"]
    if rows.empty:
        return "<p>No indicator data recorded.</p>"
    named = rows.assign(source=rows["source"].fillna("").astype(str).str.strip().replace("", "Source not recorded"))
    listing = []
    for source, group in named.groupby("source", sort=True):
        indicators = sorted(group["indicator"].astype(str).unique())
        shown = "; ".join(indicators[:8]) + (f"; and {len(indicators) - 8} more" if len(indicators) > 8 else "")
        years = f"{int(group['year'].min())}" if group["year"].min() == group["year"].max() else (
            f"{int(group['year'].min())} to {int(group['year'].max())}")
        listing.append({"Source": source, "Indicators": shown, "Years": years})
    return render.table_html(pd.DataFrame(listing), caption="Sources of the indicator data", row_header="Source")


def priorities_status_html(tables: Any) -> str:
    items = []
    for summary in readiness.assess(tables):
        for check in summary.checks:
            if check.key in ("priority_evidence", "priority_profile"):
                missing = Markup(" Still missing: {}.").format("; ".join(check.missing)) if check.missing else ""
                items.append(Markup("<li>{}: {} of {}.{}</li>").format(check.title, check.done, check.total, missing))
    return str(Markup('<ul class="cswb-checks">{}</ul>').format(Markup("").join(items)))


def indicator_maps_html(book: RiskWorkbook) -> str:
    """Reports: for each priority risk's indicators with sub-area values, a static choropleth."""
    tables = book.tables()
    areas = tables["areas"]
    indicators = sorted(i for i in _priority_indicators(tables) if risk_evidence.latest_by_area(tables, i))
    if areas.empty or "geometry" not in areas or not indicators:
        return "<p>No indicator with sub-area values for a priority risk, or no sub-area boundaries.</p>"
    parts = []
    for indicator in indicators[:4]:
        values = risk_evidence.latest_by_area(tables, indicator)
        rows = tables["indicators"]
        year = int(rows.loc[(rows["indicator"] == indicator) & rows["area"].notna(), "year"].max())
        units = rows.loc[rows["indicator"] == indicator, "unit"].dropna()
        unit = units.iloc[0] if len(units) else None
        # Published: a sub-area's count under 5 is left off the map (its colour would give it away).
        shown = {area: value for area, value in values.items() if not is_small_count(value, unit)}
        label = f"{indicator}, {year}"
        parts.append(maps.static_map(areas, choropleth=shown, choropleth_label=label, title=label).html())
        if len(shown) < len(values):
            left_off = len(values) - len(shown)
            parts.append(str(Markup("<p>{} with a count under {} {} not shown.</p>").format(
                f"{left_off} sub-area{'s' if left_off != 1 else ''}", SMALL_COUNT, "is" if left_off == 1 else "are")))
    more = len(indicators) - 4
    return "".join(parts) + (f"<p>{more} more indicators have sub-area values; see the app.</p>" if more > 0 else "")


# -- app-mode widgets -----------------------------------------------------------------------------------------


class AddRisk(ipywidgets.VBox):
    """Add a risk: pick a catalogue category or type the community's own."""

    def __init__(self, book: RiskWorkbook) -> None:
        self._ws = book.ws
        catalogue = load_catalogue()
        self._categories = {c.name: c.key for c in catalogue.risk_categories}
        self.name = ipywidgets.Text(description="Risk", placeholder="e.g. Youth vaping", style={"description_width": "initial"})
        self.category = ipywidgets.Combobox(
            description="Category (pick one, or type your own)", options=sorted(self._categories),
            ensure_option=False, style={"description_width": "initial"}, layout=ipywidgets.Layout(width="36rem"),
        )
        self.description = ipywidgets.Textarea(description="Description", rows=2, style={"description_width": "initial"},
                                               layout=ipywidgets.Layout(width="46rem", max_width="100%"))
        self.save_button = ipywidgets.Button(description="Add risk", button_style="primary")
        self.save_button.on_click(lambda _b: self.save())
        self.status = ipywidgets.HTML("")
        super().__init__([self.name, self.category, self.description, self.save_button, self.status])

    def save(self) -> str | None:
        from ..store import operations

        typed = self.category.value.strip()
        category = self._categories.get(typed, typed) or None
        try:
            risk_id = operations.add_risk(self._ws, self.name.value, category=category, description=self.description.value or None)
        except CswbError as error:
            self.status.value = say("error", f"Not added: {error}")
            return None
        own = category and category not in self._categories.values()
        self.status.value = say("saved", f"Added “{self.name.value.strip()}”" + (" with the community's own category." if own else "."))
        self.name.value = self.category.value = self.description.value = ""
        _sync.notify_saved(self._ws, self)
        return risk_id


class RiskAnalysis(ipywidgets.VBox):
    """Choose a risk, answer Tool 5's questions, save."""

    def __init__(self, book: RiskWorkbook) -> None:
        self._ws = book.ws
        catalogue = load_catalogue()
        self.risk = ipywidgets.Dropdown(description="Risk", style={"description_width": "initial"})
        self.fields: dict[str, ipywidgets.ValueWidget] = {}
        for column, question in QUESTIONS:
            if column == "current_approach":
                widget: ipywidgets.ValueWidget = ipywidgets.SelectMultiple(
                    options=[(a.name, a.key) for a in catalogue.current_approaches], description=question,
                    rows=4, style={"description_width": "initial"}, layout=ipywidgets.Layout(width="46rem", max_width="100%"))
            else:
                widget = ipywidgets.Textarea(description=question, rows=3, style={"description_width": "initial"},
                                             layout=ipywidgets.Layout(width="46rem", max_width="100%"))
            self.fields[column] = widget
        self.save_button = ipywidgets.Button(description="Save answers", button_style="primary")
        self.save_button.on_click(lambda _b: self.save())
        self.status = ipywidgets.HTML("")
        self.risk.observe(lambda _c: self._load(), names="value")
        super().__init__([self.risk, *self.fields.values(), self.save_button, self.status])
        self.refresh()
        _sync.subscribe(self._ws, self.refresh)

    def refresh(self) -> None:
        risks = self._ws.table("risks")
        current = self.risk.value
        self.risk.options = list(zip(risks["name"].astype(str), risks["id"]))
        if current in set(risks["id"]):
            self.risk.value = current
        self._load()

    def _load(self) -> None:
        record = self._ws.get("risks", self.risk.value) if self.risk.value else None
        for column, widget in self.fields.items():
            value = record.get(column) if record else None
            widget.value = tuple(value or ()) if column == "current_approach" else (value or "")

    def save(self) -> bool:
        from ..store import operations

        if not self.risk.value:
            self.status.value = say("error", "Add a risk first.")
            return False
        values = {c: (list(w.value) if c == "current_approach" else (w.value or None)) for c, w in self.fields.items()}
        try:
            operations.save_risk_answers(self._ws, self.risk.value, values)
        except CswbError as error:
            self.status.value = say("error", f"Not saved: {error}")
            return False
        self.status.value = say("saved", "Saved.")
        _sync.notify_saved(self._ws, self)
        return True


def _preferred(tables: Any, names: list[str]) -> str | None:
    """The indicator to show first: one of a priority risk's, else the first."""
    priority = sorted(_priority_indicators(tables) & set(names))
    return priority[0] if priority else (names[0] if names else None)


def _choose(picker: ipywidgets.Dropdown, options: list[Any], fallback: Any) -> None:
    """New options for a picker, keeping its choice when still offered."""
    current = picker.value
    picker.options = options
    picker.value = current if current in options else fallback


class IndicatorTrends(ipywidgets.VBox):
    def __init__(self, book: RiskWorkbook) -> None:
        self._book = book
        self.table = ipywidgets.HTML("")
        self.indicator = ipywidgets.Dropdown(description="Chart of", style={"description_width": "initial"},
                                             layout=ipywidgets.Layout(width="46rem", max_width="100%"))
        self.chart = ipywidgets.HTML("")
        self.indicator.observe(lambda _c: self._draw(), names="value")
        super().__init__([self.table, self.indicator, self.chart])
        self.refresh()
        _sync.subscribe(book.ws, self.refresh)

    def refresh(self) -> None:
        tables = self._book.tables()
        self.table.value = trends_table_html(tables)
        names = sorted(tables["indicators"]["indicator"].unique()) if len(tables["indicators"]) else []
        _choose(self.indicator, names, _preferred(tables, names))
        self._draw()

    def _draw(self) -> None:
        if not self.indicator.value:
            self.chart.value = ""
            return
        self.chart.value = trend_chart(self._book.tables(), self.indicator.value).html()


class IndicatorMap(ipywidgets.VBox):
    """Choose an indicator and a year; the sub-areas are shaded by its value."""

    def __init__(self, book: RiskWorkbook) -> None:
        self._book = book
        self.indicator = ipywidgets.Dropdown(description="Indicator", style={"description_width": "initial"},
                                             layout=ipywidgets.Layout(width="46rem", max_width="100%"))
        self.year = ipywidgets.Dropdown(description="Year", style={"description_width": "initial"})
        self.view = ipywidgets.HTML("")
        self.indicator.observe(lambda _c: self._years(), names="value")
        self.year.observe(lambda _c: self._draw(), names="value")
        super().__init__([self.indicator, self.year, self.view])
        self.refresh()
        _sync.subscribe(book.ws, self.refresh)

    def _rows(self) -> pd.DataFrame:
        rows = self._book.ws.table("indicators")
        return rows[rows["area"].fillna("").str.strip() != ""]

    def refresh(self) -> None:
        names = sorted(self._rows()["indicator"].unique())
        _choose(self.indicator, names, _preferred(self._book.tables(), names))
        self._years()

    def _years(self) -> None:
        rows = self._rows()
        years = sorted({int(y) for y in rows.loc[rows["indicator"] == self.indicator.value, "year"]}, reverse=True)
        self.year.options = years
        if years:
            self.year.value = years[0]
        self._draw()

    def _draw(self) -> None:
        ws = self._book.ws
        areas = ws.table("areas")
        if not self.indicator.value or self.year.value is None:
            self.view.value = "<p>No indicator has values by sub-area yet.</p>"
            return
        values = maps.indicator_by_area(ws.table("indicators"), self.indicator.value, year=self.year.value)
        label = f"{self.indicator.value}, {self.year.value}"
        page = maps.map_html(maps.area_map(areas, choropleth=values, choropleth_label=label, title=label))
        caption = maps.map_caption(areas, title=label, choropleth=values, choropleth_label=label)
        self.view.value = maps.map_frame(page, title=label, caption=caption, height=420)


class PrioritizationPanel(ipywidgets.VBox):
    """Set the weights and watch the ranking: scores, parts, rank ranges and any risk's trace."""

    def __init__(self, book: RiskWorkbook) -> None:
        self._book = book
        self._ws = book.ws
        self.weight_inputs: dict[str, ipywidgets.BoundedFloatText] = {}
        self.weights_box = ipywidgets.VBox([])
        self.save_button = ipywidgets.Button(description="Save these weights", tooltip="Store the weights for everyone",
                                              layout=ipywidgets.Layout(width="auto"))
        self.save_button.on_click(lambda _b: self.save_weights())
        self.reset_button = ipywidgets.Button(description="Back to the saved weights", layout=ipywidgets.Layout(width="auto"))
        self.reset_button.on_click(lambda _b: self.reload())
        self.status = ipywidgets.HTML("")
        self.table = ipywidgets.HTML("")
        self.moves = ipywidgets.HTML("")
        self.explain = ipywidgets.Dropdown(description="Show how this risk's score is built", style={"description_width": "initial"},
                                           layout=ipywidgets.Layout(width="46rem", max_width="100%"))
        self.trace = ipywidgets.HTML("")
        self.explain.observe(lambda _c: self._draw_trace(), names="value")
        super().__init__([
            ipywidgets.HTML("<p>Change a weight to see the ranking change at once; save to keep the weights.</p>"),
            self.weights_box, ipywidgets.HBox([self.save_button, self.reset_button]), self.status,
            self.table, self.moves, self.explain, self.trace,
        ])
        self.reload()
        _sync.subscribe(self._ws, self.reload)

    @property
    def ranking(self) -> prioritization.Ranking:
        return self._ranking

    def weights(self) -> dict[str, float]:
        return {cid: float(w.value) for cid, w in self.weight_inputs.items()}

    def reload(self) -> None:
        """Read the data and the saved weights again (after edits anywhere in this kernel)."""
        tables = self._book.tables()
        self._tables = tables
        self._ranking = self._book.rank(tables)
        names = _criterion_names(tables)
        self.weight_inputs = {}
        for cid in self._ranking.normalized.columns:
            label = names.get(cid) or f"{cid} (computed in the notebook)"
            box = ipywidgets.BoundedFloatText(value=float(self._ranking.weights.get(cid, 0.0)), min=0, max=1000, step=0.05,
                                              description=f"Weight of {label}", style={"description_width": "initial"})
            box.observe(self._weight_changed, names="value")
            self.weight_inputs[cid] = box
        self.weights_box.children = list(self.weight_inputs.values())
        names = _names(tables)
        current = self.explain.value
        self.explain.options = [(names.get(r, r), r) for r in self._ranking.scored.index]
        if current in self._ranking.scored.index:
            self.explain.value = current
        self._draw()

    def _weight_changed(self, _change: dict[str, Any]) -> None:
        self.set_weights(self.weights())

    def set_weights(self, weights: dict[str, float]) -> None:
        """Rank again under these weights (not saved): what typing a weight does."""
        self._ranking = prioritization.reweight(self._ranking, weights)
        self.status.value = say("info", "Not saved: the ranking shows these weights; save them to keep them.")
        self._draw()

    def _draw(self) -> None:
        self.table.value = ranking_html(self._ranking, self._tables)
        self.moves.value = sensitivity_html(self._ranking, self._tables)
        self._draw_trace()

    def _draw_trace(self) -> None:
        risk_id = self.explain.value
        self.trace.value = trace_html(self._ranking, self._tables, [risk_id]) if risk_id else ""

    def save_weights(self) -> bool:
        from ..store import operations

        stored = set(self._tables["criteria"]["id"]) if len(self._tables["criteria"]) else set()
        weights = self.weights()
        try:
            operations.save_weights(self._ws, {cid: w for cid, w in weights.items() if cid in stored})
        except CswbError as error:
            self.status.value = say("error", f"Not saved: {error}")
            return False
        own = [cid for cid in weights if cid not in stored]
        self.status.value = say("saved", "Weights saved." + (
            f" The weight of {', '.join(own)} is set in the notebook (it computes that criterion)." if own else ""))
        _sync.notify_saved(self._ws, self)
        return True
