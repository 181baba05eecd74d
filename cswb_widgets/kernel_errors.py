"""In a served app's kernel, errors go to the server log; the visitor sees one plain line.

A Voilà kernel sends every error and everything written to stderr over its iopub channel to
each page connected to it, shown or not: a traceback there hands a visitor server paths and
code. Voilà's `show_tracebacks=False` strips errors only from the cells it renders, not from
what happens afterwards (a widget callback that raises, a warning, a log record). Once
`install()` has run in a kernel:

- every traceback IPython would publish (a cell's, a widget callback's through ipywidgets'
  `ip.showtraceback()`, a custom exception handler's) funnels through the shell's
  `_showtraceback`: its details go to the server log and the page gets `VISITOR_MESSAGE`;
- `sys.stderr` and file descriptor 2 are the server's own stderr again (ipykernel redirects
  both to iopub), so warnings, `logging` and C libraries write to the log only.

`cswb serve` installs it in every kernel it starts (an IPython startup file, see
`serve.app.kernel_profile`); `page.resolve_workspace` installs it again under any other Voilà.
Standard library only: it runs before anything else in each kernel.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
from typing import Any

from .i18n import N_, _

VISITOR_MESSAGE = N_("Something went wrong here. The person running the server can find the details in its log.")
LOGGER_NAME = "cswb_widgets"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# A server path in a message: two or more /-separated parts (a message's own words never are).
_ANY_PATH = re.compile(r"(?<![\w.])(?:/[^\s/:'\"()]+){2,}/?")
HIDDEN_PATH = N_("(a folder on the server)")

log = logging.getLogger(LOGGER_NAME)


class AppError(Exception):
    """What a visitor's page is told an error was: no type, path or code of the real one."""


_state: dict[str, Any] = {}  # the replaced stderr (kept alive) once installed


def installed() -> bool:
    return "shell" in _state


def hide_paths(text: str) -> str:
    """`text` with every absolute path replaced by HIDDEN_PATH."""
    hidden = _(HIDDEN_PATH)
    return _ANY_PATH.sub(lambda _match: hidden, text)


def for_page(text: str) -> str:
    """A message as a widget may show it: without server paths in a served kernel (where a
    visitor reads it), unchanged elsewhere (an analyst in JupyterLab wants the path)."""
    return hide_paths(text) if installed() else text


def install(shell: Any = None) -> bool:
    """Route this kernel's errors to the server log; True once done (idempotent).

    Does nothing outside an IPython kernel (a script, a test process): there is no page there.
    """
    if installed():
        return True
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None or not hasattr(shell, "_showtraceback"):
        return False
    _stderr_to_server()
    _log_to_server()
    publish = shell._showtraceback

    def plain_traceback(etype: type, evalue: BaseException, stb: list[str]) -> None:
        details = _ANSI.sub("", "\n".join(stb)) if stb else f"{etype.__name__}: {evalue}"
        shown = _(VISITOR_MESSAGE)
        log.error("an error in a served notebook (the visitor saw: %s)\n%s", shown, details)
        publish(AppError, AppError(shown), [shown])

    shell._showtraceback = plain_traceback
    _state["shell"] = shell
    return True


def _stderr_to_server() -> None:
    """Point fd 2 and sys.stderr back at the stderr the kernel inherited from the server."""
    captured = sys.stderr
    original = getattr(captured, "_original_stdstream_copy", None)  # ipykernel's copy of fd 2
    if original is not None:
        with contextlib.suppress(OSError, ValueError):
            captured.flush()
        os.dup2(original, 2)  # ipykernel's pipe watcher then never sees another byte
    _state["captured_stderr"] = captured  # keep ipykernel's stream (and its thread) alive
    if sys.__stderr__ is not None:
        sys.stderr = sys.__stderr__


class _ServerLog(logging.StreamHandler):
    """Writes to the kernel's inherited stderr, which is the server's log."""


def _log_to_server() -> None:
    if any(isinstance(h, _ServerLog) for h in log.handlers):
        return
    handler = _ServerLog(sys.__stderr__)
    handler.setFormatter(logging.Formatter("[cswb kernel %(process)d %(asctime)s] %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False  # one copy in the log, not another through the root logger
