"""The Evaluation workbook's static output (Tool 6): strategies and the strategy matrix, assets that
could be adopted, logic models, the performance measurement framework and its gaps, measurements,
progress against targets, and the plan's outcomes by risk and sources.

Reports print these; the app's panels (:mod:`cswb_widgets.widgets.evaluation`) show the same
functions' output next to their controls. A function showing an analysis takes the analysis
(the strategy matrix, the framework's gaps, the measures' status) as an argument, so a workbook
that computes it its own way shows its own result. The logic-model diagram is an SVG built here
(no plotting library, no network): six columns, one per level, boxes with wrapped text and
arrows for the "leads to" links, with the same content as a table beside it.
"""

from __future__ import annotations

import hashlib
import textwrap
from typing import Any

import pandas as pd
from markupsafe import Markup

from ..framework import load_catalogue
from ..i18n import N_, _, format_number, ngettext
from ..model import evaluation, risk_evidence
from ..model.plan_versions import SINCE_ADOPTION, STANDING
from ..model.privacy import SMALL_COUNT, is_count_unit
from . import charts, figures
from ._html import stylesheet
from .plan_parts import risk_part_html
from .plan_versions import measured_title, since_adoption_text
from .records import detailed_table_html, table_html

STRATEGY_COLUMNS = ["risk_id", "planning_area", "name", "description", "evidence_strength", "evidence_source", "asset_id"]
STRATEGY_LABELS = {"risk_id": "Risk", "name": "Strategy", "asset_id": "Adopted from asset"}
ITEM_COLUMNS = ["level", "text", "leads_to", "planning_area", "responsible"]
MEASURE_COLUMNS = [
    "outcome_id", "expected_outcome", "indicator", "unit", "baseline", "baseline_year", "target", "target_year",
    "higher_is_better", "data_source", "collection_method", "frequency", "responsibility", "data_sovereignty",
    "data_owner_id",
]
MEASURE_LABELS = {"outcome_id": N_("Logic-model outcome"), "higher_is_better": N_("Higher is better"),
                  "data_sovereignty": N_("Publication (set by the data's owner)"), "data_owner_id": N_("Data owner")}
# What a measure lacks, as model.evaluation.measure_gaps words it, said whole (French agrees "aucun"/"aucune").
_MISSING_WORDS = {"indicator": N_("no indicator"), "baseline": N_("no baseline"), "target": N_("no target"), "owner": N_("no owner")}
ADOPTABLE_SHOWN = 100  # rows of the report's list of adoptable assets (a city's inventory has thousands)

# The diagram's geometry, in SVG user units (pixels at 100%).
COLUMN_WIDTH = 180
COLUMN_GAP = 44
MARGIN = 12
HEADER_HEIGHT = 44
BOX_GAP = 14
BOX_PADDING = 8
FONT_SIZE = 12
LINE_HEIGHT = 15
WRAP = 25  # characters per line in a box
MAX_LINES = 6  # longer texts are shortened in the box (the table keeps them whole)
INK, MUTED, PROBLEM = "#1b1b1b", "#4a4a4a", "#a50e0e"  # 4.5:1 or more on white and on the column fill
COLUMN_FILL = "#f3f4f6"

_STYLE = """
.cswb-matrix td ul { margin: 0; padding-left: 1.1rem; }
.cswb-matrix .cswb-none { font-style: italic; }
.cswb-logic-model { margin: 0.5rem 0 1rem; }
.cswb-logic-model svg { max-width: 100%; height: auto; }
.cswb-checks li { margin: 0.1rem 0; }
"""


def _style() -> str:
    return f"<style>{stylesheet()}{_STYLE}</style>"


def _text(value: Any) -> str:
    return "" if value is None or value != value else str(value)


