"""A workspace's content as one hash: the same records give the same digest, whatever the file's
mtime, page layout or write-ahead log state (a checkpoint changes the file, not its content).

`cswb report` compares it with the digest recorded beside a community's last report to skip
communities whose data did not change. Hashing every row takes 50-150 ms for a sample and more
for a large city, so the report also records `file_state`: while the file and its log are
exactly as they were (same inode, size and nanosecond mtime), the recorded digest stands, as
git's index or make trust a file's stat; any change to them and the content decides.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import urllib.parse

from ..errors import WorkspaceError
from ..i18n import _
from .workspace import LOCK_WAIT_SECONDS, database_path

FileState = list[int]

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
        raise WorkspaceError(_("{file}: cannot read the workspace to compare it with its last report ({reason})").format(file=db, reason=exc)) from None
    return digest.hexdigest()


def file_state(path: str | os.PathLike[str]) -> FileState:
    """The database file's inode, size and mtime (ns), and its write-ahead log's size and mtime if it
    holds anything (an empty or absent log is the same content; SQLite removes it on a clean close)."""
    db = database_path(path)
    main = db.stat()
    state = [main.st_ino, main.st_size, main.st_mtime_ns]
    try:
        log = db.with_name(db.name + "-wal").stat()
    except FileNotFoundError:
        return state
    return state + [log.st_size, log.st_mtime_ns] if log.st_size else state
