"""The Risk workbook's app panels: adding a risk, answering Tool 5's questions, indicator trends and
map, and the prioritization panel (weights typed in, the ranking redrawn at once).

A panel that needs the workbook receives it (anything with `ws`, `tables()` and `rank`, see
`Book`); the HTML comes from :mod:`cswb_widgets.render.risk`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import ipywidgets
import pandas as pd
from markupsafe import Markup

from ..framework import load_catalogue
from ..i18n import _
from ..model import prioritization
from ..render import maps
from ..render.risk import (
    QUESTIONS,
    criterion_names,
    preferred_indicator,
    ranking_html,
    risk_names,
    sensitivity_html,
    trace_html,
    trend_chart,
    trends_table_html,
)
from ..store import Workspace, operations
from . import _failures, _sync
from .file_import import say
from .pickers import CheckList

INDICATOR_MAP_HEIGHT = 420  # px, the indicator map and its frame


class Book(Protocol):
    """What the panels use of the Risk workbook."""

    ws: Workspace
    rank: Callable[..., prioritization.Ranking]

    def tables(self) -> Mapping[str, pd.DataFrame]: ...


class AddRisk(ipywidgets.VBox):
    """Add a risk: pick a catalogue category or type the community's own."""

    def __init__(self, book: Book) -> None:
        self._ws = book.ws
        catalogue = load_catalogue()
        self._categories = {c.name: c.key for c in catalogue.risk_categories}
        self.name = ipywidgets.Text(description=_("Risk"), placeholder=_("e.g. Youth vaping"), style={"description_width": "initial"})
        self.category = ipywidgets.Combobox(
            description=_("Category (pick one, or type your own)"), options=sorted(self._categories),
            ensure_option=False, style={"description_width": "initial"}, layout=ipywidgets.Layout(width="36rem"),
        )
        self.description = ipywidgets.Textarea(description=_("Description"), rows=2, style={"description_width": "initial"},
                                               layout=ipywidgets.Layout(width="46rem", max_width="100%"))
        self.save_button = ipywidgets.Button(description=_("Add risk"), button_style="primary")
        self.save_button.on_click(lambda _b: self.save())
        self.status = ipywidgets.HTML("")
        super().__init__([self.name, self.category, self.description, self.save_button, self.status])

    def save(self) -> str | None:
        typed = self.category.value.strip()
        category = self._categories.get(typed, typed) or None
        try:
            risk_id = operations.add_risk(self._ws, self.name.value, category=category, description=self.description.value or None)
        except Exception as error:  # noqa: BLE001 - said in the widget (details of the unexpected in the log)
            self.status.value = say("error", _("Not added: {value}").format(value=_failures.words(error)))
            return None
        own = category and category not in self._categories.values()
        self.status.value = say("saved", _("Added “{value}”").format(value=self.name.value.strip()) + (_(" with the community's own category.") if own else "."))
        self.name.value = self.category.value = self.description.value = ""
        _sync.notify_saved(self._ws, self)
        return risk_id


class RiskAnalysis(ipywidgets.VBox):
    """Choose a risk, answer Tool 5's questions, save."""

    def __init__(self, book: Book) -> None:
        self._ws = book.ws
        catalogue = load_catalogue()
        self.risk = ipywidgets.Dropdown(description=_("Risk"), style={"description_width": "initial"})
        self.fields: dict[str, ipywidgets.Textarea | CheckList] = {}
        for column, question in QUESTIONS:
            if column == "current_approach":
                widget: ipywidgets.Textarea | CheckList = CheckList(
                    [(a.name, a.key) for a in catalogue.current_approaches], description=_(question))
            else:
                widget = ipywidgets.Textarea(description=_(question), rows=3, style={"description_width": "initial"},
                                             layout=ipywidgets.Layout(width="46rem", max_width="100%"))
            self.fields[column] = widget
        self.save_button = ipywidgets.Button(description=_("Save answers"), button_style="primary")
        self.save_button.on_click(lambda _b: self.save())
        self.status = ipywidgets.HTML("")
        self.risk.observe(lambda _c: self._load(), names="value")
        super().__init__([self.risk, *self.fields.values(), self.save_button, self.status])
        self.refresh()
        _sync.subscribe(self._ws, self.refresh)

    def refresh(self) -> None:
        risks = self._ws.table("risks")
        current = self.risk.value
        self.risk.options = list(zip(risks["name"].astype(str), risks["id"], strict=True))
        if current in set(risks["id"]):
            self.risk.value = current
        self._load()

    def _load(self) -> None:
        record = self._ws.get("risks", self.risk.value) if self.risk.value else None
        for column, widget in self.fields.items():
            value = record.get(column) if record else None
            widget.value = tuple(value or ()) if column == "current_approach" else (value or "")

    def save(self) -> bool:
        if not self.risk.value:
            self.status.value = say("error", _("Add a risk first."))
            return False
        values = {c: (list(w.value) if c == "current_approach" else (w.value or None)) for c, w in self.fields.items()}
        try:
            operations.save_risk_answers(self._ws, self.risk.value, values)
        except Exception as error:  # noqa: BLE001 - said in the widget (details of the unexpected in the log)
            self.status.value = say("error", _("Not saved: {value}").format(value=_failures.words(error)))
            return False
        self.status.value = say("saved", "Saved.")
        _sync.notify_saved(self._ws, self)
        return True



