"""Static output of the Risk workbook (Tool 5): the register and its analysis, indicator trends and
maps, the engagement signal, the ranking (scores, sensitivity, traces, charts) and the priority
risks' profiles, for reports and the apps' live views.

Each function takes the workspace's tables (and, for the ranking, the `prioritization.Ranking`
the workbook's `rank` computed) and returns HTML or a chart; nothing here imports a widget library.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup

from ..framework import load_catalogue
from ..i18n import N_, _, format_decimal, format_percent, ngettext
from ..model import prioritization, readiness, risk_evidence
from ..model.privacy import SMALL_COUNT, is_count_unit, is_small_count
from ..model.voting import vote_summary
from . import charts, figures, maps
from .coverage import missing_names
from .plan_parts import risk_part_html
from .records import detailed_table_html, table_html

CHART_TOP = 15  # risks drawn in the ranked chart and heatmap; the table lists them all

QUESTIONS = (
    ("real_problem_or_symptom", N_("Is it the real problem or a symptom of another?")),
    ("raised_by", N_("Who raised it, and how?")),
    ("evidence", N_("What does the evidence say (impact, data, seriousness, cost of doing nothing)?")),
    ("current_approach", N_("Which approaches are used now?")),
    ("comprehensive_strategy", N_("What would a comprehensive strategy need?")),
    ("most_work_needed", N_("Where is the most work needed?")),
    ("who_fills_gaps", N_("Who must fill the gaps?")),
    ("narrative", N_("Narrative for the plan")),
)
PROFILE = ("vulnerable_groups", "risk_factors", "protective_factors")


def risk_names(tables: Any) -> dict[str, str]:
    risks = tables["risks"]
    return dict(zip(risks["id"], risks["name"].astype(str), strict=True)) if len(risks) else {}


def _list_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return "" if value is None or pd.isna(value) else str(value)


def register_html(tables: Any) -> str:
    risks = tables["risks"]
    if risks.empty:
        return str(Markup("<p>{}</p>").format(_("No risk recorded yet.")))
    frame = pd.DataFrame({
        "Risk": risks["name"],
        "Category": [_(risk_evidence.category_name(c)) for c in risks["category"]],
        "Description": risks["description"].fillna(""),
        "Priority": [_("yes") if p else "" for p in risks["priority"].fillna(False)],
    })
    return table_html(frame, caption="Risk register", row_header="Risk")


def analysis_html(tables: Any) -> str:
    risks = tables["risks"]
    if risks.empty:
        return str(Markup("<p>{}</p>").format(_("No risk recorded yet.")))
    catalogue = load_catalogue()
    ordered = risks.sort_values("priority", ascending=False, kind="stable")
    parts = []
    for _index, risk in ordered.iterrows():
        answers = []
        for column, question in QUESTIONS:
            value = risk[column]
            if column == "current_approach":
                value = ", ".join(catalogue.name_of("current_approaches", k) for k in (value or []))
            text = _list_text(value)
            answers.append(Markup("<dt>{}</dt><dd>{}</dd>").format(_(question), text or _("Not yet answered.")))
        parts.append(Markup('<section class="cswb-risk-analysis"><h4>{}{}</h4><dl>{}</dl></section>').format(
            risk["name"], _(" (priority)") if risk["priority"] else "", Markup("").join(answers)))
    return str(Markup("").join(parts))


def priority_indicators(tables: Any) -> set[str]:
    priorities = set(readiness.priority_risks(tables)["id"]) if len(tables["risks"]) else set()
    rows = tables["indicators"]
    return set(rows.loc[rows["risk_id"].isin(priorities), "indicator"]) if len(rows) else set()


def comparator_text(row: Any, suppress: bool) -> str:
    """An indicator trend's comparator (e.g. the Ontario figure) with its label, if recorded."""
    if row.comparator_value is None or pd.isna(row.comparator_value):
        return ""
    text = figures.number_text(row.comparator_value, row.unit, suppress=suppress)
    return text + (f" ({_(str(row.comparator_label))})" if row.comparator_label else "")


