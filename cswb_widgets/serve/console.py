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
    """Treat routine records as DEBUG: kept only where the logger shows DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG and ROUTINE.match(record.getMessage()):
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


def quiet_routine_lines(*loggers: logging.Logger) -> None:
    """Attach RoutineToDebug to `loggers` and tornado's (once each)."""
    for logger in (*loggers, *(logging.getLogger(name) for name in VOILA_LOGGERS)):
        if not any(isinstance(f, RoutineToDebug) for f in logger.filters):
            logger.addFilter(RoutineToDebug())
