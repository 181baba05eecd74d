"""What every workbook notebook shares: opening the workspace, the two modes, sections.

A notebook cell calls one method of its stage's `Workbook`; the method returns
what the cell shows. In **app** mode that is a live widget bound to the
workspace; in **report** mode it is static HTML built from the same data, so
the printed plan and the workshop screen never disagree.
"""

from __future__ import annotations

import os
from collections.abc import Callable
import functools
from typing import Any, ClassVar, TypeVar

import anywidget
import ipywidgets
from IPython.display import HTML
from markupsafe import Markup

from .. import render
from ..paths import workbooks_dir
from ..errors import CswbError
from ..store import Workspace
from ..widgets import EditableTable, GuidancePanel, StageHeader, _failures, _sync

MODES = ("app", "report")

# Tells the kernel that the placeholder is on screen, once the browser has painted the page
# and is idle (so building sections never delays the first controls); renders nothing.
_SHOWN_ESM = """
export default {
  render({ model }) {
    const shown = () => model.send({ type: "shown" });
    if (window.requestIdleCallback) window.requestIdleCallback(shown, { timeout: 1000 });
    else setTimeout(shown, 0);
  },
};
"""

Shown = ipywidgets.Widget | HTML


def _html(markup: str) -> HTML:
    return HTML(markup)


class Workbook:
    """One stage's notebook: `Workbook(workspace, mode)`, then one call per cell."""

    stage: ClassVar[str] = ""

    def __init__(self, ws: Workspace, mode: str) -> None:
        self.ws = ws
        self.mode = mode

    @classmethod
    def open(cls, workspace: str | os.PathLike[str] | None = None, mode: str = "app") -> Workbook:
        """Open the workspace the notebook was given (or, under Voilà, the page's address names).

        A refused workspace (missing, or outside the served root) shows one clear
        message and the rest of the notebook shows nothing: visitors never see a traceback.
        """
        from ..serve.request import resolve_workspace

        if mode not in MODES:
            raise CswbError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        try:
            path = resolve_workspace(workspace)
            ws = Workspace.open(path, actor="report" if mode == "report" else "workshop participant")
        except CswbError as exc:
            if mode == "report":
                raise
            return Unavailable(str(exc))  # type: ignore[return-value]
        return cls(ws, mode)

    @property
    def app(self) -> bool:
        return self.mode == "app"

    def tables(self) -> render.WorkspaceTables:
        return render.WorkspaceTables(self.ws)

    def link(self, stage: str) -> str | None:
        """The address of another stage's app, or None while that workbook is not installed."""
        if not (workbooks_dir() / f"{stage}.ipynb").exists():
            return None
        return f"{stage}.ipynb?workspace={self.ws.path.name}"

    # -- parts every stage has ----------------------------------------------------------

    def header(self) -> Shown:
        """The stage header (links to the six workbooks, completion); in apps, the editor's name."""
        if not self.app:
            return _html(render.workspace_header_html(self.ws, self.stage, self.link, style=True))
        who = ipywidgets.Text(
            description="Your name (for the change history)",
            placeholder="e.g. Alex from the library",
            style={"description_width": "initial"},
            layout=ipywidgets.Layout(width="32rem"),
        )

        def set_actor(change: dict[str, Any]) -> None:
            self.ws.actor = change["new"].strip() or "workshop participant"

        who.observe(set_actor, names="value")
        return ipywidgets.VBox([StageHeader(self.ws, self.stage, link=self.link), who])

    def guidance(self) -> Shown:
        if self.app:
            return GuidancePanel(self.stage)
        return _html(render.guidance_html(self.stage, open=True))

    def records(
        self,
        table: str,
        *,
        columns: list[str] | None = None,
        where: dict[str, Any] | None = None,
        labels: dict[str, str] | None = None,
        caption: str | None = None,
        readonly: tuple[str, ...] = (),
        cascade_delete: bool = False,
    ) -> Shown:
        """An editable table in apps, the same rows as a static table in reports."""
        if self.app:
            return EditableTable(
                self.ws, table, columns=columns, where=where, labels=labels, caption=caption,
                readonly=readonly, cascade_delete=cascade_delete,
            )
        return _html(render.records_html(self.ws, table, columns=columns, where=where, labels=labels, caption=caption))

    def live(self, build_html: Callable[[], str], *, refresh_label: str = "Refresh") -> Shown:
        """Computed, read-only HTML: in apps with a button that recomputes it from the workspace."""
        if not self.app:
            return _html(build_html())
        return LiveHTML(self.ws, build_html, refresh_label=refresh_label)


