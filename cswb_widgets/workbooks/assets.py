"""Assets workbook (Tool 3): the asset inventory, its map, and the gaps and overlaps it reveals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ipywidgets
import pandas as pd
from markupsafe import Markup

from .. import render
from ..errors import CswbError, InputError, Problem
from ..framework import load_catalogue
from ..model import gaps
from ..model.privacy import suppress_small_counts
from ..render import maps
from ..store import Workspace
from ..store.tabular import ImportReport, import_file
from ..widgets import _sync, catalogue_picker, options_picker
from ..widgets.file_import import FileImport, say
from ._base import Shown, Workbook, _html, deferred

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
COORDINATES_EDITED_AT_ONCE = 20  # the coordinate form: one screenful; saving brings the next ones
NAMES_IN_A_CELL = 5  # organizations named in one matrix cell before "and N more"
MAP_TITLE = "Community assets"
ANY = ""  # the filters' blank choice


class AssetsWorkbook(Workbook):
    stage = "assets"

    # -- the inventory -----------------------------------------------------------------------

    @deferred
    def inventory(self) -> Shown:
        """Every organization and program: purpose, funding, delivery, who is served, where, which risks."""
        if self.app:
            return self.records("assets", columns=INVENTORY_COLUMNS, labels=LABELS, caption="Asset inventory")
        return _html(self._inventory_report())

    def _inventory_report(self) -> str:
        tables = self.tables()
        assets = tables["assets"]
        if assets.empty:
            return "<p>No asset recorded yet.</p>"
        areas = load_catalogue().planning_areas
        summary = gaps.assets_by_sector(tables)
        labels = {a.key: a.name for a in areas} | {"no_planning_area": "No planning area", "total": "Assets"}
        # Counts of services, not of people: nothing here is small-count suppressed.
        parts = [
            render.table_html(
                summary, labels=labels, row_header="sector",
                caption=f"Assets by sector and planning area ({len(assets):,} assets; an asset working "
                "in two planning areas is counted in both)",
            )
        ]
        frame = render.display_frame(tables, "assets", columns=REPORT_COLUMNS)
        # Numbers served are counts of people: published reports show under-5 as "<5".
        served = pd.DataFrame({"numbers_served": assets["numbers_served"].tolist()})
        frame["numbers_served"] = suppress_small_counts(served, ["numbers_served"])["numbers_served"].map(
            lambda v: "" if pd.isna(v) else f"{v:,}" if isinstance(v, int) else v
        )
        frame = frame.iloc[frame["name"].str.casefold().argsort(kind="stable")]
        caption = f"Asset inventory ({len(assets):,} assets)"
        if len(frame) > LISTING_LIMIT:
            omitted = len(frame) - LISTING_SHOWN
            parts.append(
                str(
                    Markup(
                        "<p>The inventory holds {total} assets, too many to print in full: the first {shown} "
                        "by name are listed below and the other {omitted} are omitted here. The whole inventory "
                        "is in the workspace and in its CSV or Excel export.</p>"
                    ).format(total=f"{len(frame):,}", shown=LISTING_SHOWN, omitted=f"{omitted:,}")
                )
            )
            frame = frame.head(LISTING_SHOWN)
            caption = f"Asset inventory: the first {LISTING_SHOWN} of {len(assets):,} assets by name"
        parts.append(render.table_html(frame, labels=LABELS, caption=caption, row_header="name", style=False))
        return "".join(parts)

    # -- bringing assets in ------------------------------------------------------------------

    @deferred
    def import_assets(self) -> Shown:
        """Upload an inventory (CSV or Excel) or an Open Referral HSDS data package (.zip)."""
        if not self.app:
            return _html(self._provenance_html())
        upload = FileImport(
            self.ws,
            import_asset_file,
            description="Asset file",
            accept=".csv,.xlsx,.zip",
            help_text="Upload the inventory as a CSV or Excel file (one row per asset, columns named as in "
            "the inventory table), or a service directory's Open Referral (HSDS) data package as a .zip. "
            "The whole file is imported or, if anything in it is wrong, none of it; rows with the id of "
            "an asset already here update it.",
        )
        return ipywidgets.VBox([upload, self.live(self._provenance_html)])

    def _provenance_html(self) -> str:
        sources = gaps.assets_by_source(self.tables())
        if sources.empty:
            return "<p>No asset recorded yet.</p>"
        shown = sources.head(8)
        words = "; ".join(f"{count:,} from {source}" for source, count in shown.items())
        rest = sources.iloc[len(shown):]
        if len(rest):
            words += f"; {int(rest.sum()):,} from {len(rest)} other sources"
        return str(Markup("<p>Where the {} assets came from: {}.</p>").format(f"{int(sources.sum()):,}", words))

    # -- locations ---------------------------------------------------------------------------

    @deferred
    def missing_coordinates(self) -> Shown:
        """Assets at a site with no map point (confidential, virtual and community-wide ones need none)."""
        if self.app:
            return CoordinateEditor(self)
        return _html(self._missing_coordinates_html())

    def _missing_coordinates_html(self) -> str:
        missing = gaps.assets_without_coordinates(self.tables())
        if missing.empty:
            return (
                "<p>Every asset with a site has map coordinates. (Confidential sites such as shelters, "
                "virtual and community-wide services are not mapped.)</p>"
            )
        intro = str(
            Markup(
                "<p>{} with a site have no coordinates and are missing from the map. Coordinates are not looked "
                "up online (no geocoding service is contacted): enter them from a map or a GPS reading.</p>"
            ).format(_count(len(missing), "asset"))
        )
        organizations = dict(zip(self.tables()["organizations"]["id"], self.tables()["organizations"]["name"]))
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
            f"<p>The first {LISTING_SHOWN} are listed; {len(missing) - LISTING_SHOWN:,} more are omitted here.</p>"
            if len(missing) > LISTING_SHOWN
            else ""
        )
        return intro + render.table_html(
            frame, labels=LABELS, caption="Assets without coordinates", row_header="name"
        ) + note

    @deferred
    def asset_map(self) -> Shown:
        """The boundary, wards and assets (clustered); filters by planning area, risk and sector in apps."""
        if self.app:
            return AssetMap(self.ws)
        tables = self.tables()
        chart = maps.static_map(
            tables["areas"], assets=tables["assets"], member_communities=tables["member_communities"], title=MAP_TITLE
        )
        return _html(chart.html())

    # -- gaps and overlaps -------------------------------------------------------------------

    @deferred
    def gap_matrix(self) -> Shown:
        """Priority risks by planning area: gaps (nothing there) and overlaps (uncoordinated efforts)."""
        return self.live(lambda: gap_matrix_html(gaps.coverage_matrix(self.tables())))

    @deferred
    def capacity_gaps(self) -> Shown:
        """Each risk's capacity gap (planning areas with no asset), which the Risk workbook scores."""
        return self.live(self._capacity_gaps_html)

    def _capacity_gaps_html(self) -> str:
        tables = self.tables()
        risks = tables["risks"]
        if risks.empty:
            return "<p>No risk in the register yet: add risks in the Risk workbook.</p>"
        value, why = gaps.capacity_gap(tables), gaps.capacity_gap_explained(tables)
        frame = pd.DataFrame(
            {
                "risk": risks["name"].tolist(),
                "priority": ["Yes" if p else "No" for p in risks["priority"].fillna(False).astype(bool)],
                "capacity_gap": [int(value[r]) for r in risks["id"]],
                "why": [why[r][:1].upper() + why[r][1:] for r in risks["id"]],
            }
        )
        intro = (
            "<p>The capacity gap of a risk is the number of the four planning areas (0 to 4) in which no "
            "asset addresses it. It feeds the <strong>capacity gap</strong> criterion of the Risk workbook "
            "(a criterion whose source is \u201ccapacity gap\u201d): those scores are read from here, so they "
            "change as assets are added or edited.</p>"
        )
        return intro + render.table_html(
            frame,
            labels={"capacity_gap": "Capacity gap (planning areas without an asset)", "why": "Why"},
            caption="Capacity gap by risk",
            row_header="risk",
        )