def count_text(number: int, noun: str, plural: str | None = None) -> str:
    """"1 measure", "2 strategies" (English; the apps' counts, not the plan's)."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"




# -- strategies -----------------------------------------------------------------------


def _risk_names(tables: Any) -> dict[str, str]:
    risks = tables["risks"]
    return dict(zip(risks["id"].astype(str), risks["name"].astype(str), strict=True)) if len(risks) else {}


def _strength_name(key: Any) -> str:
    return _(load_catalogue().name_of("evidence_strengths", key)) if _text(key) else _("not assessed")


def evidence_strengths_html() -> str:
    items = Markup("").join(
        Markup("<dt>{}</dt><dd>{}</dd>").format(s.name, s.description) for s in load_catalogue().evidence_strengths
    )
    return str(Markup('<details class="cswb-guidance"><summary>{}</summary>'
                      "<dl>{}</dl></details>").format(_("What the evidence strengths mean"), items))


def strategies_html(tables: Any) -> str:
    """Each priority risk's strategies (then other risks' strategies), one table per risk."""
    strategies = tables["strategies"]
    risks = _risk_names(tables)
    priorities = list(evaluation.priority_risks(tables)["id"].astype(str)) if len(tables["risks"]) else []
    others = [r for r in dict.fromkeys(strategies["risk_id"].astype(str)) if r not in priorities] if len(strategies) else []
    if not priorities and not others:
        return str(Markup("<p>{}</p>").format(_("No priority risk chosen yet (see the Risk workbook) and no strategy recorded.")))
    catalogue = load_catalogue()
    assets = tables["assets"]
    asset_names = dict(zip(assets["id"].astype(str), assets["name"].astype(str), strict=True)) if len(assets) else {}
    area_order = {key: n for n, key in enumerate(catalogue.keys("planning_areas"))}
    parts = [_style()]
    for risk_id in priorities + others:
        mine = strategies[strategies["risk_id"].astype(str) == risk_id] if len(strategies) else strategies
        mine = mine.iloc[sorted(range(len(mine)), key=lambda n: area_order.get(mine["planning_area"].iloc[n], 9))]
        heading = risks.get(risk_id, risk_id) + ("" if risk_id in priorities else _(" (not a priority risk)"))
        frame = pd.DataFrame({
            "Planning area": [_(catalogue.name_of("planning_areas", a)) for a in mine["planning_area"]],
            "Strategy": mine["name"].astype(str).tolist(),
            "Description": [_text(d) for d in mine["description"]],
            "Evidence strength": [_strength_name(s) for s in mine["evidence_strength"]],
            "Evidence source": [_text(s) for s in mine["evidence_source"]],
            "Adopted from asset": [asset_names.get(_text(a), _text(a)) for a in mine["asset_id"]],
        })
        parts.append(table_html(frame, caption=_("Strategies for {risk}").format(risk=heading), row_header="Strategy",
                                empty_text=N_("No strategy yet."), style=False))
    return "".join(parts)


def strategy_matrix_html(tables: Any, matrix: pd.DataFrame) -> str:
    """The priority risks by the four planning areas, naming the strategies in each cell (`matrix`:
    one row per risk and planning area, with the columns of `evaluation.strategy_matrix`); an empty
    cell says how many assets addressing the risk there could be adopted."""
    if matrix.empty:
        return str(Markup("<p>{}</p>").format(_("No priority risk chosen yet. Choose priorities in the Risk workbook.")))
    adoptable = evaluation.adoptable_assets(tables)
    waiting: dict[tuple[str, str], int] = {}
    for risk_id, areas in zip(adoptable["risk_id"], adoptable["planning_areas"], strict=True):
        for area in areas:
            waiting[(risk_id, area)] = waiting.get((risk_id, area), 0) + 1
    areas = [_(a) for a in dict.fromkeys(matrix["planning_area_name"])]
    head = Markup("").join(Markup('<th scope="col">{}</th>').format(a) for a in areas)
    body, empty = [], []
    for _risk_id, cells in matrix.groupby("risk_id", sort=False):
        row = []
        for cell in cells.to_dict("records"):
            if cell["count"]:
                names = Markup("").join(
                    Markup("<li>{} ({})</li>").format(n, _strength_name(s).lower())
                    for n, s in zip(cell["strategies"], cell["strengths"], strict=True)
                )
                row.append(Markup("<td><ul>{}</ul></td>").format(names))
                continue
            assets = waiting.get((cell["risk_id"], cell["planning_area"]), 0)
            hint = Markup("; {}").format(ngettext("{n} asset addressing it could be adopted",
                                                  "{n} assets addressing it could be adopted", assets).format(n=assets)
                                         ) if assets else ""
            row.append(Markup('<td><span class="cswb-none">{}</span>{}</td>').format(_("None yet"), hint))
            empty.append(Markup("<li>{}</li>").format(_("{label}: {value}").format(
                label=cell["risk"], value=_(cell["planning_area_name"]).lower())))
        body.append(Markup('<tr><th scope="row">{}</th>{}</tr>').format(cells["risk"].iloc[0], Markup("").join(row)))
    table = Markup(
        '<table class="cswb-table cswb-static cswb-matrix"><caption>{}</caption><thead><tr><th scope="col">{}</th>{}</tr>'
        "</thead><tbody>{}</tbody></table>"
    ).format(_("Strategies by priority risk and planning area (evidence strength in brackets)"), _("Priority risk"),
             head, Markup("").join(body))
    summary = (
        Markup("<p>{}</p><ul>{}</ul>").format(_("Planning areas with no strategy yet:"), Markup("").join(empty)) if empty
        else Markup("<p>{}</p>").format(_("Every priority risk has a strategy in every planning area."))
    )
    return _style() + str(table) + str(summary)


def adoptable_html(tables: Any, limit: int = ADOPTABLE_SHOWN) -> str:
    adoptable = evaluation.adoptable_assets(tables)
    if adoptable.empty:
        return str(Markup("<p>{}</p>").format(_(
            "No asset in the inventory addresses a priority risk without already being one of its strategies.")))
    catalogue = load_catalogue()
    shown = adoptable.head(limit)
    frame = pd.DataFrame({
        "Priority risk": shown["risk"].tolist(),
        "Asset": shown["asset"].tolist(),
        "Planning areas": [", ".join(_(catalogue.name_of("planning_areas", a)) for a in areas) or _("not recorded")
                           for areas in shown["planning_areas"]],
        "Purpose": [_text(p) for p in shown["purpose"]],
    })
    assets = adoptable["asset_id"].nunique()
    intro = Markup("<p>{}</p>").format(ngettext(
        "{n} asset of the inventory addresses a priority risk without being one of its strategies yet ({rows} rows, "
        "one per asset and risk). Existing work can be adopted as a strategy as it is.",
        "{n} assets of the inventory address a priority risk without being one of its strategies yet ({rows} rows, "
        "one per asset and risk). Existing work can be adopted as a strategy as it is.", assets).format(
        n=format_number(assets), rows=format_number(len(adoptable))))
    note = (Markup("<p>{}</p>").format(_("The first {limit} are listed; {more} more are in the app.").format(
        limit=limit, more=format_number(len(adoptable) - limit))) if len(adoptable) > limit else "")
    return str(intro) + table_html(frame, caption=N_("Assets that could be adopted as strategies"),
                                          row_header="Asset") + str(note)


# -- logic models -------------------------------------------------------------------------------------------------


def model_label(tables: Any, model: dict[str, Any]) -> str:
    """The model as people know it, "name (target group) – risk": plain text, escape before HTML."""
    risk = _risk_names(tables).get(str(model["risk_id"]), str(model["risk_id"]))
    name = _text(model.get("name")).strip()
    group = _text(model.get("target_group")).strip()
    return f"{name} ({group}) – {risk}" if name else f"{group} – {risk}"


def ordered_models(tables: Any) -> list[dict[str, Any]]:
    models = tables["logic_models"]
    if models.empty:
        return []
    priorities = set(evaluation.priority_risks(tables)["id"].astype(str)) if len(tables["risks"]) else set()
    records = models.to_dict("records")
    return sorted(records, key=lambda m: str(m["risk_id"]) not in priorities)


def _layout(items: pd.DataFrame, links: pd.DataFrame) -> dict[str, tuple[int, int, list[str]]]:
    """Item id -> (column, top y, wrapped lines). Within a column, items sit near what leads to them."""
    predecessors: dict[str, list[str]] = {}
    for source, target, kind in zip(links["source"], links["target"], links["kind"], strict=True):
        if kind in ("next level", "skips a level"):
            predecessors.setdefault(target, []).append(source)
    placed: dict[str, tuple[int, int, list[str]]] = {}
    centre: dict[str, float] = {}
    for column, (level, _name) in enumerate(evaluation.levels()):
        here = items[items["level"] == level]
        ranked = []
        for position, (item_id, text) in enumerate(zip(here["id"], here["text"], strict=True)):
            sources = [centre[s] for s in predecessors.get(item_id, []) if s in centre]
            ranked.append((sum(sources) / len(sources) if sources else float("inf"), position, item_id, text))
        y = HEADER_HEIGHT
        for _weight, _position, item_id, text in sorted(ranked):
            lines = textwrap.wrap(text, WRAP) or [""]
            if len(lines) > MAX_LINES:
                lines = lines[:MAX_LINES]
                lines[-1] = lines[-1][: WRAP - 1].rstrip() + "…"
            placed[item_id] = (column, y, lines)
            height = _box_height(lines)
            centre[item_id] = y + height / 2
            y += height + BOX_GAP
    return placed


def _box_height(lines: list[str]) -> int:
    return len(lines) * LINE_HEIGHT + 2 * BOX_PADDING


def _column_x(column: int) -> int:
    return MARGIN + column * (COLUMN_WIDTH + COLUMN_GAP)


def logic_model_svg(tables: Any, model: dict[str, Any]) -> str:
    """The model as an accessible, self-contained SVG: six columns, boxes, and arrows for "leads to"."""
    items = evaluation.model_items(tables, str(model["id"]))
    links = evaluation.model_links(tables, str(model["id"]))
    level_names = evaluation.levels()
    placed = _layout(items, links)
    label = model_label(tables, model)
    digest = hashlib.sha1(repr((str(model["id"]), items.to_dict("records"))).encode()).hexdigest()[:10]
    prefix = f"lm{digest}"
    bottoms = [y + _box_height(lines) for _column, y, lines in placed.values()]
    height = max(bottoms + [HEADER_HEIGHT + 60]) + MARGIN
    width = 2 * MARGIN + len(level_names) * COLUMN_WIDTH + (len(level_names) - 1) * COLUMN_GAP

    parts: list[Markup] = []
    for column, (level, name) in enumerate(level_names):
        x = _column_x(column)
        parts.append(Markup('<rect x="{}" y="{}" width="{}" height="{}" fill="{}" rx="4"/>').format(
            x - 4, MARGIN - 4, COLUMN_WIDTH + 8, height - MARGIN, COLUMN_FILL))
        parts.append(Markup('<text x="{}" y="{}" text-anchor="middle" font-weight="700" font-size="13" fill="{}">{}</text>')
                     .format(x + COLUMN_WIDTH // 2, MARGIN + 16, INK, name))
        if not (items["level"] == level).any():
            parts.append(Markup(
                '<rect x="{}" y="{}" width="{}" height="40" fill="#ffffff" stroke="{}" stroke-dasharray="4 3" rx="4"/>'
                '<text x="{}" y="{}" text-anchor="middle" font-size="{}" font-style="italic" fill="{}">No item yet</text>'
            ).format(x, HEADER_HEIGHT, COLUMN_WIDTH, MUTED, x + COLUMN_WIDTH // 2, HEADER_HEIGHT + 25, FONT_SIZE, MUTED))

    arrows: list[Markup] = []
    for source, target, kind in zip(links["source"], links["target"], links["kind"], strict=True):
        if source not in placed or target not in placed:
            continue  # an item of another model: listed in the checks, not drawn
        s_column, s_y, s_lines = placed[source]
        t_column, t_y, t_lines = placed[target]
        sy, ty = s_y + _box_height(s_lines) / 2, t_y + _box_height(t_lines) / 2
        if kind in ("next level", "skips a level"):
            sx, tx = _column_x(s_column) + COLUMN_WIDTH, _column_x(t_column)
            bend = (tx - sx) / 2
            path = f"M{sx},{sy:.1f} C{sx + bend:.1f},{sy:.1f} {tx - bend:.1f},{ty:.1f} {tx - 2},{ty:.1f}"
            arrows.append(Markup('<path d="{}" fill="none" stroke="{}" stroke-width="1.4" marker-end="url(#{}-arrow)"/>')
                          .format(path, INK, prefix))
        else:  # backwards or within a level: dashed, and round the outside so it is not mistaken for a forward link
            sx, tx = _column_x(s_column) + COLUMN_WIDTH, _column_x(t_column) + COLUMN_WIDTH
            reach = max(sx, tx) + COLUMN_GAP * 0.6
            path = f"M{sx},{sy:.1f} C{reach:.1f},{sy:.1f} {reach:.1f},{ty:.1f} {tx + 2},{ty:.1f}"
            arrows.append(Markup('<path d="{}" fill="none" stroke="{}" stroke-width="1.6" stroke-dasharray="5 3" '
                                 'marker-end="url(#{}-back)"/>').format(path, PROBLEM, prefix))

    boxes: list[Markup] = []
    texts = dict(zip(items["id"], items["text"], strict=True))
    for item_id, (column, y, lines) in placed.items():
        x = _column_x(column)
        spans = Markup("").join(
            Markup('<tspan x="{}" dy="{}">{}</tspan>').format(x + BOX_PADDING, LINE_HEIGHT if n else 0, line)
            for n, line in enumerate(lines)
        )
        boxes.append(Markup(
            '<g><title>{full}</title><rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#ffffff" stroke="{muted}" rx="4"/>'
            '<text x="{tx}" y="{ty}" font-size="{fs}" fill="{ink}">{spans}</text></g>'
        ).format(full=texts[item_id], x=x, y=y, w=COLUMN_WIDTH, h=_box_height(lines), muted=MUTED,
                 tx=x + BOX_PADDING, ty=y + BOX_PADDING + FONT_SIZE, fs=FONT_SIZE, ink=INK, spans=spans))

    counts = "; ".join(f"{(items['level'] == key).sum()} {name.lower()}" for key, name in level_names)
    problems = int(links["kind"].isin(["backwards", "same level"]).sum())
    description = (
        _("Logic model diagram in six columns from inputs to long-term outcomes: {counts}.").format(counts=counts) + " "
        + ngettext("{count} arrow shows what leads to what", "{count} arrows show what leads to what", len(links)).format(
            count=format_number(len(links)))
        + (ngettext("; {count} dashed red arrow goes backwards or within a level", "; {count} dashed red arrows go backwards or within a level",
                    problems).format(count=problems) if problems else "")
        + ". " + _("The table after the diagram lists every item and what it leads to.")
    )
    markers = Markup(
        '<defs><marker id="{p}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{ink}"/></marker>'
        '<marker id="{p}-back" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{bad}"/></marker></defs>'
    ).format(p=prefix, ink=INK, bad=PROBLEM)
    return str(Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{p}-title {p}-desc" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" '
        'style="max-width: 100%; height: auto"><title id="{p}-title">{title}</title><desc id="{p}-desc">{desc}</desc>'
        "{markers}{columns}{arrows}{boxes}</svg>"
    ).format(p=prefix, w=width, h=int(height), title=_("Logic model: {label}").format(label=label), desc=description, markers=markers,
             columns=Markup("").join(parts), arrows=Markup("").join(arrows), boxes=Markup("").join(boxes)))


def logic_model_table_html(tables: Any, model: dict[str, Any]) -> str:
    items = evaluation.model_items(tables, str(model["id"]))
    links = evaluation.model_links(tables, str(model["id"]))
    texts = dict(zip(items["id"], items["text"], strict=True))
    kinds = {(s, t): k for s, t, k in zip(links["source"], links["target"], links["kind"], strict=True)}

    def onward(item_id: str, targets: list[str]) -> str:
        words = []
        for target in targets:
            kind = kinds.get((item_id, target), "")
            note = f" ({_(kind)})" if kind in ("backwards", "same level", "other model", "skips a level") else ""
            words.append(texts.get(target, _("an item of another model ({item})").format(item=target)) + note)
        return "; ".join(words)

    catalogue = load_catalogue()
    frame = pd.DataFrame({
        _("Level"): items["level_name"].tolist(),
        _("Item"): items["text"].tolist(),
        _("Leads to"): [onward(i, t) for i, t in zip(items["id"], items["leads_to"], strict=True)],
        _("Planning area"): [catalogue.name_of("planning_areas", a) if a else "" for a in items["planning_area"]],
        _("Responsible"): [_text(r) for r in items["responsible"]],
    })
    return table_html(frame, caption=_("Logic model as a table: {model}").format(model=model_label(tables, model)),
                      row_header=_("Item"), empty_text=_("No item yet."), style=False)


def model_checks_html(tables: Any, model_id: str) -> str:
    checks = evaluation.model_checks(tables, model_id)
    if checks.empty:
        return str(Markup("<p>{}</p>").format(_("Checks: every level has an item, every item leads onward and every link goes forward.")))
    items = Markup("").join(
        Markup("<li><strong>{}</strong>: {}</li>").format(_("Problem") if s == "problem" else _("Note"), m)
        for s, m in zip(checks["severity"], checks["message"], strict=True)
    )
    return str(Markup('<p>{}</p><ul class="cswb-checks">{}</ul>').format(_("Checks:"), items))


def logic_model_html(tables: Any, model: dict[str, Any], *, heading: bool = True) -> str:
    label = model_label(tables, model)
    title = Markup("<h4>{}</h4>").format(label) if heading else ""
    figure = Markup('<figure class="cswb-logic-model">{}<figcaption>{}</figcaption></figure>').format(
        Markup(logic_model_svg(tables, model)),
        Markup("{}").format(_("Logic model for {risk}; target group: {group}.").format(
            risk=_risk_names(tables).get(str(model["risk_id"]), ""), group=_text(model.get("target_group")))),
    )
    return (str(title) + _style() + str(figure) + logic_model_table_html(tables, model)
            + model_checks_html(tables, str(model["id"])))


def logic_models_html(tables: Any) -> str:
    models = ordered_models(tables)
    if not models:
        return str(Markup("<p>{}</p>").format(_("No logic model yet.")))
    return "".join(logic_model_html(tables, m) for m in models)


# -- measurement framework ------------------------------------------------------------------------------------


def _with_year(value: Any, year: Any, unit: Any = None, suppress: bool = False) -> str:
    text = figures.number_text(value, unit, suppress=suppress)
    return f"{text} ({int(year)})" if text and year is not None and year == year else text


def _values_with_years(measures: pd.DataFrame, column: str, suppress: bool) -> list[str]:
    return [_with_year(v, y, u, suppress) for v, y, u in
            zip(measures[column], measures[f"{column}_year"], measures["unit"], strict=True)]


def measures_html(tables: Any, *, suppress: bool = False) -> str:
    measures = tables["measures"]
    if measures.empty:
        return "<p>No measure recorded yet.</p>"
    columns = {c.key: c.name for c in load_catalogue().measurement_columns}
    units = [_text(u) for u in measures["unit"]]
    frame = pd.DataFrame({
        columns["expected_outcome"]: measures["expected_outcome"].astype(str).tolist(),
        columns["indicator"]: [_text(i) + (f" ({u})" if u and _text(i) else "") for i, u in zip(measures["indicator"], units, strict=True)],
        columns["baseline"]: _values_with_years(measures, "baseline", suppress),
        columns["target"]: _values_with_years(measures, "target", suppress),
        columns["data_source"]: [_text(v) for v in measures["data_source"]],
        columns["collection_method"]: [_text(v) for v in measures["collection_method"]],
        columns["frequency"]: [_text(v) for v in measures["frequency"]],
        columns["responsibility"]: [_text(v) for v in measures["responsibility"]],
    })
    return table_html(frame, caption="Performance measurement framework", row_header=columns["expected_outcome"])


def measure_gaps_html(unmeasured: pd.DataFrame, gaps: pd.DataFrame) -> str:
    """Outcomes still without a measure (`unmeasured`: the columns of `evaluation.outcomes_without_measure`),
    and measures lacking an indicator, baseline, target or owner (`gaps`: as `evaluation.measure_gaps`)."""
    names = dict(evaluation.levels())
    if unmeasured.empty:
        first = Markup("<p>{}</p>").format(_("Every outcome of the logic models has a measure."))
    else:
        first = Markup("<p>{}</p><ul>{}</ul>").format(
            ngettext("{count} outcome of the logic models still has no measure:", "{count} outcomes of the logic models still have no measure:",
                     len(unmeasured)).format(count=format_number(len(unmeasured))),
            Markup("").join(Markup("<li>{} ({}, {})</li>").format(t, names[lv].lower(), m)
                            for t, lv, m in zip(unmeasured["text"], unmeasured["level"], unmeasured["model"], strict=True)))
    if gaps.empty:
        second = Markup("<p>{}</p>").format(_("Every measure has an indicator, a baseline, a target and an owner."))
    else:
        second = Markup("<p>{}</p><ul>{}</ul>").format(
            ngettext("{count} measure still lacks something:", "{count} measures still lack something:", len(gaps)).format(
                count=format_number(len(gaps))),
            Markup("").join(Markup("<li>{}: {}</li>").format(o, ", ".join(_(_MISSING_WORDS.get(f, f)) for f in m))
                            for o, m in zip(gaps["expected_outcome"], gaps["missing"], strict=True)))
    return str(Markup('<section class="cswb-measure-gaps">{}{}</section>').format(first, second))


def measure_ids_html(tables: Any) -> str:
    measures = tables["measures"]
    if measures.empty:
        return str(Markup("<p>{}</p>").format(_("No measure yet: add measures to the framework first.")))
    frame = pd.DataFrame({
        "measure_id": measures["id"].astype(str).tolist(),
        _("Expected outcome"): measures["expected_outcome"].astype(str).tolist(),
        _("Indicator"): [_text(i) for i in measures["indicator"]],
    })
    # the column keeps its file name (measure_id): people type it in the files they import
    return table_html(frame, labels={"measure_id": _("measure_id (for files)")},
                      caption=_("Measure ids to use in an imported file"), row_header="measure_id")


def measurements_summary_html(tables: Any) -> str:
    rows = tables["measurements"]
    if rows.empty:
        return str(Markup("<p>{}</p>").format(_("No measurement recorded yet.")))
    first, last = pd.Timestamp(rows["date"].min()).date(), pd.Timestamp(rows["date"].max()).date()
    measurements = ngettext("{count} measurement", "{count} measurements", len(rows)).format(count=format_number(len(rows)))
    measures = ngettext("{count} measure", "{count} measures", rows["measure_id"].nunique()).format(count=format_number(rows["measure_id"].nunique()))
    return str(Markup("<p>{}</p>").format(_("{measurements} of {measures}, from {first} to {last}. Each measure's values are charted below "
                                            "against its baseline and target.").format(measurements=measurements, measures=measures, first=first, last=last)))


# -- progress ---------------------------------------------------------------------------------------------------


def measure_title(status: dict[str, Any]) -> str:
    return status["indicator"] or status["expected_outcome"]


def status_line_html(status: dict[str, Any]) -> str:
    return str(Markup('<p class="cswb-progress-status"><strong>{}: {}</strong>: {}.</p>').format(
        measure_title(status), _(status["status"].capitalize()), _(status["reason"]) if status["reason"] else ""))


def status_table_html(statuses: pd.DataFrame, *, suppress: bool = False) -> str:
    """The progress of each measure (`statuses`: one row per measure, the columns of
    `evaluation.measure_status`); `suppress` (published reports) shows small counts as "<5"."""
    if statuses.empty:
        return str(Markup("<p>{}</p>").format(_("No measure recorded yet.")))
    counts = statuses["status"].value_counts()
    summary = Markup("<p>{}</p>").format(_(
        "{on} on track, {off} off track, {partial} with a value for part of the year only, {none} with no data or "
        "no target to judge by.").format(
        on=int(counts.get(evaluation.ON_TRACK, 0)), off=int(counts.get(evaluation.OFF_TRACK, 0)),
        partial=int(counts.get(evaluation.PARTIAL, 0)), none=int(counts.get(evaluation.NO_DATA, 0))))

    def number(value: Any, unit: Any) -> str:
        return figures.number_text(value, unit, suppress=suppress)

    standings = statuses[STANDING] if STANDING in statuses else pd.Series([None] * len(statuses))
    changes = statuses[SINCE_ADOPTION] if SINCE_ADOPTION in statuses else pd.Series([""] * len(statuses))
    frame = pd.DataFrame({
        "Measure": [measured_title(measure_title(s), standing)
                    for s, standing in zip(statuses.to_dict("records"), standings, strict=True)],
        "Baseline": [number(v, u) for v, u in zip(statuses["baseline"], statuses["unit"], strict=True)],
        "Target": [number(v, u) for v, u in zip(statuses["target"], statuses["unit"], strict=True)],
        "Latest": [f"{number(v, u)} ({d})" if d is not None else "" for v, d, u in
                   zip(statuses["latest_value"], statuses["latest_date"], statuses["unit"], strict=True)],
        "Status": [_(s.capitalize()) if s else "" for s in statuses["status"]],
        "Why": [_(r) if isinstance(r, str) and r else r for r in statuses["reason"]],
        "Since adoption": [since_adoption_text(s, c, "target") for s, c in zip(standings, changes, strict=True)],
    })
    return str(summary) + detailed_table_html(
        frame, ["Measure", "Baseline", "Target", "Latest", "Status"], ["Why", "Since adoption"],
        caption="Progress of each measure", row_header="Measure", nowrap=("Latest", "Status"))


def measure_chart(tables: Any, measure_id: str, *, suppress: bool = False) -> figures.Chart | None:
    """A measure's values over time against its baseline and target (None without measurements)."""
    series = evaluation.measure_series(tables, measure_id)
    if series.empty:
        return None
    measures = tables["measures"]
    record = measures[measures["id"].astype(str) == str(measure_id)].iloc[0]

    def number(value: Any) -> float | None:
        return None if value is None or value != value else float(value)

    return charts.line_chart(
        pd.DataFrame({_("Measured"): series}),
        title=_text(record["indicator"]) or str(record["expected_outcome"]),
        ylabel=_text(record["unit"]) or N_("Value"),
        xlabel=N_("Date"),
        baseline=number(record["baseline"]),
        target=number(record["target"]),
        suppress_below=SMALL_COUNT if suppress and is_count_unit(record["unit"]) else None,
    )


