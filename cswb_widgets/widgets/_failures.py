"""What a widget says when a store call fails in a way the user did not cause.

Browser messages and button callbacks run in the kernel where nobody reads a traceback:
JupyterLab puts it in its log console, Voilà nowhere. So every widget catches any
exception at its boundary and shows one line in its own status; the details go to
`logging` (logger "cswb_widgets.widgets"). Known errors (CswbError: refused input, a
busy or missing workspace) keep their own one-line messages and are not logged.
"""

from __future__ import annotations

import logging
import sqlite3

from .. import access, kernel_errors
from ..errors import CswbError
from ..i18n import N_, _

log = logging.getLogger("cswb_widgets.widgets")

TELL_HOST = N_("try again; if it keeps happening, tell whoever runs this workbook")
MAX_DETAIL = 160
READ_ONLY_PHRASE = "this workspace was opened read-only"  # store.workspace's refusal of a write


def words(error: BaseException, doing: str = "") -> str:
    """One line for the widget's status about `error`; logs the traceback of unexpected ones.

    In a served kernel the line names no server path (kernel_errors.for_page).
    """
    return kernel_errors.for_page(_words(error, doing))


def _words(error: BaseException, doing: str) -> str:
    if isinstance(error, CswbError):
        # A viewer's page opens the workspace read-only: their role, not the file, is the reason.
        if not access.may(access.signed_in_role(), "editor") and READ_ONLY_PHRASE in str(error):
            return access.refusal("editor")
        return str(error)
    log.error("%s failed", doing or "a widget action", exc_info=error)
    detail = _first_line(error)
    if isinstance(error, sqlite3.OperationalError) and ("locked" in detail or "busy" in detail):
        return _("the workspace is busy with another change ({detail}); try again in a moment").format(detail=detail)
    if isinstance(error, sqlite3.Error):
        return _("the workspace could not be used ({detail}); {advice}").format(detail=detail, advice=_(TELL_HOST))
    return _("something went wrong ({kind}: {detail}); {advice}").format(
        kind=type(error).__name__, detail=detail, advice=_(TELL_HOST))


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    line = text[0] if text else type(error).__name__
    return line if len(line) <= MAX_DETAIL else line[: MAX_DETAIL - 1] + "…"
