"""The HTTP handlers `cswb serve` adds to Voilà: launcher, guarded app pages, local Font Awesome."""

from __future__ import annotations

import asyncio
import contextvars
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web
from voila.tornado.handler import TornadoVoilaHandler

from .. import i18n
from ..access import ACTOR_HEADER, IDENTITY_HEADERS, ROLE_HEADER
from ..errors import CswbError, WorkspaceError
from ..notebooks import OWN_NOTEBOOKS, copy_for_app
from ..store.served_root import Location, NoSuchWorkspace, names_workspace, slug_from_query, workspace_under
from ..workbooks.risk import VOTE_PATH, VOTE_VIEW
from .hub import visitor_name, visitor_roles
from .kernel_caps import KernelLedger
from .language import PageLanguage
from .launcher import render_launcher, render_refusal, workspace_cards


def _html(handler: web.RequestHandler, body: str, status: int = 200) -> None:
    handler.set_status(status)
    handler.set_header("Content-Type", "text/html; charset=UTF-8")
    handler.set_header("Cache-Control", "no-store")
    handler.finish(body)


class LauncherHandler(PageLanguage, JupyterHandler):
    """`/`: the workspaces under the root with their stages; no kernel involved."""

    def initialize(self, workspace_root: Location, stages: frozenset[str]) -> None:
        self.workspace_root = workspace_root
        self.stages = stages

    @web.authenticated
    async def get(self) -> None:
        self.choose_language()
        roles = visitor_roles(self)  # signed in through the Hub: only their communities
        # Reading every workspace is blocking SQLite work: keep it off the event loop that
        # carries the kernels' websockets (in this page's language: the context goes along).
        cards = await asyncio.get_running_loop().run_in_executor(
            None, contextvars.copy_context().run,
            workspace_cards, self.workspace_root, self.stages, None if roles is None else set(roles),
        )
        _html(self, render_launcher(cards))


