"""The Assets workbook's static output (Tool 3): the inventory summary and listing, where the assets
came from, the assets still without a map point, the printed asset map, the gap matrix and the
capacity gap by risk.

Reports print these; the app's panels (:mod:`cswb_widgets.widgets.assets`) show the same
functions' output next to their controls. Each function takes the workspace's tables (or a frame
computed from them, such as the coverage matrix) and returns HTML; nothing here writes.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup

from ..framework import load_catalogue
from ..i18n import N_, _, format_number, ngettext
from ..model import gaps
from ..model.privacy import suppress_small_counts
from . import maps
from ._html import PALETTE, stylesheet
from .records import display_frame, table_html

# The Tool 3 inventory fields, in the order a facilitator fills them in.
INVENTORY_COLUMNS = [
    "name", "organization_id", "purpose", "funding_source", "service_delivery", "target_population",
    "numbers_served", "activities", "partners", "expected_outcomes", "data_sources", "address",
    "location_kind", "latitude", "longitude", "area", "planning_areas", "risks_addressed", "sector",
    "member_community_id", "coordination_notes", "source",
]
# A printed page cannot hold 22 columns: the report lists what a reader scans for.
REPORT_COLUMNS = [
    "name", "organization_id", "purpose", "target_population", "numbers_served", "planning_areas",
    "risks_addressed", "sector", "member_community_id",
]
LABELS = {"organization_id": "Organization", "member_community_id": "Community", "numbers_served": "Numbers served"}
# Reports list every asset up to LISTING_LIMIT; a larger inventory (a city's 211 export) gets the
# summary by sector and only the first LISTING_SHOWN by name, so the plan stays readable and small.
LISTING_LIMIT = 200
LISTING_SHOWN = 100
NAMES_IN_A_CELL = 5  # organizations named in one matrix cell before "and N more"
MAP_TITLE = N_("Community assets")
ALL_PLACED_TEXT = N_(
    "Every asset with a site has map coordinates. (Confidential sites such as shelters, "
    "virtual and community-wide services are not mapped.)"
)


def all_placed_html() -> str:
    """That every asset with a site is on the map, in the current language."""
    return str(Markup("<p>{}</p>").format(_(ALL_PLACED_TEXT)))


def count_text(number: int, noun: str) -> str:
    """"1 asset", "2,000 assets"."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


# -- the inventory ----------------------------------------------------------------------------------


def inventory_html(tables: Any) -> str:
    """For reports: assets by sector and planning area, then the listing (the first LISTING_SHOWN
    by name when the inventory holds more than LISTING_LIMIT); numbers served under 5 show "<5"."""
    assets = tables["assets"]
    if assets.empty:
        return str(Markup("<p>{}</p>").format(_("No asset recorded yet.")))
    areas = load_catalogue().planning_areas
    summary = gaps.assets_by_sector(tables)
    summary = summary.assign(sector=[_(x) if isinstance(x, str) and x else x for x in summary["sector"]]) \
        if "sector" in summary else summary
    labels = {a.key: a.name for a in areas} | {"no_planning_area": N_("No planning area"), "total": N_("Assets")}
    # Counts of services, not of people: nothing here is small-count suppressed.
    parts = [
        table_html(
            summary, labels=labels, row_header="sector",
            caption=_("Assets by sector and planning area ({n} assets; an asset working in two planning areas is "
                      "counted in both)").format(n=format_number(len(assets))),
        )
    ]
    frame = display_frame(tables, "assets", columns=REPORT_COLUMNS)
    # Numbers served are counts of people: published reports show under-5 as "<5".
    served = pd.DataFrame({"numbers_served": assets["numbers_served"].tolist()})
    frame["numbers_served"] = suppress_small_counts(served, ["numbers_served"])["numbers_served"].map(
        lambda v: "" if pd.isna(v) else format_number(v) if isinstance(v, int) else v
    )
    frame = frame.iloc[frame["name"].str.casefold().argsort(kind="stable")]
    caption = _("Asset inventory ({n} assets)").format(n=format_number(len(assets)))
    if len(frame) > LISTING_LIMIT:
        omitted = len(frame) - LISTING_SHOWN
        parts.append(
            str(
                Markup("<p>{}</p>").format(_(
                    "The inventory holds {total} assets, too many to print in full: the first {shown} "
                    "by name are listed below and the other {omitted} are omitted here. The whole inventory "
                    "is in the workspace and in its CSV or Excel export."
                ).format(total=format_number(len(frame)), shown=LISTING_SHOWN, omitted=format_number(omitted)))
            )
        )
        frame = frame.head(LISTING_SHOWN)
        caption = _("Asset inventory: the first {shown} of {n} assets by name").format(
            shown=LISTING_SHOWN, n=format_number(len(assets)))
    parts.append(table_html(frame, labels=LABELS, caption=caption, row_header="name", style=False))
    return "".join(parts)


