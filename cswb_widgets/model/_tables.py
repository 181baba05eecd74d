"""The input every model function takes: the workspace's tables by name."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

Tables = Mapping[str, pd.DataFrame]


def rows_of(tables: Tables, name: str) -> pd.DataFrame:
    """One table, or an empty frame when the caller did not pass it."""
    found = tables.get(name)
    return found if found is not None else pd.DataFrame()


def blank(value: Any) -> bool:
    """An empty cell: None, NA, NaN or whitespace-only text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def as_list(value: Any) -> list[str]:
    """A list cell (the store gives lists; hand-made frames may give "a; b"), without repeats."""
    if isinstance(value, (list, tuple)):
        items = [str(v).strip() for v in value if not blank(v)]
    elif blank(value):
        items = []
    else:
        items = [part.strip() for part in str(value).split(";") if part.strip()]
    return list(dict.fromkeys(items))


def column_values(frame: pd.DataFrame, name: str) -> list[Any]:
    """A column as a list, or Nones when the frame lacks it (hand-made frames in tests, analysts' scripts)."""
    return frame[name].tolist() if name in frame else [None] * len(frame)
