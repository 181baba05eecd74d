"""The Evaluation workbook's app panels (Tool 6): the strategies table, adopting assets as
strategies, the logic-model builder, the measurement framework with its gaps, the measurements'
upload, and the progress charts.

Each panel reads the workspace through the workbook it is given (its `tables()` and the analysis
functions a notebook may replace: `outcomes_without_measure`, `measure_gaps`, `measure_status`),
shows :mod:`cswb_widgets.render.evaluation` output next to its controls, writes through
:mod:`cswb_widgets.store.operations`, and refreshes after any save in this kernel (`_sync`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import ipywidgets
import pandas as pd
from markupsafe import Markup

from ..framework import load_catalogue
from ..i18n import _, format_number, ngettext
from ..model import evaluation
from ..render.evaluation import (
    ITEM_COLUMNS,
    MEASURE_COLUMNS,
    MEASURE_LABELS,
    STRATEGY_COLUMNS,
    STRATEGY_LABELS,
    evidence_strengths_html,
    logic_model_html,
    measure_chart,
    measure_gaps_html,
    measure_ids_html,
    measure_title,
    model_label,
    ordered_models,
    status_line_html,
    status_table_html,
)
from ..store import Workspace, operations
from ..store.tabular import import_file
from . import _failures, _sync
from .editable_table import EditableTable
from .file_import import FileImport, say
from .pickers import catalogue_picker, options_picker, select
from .sections import LiveHTML


class Book(Protocol):
    """What the panels need of the workbook: its workspace, its tables and its analysis functions."""

    ws: Workspace
    outcomes_without_measure: Callable[[Any], pd.DataFrame]
    measure_gaps: Callable[[Any], pd.DataFrame]
    measure_status: Callable[..., pd.DataFrame]

    def tables(self) -> Any: ...


# -- pickers --------------------------------------------------------------------------------------------


def _choose(picker: ipywidgets.Dropdown, options: list[tuple[str, Any]], fallback: Any = None) -> None:
    """New options for a picker, keeping its choice when still offered."""
    current = picker.value
    picker.options = options
    values = [v for _label, v in options]
    if current in values:
        picker.value = current
    elif fallback in values:
        picker.value = fallback
    elif values:
        picker.value = values[0]


_WIDE = ipywidgets.Layout(width="46rem", max_width="100%")
_LABELLED = {"description_width": "initial"}


class StrategyTable(ipywidgets.VBox):
    """The strategies table, editable, then what the evidence strengths mean."""

    def __init__(self, ws: Workspace) -> None:
        self.table = EditableTable(ws, "strategies", columns=STRATEGY_COLUMNS, labels=STRATEGY_LABELS,
                                   caption=_("Strategies for each risk and planning area"))
        super().__init__([self.table, ipywidgets.HTML(evidence_strengths_html())])


class AdoptAssets(ipywidgets.VBox):
    """Choose a priority risk and one of the assets addressing it; adopt it as a strategy in one click."""

    def __init__(self, book: Book) -> None:
        self._book = book
        self._ws = book.ws
        self._adoptable = pd.DataFrame()
        self._undo: list[tuple[str, str]] = []  # (change id, words) of this widget's adoptions
        self.summary = ipywidgets.HTML("")
        self.risk = ipywidgets.Dropdown(description=_("Priority risk"), style=_LABELLED, layout=_WIDE)
        self.asset = ipywidgets.Select(description=_("Asset"), rows=8, style=_LABELLED, layout=_WIDE)
        self.details = ipywidgets.HTML("")
        self.areas = catalogue_picker("planning_areas", multiple=True, description=_("Planning areas (one strategy each)"), rows=4)
        self.adopt_button = ipywidgets.Button(description=_("Adopt as strategy"), button_style="primary")
        self.adopt_button.on_click(lambda _b: self.adopt())
        self.undo_button = ipywidgets.Button(description=_("Undo the last adoption"))
        self.undo_button.on_click(lambda _b: self.undo())
        self.status = ipywidgets.HTML("")
        self.risk.observe(lambda _c: self._assets(), names="value")
        self.asset.observe(lambda _c: self._describe(), names="value")
        super().__init__([self.summary, self.risk, self.asset, self.details, self.areas,
                          ipywidgets.HBox([self.adopt_button, self.undo_button]), self.status])
        self.refresh()
        _sync.subscribe(self._ws, self.refresh)

    def refresh(self) -> None:
        self._adoptable = evaluation.adoptable_assets(self._book.tables())
        frame = self._adoptable
        risks = list(dict.fromkeys(zip(frame["risk_id"], frame["risk"], strict=True)))
        counts = frame["risk_id"].value_counts()
        _choose(self.risk, [(ngettext("{risk} ({count} asset)", "{risk} ({count} assets)", int(counts[rid])).format(
            risk=name, count=format_number(int(counts[rid]))), rid) for rid, name in risks])
        self.summary.value = str(Markup("<p>{}</p>").format(
            ngettext("{count} asset addressing a priority risk is not yet a strategy for it.",
                     "{count} assets addressing a priority risk are not yet a strategy for it.",
                     len(frame)).format(count=format_number(len(frame))) + " "
            + _("Adopting one records it as a strategy as it is: its name, its purpose as the description, and a "
                "link back to the asset.") if len(frame) else
            _("Every asset addressing a priority risk is already one of its strategies.")))
        self._assets()
        self.undo_button.layout.display = None if self._undo else "none"

    def _candidates(self) -> pd.DataFrame:
        frame = self._adoptable
        return frame[frame["risk_id"] == self.risk.value] if len(frame) else frame

    def _assets(self) -> None:
        mine = self._candidates()
        _choose(self.asset, list(zip(mine["asset"], mine["asset_id"], strict=True)))
        self.adopt_button.disabled = mine.empty
        self._describe()

    def _row(self) -> dict[str, Any] | None:
        mine = self._candidates()
        chosen = mine[mine["asset_id"] == self.asset.value] if len(mine) else mine
        return chosen.iloc[0].to_dict() if len(chosen) else None

    def _describe(self) -> None:
        row = self._row()
        if row is None:
            self.details.value = ""
            select(self.areas, ())
            return
        catalogue = load_catalogue()
        areas = [catalogue.name_of("planning_areas", a) for a in row["planning_areas"]]
        self.details.value = str(Markup("<p><strong>{}</strong>{} {} <br>{}</p>").format(
            row["asset"], _(":"), row["purpose"] or _("no purpose recorded."),
            _("Planning areas: {areas}").format(areas=", ".join(areas) or _("not recorded: choose one"))))
        select(self.areas, row["planning_areas"])

    def adopt(self) -> list[str]:
        """Create one strategy per chosen planning area (skipping any that already exists), as one change."""
        row = self._row()
        if row is None:
            self.status.value = say("error", _("Choose an asset first."))
            return []
        areas = list(self.areas.value)
        if not areas:
            self.status.value = say("error", _("Choose at least one planning area."))
            return []
        asset = self._ws.get("assets", row["asset_id"])
        if asset is None:
            self.status.value = say("error", _("That asset is no longer in the inventory."))
            self.refresh()
            return []
        try:
            # never twice: another person may have adopted it a moment ago
            created = operations.adopt_assets_as_strategies(
                self._ws, [{"asset_id": asset["id"], "risk_id": row["risk_id"], "planning_areas": areas}])
        except Exception as error:  # noqa: BLE001 - said in the widget (details of the unexpected in the log)
            self.status.value = say("error", _("Not adopted: {value}").format(value=_failures.words(error)))
            return []
        if not created:
            self.status.value = say("info", _("Already a strategy in those planning areas: nothing added."))
        else:
            change = str(self._ws.history("strategies", created[0])["change_id"].iloc[-1])
            words = _("“{asset}” for {risk}").format(asset=asset['name'], risk=row['risk'])
            self._undo.append((change, words))
            self.status.value = say("saved", ngettext("Adopted {words} as {count} strategy. Set its evidence strength in the strategies table.",
                                             "Adopted {words} as {count} strategies. Set their evidence strength in the strategies table.",
                                             len(created)).format(words=words, count=format_number(len(created))))
            _sync.notify_saved(self._ws, self)
        self.refresh()
        return created

    def undo(self) -> bool:
        if not self._undo:
            return False
        change, words = self._undo[-1]
        try:
            self._ws.undo(change)
        except Exception as error:  # noqa: BLE001 - said in the widget (details of the unexpected in the log)
            # Kept: a refusal names a later change, and once that is undone this undo may be tried again.
            self.status.value = say("error", _("Could not undo: {value}").format(value=_failures.words(error)))
            return False
        self._undo.pop()
        self.status.value = say("saved", _("Undone: {words} is no longer a strategy.").format(words=words))
        _sync.notify_saved(self._ws, self)
        self.refresh()
        return True


class LogicModelBuilder(ipywidgets.VBox):
    """Choose or create a logic model, add items level by level, link them; the diagram follows."""

    def __init__(self, book: Book) -> None:
        self._book = book
        self._ws = book.ws
        self._shown_model: str | None = None
        self.model = ipywidgets.Dropdown(description=_("Logic model"), style=_LABELLED, layout=_WIDE)
        # a new model
        self.new_risk = ipywidgets.Dropdown(description=_("Risk"), style=_LABELLED, layout=_WIDE)
        self.new_group = ipywidgets.Text(description=_("Target group"), placeholder=_("e.g. Renters at risk of eviction"),
                                         style=_LABELLED, layout=_WIDE)
        self.new_name = ipywidgets.Text(description=_("Name (optional)"), style=_LABELLED, layout=_WIDE)
        self.create_button = ipywidgets.Button(description=_("Create logic model"))
        self.create_button.on_click(lambda _b: self.create())
        # a new item
        self.level = options_picker([(n, k) for k, n in evaluation.levels()], description=_("Level"), blank=None)
        self.item_text = ipywidgets.Textarea(description=_("Item"), rows=2, style=_LABELLED, layout=_WIDE)
        self.item_area = catalogue_picker("planning_areas", description=_("Planning area (for activities)"))
        self.item_responsible = ipywidgets.Text(description=_("Responsible (optional)"), style=_LABELLED, layout=_WIDE)
        self.add_button = ipywidgets.Button(description=_("Add item"), button_style="primary")
        self.add_button.on_click(lambda _b: self.add_item())
        # a link
        self.source = ipywidgets.Dropdown(description=_("This item"), style=_LABELLED, layout=_WIDE)
        self.target = ipywidgets.Dropdown(description=_("leads to"), style=_LABELLED, layout=_WIDE)
        self.link_button = ipywidgets.Button(description=_("Link"))
        self.link_button.on_click(lambda _b: self.link())
        self.unlink_button = ipywidgets.Button(description=_("Remove this link"))
        self.unlink_button.on_click(lambda _b: self.unlink())
        self.status = ipywidgets.HTML("")
        self.view = ipywidgets.HTML("")
        self.items_box = ipywidgets.VBox([])
        self.models_table = EditableTable(self._ws, "logic_models", columns=["risk_id", "target_group", "name"],
                                          labels={"risk_id": _("Risk")}, caption=_("All logic models"), cascade_delete=True)
        self.model.observe(lambda _c: self._show(), names="value")

        def section(title: str, *children: ipywidgets.Widget) -> ipywidgets.VBox:
            return ipywidgets.VBox([ipywidgets.HTML(str(Markup("<h4>{}</h4>").format(title))), *children])

        super().__init__([
            self.model,
            section(_("New logic model"), self.new_risk, self.new_group, self.new_name, self.create_button),
            section(_("Add an item"), self.level, self.item_text, self.item_area, self.item_responsible, self.add_button),
            section(_("Link items"), self.source, self.target, ipywidgets.HBox([self.link_button, self.unlink_button])),
            self.status, self.view, self.items_box, self.models_table,
        ])
        self.refresh()
        _sync.subscribe(self._ws, self.refresh)

    # -- reading ----------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        tables = self._book.tables()
        models = ordered_models(tables)
        _choose(self.model, [(model_label(tables, m), str(m["id"])) for m in models])
        risks = tables["risks"]
        priorities = set(evaluation.priority_risks(tables)["id"].astype(str)) if len(risks) else set()
        ordered = sorted(zip(risks["name"].astype(str), risks["id"].astype(str), strict=True), key=lambda p: p[1] not in priorities)
        _choose(self.new_risk, [(name + (" (priority)" if rid in priorities else ""), rid) for name, rid in ordered])
        self._show()

    def _model(self, tables: Any) -> dict[str, Any] | None:
        models = tables["logic_models"]
        if not self.model.value or models.empty:
            return None
        found = models[models["id"].astype(str) == self.model.value]
        return found.iloc[0].to_dict() if len(found) else None

    def _show(self) -> None:
        tables = self._book.tables()
        model = self._model(tables)
        if model is None:
            self.view.value = str(Markup("<p>{}</p>").format(_("No logic model yet: create one for a priority risk and target group.")))
            for old in self.items_box.children:
                old.close()
            self.items_box.children = []
            self._shown_model = None
            for picker in (self.source, self.target):
                _choose(picker, [])
            return
        items = evaluation.model_items(tables, str(model["id"]))
        options = [(f"{lv}: {t if len(t) <= 70 else t[:67] + '...'}", i)
                   for lv, t, i in zip(items["level_name"], items["text"], items["id"], strict=True)]
        _choose(self.source, options)
        _choose(self.target, options, options[1][1] if len(options) > 1 else None)
        self.view.value = logic_model_html(tables, model, heading=False)
        if self._shown_model != model["id"]:
            self._shown_model = str(model["id"])
            for old in self.items_box.children:
                old.close()  # stops its refreshes
            self.items_box.children = [EditableTable(
                self._ws, "logic_model_items", columns=ITEM_COLUMNS, where={"logic_model_id": self._shown_model},
                caption=_("Items of this logic model (edit or delete here)"),
            )]

    # -- writing ----------------------------------------------------------------------------------------------

    def _saved(self, words: str) -> None:
        self.status.value = say("saved", words)
        _sync.notify_saved(self._ws, self)
        self.refresh()

    def create(self) -> str | None:
        try:
            model_id = operations.create_logic_model(self._ws, self.new_risk.value, self.new_group.value,
                                                     name=self.new_name.value or None)
        except Exception as error:  # noqa: BLE001 - said in the widget (details of the unexpected in the log)
            self.status.value = say("error", _("Not created: {value}").format(value=_failures.words(error)))
            return None
        self.new_group.value = self.new_name.value = ""
        self.refresh()
        self.model.value = model_id
        self._saved(_("Logic model created: add its inputs, activities, outputs and outcomes."))
        return model_id

    def add_item(self) -> str | None:
        if not self.model.value:
            self.status.value = say("error", _("Create or choose a logic model first."))
            return None
        try:
            item_id = operations.add_logic_model_item(self._ws, self.model.value, self.level.value, self.item_text.value,
                                                      planning_area=self.item_area.value or None,
                                                      responsible=self.item_responsible.value or None)
        except Exception as error:  # noqa: BLE001 - said in the widget (details of the unexpected in the log)
            self.status.value = say("error", _("Not added: {value}").format(value=_failures.words(error)))
            return None
        self.item_text.value = self.item_responsible.value = ""
        self._saved(_("Item added. Link it to what it leads to."))
        return item_id

    def link(self) -> bool:
        source, target = self.source.value, self.target.value
        if not source or not target:
            self.status.value = say("error", _("Choose both items first."))
            return False
        if source == target:
            self.status.value = say("error", _("An item cannot lead to itself."))
            return False
        current = list((self._ws.get("logic_model_items", source) or {}).get("leads_to") or [])
        if target in current:
            self.status.value = say("info", _("These items are already linked."))
            return False
        try:
            if not operations.link_logic_model_items(self._ws, source, target):
                self.status.value = say("info", _("These items are already linked."))
                return False
        except Exception as error:  # noqa: BLE001 - said in the widget (details of the unexpected in the log)
            self.status.value = say("error", _("Not linked: {value}").format(value=_failures.words(error)))
            return False
        position = evaluation.level_position()
        levels = {r: str((self._ws.get("logic_model_items", r) or {}).get("level")) for r in (source, target)}
        step = position.get(levels[target], 0) - position.get(levels[source], 0)
        warning = _(" This link does not go forward: see the checks below.") if step <= 0 else ""
        self._saved("Linked." + warning)
        return True

    def unlink(self) -> bool:
        source, target = self.source.value, self.target.value
        current = list((self._ws.get("logic_model_items", source) or {}).get("leads_to") or []) if source else []
        if target not in current:
            self.status.value = say("info", _("These items are not linked."))
            return False
        try:
            if not operations.unlink_logic_model_items(self._ws, source, target):
                self.status.value = say("info", _("These items are not linked."))
                return False
        except Exception as error:  # noqa: BLE001 - said in the widget (details of the unexpected in the log)
            self.status.value = say("error", _("Not changed: {value}").format(value=_failures.words(error)))
            return False
        self._saved(_("Link removed."))
        return True


class MeasureFramework(ipywidgets.VBox):
    """The framework table, what it still lacks, and one click to start a measure for an unmeasured outcome."""

    def __init__(self, book: Book) -> None:
        self._book = book
        self._ws = book.ws
        self.gaps = ipywidgets.HTML("")
        self.outcome = ipywidgets.Dropdown(description=_("Outcome without a measure"), style=_LABELLED, layout=_WIDE)
        self.start_button = ipywidgets.Button(description=_("Start a measure for it"))
        self.start_button.on_click(lambda _b: self.start_measure())
        self.status = ipywidgets.HTML("")
        self.table = EditableTable(self._ws, "measures", columns=MEASURE_COLUMNS, labels=MEASURE_LABELS,
                                   caption=_("Performance measurement framework"))
        self.start_row = ipywidgets.HBox([self.outcome, self.start_button])
        super().__init__([self.gaps, self.start_row, self.status, self.table])
        self.refresh()
        _sync.subscribe(self._ws, self.refresh)

    def refresh(self) -> None:
        tables = self._book.tables()
        missing = self._book.outcomes_without_measure(tables)
        self.gaps.value = measure_gaps_html(missing, self._book.measure_gaps(tables))
        _choose(self.outcome, [(t if len(t) <= 70 else t[:67] + "...", i) for t, i in zip(missing["text"], missing["id"], strict=True)])
        self.start_row.layout.display = None if len(missing) else "none"

    def start_measure(self) -> str | None:
        """A measure for the chosen outcome, named after it; fill in the rest in the table."""
        if not self.outcome.value:
            return None
        item = self._ws.get("logic_model_items", self.outcome.value)
        if item is None:
            self.refresh()
            return None
        try:
            measure_id = operations.start_measure(self._ws, item["id"])
        except Exception as error:  # noqa: BLE001 - said in the widget (details of the unexpected in the log)
            self.status.value = say("error", _("Not added: {value}").format(value=_failures.words(error)))
            return None
        self.status.value = say("saved", _("Measure started: add its indicator, baseline, target and owner in the table."))
        _sync.notify_saved(self._ws, self)
        self.refresh()
        return measure_id


class ProgressCharts(ipywidgets.VBox):
    """The status of every measure, and the chart of the one chosen."""

    def __init__(self, book: Book) -> None:
        self._book = book
        self.table = ipywidgets.HTML("")
        self.measure = ipywidgets.Dropdown(description=_("Chart of"), style=_LABELLED, layout=_WIDE)
        self.chart = ipywidgets.HTML("")
        self.measure.observe(lambda _c: self._draw(), names="value")
        super().__init__([self.table, self.measure, self.chart])
        self.refresh()
        _sync.subscribe(book.ws, self.refresh)

    def refresh(self) -> None:
        tables = self._book.tables()
        self._statuses = statuses = self._book.measure_status(tables)  # redone on every save (see _sync)
        self.table.value = status_table_html(statuses)
        with_data = statuses[statuses["measurements"] > 0]
        _choose(self.measure, [(measure_title(s), s["measure_id"]) for s in with_data.to_dict("records")])
        self._draw()

    def _draw(self) -> None:
        if not self.measure.value:
            self.chart.value = str(Markup("<p>{}</p>").format(_("No measurement yet: enter or import some below.")))
            return
        chart = measure_chart(self._book.tables(), self.measure.value)
        statuses = self._statuses
        status = statuses[statuses["measure_id"] == self.measure.value].iloc[0].to_dict()
        self.chart.value = (chart.html() if chart is not None else "") + status_line_html(status)


class Measurements(ipywidgets.VBox):
    """The upload of measurements (CSV or Excel), the measure ids a file uses, and the values, editable."""

    def __init__(self, book: Book) -> None:
        self.upload = FileImport(
            book.ws, lambda ws, path: import_file(ws, path, "measurements"),
            description=_("Measurements file"), accept=".csv,.xlsx,.txt",
            help_text=_("CSV or Excel, one value per row, with the columns measure_id, date (YYYY-MM-DD, the last "
            "day measured), value and optionally note and period_start (the first day measured, when the value "
            "covers part of the year only). The measure ids are listed below. The whole file is imported or, if "
            "anything in it is wrong, none of it."),
        )
        self.ids = LiveHTML(book.ws, lambda: measure_ids_html(book.tables()))
        self.table = EditableTable(book.ws, "measurements", columns=["measure_id", "period_start", "date", "value", "note"],
                                   labels={"measure_id": _("Measure"), "period_start": _("Period from (if part of a year)"),
                                           "date": _("Period to")},
                                   caption=_("Measurements over time"))
        super().__init__([self.upload, self.ids, self.table])
