"""The coordinators' History panel: recent changes to the workspace, and every deleted record
with a button that restores it (what `cswb history` and `cswb restore` do on the command line)."""

from __future__ import annotations

import ipywidgets
from markupsafe import Markup

from .. import access
from ..i18n import _
from ..render.history import changes_html
from ..store import Workspace
from ..store.history import DeletedRecord, changes, deleted_records
from . import _failures, _sync
from .file_import import say

SHOWN = 20  # changes and deleted records listed; the command line shows more


class HistoryPanel(ipywidgets.VBox):
    """Who changed what and when; the deleted records, each with a Restore button."""

    def __init__(self, ws: Workspace, *, limit: int = SHOWN) -> None:
        self._ws = ws
        self._limit = limit
        self.changes_view = ipywidgets.HTML()
        self.deleted_heading = ipywidgets.HTML()
        self.deleted_rows = ipywidgets.VBox()
        self.restore_buttons: dict[tuple[str, str], ipywidgets.Button] = {}  # (table, record id) -> its button
        self.status = ipywidgets.HTML("")
        self.refresh_button = ipywidgets.Button(description=_("Refresh history"), tooltip=_("Read the latest changes"))
        self.refresh_button.on_click(lambda _b: self.refresh())
        super().__init__([self.status, self.deleted_heading, self.deleted_rows, self.changes_view, self.refresh_button])
        self.add_class("cswb-history")
        self.refresh()
        _sync.subscribe(ws, self.refresh)

    def refresh(self) -> None:
        """Read the history again (after a save here, or on request)."""
        try:
            deleted = deleted_records(self._ws, limit=self._limit)
            self.changes_view.value = changes_html(changes(self._ws, limit=self._limit))
        except Exception as error:  # noqa: BLE001 - said in the panel (details of the unexpected in the log)
            self.status.value = say("error", _("Could not read the history: {value}").format(value=_failures.words(error, 'history')))
            return
        self.deleted_heading.value = str(Markup("<h3>{}</h3>").format(
            _("Deleted records: restore one to bring it back as it was") if deleted else _("No deleted records")
        ))
        self.restore_buttons = {}
        rows = []
        for record in deleted:
            button = ipywidgets.Button(description=_("Restore {what}").format(what=record.what), tooltip=_("Restore {what}").format(what=record.what),
                                       layout=ipywidgets.Layout(width="auto"))
            button.on_click(lambda _b, r=record: self.restore(r))
            self.restore_buttons[(record.table, record.record_id)] = button
            by = f" by {record.actor}" if record.actor else ""
            rows.append(ipywidgets.HBox([
                button, ipywidgets.HTML(str(Markup("<span>deleted{} on {}</span>").format(by, record.when))),
            ]))
        self.deleted_rows.children = rows

    def restore(self, record: DeletedRecord) -> bool:
        """Bring one deleted record back; say what happened (or why not) in the panel's status."""
        if not access.may(access.signed_in_role(), "coordinator"):
            self.status.value = say("error", _("Not restored: {value}").format(value=access.refusal('coordinator')))
            return False
        try:
            self._ws.restore(record.table, record.record_id)
        except Exception as error:  # noqa: BLE001
            self.status.value = say("error", _("Not restored: {value}").format(value=_failures.words(error, f'restore in {record.table}')))
            return False
        self.refresh()  # the list first, so the page never says "Restored" beside a Restore button
        self.status.value = say("saved", _("Restored {what}.").format(what=record.what))
        _sync.notify_saved(self._ws, self)
        return True