def progress_html(tables: Any, statuses: pd.DataFrame, *, suppress: bool) -> str:
    """The status table (`statuses`: as for `status_table_html`), then a chart and a status line
    for every measure with data; `suppress` (published reports) shows small counts as "<5"."""
    parts = [status_table_html(statuses, suppress=suppress)]
    for status in statuses.to_dict("records"):
        if not status["measurements"]:
            continue
        chart = measure_chart(tables, status["measure_id"], suppress=suppress)
        assert chart is not None
        parts.append(str(Markup('<section class="cswb-measure-progress">{}{}</section>').format(
            Markup(chart.html()), Markup(status_line_html(status)))))
    return "".join(parts)


# -- the printed plan ---------------------------------------------------------------------------------------------


def comparator_texts(tables: Any) -> dict[str, str]:
    """Indicator name -> its latest comparator (e.g. the Ontario figure) as the plan prints it, for
    the indicators a measure names: value, label if recorded, year; small counts read "<5"."""
    indicators, measures = tables["indicators"], tables["measures"]
    if indicators.empty or measures.empty:
        return {}
    # Only the measured indicators' trends: all of a city's took a third of a second.
    measured = indicators[indicators["indicator"].isin(set(measures["indicator"].dropna()))]
    trends = risk_evidence.indicator_trends({"indicators": measured})
    texts = {}
    for row in trends.itertuples() if len(trends) else []:
        if row.comparator_value is None or pd.isna(row.comparator_value):
            continue
        value = f"{figures.number_text(row.comparator_value, row.unit, suppress=True)} ({int(row.latest_year)})"
        texts[str(row.indicator)] = f"{_(str(row.comparator_label))}: {value}" if row.comparator_label else value
    return texts