class LiveHTML(ipywidgets.VBox):
    """HTML computed from the workspace, recomputed after any save in this kernel or on request."""

    def __init__(self, ws: Workspace, build_html: Callable[[], str], *, refresh_label: str = "Refresh") -> None:
        self._build_html = build_html
        self.view = ipywidgets.HTML(build_html())
        self.button = ipywidgets.Button(description=refresh_label, tooltip="Recompute from the latest data")
        self.button.on_click(lambda _b: self.refresh())
        super().__init__([self.view, self.button])
        _sync.subscribe(ws, self.refresh)

    def refresh(self) -> None:
        try:
            self.view.value = self._build_html()
        except Exception as error:  # noqa: BLE001 - a button or a save elsewhere: said here, not in a log
            self.view.value = _alert(f"Could not recompute this: {_failures.words(error, 'live section')}")


def _alert(words: str) -> str:
    colour = render.PALETTE["error"]
    return str(Markup('<p role="alert" style="color:{};font-weight:600">{}</p>').format(colour, words))


class _ShownSignal(anywidget.AnyWidget):
    _esm = _SHOWN_ESM


class Deferred(ipywidgets.VBox):
    """A section built once its placeholder is on screen, not while the page is being made.

    Voilà sends a page only after every cell has run and the browser shows the first control
    only after every widget on the page has loaded, so building sections after the page is up
    puts the first control on screen sooner; the sections fill in a moment later.
    """

    def __init__(self, build: Callable[[], Shown], label: str) -> None:
        self._build: Callable[[], Shown] | None = build
        self._content: Shown | None = None
        self._label = label
        signal = _ShownSignal()
        signal.on_msg(self._on_message)
        loading = ipywidgets.HTML(str(Markup('<p class="cswb-loading">Loading {}…</p>').format(label)))
        super().__init__([loading, signal])

    def _on_message(self, _widget: object, content: dict[str, Any], _buffers: object) -> None:
        if content.get("type") == "shown":
            try:
                self.content  # noqa: B018 - builds and shows it
            except Exception as error:  # noqa: BLE001 - a browser message: said in place of the section
                words = _failures.words(error, f"building {self._label}")
                self.children = [ipywidgets.HTML(_alert(f"Could not show {self._label}: {words}"))]

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


Method = TypeVar("Method", bound=Callable[..., Shown])


def deferred(method: Method) -> Method:
    """Decorate a Workbook section: in app mode it is built once shown (see `Deferred`)."""

    @functools.wraps(method)
    def wrapper(self: Workbook, *args: Any, **kwargs: Any) -> Shown:
        if not self.app:
            return method(self, *args, **kwargs)
        return Deferred(lambda: method(self, *args, **kwargs), method.__name__.replace("_", " "))

    return wrapper  # type: ignore[return-value]


def report_only(method: Method) -> Method:
    """Decorate a part of the printed plan that apps leave out (other parts there edit its data).

    `cswb report` assembles the plan from these parts' report-mode output; in app mode the
    cell shows nothing.
    """

    @functools.wraps(method)
    def wrapper(self: Workbook, *args: Any, **kwargs: Any) -> Shown:
        if self.app:
            return _html("")
        return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


RISK_PART_CLASS = "cswb-risk-part"  # `cswb report` gathers these blocks into one section per priority risk


def risk_part_html(risk_id: object, risk_name: object, part: str, body: str) -> str:
    """One priority risk's block of a per-risk part: the risk's name (h3), then `body` (h4 and below).

    Several workbooks give each priority risk a block (its profile, activities, outcomes);
    the plan document puts the blocks of one risk together under one heading.
    """
    return str(Markup('<section class="{}" data-risk="{}" data-part="{}"><h3 class="cswb-risk-name">{}</h3>').format(
        RISK_PART_CLASS, risk_id, part, risk_name)) + body + "</section>"


class Unavailable:
    """Stands in for a workbook whose workspace was refused: says why once, then stays quiet."""

    def __init__(self, message: str) -> None:
        self.message = message
        self._said = False

    def __getattr__(self, name: str) -> Callable[..., HTML]:
        def quiet(*_args: object, **_kwargs: object) -> HTML:
            if self._said:
                return HTML("")
            self._said = True
            return HTML(
                '<div role="alert" class="cswb-refused"><h1>This workspace cannot be opened</h1><p>'
                + str(render.escape(self.message))
                + '</p><p><a href="../../">Back to the list of workspaces</a></p></div>'
            )

        return quiet