def trends_table_html(tables: Any, *, suppress: bool = False) -> str:
    """The indicators' trends; `suppress` (published reports): small counts read "<5"."""
    trends = risk_evidence.indicator_trends(tables)
    if trends.empty:
        return "<p>No indicator values yet.</p>"
    names = risk_names(tables)

    frame = pd.DataFrame({
        "Indicator": trends["indicator"],
        "Risk": [names.get(r, "") for r in trends["risk_id"]],
        "First": _values_in_years(trends["first_value"], trends["first_year"], trends["unit"], suppress),
        "Latest": _values_in_years(trends["latest_value"], trends["latest_year"], trends["unit"], suppress),
        "Comparator (latest)": [comparator_text(r, suppress) for r in trends.itertuples()],
        "Trend": _trends_in_words(trends, suppress),
        "Unit": trends["unit"].fillna(""),
        "Source": trends["source"].fillna(""),
    })
    return table_html(frame, caption="Indicator trends (whole community; where none is given, sub-area counts are added up and rates averaged)", row_header="Indicator")


def _trends_in_words(trends: pd.DataFrame, suppress: bool) -> list[str]:
    """The trend column; published, without the yearly rate where a count under 5 is hidden."""
    return [
        risk_evidence.trend_words(row.annual_change, row.worsening, with_rate=not (
            suppress and (is_small_count(row.first_value, row.unit) or is_small_count(row.latest_value, row.unit))))
        for row in trends.itertuples()
    ]


def _values_in_years(values: Any, years: Any, units: Any, suppress: bool) -> list[str]:
    return [f"{figures.number_text(v, u, suppress=suppress)} ({_year(y)})" for v, y, u in zip(values, years, units, strict=True)]


def _year(value: Any) -> str:
    """A year as written, never as a number ("2023", not "2 023")."""
    try:
        return str(int(value))
    except (TypeError, ValueError):
        return str(value)


