"""Helpers for store tests that run on both backends (SQLite files and PostgreSQL communities)."""

from __future__ import annotations

import itertools

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
