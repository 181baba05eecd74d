"""What `cswb serve` prints: the address once (`app._announce`), then only what needs the operator.

Voilà and jupyter_server log a line per kernel (ids nobody reads), warn that each of our own
notebooks "is not trusted" (trust only matters for outputs saved in a notebook, and the apps'
notebooks are run fresh from the package), and print the address a second time. Those lines go
down to DEBUG: still there with ``--debug``-style logging, no longer drowning a real error.
"""

from __future__ import annotations

import logging
import re

# Messages of routine events (matched against the start of the formatted message).
ROUTINE = re.compile(
    r"Notebook .* is not trusted"
    r"|Kernel started: "
    r"|Kernel pool of .* is filled"
    r"|Using pre-heated kernel: "
    r"|Culling kernels with idle durations"
    r"|Voil[aà] is running at"
    r"|Using .* to store connection files"
    r"|Storing connection files in "
    r"|Serving static files from "
    r"|The websocket_ping_timeout \(\d+\) cannot be longer"
    r"|Setting websocket_ping_timeout="
)
VOILA_LOGGERS = ("tornado.general", "tornado.application", "ServerApp")


class RoutineToDebug(logging.Filter):
    """Treat routine records as DEBUG: kept only while the app's console shows DEBUG."""

    def __init__(self, app_log: logging.Logger) -> None:
        super().__init__()
        self.app_log = app_log

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG and ROUTINE.match(record.getMessage()):
            # traitlets keeps the app's logger at DEBUG and sets --log-level on its handlers
            # (replacing them when it reconfigures): ask them as they are now.
            levels = [handler.level for handler in self.app_log.handlers] or [self.app_log.getEffectiveLevel()]
            return min(levels) <= logging.DEBUG
        return True


def quiet_routine_lines(app_log: logging.Logger) -> None:
    """Filter what the app logs (its components log through the same logger) and tornado's loggers."""
    for logger in (app_log, *(logging.getLogger(name) for name in VOILA_LOGGERS)):
        if not any(isinstance(f, RoutineToDebug) for f in logger.filters):
            logger.addFilter(RoutineToDebug(app_log))