class GuardedVoilaHandler(PageLanguage, TornadoVoilaHandler):
    """`/voila/render/<notebook>`: Voilà's page, but only for an acceptable `?workspace=`.

    The check runs before a kernel is handed out, so a refused address costs nothing and
    shows a plain explanation. The kernel checks the same address again when it opens the
    workspace (`request.resolve_workspace`). A workspace holding its own edited notebook
    (`<workspace>/notebooks/<name>.ipynb`) gets that one, at the same address.
    """

    def initialize(
        self, workspace_root: Location, workbooks: frozenset[str], site: Path, ledger: KernelLedger | None = None,
        **kwargs: Any,
    ) -> None:
        super().initialize(**kwargs)
        self.workspace_root = workspace_root
        self.workbooks = workbooks
        self.site = site
        self.ledger = ledger or KernelLedger()

    @web.authenticated
    async def get(self, path: str | None = None) -> None:
        self.choose_language()
        # Checking a community in a database is a round trip to it: off the event loop.
        refusal = await asyncio.get_running_loop().run_in_executor(None, self._refusal, path or "")
        refusal = refusal or self._role_refusal(path or "")
        visitor = visitor_name(self)  # None without a Hub: then only the server's cap applies
        if refusal is None:
            refusal = self.ledger.refusal(visitor, set(self.kernel_manager.list_kernel_ids()))
        if refusal is not None:
            status, message = refusal
            _html(self, render_refusal(message, home=self.base_url), status)
            return
        ballot = self._kernel_less_ballot(path or "")
        if ballot is not None:
            self.redirect(ballot)
            return
        self._pass_identity()
        # Set the XSRF cookie: when the visitor leaves, Voilà's page posts it with its request to
        # shut its kernel down, and without it that request is refused and the kernel lingers.
        self.xsrf_token  # noqa: B018 - reading it sets the cookie
        try:
            path = self._own_notebook(path or "") or path
        except CswbError as exc:
            self.log.error("%s", exc)
            _html(self, render_refusal(i18n._("This workspace's own copy of the workbook cannot be read; the "
                                              "person running the server can find the details in its log."),
                                       home=self.base_url), 500)
            return
        if path and self.language != i18n.DEFAULT_LANGUAGE:
            path = self._in_language(path)
        with self.ledger.page_for(visitor):
            await super().get(path)

    def _pass_identity(self) -> None:
        """Tell the page's kernel who signed in and their role (Voilà passes these headers on).

        Whatever the browser sent under these names is dropped first: only the server says who.
        """
        for header in (*IDENTITY_HEADERS, i18n.LANGUAGE_HEADER):
            self.request.headers.pop(header, None)
        self.request.headers[i18n.LANGUAGE_HEADER] = self.language  # the kernel shows this language
        name, roles = visitor_name(self), visitor_roles(self)
        if name is None or roles is None:
            return
        self.request.headers[ACTOR_HEADER] = name
        if names_workspace(self.request.query):
            self.request.headers[ROLE_HEADER] = roles[slug_from_query(self.request.query)]

    def _role_refusal(self, path: str) -> tuple[int, str] | None:
        """404 for a workspace the signed-in person has no role on: as if it did not exist."""
        roles = visitor_roles(self)
        if roles is None or (path not in self.workbooks and not names_workspace(self.request.query)):
            return None
        slug = slug_from_query(self.request.query)  # already checked by _refusal
        if slug not in roles:
            return 404, str(NoSuchWorkspace(i18n._("there is no workspace named {name}").format(name=repr(slug))))
        return None

    def _kernel_less_ballot(self, path: str) -> str | None:
        """The old voting view (`risk.ipynb?...&view=vote`, a kernel per phone) now opens the server's
        own ballot page instead: a saved link or bookmark costs no kernel."""
        if path != "risk.ipynb" or parse_qs(self.request.query).get("view") != [VOTE_VIEW]:
            return None
        ballot = url_path_join(self.base_url, VOTE_PATH, slug_from_query(self.request.query))
        return ballot if self.language == i18n.DEFAULT_LANGUAGE else f"{ballot}?{i18n.LANGUAGE_PARAMETER}={self.language}"

    def _in_language(self, path: str) -> str:
        """The site path of notebook `path` with its markdown in this page's language: written once
        for a packaged workbook (they do not change while the server runs), afresh for a
        workspace's own copy (just refreshed by _own_notebook)."""
        if not (self.site / path).is_file():
            return path  # not a served notebook: Voilà says so as usual
        return language_copy(self.site, path, self.language, fresh=path.startswith("_own/")).as_posix()

    def _own_notebook(self, path: str) -> str | None:
        """The site path of the workspace's own copy of workbook `path`, refreshed now, or None."""
        if path not in self.workbooks or not names_workspace(self.request.query):
            return None
        if not isinstance(self.workspace_root, Path):  # a community in a database has no folder of notebooks
            return None
        workspace = Path(workspace_under(self.workspace_root, slug_from_query(self.request.query)))
        own = workspace / OWN_NOTEBOOKS / path
        if not own.is_file():
            return None
        served = Path("_own", workspace.name, path)
        copy_for_app(own, self.site / served)
        return served.as_posix()

    def _refusal(self, path: str) -> tuple[int, str] | None:
        query = self.request.query
        if path not in self.workbooks and not names_workspace(query):
            return None  # a notebook that needs no workspace (e.g. a benchmark)
        try:
            workspace_under(self.workspace_root, slug_from_query(query))
        except NoSuchWorkspace as exc:
            return 404, str(exc)
        except WorkspaceError as exc:
            return 400, str(exc)
        return None


def language_copy(site: Path, path: str, language: str, *, fresh: bool = False) -> Path:
    """The site path of notebook `path` with its markdown in `language`, written unless already
    there (or `fresh`): by the first page asking for it, or before the server starts so that
    Voilà preheats it (`serve.preheat`)."""
    shown = Path("_lang", language, path)
    target = site / shown
    if fresh or not target.is_file():
        temporary = target.with_name(f".{target.name}.{id(target)}")
        copy_for_app(site / path, temporary, language)
        temporary.replace(target)  # whole or not at all, for a page reading it at the same time
    return shown


class VoteUnavailableHandler(PageLanguage, web.RequestHandler):
    """`/vote/<workspace>` while the workshop ballot is not installed: open to all, says so, does nothing."""

    base_url = "/"

    def get(self, _workspace: str) -> None:
        self.choose_language()
        _html(self, render_refusal(i18n._("Voting links are not available on this server yet."), home="../"), 404)
