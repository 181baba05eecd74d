"""Schema creation and upgrades: newer code opens older workspaces.

The schema version lives in SQLite's `user_version` (on PostgreSQL: the community schema's
`_meta` table, see postgres.py). Explicit steps handle
changes that need data work; afterwards any table or nullable column the
current schema declares but the file lacks is added, so additive changes need
no hand-written step.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from ..errors import WorkspaceError
from ..i18n import _
from ..model.adoption import resolution_kind
from ..model.evaluation import period_start_from_note
from .schema import PLAN_VERSIONS_DDL, SCHEMA_VERSION, TABLES, TABLES_BY_NAME, Table

_SQL_TYPES = {"int": "INTEGER", "float": "REAL", "bool": "INTEGER"}


def table_ddl(
    spec: Table,
    *,
    key_columns: tuple[str, ...] = ('"id" TEXT PRIMARY KEY NOT NULL',),
    types: dict[str, str] = _SQL_TYPES,
    blank_key: str = "coalesce(\"{}\", '')",
) -> list[str]:
    """A table's CREATE TABLE and index statements; PostgreSQL passes its own key columns, types
    and blank-value key (`blank_key` formats a column name)."""
    cols = [*key_columns]
    cols += [f'"{c.name}" {types.get(c.kind, "TEXT")}' for c in spec.columns]
    cols.append('"deleted_at" TEXT')
    statements = [f'CREATE TABLE IF NOT EXISTS "{spec.name}" ({", ".join(cols)})']
    for i, unique in enumerate(spec.unique):
        # coalesce: SQL treats NULLs as distinct, but two blank areas are the same area
        keys = ", ".join(blank_key.format(c) for c in unique)
        statements.append(
            f'CREATE UNIQUE INDEX IF NOT EXISTS "{spec.name}__unique{i}" ON "{spec.name}" ({keys})'
            " WHERE deleted_at IS NULL"
        )
    for c in spec.columns:
        if c.ref and c.kind != "list":
            statements.append(f'CREATE INDEX IF NOT EXISTS "{spec.name}__{c.name}" ON "{spec.name}" ("{c.name}")')
    return statements


_SUPPORT_DDL = [
    "CREATE TABLE IF NOT EXISTS _audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, change_id TEXT NOT NULL,"
    " at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, table_name TEXT NOT NULL,"
    " record_id TEXT NOT NULL, before TEXT, after TEXT, note TEXT)",
    "CREATE INDEX IF NOT EXISTS _audit__record ON _audit (table_name, record_id)",
    "CREATE INDEX IF NOT EXISTS _audit__change ON _audit (change_id)",
    *PLAN_VERSIONS_DDL,
]


def _on_postgres(conn: Any) -> bool:
    return getattr(conn, "dialect", "sqlite") == "postgresql"


def _columns(conn: Any, table_name: str) -> set[str]:
    if _on_postgres(conn):
        return conn.column_names(table_name)
    return {row[1] for row in conn.execute(f'PRAGMA table_info("{table_name}")')}


def _column_type(conn: Any, kind: str) -> str:
    return (conn.column_types if _on_postgres(conn) else _SQL_TYPES).get(kind, "TEXT")


def stored_version(conn: Any) -> int:
    """The schema version the workspace (file or PostgreSQL community) was written with; 0 when empty."""
    if _on_postgres(conn):
        return conn.schema_version()
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _has_tables(conn: Any) -> bool:
    if _on_postgres(conn):
        return bool(conn.table_names())
    return bool(conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0])


def _add_missing(conn: Any) -> None:
    postgres = _on_postgres(conn)
    for statement in conn.support_ddl() if postgres else _SUPPORT_DDL:
        conn.execute(statement)
    for spec in TABLES:
        present = _columns(conn, spec.name)
        if present:
            for c in spec.columns:
                if c.name not in present:
                    conn.execute(f'ALTER TABLE "{spec.name}" ADD COLUMN "{c.name}" {_column_type(conn, c.kind)}')
        for statement in conn.table_ddl(spec) if postgres else table_ddl(spec):
            conn.execute(statement)


def _v1_to_v2(conn: Any) -> None:
    """Version 2 adds the plan identity (name, colours, logo) to the community profile."""
    present = _columns(conn, "community")
    for name in ("plan_name", "colour_primary", "colour_secondary", "logo"):
        if name not in present:
            conn.execute(f'ALTER TABLE community ADD COLUMN "{name}" TEXT')
    conn.execute(
        "UPDATE community SET plan_name = name || ' Community Safety and Well-Being Plan'"
        " WHERE plan_name IS NULL AND name IS NOT NULL"
    )


def _add_columns(conn: Any, table_name: str, names: tuple[str, ...]) -> None:
    present = _columns(conn, table_name)
    for name in names:
        if name not in present:
            column = TABLES_BY_NAME[table_name].column(name)
            conn.execute(f'ALTER TABLE "{table_name}" ADD COLUMN "{name}" {_column_type(conn, column.kind)}')


def _v2_to_v3(conn: Any) -> None:
    """Version 3: council resolutions get a kind (only an adoption adopts the plan), indicators and
    measures a data-sovereignty flag, measurements the start of the period they cover.

    Existing resolutions get the kind their wording says (adoption only when it says "adopt");
    existing measurements whose note names a part of a year ("January to June 2025 only") get
    that period's start, so the partial figure is no longer judged against a full-year target.
    """
    _add_columns(conn, "commitment_evidence", ("resolution_kind",))
    _add_columns(conn, "indicators", ("data_sovereignty", "data_owner_id"))
    _add_columns(conn, "measures", ("data_sovereignty", "data_owner_id"))
    _add_columns(conn, "measurements", ("period_start",))
    resolutions = conn.execute(
        "SELECT id, description, reference FROM commitment_evidence"
        " WHERE kind = 'council_resolution' AND resolution_kind IS NULL"
    ).fetchall()
    for record_id, description, reference in resolutions:
        kind = resolution_kind({"description": description, "reference": reference})
        conn.execute("UPDATE commitment_evidence SET resolution_kind = ? WHERE id = ?", (kind, record_id))
    notes = conn.execute(
        "SELECT id, note FROM measurements WHERE period_start IS NULL AND note IS NOT NULL"
    ).fetchall()
    for record_id, note in notes:
        start = period_start_from_note(str(note))
        if start is not None:
            conn.execute("UPDATE measurements SET period_start = ? WHERE id = ?", (start.isoformat(), record_id))


def _v3_to_v4(conn: Any) -> None:
    """Version 4 keeps adopted plan versions: frozen snapshots of the plan's content, never edited.

    A workspace adopted under schema 3 gets no version by itself: its adoption is adopted as a
    version with `cswb versions adopt` (the snapshot must be of the content the councils adopted).
    """
    for statement in conn.plan_versions_ddl() if _on_postgres(conn) else PLAN_VERSIONS_DDL:
        conn.execute(statement)


def _v4_to_v5(conn: Any) -> None:
    """Version 5: a ballot from the kernel-less voting page carries its device's fingerprint, and
    one vote per risk is kept per participant *and device* (the unique index is remade)."""
    _add_columns(conn, "votes", ("device",))
    conn.execute('DROP INDEX IF EXISTS "votes__unique0"')  # _add_missing creates the new one


def _v5_to_v6(conn: Any) -> None:
    """Version 6: the plan's language (English, French or both; blank reads as English) and the
    languages each asset serves in, so a plan can be published in French and the gap in French
    services shown. Both start blank: nothing is known about them yet."""
    _add_columns(conn, "community", ("plan_language",))
    _add_columns(conn, "assets", ("service_languages",))


# STEPS[n] upgrades a workspace of version n to n + 1.
STEPS: dict[int, Callable[[Any], None]] = {
    1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4, 4: _v4_to_v5, 5: _v5_to_v6,
}


def upgrade(conn: Any, write_lock: Callable[[], AbstractContextManager]) -> int | None:
    """Bring the workspace to SCHEMA_VERSION (creating it when empty).

    Returns the version it upgraded from, or None when there was nothing to do (another
    process may have upgraded the file while this one waited for the lock).
    """
    version = stored_version(conn)
    if version > SCHEMA_VERSION:
        raise WorkspaceError(
            _("this workspace was written by a newer CSWB Workbook (schema {version}; this one reads up to {latest}): "
              "upgrade cswb-workbook").format(version=version, latest=SCHEMA_VERSION)
        )
    if version == SCHEMA_VERSION:
        return None
    with write_lock():
        # Another process may have upgraded while we waited for the lock.
        version = stored_version(conn)
        if version == SCHEMA_VERSION:
            return None
        found = version
        if version == 0:
            if _has_tables(conn):
                raise WorkspaceError(_("this database is not a CSWB workspace (it has tables but no schema version)"))
        else:
            while version < SCHEMA_VERSION:
                STEPS[version](conn)
                version += 1
        _add_missing(conn)
        if _on_postgres(conn):
            conn.set_schema_version(SCHEMA_VERSION)
        else:
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return found
