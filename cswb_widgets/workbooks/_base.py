"""What every workbook notebook shares: opening the workspace, the two modes, sections.

A notebook cell calls one method of its stage's `Workbook`; the method returns
what the cell shows. In **app** mode that is a live widget bound to the
workspace; in **report** mode it is static HTML built from the same data, so
the printed plan and the workshop screen never disagree.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias, TypeVar

from IPython.display import HTML
from markupsafe import Markup

from .. import access, render
from ..errors import CswbError
from ..framework import load_catalogue
from ..i18n import _
from ..model._tables import Tables
from ..model.plan_versions import COMMITTED_TABLES, measured_against
from ..paths import workbooks_dir
from ..render.plan_parts import risk_part_html
from ..store import Workspace
from ..store.digest import file_state
from ..store.served_root import for_visitor
from ..store.versions import PlanVersion, get_version, latest_version, opened_version

if TYPE_CHECKING:
    import ipywidgets

MODES = ("app", "report")
DOCUMENTS = ("plan", "progress")  # what a report-mode run makes: the adopted plan, or a progress report
log = logging.getLogger(__name__)

# What a part returns: a live widget in apps, static HTML in reports. Report kernels never
# import the widget libraries: app-only code imports `..widgets` where it needs it.
Shown: TypeAlias = "ipywidgets.Widget | HTML"

__all__ = ["MODES", "Shown", "Workbook", "deferred", "report_only", "risk_part_html", "share_report_tables"]


def _html(markup: str) -> HTML:
    return HTML(markup)


class Workbook:
    """One stage's notebook: `Workbook(workspace, mode)`, then one call per cell."""

    stage: ClassVar[str] = ""
    # Report mode: which document the parts are for. The plan shows the adopted content (no live
    # status, no instructions); the progress report shows status, overdue items and change.
    document: str = "plan"
    since: dt.date | None = None  # progress report: "what changed" starts here (None: the default)
    version: int = 0  # progress report: the adopted version it measures against (0: the latest)

    def __init__(self, ws: Workspace, mode: str) -> None:
        self.ws = ws
        self.mode = mode
        self._shared_tables: tuple[str | None, render.WorkspaceTables] | None = None

    @property
    def plan(self) -> bool:
        """Making the plan document: parts leave out live status and app instructions."""
        return not self.app and self.document == "plan"

    @classmethod
    def open(cls, workspace: str | os.PathLike[str] | None = None, mode: str = "app", *,
             document: str = "plan", since: str = "", version: int = 0) -> Workbook:
        """Open the workspace the notebook was given (or, under Voilà, the page's address names).

        A refused workspace (missing, or outside the served root) shows one clear
        message and the rest of the notebook shows nothing: visitors never see a traceback.
        `document`, `since` (an ISO date, or "") and `version` (a progress report's adopted version,
        0 for the latest) matter in report mode only.
        """
        from .page import resolve_workspace, under_voila

        if mode not in MODES:
            raise CswbError(_("mode must be one of {choices}, not {value}").format(choices=", ".join(MODES), value=repr(mode)))
        if document not in DOCUMENTS:
            raise CswbError(_("document must be one of {choices}, not {value}").format(choices=", ".join(DOCUMENTS), value=repr(document)))
        try:
            since_date = dt.date.fromisoformat(since) if since else None
        except ValueError:
            raise CswbError(_("since must be a date as YYYY-MM-DD, not {value}").format(value=repr(since))) from None
        if mode == "app":
            cls.load_widgets()
        try:
            path = resolve_workspace(workspace)  # its refusals name only what the visitor typed
        except CswbError as exc:
            if mode == "report":
                raise
            return Unavailable(str(exc))  # type: ignore[return-value]
        try:
            if mode == "report":  # a report reads: the file stays as it is
                ws = Workspace.open(path, actor="report", read_only=True)
            else:  # signed in through JupyterHub: their Hub name; a viewer's page cannot write
                ws = Workspace.open(path, actor=access.signed_in_actor() or "workshop participant",
                                    read_only=not access.may(access.signed_in_role(), "editor"))
        except CswbError as exc:
            if mode == "report":
                raise
            if not under_voila():
                return Unavailable(str(exc))  # type: ignore[return-value]  # an analyst: the path helps
            # A visitor: the community's name, never a server path; the operator gets the whole line.
            log.error("cannot open the workspace for a visitor: %s", exc)
            return Unavailable(for_visitor(str(exc), path))  # type: ignore[return-value]
        book = cls(ws, mode)
        book.document, book.since, book.version = document, since_date, int(version or 0)
        return book

    @classmethod
    def load_widgets(cls) -> None:
        """Import the app's widget modules and read the framework catalogue now: under Voilà a
        preheated kernel then pays for them before any visitor arrives (`resolve_workspace` waits
        for the visit), not during it (the catalogue alone was a quarter of the stage header's time)."""
        for name in ("cswb_widgets.widgets", "cswb_widgets.widgets.sections", f"cswb_widgets.widgets.{cls.stage}"):
            importlib.import_module(name)
        load_catalogue()  # in the kernel's language until the visit; read once per language

    @property
    def app(self) -> bool:
        return self.mode == "app"

    def tables(self) -> Tables:
        """The tables the parts show: the workspace's; in reports, as their owners let them be published
        (data sovereignty); in a progress report, measured against the adopted version (its actions,
        measures and targets, with today's status: `model.plan_versions.measured_against`)."""
        if self.app or self.document != "progress" or self.measured_version is None:
            return self.working_tables()  # a draft's progress report measures it against itself
        return self._measured_tables

    def working_tables(self) -> render.WorkspaceTables:
        """The working plan as it is today (in reports, as its owners let it be published).

        In apps every part reads the page's snapshot (`_snapshot`): the header's readiness and
        the steps built after it read each table once per change of the workspace, not once each.
        """
        if not self.app:
            return _report_tables(self.ws)
        return _ReaderTables(self.ws, self._snapshot())

    def _snapshot(self) -> render.WorkspaceTables:
        """The workspace's tables as of its last change, each read on first use; read afresh once
        anything changed it (this page, another page, another process: `Workspace.last_change`)."""
        change = self.ws.last_change()
        shared = self._shared_tables
        if shared is None or shared[0] != change:
            shared = self._shared_tables = (change, render.WorkspaceTables(self.ws))
        return shared[1]

    @functools.cached_property
    def measured_version(self) -> PlanVersion | None:
        """The adopted version a progress report measures against (`version`, or the latest); None
        before any adoption, when it measures against the working draft."""
        return get_version(self.ws, self.version) if self.version else latest_version(self.ws)

    @functools.cached_property
    def _measured_tables(self) -> Tables:
        assert self.measured_version is not None
        adopted = self._adopted_tables(self.measured_version.number)
        return measured_against(adopted, self.working_tables(), suppress=True)

    def _adopted_tables(self, number: int) -> dict[str, Any]:
        """The adopted version's plan content, as published (read while its snapshot is open)."""
        with opened_version(self.ws, number) as adopted:
            published = render.WorkspaceTables(adopted, published=True)
            return {name: published[name] for name in COMMITTED_TABLES}

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
        import ipywidgets

        from ..widgets import StageHeader
        from ..widgets.editor_name import EditorName
        from .page import under_voila

        # A served page is sent without waiting for the header's readiness (see StageHeader).
        header = StageHeader(self.ws, self.stage, link=self.link, tables=self.working_tables, background=under_voila())
        actor = access.signed_in_actor()
        if actor is not None:  # the Hub said who this is: nobody types a name
            role = access.signed_in_role()
            shown = _("Signed in as {actor}").format(actor=actor) + (f", {_(access.ROLE_LABELS[role])}" if role else "")
            signed_in = ipywidgets.HTML(str(Markup("<p class='cswb-signed-in'>{}</p>").format(shown)))
            return ipywidgets.VBox([header, signed_in])
        who = EditorName(self.ws)  # asked once per browser, then read back on every page
        return ipywidgets.VBox([header, who])

    def guidance(self) -> Shown:
        if self.app:
            from ..widgets import GuidancePanel

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
            from ..widgets import EditableTable

            return EditableTable(
                self.ws, table, columns=columns, where=where, labels=labels, caption=caption,
                readonly=readonly, cascade_delete=cascade_delete,
            )
        return _html(render.records_html(self.working_tables(), table, columns=columns, where=where, labels=labels, caption=caption))

    def live(self, build_html: Callable[[], str]) -> Shown:
        """Computed, read-only HTML: in apps recomputed whenever the workspace changes."""
        if not self.app:
            return _html(build_html())
        from ..widgets.sections import LiveHTML

        return LiveHTML(self.ws, build_html)


