"""The Assets workbook's app panels (Tool 3): the upload of an inventory or an HSDS data package,
the coordinate form for assets without a map point, and the filtered asset map.

Each panel reads the workspace, shows :mod:`cswb_widgets.render.assets` output next to its
controls, writes through :mod:`cswb_widgets.store.operations` (or an importer), and refreshes
after any save in this kernel (`_sync`). A panel that needs the workbook gets it as an argument.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import ipywidgets
import pandas as pd
from markupsafe import Markup

from ..errors import CswbError, InputError, Problem
from ..i18n import _, format_number, ngettext
from ..model import gaps
from ..render import maps
from ..render.assets import MAP_TITLE, all_placed_html
from ..store import Workspace, operations
from ..store.tabular import ImportReport, import_file
from . import _failures, _sync
from .browser_memory import BrowserMemory
from .file_import import FileImport, say
from .pickers import catalogue_picker, options_picker
from .sections import LiveHTML

COORDINATES_EDITED_AT_ONCE = 20  # the coordinate form: one screenful; saving brings the next ones
ANY = ""  # the filters' blank choice


class Book(Protocol):
    """What a panel needs of the workbook: its workspace and its tables."""

    ws: Workspace

    def tables(self) -> Any: ...


# -- bringing assets in -----------------------------------------------------------------------------


def import_asset_file(ws: Workspace, path: Path) -> ImportReport:
    """A CSV/XLSX asset table, or an HSDS data package (.zip), imported whole or not at all."""
    if path.suffix.lower() != ".zip":
        return import_file(ws, path, "assets")
    try:
        from ..store import hsds
    except ModuleNotFoundError as missing:
        if missing.name != f"{__package__.rsplit('.', 1)[0]}.store.hsds":
            raise
        raise CswbError(_("importing HSDS data packages is not available in this version of the workbook")) from None
    if not hsds.looks_like_hsds(path):
        raise InputError(
            Problem(_("expected an Open Referral HSDS data package (a .zip with organizations.csv, services.csv, ...)"),
                    file=str(path))
        )
    return hsds.import_hsds(ws, path)


class AssetImport(ipywidgets.VBox):
    """The upload (CSV, Excel or an HSDS .zip), then where the assets came from, kept up to date."""

    def __init__(self, ws: Workspace, provenance: Callable[[], str]) -> None:
        self.upload = FileImport(
            ws,
            import_asset_file,
            description=_("Asset file"),
            accept=".csv,.xlsx,.zip",
            help_text=_("Upload the inventory as a CSV or Excel file (one row per asset, columns named as in "
            "the inventory table), or a service directory's Open Referral (HSDS) data package as a .zip. "
            "The whole file is imported or, if anything in it is wrong, none of it; rows with the id of "
            "an asset already here update it."),
        )
        self.provenance = LiveHTML(ws, provenance)
        super().__init__([self.upload, self.provenance])


# -- coordinates ------------------------------------------------------------------------------------


class CoordinateEditor(ipywidgets.VBox):
    """The assets without coordinates, a screenful at a time, with latitude and longitude to fill in."""

    def __init__(self, book: Book) -> None:
        self._book = book
        self._ws = book.ws
        self.intro = ipywidgets.HTML("")
        self.rows = ipywidgets.VBox([])
        self.fields: dict[str, tuple[str, ipywidgets.Text, ipywidgets.Text]] = {}  # id -> (name, lat, lon)
        self.save_button = ipywidgets.Button(description=_("Save coordinates"), button_style="primary")
        self.save_button.on_click(lambda _b: self.save())
        self.status = ipywidgets.HTML("")
        super().__init__([self.intro, self.rows, self.save_button, self.status])
        self.refresh()
        _sync.subscribe(self._ws, self.refresh)

    def refresh(self) -> None:
        missing = gaps.assets_without_coordinates(self._book.tables())
        shown = missing.head(COORDINATES_EDITED_AT_ONCE)
        if missing.empty:
            self.intro.value = all_placed_html()
        else:
            more = len(missing) - len(shown)
            self.intro.value = str(
                Markup("<p>{}</p>").format(
                    ngettext("{count} asset with a site has no coordinates and is missing from the map{more}.",
                             "{count} assets with a site have no coordinates and are missing from the map{more}.",
                             len(missing)).format(
                        count=format_number(len(missing)),
                        more=_(" (the first {shown} are here; save them to see the next {more})").format(
                            shown=format_number(len(shown)), more=format_number(more)) if more else "")
                    + " " + _("Coordinates are not looked up online (no geocoding service is contacted): read them "
                              "from a map or a GPS, in decimal degrees (e.g. 44.2312, -76.4860).")
                )
            )
        self.fields = {}
        children = []
        for record in shown.to_dict("records"):
            name = str(record["name"])
            short = name if len(name) <= 40 else name[:37] + "..."
            # Each field names its asset: a screen reader moving field to field hears which one it is in.
            latitude = ipywidgets.Text(description=_("Latitude of {short}").format(short=short), placeholder=_("e.g. 44.2312"),
                                       style={"description_width": "initial"})
            longitude = ipywidgets.Text(description=_("Longitude of {short}").format(short=short), placeholder=_("e.g. -76.4860"),
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
        updates = {record_id: (latitude.value.strip(), longitude.value.strip())
                   for record_id, (_name, latitude, longitude) in self.fields.items()
                   if latitude.value.strip() or longitude.value.strip()}
        if not updates:
            self.status.value = say("info", _("Nothing to save: fill in a latitude and a longitude first."))
            return 0
        try:
            operations.set_coordinates(self._ws, updates)
        except InputError as error:
            self.status.value = say("error", _("Nothing saved. ") + "; ".join(p.message for p in error.problems))
            return None
        except Exception as error:  # noqa: BLE001 - said in the widget (details of the unexpected in the log)
            self.status.value = say("error", _("Nothing saved: {value}").format(value=_failures.words(error)))
            return None
        _sync.notify_saved(self._ws, self)
        self.refresh()
        self.status.value = say("saved", ngettext("Saved the coordinates of {count} asset.", "Saved the coordinates of {count} assets.",
                                                len(updates)).format(count=format_number(len(updates))))
        return len(updates)


# -- the map ----------------------------------------------------------------------------------------


class AssetMap(ipywidgets.VBox):
    """The offline asset map with filters; a caption says how many assets the filters let through."""

    def __init__(self, ws: Workspace, *, height: int = 480) -> None:
        self._ws = ws
        self._height = height
        self._tables: dict[str, pd.DataFrame] = {}
        self.planning_area = catalogue_picker("planning_areas", description=_("Planning area"), blank=_("(any)"))
        self.risk = options_picker([], description=_("Risk"), blank=_("(any)"))
        self.sector = catalogue_picker("sectors", description=_("Sector"), blank=_("(any)"))
        self.caption = ipywidgets.HTML("")
        self.view = ipywidgets.HTML("")
        self.view.add_class("cswb-map-panel")
        self.matched = 0
        self._reloading = False  # new risk options must not redraw before the new rows are in
        # The filters are kept in the browser: a reload (a new kernel) shows the same assets.
        self.memory = BrowserMemory("asset-map-filters")
        filters = ipywidgets.VBox([self.planning_area, self.risk, self.sector])
        super().__init__([filters, self.caption, self.view, self.memory])
        for picker in (self.planning_area, self.risk, self.sector):
            picker.observe(lambda _change: None if self._reloading else self._filters_changed(), names="value")
        self.memory.observe(lambda _change: self._restore_filters(), names="value")
        self.refresh()
        _sync.subscribe(ws, self.refresh)

    def _pickers(self) -> dict[str, ipywidgets.Dropdown]:
        return {"planning_area": self.planning_area, "risk": self.risk, "sector": self.sector}

    def _chosen(self) -> dict[str, str]:
        return {name: picker.value for name, picker in self._pickers().items() if picker.value != ANY}

    def _filters_changed(self) -> None:
        self.memory.value = self._chosen()
        self.redraw()

    def _restore_filters(self) -> None:
        """The browser's kept filters, once it sends them; one it no longer offers is left out."""
        kept = self.memory.value
        if kept == self._chosen():  # our own change, echoed
            return
        self._reloading = True
        try:
            for name, picker in self._pickers().items():
                wanted = kept.get(name, ANY)
                picker.value = wanted if wanted in [v for __, v in picker.options] else ANY
        finally:
            self._reloading = False
        self.redraw()

    def refresh(self) -> None:
        """Re-read the workspace (after an edit), keep the filters, redraw."""
        names = ("areas", "assets", "organizations", "member_communities", "risks")
        self._tables = {name: self._ws.table(name) for name in names}
        risks = self._tables["risks"]
        options = [
            (f"{name} (priority)" if priority else str(name), str(risk_id))
            for risk_id, name, priority in zip(risks["id"], risks["name"], risks["priority"].fillna(False).astype(bool), strict=True)
        ]
        current = self.risk.value
        self._reloading = True
        try:
            self.risk.options = [(_("(any)"), ANY)] + sorted(options, key=lambda o: o[0].casefold())
            self.risk.value = current if current in [v for __, v in self.risk.options] else ANY
        finally:
            self._reloading = False
        self.redraw()

    def filter_words(self) -> str:
        chosen = []
        for label, picker in (("planning area", self.planning_area), ("risk", self.risk), ("sector", self.sector)):
            if picker.value != ANY:
                name = {v: k for k, v in picker.options}[picker.value]
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
            words = _("{matched} of {total} assets, filtered by {filters}.").format(
                matched=format_number(self.matched), total=format_number(len(assets)), filters=filtered)
        else:
            words = _("All {count} assets (no filter chosen).").format(count=format_number(len(assets)))
        unmapped = int((shown["latitude"].isna() | shown["longitude"].isna()).sum()) if len(shown) else 0
        if unmapped:
            words += " " + ngettext("{count} asset without coordinates is not on the map.",
                                    "{count} assets without coordinates are not on the map.", unmapped).format(
                count=format_number(unmapped))
        self.caption.value = str(Markup('<p role="status" aria-live="polite" class="cswb-map-filter">{}</p>').format(words))
        page = maps.map_html(maps.area_map(tables["areas"], title=MAP_TITLE, height=self._height, **layers))
        caption = maps.map_caption(tables["areas"], title=MAP_TITLE, **layers)
        self.view.value = maps.map_frame(page, title=_(MAP_TITLE), caption=caption, height=self._height)