def trend_chart(tables: Any, indicator: str, *, suppress: bool = False) -> figures.Chart:
    series = risk_evidence.community_series(tables, indicator).set_index("year")
    comparator = series["comparator_value"].dropna()
    rows = tables["indicators"]
    labels = rows.loc[rows["indicator"] == indicator, "comparator_label"].dropna()
    units = rows.loc[rows["indicator"] == indicator, "unit"].dropna()
    return charts.line_chart(
        pd.DataFrame({_("This community"): series["value"]}),
        title=indicator,
        ylabel=str(units.iloc[0]) if len(units) else N_("Value"),
        comparator=comparator.to_dict() if len(comparator) else None,
        comparator_label=str(labels.iloc[-1]) if len(labels) else N_("Comparator"),
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
        return str(Markup("<p>{}</p>").format(_("No risk recorded yet.")))
    total = int(signal["of"].max())
    if not total:
        return str(Markup("<p>{}</p>").format(_("No feedback recorded yet (see the Buy-in workbook).")))
    names = risk_names(tables)
    risks = tables["risks"].set_index("id")
    signal = signal.sort_values("feedback", ascending=False, kind="stable")

    def count_text(n: int) -> str:
        return f"<{SMALL_COUNT}" if suppress and 0 < n < SMALL_COUNT else str(n)

    def share_text(n: int, share: float) -> str:
        return "–" if suppress and 0 < n < SMALL_COUNT else format_percent(share)

    frame = pd.DataFrame({
        "Risk": [names[r] for r in signal.index],
        "Category": [_(risk_evidence.category_name(risks.at[r, "category"])) for r in signal.index],
        "Feedback items": [count_text(int(n)) for n in signal["feedback"]],
        "Share of all feedback": [share_text(int(n), s) for n, s in zip(signal["feedback"], signal["share"], strict=True)],
    })
    note = Markup("<p>{}</p>").format(_(
        "Out of {total} feedback items recorded in the Buy-in workbook; an item counts once for each risk category "
        "it is tagged with.").format(total=total) + (
        " " + _("Counts under {limit} are not published.").format(limit=SMALL_COUNT) if suppress else ""))
    return table_html(frame, caption="Engagement signal by risk", row_header="Risk") + str(note)


def sources_note_html() -> str:
    items = Markup("").join(
        Markup("<li><strong>{}</strong>: {}</li>").format(name, words)
        for name, words in (
            (_("entered"), _("the scores typed in the table below (e.g. magnitude or severity from the group's judgement)")),
            (_("community concern"), _("the share of buy-in feedback items tagged with the risk's category")),
            (_("workshop votes"), _("the mean rating from workshop ballots")),
            (_("indicator trend"), _("the yearly change of the risk's indicators, signed so that worsening is positive")),
            (_("capacity gap"), _("how many of the four planning areas have no asset addressing the risk (Assets workbook)")),
        )
    )
    return str(Markup("<p>{}</p><ul>{}</ul>").format(_("Where each criterion's values come from:"), items))


SENSITIVITY_COLUMN = "Rank range when one weight moves ±50%"


def criterion_names(tables: Any) -> dict[str, str]:
    criteria = tables["criteria"]
    return dict(zip(criteria["id"], criteria["name"].astype(str), strict=True)) if len(criteria) else {}


def ranking_frame(ranking: prioritization.Ranking, tables: Any) -> pd.DataFrame:
    """The ranking as a table: rank, risk, score, each criterion's part, and how firmly the rank holds."""
    names, criteria = risk_names(tables), criterion_names(tables)
    scored = ranking.scored
    priorities = set(readiness.priority_risks(tables)["id"]) if len(tables["risks"]) else set()
    frame = pd.DataFrame({
        "Rank": scored["rank"].astype(int),
        "Risk": [names.get(r, r) + (_(" (priority)") if r in priorities else "") for r in scored.index],
        "Score": scored["score"].map(lambda v: format_decimal(v, 3)),
    }, index=scored.index)
    for criterion_id in ranking.normalized.columns:
        frame[criteria.get(criterion_id, criterion_id)] = scored[criterion_id].map(lambda v: format_decimal(v, 3))
    moves = ranking.sensitivity.reindex(scored.index)
    frame[SENSITIVITY_COLUMN] = [
        f"{int(b)}" if b == w else _("{best} to {worst}").format(best=int(b), worst=int(w))
        for b, w in zip(moves["best_rank"], moves["worst_rank"], strict=True)
    ]
    frame["Rank"] = frame["Rank"].astype(str)
    return frame


def criteria_summary_html(ranking: prioritization.Ranking, tables: Any) -> str:
    """The criteria a ranking used (stored or computed in the notebook), where each one's values
    come from and its share of the weight."""
    names = criterion_names(tables)
    descriptions = dict(zip(tables["criteria"]["id"], tables["criteria"]["description"].fillna(""), strict=True)) if len(tables["criteria"]) else {}
    shares = prioritization.weight_shares(ranking.weights).reindex(ranking.normalized.columns).fillna(0)
    frame = pd.DataFrame({
        "Criterion": [names.get(c, c) for c in ranking.normalized.columns],
        "What it measures": [descriptions.get(c, "") for c in ranking.normalized.columns],
        "Values come from": [_(risk_evidence.source_name(ranking.inputs.sources.get(c, "entered")))
                             for c in ranking.normalized.columns],
        "Share of the weight": [format_percent(shares[c]) for c in ranking.normalized.columns],
    })
    return table_html(frame, caption="Prioritization criteria and their weights", row_header="Criterion")


def weights_note_html(ranking: prioritization.Ranking, tables: Any) -> str:
    """The weights in words and how a score is built from them."""
    shares = prioritization.weight_shares(ranking.weights).reindex(ranking.normalized.columns).fillna(0)
    criteria = criterion_names(tables)
    weights = ", ".join(f"{criteria.get(c, c)} {format_percent(shares[c])}" for c in ranking.normalized.columns)
    note = Markup("<p>{}</p>").format(_(
        "Weights (shares of the total): {weights}. Each score is the sum of the criterion columns: the risk's value "
        "scaled to 0–1 across all risks (1 = most concerning) times the criterion's weight share.").format(weights=weights))
    return str(note)


def ranking_html(ranking: prioritization.Ranking, tables: Any) -> str:
    if ranking.scored.empty:
        return str(Markup("<p>{}</p>").format(_("Add risks and criteria to rank them.")))
    return weights_note_html(ranking, tables) + table_html(
        ranking_frame(ranking, tables), caption="Risks ranked by priority score", row_header="Risk")


def ranking_table_html(ranking: prioritization.Ranking, tables: Any) -> str:
    """The ranking for a printed page: rank, risk, score and how firmly the rank holds side by
    side, each criterion's part of the score below the risk (a column each would not fit)."""
    frame = ranking_frame(ranking, tables)
    criteria = [c for c in frame.columns if c not in ("Rank", "Risk", "Score", SENSITIVITY_COLUMN)]
    frame["Parts of the score"] = ["; ".join(f"{c} {row[c]}" for c in criteria) for _index, row in frame.iterrows()]
    return detailed_table_html(frame, ["Rank", "Risk", "Score", SENSITIVITY_COLUMN], ["Parts of the score"],
                               caption="Risks ranked by priority score", row_header="Risk", style=False)


def not_chosen_html(ranking: prioritization.Ranking, tables: Any) -> str:
    """The risks not chosen as priorities and why: where each ranked, how the workshop rated it,
    how it is addressed now, and whether actions of this plan address it all the same."""
    risks = tables["risks"]
    priorities = set(readiness.priority_risks(tables)["id"]) if len(risks) else set()
    others = [r for r in ranking.scored.index if r not in priorities]
    if not others:
        return ""
    names = risk_names(tables)
    catalogue = load_catalogue()
    approaches = dict(zip(risks["id"], risks["current_approach"], strict=True)) if len(risks) else {}
    votes = vote_summary(tables).set_index("risk_id") if len(tables["votes"]) else None
    actions = tables["actions"]
    acted = actions["risk_id"].value_counts() if len(actions) else pd.Series(dtype=int)
    chosen_ranks = {r: int(ranking.scored.at[r, "rank"]) for r in priorities if r in ranking.scored.index}
    items = []
    for risk_id in others:
        rank, total = int(ranking.scored.at[risk_id, "rank"]), len(ranking.scored)
        below = sorted((n, r) for r, n in chosen_ranks.items() if n > rank)
        ranked = _("ranked {rank} of {total} (score {score})").format(
            rank=rank, total=total, score=format_decimal(ranking.scored.at[risk_id, "score"], 3))
        why = [ranked + (_(", below every priority risk") if not below else _("; the committee chose {risks} instead").format(
            risks=", ".join(_("{risk} (rank {rank})").format(risk=names.get(r, r), rank=n) for n, r in below)))]
        if votes is not None and risk_id in votes.index:
            ballots = int(votes.at[risk_id, "ballots"])
            if ballots >= SMALL_COUNT:
                why.append(_("rated {mean} of 5 on average at the workshop").format(
                    mean=format_decimal(votes.at[risk_id, "mean"], 1)))
        current = [_(catalogue.name_of("current_approaches", k)) for k in (approaches.get(risk_id) or [])]
        if current:
            why.append(_("addressed now through {approaches}").format(approaches=", ".join(c.lower() for c in current)))
        if int(acted.get(risk_id, 0)):
            count = int(acted.get(risk_id, 0))
            why.append(ngettext("{n} action of this plan addresses it all the same",
                                "{n} actions of this plan address it all the same", count).format(n=count))
        items.append(Markup("<li><strong>{}</strong>{} {}.</li>").format(names.get(risk_id, risk_id), _(":"), "; ".join(why)))
    return str(Markup('<h4>{}</h4><ul class="cswb-not-chosen">{}</ul>').format(
        _("Risks not chosen, and why"), Markup("").join(items)))


def sensitivity_html(ranking: prioritization.Ranking, tables: Any) -> str:
    if ranking.sensitivity.empty:
        return ""
    names = risk_names(tables)
    moves = ranking.sensitivity
    held = [names.get(r, r) for r in moves.index[moves["holds"]]]
    flips = moves[~moves["holds"]]
    items = Markup("").join(
        Markup("<li>{}</li>").format(_("{risk}: rank {rank} now, between {best} and {worst}").format(
            risk=names.get(r, r), rank=int(m.rank), best=int(m.best_rank), worst=int(m.worst_rank)))
        for r, m in zip(flips.index, flips.itertuples(), strict=True)
    )
    return str(Markup("<h4>{}</h4><p>{}</p><p>{}</p>{}").format(
        _("Which ranks hold when the weights move"),
        _("Each weight in turn was set from half to one and a half times its value, the others unchanged."),
        _("Ranks that hold in every case: {risks}.").format(risks=", ".join(held) or _("none")),
        Markup("<p>{}</p><ul>{}</ul>").format(_("Ranks that move:"), items) if len(flips) else ""))


def trace_frame(ranking: prioritization.Ranking, tables: Any, risk_id: str) -> pd.DataFrame:
    """One risk's score, criterion by criterion: raw value and why, scaled value, weight share, part."""
    criteria = criterion_names(tables)
    shares = prioritization.weight_shares(ranking.weights).reindex(ranking.normalized.columns).fillna(0)
    rows = []
    for criterion_id in ranking.normalized.columns:
        raw = ranking.inputs.values.at[risk_id, criterion_id]
        rows.append({
            "Criterion": criteria.get(criterion_id, criterion_id),
            "Values from": _(risk_evidence.source_name(ranking.inputs.sources.get(criterion_id, "entered"))),
            "Raw value": _("no evidence") if pd.isna(raw) else figures.format_number(float(raw)),
            "Why": ranking.inputs.explanations.at[risk_id, criterion_id],
            "Scaled 0–1": format_decimal(ranking.normalized.at[risk_id, criterion_id], 3),
            "Weight share": format_percent(shares[criterion_id]),
            "Part of score": format_decimal(ranking.scored.at[risk_id, criterion_id], 3),
        })
    return pd.DataFrame(rows)


def trace_html(ranking: prioritization.Ranking, tables: Any, risk_ids: list[str] | None = None) -> str:
    """How each (or each given) risk's score is built; in reports, the priority risks."""
    if ranking.scored.empty:
        return ""
    names = risk_names(tables)
    if risk_ids is None:
        chosen = list(readiness.priority_risks(tables)["id"]) or list(ranking.scored.index[:3])
    else:
        chosen = risk_ids
    parts = []
    for risk_id in chosen:
        if risk_id not in ranking.scored.index:
            continue
        total = ranking.scored.at[risk_id, "score"]
        parts.append(table_html(
            trace_frame(ranking, tables, risk_id),
            caption=_("How the score of {risk} is built (total {total}, rank {rank})").format(
                risk=names.get(risk_id, risk_id), total=format_decimal(total, 3), rank=int(ranking.scored.at[risk_id, "rank"])),
            row_header="Criterion",
        ))
    return "".join(parts)


def ranking_charts_html(ranking: prioritization.Ranking, tables: Any) -> str:
    if ranking.scored.empty:
        return str(Markup("<p>{}</p>").format(_("Nothing to chart yet.")))
    names, criteria = risk_names(tables), criterion_names(tables)
    top = ranking.scored.head(CHART_TOP)
    contributions = top[list(ranking.normalized.columns)].rename(index=names, columns=criteria)
    priorities = set(readiness.priority_risks(tables)["name"]) if len(tables["risks"]) else set()
    ranked = charts.ranked_scores(
        contributions, title=N_("Priority scores, built from weighted criteria"), highlight=priorities & set(contributions.index),
    )
    normalized = ranking.normalized.loc[top.index].rename(index=names, columns=criteria)
    heat = charts.heatmap(normalized, title=N_("Criteria values, scaled 0–1 (1 = most concerning)"),
                          value_label=N_("Scaled value"))
    shown = str(Markup("<p>{}</p>").format(_("The {top} highest-ranked of {total} risks.").format(
        top=len(top), total=len(ranking.scored)))) if len(ranking.scored) > CHART_TOP else ""
    return shown + ranked.html() + heat.html()


def priorities_html(tables: Any) -> str:
    priorities = readiness.priority_risks(tables)
    if priorities.empty:
        return str(Markup("<p>{}</p>").format(_("No priority risk chosen yet.")))
    parts = []
    for _index, risk in priorities.iterrows():
        lists = Markup("").join(
            Markup("<h5>{}</h5>{}").format(
                label,
                Markup("<ul>{}</ul>").format(Markup("").join(
                    Markup("<li>{}</li>").format(_(risk_evidence.category_name(v)) if col == "risk_factors" else v)
                    for v in (risk[col] or [])))
                if risk[col] else Markup("<p>{}</p>").format(_("Not yet named.")),
            )
            for col, label in zip(PROFILE, (_("Vulnerable groups"), _("Risk factors"), _("Protective factors")), strict=True)
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
        return str(Markup("<p>{}</p>").format(_("No priority risk chosen yet.")))
    trends = risk_evidence.indicator_trends(tables)
    parts: list[str] = []
    for _index, risk in priorities.iterrows():
        story = _text_paragraphs(risk["narrative"]) or _text_paragraphs(risk["description"])
        evidence = _text_paragraphs(risk["evidence"])
        body = [Markup("<h4>{}</h4>").format(_("Narrative and evidence")),
                story or Markup("<p>{}</p>").format(_("No narrative written yet."))]
        if evidence:
            body.append(Markup("<p><strong>{}</strong></p>").format(_("What the evidence says:")) + evidence)
        mine = trends[trends["risk_id"] == risk["id"]] if len(trends) else trends
        if len(mine):
            frame = pd.DataFrame({
                "Indicator": mine["indicator"].tolist(),
                "First": _values_in_years(mine["first_value"], mine["first_year"], mine["unit"], suppress=True),
                "Latest": _values_in_years(mine["latest_value"], mine["latest_year"], mine["unit"], suppress=True),
                "Comparator (latest year)": [comparator_text(r, suppress=True) for r in mine.itertuples()],
                "Trend": _trends_in_words(mine, suppress=True),
                "Unit": mine["unit"].fillna("").tolist(),
                "Source": mine["source"].fillna("").tolist(),
            })
            body.append(Markup(detailed_table_html(
                frame, ["Indicator", "First", "Latest", "Comparator (latest year)", "Trend"], ["Unit", "Source"],
                caption=_("Indicators of {risk}").format(risk=risk["name"]), row_header="Indicator", style=not parts)))
        for col, label in zip(PROFILE, (_("Vulnerable groups"), _("Risk factors"), _("Protective factors")), strict=True):
            values = [_(risk_evidence.category_name(v)) if col == "risk_factors" else v for v in (risk[col] or [])]
            listing = (Markup("<ul>{}</ul>").format(Markup("").join(Markup("<li>{}</li>").format(v) for v in values))
                       if values else Markup("<p>{}</p>").format(_("Not yet named.")))
            body.append(Markup("<h4>{}</h4>{}").format(label, listing))
        parts.append(risk_part_html(risk["id"], risk["name"], "profile", str(Markup("").join(body))))
    return "".join(parts)


def indicator_sources_html(tables: Any) -> str:
    """Each source of indicator data with the indicators and years taken from it."""
    rows = tables["indicators"]
    if rows.empty:
        return str(Markup("<p>{}</p>").format(_("No indicator data recorded.")))
    named = rows.assign(source=rows["source"].fillna("").astype(str).str.strip().replace("", _("Source not recorded")))
    listing = []
    for source, group in named.groupby("source", sort=True):
        indicators = sorted(group["indicator"].astype(str).unique())
        shown = "; ".join(indicators[:8]) + (_("; and {n} more").format(n=len(indicators) - 8) if len(indicators) > 8 else "")
        years = f"{int(group['year'].min())}" if group["year"].min() == group["year"].max() else (
            _("{first} to {last}").format(first=int(group["year"].min()), last=int(group["year"].max())))
        listing.append({"Source": source, "Indicators": shown, "Years": years})
    return table_html(pd.DataFrame(listing), caption="Sources of the indicator data", row_header="Source")


def priorities_status_html(tables: Any) -> str:
    items = []
    for summary in readiness.assess(tables):
        for check in summary.checks:
            if check.key in ("priority_evidence", "priority_profile"):
                missing = (" " + _("Still missing: {items}.").format(items="; ".join(missing_names(check)))) if check.missing else ""
                items.append(Markup("<li>{}</li>").format(_("{check}: {done} of {total}.").format(
                    check=_(check.title), done=check.done, total=check.total) + missing))
    return str(Markup('<ul class="cswb-checks">{}</ul>').format(Markup("").join(items)))


def indicator_maps_html(tables: Any) -> str:
    """Reports: for each priority risk's indicators with sub-area values, a static choropleth."""
    areas = tables["areas"]
    indicators = sorted(i for i in priority_indicators(tables) if risk_evidence.latest_by_area(tables, i))
    if areas.empty or "geometry" not in areas or not indicators:
        return str(Markup("<p>{}</p>").format(
            _("No indicator with sub-area values for a priority risk, or no sub-area boundaries.")))
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
            parts.append(str(Markup("<p>{}</p>").format(ngettext(
                "{n} sub-area with a count under {limit} is not shown.",
                "{n} sub-areas with a count under {limit} are not shown.", left_off).format(n=left_off, limit=SMALL_COUNT))))
    more = len(indicators) - 4
    return "".join(parts) + (str(Markup("<p>{}</p>").format(ngettext(
        "{n} more indicator has sub-area values; see the app.",
        "{n} more indicators have sub-area values; see the app.", more).format(n=more))) if more > 0 else "")



def preferred_indicator(tables: Any, names: list[str]) -> str | None:
    """The indicator to show first: one of a priority risk's, else the first."""
    priority = sorted(priority_indicators(tables) & set(names))
    return priority[0] if priority else (names[0] if names else None)


def ballot_header_html(community: dict[str, Any]) -> str:
    """The voting page's header: the plan's name and nothing else; the notebook's headings are hidden."""
    name = community.get("plan_name") or community.get("name") or ""
    return str(Markup(
        "<style>.jp-MarkdownOutput, .jp-RenderedMarkdown {{ display: none !important; }}</style>"
        '<div class="cswb-ballot-header"><p>{}</p><h1>Rate the risks</h1></div>'
    ).format(name))
