"""Which file a workspace connection is on, and which write-ahead log belongs to which file.

SQLite ties a connection to the *inode* it opened and its write-ahead log (`-wal`, with its
index `-shm`) to the *name* of the database. When someone deletes or replaces the database
file while a connection is open (restoring a backup under the same name), two things go wrong:

- the open connection keeps writing into the deleted file (the edits vanish), and
- the old `-wal` is still next to the new file: the next connection reads its frames as if
  they belonged to the new file and checkpoints them into it (a backup merged with pages of
  another file: a broken index, "row N missing from index").

The WAL header names no database, so this module keeps a small record next to the database
(`workspace.sqlite-identity`: the identities of the database file and of its `-wal` when they
last met). A `-wal` that is the very file recorded, next to a database file that is not the one
recorded with it, is stale: it is moved aside (kept, never merged) before a connection opens.
SQLite itself already declines to checkpoint at close into a file that was moved or unlinked,
so the connection left on the old file never deletes the new file's `-wal` (the tests hold it
to that).

A connection is on "its" file while the name has the same (device, inode). The record also
holds the database file's size and modification time, refreshed after every commit that
changed the file (SQLite writes it only when it checkpoints): a file put in place by a copy
differs in them even when it got the former file's inode number, or was copied over it.
Every step that may checkpoint (a commit, a close) runs with its refresh under the record's lock
(`log_record_held`), the lock the staleness check takes too: another process opening the
workspace never sees the file changed by a checkpoint the record does not know of yet (it would
take the live log of the same file for a stale one and set committed edits aside).
Limit: a process killed between a checkpoint and the refresh (a few microseconds) makes its own
log look stale; it is then set aside (kept beside the file, with a warning), not lost.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import WorkspaceError
from ..i18n import _

try:  # a lock between processes around the identity record; POSIX only
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, the record is still written atomically
    fcntl = None  # type: ignore[assignment]

RECORD_SUFFIX = "-identity"


@dataclass(frozen=True)
class FileIdentity:
    """A file as the operating system knows it: device and inode (names can be reused)."""

    device: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> FileIdentity | None:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return None
        return cls(st.st_dev, st.st_ino)

    def as_list(self) -> list[int]:
        return [self.device, self.inode]


@dataclass(frozen=True)
class FileState:
    """A file and its content as the file system shows it: identity, size, last modification.

    SQLite writes the database file of a log-mode workspace only when it checkpoints; the
    workspace records the state after each of its commits, so a database file whose state is
    not the recorded one was written by someone else (a copy put in its place, even one that
    got the former file's inode number, or was copied over it).
    """

    identity: FileIdentity
    size: int
    modified_ns: int

    @classmethod
    def of(cls, path: Path) -> FileState | None:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return None
        return cls(FileIdentity(st.st_dev, st.st_ino), st.st_size, st.st_mtime_ns)

    def as_list(self) -> list[int]:
        return [*self.identity.as_list(), self.size, self.modified_ns]


def wal_path(db_path: Path) -> Path:
    return Path(f"{db_path}-wal")


def shm_path(db_path: Path) -> Path:
    return Path(f"{db_path}-shm")


def record_path(db_path: Path) -> Path:
    return Path(f"{db_path}{RECORD_SUFFIX}")


@contextlib.contextmanager
def _record_lock(db_path: Path) -> Iterator[None]:
    """Hold a lock on the identity record's lock file (one process at a time checks and moves)."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    try:
        fd = os.open(f"{record_path(db_path)}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:  # a read-only folder: nobody can write the log there either
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _read_record(db_path: Path) -> tuple[FileState | None, FileIdentity | None]:
    try:
        data = json.loads(record_path(db_path).read_text(encoding="utf-8"))
        (device, inode, size, modified), (wal_device, wal_inode) = data["database"], data["wal"]
        return FileState(FileIdentity(device, inode), size, modified), FileIdentity(wal_device, wal_inode)
    except (OSError, ValueError, TypeError, KeyError):
        return None, None


def set_aside_stale_log(db_path: Path) -> Path | None:
    """Before a connection opens: move a `-wal` left by a former file of this name aside.

    Returns where the stale log now is (it holds the former file's last edits: kept, not
    merged), or None when the `-wal` belongs to this file or there is none. A `-wal` that is
    not the recorded one (a folder copied whole, a log SQLite made anew) is left alone.
    """
    if not record_path(db_path).exists() or not wal_path(db_path).exists():
        return None  # nothing to compare (and a read-only open creates no lock file)
    with _record_lock(db_path):
        recorded_db, recorded_wal = _read_record(db_path)
        if recorded_db is None or recorded_wal is None:
            return None
        current_db, current_wal = FileState.of(db_path), FileIdentity.of(wal_path(db_path))
        if current_db is None or current_wal != recorded_wal or current_db == recorded_db:
            return None
        if wal_path(db_path).stat().st_size == 0:
            return None  # an empty log holds nothing to merge (and may be a new file on a reused inode)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        aside = db_path.with_name(f"{db_path.name}-wal.replaced-{stamp}")
        try:
            os.replace(wal_path(db_path), aside)
            # The index describes the stale log only; a connection still open on the former file
            # keeps its own (unlinked) copy, and the next connection here builds a new one.
            shm_path(db_path).unlink(missing_ok=True)
            record_path(db_path).unlink(missing_ok=True)
        except OSError as exc:  # opening anyway would read the former file's pages into this one
            raise WorkspaceError(
                _("{file}: the file was replaced, and the write-ahead log of the former file beside it cannot be moved aside "
                  "({reason}): move {name}-wal and {name}-shm out of the folder, then open it again").format(
                    file=f"{db_path.parent.name}/{db_path.name}", reason=exc.strerror, name=db_path.name)
            ) from None
        return aside


@contextlib.contextmanager
def log_record_held(db_path: Path) -> Iterator[None]:
    """Hold the identity record while this process does something that may checkpoint (COMMIT,
    closing a connection) and then refreshes the record with `held=True`."""
    with _record_lock(db_path):
        yield


def remember_log(db_path: Path, database: FileIdentity, *, held: bool = False) -> FileState | None:
    """After a writable connection opened, and after each commit that changed the file: record
    that this file, as it is now, and its `-wal` belong together. Returns the state recorded.
    `held`: the caller already holds the record (`log_record_held`)."""
    if held:
        return _remember(db_path, database)
    with _record_lock(db_path):
        return _remember(db_path, database)


def _remember(db_path: Path, database: FileIdentity) -> FileState | None:
    wal = FileIdentity.of(wal_path(db_path))
    if wal is None:
        return None
    state = FileState.of(db_path)
    if state is None or state.identity != database:
        return None  # replaced in the meantime: record nothing about a file we are not on
    if _read_record(db_path) == (state, wal):
        return state
    target = record_path(db_path)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        partial.write_text(json.dumps({"database": state.as_list(), "wal": wal.as_list()}), encoding="utf-8")
        os.replace(partial, target)
    except OSError:  # a full disk: the workspace works without the record (a replacement then goes unseen)
        partial.unlink(missing_ok=True)
        return None
    return state


def after_close(db_path: Path, database: FileIdentity | None) -> None:
    """After a connection on `database` closed, with the record held: SQLite may have checkpointed
    at the close. Record the file as it is now while others keep the log, or drop the record when
    SQLite deleted the log (a clean last close), so that a new log that happens to get the old
    one's inode number is not taken for it."""
    if wal_path(db_path).exists():
        if database is not None:
            _remember(db_path, database)
        return
    with contextlib.suppress(OSError):
        record_path(db_path).unlink(missing_ok=True)


def forget_log(db_path: Path) -> None:
    """After a read-only connection closed: drop the record if SQLite deleted the log (a clean last
    close), so that a new log that happens to get the old one's inode number is not taken for it."""
    if not record_path(db_path).exists() or wal_path(db_path).exists():
        return
    with _record_lock(db_path):
        if not wal_path(db_path).exists():
            with contextlib.suppress(OSError):
                record_path(db_path).unlink(missing_ok=True)


def remove_companions(db_path: Path) -> None:
    """Delete the identity record and its lock file of a database that is going away."""
    for path in (record_path(db_path), Path(f"{record_path(db_path)}.lock")):
        path.unlink(missing_ok=True)
