"""A workspace's content as one hash: the same records give the same digest, whatever the file's
mtime, page layout or write-ahead log state (a checkpoint changes the file, not its content).

`cswb report` compares it with the digest recorded beside a community's last report to skip
communities whose data did not change.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import urllib.parse

from ..errors import WorkspaceError
from .workspace import LOCK_WAIT_SECONDS, database_path

ROWS_PER_FETCH = 2000  # bounded memory, whatever the table's size


def content_digest(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of every table's rows (in table-name and rowid order) and the schema version.

    Read-only (a `mode=ro` connection, which still sees committed edits in the write-ahead log).
    Raises `WorkspaceError` if the file cannot be read as a database.
    """
    db = database_path(path)
    target = "file:" + urllib.parse.quote(str(db.resolve())) + "?mode=ro"
    digest = hashlib.sha256()
    try:
        with contextlib.closing(sqlite3.connect(target, uri=True, timeout=LOCK_WAIT_SECONDS)) as conn:
            digest.update(f"user_version={conn.execute('PRAGMA user_version').fetchone()[0]}\n".encode())
            tables = [row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
            for table in tables:
                digest.update(f"table {table}\n".encode())
                quoted = '"' + table.replace('"', '""') + '"'
                cursor = conn.execute(f"SELECT * FROM {quoted} ORDER BY rowid")  # names from sqlite_master
                while rows := cursor.fetchmany(ROWS_PER_FETCH):
                    for row in rows:
                        digest.update(repr(row).encode("utf-8", "surrogatepass"))
                        digest.update(b"\n")
    except sqlite3.Error as exc:
        raise WorkspaceError(f"{db}: cannot read the workspace to compare it with its last report ({exc})") from None
    return digest.hexdigest()
