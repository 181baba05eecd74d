"""Which workspace a URL may open: slug rules and confinement to the served root.

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
from ..kernel_errors import hide_paths
from .workspace import DB_FILE, SINGLETON_ID

ROOT_ENV = "CSWB_ROOT"  # set by `cswb serve` for its kernels: the folder of workspaces

QUERY_PARAMETER = "workspace"
RENDER_PREFIX = "voila/render/"

# ASCII letters and digits, then also '.', '_' or '-'; never a leading dot (hidden folders, '..').
SLUG_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
SLUG_RULE = "letters, digits, '.', '_' or '-', starting with a letter or digit, at most 100 characters"


class NoSuchWorkspace(WorkspaceError):
    """The slug is well formed but names no workspace under the root."""


def check_slug(value: str) -> str:
    """`value` if it is a valid workspace slug; WorkspaceError saying why not otherwise."""
    if not value:
        raise WorkspaceError("no workspace was chosen")
    if SLUG_PATTERN.fullmatch(value) is None:
        raise WorkspaceError(f"{_shown(value)} is not a workspace name ({SLUG_RULE})")
    return value


def workspace_under(root: str | os.PathLike[str], slug: str) -> Path:
    """The workspace folder `root/slug`, refused unless it really lies inside `root`.

    Returns the lexical path (so that `.name` is the slug) after checking that the folder and
    its database file both resolve, through any symlinks, to places inside the root.
    """
    check_slug(slug)
    real_root = Path(root).resolve()
    if not real_root.is_dir():
        raise WorkspaceError("the workspace folder of this server does not exist")
    folder = real_root / slug
    if not (folder / DB_FILE).is_file():
        raise NoSuchWorkspace(f"there is no workspace named {_shown(slug)}")
    for candidate in (folder, folder / DB_FILE):
        if not candidate.resolve().is_relative_to(real_root):
            raise WorkspaceError(f"the workspace {_shown(slug)} is outside this server's folder")
    return folder


def names_workspace(query: str) -> bool:
    """True if a raw query string has a `workspace` parameter (however its name is encoded)."""
    return QUERY_PARAMETER in parse_qs(query, keep_blank_values=True)


def slug_from_query(query: str) -> str:
    """The `workspace` value of a raw query string, percent-decoded once; exactly one is required."""
    values = parse_qs(query, keep_blank_values=True).get(QUERY_PARAMETER, [])
    if len(values) > 1:
        raise WorkspaceError("the address names more than one workspace")
    return check_slug(values[0] if values else "")


def find_workspaces(root: str | os.PathLike[str]) -> Iterator[tuple[str, Path | None]]:
    """Each sub-folder of `root` holding a workspace, as (folder name, path or None).

    The path is None when the folder cannot be served: its name breaks the slug rule or it
    resolves outside the root.
    """
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


def community_name(folder: str | os.PathLike[str]) -> str | None:
    """The community's name in the workspace at `folder`, read without changing anything; None
    when the file cannot be read (which is usually why a visitor is being told something)."""
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


def for_visitor(message: str, folder: str | os.PathLike[str]) -> str:
    """`message` about the workspace at `folder` as a visitor may read it: the workspace's paths
    become "the workspace <community name>" (its folder name if unreadable); any other path goes."""
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
