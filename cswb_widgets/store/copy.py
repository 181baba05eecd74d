"""`cswb migrate`: a SQLite workspace copied whole into a community in PostgreSQL; and back, as
a snapshot: `cswb report` makes a community's documents from a SQLite copy of it (`snapshot_community`).

Every record (deleted ones too, in their order), the audit trail (with its sequence numbers)
and the adopted versions are copied in one transaction, then counted on both sides before it
commits: the community appears complete, or (refused, failed or killed) not at all, and a
community it replaces stays as it was until then.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import WorkspaceError
from ..i18n import _
from .postgres import CommunityURL, PostgresWorkspace, community_exists
from .schema import PLAN_VERSIONS_TABLE, TABLES
from .workspace import Workspace

AUDIT_COLUMNS = ("seq", "change_id", "at", "actor", "action", "table_name", "record_id", "before", "after", "note")
VERSION_COLUMNS = ("number", "label", "kind", "adopted_on", "councils", "created_at", "actor", "schema_version",
                   "content_sha256", "snapshot")


def copied_tables() -> list[tuple[str, tuple[str, ...], str]]:
    """(table, columns, order) of everything a migration copies, in the order it copies them."""
    tables = [(spec.name, (*spec.column_names, "deleted_at"), "rowid") for spec in TABLES]
    return [*tables, ("_audit", AUDIT_COLUMNS, "seq"), (PLAN_VERSIONS_TABLE, VERSION_COLUMNS, "number")]


@dataclass(frozen=True)
class Migration:
    source: str
    target: str  # the community and database, as messages name them
    records: int
    deleted: int
    audit_entries: int
    versions: int

    def summary(self) -> str:
        return (
            f"copied {self.records} records ({self.deleted} of them deleted), {self.audit_entries} audit entries"
            f" and {self.versions} adopted version(s) from {self.source} into {self.target}; counts checked on both"
            " sides: they match"
        )


def migrate_workspace(source: str | os.PathLike[str], url: str, *, replace: bool = False) -> Migration:
    """Copy the SQLite workspace at `source` into the community `url` names (see the module's doc)."""
    if not replace and community_exists(url):
        raise WorkspaceError(_("{where}: a workspace already exists here; add --replace to replace it with the copy").format(
            where=CommunityURL.parse(url).shown))
    with Workspace.open(source, read_only=True) as original:  # an older file is read upgraded; it stays as it is
        target = PostgresWorkspace(url, actor=original.actor, _create=True, _building=True, _replace=replace)
        try:
            counts: dict[str, int] = {}
            for name, columns, order in copied_tables():
                quoted = ", ".join(f'"{c}"' for c in columns)
                rows = original._rows(f'SELECT {quoted} FROM "{name}" ORDER BY {order}')
                target._pg.executemany(f'INSERT INTO "{name}" ({quoted}) VALUES ({", ".join("?" * len(columns))})',
                                       rows)
                counts[name] = len(rows)
            # later audit entries continue the copied numbering
            target._pg.execute("SELECT setval(pg_get_serial_sequence('_audit', 'seq'), coalesce(max(seq), 0) + 1, false)"
                               " FROM _audit")
            for name, _columns, _order in copied_tables():
                (copied,) = target._pg.execute(f'SELECT count(*) FROM "{name}"').fetchone()  # type: ignore[misc]
                if copied != counts[name]:
                    raise WorkspaceError(
                        _("{where}: {table} has {copied} rows after the copy, {count} in {source}; nothing was kept: try again").format(
                            where=target.where.shown, table=name, copied=copied, count=counts[name], source=source)
                    )
            deleted = sum(
                original._rows(f'SELECT count(*) FROM "{spec.name}" WHERE deleted_at IS NOT NULL')[0][0] for spec in TABLES
            )
            target.finish_building()
            return Migration(
                source=str(source), target=target.where.shown, records=sum(counts[spec.name] for spec in TABLES),
                deleted=deleted, audit_entries=counts["_audit"], versions=counts[PLAN_VERSIONS_TABLE],
            )
        finally:
            target.close()


def snapshot_community(url: str, folder: str | os.PathLike[str]) -> dict[str, int]:
    """Copy the community `url` names whole into a new SQLite workspace at `folder`; the rows per table.

    Read in one read-only REPEATABLE READ transaction: the copy is the community at one instant,
    whoever edits it meanwhile (a report's six notebooks then read the same data). The copy holds
    what a migration copies (every record, deleted ones too, the audit trail, the adopted versions)
    in the same order, so the same rows make the same copy, byte for byte in content
    (`store.digest.content_digest`): a report's skip-unchanged check works on it as on a file.
    """
    counts: dict[str, int] = {}
    source = PostgresWorkspace(url, read_only=True)
    with source, source._lock, source._raw.transaction():
        source._raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        with Workspace.building(Path(folder), actor=source.actor) as target, target._write_lock() as conn:
            for name, columns, order in copied_tables():
                quoted = ", ".join(f'"{c}"' for c in columns)
                rows = source._rows(f'SELECT {quoted} FROM "{name}" ORDER BY {order}')
                conn.executemany(f'INSERT INTO "{name}" ({quoted}) VALUES ({", ".join("?" * len(columns))})', rows)
                counts[name] = len(rows)
    return counts