def provenance_html(tables: Any) -> str:
    """Where the assets came from: a count per `source`, most first."""
    sources = gaps.assets_by_source(tables)
    if sources.empty:
        return str(Markup("<p>{}</p>").format(_("No asset recorded yet.")))
    shown = sources.head(8)
    words = "; ".join(_("{count} from {source}").format(count=format_number(count), source=_(str(source)))
                      for source, count in shown.items())
    rest = sources.iloc[len(shown):]
    if len(rest):
        words += "; " + ngettext("{count} from {n} other source", "{count} from {n} other sources", len(rest)).format(
            count=format_number(int(rest.sum())), n=len(rest))
    return str(Markup("<p>{}</p>").format(_("Where the {total} assets came from: {sources}.").format(
        total=format_number(int(sources.sum())), sources=words)))


# -- locations ----------------------------------------------------------------------------------------


def missing_coordinates_html(tables: Any) -> str:
    """For reports: the assets at a site with no map point (the first LISTING_SHOWN)."""
    missing = gaps.assets_without_coordinates(tables)
    if missing.empty:
        return all_placed_html()
    intro = str(Markup("<p>{}</p>").format(ngettext(
        "{n} asset with a site has no coordinates and is missing from the map. Coordinates are not looked up online "
        "(no geocoding service is contacted): enter them from a map or a GPS reading.",
        "{n} assets with a site have no coordinates and are missing from the map. Coordinates are not looked up "
        "online (no geocoding service is contacted): enter them from a map or a GPS reading.", len(missing)
    ).format(n=format_number(len(missing)))))
    organizations = dict(zip(tables["organizations"]["id"], tables["organizations"]["name"], strict=True))
    shown = missing.head(LISTING_SHOWN)
    frame = pd.DataFrame(
        {
            "name": shown["name"].tolist(),
            "organization": [organizations.get(o, "") for o in shown["organization_id"]],
            "address": shown["address"].tolist(),
            "area": shown["area"].tolist(),
        }
    )
    note = (
        str(Markup("<p>{}</p>").format(_("The first {shown} are listed; {more} more are omitted here.").format(
            shown=LISTING_SHOWN, more=format_number(len(missing) - LISTING_SHOWN))))
        if len(missing) > LISTING_SHOWN
        else ""
    )
    return intro + table_html(frame, labels=LABELS, caption=N_("Assets without coordinates"), row_header="name") + note


def asset_map_html(tables: Any) -> str:
    """The printed map: boundary, sub-areas, member communities and the assets with coordinates."""
    chart = maps.static_map(
        tables["areas"], assets=tables["assets"], member_communities=tables["member_communities"], title=MAP_TITLE
    )
    return chart.html()


# -- gaps and overlaps ---------------------------------------------------------------------------------

_MATRIX_STYLE = f"""
.cswb-gap-matrix.cswb-gap-matrix td.cswb-cell-gap {{ background: {PALETTE["error_background"]}; }}
.cswb-gap-matrix.cswb-gap-matrix td.cswb-cell-overlap {{ background: #fff3cd; }}
.cswb-gap-matrix .cswb-cell-word {{ font-weight: 700; }}
"""


def gap_matrix_html(matrix: pd.DataFrame) -> str:
    """The coverage matrix (`gaps.coverage_matrix`'s columns) as a table, priority risks by planning
    area, then its gaps and overlaps in words.

    Counts are of services, not of people, so they are shown exactly even in published
    reports: the small-count rule protects people, and a "1" here identifies nobody.
    """
    if matrix.empty:
        return (
            "<p>No priority risk chosen yet. Choose priorities in the Risk workbook; this table then "
            "shows, for each one, the assets in each planning area.</p>"
        )
    areas = list(dict.fromkeys(matrix["planning_area_name"]))
    head = Markup("").join(Markup('<th scope="col">{}</th>').format(a) for a in areas)
    body = []
    for _risk_id, cells in matrix.groupby("risk_id", sort=False):
        row = Markup("").join(_matrix_cell(cell) for cell in cells.to_dict("records"))
        body.append(Markup('<tr><th scope="row">{}</th>{}</tr>').format(cells["risk"].iloc[0], row))
    table = Markup(
        '<table class="cswb-table cswb-static cswb-gap-matrix"><caption>{}'
        '</caption><thead><tr><th scope="col">{}</th>{}</tr></thead><tbody>{}</tbody></table>'
    ).format(_("Assets by priority risk and planning area"), _("Priority risk"), head, Markup("").join(body))
    key = Markup(
        "<p>{} <strong>{}</strong>: {} <strong>{}</strong>: {} <strong>{}</strong>: {} <strong>{}</strong>: {}</p>"
    ).format(
        _("Each cell counts the plan's own assets working on the risk in that planning area; "
          "“(+2 partner)” adds those of neighbouring partner communities."),
        _("Gap"), _("no asset."),
        _("Overlap"), _("two or more organizations serve the same group in the same place with the same kind of service "
                        "(or a note says they overlap) and do not coordinate."),
        _("Coordinated"), _("such services, coordinating."),
        _("Complementary"), _("two or more organizations serving different groups or places, or offering different kinds of service."),
    )
    return f"<style>{stylesheet()}{_MATRIX_STYLE}</style>{table}{key}{_gaps_in_words(matrix)}"


