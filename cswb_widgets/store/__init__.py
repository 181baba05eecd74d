"""The community workspace: schema, SQLite persistence, migrations, import/export."""

from .schema import SCHEMA_VERSION, TABLES, table
from .workspace import Workspace, database_path, is_workspace

__all__ = ["SCHEMA_VERSION", "TABLES", "Workspace", "database_path", "is_workspace", "table"]
