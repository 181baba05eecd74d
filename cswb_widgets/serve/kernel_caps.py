"""Caps on the kernels that app pages hold, and a short cull for pages that never connect.

Every app page holds a kernel (110-160 MB here); without a cap, 50 page loads took 11.6 GB.
The ledger records which visitor each page's kernel was handed to (their Hub name; without a
Hub nobody is known, and addresses say little: a workshop behind one NAT), refuses a page beyond the per-server or per-visitor cap
with a plain page before a kernel is taken, and shuts down a handed-out kernel whose page
never opened its websocket (a page closed while loading, a script fetching the address) after
`never_connected_seconds`, instead of jupyter_server's idle cull 20 minutes later. Preheated
kernels waiting in Voilà's pool are not counted: their number is the pool size.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..i18n import _

log = logging.getLogger(__name__)

# One kernel is 110-160 MB: 30 pages hold about 4.8 GB; one person rarely needs more than the six workbooks.
DEFAULT_MAX_KERNELS = 30
DEFAULT_MAX_KERNELS_PER_VISITOR = 6
# A workbook page opens its websocket within seconds of its first bytes (measured: under 10 s on a
# loaded two-core machine); two minutes leaves room for a slow link.
DEFAULT_NEVER_CONNECTED_SECONDS = 120
CULL_CHECK_SECONDS = 10

_UNSET = "\0unset"  # no page is being served in this context
_visitor: contextvars.ContextVar[str | None] = contextvars.ContextVar("cswb_visitor", default=_UNSET)


@dataclass
class KernelLedger:
    max_kernels: int = DEFAULT_MAX_KERNELS
    max_per_visitor: int = DEFAULT_MAX_KERNELS_PER_VISITOR
    never_connected_seconds: float = DEFAULT_NEVER_CONNECTED_SECONDS
    handed: dict[str, tuple[str | None, float]] = field(default_factory=dict)  # kernel id -> (visitor, when)
    pending: Counter[str | None] = field(default_factory=Counter)  # pages between the check and their kernel
    ever_connected: set[str] = field(default_factory=set)

    def install(self, kernel_manager: Any) -> None:
        """Record the kernels Voilà hands to pages (from its pool, or started for one)."""
        pooled = kernel_manager.get_rendered_notebook
        started = kernel_manager.start_kernel

        @functools.wraps(pooled)
        async def get_rendered_notebook(*args: Any, **kwargs: Any) -> Any:
            visitor = _visitor.get()  # read before any await: the page's own task
            result = await pooled(*args, **kwargs)
            self._record(result[2], visitor)
            return result

        @functools.wraps(started)
        async def start_kernel(*args: Any, **kwargs: Any) -> str:
            visitor = _visitor.get()
            kernel_id = await started(*args, **kwargs)
            # A pool refill runs in a task copied from a page's context: only a kernel started for
            # the page itself (Voilà marks it not preheated) is the visitor's.
            if (kwargs.get("env") or {}).get("VOILA_PREHEAT") == "False":
                self._record(kernel_id, visitor)
            return kernel_id

        kernel_manager.get_rendered_notebook = get_rendered_notebook
        kernel_manager.start_kernel = start_kernel

    def _record(self, kernel_id: str, visitor: str | None) -> None:
        if visitor != _UNSET:
            self.handed[kernel_id] = (visitor, time.monotonic())

    def _prune(self, alive: set[str]) -> None:
        for kernel_id in [k for k in self.handed if k not in alive]:
            del self.handed[kernel_id]
            self.ever_connected.discard(kernel_id)

    def refusal(self, visitor: str | None, alive: set[str]) -> tuple[int, str] | None:
        """(status, message) when one more page for `visitor` (None: unknown) would pass a cap; else None."""
        self._prune(alive)
        total = len(self.handed) + sum(self.pending.values())
        mine = sum(1 for who, __ in self.handed.values() if who == visitor) + self.pending[visitor]
        if visitor is not None and mine >= self.max_per_visitor:
            return 429, (
                _("You already have {mine} workbook pages open, the limit per person on this server ({max_per_visitor}). Close a workbook tab you no longer use, then open this page again.").format(mine=mine, max_per_visitor=self.max_per_visitor)
            )
        if total >= self.max_kernels:
            return 503, (
                _("This server is running {total} workbook pages, its limit ({max_kernels}); please try again in a few minutes, or ask the person running it to raise --max-kernels.").format(total=total, max_kernels=self.max_kernels)
            )
        return None

    @contextmanager
    def page_for(self, visitor: str | None) -> Iterator[None]:
        """While a page is being given its kernel: count it, and tell the kernel manager whose it is."""
        self.pending[visitor] += 1
        token = _visitor.set(visitor)
        try:
            yield
        finally:
            _visitor.reset(token)
            self.pending[visitor] -= 1
            if self.pending[visitor] <= 0:
                del self.pending[visitor]

    def never_connected(self, connections: dict[str, int], now: float) -> list[str]:
        """The handed-out kernels whose page has not connected within the allowed time."""
        stale = []
        for kernel_id, (__, since) in self.handed.items():
            if connections.get(kernel_id, 0) > 0:
                self.ever_connected.add(kernel_id)
            elif kernel_id not in self.ever_connected and now - since > self.never_connected_seconds:
                stale.append(kernel_id)
        return stale

    async def cull(self, kernel_manager: Any) -> None:
        """Shut down the kernels of pages that never connected (run every CULL_CHECK_SECONDS)."""
        self._prune(set(kernel_manager.list_kernel_ids()))
        for kernel_id in self.never_connected(kernel_manager._kernel_connections, time.monotonic()):
            log.info("Shutting down kernel %s: its page never connected in %ss", kernel_id,
                     self.never_connected_seconds)
            self.handed.pop(kernel_id, None)
            try:
                await kernel_manager.shutdown_kernel(kernel_id)
            except Exception:  # already gone: nothing to reclaim
                log.debug("kernel %s was already gone", kernel_id, exc_info=True)
