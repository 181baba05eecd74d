"""The input every model function takes: the workspace's tables by name."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

Tables = Mapping[str, pd.DataFrame]


def rows_of(tables: Tables, name: str) -> pd.DataFrame:
    """One table, or an empty frame when the caller did not pass it."""
    found = tables.get(name)
    return found if found is not None else pd.DataFrame()
