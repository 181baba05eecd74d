"""How the apps build a workbook's sections: after the page is up, and again after edits.

Voilà sends a page only after every cell has run, and the browser shows the first control only
after every widget on the page has loaded; so sections are built once their placeholder is on
screen (`Deferred`), and computed views are recomputed after any save (`LiveHTML`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

import anywidget
import ipywidgets
import traitlets
from IPython.display import HTML
from markupsafe import Markup

from .. import render
from ..i18n import _
from ..store import Workspace
from . import _failures, _static, _sync

SHOWN_ESM = _static.script("section_shown.js")  # tells the kernel when a placeholder is on screen
LIVE_REFRESH_ESM = _static.script("live_refresh.js")  # asks the kernel, now and then, whether data changed

Shown: TypeAlias = "ipywidgets.Widget | HTML"


class _ChangeTicker(anywidget.AnyWidget):
    _esm = LIVE_REFRESH_ESM
    refresh_seconds = traitlets.Float(5.0).tag(sync=True)

    @traitlets.validate("refresh_seconds")
    def _bounded(self, proposal: dict[str, Any]) -> float:
        return _sync.refresh_interval(float(proposal["value"]))


class LiveHTML(ipywidgets.VBox):
    """HTML computed from the workspace, recomputed after any save: in this kernel at once, in
    another (someone else's page) within `refresh_seconds`, as the editing tables do. No button:
    what is shown is never older than that."""

    def __init__(self, ws: Workspace, build_html: Callable[[], str], *, refresh_seconds: float = 5.0) -> None:
        self._ws = ws
        self._build_html = build_html
        self._version = ws.last_change()
        self.view = ipywidgets.HTML(build_html())
        ticker = _ChangeTicker(refresh_seconds=refresh_seconds)
        ticker.on_msg(self._on_tick)
        super().__init__([self.view, ticker])
        _sync.subscribe(ws, self.refresh)

    def _on_tick(self, _widget: object, content: dict[str, Any], _buffers: object) -> None:
        if content.get("type") != "tick":
            return
        try:
            changed = self._ws.last_change() != self._version
        except Exception as error:  # noqa: BLE001 - a timer's question: answered in the section
            self.view.value = alert_html(_("Could not check for changes: {value}").format(value=_failures.words(error, 'live section')))
            return
        if changed:
            self.refresh()

    def refresh(self) -> None:
        try:
            self._version = self._ws.last_change()
            self.view.value = self._build_html()
        except Exception as error:  # noqa: BLE001 - a timer or a save elsewhere: said here, not in a log
            self.view.value = alert_html(_("Could not recompute this: {value}").format(value=_failures.words(error, 'live section')))


def alert_html(words: str) -> str:
    """A failure said in place of what could not be shown."""
    colour = render.PALETTE["error"]
    return str(Markup('<p role="alert" style="color:{};font-weight:600">{}</p>').format(colour, words))


class _Placeholder(anywidget.AnyWidget):
    """A section's "Loading…" words, which tell the kernel once they are on screen."""

    _esm = SHOWN_ESM
    text = traitlets.Unicode("").tag(sync=True)


class Deferred(ipywidgets.VBox):
    """A section built once its placeholder is on screen, not while the page is being made."""

    def __init__(self, build: Callable[[], Shown], label: str) -> None:
        self._build: Callable[[], Shown] | None = build
        self._content: Shown | None = None
        self._label = label
        placeholder = _Placeholder(text=_("Loading…"))
        placeholder.on_msg(self._on_message)
        super().__init__([placeholder])

    def _on_message(self, _widget: object, content: dict[str, Any], _buffers: object) -> None:
        if content.get("type") == "shown":
            try:
                self.content  # noqa: B018 - builds and shows it
            except Exception as error:  # noqa: BLE001 - a browser message: said in place of the section
                words = _failures.words(error, f"building {self._label}")
                self.children = [ipywidgets.HTML(alert_html(_("Could not show {label}: {words}").format(label=self._label, words=words)))]

    @property
    def content(self) -> Shown:
        """The section itself (built now if the browser has not asked for it yet)."""
        if self._build is not None:
            build, self._build = self._build, None
            try:
                self._content = build()
            except BaseException:
                self._build = build  # not built: the next look tries again
                raise
            self.children = [self._content] if isinstance(self._content, ipywidgets.Widget) else [
                ipywidgets.HTML(self._content.data)
            ]
        assert self._content is not None
        return self._content
