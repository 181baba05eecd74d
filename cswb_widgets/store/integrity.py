"""Checks that the stored data holds together (references, the community profile).

Edits through the API cannot break these; a file edited by other tools can.
"""

from __future__ import annotations

import os

from ..errors import Problem
from ..i18n import _
from .schema import TABLES
from .workspace import SINGLETON_ID, Workspace


def integrity_problems(ws: Workspace) -> list[Problem]:
    problems: list[Problem] = []
    if not ws.get("community", SINGLETON_ID):
        problems.append(Problem(_("the community profile is missing (set it with 'cswb init' or import community.csv)")))
    for spec in TABLES:
        for column in spec.columns:
            if column.ref is None:
                continue
            if column.kind == "list":
                items = ws._json_items(f't."{column.name}"', "j")
                sql = (
                    f'SELECT t.id, j.value FROM "{spec.name}" t, {items}'
                    f' WHERE t.deleted_at IS NULL AND t."{column.name}" IS NOT NULL AND NOT EXISTS'
                    f' (SELECT 1 FROM "{column.ref}" r WHERE r.id = j.value AND r.deleted_at IS NULL)'
                )
            else:
                sql = (
                    f'SELECT t.id, t."{column.name}" FROM "{spec.name}" t WHERE t.deleted_at IS NULL'
                    f' AND t."{column.name}" IS NOT NULL AND NOT EXISTS'
                    f' (SELECT 1 FROM "{column.ref}" r WHERE r.id = t."{column.name}" AND r.deleted_at IS NULL)'
                )
            for record_id, value in ws._rows(sql):
                problems.append(
                    Problem(
                        _("{table} record '{id}' refers to {other} '{value}', which does not exist").format(
                            table=spec.name, id=record_id, other=column.ref, value=value),
                        column=column.name,
                    )
                )
    return problems


def problems_line(problems: list[Problem], path: str | os.PathLike[str]) -> str:
    """The line `cswb validate` ends with for a workspace that fails, repeated by `cswb report`."""
    return f"{len(problems)} problem(s) found in {path}"