Method = TypeVar("Method", bound=Callable[..., Shown])


def deferred(method: Method) -> Method:
    """Decorate a Workbook section: in app mode it is built once shown (see `Deferred`)."""

    @functools.wraps(method)
    def wrapper(self: Workbook, *args: Any, **kwargs: Any) -> Shown:
        if not self.app:
            return method(self, *args, **kwargs)
        from ..widgets.sections import Deferred

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


class _ReaderTables(render.WorkspaceTables):
    """One reader's tables, copied from the page's snapshot on first use: what one part changes in
    a frame it was given stays its own, as when each part read the workspace itself."""

    def __init__(self, ws: Workspace, snapshot: render.WorkspaceTables) -> None:
        super().__init__(ws)
        self._snapshot = snapshot
        self._copies: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._copies:
            self._copies[name] = self._snapshot[name].copy()
        return self._copies[name]


# -- report kernels: a community's tables read once for all its notebooks ----------------------

class _SharedFrames:
    """The published frames of the workspace data last reported on in this process, by table name.

    `cswb report`'s kept kernel runs a community's notebooks one after another; each part used to
    read (and type, and filter for publication) every table it needs afresh: 77 reads for a sample
    plan, of 24 tables. Shared, each is read once per state of the data (`_data_state`), so an edit
    between two notebooks, or the next community, is read afresh; the previous community's frames
    are let go then (they hold no reference cycles: freed at once, also after the kernel's gc.freeze).
    """

    on: ClassVar[bool] = False  # off unless a report kernel turns it on: an analyst's notebook reads as always
    state: ClassVar[tuple[Any, ...] | None] = None
    frames: ClassVar[dict[str, Any]] = {}


