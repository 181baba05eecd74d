"""Data sovereignty: what the community that owns a dataset lets published outputs show.

Each indicator (risk evidence) and each measure (the measurement framework) carries a flag set
by the community that owns the data, for instance under a Band Council Resolution that community
data stay under the First Nation's control:

- ``publish`` (or blank): published as recorded;
- ``aggregated_only``: published as whole-community figures only, never by sub-area;
- ``withhold``: never in a published output (plan, progress report), only in the working apps.

`published_tables` gives the tables a published output may read. An indicator is a series of
rows; the strictest flag on any of its rows applies to all of them, so one withheld row cannot
be worked out from the others.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pandas as pd

from ._tables import Tables, blank, rows_of
from .risk_evidence import community_yearly

PUBLISH, AGGREGATED_ONLY, WITHHOLD = "publish", "aggregated_only", "withhold"
_STRICTNESS = {PUBLISH: 0, AGGREGATED_ONLY: 1, WITHHOLD: 2}
FILTERED_TABLES = frozenset({"indicators", "measures", "measurements"})


def _flags(frame: pd.DataFrame, key: str) -> dict[str, str]:
    """Key value -> the strictest flag among its rows."""
    if frame.empty or "data_sovereignty" not in frame:
        return {}
    flags: dict[str, str] = {}
    for name, flag in zip(frame[key].astype(str), frame["data_sovereignty"], strict=True):
        value = PUBLISH if blank(flag) else str(flag)
        if _STRICTNESS.get(value, 0) >= _STRICTNESS.get(flags.get(name, PUBLISH), 0):
            flags[name] = value
    return flags


def indicator_flags(tables: Tables) -> dict[str, str]:
    """Indicator name -> its flag (the strictest of its rows)."""
    return _flags(rows_of(tables, "indicators"), "indicator")


def withheld_measures(tables: Tables) -> set[str]:
    """Ids of the measures whose owner withholds them from published outputs."""
    return {m for m, flag in _flags(rows_of(tables, "measures"), "id").items() if flag == WITHHOLD}


def published_indicators(tables: Tables) -> pd.DataFrame:
    """The indicator rows a published output may show: withheld indicators dropped, and those
    published aggregated only reduced to whole-community rows (sub-areas combined by unit)."""
    rows = rows_of(tables, "indicators")
    flags = indicator_flags(tables)
    if rows.empty or not flags:
        return rows
    names = rows["indicator"].astype(str)
    kept = rows[names.map(lambda n: flags.get(n, PUBLISH) != WITHHOLD)]
    aggregated = {n for n, f in flags.items() if f == AGGREGATED_ONLY}
    if not aggregated:
        return kept.reset_index(drop=True)
    in_aggregate = kept["indicator"].astype(str).isin(aggregated)
    detail = kept[in_aggregate]
    whole = detail[detail["area"].fillna("").astype(str).str.strip() == ""]
    yearly = community_yearly({"indicators": detail, "areas": rows_of(tables, "areas")})
    # Years with only sub-area rows get one whole-community row made from them.
    have = set(zip(whole["indicator"].astype(str), whole["year"].astype(int), strict=True))
    made = []
    first = detail.drop_duplicates("indicator").set_index("indicator")
    for record in yearly.to_dict("records"):
        if (str(record["indicator"]), int(record["year"])) in have:
            continue
        template = first.loc[record["indicator"]].to_dict()
        made.append({**template, "indicator": record["indicator"], "id": f"{first.loc[record['indicator'], 'id']}:all:{int(record['year'])}",
                     "area": None, "year": int(record["year"]), "value": float(record["value"]),
                     "comparator_value": record["comparator_value"]})
    parts = [kept[~in_aggregate], whole]
    if made:
        parts.append(pd.DataFrame(made, columns=kept.columns))
    return pd.concat(parts, ignore_index=True)


def published_tables(tables: Tables) -> PublishedTables:
    """`tables` as a published output may read them (see the module's description)."""
    return PublishedTables(tables)


class PublishedTables(Mapping[str, pd.DataFrame]):
    """A read-only view of the tables with the owners' data-sovereignty flags applied."""

    def __init__(self, tables: Tables):
        self._tables = tables
        self._frames: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in FILTERED_TABLES:
            return self._tables[name]
        if name not in self._frames:
            self._frames[name] = self._filtered(name)
        return self._frames[name]

    def _filtered(self, name: str) -> pd.DataFrame:
        if name == "indicators":
            return published_indicators(self._tables)
        withheld = withheld_measures(self._tables)
        frame = rows_of(self._tables, name)
        if not withheld or frame.empty:
            return frame
        key = "id" if name == "measures" else "measure_id"
        return frame[~frame[key].astype(str).isin(withheld)].reset_index(drop=True)

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)
