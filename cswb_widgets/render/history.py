"""The workspace's change history as static HTML: who changed what, when; what is deleted."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ..i18n import N_, _
from ..store.history import Change, DeletedRecord
from .records import table_html

CHANGES_CAPTION = N_("Recent changes (newest first)")  # translated where every table's caption is
DELETED_CAPTION = N_("Deleted records")


def changes_html(entries: Sequence[Change], *, caption: str = CHANGES_CAPTION, style: bool = True) -> str:
    """A table of audit entries: when, who, what (labels, never ids)."""
    frame = pd.DataFrame(
        {"when": [e.when for e in entries], "who": [e.actor for e in entries], "what": [e.what for e in entries]},
        dtype="object",
    )
    return table_html(frame, caption=caption, empty_text=N_("No changes recorded yet."), style=style)


def deleted_html(records: Sequence[DeletedRecord], *, caption: str = DELETED_CAPTION, style: bool = True) -> str:
    """A table of the deleted records: what, who deleted it, when."""
    frame = pd.DataFrame(
        {
            "record": [r.what for r in records],
            "deleted_by": [r.actor or _("(not recorded)") for r in records],
            "when": [r.when for r in records],
        },
        dtype="object",
    )
    return table_html(frame, caption=caption, empty_text=N_("No deleted records."), style=style)