def share_report_tables(on: bool = True) -> None:
    """Let report-mode parts in this process share their frames (see `_SharedFrames`); off forgets them."""
    _SharedFrames.on = on
    if not on:
        _SharedFrames.state, _SharedFrames.frames = None, {}


def _data_state(ws: Workspace) -> tuple[Any, ...] | None:
    """What identifies the data `ws` holds now: for a file, its name, inode, size and modification time
    (and its write-ahead log's) and its last recorded change; for PostgreSQL its last recorded change
    (None without one: then nothing is shared). A version's snapshot has no change log: its file says it."""
    if ws.db_path is None:  # PostgreSQL: every write goes through the store, which records it
        change = ws.last_change()
        return None if change is None else ("postgresql", getattr(ws, "url", ""), change)
    return ("sqlite", str(ws.db_path.resolve()), *file_state(ws.db_path), ws.last_change())


def _report_tables(ws: Workspace) -> render.WorkspaceTables:
    """A report part's tables: its own copies (`_ReaderTables`) of the frames shared in this process, or its own reads."""
    state = _data_state(ws) if _SharedFrames.on else None
    if state is None:
        return render.WorkspaceTables(ws, published=True)
    if state != _SharedFrames.state:
        _SharedFrames.state, _SharedFrames.frames = state, {}
    # Read through this part's own workspace (the one that read a frame first may be closed since).
    return _ReaderTables(ws, render.WorkspaceTables(ws, published=True, frames=_SharedFrames.frames))


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
                '<div role="alert" class="cswb-refused"><h1>' + str(render.escape(_("This workspace cannot be opened")))
                + "</h1><p>" + str(render.escape(self.message))
                + '</p><p><a href="../../">' + str(render.escape(_("Back to the list of community workspaces")))
                + "</a></p></div>"
            )

        return quiet
