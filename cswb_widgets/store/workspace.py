"""A community workspace: one SQLite file, the single source of truth for one plan.

Every edit is its own transaction (or part of an explicit batch), taken with
BEGIN IMMEDIATE so that several processes - several Voilà kernels, several
`cswb import` commands - can write at once: they queue on SQLite's lock instead
of failing, and none of their writes is lost. Every change is written to an
audit trail with a before- and after-image, so deletes can be undone.

A Workspace may be used from any thread of a process: JupyterLab 4.4+ runs widget
messages on kernel subshell threads, ipywidgets callbacks and background refreshes
run wherever they are triggered. Its one SQLite connection is opened with
check_same_thread=False and every use of it holds the workspace's re-entrant lock;
a transaction (one edit, or a whole batch) holds that lock from BEGIN to COMMIT, so
threads of one process queue on the lock as processes queue on SQLite's.

A Workspace stays on the file it opened: before each write it checks that the file under
its name is still that file (an os.stat), and refuses to write into a deleted or replaced
one (see file_identity). Read-only opens (`read_only=True`: validate, export, reports) never
change the file; an older workspace is then read through an upgraded copy in memory. A
writable open of an older workspace upgrades it on its first write, after keeping a copy
of the old file, and says so.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import getpass
import json
import os
import sqlite3
import threading
import time
import urllib.parse
import uuid
import warnings
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from ..errors import CswbWarning, InputError, Problem, WorkspaceError
from ..i18n import _
from . import migrations
from .file_identity import (
    FileIdentity,
    FileState,
    after_close,
    forget_log,
    log_record_held,
    remember_log,
    remove_companions,
    set_aside_stale_log,
)
from .labels import moment, readable_column, record_label, record_noun
from .schema import PLAN_VERSIONS_TABLE, SCHEMA_VERSION, TABLES, Column, Table, referencing, table as table_spec
from .validation import CellError, check_id, is_blank, validate_record

DB_FILE = "workspace.sqlite"
SINGLETON_ID = "community"
LOCK_WAIT_SECONDS = 120.0


def is_database_url(location: Any) -> bool:
    """Whether `location` names a community in a PostgreSQL database (`postgresql://…?community=…`)."""
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def database_path(path: str | os.PathLike[str]) -> Path:
    """The SQLite file of the workspace at `path` (its folder or the file itself)."""
    p = Path(path)
    return p if p.suffix == ".sqlite" else p / DB_FILE


def is_workspace(path: str | os.PathLike[str]) -> bool:
    if is_database_url(path):
        from .postgres import community_exists

        return community_exists(str(path))
    return database_path(path).is_file()


def no_workspace_here(path: str | os.PathLike[str]) -> WorkspaceError:
    """The refusal for a path that holds no workspace."""
    return WorkspaceError(_("{folder}: no workspace here (expected {file}); create one with 'cswb init'").format(
        folder=database_path(path).parent, file=DB_FILE))


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


_F = TypeVar("_F", bound=Callable[..., Any])


def _serialized(method: _F) -> _F:
    """Run a Workspace method holding its lock: one thread at a time uses the connection."""

    @functools.wraps(method)
    def locked(self: Workspace, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return locked  # type: ignore[return-value]


def audit_filter(table_name: str | None, record_id: str | None) -> tuple[str, list[str]]:
    """The WHERE clause (or "") and its arguments that pick one table's, or one record's, audit entries."""
    clauses, args = [], []
    if table_name:
        clauses.append("table_name = ?")
        args.append(table_name)
    if record_id:
        clauses.append("record_id = ?")
        args.append(record_id)
    return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), args


def _default_actor() -> str:
    try:
        return os.environ.get("CSWB_ACTOR") or getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


@dataclass
class _RefCheck:
    """A reference to verify when the batch ends (rows may arrive in any order)."""

    target: str
    value: str
    problem: Problem


@dataclass
class _Batch:
    change_id: str
    note: str
    at: str = field(default_factory=lambda: _now())
    ref_checks: list[_RefCheck] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    audit_rows: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class _Undo:
    """What an undo in progress has found and done."""

    since: int  # the undone change's last audit entry: later entries are changes made since
    conflicts: list[str] = field(default_factory=list)  # later changes it would overwrite, in words
    written: list[tuple[Table, str, list[str]]] = field(default_factory=list)  # (table, record, columns) put back
    removed: list[tuple[Table, str]] = field(default_factory=list)  # records it deleted again
    unnamed: int = 0  # further conflicts, counted only


_MAX_NAMED = 3  # later changes a refusal names (then "and N more")
_IDS_PER_QUERY = 500  # well under SQLite's limit on bound parameters


def _refusal(conflicts: list[str], unnamed: int = 0) -> str:
    """The one line refusing an undo, naming the later changes it would overwrite."""
    unique = list(dict.fromkeys(conflicts))
    named = "; ".join(unique[:_MAX_NAMED])
    more = len(unique) - _MAX_NAMED + unnamed
    if more > 0:
        named += f"; and {more} more"
    return (f"it would overwrite what changed since: {named}. "
            "Undo those changes first, or edit the records by hand")


class Workspace:
    """One community's (or one joint plan's) data: a SQLite file, or (given a `postgresql://` URL)
    a community's schema in a PostgreSQL database (see postgres.py).

    >>> ws = Workspace.create("/tmp/demo", name="Maple Falls", kind="municipality")
    >>> rid = ws.add("risks", name="Housing instability", category="housing")
    >>> ws.table("risks")[["id", "name"]]
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        actor: str | None = None,
        read_only: bool = False,
        _create: bool = False,
    ):
        self.db_path = database_path(path)
        self.path = self.db_path.parent
        self._actor = actor or _default_actor()
        if not _create and not self.db_path.is_file():
            raise no_workspace_here(path)
        # A file nobody may write is read as it is; a write then says why it cannot be saved.
        self.unwritable = not _create and _cannot_write(self.db_path)
        self.read_only = read_only or self.unwritable
        # Held around every use of the connection, and from BEGIN to COMMIT of each transaction.
        self._lock = threading.RLock()
        self._local = threading.local()  # per thread: the actor set by acting_as()
        self._batch: _Batch | None = None  # only the thread holding the lock reads or sets it
        self._closed = False
        # While an older file is read through an upgraded copy: the file's connection and version.
        self._file_connection: sqlite3.Connection | None = None
        self._file_version: int | None = None
        self._handles = _Handles(self.db_path)
        self._recorded: FileState | None = None  # the file's state as last recorded beside it
        self._finalizer = weakref.finalize(self, self._handles.close)
        self._connection = self._open()

    # What a refused INSERT or UPDATE raises (a unique key taken); the PostgreSQL store adds its own.
    _INTEGRITY_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError,)

    # -- opening -----------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, actor: str | None = None, read_only: bool = False) -> Workspace:
        """Open the workspace at `path` (or `postgresql://` URL); `read_only` for commands that only read."""
        if is_database_url(path):
            from .postgres import PostgresWorkspace

            return PostgresWorkspace(str(path), actor=actor, read_only=read_only)
        return cls(path, actor=actor, read_only=read_only)

    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        *,
        name: str | None = None,
        kind: str = "municipality",
        actor: str | None = None,
    ) -> Workspace:
        """Create an empty workspace; with `name`, also its community profile."""
        if is_database_url(path):
            from .postgres import PostgresWorkspace

            ws: Workspace = PostgresWorkspace(str(path), actor=actor, _create=True)
            if name is not None:
                ws.add("community", id=SINGLETON_ID, name=name, kind=kind)
            return ws
        db = database_path(path)
        if db.exists():
            raise WorkspaceError(_("{path}: a workspace already exists here").format(path=db.parent))
        db.parent.mkdir(parents=True, exist_ok=True)
        ws = cls(path, actor=actor, _create=True)
        if name is not None:
            ws.add("community", id=SINGLETON_ID, name=name, kind=kind)
        return ws

    @classmethod
    @contextlib.contextmanager
    def building(cls, path: str | os.PathLike[str], *, actor: str | None = None) -> Iterator[Workspace]:
        """Create a workspace in one piece: filled in a hidden file, put in place when the block ends.

        Killed at any point, it leaves no workspace at `path` (only a hidden partial file that
        the next attempt removes), so a retry is never blocked by half a workspace. Open the
        finished workspace with `Workspace.open(path)` after the block. On PostgreSQL the whole
        build is one transaction: killed, the server rolls it back and no community is left.
        """
        if is_database_url(path):
            from .postgres import PostgresWorkspace

            pg = PostgresWorkspace(str(path), actor=actor, _create=True, _building=True)
            try:
                yield pg
                pg.finish_building()
            finally:
                pg.close()
            return
        db = database_path(path)
        if db.exists():
            raise WorkspaceError(_("{path}: a workspace already exists here").format(path=db.parent))
        db.parent.mkdir(parents=True, exist_ok=True)
        _remove_abandoned_builds(db)
        partial = db.with_name(f"{_BUILDING_PREFIX}{db.stem}-{os.getpid()}-{uuid.uuid4().hex[:8]}.sqlite")
        ws = cls(partial, actor=actor, _create=True)
        try:
            yield ws
            ws.close()  # writes the log into the file: the partial file alone is the whole workspace
            _put_in_place(partial, db)
        finally:
            ws.close()
            _remove_database_files(partial)

    def _open(self) -> sqlite3.Connection:
        """Connect to the file (setting aside a log left by a former file of this name) and check its schema."""
        stale = set_aside_stale_log(self.db_path)
        if stale is not None:
            warnings.warn(
                CswbWarning(
                    _("{file}: a write-ahead log left by a former file of this name was set aside as {kept}, not merged "
                      "into this one").format(file=self._shown_file, kept=stale.name)
                ),
                stacklevel=4,
            )
        conn = self._connect()
        self._handles.file = conn
        try:
            self._handles.identity = FileIdentity.of(self.db_path)
            version = self._stored_version(conn)
            self._handles.writer = not self.read_only
            if not self.read_only and self._handles.identity is not None:
                self._recorded = remember_log(self.db_path, self._handles.identity)
            if version > SCHEMA_VERSION:
                raise WorkspaceError(
                    _("this workspace was written by a newer CSWB Workbook (schema {version}; this one reads up to {latest}): "
                      "upgrade cswb-workbook").format(version=version, latest=SCHEMA_VERSION)
                )
            if version == SCHEMA_VERSION:
                return conn
            if version == 0:
                if conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]:
                    raise WorkspaceError(
                        _("this SQLite file is not a CSWB workspace (it has tables but no schema version)")
                    )
                if self.read_only:
                    raise WorkspaceError(_("{file}: this workspace is empty (it has no schema yet)").format(file=self._shown_file))
                with self._lock:
                    migrations.upgrade(conn, lambda: self._transaction(conn))
                return conn
            # An older schema: read an upgraded copy; the file itself changes only on a first write.
            upgraded = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            self._handles.upgraded = upgraded
            conn.backup(upgraded)
            with self._lock:
                migrations.upgrade(upgraded, lambda: self._transaction(upgraded))
            self._file_connection, self._file_version = conn, version
            return upgraded
        except BaseException:
            self._handles.close()
            raise

    def _stored_version(self, conn: sqlite3.Connection) -> int:
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return int(conn.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.DatabaseError as exc:
            raise WorkspaceError(_("{file}: not a workspace database ({reason})").format(file=self.db_path, reason=exc)) from None

    def _connect(self) -> sqlite3.Connection:
        try:
            # Not bound to this thread: self._lock serializes its use instead.
            if self.read_only:
                # A file nobody here may change (read-only file system or permissions): SQLite
                # could not make the log index it wants beside a log-mode file, so read it as
                # immutable (unless a log with edits is there, which immutable would ignore).
                log = Path(f"{self.db_path}-wal")
                pending = log.exists() and log.stat().st_size > 0
                mode = "immutable=1" if self.unwritable and not pending else "mode=ro"
                target = "file:" + urllib.parse.quote(str(self.db_path.resolve())) + "?" + mode
                conn = sqlite3.connect(
                    target, uri=True, timeout=LOCK_WAIT_SECONDS, isolation_level=None, check_same_thread=False
                )
            else:
                conn = sqlite3.connect(
                    self.db_path, timeout=LOCK_WAIT_SECONDS, isolation_level=None, check_same_thread=False
                )
        except sqlite3.Error as exc:
            raise WorkspaceError(_("{file}: cannot open the workspace database ({reason})").format(file=self.db_path, reason=exc)) from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(LOCK_WAIT_SECONDS * 1000)}")
            version = self._stored_version(conn)  # first: says so if the file is no database
            if self.read_only:
                return conn
            conn.execute("PRAGMA synchronous = FULL")
            if 0 < version < SCHEMA_VERSION:
                return conn  # an older file: not even its journal mode changes before the first write
            self._use_write_ahead_log(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _use_write_ahead_log(self, conn: sqlite3.Connection) -> None:
        """WAL mode: readers and one writer at a time, in several processes, without blocking."""
        try:
            conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.DatabaseError as exc:
            raise self._plain_failure(exc) or WorkspaceError(_("{file}: not a workspace database ({reason})").format(file=self.db_path, reason=exc)) from None

    @property
    def location(self) -> str:
        """What `Workspace.open` takes to open this workspace again: its folder, or its `postgresql://` URL."""
        return str(self.path)

    @property
    def _shown_file(self) -> str:
        """The database file as messages name it: its folder and name, not the server's whole path."""
        return f"{self.path.name}/{self.db_path.name}"

    @property
    def _conn(self) -> sqlite3.Connection:
        """The connection; use it only while holding self._lock (see _serialized)."""
        if self._closed:
            raise WorkspaceError(_("{path}: this workspace was closed; open it again").format(path=self.path))
        return self._connection

    @property
    def actor(self) -> str:
        """Who the audit trail names for changes made now (in this thread)."""
        return getattr(self._local, "actor", None) or self._actor

    @actor.setter
    def actor(self, value: str) -> None:
        self._actor = value

    @contextlib.contextmanager
    def acting_as(self, actor: str) -> Iterator[Workspace]:
        """Name `actor` in the audit trail for this thread's changes inside the block.

        Other threads keep their own actor (setting `ws.actor` would change it for all).
        """
        previous = getattr(self._local, "actor", None)
        self._local.actor = actor
        try:
            yield self
        finally:
            self._local.actor = previous

    def close(self) -> None:
        """Close the connection (from any thread); waits for a transaction in progress to end."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._finalizer()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    @_serialized
    def schema_version(self) -> int:
        """The schema the workspace is read with (an older file is read through an upgraded copy)."""
        return migrations.stored_version(self._conn)

    @property
    @_serialized
    def stored_schema_version(self) -> int:
        """The schema of the file itself (older than `schema_version` until the first write upgrades it)."""
        return self._file_version if self._file_version is not None else self.schema_version

    # -- transactions ------------------------------------------------------------

    @contextlib.contextmanager
    def _write_lock(self) -> Iterator[sqlite3.Connection]:
        """The workspace's write transaction, on the file this Workspace opened and nowhere else.

        The thread's hold on self._lock spans the whole transaction: no other thread can
        slip a statement into it, or read what it has not committed yet.
        """
        with self._lock:
            self._conn  # noqa: B018 - refuses a closed workspace
            if self.unwritable:
                raise self._read_only_file()
            if self.read_only:
                raise WorkspaceError(_("{file}: this workspace was opened read-only; nothing was saved").format(file=self._shown_file))
            self._check_same_file()
            if self._file_connection is not None:
                self._upgrade_file()
            with self._transaction(self._connection) as conn:
                yield conn

    def _check_same_file(self) -> None:
        """Refuse to write when the file under the workspace's name is not the one opened."""
        if FileIdentity.of(self.db_path) != self._handles.identity:
            raise WorkspaceError(
                _("the workspace file {file} was replaced or deleted since this page or command opened it; nothing was saved: "
                  "reload the page (or run the command again)").format(file=self._shown_file)
            )

    @contextlib.contextmanager
    def _transaction(self, conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE, retried until the lock is ours; COMMIT, or ROLLBACK on error.

        A full disk or a read-only file ends in one WorkspaceError line; nothing is written.
        """
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise self._plain_failure(exc) or exc from None
                if time.monotonic() > deadline:
                    raise WorkspaceError(
                        _("{file}: the workspace stayed busy for {seconds} s; try again").format(
                            file=self.db_path, seconds=f"{LOCK_WAIT_SECONDS:.0f}")
                    ) from None
                time.sleep(0.05)
        try:
            yield conn
            if conn is self._handles.file:
                self._check_same_file()  # again: the file may have been replaced while this waited
                with log_record_held(self.db_path):  # the commit may checkpoint: record it before others look
                    conn.execute("COMMIT")
                    self._record_file_state()
            else:
                conn.execute("COMMIT")
        except sqlite3.Error as exc:
            _rollback(conn)
            failure = self._plain_failure(exc)
            if failure is None:
                raise
            raise failure from None
        except BaseException:
            _rollback(conn)
            raise

    def _record_file_state(self) -> None:
        """After a commit: if it checkpointed into the file, record the file's new state (one os.stat)."""
        identity = self._handles.identity
        if identity is None or FileState.of(self.db_path) == self._recorded:
            return
        self._recorded = remember_log(self.db_path, identity, held=True)

    def _plain_failure(self, exc: sqlite3.Error) -> WorkspaceError | None:
        """The one line for a write the disk or the file refused (None for other errors)."""
        code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
        if code == sqlite3.SQLITE_FULL or "disk is full" in str(exc):
            return WorkspaceError(
                _("{file}: the disk is full; nothing was saved and the workspace is as it was: free some space on the disk and "
                  "try again").format(file=self._shown_file)
            )
        if code == sqlite3.SQLITE_READONLY or "readonly database" in str(exc):
            return self._read_only_file()
        if code == sqlite3.SQLITE_IOERR:
            return WorkspaceError(
                _("{file}: the disk refused the write ({reason}); nothing was saved: check the disk and try again").format(
                    file=self._shown_file, reason=exc)
            )
        return None

    def _read_only_file(self) -> WorkspaceError:
        return WorkspaceError(
            _("{file}: the workspace file is read-only; nothing was saved: make it (and its folder) writable, or ask who "
              "manages the server, and try again").format(file=self._shown_file)
        )

    def _upgrade_file(self) -> None:
        """Upgrade an older file in place, after keeping a copy of it; the first write does this."""
        conn, version = self._file_connection, self._file_version
        assert conn is not None and version is not None
        backup = self._keep_copy(conn, version)
        self._use_write_ahead_log(conn)
        upgraded_from = migrations.upgrade(conn, lambda: self._transaction(conn))
        copy = self._connection
        self._connection, self._file_connection, self._file_version = conn, None, None
        self._handles.upgraded = None
        copy.close()
        if upgraded_from is not None:
            warnings.warn(
                CswbWarning(
                    _("{file}: upgraded this workspace from schema {old} to {new} for this change; the file as it was is kept "
                      "as {backup}").format(file=self._shown_file, old=upgraded_from, new=SCHEMA_VERSION, backup=backup.name)
                ),
                stacklevel=6,
            )
        else:  # another process upgraded it while this one waited: the copy is not needed
            _remove_database_files(backup)

    def _keep_copy(self, conn: sqlite3.Connection, version: int) -> Path:
        """A consistent copy of the file before an upgrade (SQLite's backup API), beside it."""
        n = 1
        while True:
            suffix = "" if n == 1 else f"-{n}"
            target = self.db_path.with_name(f"{self.db_path.stem}.backup-v{version}{suffix}.sqlite")
            if not target.exists():
                break
            n += 1
        partial = target.with_name(f"{_BUILDING_PREFIX}{target.name}")
        try:
            copy = sqlite3.connect(partial)
            try:
                conn.backup(copy)
            finally:
                copy.close()
            os.replace(partial, target)
        except (sqlite3.Error, OSError) as exc:
            partial.unlink(missing_ok=True)
            failure = self._plain_failure(exc) if isinstance(exc, sqlite3.Error) else None
            raise WorkspaceError(
                _("{file}: this workspace needs an upgrade before it can be changed, and no copy of it could be kept first "
                  "({reason}); nothing was changed").format(file=self._shown_file, reason=failure or exc)
            ) from None
        return target

    @contextlib.contextmanager
    def batch(self, note: str = "") -> Iterator[Workspace]:
        """Group edits into one transaction and one undoable change.

        All problems found inside the batch (bad values, missing references,
        duplicates) are raised together as one InputError at its end, and then
        nothing of the batch is written.
        """
        with self._lock:  # first: only the thread holding it may look at self._batch
            if self._batch is not None:  # nested (in this thread): join the outer batch
                yield self
                return
            with self._write_lock():
                self._batch = _Batch(change_id=uuid.uuid4().hex[:12], note=note)
                try:
                    yield self
                    self._finish_batch(self._batch)
                finally:
                    self._batch = None

    def _finish_batch(self, batch: _Batch) -> None:
        problems = list(batch.problems)
        known: dict[tuple[str, str], bool] = {}
        for check in batch.ref_checks:
            key = (check.target, check.value)
            if key not in known:
                known[key] = self.exists(check.target, check.value)
            if not known[key]:
                problems.append(check.problem)
        if problems:
            raise InputError(problems)
        self._conn.executemany(
            "INSERT INTO _audit (change_id, at, actor, action, table_name, record_id, before, after, note)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch.audit_rows,
        )

    @_serialized
    def exists(self, table_name: str, record_id: str) -> bool:
        """Whether a live (not deleted) record has this id."""
        row = self._conn.execute(
            f'SELECT 1 FROM "{table_name}" WHERE id = ? AND deleted_at IS NULL', (record_id,)
        ).fetchone()
        return row is not None

    @_serialized
    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """All rows of a read-only query (fetched whole, under the lock; for package modules)."""
        return self._conn.execute(sql, args).fetchall()

    # -- what differs between SQLite and PostgreSQL (postgres.py overrides these) -----

    def _read_frame(self, sql: str, args: Any = ()) -> pd.DataFrame:
        return pd.read_sql_query(sql, self._conn, params=args)

    def _json_items(self, expression: str, alias: str) -> str:
        """A FROM item giving each element of the JSON list in `expression` as `alias`.value."""
        return f"json_each({expression}) AS {alias}"

    def _same_or_blank(self, column: str) -> str:
        """`column` holds the value of one `?` (two blanks count as the same, as in the unique indexes)."""
        return f"coalesce({_q(column)}, '') = coalesce(?, '')"

    def _has_table(self, name: str) -> bool:
        return bool(self._rows("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)))

    def _statement_guard(self, spec: Table) -> contextlib.AbstractContextManager[Any]:
        """Around one write that the database may refuse (a unique key): SQLite needs nothing."""
        return contextlib.nullcontext()

    # -- reading -----------------------------------------------------------------

    @_serialized
    def table(self, name: str, *, include_deleted: bool = False) -> pd.DataFrame:
        """The live records of a table as a typed DataFrame, in insertion order."""
        spec = table_spec(name)
        where = "" if include_deleted else " WHERE deleted_at IS NULL"
        extra = ", deleted_at" if include_deleted else ""
        cols = ", ".join(f'"{c}"' for c in spec.column_names)
        frame = self._read_frame(f'SELECT {cols}{extra} FROM "{name}"{where} ORDER BY rowid')
        return _typed_frame(spec, frame)

    @_serialized
    def stored_rows(self, name: str) -> list[tuple[Any, ...]]:
        """Live records exactly as stored (for exports), in insertion order."""
        spec = table_spec(name)
        cols = ", ".join(f'"{c}"' for c in spec.column_names)
        return self._conn.execute(
            f'SELECT {cols} FROM "{name}" WHERE deleted_at IS NULL ORDER BY rowid'
        ).fetchall()

    @_serialized
    def get(self, name: str, record_id: str) -> dict[str, Any] | None:
        """One live record as a dict of Python values, or None."""
        spec = table_spec(name)
        cols = ", ".join(f'"{c}"' for c in spec.column_names)
        row = self._conn.execute(
            f'SELECT {cols} FROM "{name}" WHERE id = ? AND deleted_at IS NULL', (record_id,)
        ).fetchone()
        return None if row is None else _decode(spec, row)

    @_serialized
    def count(self, name: str) -> int:
        table_spec(name)
        return self._conn.execute(f'SELECT count(*) FROM "{name}" WHERE deleted_at IS NULL').fetchone()[0]

    @property
    def community(self) -> dict[str, Any]:
        return self.get("community", SINGLETON_ID) or {}

    @_serialized
    def history(self, name: str | None = None, record_id: str | None = None) -> pd.DataFrame:
        """The audit trail: who changed what and when, newest last."""
        where, args = audit_filter(name, record_id)
        sql = "SELECT seq, change_id, at, actor, action, table_name, record_id, before, after, note FROM _audit"
        return self._read_frame(sql + where + " ORDER BY seq", args)

    # -- writing -----------------------------------------------------------------

    def add(self, table_name: str, record: dict[str, Any] | None = None, /, **fields: Any) -> str:
        """Validate and insert one record; return its id."""
        raw = {**(record or {}), **fields}
        return self.upsert(table_name, raw, insert_only=True)

    @_serialized
    def update(self, table_name: str, record_id: str, /, **fields: Any) -> None:
        """Validate and change some fields of one live record."""
        name = table_name
        spec = table_spec(name)
        with self.batch(f"update {name}"):
            stored, problems = validate_record(spec, fields, partial=True)
            if problems:
                raise InputError(problems)
            before = self._stored_dict(spec, record_id)
            if before is None or before.get("deleted_at"):
                raise InputError(Problem(_("no {record} with id '{id}'").format(record=record_noun(name), id=record_id)))
            stored.pop("id", None)
            self._queue_ref_checks(spec, stored, {})
            self._write(spec, record_id, before, stored)

    @_serialized
    def upsert(
        self,
        name: str,
        raw: dict[str, Any],
        *,
        insert_only: bool = False,
        where: dict[str, Any] | None = None,
    ) -> str:
        """Insert a record, or update the one with the same id; return its id.

        `where` adds location (file, row) to every problem reported.
        """
        if self._batch is None:
            with self.batch(f"add {name}"):
                return self.upsert(name, raw, insert_only=insert_only, where=where)
        spec = table_spec(name)
        where = where or {}
        record_id = _given_id(raw.get("id"))
        if spec.singleton:
            if record_id not in (None, SINGLETON_ID):
                self.report(Problem(_("the community profile's id must be '{id}'").format(id=SINGLETON_ID), column="id"), where)
                return SINGLETON_ID
            record_id = SINGLETON_ID
        before = self._stored_dict(spec, record_id) if record_id else None
        live = before is not None and not before.get("deleted_at")
        if live and insert_only:
            self.report(Problem(_("a {record} with id '{id}' already exists").format(record=record_noun(name), id=record_id), column="id"), where)
            return str(record_id)
        # An update changes only the columns given; an insert (or restore) sets them all.
        stored, problems = validate_record(spec, raw, partial=live)
        for problem in problems:
            self.report(problem, where)
        if problems:
            return str(record_id or "")
        stored.pop("id", None)
        record_id = record_id or uuid.uuid4().hex[:12]
        self._queue_ref_checks(spec, stored, where)
        self._write(spec, record_id, before, stored, where=where)
        return record_id

    @_serialized
    def delete(self, name: str, record_id: str, *, cascade: bool = False) -> str:
        """Soft-delete a record (recoverable with `undo`); return the change id.

        Records that refer to it are deleted with it when `cascade`; otherwise
        the delete is refused and the message names them.
        """
        spec = table_spec(name)
        with self.batch(f"delete {name}") as _:
            assert self._batch is not None
            change_id = self._batch.change_id
            self._delete(spec, record_id, cascade=cascade, seen=set())
        return change_id

    def _delete(self, spec: Table, record_id: str, *, cascade: bool, seen: set[tuple[str, str]]) -> None:
        if (spec.name, record_id) in seen:
            return
        seen.add((spec.name, record_id))
        before = self._stored_dict(spec, record_id)
        if before is None or before.get("deleted_at"):
            raise InputError(Problem(_("no {record} with id '{id}'").format(record=record_noun(spec.name), id=record_id)))
        for other, column in referencing(spec.name):
            dependants = self._referrers(other, column, record_id)
            if not dependants:
                continue
            if not cascade:
                raise InputError(
                    Problem(
                        _("cannot delete {table} '{id}': {count} {other} record(s) refer to it ({ids}); delete those first or "
                          "delete with cascade").format(table=spec.name, id=record_id, count=len(dependants), other=other.name,
                                                        ids=", ".join(dependants[:5]))
                    )
                )
            for dependant in dependants:
                if column.kind == "list":
                    current = self.get(other.name, dependant) or {}
                    remaining = [v for v in current.get(column.name) or [] if v != record_id]
                    self._write(other, dependant, self._stored_dict(other, dependant), {
                        column.name: json.dumps(remaining) if remaining else None
                    })
                elif column.required:
                    self._delete(other, dependant, cascade=True, seen=seen)
                else:
                    self._write(other, dependant, self._stored_dict(other, dependant), {column.name: None})
        now = _now()
        self._conn.execute(f'UPDATE "{spec.name}" SET deleted_at = ? WHERE id = ?', (now, record_id))
        self._audit("delete", spec.name, record_id, before, None)

    def _referrers(self, other: Table, column: Column, record_id: str) -> list[str]:
        if column.kind == "list":
            items = self._json_items(f'"{other.name}"."{column.name}"', "j")
            sql = (
                f'SELECT id FROM "{other.name}" WHERE deleted_at IS NULL AND "{column.name}" IS NOT NULL'
                f' AND EXISTS (SELECT 1 FROM {items} WHERE j.value = ?)'
            )
        else:
            sql = f'SELECT id FROM "{other.name}" WHERE deleted_at IS NULL AND "{column.name}" = ?'
        return [r[0] for r in self._conn.execute(sql, (record_id,))]

    @_serialized
    def restore(self, table_name: str, record_id: str) -> str:
        """Bring back one deleted record; return the change id.

        Refused, naming what is gone and who deleted it, while a record it refers to is deleted.
        """
        spec = table_spec(table_name)
        with self.batch(f"restore {table_name}"):
            assert self._batch is not None
            before = self._stored_dict(spec, record_id)
            if before is None or not before.get("deleted_at"):
                raise InputError(Problem(_("no deleted {record} with id '{id}'").format(record=record_noun(table_name), id=record_id)))
            clash = self._unique_clash(spec, before)
            if clash:
                raise InputError(Problem(
                    _("cannot restore {record} “{label}”: {clash}; rename or delete one of them first").format(
                        record=record_noun(spec.name), label=self._label(spec, before), clash=clash)
                ))
            gone = self._gone_references(spec, before, [c.name for c in spec.columns if c.ref])
            if gone:
                label = self._label(spec, before)
                raise InputError(Problem(
                    _("cannot restore {record} “{label}”: it {references}; restore that first").format(
                        record=record_noun(spec.name), label=label, references=_("; it ").join(gone))
                ))
            self._write(spec, record_id, before, self._undelete_values(spec, before), action="restore")
            return self._batch.change_id

    # -- undo --------------------------------------------------------------------

    @_serialized
    def undo(self, change_id: str) -> str:
        """Take back one change, touching only what it touched; return the undo's own change id.

        Only the columns the change altered are written back (an update's changed columns, the
        references a cascade cleared); the records it deleted come back and those it created go
        again. Every other column keeps its current value, whoever set it. If a value the change
        touched has changed since, or a record it needs was deleted since, or a record it created
        is now referred to, nothing is written and the refusal names each later change: who,
        when, which record and column.
        """
        rows = self._conn.execute(
            "SELECT seq, action, table_name, record_id, before, after FROM _audit WHERE change_id = ?"
            " ORDER BY seq DESC",
            (change_id,),
        ).fetchall()
        if not rows:
            raise InputError(Problem(_("no change with id '{id}'").format(id=change_id)))
        if any(row[2] == PLAN_VERSIONS_TABLE for row in rows):
            raise InputError(Problem(
                _("an adopted plan version is a record of what the councils adopted and is never taken back; adopt a revision "
                  "instead")))
        with self.batch(f"undo {change_id}"):
            assert self._batch is not None
            undo = _Undo(since=rows[0][0])
            for seq, action, table_name, record_id, before_json, after_json in rows:
                spec = table_spec(table_name)
                before = json.loads(before_json) if before_json else None
                after = json.loads(after_json) if after_json else None
                if action == "restore" and not self._was_deleted_before(table_name, record_id, seq):
                    action = "update"  # the undo of earlier versions logged its updates as restores
                self._undo_entry(undo, spec, record_id, action, before, after)
            if not undo.conflicts:  # (links to what a conflict left out would only repeat it)
                self._check_undo_links(undo)
            if undo.conflicts:
                raise InputError(Problem(_refusal(undo.conflicts, undo.unnamed)))
            return self._batch.change_id

    def _undo_entry(
        self, undo: _Undo, spec: Table, record_id: str, action: str, before: dict | None, after: dict | None
    ) -> None:
        current = self._stored_dict(spec, record_id)
        live = current is not None and not current.get("deleted_at")
        if before is None:  # the change created it: it goes again
            if live:
                assert current is not None and after is not None
                self._undo_removal(undo, spec, current, after, {})
            return
        if after is None:  # the change deleted it: it comes back
            if live or current is None:
                return  # brought back since: nothing left to undo
            later = self._later_entries(spec.name, record_id, undo.since)
            if later:  # restored and deleted again since: that later delete is someone's decision
                undo.conflicts.append(self._describe_entry(spec, later[0], current))
                return
            clash = self._unique_clash(spec, current)
            if clash:
                undo.conflicts.append(clash)
                return
            self._write(spec, record_id, current, self._undelete_values(spec, current), action="restore")
            undo.written.append((spec, record_id, [c.name for c in spec.columns if c.ref]))
            return
        touched = [c for c in spec.column_names[1:] if before.get(c) != after.get(c)]
        if action == "restore":  # the change brought it back: it goes again, as it was
            if live:
                assert current is not None
                self._undo_removal(undo, spec, current, after, {c: before.get(c) for c in touched})
            return
        if not live or current is None:
            entry = next(iter(self._later_entries(spec.name, record_id, undo.since, existence=True)), None)
            undo.conflicts.append(
                self._describe_entry(spec, entry, current)
                if entry else _("{record} '{id}' no longer exists").format(record=record_noun(spec.name), id=record_id)
            )
            return
        values: dict[str, Any] = {}
        for column in touched:
            if current.get(column) == before.get(column):
                continue  # already back as it was
            if current.get(column) != after.get(column):
                undo.conflicts.append(self._describe_column_change(spec, current, column, undo.since))
                continue
            values[column] = before.get(column)
        if values:
            self._write(spec, record_id, current, values)
            undo.written.append((spec, record_id, list(values)))

    def _undo_removal(
        self, undo: _Undo, spec: Table, current: dict[str, Any], left: dict[str, Any], revert: dict[str, Any]
    ) -> None:
        """Delete a record the change created or restored, unless someone has changed it since."""
        changed = [c for c in spec.column_names[1:] if c in left and current.get(c) != left.get(c)]
        if changed:
            undo.conflicts.extend(self._describe_column_change(spec, current, c, undo.since) for c in changed)
            return
        record_id = current["id"]
        if revert:
            self._write(spec, record_id, current, revert)
            current = self._stored_dict(spec, record_id) or current
        self._conn.execute(f'UPDATE "{spec.name}" SET deleted_at = ? WHERE id = ?', (_now(), record_id))
        self._audit("delete", spec.name, record_id, current, None)
        undo.removed.append((spec, record_id))

    def _check_undo_links(self, undo: _Undo) -> None:
        """After the undo's writes: what it brought back must refer to live records, and nothing
        live may refer to what it removed."""
        for spec, record_id, columns in undo.written:
            record = self._stored_dict(spec, record_id)
            if record is not None:
                label = _("{record} “{label}”").format(record=record_noun(spec.name), label=self._label(spec, record))
                undo.conflicts.extend(f"{label} {gone}" for gone in self._gone_references(spec, record, columns))
        removed: dict[str, list[str]] = {}
        for spec, record_id in undo.removed:
            removed.setdefault(spec.name, []).append(record_id)
        for table_name, record_ids in removed.items():
            spec = table_spec(table_name)
            for other, column in referencing(table_name):
                for referrer_id, target in self._referrers_of_any(other, column, record_ids):
                    if len(undo.conflicts) >= _MAX_NAMED:  # describing each would cost queries nobody reads
                        undo.unnamed += 1
                        continue
                    referrer = self._stored_dict(other, referrer_id) or {"id": referrer_id}
                    said = self._describe_column_change(other, referrer, column.name, undo.since)
                    target_label = self._label(spec, self._stored_dict(spec, target) or {"id": target})
                    undo.conflicts.append(_("{change}, which refers to {record} “{label}”").format(
                        change=said, record=record_noun(table_name), label=target_label))

    def _referrers_of_any(self, other: Table, column: Column, record_ids: list[str]) -> Iterator[tuple[str, str]]:
        """(live record of `other`, the id in `record_ids` it refers to through `column`), a few
        hundred ids per query (one query per record made undoing a large import slow)."""
        for start in range(0, len(record_ids), _IDS_PER_QUERY):
            chunk = record_ids[start:start + _IDS_PER_QUERY]
            marks = ", ".join("?" for _ in chunk)
            if column.kind == "list":
                items = self._json_items(f't."{column.name}"', "j")
                sql = (
                    f'SELECT t.id, j.value FROM "{other.name}" AS t, {items}'
                    f' WHERE t.deleted_at IS NULL AND t."{column.name}" IS NOT NULL AND j.value IN ({marks})'
                )
            else:
                sql = f'SELECT id, "{column.name}" FROM "{other.name}" WHERE deleted_at IS NULL AND "{column.name}" IN ({marks})'
            yield from self._conn.execute(sql, chunk).fetchall()

    def _unique_clash(self, spec: Table, record: dict[str, Any]) -> str | None:
        """A live record that has what must be unique in `record` (say, an area of the same kind
        and name added since), in words, or None."""
        for columns in spec.unique:
            same = " AND ".join(self._same_or_blank(c) for c in columns)
            row = self._conn.execute(
                f'SELECT id FROM "{spec.name}" WHERE deleted_at IS NULL AND id != ? AND {same}',
                (record["id"], *(record.get(c) for c in columns)),
            ).fetchone()
            if row is None:
                continue
            other = self._stored_dict(spec, row[0]) or {"id": row[0]}
            what = _("{record} “{label}”").format(record=record_noun(spec.name), label=self._label(spec, other))
            headings = _(" and ").join(_(readable_column(c)).lower() for c in columns)
            for _seq, at, actor, action, before, after in self._later_entries(spec.name, row[0], 0):
                was, now = json.loads(before or "{}"), json.loads(after or "{}")
                if action in ("insert", "restore") or any(was.get(c) != now.get(c) for c in columns):
                    done = {"insert": _("{actor} added {record} with the same {columns} ({when})"),
                            "restore": _("{actor} restored {record} with the same {columns} ({when})")}.get(
                        action, _("{actor} changed {record} with the same {columns} ({when})"))
                    return done.format(actor=actor, record=what, columns=headings, when=moment(at))
            return _("{record} has the same {columns}").format(record=what, columns=headings)
        return None

    def _undelete_values(self, spec: Table, record: dict[str, Any]) -> dict[str, Any]:
        # The unique columns are set to what they hold so that a clash names them.
        unique = {c for columns in spec.unique for c in columns}
        return {"deleted_at": None, **{c: record.get(c) for c in unique}}

    def _gone_references(self, spec: Table, record: dict[str, Any], columns: list[str]) -> list[str]:
        """Each record `record` refers to through `columns` that is gone, in words: "refers to the
        organization “Food Bank”, deleted by Bea (...)"."""
        said: list[str] = []
        for name in columns:
            column = spec.column(name)
            value = record.get(name)
            if column.ref is None or value is None:
                continue
            ref_spec = table_spec(column.ref)
            for target in json.loads(value) if column.kind == "list" else [value]:
                if self.exists(column.ref, target):
                    continue
                stored = self._stored_dict(ref_spec, target)
                what = (
                    _("the {record} “{label}”").format(record=record_noun(column.ref), label=self._label(ref_spec, stored))
                    if stored else _("the {record} '{id}'").format(record=record_noun(column.ref), id=target)
                )
                deleted = next(iter(self._later_entries(column.ref, target, 0, existence=True)), None)
                by = (_(", deleted by {actor} ({when})").format(actor=deleted[2], when=moment(deleted[1]))
                      if deleted and deleted[3] == "delete" else _(", which no longer exists"))
                said.append(_("refers to {record}{how}").format(record=what, how=by))
        return said

    def _was_deleted_before(self, table_name: str, record_id: str, seq: int) -> bool:
        row = self._conn.execute(
            "SELECT action FROM _audit WHERE table_name = ? AND record_id = ? AND seq < ? ORDER BY seq DESC LIMIT 1",
            (table_name, record_id, seq),
        ).fetchone()
        return row is not None and row[0] == "delete"

    def _later_entries(
        self, table_name: str, record_id: str, since: int, *, existence: bool = False
    ) -> list[tuple[Any, ...]]:
        """Audit entries (seq, at, actor, action, before, after) on one record after `since`, newest first."""
        sql = "SELECT seq, at, actor, action, before, after FROM _audit WHERE table_name = ? AND record_id = ? AND seq > ?"
        if existence:
            sql += " AND action IN ('insert', 'delete', 'restore')"
        return self._conn.execute(sql + " ORDER BY seq DESC", (table_name, record_id, since)).fetchall()

    def _describe_column_change(self, spec: Table, record: dict[str, Any], column: str, since: int) -> str:
        """Who changed this column of this record after `since`: "Bea changed the title of person “Jo” (...)"."""
        what = _("the {column} of {record} “{label}”").format(
            column=_(readable_column(column)).lower(), record=record_noun(spec.name), label=self._label(spec, record))
        for entry in self._later_entries(spec.name, record["id"], since):
            before = json.loads(entry[4]) if entry[4] else {}
            after = json.loads(entry[5]) if entry[5] else {}
            if entry[3] != "delete" and before.get(column) != after.get(column):
                done = _("{actor} set {what} ({when})") if entry[3] == "insert" else _("{actor} changed {what} ({when})")
                return done.format(actor=entry[2], what=what, when=moment(entry[1]))
        return _("{what} was changed outside the workbook (not in the history)").format(what=what)

    def _describe_entry(self, spec: Table, entry: tuple[Any, ...], record: dict[str, Any] | None) -> str:
        """One later audit entry in words: "Bea deleted person “Jo” (...)"."""
        _seq, at, actor, action, before, after = entry
        image = record or json.loads(after or before or "{}")
        done = {"insert": _("{actor} added {record} “{label}” ({when})"), "delete": _("{actor} deleted {record} “{label}” ({when})"),
                "restore": _("{actor} restored {record} “{label}” ({when})")}.get(action, _("{actor} changed {record} “{label}” ({when})"))
        return done.format(actor=actor, record=record_noun(spec.name), label=self._label(spec, image), when=moment(at))

    @_serialized
    def label(self, table_name: str, record: dict[str, Any] | str) -> str:
        """What people call a record (given as stored values, or by id even if deleted): its name or
        title; a record named only by its references (a membership) reads as those."""
        spec = table_spec(table_name)
        if isinstance(record, str):
            return self._label(spec, self._stored_dict(spec, record) or {"id": record})
        return self._label(spec, record)

    def _label(self, spec: Table, record: dict[str, Any] | None) -> str:
        """`label` for use inside the lock."""

        def ref_label(table_name: str, record_id: str) -> str | None:
            stored = self._stored_dict(table_spec(table_name), record_id)
            return record_label(table_name, stored) if stored else None

        return record_label(spec, record or {}, ref_label)

    @_serialized
    def last_change(self) -> str | None:
        row = self._conn.execute("SELECT change_id FROM _audit ORDER BY seq DESC LIMIT 1").fetchone()
        return row[0] if row else None

    # -- internals ---------------------------------------------------------------

    @_serialized
    def report(self, problem: Problem, where: dict[str, Any] | None = None) -> None:
        """Record a problem found inside a batch; the batch then writes nothing."""
        if self._batch is None:
            raise InputError(_locate(problem, where or {}))
        self._batch.problems.append(_locate(problem, where or {}))

    def _queue_ref_checks(self, spec: Table, stored: dict[str, Any], where: dict[str, Any]) -> None:
        assert self._batch is not None
        for column in spec.columns:
            value = stored.get(column.name)
            if column.ref is None or value is None:
                continue
            values = json.loads(value) if column.kind == "list" else [value]
            for v in values:
                problem = _locate(
                    Problem(_("expected the id of an existing {table} record, got '{value}'").format(table=column.ref, value=v), column=column.name), where
                )
                self._batch.ref_checks.append(_RefCheck(column.ref, v, problem))

    @_serialized
    def _stored_dict(self, spec: Table, record_id: str) -> dict[str, Any] | None:
        cols = ", ".join(f'"{c}"' for c in spec.column_names)
        row = self._conn.execute(f'SELECT {cols}, deleted_at FROM "{spec.name}" WHERE id = ?', (record_id,)).fetchone()
        if row is None:
            return None
        return dict(zip(spec.column_names + ("deleted_at",), row, strict=True))

    def _write(
        self,
        spec: Table,
        record_id: str,
        before: dict[str, Any] | None,
        values: dict[str, Any],
        *,
        action: str | None = None,
        where: dict[str, Any] | None = None,
    ) -> None:
        assert self._batch is not None
        try:
            with self._statement_guard(spec):
                self._write_row(spec, record_id, before, values)
        except self._INTEGRITY_ERRORS as exc:
            self.report(_unique_problem(spec, values, exc), where or {})
            return
        if before is not None and before.get("deleted_at") and "deleted_at" not in values:
            values = {**values, "deleted_at": None}
        if before is None:
            after = {"id": record_id, **dict.fromkeys(spec.column_names[1:]), **values, "deleted_at": None}
        else:
            after = {**before, **values}
            if before == after:
                return  # nothing changed: no audit noise
        if action is None:
            action = "insert" if before is None else ("restore" if before.get("deleted_at") else "update")
        self._audit(action, spec.name, record_id, before, after)

    def _write_row(self, spec: Table, record_id: str, before: dict[str, Any] | None, values: dict[str, Any]) -> None:
        """The INSERT (a new record) or UPDATE (of `values`; a deleted record comes back) itself."""
        if before is None:
            cols = ["id", *values]
            marks = ", ".join("?" for _ in cols)
            self._conn.execute(
                f'INSERT INTO "{spec.name}" ({", ".join(_q(c) for c in cols)}) VALUES ({marks})',
                [record_id, *values.values()],
            )
            return
        if before.get("deleted_at") and "deleted_at" not in values:
            values = {**values, "deleted_at": None}
        sets = ", ".join(f"{_q(c)} = ?" for c in values)
        if sets:
            self._conn.execute(f'UPDATE "{spec.name}" SET {sets} WHERE id = ?', [*values.values(), record_id])

    def _audit(
        self, action: str, table_name: str, record_id: str, before: dict | None, after: dict | None
    ) -> None:
        assert self._batch is not None
        # Written in one go when the batch ends (and not at all if it is refused).
        self._batch.audit_rows.append(
            (
                self._batch.change_id,
                self._batch.at,
                self.actor,
                action,
                table_name,
                record_id,
                None if before is None else json.dumps(_live(before), ensure_ascii=False),
                None if after is None else json.dumps(_live(after), ensure_ascii=False),
                self._batch.note,
            ),
        )


_BUILDING_PREFIX = ".building-"


class _Handles:
    """A workspace's open connections, closed once: by close() or when the Workspace is collected."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.file: sqlite3.Connection | None = None
        self.upgraded: sqlite3.Connection | None = None
        self.identity: FileIdentity | None = None
        self.writer = False  # a writable connection: its close may checkpoint

    def close(self) -> None:
        if self.upgraded is not None:
            self.upgraded.close()
            self.upgraded = None
        if self.file is not None:
            if self.writer:
                with log_record_held(self.db_path):  # the close may checkpoint (see file_identity)
                    self.file.close()
                    after_close(self.db_path, self.identity)
            else:  # a read-only connection never checkpoints (and must not create the lock file)
                self.file.close()
                forget_log(self.db_path)
            self.file = None


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back if a transaction is still open (SQLite ends some on its own, e.g. a full disk)."""
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def _read_only_file_system(path: Path) -> bool:
    try:
        return bool(os.statvfs(path.parent).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs (Windows)
        return False


def _cannot_write(db: Path) -> bool:
    """Whether nobody here may change the file (a read-only file system, or no write permission)."""
    return _read_only_file_system(db) or not os.access(db, os.W_OK) or not os.access(db.parent, os.W_OK)


def _remove_database_files(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    remove_companions(db)


def _remove_abandoned_builds(db: Path) -> None:
    """Delete partial workspaces left in the folder by builds whose process is gone (killed)."""
    for partial in db.parent.glob(f"{_BUILDING_PREFIX}{db.stem}-*.sqlite"):
        pid = partial.stem.removeprefix(f"{_BUILDING_PREFIX}{db.stem}-").split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            _remove_database_files(partial)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _put_in_place(partial: Path, db: Path) -> None:
    """Give the finished file its name in one step, never over a workspace made meanwhile."""
    try:
        os.link(partial, db)  # fails if the name is taken, unlike a rename
    except FileExistsError:
        raise WorkspaceError(_("{path}: a workspace already exists here (made while this one was built)").format(path=db.parent)) from None
    except OSError:  # a file system without hard links
        if db.exists():
            raise WorkspaceError(_("{path}: a workspace already exists here").format(path=db.parent)) from None
        os.replace(partial, db)
    folder = os.open(db.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the new name survives a power cut
    finally:
        os.close(folder)


def _given_id(value: Any) -> str | None:
    """The id a caller supplied, if it is well formed (a malformed one is reported by validation)."""
    if is_blank(value):
        return None
    try:
        return check_id(value)
    except CellError:
        return None


def _q(column: str) -> str:
    return f'"{column}"'


def _live(image: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in image.items() if k != "deleted_at"}


def _locate(problem: Problem, where: dict[str, Any]) -> Problem:
    if not where:
        return problem
    return Problem(
        problem.message,
        file=where.get("file", problem.file),
        sheet=where.get("sheet", problem.sheet),
        row=where.get("row", problem.row),
        column=problem.column,
    )


def _unique_problem(spec: Table, values: dict[str, Any], exc: Exception) -> Problem:
    for columns in spec.unique:
        if all(c in values for c in columns):
            shown = ", ".join(f"{c}={values[c]!r}" for c in columns)
            return Problem(_("duplicate: another {table} record already has {values}").format(table=spec.name, values=shown), column=columns[-1])
    return Problem(_("refused by the database: {reason}").format(reason=exc))


def _decode(spec: Table, row: tuple[Any, ...]) -> dict[str, Any]:
    record: dict[str, Any] = {"id": row[0]}
    for column, value in zip(spec.columns, row[1:], strict=True):
        record[column.name] = decode_value(column, value)
    return record


def decode_value(column: Column, value: Any) -> Any:
    if value is None:
        return [] if column.kind == "list" else None
    if column.kind == "list":
        return json.loads(value)
    if column.kind == "bool":
        return bool(value)
    if column.kind == "date":
        return dt.date.fromisoformat(value)
    return value


def _typed_frame(spec: Table, frame: pd.DataFrame) -> pd.DataFrame:
    # One frame built from typed columns: setting them one by one into the read frame took about
    # twice as long (27 tables read for a page: 60 ms against 33 ms).
    typed: dict[str, Any] = {}
    for column in spec.columns:
        series = frame[column.name]
        if column.kind == "int":
            typed[column.name] = series.astype("Int64")
        elif column.kind == "float":
            typed[column.name] = series.astype("float64")
        elif column.kind == "bool":
            typed[column.name] = series.astype("boolean")
        elif column.kind == "date":
            typed[column.name] = pd.to_datetime(series, format="%Y-%m-%d")
        elif column.kind == "list":
            typed[column.name] = pd.Series([json.loads(v) if v else [] for v in series], index=frame.index,
                                           dtype="object")
        else:
            typed[column.name] = series.astype("object")
    return pd.DataFrame({name: typed.get(name, frame[name]) for name in frame.columns}, index=frame.index)


__all__ = ["DB_FILE", "SCHEMA_VERSION", "SINGLETON_ID", "TABLES", "Workspace", "database_path", "is_workspace"]