def outcomes_by_risk_html(tables: Any) -> str:
    """One block per priority risk (see `risk_part_html`): outcomes by level from its logic models,
    then the measures of those outcomes (indicator, baseline, target, source, frequency, who)."""
    priorities = evaluation.priority_risks(tables)
    if priorities.empty:
        return str(Markup("<p>{}</p>").format(_("No priority risk chosen yet.")))
    models, items, measures = tables["logic_models"], tables["logic_model_items"], tables["measures"]
    names = dict(evaluation.levels())
    gaps = evaluation.measure_gaps(tables)
    incomplete = dict(zip(gaps["id"], gaps["missing"], strict=True)) if len(gaps) else {}
    comparators = comparator_texts(tables)
    parts: list[str] = []
    for risk_id, risk_name in zip(priorities["id"].astype(str), priorities["name"].astype(str), strict=True):
        mine = models[models["risk_id"].astype(str) == risk_id] if len(models) else models
        groups = dict(zip(mine["id"].astype(str), mine["target_group"].astype(str), strict=True)) if len(mine) else {}
        outcomes = items[items["logic_model_id"].astype(str).isin(groups) & items["level"].isin(evaluation.OUTCOME_LEVELS)] \
            if len(items) and groups else items.iloc[0:0]
        body = [Markup("<h4>{}</h4>").format(_("Outcomes"))]
        if outcomes.empty:
            body.append(Markup("<p>{}</p>").format(
                _("No outcome recorded yet (logic models are built in the Evaluation workbook).")))
        for level in evaluation.OUTCOME_LEVELS:
            here = outcomes[outcomes["level"] == level]
            if here.empty:
                continue
            entries = Markup("").join(
                Markup("<li>{}{}</li>").format(text, _(" (for {group})").format(group=groups[str(m)]) if len(groups) > 1 else "")
                for text, m in zip(here["text"], here["logic_model_id"], strict=True))
            body.append(Markup("<h5>{}</h5><ul>{}</ul>").format(_(names.get(level, level)), entries))
        measured = measures[measures["outcome_id"].astype(str).isin(set(outcomes["id"].astype(str)))] \
            if len(measures) and len(outcomes) else measures.iloc[0:0]
        units = [_text(u) for u in measured["unit"]]
        frame = pd.DataFrame({
            "Expected outcome": [_text(o) + (_(" (incomplete measure)") if str(i) in incomplete else "")
                                 for o, i in zip(measured["expected_outcome"], measured["id"], strict=True)],
            "Indicator": [_text(i) + (f" ({u})" if u and _text(i) else "") for i, u in zip(measured["indicator"], units, strict=True)],
            "Baseline": _values_with_years(measured, "baseline", suppress=True),
            "Target": _values_with_years(measured, "target", suppress=True),
            "Comparator": [comparators.get(_text(i), "") for i in measured["indicator"]],
            "Data source": [_text(v) for v in measured["data_source"]],
            "Collection method": [_text(v) for v in measured["collection_method"]],
            "Frequency": [_text(v) for v in measured["frequency"]],
            "Responsibility": [_text(v) for v in measured["responsibility"]],
            "Not set in this plan": ["; ".join(_(m) for m in incomplete.get(str(i), []) if m) for i in measured["id"]],
        })
        body.append(Markup("<h4>{}</h4>").format(_("Indicators and targets")))
        body.append(Markup(detailed_table_html(
            frame, ["Expected outcome", "Indicator", "Baseline", "Target"],
            ["Comparator", "Data source", "Collection method", "Frequency", "Responsibility", "Not set in this plan"],
            caption=_("Indicators and targets for {risk}").format(risk=risk_name), row_header="Expected outcome",
            empty_text=N_("No measure recorded yet."), style=not parts)))
        parts.append(risk_part_html(risk_id, risk_name, "outcomes", str(Markup("").join(body))))
    return "".join(parts)


