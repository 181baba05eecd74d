"""CSWB Workbook: guided workbooks for Community Safety and Well-Being planning.

The analyst's entry points:

>>> from cswb_widgets import Workspace, load_catalogue
>>> ws = Workspace.open("path/to/workspace")
>>> ws.table("risks")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import CswbError, InputError, Problem, WorkspaceError

if TYPE_CHECKING:
    from .framework import load_catalogue
    from .store import Workspace

__version__ = "0.1.0"
__all__ = ["CswbError", "InputError", "Problem", "Workspace", "WorkspaceError", "load_catalogue"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so `import cswb_widgets.framework` stays free of pandas and SQLite.
    if name == "Workspace":
        from .store import Workspace

        return Workspace
    if name == "load_catalogue":
        from .framework import load_catalogue

        return load_catalogue
    raise AttributeError(f"module 'cswb_widgets' has no attribute {name!r}")
