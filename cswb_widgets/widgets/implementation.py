"""The Implementation workbook's app panels: posting a progress update, the timeline of one risk,
the changes since a date.

A panel that needs the workbook receives it (anything with `ws`, `today`, `tables()` and
`gantt_tasks`, see `Book`); the HTML comes from :mod:`cswb_widgets.render.implementation`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Protocol

import ipywidgets
import pandas as pd

from .. import render
from ..errors import InputError
from ..i18n import _, format_date
from ..render.implementation import changes_html, default_since, timeline_html
from ..store import Workspace, operations
from . import _failures, _sync
from .file_import import say
from .pickers import FIELD_LAYOUT, FIELD_STYLE, IsoDate, options_picker


class Book(Protocol):
    """What the panels use of the Implementation workbook."""

    ws: Workspace
    today: dt.date

    def tables(self) -> Mapping[str, pd.DataFrame]: ...

    def gantt_tasks(self, tables: Any) -> pd.DataFrame: ...


class ProgressUpdate(ipywidgets.VBox):
    """Post a dated update of one action; the action's status and percent follow the newest update."""

    def __init__(self, book: Book) -> None:
        self._book = book
        self._ws = book.ws
        self.action = options_picker(render.ref_options(self._ws, "actions"), description=_("Action"),
                                     blank=_("(choose an action)"))
        self.date = IsoDate(_("Date of the update"), value=book.today, layout=FIELD_LAYOUT)
        self.status = options_picker(render.choice_options("action_statuses"), description=_("Status"),
                                     blank="(unchanged)")
        self.percent = ipywidgets.Text(description=_("Percent complete (0 to 100)"), style=FIELD_STYLE, layout=FIELD_LAYOUT)
        self.note = ipywidgets.Textarea(description=_("What happened"), rows=3, style=FIELD_STYLE, layout=FIELD_LAYOUT)
        self.save_button = ipywidgets.Button(description=_("Save update"), button_style="primary")
        self.save_button.on_click(lambda _b: self.save())
        self.status_line = ipywidgets.HTML("")
        self.action.observe(lambda _c: self._load(), names="value")
        super().__init__([ipywidgets.HTML("<h3>Post a progress update</h3>"), self.action, self.date, self.status,
                          self.percent, self.note, self.save_button, self.status_line])
        _sync.subscribe(self._ws, self.refresh)

    def refresh(self) -> None:
        current = self.action.value
        self.action.options = [self.action.options[0], *render.ref_options(self._ws, "actions")]
        self.action.value = current if current in [v for __, v in self.action.options] else ""

    def _load(self) -> None:
        record = self._ws.get("actions", self.action.value) if self.action.value else None
        self.status.value = (record or {}).get("status") or ""
        percent = (record or {}).get("percent_complete")
        self.percent.value = "" if percent is None else str(percent)

    def save(self) -> bool:
        if not self.action.value:
            self.status_line.value = say("error", _("Choose the action this update is about."))
            return False
        try:
            when = self.date.date
        except ValueError as error:
            self.status_line.value = say("error", str(error))
            return False
        if when is None:
            self.status_line.value = say("error", _("Give the date of the update."))
            return False
        record = self._ws.get("actions", self.action.value)
        if record is None:
            self.status_line.value = say("error", _("That action no longer exists (someone may have deleted it)."))
            return False
        title = record["title"]
        try:
            newest = operations.record_progress_update(
                self._ws, self.action.value, when, status=self.status.value or None,
                percent=self.percent.value.strip() or None, note=self.note.value.strip() or None).is_newest
        except InputError as error:
            self.status_line.value = say("error", _("Not saved: ") + "; ".join(p.message for p in error.problems))
            return False
        except Exception as error:  # noqa: BLE001 - said in the widget (details of the unexpected in the log)
            self.status_line.value = say("error", _("Not saved: {value}").format(value=_failures.words(error)))
            return False
        if newest:
            self.status_line.value = say("saved", _("Saved the update of “{title}”; its current status now follows it.").format(title=title))
        else:
            self.status_line.value = say("saved", _("Saved the update of “{title}” dated {value}; a later update exists, so the action's current status is unchanged.").format(title=title, value=format_date(when)))
        self.note.value = ""
        _sync.notify_saved(self._ws, self)
        return True


ALL_RISKS = "__all__"


class TimelinePanel(ipywidgets.VBox):
    """The timeline of one risk (or all): redrawn only when the actions it shows have changed."""

    def __init__(self, book: Book) -> None:
        self._book = book
        self._drawn: tuple[Any, ...] | None = None
        self.risk = ipywidgets.Dropdown(description=_("Timeline of"), style=FIELD_STYLE, layout=FIELD_LAYOUT)
        self.view = ipywidgets.HTML("")
        self.risk.observe(lambda _c: self._draw(), names="value")
        super().__init__([self.risk, self.view])
        self.refresh()
        _sync.subscribe(book.ws, self.refresh)

    def refresh(self) -> None:
        self._tasks = self._book.gantt_tasks(self._book.tables())
        risks = list(dict.fromkeys(self._tasks["risk"]))
        options = [(r, r) for r in risks] + ([(_("All risks"), ALL_RISKS)] if len(risks) > 1 else [])
        current = self.risk.value
        self.risk.options = options
        values = [v for __, v in options]
        self.risk.value = current if current in values else (values[0] if values else None)
        self._draw()

    def _draw(self) -> None:
        # Drawing takes a second or two: skip it when a save elsewhere left these actions as they were.
        key = (self._tasks.to_json(date_format="iso"), self.risk.value, self._book.today)
        if key == self._drawn:
            return
        self._drawn = key
        chosen = None if self.risk.value in (None, ALL_RISKS) else self.risk.value
        self.view.value = timeline_html(self._tasks, self._book.today, risk=chosen)


class ChangesPanel(ipywidgets.VBox):
    """What changed since the last progress report, or since a date the user picks."""

    def __init__(self, book: Book) -> None:
        self._book = book
        self.since = IsoDate(_("Show changes since"), value=default_since(book.tables(), book.today))
        self.view = ipywidgets.HTML("")
        self.since.observe(lambda _c: self.refresh(), names="value")
        super().__init__([self.since, self.view])
        self.refresh()
        _sync.subscribe(book.ws, self.refresh)

    def refresh(self) -> None:
        try:
            since = self.since.date or default_since(self._book.tables(), self._book.today)
        except ValueError as error:
            self.view.value = say("error", str(error))
            return
        self.view.value = changes_html(self._book.tables(), since, self._book.today)
