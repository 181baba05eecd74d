"""The workspace a notebook works on, wherever it runs.

Kernel-side: the server's half is `cswb_widgets.serve`. Every workbook starts the same way::

    # parameters
    workspace: str = ""       # papermill / JupyterLab: a workspace folder, or a community in
                              # PostgreSQL: postgresql://…/db?community=<name>
    ...                       # heavy imports here: a preheated kernel runs them before any visitor
    from cswb_widgets.workbooks.page import resolve_workspace
    workspace_path = resolve_workspace(workspace)

Under `cswb serve` the workspace comes from the page's address (`?workspace=<slug>`) and is
confined to the served root (a folder, or a database's registry of communities); the
`workspace` parameter is then ignored, so nothing in a notebook can widen what a visitor may open. With a preheated kernel the notebook runs up to
this call before anyone visits, and the call waits for the visitor's request; keep heavy
imports above it and per-visitor work below it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .. import i18n, kernel_errors
from ..errors import WorkspaceError
from ..i18n import _
from ..store.served_root import ROOT_ENV, Location, slug_from_query, workspace_under
from ..store.workspace import database_path, is_database_url, is_workspace

_QUERY_ENV = "QUERY_STRING"  # Voilà puts the page's query here (CGI style)
_received: dict[str, str] | None = None  # the request a preheated kernel was handed, once


def under_voila() -> bool:
    """True in a kernel that Voilà started (preheated or not)."""
    return "VOILA_PREHEAT" in os.environ or "VOILA_SERVER_URL" in os.environ


def resolve_workspace(value: str | os.PathLike[str] | None = None) -> Location:
    """The workspace to open (a folder, or a `postgresql://…?community=` URL): from the page's
    address under Voilà, else `value`.

    Raises WorkspaceError, with a message fit for the visitor, for anything refused.
    """
    if under_voila():
        kernel_errors.install()  # `cswb serve` did already; any other Voilà has not
        try:
            return _workspace_from_request()
        finally:
            use_page_language()
    if value is None or not str(value).strip():
        raise WorkspaceError(_("no workspace given: set the notebook's `workspace` parameter to a workspace folder or a "
                               "postgresql://…?community=<name> URL"))
    if is_database_url(value):
        return _community(str(value))
    path = Path(value).expanduser()
    if not is_workspace(path):
        raise WorkspaceError(_("{path}: no workspace here (expected {file})").format(path=path, file=database_path(path).name))
    return path


def _community(url: str) -> str:
    """`url` if it names a community its database holds (libpq's environment, .pgpass or a service
    file can carry the password, so that the notebook's parameter need not)."""
    from ..store.postgres import CommunityURL

    if not is_workspace(url):
        raise WorkspaceError(_("{where}: no workspace here; create it with 'cswb init URL' or copy one in with 'cswb migrate'").format(
            where=CommunityURL.parse(url).shown))
    return url


def use_page_language() -> str:
    """Under Voilà, make the page's language (the server's header, from `?lang=` or the visitor's
    cookie) the kernel's for the rest of the session; elsewhere keep the current one."""
    if not under_voila():
        return i18n.current_language()
    return i18n.set_language(os.environ.get(i18n.LANGUAGE_ENV) or page_parameter(i18n.LANGUAGE_PARAMETER))


def page_parameter(name: str) -> str | None:
    """Another value of the page's address (e.g. `view=vote`), under Voilà; None elsewhere or if absent.

    Only ever compared against fixed values by the caller: it is the visitor's text.
    """
    if not under_voila():
        return None
    from urllib.parse import parse_qs

    try:
        values = parse_qs(_request_query(), keep_blank_values=True).get(name, [])
    except WorkspaceError:
        return None
    return values[0] if len(values) == 1 else None


def _workspace_from_request() -> Location:
    root = os.environ.get(ROOT_ENV)
    if not root:
        raise WorkspaceError(_("this page was not served by 'cswb serve', so it cannot open a workspace"))
    return workspace_under(root, slug_from_query(_request_query()))


def _request_query() -> str:
    """The query string of the page this kernel serves."""
    global _received
    if os.environ.get("VOILA_PREHEAT") == "True":
        # A preheated kernel started before its visitor came: only what Voilà hands over counts,
        # never a QUERY_STRING the kernel may have inherited from the server's environment.
        if _received is None:
            _received = _wait_for_request()
        query = _received.get(_QUERY_ENV)
    else:
        query = os.environ.get(_QUERY_ENV)  # Voilà started this kernel for its visitor
    if query is None:
        raise WorkspaceError(_("the server did not pass the page's address to this notebook"))
    return query


def _wait_for_request(open_timeout: float = 10.0) -> dict[str, str]:
    """Block until Voilà hands this preheated kernel its visitor's request; return it.

    Like Voilà, also put its CGI-style variables in os.environ for other code to read.

    This is `voila.utils.wait_for_request` (Voilà 0.5): connect to the server's
    `voila/query/<kernel id>` websocket and receive one JSON object of CGI-style variables.
    It is re-implemented because importing `voila.utils` pulls in jupyter_server and
    jupyterlab_server: 4.5 s and 55 MB per kernel, paid after the visitor has arrived.
    Ask only once per kernel: Voilà answers a second connection only from a cache it does not
    always fill.
    """
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect

    env = os.environ
    base = env.get("VOILA_WS_BASE_URL", env.get("VOILA_SERVER_URL", "/"))
    url = (
        f"{env.get('VOILA_WS_PROTOCOL', 'ws')}://{env.get('VOILA_APP_IP', '127.0.0.1')}:"
        f"{env.get('VOILA_APP_PORT', '8866')}{base}voila/query/{env.get('VOILA_KERNEL_ID', '')}"
    )
    try:
        with connect(url, open_timeout=open_timeout) as socket:
            payload = socket.recv()
        request = json.loads(payload)
    except (OSError, TimeoutError, WebSocketException, ValueError) as exc:
        raise WorkspaceError(_("could not receive the page's address from the server ({reason})").format(reason=exc)) from None
    if not isinstance(request, dict):
        raise WorkspaceError(_("the server passed something other than the page's address"))
    received = {str(key): str(value) for key, value in request.items()}
    env.update(received)
    return received
