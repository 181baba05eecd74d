"""The community workspace: schema, SQLite persistence, migrations, import/export.

The workbooks' write operations (save weights, adopt assets as strategies, record a progress
update, ...) are plain functions in `operations`: ``from cswb_widgets.store import operations``.
"""

from .schema import SCHEMA_VERSION, TABLES, table
from .workspace import Workspace, database_path, is_workspace

__all__ = ["SCHEMA_VERSION", "TABLES", "Workspace", "database_path", "is_workspace", "table"]