# -- importing ----------------------------------------------------------------------------------


def import_asset_file(ws: Workspace, path: Path) -> ImportReport:
    """A CSV/XLSX asset table, or an HSDS data package (.zip), imported whole or not at all."""
    if path.suffix.lower() != ".zip":
        return import_file(ws, path, "assets")
    try:
        from ..store import hsds
    except ModuleNotFoundError as missing:
        if missing.name != f"{__package__.rsplit('.', 1)[0]}.store.hsds":
            raise
        raise CswbError("importing HSDS data packages is not available in this version of the workbook") from None
    if not hsds.looks_like_hsds(path):
        raise InputError(
            Problem("expected an Open Referral HSDS data package (a .zip with organizations.csv, services.csv, ...)",
                    file=str(path))
        )
    return hsds.import_hsds(ws, path)


# -- coordinates --------------------------------------------------------------------------------


class CoordinateEditor(ipywidgets.VBox):
    """The assets without coordinates, a screenful at a time, with latitude and longitude to fill in."""

    def __init__(self, book: AssetsWorkbook) -> None:
        self._book = book
        self._ws = book.ws
        self.intro = ipywidgets.HTML("")
        self.rows = ipywidgets.VBox([])
        self.fields: dict[str, tuple[str, ipywidgets.Text, ipywidgets.Text]] = {}  # id -> (name, lat, lon)
        self.save_button = ipywidgets.Button(description="Save coordinates", button_style="primary")
        self.save_button.on_click(lambda _b: self.save())
        self.status = ipywidgets.HTML("")
        super().__init__([self.intro, self.rows, self.save_button, self.status])
        self.refresh()
        _sync.subscribe(self._ws, self.refresh)

    def refresh(self) -> None:
        missing = gaps.assets_without_coordinates(self._book.tables())
        shown = missing.head(COORDINATES_EDITED_AT_ONCE)
        if missing.empty:
            self.intro.value = (
                "<p>Every asset with a site has map coordinates. (Confidential sites such as shelters, "
                "virtual and community-wide services are not mapped.)</p>"
            )
        else:
            more = len(missing) - len(shown)
            self.intro.value = str(
                Markup(
                    "<p>{} with a site have no coordinates and are missing from the map{}. Coordinates are not "
                    "looked up online (no geocoding service is contacted): read them from a map or a GPS, in "
                    "decimal degrees (e.g. 44.2312, -76.4860).</p>"
                ).format(
                    _count(len(missing), "asset"),
                    f" (the first {len(shown)} are here; save them to see the next {more:,})" if more else "",
                )
            )
        self.fields = {}
        children = []
        for record in shown.to_dict("records"):
            name = str(record["name"])
            short = name if len(name) <= 40 else name[:37] + "..."
            # Each field names its asset: a screen reader moving field to field hears which one it is in.
            latitude = ipywidgets.Text(description=f"Latitude of {short}", placeholder="e.g. 44.2312",
                                       style={"description_width": "initial"})
            longitude = ipywidgets.Text(description=f"Longitude of {short}", placeholder="e.g. -76.4860",
                                        style={"description_width": "initial"})
            address = record.get("address")
            where = f" ({address})" if isinstance(address, str) and address.strip() else ""
            label = ipywidgets.HTML(str(Markup("<strong>{}</strong>{}").format(name, where)))
            self.fields[str(record["id"])] = (name, latitude, longitude)
            children.append(ipywidgets.VBox([label, ipywidgets.HBox([latitude, longitude])]))
        self.rows.children = children
        self.save_button.layout.display = None if children else "none"

    def save(self) -> int | None:
        """Write every filled-in pair in one change; any bad value means nothing is written."""
        from ..store import operations

        updates = {record_id: (latitude.value.strip(), longitude.value.strip())
                   for record_id, (_name, latitude, longitude) in self.fields.items()
                   if latitude.value.strip() or longitude.value.strip()}
        if not updates:
            self.status.value = say("info", "Nothing to save: fill in a latitude and a longitude first.")
            return 0
        try:
            operations.set_coordinates(self._ws, updates)
        except InputError as error:
            self.status.value = say("error", "Nothing saved. " + "; ".join(p.message for p in error.problems))
            return None
        except CswbError as error:
            self.status.value = say("error", f"Nothing saved: {error}")
            return None
        _sync.notify_saved(self._ws, self)
        self.refresh()
        self.status.value = say("saved", f"Saved the coordinates of {_count(len(updates), 'asset')}.")
        return len(updates)


