"""The community workspace: schema, SQLite persistence, migrations, import/export."""

from .schema import SCHEMA_VERSION, TABLES, table
from .workspace import Workspace, database_path, is_workspace

__all__ = ["Workspace", "SCHEMA_VERSION", "TABLES", "table", "database_path", "is_workspace"]