def evaluation_sources_html(tables: Any) -> str:
    """The evidence behind the strategies and the data sources of the measures."""
    strategies, measures = tables["strategies"], tables["measures"]
    parts = []
    cited = strategies[[bool(_text(s).strip()) for s in strategies["evidence_source"]]] if len(strategies) else strategies
    if len(cited):
        frame = pd.DataFrame({
            "Evidence source": [_text(s) for s in cited["evidence_source"]],
            "Strategy": cited["name"].astype(str).tolist(),
            "Evidence strength": [_strength_name(s) for s in cited["evidence_strength"]],
        }).sort_values(["Evidence source", "Strategy"], kind="stable")
        parts.append(table_html(frame, caption="Evidence behind the strategies", row_header="Evidence source"))
    sourced = measures[[bool(_text(s).strip()) for s in measures["data_source"]]] if len(measures) else measures
    if len(sourced):
        listing = []
        for source, group in sourced.groupby("data_source", sort=True):
            labels = [_text(i) or _text(o) for i, o in zip(group["indicator"], group["expected_outcome"], strict=True)]
            listing.append({"Data source": str(source), "Measures": "; ".join(labels)})
        parts.append(table_html(pd.DataFrame(listing), caption="Data sources of the measures",
                                       row_header="Data source", style=not parts))
    return "".join(parts) or str(Markup("<p>{}</p>").format(
        _("No evidence or data source recorded for the strategies and measures.")))