# -- the map ------------------------------------------------------------------------------------


class AssetMap(ipywidgets.VBox):
    """The offline asset map with filters; a caption says how many assets the filters let through."""

    def __init__(self, ws: Workspace, *, height: int = 480) -> None:
        self._ws = ws
        self._height = height
        self._tables: dict[str, pd.DataFrame] = {}
        self.planning_area = catalogue_picker("planning_areas", description="Planning area", blank="(any)")
        self.risk = options_picker([], description="Risk", blank="(any)")
        self.sector = catalogue_picker("sectors", description="Sector", blank="(any)")
        self.caption = ipywidgets.HTML("")
        self.view = ipywidgets.HTML("")
        self.view.add_class("cswb-map-panel")
        self.matched = 0
        self._reloading = False  # new risk options must not redraw before the new rows are in
        filters = ipywidgets.VBox([self.planning_area, self.risk, self.sector])
        super().__init__([filters, self.caption, self.view])
        for picker in (self.planning_area, self.risk, self.sector):
            picker.observe(lambda _change: None if self._reloading else self.redraw(), names="value")
        self.refresh()
        _sync.subscribe(ws, self.refresh)

    def refresh(self) -> None:
        """Re-read the workspace (after an edit), keep the filters, redraw."""
        names = ("areas", "assets", "organizations", "member_communities", "risks")
        self._tables = {name: self._ws.table(name) for name in names}
        risks = self._tables["risks"]
        options = [
            (f"{name} (priority)" if priority else str(name), str(risk_id))
            for risk_id, name, priority in zip(risks["id"], risks["name"], risks["priority"].fillna(False).astype(bool))
        ]
        current = self.risk.value
        self._reloading = True
        try:
            self.risk.options = [("(any)", ANY)] + sorted(options, key=lambda o: o[0].casefold())
            self.risk.value = current if current in [v for _, v in self.risk.options] else ANY
        finally:
            self._reloading = False
        self.redraw()

    def filter_words(self) -> str:
        chosen = []
        for label, picker in (("planning area", self.planning_area), ("risk", self.risk), ("sector", self.sector)):
            if picker.value != ANY:
                name = dict((v, k) for k, v in picker.options)[picker.value]
                chosen.append(f"{label}: {name}")
        return "; ".join(chosen)

    def redraw(self) -> None:
        tables = self._tables
        assets = tables["assets"]
        shown = maps.filter_assets(
            assets,
            planning_area=self.planning_area.value or None,
            risk=self.risk.value or None,
            sector=self.sector.value or None,
        ) if len(assets) else assets
        self.matched = len(shown)
        layers = {"assets": shown, "organizations": tables["organizations"], "member_communities": tables["member_communities"]}
        filtered = self.filter_words()
        if filtered:
            words = f"{self.matched:,} of {len(assets):,} assets, filtered by {filtered}."
        else:
            words = f"All {len(assets):,} assets (no filter chosen)."
        unmapped = int((shown["latitude"].isna() | shown["longitude"].isna()).sum()) if len(shown) else 0
        if unmapped:
            words += f" {_count(unmapped, 'asset')} without coordinates not on the map."
        self.caption.value = str(Markup('<p role="status" aria-live="polite" class="cswb-map-filter">{}</p>').format(words))
        page = maps.map_html(maps.area_map(tables["areas"], title=MAP_TITLE, height=self._height, **layers))
        caption = maps.map_caption(tables["areas"], title=MAP_TITLE, **layers)
        self.view.value = maps.map_frame(page, title=MAP_TITLE, caption=caption, height=self._height)


