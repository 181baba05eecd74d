"""Which workspace a URL may open: slug rules and confinement to the served root.

The served root is a folder of SQLite workspaces or a PostgreSQL database (`postgresql://…`)
whose registry lists its communities; a workspace's slug is then its community name, and what a
slug opens is that community's URL (`postgresql://…?community=<slug>`).

A visitor names a workspace by its folder name (its *slug*) in `?workspace=<slug>`. Only a
direct sub-folder of the root that holds a workspace can be opened, whatever the visitor
types: the slug is checked against a strict pattern (so `..`, `/`, `\\`, `%`, NUL and
absolute paths never reach the file system) and the folder and its database, once every
symlink is resolved, must still be inside the root. The server checks a URL before it gives
the page a kernel, and the kernel checks it again (`workbooks.page.resolve_workspace`).
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode

from ..errors import WorkspaceError
from ..i18n import N_, _
from ..kernel_errors import hide_paths
from .workspace import DB_FILE, SINGLETON_ID, is_database_url

# Where a served workspace is: its folder, or its community's `postgresql://…?community=` URL.
Location = Path | str

ROOT_ENV = "CSWB_ROOT"  # set by `cswb serve` for its kernels: the folder of workspaces

QUERY_PARAMETER = "workspace"
RENDER_PREFIX = "voila/render/"

# ASCII letters and digits, then also '.', '_' or '-'; never a leading dot (hidden folders, '..').
SLUG_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
SLUG_RULE = N_("letters, digits, '.', '_' or '-', starting with a letter or digit, at most 100 characters")


class NoSuchWorkspace(WorkspaceError):
    """The slug is well formed but names no workspace under the root."""


def check_slug(value: str) -> str:
    """`value` if it is a valid workspace slug; WorkspaceError saying why not otherwise."""
    if not value:
        raise WorkspaceError(_("no workspace was chosen"))
    if SLUG_PATTERN.fullmatch(value) is None:
        raise WorkspaceError(_("{name} is not a workspace name ({rule})").format(name=_shown(value), rule=_(SLUG_RULE)))
    return value


def workspace_under(root: str | os.PathLike[str], slug: str) -> Location:
    """The workspace folder `root/slug`, refused unless it really lies inside `root`; for a
    database root, the URL of its community `slug`, refused unless the registry lists it.

    Returns the lexical path (so that `.name` is the slug) after checking that the folder and
    its database file both resolve, through any symlinks, to places inside the root.
    """
    check_slug(slug)
    if is_database_url(root):
        return _community_in(str(root), slug)
    real_root = Path(root).resolve()
    if not real_root.is_dir():
        raise WorkspaceError(_("the workspace folder of this server does not exist"))
    folder = real_root / slug
    if not (folder / DB_FILE).is_file():
        raise NoSuchWorkspace(_("there is no workspace named {name}").format(name=_shown(slug)))
    for candidate in (folder, folder / DB_FILE):
        if not candidate.resolve().is_relative_to(real_root):
            raise WorkspaceError(_("the workspace {name} is outside this server's folder").format(name=_shown(slug)))
    return folder


def _community_in(database: str, slug: str) -> str:
    from .postgres import COMMUNITY_SLUG, community_exists, community_url

    if COMMUNITY_SLUG.fullmatch(slug) is None or not community_exists(url := community_url(database, slug)):
        raise NoSuchWorkspace(_("there is no workspace named {name}").format(name=_shown(slug)))
    return url


def as_location(text: str | os.PathLike[str]) -> Location:
    """A served root or workspace given as text: a database URL stays text (a Path would fold its '//')."""
    return str(text) if is_database_url(text) else Path(text)


def shown_location(location: Location | os.PathLike[str]) -> str:
    """A served root or workspace as the operator's messages and logs name it: never a password."""
    if is_database_url(location):
        from .postgres import without_password

        return without_password(str(location))
    return str(location)


