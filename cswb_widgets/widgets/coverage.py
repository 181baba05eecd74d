"""CoverageIndicator: required seats or consult groups - covered, missing, not applicable here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import ipywidgets

from .. import render
from ..errors import InputError
from ..i18n import _
from ..model.readiness import Check, Tables
from . import _failures, _sync
from .pickers import FIELD_LAYOUT, FIELD_STYLE, options_picker

if TYPE_CHECKING:
    from ..store.workspace import Workspace

EXEMPTIONS = "coverage_exemptions"


class CoverageIndicator(ipywidgets.VBox):
    """Shows a coverage check (``readiness.seat_coverage`` or ``consultation_coverage``) and
    lets the user mark a missing item "not applicable here", with a reason, or take that back.
    """

    def __init__(self, ws: Workspace, check_fn: Callable[[Tables], Check], *, heading_level: int = 3) -> None:
        self._ws = ws
        self._check_fn = check_fn
        self._heading_level = heading_level
        self.summary = ipywidgets.HTML("")
        self.item_picker = options_picker([], description=_("Item not applicable here"), blank=None)
        self.reason = ipywidgets.Textarea(
            description=_("Reason (required)"), rows=2, style=FIELD_STYLE, layout=FIELD_LAYOUT
        )
        self.mark_button = ipywidgets.Button(description=_("Mark not applicable here"))
        self.mark_button.on_click(
            lambda _b: self._guarded(lambda: self.mark_not_applicable(self.item_picker.value, self.reason.value))
        )
        self.marked_picker = options_picker([], description=_("Item marked not applicable"), blank=None)
        self.count_button = ipywidgets.Button(description=_("Count as required again"))
        self.count_button.on_click(lambda _b: self._guarded(lambda: self.count_again(self.marked_picker.value)))
        self.mark_box = ipywidgets.VBox([self.item_picker, self.reason, self.mark_button])
        self.count_box = ipywidgets.VBox([self.marked_picker, self.count_button])
        self.status = ipywidgets.HTML("")
        super().__init__(children=[self.summary, self.mark_box, self.count_box, self.status])
        self.add_class("cswb-coverage-indicator")
        self.check: Check = check_fn(render.WorkspaceTables(ws))
        self.list_name = render.coverage_list(self.check)
        self._redraw()
        _sync.subscribe(ws, self._refresh_after_save)

    def _guarded(self, action: Callable[[], object]) -> None:
        """A button's action: whatever fails is said under the indicator, never only in a log."""
        try:
            action()
        except Exception as error:  # noqa: BLE001 - the widget boundary
            self._say("error", _("Something went wrong: {value}").format(value=_failures.words(error, 'coverage')))

    def _refresh_after_save(self) -> None:
        self._guarded(self.refresh)

    def refresh(self) -> None:
        """Recompute the check from the workspace and redraw."""
        self.check = self._check_fn(render.WorkspaceTables(self._ws))
        self._redraw()

    def _redraw(self) -> None:
        items = render.coverage_items(self.check)
        self.summary.value = self.to_html()
        markable = [(i.name, i.key) for i in items if i.status == "missing" and i.exemptable]
        marked = [(i.name, i.key) for i in items if i.status == "not_applicable"]
        self.item_picker.options = markable
        self.marked_picker.options = marked
        self.mark_box.layout.display = None if markable else "none"
        self.count_box.layout.display = None if marked else "none"

    def to_html(self) -> str:
        """The same result as static HTML, for report mode."""
        return render.coverage_html(
            self.check, reasons=render.exemption_reasons(self._ws, self.list_name), heading_level=self._heading_level
        )

    def mark_not_applicable(self, key: str | None, reason: str) -> bool:
        """Record that `key` does not apply here, and why; False (with a message) if refused."""
        self.refresh()  # someone else may have covered or marked it meanwhile
        items = {i.key: i for i in render.coverage_items(self.check)}
        item = items.get(key or "")
        if item is None or item.status != "missing" or not item.exemptable:
            self._say("error", _("Choose a missing item that may be marked not applicable."))
            return False
        try:
            self._ws.add(EXEMPTIONS, list=self.list_name, key=item.key, reason=reason)
        except InputError as error:
            self._say(
                "error", _("Not saved: {name}: ").format(name=item.name) + "; ".join(_words(p.column, p.message) for p in error.problems)
            )
            return False
        except Exception as error:  # noqa: BLE001 - said under the indicator (and logged if unexpected)
            self._say("error", _("Not saved: {value}").format(value=_failures.words(error, 'coverage exemption')))
            return False
        self.reason.value = ""
        self._saved(_("Marked {name} as not applicable here.").format(name=item.name))
        return True

    def count_again(self, key: str | None) -> bool:
        """Take back a "not applicable here": the item is required (and counted) again."""
        frame = self._ws.table(EXEMPTIONS)
        ids = frame.loc[(frame["list"] == self.list_name) & (frame["key"] == key), "id"].tolist()
        if not ids:
            self._say("error", _("Choose an item that is marked not applicable."))
            return False
        try:
            for record_id in ids:
                self._ws.delete(EXEMPTIONS, str(record_id))
        except Exception as error:  # noqa: BLE001
            self._say("error", _("Not saved: {value}").format(value=_failures.words(error, 'coverage exemption')))
            return False
        self._saved(_("{item} is required again.").format(item=render.choice_name(self.list_name, str(key))))
        return True

    def _saved(self, words: str) -> None:
        self.refresh()
        self._say("saved", words)
        _sync.notify_saved(self._ws, self)

    def _say(self, kind: str, words: str) -> None:
        role = "alert" if kind == "error" else "status"
        colour = render.PALETTE["error"] if kind == "error" else render.PALETTE["ok"]
        self.status.value = f'<p role="{role}" style="color:{colour};font-weight:600">{render.escape(words)}</p>'


def _words(column: str | None, message: str) -> str:
    return f"{render.column_label(column)}: {message}" if column else message
