"""How people name records, columns and moments: used by the store's own messages (undo
refusals, history) and, through `cswb_widgets.render`, by every table and form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from .schema import Table, table as table_spec
from .validation import is_blank

# Columns that name a record, most telling first (the first non-blank one wins).
LABEL_COLUMNS = ("name", "title", "expected_outcome", "indicator", "text", "participant", "description")
MAX_LABEL = 80

# The label of a referenced record (table, id), or None when it is unknown.
RefLabel = Callable[[str, str], "str | None"]


def record_label(spec: Table | str, record: Mapping[str, Any], ref_label: RefLabel | None = None) -> str:
    """A short human name for a record: its name or title; else, given `ref_label`, the records
    it refers to (a membership reads "Ana · Advisory committee"); else its id."""
    spec = table_spec(spec) if isinstance(spec, str) else spec
    for name in LABEL_COLUMNS:
        if name in spec.column_names and not is_blank(record.get(name)):
            return _shortened(str(record[name]))
    if ref_label is not None:
        named = [
            ref_label(column.ref, str(record[column.name]))
            for column in spec.columns
            if column.ref and column.kind != "list" and not is_blank(record.get(column.name))
        ]
        if any(named):
            return _shortened(" · ".join(n for n in named if n))
    return str(record.get("id", ""))


def readable_column(name: str) -> str:
    """A column's name as a heading: organization_id reads "Organization"."""
    words = name.removesuffix("_id").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


# Nouns the plain rule (drop the plural "s") would get wrong.
_NOUNS = {
    "community": "community profile",
    "people": "person",
    "criteria": "criterion",
    "feedback": "feedback item",
    "commitment_evidence": "piece of commitment evidence",
    "tor_sections": "terms-of-reference section",
    "coverage_exemptions": "not-applicable mark",
}


def record_noun(table_name: str) -> str:
    """What one record of a table is called in running text: "person", "strategy", "area"."""
    table_spec(table_name)  # an unknown table is a bug: say so here
    if table_name in _NOUNS:
        return _NOUNS[table_name]
    words = table_name.replace("_", " ")
    if words.endswith("ies"):
        return words[:-3] + "y"
    return words.removesuffix("s")


def moment(stamp: str) -> str:
    """An audit time (ISO, UTC) as people read it: 2026-12-04 19:20 UTC."""
    try:
        when = dt.datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return str(stamp)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _shortened(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 3] + "..."