def _choose(picker: ipywidgets.Dropdown, options: list[Any], fallback: Any) -> None:
    """New options for a picker, keeping its choice when still offered."""
    current = picker.value
    picker.options = options
    picker.value = current if current in options else fallback


class IndicatorTrends(ipywidgets.VBox):
    def __init__(self, book: Book) -> None:
        self._book = book
        self.table = ipywidgets.HTML("")
        self.indicator = ipywidgets.Dropdown(description=_("Chart of"), style={"description_width": "initial"},
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
        _choose(self.indicator, names, preferred_indicator(tables, names))
        self._draw()

    def _draw(self) -> None:
        if not self.indicator.value:
            self.chart.value = ""
            return
        self.chart.value = trend_chart(self._book.tables(), self.indicator.value).html()


class IndicatorMap(ipywidgets.VBox):
    """Choose an indicator and a year; the sub-areas are shaded by its value."""

    def __init__(self, book: Book) -> None:
        self._book = book
        self.indicator = ipywidgets.Dropdown(description=_("Indicator"), style={"description_width": "initial"},
                                             layout=ipywidgets.Layout(width="46rem", max_width="100%"))
        self.year = ipywidgets.Dropdown(description=_("Year"), style={"description_width": "initial"})
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
        _choose(self.indicator, names, preferred_indicator(self._book.tables(), names))
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
            self.view.value = str(Markup("<p>{}</p>").format(_("No indicator has values by sub-area yet.")))
            return
        values = maps.indicator_by_area(ws.table("indicators"), self.indicator.value, year=self.year.value)
        label = f"{self.indicator.value}, {self.year.value}"
        # One height for the map and its frame: a map taller than its frame had its legend cut off.
        page = maps.map_html(maps.area_map(areas, choropleth=values, choropleth_label=label, title=label,
                                           height=INDICATOR_MAP_HEIGHT))
        caption = maps.map_caption(areas, title=label, choropleth=values, choropleth_label=label)
        self.view.value = maps.map_frame(page, title=label, caption=caption, height=INDICATOR_MAP_HEIGHT)


class PrioritizationPanel(ipywidgets.VBox):
    """Set the weights and watch the ranking: scores, parts, rank ranges and any risk's trace."""

    def __init__(self, book: Book) -> None:
        self._book = book
        self._ws = book.ws
        self.weight_inputs: dict[str, ipywidgets.BoundedFloatText] = {}
        self.weights_box = ipywidgets.VBox([])
        self.save_button = ipywidgets.Button(description=_("Save these weights"), tooltip=_("Store the weights for everyone"),
                                              layout=ipywidgets.Layout(width="auto"))
        self.save_button.on_click(lambda _b: self.save_weights())
        self.reset_button = ipywidgets.Button(description=_("Back to the saved weights"), layout=ipywidgets.Layout(width="auto"))
        self.reset_button.on_click(lambda _b: self.reload())
        self.status = ipywidgets.HTML("")
        self.table = ipywidgets.HTML("")
        self.moves = ipywidgets.HTML("")
        self.explain = ipywidgets.Dropdown(description=_("Show how this risk's score is built"), style={"description_width": "initial"},
                                           layout=ipywidgets.Layout(width="46rem", max_width="100%"))
        self.trace = ipywidgets.HTML("")
        self.explain.observe(lambda _c: self._draw_trace(), names="value")
        super().__init__([
            ipywidgets.HTML(str(Markup("<p>{}</p>").format(_("Change a weight to see the ranking change at once; save to keep the weights.")))),
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
        names = criterion_names(tables)
        self.weight_inputs = {}
        for cid in self._ranking.normalized.columns:
            label = names.get(cid) or _("{cid} (computed in the notebook)").format(cid=cid)
            box = ipywidgets.BoundedFloatText(value=float(self._ranking.weights.get(cid, 0.0)), min=0, max=1000, step=0.05,
                                              description=_("Weight of {label}").format(label=label), style={"description_width": "initial"})
            box.observe(self._weight_changed, names="value")
            self.weight_inputs[cid] = box
        self.weights_box.children = list(self.weight_inputs.values())
        names = risk_names(tables)
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
        self.status.value = say("info", _("Not saved: the ranking shows these weights; save them to keep them."))
        self._draw()

    def _draw(self) -> None:
        self.table.value = ranking_html(self._ranking, self._tables)
        self.moves.value = sensitivity_html(self._ranking, self._tables)
        self._draw_trace()

    def _draw_trace(self) -> None:
        risk_id = self.explain.value
        self.trace.value = trace_html(self._ranking, self._tables, [risk_id]) if risk_id else ""

    def save_weights(self) -> bool:
        stored = set(self._tables["criteria"]["id"]) if len(self._tables["criteria"]) else set()
        weights = self.weights()
        try:
            operations.save_weights(self._ws, {cid: w for cid, w in weights.items() if cid in stored})
        except Exception as error:  # noqa: BLE001 - said in the widget (details of the unexpected in the log)
            self.status.value = say("error", _("Not saved: {value}").format(value=_failures.words(error)))
            return False
        own = [cid for cid in weights if cid not in stored]
        self.status.value = say("saved", _("Weights saved.") + (
            _(" The weight of {value} is set in the notebook (it computes that criterion).").format(value=', '.join(own)) if own else ""))
        _sync.notify_saved(self._ws, self)
        return True