def names_workspace(query: str) -> bool:
    """True if a raw query string has a `workspace` parameter (however its name is encoded)."""
    return QUERY_PARAMETER in parse_qs(query, keep_blank_values=True)


def slug_from_query(query: str) -> str:
    """The `workspace` value of a raw query string, percent-decoded once; exactly one is required."""
    values = parse_qs(query, keep_blank_values=True).get(QUERY_PARAMETER, [])
    if len(values) > 1:
        raise WorkspaceError(_("the address names more than one workspace"))
    return check_slug(values[0] if values else "")


def find_workspaces(root: str | os.PathLike[str]) -> Iterator[tuple[str, Location | None]]:
    """Each sub-folder of `root` holding a workspace, as (folder name, path or None); for a
    database root, each community of its registry, as (name, URL).

    The path is None when the folder cannot be served: its name breaks the slug rule or it
    resolves outside the root.
    """
    if is_database_url(root):
        from .postgres import community_url, list_communities

        for slug in list_communities(str(root)):
            yield slug, community_url(str(root), slug)
        return
    real_root = Path(root).resolve()
    for entry in sorted(real_root.iterdir(), key=lambda p: p.name):
        if entry.name.startswith(".") or not (entry / DB_FILE).is_file():
            continue
        try:
            yield entry.name, workspace_under(real_root, entry.name)
        except WorkspaceError:
            yield entry.name, None


def stage_href(stage: str, slug: str, *, from_notebook: bool = False) -> str:
    """The link to one stage's app for one workspace.

    Relative to the launcher page by default; `from_notebook=True` gives the link from
    another app page (`voila/render/<stage>.ipynb` pages are siblings).
    """
    target = f"{quote(stage)}.ipynb?{urlencode({QUERY_PARAMETER: check_slug(slug)})}"
    return target if from_notebook else RENDER_PREFIX + target


def community_name(folder: Location | os.PathLike[str]) -> str | None:
    """The community's name in the workspace at `folder`, read without changing anything; None
    when the file cannot be read (which is usually why a visitor is being told something)."""
    if is_database_url(folder):
        return _community_name_in_database(str(folder))
    database = Path(folder) / DB_FILE
    with contextlib.suppress(sqlite3.Error, OSError):
        uri = database.resolve().as_uri() + "?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=1.0)) as connection:
            row = connection.execute(
                "SELECT name FROM community WHERE id = ? AND deleted_at IS NULL", (SINGLETON_ID,)
            ).fetchone()
            if row and isinstance(row[0], str) and row[0].strip():
                return row[0].strip()
    return None


def _community_name_in_database(url: str) -> str | None:
    from .postgres import PostgresWorkspace

    with contextlib.suppress(WorkspaceError), PostgresWorkspace(url, read_only=True) as ws:
        name = ws.community.get("name")
        if isinstance(name, str) and name.strip():
            return name.strip()
    return None


def for_visitor(message: str, folder: Location | os.PathLike[str]) -> str:
    """`message` about the workspace at `folder` as a visitor may read it: the workspace's paths
    become "the workspace <community name>" (its folder name if unreadable); any other path goes.
    For a community in a database, the way the store names it ("community 'x' in database 'y'")
    becomes the same words, and the database's address never shows."""
    if is_database_url(folder):
        from .postgres import CommunityURL

        where = CommunityURL.parse(str(folder))
        shown = f"the workspace {community_name(folder) or where.community}"
        return hide_paths(message.replace(where.shown, shown).replace(str(folder), shown))
    folder = Path(folder)
    shown = f"the workspace {community_name(folder) or folder.name}"
    ours = {str(p) for base in (folder, folder.resolve()) for p in (base / DB_FILE, base)}
    for path in sorted(ours, key=len, reverse=True):  # the database file before its folder
        message = message.replace(path, shown)
    return hide_paths(message)


def _shown(value: str) -> str:
    """A visitor's value, quoted and cut short, safe to put in a message."""
    text = value if len(value) <= 60 else value[:57] + "..."
    return repr(text)
