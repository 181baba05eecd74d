"""The audit trail as coordinators read it: who changed what and when, and what was deleted.

`changes` and `deleted_records` give labels (the record's name, its column headings), never
the stored ids and codes; the `cswb history` command and the apps' History panel show them, and
`Workspace.restore` brings a deleted record back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..i18n import N_, _
from .labels import moment, readable_column, record_noun
from .schema import PLAN_VERSIONS_TABLE, TABLES, table as table_spec
from .workspace import audit_filter

if TYPE_CHECKING:
    from .workspace import Workspace

DEFAULT_LIMIT = 50
# One whole phrase per action: each language places the record's noun and name its own way.
_DONE = {
    "insert": N_("added {record} “{label}”"), "update": N_("changed {record} “{label}”"),
    "delete": N_("deleted {record} “{label}”"), "restore": N_("restored {record} “{label}”"),
    "adopt": N_("adopted {record} “{label}”"),
}


@dataclass(frozen=True)
class Change:
    """One audit entry: one record added, changed, deleted or restored by one change."""

    at: str  # ISO time, UTC
    actor: str
    action: str  # insert, update, delete or restore
    table: str
    record_id: str
    record: str  # the record's label
    columns: tuple[str, ...]  # the columns it changed, as headings (updates and restores)
    change_id: str
    note: str

    @property
    def when(self) -> str:
        return moment(self.at)

    @property
    def what(self) -> str:
        """'changed person “Jo”: organization, title'."""
        noun = _("plan version") if self.table == PLAN_VERSIONS_TABLE else record_noun(self.table)
        done = _DONE.get(self.action)
        text = _(done).format(record=noun, label=self.record) if done else f"{self.action} {noun} “{self.record}”"
        if self.action == "update" and self.columns:
            text += _(": {columns}").format(columns=", ".join(_(c).lower() for c in self.columns))
        return text


@dataclass(frozen=True)
class DeletedRecord:
    """A record deleted (and not restored) that `Workspace.restore` can bring back."""

    table: str
    record_id: str
    record: str  # its label
    at: str  # when it was deleted (ISO, UTC)
    actor: str  # who deleted it ("" if the history does not say)

    @property
    def when(self) -> str:
        return moment(self.at)

    @property
    def what(self) -> str:
        return _("{record} “{label}”").format(record=record_noun(self.table), label=self.record)


def changes(
    ws: Workspace, *, table: str | None = None, record_id: str | None = None, limit: int = DEFAULT_LIMIT
) -> list[Change]:
    """The latest `limit` audit entries (of one table, one record), newest first."""
    if table is not None:
        table_spec(table)  # an unknown table is refused with the list of known ones
    where, args = audit_filter(table, record_id)
    rows = ws._rows(
        "SELECT at, actor, action, table_name, record_id, before, after, change_id, note FROM _audit"
        f"{where} ORDER BY seq DESC LIMIT ?",
        (*args, max(limit, 0)),
    )
    entries = []
    for at, actor, action, table_name, rid, before_json, after_json, change_id, note in rows:
        before = json.loads(before_json) if before_json else {}
        after = json.loads(after_json) if after_json else {}
        if table_name == PLAN_VERSIONS_TABLE:  # not a table of records: shown as it was recorded
            entries.append(Change(at, actor, action, table_name, rid, str(after.get("label", rid)), (), change_id,
                                  note or ""))
            continue
        columns = tuple(
            readable_column(c) for c in table_spec(table_name).column_names[1:] if before.get(c) != after.get(c)
        ) if before and after else ()
        entries.append(Change(at, actor, action, table_name, rid, ws.label(table_name, after or before or rid),
                              columns, change_id, note or ""))
    return entries


def deleted_records(ws: Workspace, *, table: str | None = None, limit: int = DEFAULT_LIMIT) -> list[DeletedRecord]:
    """Records deleted and not restored (of one table), most recently deleted first."""
    names = [table_spec(table).name] if table else [t.name for t in TABLES]
    found: list[tuple[str, str, str]] = []
    for name in names:
        found += [
            (at, name, rid)
            for rid, at in ws._rows(
                f'SELECT id, deleted_at FROM "{name}" WHERE deleted_at IS NOT NULL ORDER BY deleted_at DESC LIMIT ?',
                (max(limit, 0),),
            )
        ]
    found.sort(reverse=True)
    records = []
    for at, name, rid in found[: max(limit, 0)]:
        by = ws._rows(
            "SELECT actor FROM _audit WHERE table_name = ? AND record_id = ? AND action = 'delete'"
            " ORDER BY seq DESC LIMIT 1",
            (name, rid),
        )
        records.append(DeletedRecord(name, rid, ws.label(name, rid), at, by[0][0] if by else ""))
    return records
