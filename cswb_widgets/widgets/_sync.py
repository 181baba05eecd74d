"""In-kernel change notices between widgets bound to the same workspace.

A record added through a form should show in the table next to it at once,
without waiting for the table's periodic refresh. Edits from other kernels are
picked up by that refresh (the workspace's last change id tells when to reload).
"""

from __future__ import annotations

import logging
import math
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..store.workspace import Workspace

# How often a browser may ask for news. The value is a synced trait, so a visitor can set any
# number over the websocket: 0 or a NaN would make the page ask the kernel without pause.
REFRESH_SECONDS_RANGE = (0.25, 3600.0)

# database path -> weak references to the refresh methods of live widgets
_listeners: dict[str, list[weakref.WeakMethod[Callable[[], None]]]] = {}


def refresh_interval(value: float) -> float:
    """`value` (seconds between a browser's refreshes) brought into REFRESH_SECONDS_RANGE."""
    low, high = REFRESH_SECONDS_RANGE
    return min(max(value, low), high) if math.isfinite(value) else high


def subscribe(ws: Workspace, refresh: Callable[[], None]) -> None:
    """Call the bound method `refresh` whenever another widget saves to the same workspace."""
    _listeners.setdefault(str(ws.db_path), []).append(weakref.WeakMethod(refresh))


def notify_saved(ws: Workspace, source: object) -> None:
    """Tell every other live widget on this workspace that it changed."""
    key = str(ws.db_path)
    alive = []
    for ref in _listeners.get(key, []):
        method = ref()
        if method is None or getattr(getattr(method, "__self__", None), "comm", True) is None:
            continue  # the widget was garbage collected, or closed (a re-run cell's old one)
        alive.append(ref)
        if getattr(method, "__self__", None) is not source:
            try:
                method()
            except Exception:  # one widget's failed reload must not undo what the saver says
                logging.getLogger("cswb_widgets.widgets").exception("refresh after a save failed")
    _listeners[key] = alive