def _count_in_cell(cell: dict[str, Any]) -> str:
    partner = _(" (+{count} partner)").format(count=cell["partner_count"]) if cell["partner_count"] else ""
    return f"{cell['own_count']}{partner}"


def _matrix_cell(cell: dict[str, Any]) -> Markup:
    status = cell["status"]
    if status == "gap":
        return Markup('<td class="cswb-cell-gap"><span class="cswb-cell-word">{}</span>: {}</td>').format(_("Gap"), _("no asset"))
    count = _count_in_cell(cell)
    if status in ("overlap", "coordinated", "complementary"):
        return Markup('<td class="cswb-cell-{s}">{n}<br><span class="cswb-cell-word">{word}</span>: {orgs}</td>').format(
            s=status, n=count, word=_(status.capitalize()), orgs=_listing(cell["organization_names"], NAMES_IN_A_CELL)
        )
    return Markup("<td>{}</td>").format(count)


def _gaps_in_words(matrix: pd.DataFrame) -> Markup:
    gap_items, overlap_items = [], []
    for _risk_id, cells in matrix.groupby("risk_id", sort=False):
        risk = cells["risk"].iloc[0]
        missing = [a.lower() for a, s in zip(cells["planning_area_name"], cells["status"], strict=True) if s == "gap"]
        if missing:
            gap_items.append(Markup("<li>{}</li>").format(_("{risk}: no asset in {areas}.").format(risk=risk, areas=", ".join(missing))))
        for cell in cells[cells["status"] == "overlap"].to_dict("records"):
            overlap_items.append(
                Markup("<li>{}</li>").format(_("{risk}, {area}: {orgs} organizations ({names}); serving the same group in the same place "
                                               "without coordinating: {assets}.").format(
                    risk=risk, area=cell["planning_area_name"].lower(), orgs=cell["organization_count"],
                    names=_listing(cell["organization_names"], 8), assets=_listing(cell["uncoordinated"], 8),
                ))
            )
    gap_list = (
        Markup("<ul>{}</ul>").format(Markup("").join(gap_items)) if gap_items
        else Markup("<p>{}</p>").format(_("None: every priority risk has an asset in every planning area."))
    )
    overlap_list = (
        Markup("<ul>{}</ul>").format(Markup("").join(overlap_items)) if overlap_items
        else Markup("<p>{}</p>").format(_("None: where several organizations serve the same group in the same place, they have noted "
                                          "how they coordinate."))
    )
    return Markup("<h4>{}</h4>{}<h4>{}</h4>{}").format(_("Gaps"), gap_list, _("Overlaps"), overlap_list)


def _listing(names: list[str], limit: int) -> str:
    shown = ", ".join(names[:limit])
    return shown + (_(" and {count} more").format(count=len(names) - limit) if len(names) > limit else "")


def capacity_gaps_html(tables: Any, matrix: pd.DataFrame) -> str:
    """Each risk of the register with its capacity gap: the number of planning areas whose cell of
    `matrix` (the coverage matrix of every risk) is a gap, and which ones."""
    risks = tables["risks"]
    if risks.empty:
        return str(Markup("<p>{}</p>").format(_("No risk in the register yet: add risks in the Risk workbook.")))
    value, why = gaps.capacity_gap(tables, matrix), gaps.capacity_gap_explained(tables, matrix)
    frame = pd.DataFrame(
        {
            "risk": risks["name"].tolist(),
            "priority": [_("Yes") if p else _("No") for p in risks["priority"].fillna(False).astype(bool)],
            "capacity_gap": [int(value[r]) for r in risks["id"]],
            "why": [why[r][:1].upper() + why[r][1:] for r in risks["id"]],
        }
    )
    intro = str(Markup("<p>{}</p>").format(_(
        "The capacity gap of a risk is the number of the four planning areas (0 to 4) in which no "
        "asset addresses it. It feeds the capacity gap criterion of the Risk workbook "
        "(a criterion whose source is \u201ccapacity gap\u201d), which reads the same inventory: its "
        "scores change as assets are added or edited.")))
    return intro + table_html(
        frame,
        labels={"risk": _("Risk"), "priority": _("Priority"), "capacity_gap": _("Capacity gap (planning areas without an asset)"), "why": _("Why")},
        caption=_("Capacity gap by risk"),
        row_header="risk",
    )
