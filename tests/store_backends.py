"""Helpers for store tests that run on both backends (SQLite files and PostgreSQL communities)."""

from __future__ import annotations

import contextlib
import itertools
import sqlite3

from cswb_widgets.store import Workspace

_community_numbers = itertools.count(1)


def new_community_url(base: str, hint: str = "ws") -> str:
    """A URL naming a community no test has used yet in this session's cluster."""
    slug = "".join(ch if ch.isalnum() else "_" for ch in hint.lower())[:30].strip("_") or "ws"
    return f"{base}?community=t{next(_community_numbers)}_{slug}"


def set_stored_schema_version(ws: Workspace, version: int) -> None:
    """Make the workspace look written by another schema version (as a newer or older program would)."""
    if ws._conn.__class__.__module__.startswith("sqlite3"):
        ws._conn.execute(f"PRAGMA user_version = {version}")
    else:
        ws._conn.execute("UPDATE _meta SET schema_version = ?", (version,))


def another_writer_holds(ws: Workspace) -> bool:
    """Whether another process is inside a write transaction of this workspace (holds its write lock)."""
    if ws._conn.__class__.__module__.startswith("sqlite3"):
        probe = sqlite3.connect(ws.db_path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            probe.close()
    import psycopg

    with contextlib.closing(psycopg.connect(ws.where.conninfo, autocommit=True)) as raw:  # type: ignore[attr-defined]
        row = raw.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                          " AND pid <> pg_backend_pid() AND objid::bigint = (hashtext(%s)::bigint & 4294967295)",
                          (f"cswb:{ws.where.schema}",)).fetchone()  # type: ignore[attr-defined]
        return bool(row and row[0])