# -- the gap matrix -----------------------------------------------------------------------------

_MATRIX_STYLE = f"""
.cswb-gap-matrix.cswb-gap-matrix td.cswb-cell-gap {{ background: {render.PALETTE["error_background"]}; }}
.cswb-gap-matrix.cswb-gap-matrix td.cswb-cell-overlap {{ background: #fff3cd; }}
.cswb-gap-matrix .cswb-cell-word {{ font-weight: 700; }}
"""


def gap_matrix_html(matrix: pd.DataFrame) -> str:
    """The coverage matrix as a table (priority risks by planning area), then its gaps and overlaps in words.

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
    for risk_id, cells in matrix.groupby("risk_id", sort=False):
        row = Markup("").join(_matrix_cell(cell) for cell in cells.to_dict("records"))
        body.append(Markup('<tr><th scope="row">{}</th>{}</tr>').format(cells["risk"].iloc[0], row))
    table = Markup(
        '<table class="cswb-table cswb-static cswb-gap-matrix"><caption>Assets by priority risk and planning area'
        "</caption><thead><tr><th scope=\"col\">Priority risk</th>{}</tr></thead><tbody>{}</tbody></table>"
    ).format(head, Markup("").join(body))
    key = Markup(
        "<p>Each cell counts the plan's own assets working on the risk in that planning area; "
        "“(+2 partner)” adds those of neighbouring partner communities. <strong>Gap</strong>: no asset. "
        "<strong>Overlap</strong>: two or more organizations, at least one asset without coordination notes. "
        "<strong>Coordinated</strong>: two or more organizations, all with coordination notes.</p>"
    )
    return f"<style>{render.stylesheet()}{_MATRIX_STYLE}</style>{table}{key}{_gaps_in_words(matrix)}"


def _count_text(cell: dict[str, Any]) -> str:
    partner = f" (+{cell['partner_count']} partner)" if cell["partner_count"] else ""
    return f"{cell['own_count']}{partner}"


def _matrix_cell(cell: dict[str, Any]) -> Markup:
    status = cell["status"]
    if status == "gap":
        return Markup('<td class="cswb-cell-gap"><span class="cswb-cell-word">Gap</span>: no asset</td>')
    count = _count_text(cell)
    if status in ("overlap", "coordinated"):
        return Markup('<td class="cswb-cell-{s}">{n}<br><span class="cswb-cell-word">{word}</span>: {orgs}</td>').format(
            s=status, n=count, word=status.capitalize(), orgs=_listing(cell["organization_names"], NAMES_IN_A_CELL)
        )
    return Markup("<td>{}</td>").format(count)


def _gaps_in_words(matrix: pd.DataFrame) -> Markup:
    gap_items, overlap_items = [], []
    for _risk_id, cells in matrix.groupby("risk_id", sort=False):
        risk = cells["risk"].iloc[0]
        missing = [a.lower() for a, s in zip(cells["planning_area_name"], cells["status"], strict=True) if s == "gap"]
        if missing:
            gap_items.append(Markup("<li>{}: no asset in {}.</li>").format(risk, ", ".join(missing)))
        for cell in cells[cells["status"] == "overlap"].to_dict("records"):
            overlap_items.append(
                Markup("<li>{risk}, {area}: {orgs} organizations ({names}); without coordination notes: {assets}.</li>").format(
                    risk=risk, area=cell["planning_area_name"].lower(), orgs=cell["organization_count"],
                    names=_listing(cell["organization_names"], 8), assets=_listing(cell["uncoordinated"], 8),
                )
            )
    gap_list = (
        Markup("<ul>{}</ul>").format(Markup("").join(gap_items)) if gap_items
        else Markup("<p>None: every priority risk has an asset in every planning area.</p>")
    )
    overlap_list = (
        Markup("<ul>{}</ul>").format(Markup("").join(overlap_items)) if overlap_items
        else Markup("<p>None: where several organizations work on the same risk, they have noted how they coordinate.</p>")
    )
    return Markup("<h4>Gaps</h4>{}<h4>Overlaps</h4>{}").format(gap_list, overlap_list)


def _listing(names: list[str], limit: int) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
