"""The workspace on PostgreSQL: one database, many communities, chosen by a URL.

    postgresql://[user[:password]@]host[:port]/database?community=<slug>[&host=/socket/dir]

Each community lives in its own PostgreSQL schema (`community_<slug>`) holding the same
tables as a SQLite workspace, so every query stays scoped to one community by the
connection's search_path, and a community is dropped or dumped whole (`pg_dump -n`). A
registry table, `cswb.communities`, lists them. The schema version is stored per community
(its `_meta` table).

Writers of one community queue on a transaction-level advisory lock keyed by its schema
(the counterpart of SQLite's BEGIN IMMEDIATE): each write transaction takes it first, so
it reads what the previous writer committed and no edit is lost; readers never wait.
What is specific to a file (its identity, the write-ahead log, a copy kept before an
upgrade) has no counterpart here: an upgrade runs in one transaction, which either
happens whole or not at all. A community is created in one transaction too (the whole
import of `cswb init --from` included): a killed import leaves no half community.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sys
import threading
import urllib.parse
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg
import psycopg.errors

from ..errors import WorkspaceError
from ..i18n import _
from . import migrations
from .schema import SCHEMA_VERSION, Table
from .workspace import LOCK_WAIT_SECONDS, Workspace, _default_actor

URL_SCHEMES = ("postgresql://", "postgres://")
REGISTRY_SCHEMA = "cswb"
_SLUG = re.compile(r"[a-z][a-z0-9_]{0,47}")
COMMUNITY_SLUG = _SLUG  # what a community may be called (it names a schema: community_<slug>)
_REGISTRY_LOCK = "cswb:registry"  # held while a community is created or dropped


def is_database_url(location: Any) -> bool:
    return isinstance(location, str) and location.startswith(URL_SCHEMES)


@dataclass(frozen=True)
class CommunityURL:
    """A `postgresql://…?community=<slug>` URL taken apart: where the database is, and which community."""

    conninfo: str  # the URL without `community`, as libpq reads it
    community: str
    database: str

    @property
    def schema(self) -> str:
        return f"community_{self.community}"

    @property
    def shown(self) -> str:
        """How messages name it (never with a password)."""
        return f"community '{self.community}' in database '{self.database}'"

    @classmethod
    def parse(cls, url: str) -> CommunityURL:
        parts = urllib.parse.urlsplit(url)
        query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        slugs = [value for key, value in query if key == "community"]
        rest = [(key, value) for key, value in query if key != "community"]
        database = parts.path.lstrip("/") or os.environ.get("PGDATABASE") or "postgres"  # as libpq picks it
        if len(slugs) != 1 or not _SLUG.fullmatch(slugs[0]):
            raise WorkspaceError(
                _("{url}: expected one community named in the URL as ?community=<name> (lower-case letters, digits and _, "
                  "starting with a letter, at most 48 characters)").format(url=_without_password(url))
            )
        conninfo = _unsplit(parts._replace(query=urllib.parse.urlencode(rest)))
        return cls(conninfo, slugs[0], database)

    def with_community(self, slug: str) -> CommunityURL:
        return CommunityURL(self.conninfo, slug, self.database)


def _unsplit(parts: urllib.parse.SplitResult) -> str:
    """urlunsplit, keeping the '//' of a URL without a host (`postgresql://` and `postgresql:///db`:
    libpq then takes the host from PGHOST or its default socket)."""
    text = urllib.parse.urlunsplit(parts)
    prefix = f"{parts.scheme}:"
    if not parts.netloc and not text.startswith(prefix + "//"):
        text = prefix + "//" + text[len(prefix):]
    return text


def _without_password(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    hidden = [(key, "***" if key == "password" else value) for key, value in query]
    if hidden != query:  # libpq also takes ?password=…
        parts = parts._replace(query=urllib.parse.urlencode(hidden, safe="*/"))
    if parts.password is None:
        return _unsplit(parts)
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return _unsplit(parts._replace(netloc=netloc))


without_password = _without_password


def community_url(database: str, slug: str) -> str:
    """The URL of community `slug` in the database `database` names (any `community` it had replaced)."""
    parts = urllib.parse.urlsplit(database)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if k != "community"]
    query.append(("community", slug))
    return _unsplit(parts._replace(query=urllib.parse.urlencode(query, safe="/")))


@functools.lru_cache(maxsize=4096)
def _placeholders(sql: str) -> str:
    """The store's SQL (`?` placeholders, as sqlite3 takes them) in psycopg's style (`%s`)."""
    return sql.replace("%", "%%").replace("?", "%s")


_COLUMN_TYPES = {"int": "BIGINT", "float": "DOUBLE PRECISION", "bool": "INTEGER"}


class Connection:
    """A psycopg connection as the store's code uses a sqlite3 one: `execute(sql, args)` with `?`
    placeholders, plus the few schema questions SQLite answers with PRAGMAs."""

    dialect = "postgresql"
    column_types = _COLUMN_TYPES

    def __init__(self, raw: psycopg.Connection) -> None:
        self.raw = raw

    def execute(self, sql: str, args: Any = ()) -> psycopg.Cursor:
        try:
            if not args:  # no parameters: psycopg sends the text as it is (a literal % stays one)
                return self.raw.execute(sql.encode())
            return self.raw.execute(_placeholders(sql), tuple(args))
        except psycopg.errors.LockNotAvailable:
            raise
        except psycopg.OperationalError as exc:  # the server went away, a timeout: the user's to retry
            raise WorkspaceError(
                _("the database did not answer ({reason}); nothing was saved: reload the page or run the command again, or "
                  "ask who manages the database").format(reason=_first_line(exc))
            ) from None

    def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            with self.raw.cursor() as cursor:
                cursor.executemany(_placeholders(sql), rows)

    # -- what migrations ask ----------------------------------------------------------

    def schema_version(self) -> int:
        if self.raw.execute("SELECT to_regclass('_meta')").fetchone()[0] is None:  # type: ignore[index]
            return 0
        row = self.raw.execute("SELECT schema_version FROM _meta").fetchone()
        return int(row[0]) if row else 0

    def set_schema_version(self, version: int) -> None:
        self.raw.execute("DELETE FROM _meta")
        self.raw.execute("INSERT INTO _meta (schema_version) VALUES (%s)", (version,))

    def table_names(self) -> list[str]:
        # pg_catalog, not information_schema: its views take tens of milliseconds per question
        return [r[0] for r in self.raw.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]

    def column_names(self, table_name: str) -> set[str]:
        return {r[0] for r in self.raw.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(quote_ident(%s)) AND attnum > 0"
            " AND NOT attisdropped", (table_name,))}

    def table_ddl(self, spec: Table) -> list[str]:
        # rowid: the insertion order the store reads in (SQLite's own rowid), kept by copies too
        return migrations.table_ddl(
            spec,
            key_columns=('"id" TEXT PRIMARY KEY NOT NULL', '"rowid" BIGINT GENERATED BY DEFAULT AS IDENTITY UNIQUE'),
            types=_COLUMN_TYPES,
            blank_key="coalesce(\"{}\"::text, '')",
        )

    def support_ddl(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS _meta (schema_version INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS _audit (seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
            " change_id TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,"
            " table_name TEXT NOT NULL, record_id TEXT NOT NULL, before TEXT, after TEXT, note TEXT)",
            "CREATE INDEX IF NOT EXISTS _audit__record ON _audit (table_name, record_id)",
            "CREATE INDEX IF NOT EXISTS _audit__change ON _audit (change_id)",
            *self.plan_versions_ddl(),
        ]

    def plan_versions_ddl(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS plan_versions (number INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE,"
            " kind TEXT NOT NULL CHECK (kind IN ('adoption', 'revision')), adopted_on TEXT NOT NULL,"
            " councils TEXT NOT NULL, created_at TEXT NOT NULL, actor TEXT NOT NULL, schema_version INTEGER NOT NULL,"
            " content_sha256 TEXT NOT NULL, snapshot BYTEA NOT NULL)",
            # The SQLite triggers' counterpart: a version is never changed or deleted.
            "CREATE OR REPLACE FUNCTION plan_versions__frozen() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN IF TG_OP = 'UPDATE' THEN RAISE EXCEPTION 'an adopted plan version is never changed';"
            " END IF; RAISE EXCEPTION 'an adopted plan version is never deleted'; END $$",
            "CREATE OR REPLACE TRIGGER plan_versions__never_changed BEFORE UPDATE OR DELETE ON plan_versions"
            " FOR EACH ROW EXECUTE FUNCTION plan_versions__frozen()",
        ]


def connect(conninfo: str, *, shown: str) -> psycopg.Connection:
    """An autocommit connection (transactions are explicit), waiting at most LOCK_WAIT_SECONDS for a lock."""
    try:
        return psycopg.connect(
            conninfo, autocommit=True, connect_timeout=30,
            options=f"-c lock_timeout={int(LOCK_WAIT_SECONDS * 1000)}",
        )
    except psycopg.Error as exc:
        raise WorkspaceError(_("{where}: cannot connect to the database ({reason})").format(where=shown, reason=_first_line(exc))) from None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _ensure_registry(raw: psycopg.Connection) -> None:
    """The shared registry of communities (made once; under the registry lock, in a transaction)."""
    raw.execute(f"CREATE SCHEMA IF NOT EXISTS {REGISTRY_SCHEMA}")
    raw.execute(
        f"CREATE TABLE IF NOT EXISTS {REGISTRY_SCHEMA}.communities (slug TEXT PRIMARY KEY,"
        " schema_name TEXT NOT NULL UNIQUE, created_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )


def _registered(raw: psycopg.Connection, slug: str) -> bool:
    if raw.execute(f"SELECT to_regclass('{REGISTRY_SCHEMA}.communities')").fetchone()[0] is None:  # type: ignore[index]
        return False
    return raw.execute(f"SELECT 1 FROM {REGISTRY_SCHEMA}.communities WHERE slug = %s", (slug,)).fetchone() is not None


def list_communities(url: str) -> list[str]:
    """The communities a database holds (the URL's own `community` is not needed)."""
    where = CommunityURL.parse(community_url(url, "any"))
    with contextlib.closing(connect(where.conninfo, shown=f"database '{where.database}'")) as raw:
        if raw.execute(f"SELECT to_regclass('{REGISTRY_SCHEMA}.communities')").fetchone()[0] is None:  # type: ignore[index]
            return []
        return [r[0] for r in raw.execute(f"SELECT slug FROM {REGISTRY_SCHEMA}.communities ORDER BY slug")]


def community_exists(url: str) -> bool:
    where = CommunityURL.parse(url)
    with contextlib.closing(connect(where.conninfo, shown=where.shown)) as raw:
        return _registered(raw, where.community)


def drop_community(url: str) -> bool:
    """Remove a community and everything it holds (its schema, its registry entry); whether one was there."""
    where = CommunityURL.parse(url)
    with contextlib.closing(connect(where.conninfo, shown=where.shown)) as raw, raw.transaction():
        raw.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_REGISTRY_LOCK,))
        if not _registered(raw, where.community):
            return False
        raw.execute(f'DROP SCHEMA IF EXISTS "{where.schema}" CASCADE')
        raw.execute(f"DELETE FROM {REGISTRY_SCHEMA}.communities WHERE slug = %s", (where.community,))
        return True


class PostgresWorkspace(Workspace):
    """A Workspace whose tables live in one community's schema of a PostgreSQL database."""

    _INTEGRITY_ERRORS = (psycopg.errors.IntegrityError,)

    def __init__(
        self,
        url: str,
        *,
        actor: str | None = None,
        read_only: bool = False,
        _create: bool = False,
        _building: bool = False,
        _replace: bool = False,
    ):
        self.where = CommunityURL.parse(url)
        self.url = url
        self.db_path = None  # type: ignore[assignment]  # no file
        self.path = Path(self.where.community)
        self._actor = actor or _default_actor()
        self.unwritable = False
        self.read_only = read_only
        self._lock = threading.RLock()
        self._local = threading.local()
        self._batch = None
        self._closed = False
        self._file_connection = None
        self._file_version = None
        raw = connect(self.where.conninfo, shown=self.where.shown)
        self._raw = raw
        self._finalizer = weakref.finalize(self, raw.close)
        self._pg = Connection(raw)
        self._connection = self._pg  # type: ignore[assignment]  # used as the sqlite3 connection is
        self._building: contextlib.ExitStack | None = None
        try:
            if _building:  # everything until finish_building() is one transaction: killed, nothing stays
                self._building = contextlib.ExitStack()
                self._building.enter_context(raw.transaction())
            if _create:
                self._create_schema(replace=_replace)
            else:
                self._open_schema()
        except BaseException:
            if self._building is not None:
                with contextlib.suppress(Exception):
                    self._building.__exit__(*sys.exc_info())
            self._finalizer()
            raise

    # -- opening ----------------------------------------------------------------------

    def _create_schema(self, *, replace: bool = False) -> None:
        """Register the community and make its tables; `replace` drops one already there (in the same transaction)."""
        raw, where = self._raw, self.where
        with self._lock, raw.transaction():
            raw.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_REGISTRY_LOCK,))
            _ensure_registry(raw)
            if _registered(raw, where.community):
                if not replace:
                    raise WorkspaceError(_("{path}: a workspace already exists here").format(path=where.shown))
                raw.execute(f"DELETE FROM {REGISTRY_SCHEMA}.communities WHERE slug = %s", (where.community,))
                raw.execute(f'DROP SCHEMA IF EXISTS "{where.schema}" CASCADE')
            if raw.execute("SELECT to_regnamespace(%s)", (where.schema,)).fetchone()[0] is not None:  # type: ignore[index]
                raise WorkspaceError(
                    _("{where}: the database already has a schema named {schema} that is not a CSWB community; choose another "
                      "community name, or remove that schema").format(where=where.shown, schema=where.schema)
                )
            raw.execute(f'CREATE SCHEMA "{where.schema}"')
            raw.execute(f"INSERT INTO {REGISTRY_SCHEMA}.communities (slug, schema_name) VALUES (%s, %s)",
                        (where.community, where.schema))
            self._use_schema()
            migrations.upgrade(self._connection, lambda: self._transaction(self._connection))

    def _open_schema(self) -> None:
        where = self.where
        if not _registered(self._raw, where.community):
            raise WorkspaceError(
                _("{where}: no workspace here; create it with 'cswb init URL' or copy one in with 'cswb migrate'").format(
                    where=where.shown)
            )
        self._use_schema()
        version = migrations.stored_version(self._connection)
        if version > SCHEMA_VERSION:
            raise WorkspaceError(
                _("this workspace was written by a newer CSWB Workbook (schema {version}; this one reads up to {latest}): "
                  "upgrade cswb-workbook").format(version=version, latest=SCHEMA_VERSION)
            )
        if version < SCHEMA_VERSION:
            if self.read_only:
                raise WorkspaceError(
                    _("{where}: this workspace has schema {version} and needs an upgrade to {latest}; open it once for writing "
                      "(any edit or 'cswb validate') to upgrade it").format(where=where.shown, version=version, latest=SCHEMA_VERSION)
                )
            with self._lock:  # one transaction, under the community's write lock
                migrations.upgrade(self._connection, lambda: self._transaction(self._connection))

    def _use_schema(self) -> None:
        self._raw.execute(f'SET search_path TO "{self.where.schema}"')

    def finish_building(self) -> None:
        """Commit the one transaction of a build: the community appears whole."""
        with self._lock:
            if self._building is not None:
                building, self._building = self._building, None
                building.close()

    def abandon_building(self) -> None:
        with self._lock:
            if self._building is not None:
                building, self._building = self._building, None
                with contextlib.suppress(psycopg.Error):
                    building.__exit__(WorkspaceError, WorkspaceError("abandoned"), None)

    # -- transactions -----------------------------------------------------------------

    @property
    def location(self) -> str:
        return self.url

    @property
    def _shown_file(self) -> str:
        return self.where.shown

    @contextlib.contextmanager
    def _write_lock(self) -> Iterator[Any]:
        with self._lock:
            self._conn  # noqa: B018 - refuses a closed workspace
            if self.read_only:
                raise WorkspaceError(_("{file}: this workspace was opened read-only; nothing was saved").format(file=self._shown_file))
            with self._transaction(self._connection) as conn:
                yield conn

    @contextlib.contextmanager
    def _transaction(self, conn: Any) -> Iterator[Any]:
        """A transaction holding the community's advisory lock (a savepoint inside a build's transaction)."""
        try:
            with self._raw.transaction():
                self._raw.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"cswb:{self.where.schema}",))
                yield conn
        except psycopg.errors.LockNotAvailable:
            raise WorkspaceError(
                _("{file}: the workspace stayed busy for {seconds} s; try again").format(
                    file=self._shown_file, seconds=f"{LOCK_WAIT_SECONDS:.0f}")
            ) from None
        except psycopg.OperationalError as exc:
            raise WorkspaceError(
                _("{file}: the database refused the write ({reason}); nothing was saved: try again, or ask who manages the "
                  "database").format(file=self._shown_file, reason=_first_line(exc))
            ) from None

    def _statement_guard(self, spec: Table) -> contextlib.AbstractContextManager[Any]:
        # A refused statement aborts a PostgreSQL transaction: a savepoint lets the batch go on to report it.
        return self._raw.transaction() if spec.unique else contextlib.nullcontext()

    def close(self) -> None:
        self.abandon_building()
        super().close()

    # -- dialect ----------------------------------------------------------------------

    def _read_frame(self, sql: str, args: Any = ()) -> pd.DataFrame:
        with self._lock:
            self._conn  # noqa: B018 - refuses a closed workspace
            cursor = self._pg.execute(sql, args)
        columns = [d.name for d in cursor.description or ()]
        return pd.DataFrame.from_records(cursor.fetchall(), columns=columns)

    def _json_items(self, expression: str, alias: str) -> str:
        return f"jsonb_array_elements_text(({expression})::jsonb) AS {alias}(value)"

    def _same_or_blank(self, column: str) -> str:
        return f"coalesce(\"{column}\"::text, '') = coalesce(?::text, '')"

    def _has_table(self, name: str) -> bool:
        with self._lock:
            return name in self._pg.table_names()

    @property
    def schema_version(self) -> int:
        with self._lock:
            return migrations.stored_version(self._conn)


__all__ = ["COMMUNITY_SLUG", "CommunityURL", "PostgresWorkspace", "community_exists", "community_url", "drop_community",
           "is_database_url", "list_communities", "without_password"]
