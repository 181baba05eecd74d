"""What may be published: small counts suppressed, personal contact data left out."""

from __future__ import annotations

import re

import pandas as pd

SMALL_COUNT = 5  # published outputs show counts under this as "<5"


def suppress_small_counts(frame: pd.DataFrame, columns: list[str], threshold: int = SMALL_COUNT) -> pd.DataFrame:
    """A copy for publication: counts from 1 to threshold-1 become "<5" (0 stays 0).

    Shares computed from suppressed counts would reveal them, so the caller
    drops or suppresses those too.
    """
    published = frame.copy()
    for column in columns:
        published[column] = [
            f"<{threshold}" if is_small_count(v, None, threshold) else (int(v) if pd.notna(v) else v)
            for v in frame[column]
        ]
        published[column] = published[column].astype(object)
    return published


# A unit names a rate, share, score, amount of money or duration, not a count of people or events.
# "per 100,000" is a rate, "deaths per year" still a count.
_NOT_A_COUNT = re.compile(
    r"%|\bpercent|\bper\s+[\d,.]+|\brate\b|\bratio\b|\bindex\b|\bscore\b|\baverage\b|\bmean\b|\bmedian\b|\$"
    r"|^\s*(days?|weeks?|months?|years?|hours?|minutes?)\s*$",
    re.IGNORECASE,
)


def is_count_unit(unit: object) -> bool:
    """Whether values in `unit` (the free-text unit of an indicator or measure) count people or events.

    Rates, percentages, scores, money and durations are not counts. A missing unit counts as a
    count: when it is unclear what a small number counts, publish less.
    """
    if unit is None or (isinstance(unit, float) and unit != unit):
        return True
    return not _NOT_A_COUNT.search(str(unit))


def is_small_count(value: object, unit: object, threshold: int = SMALL_COUNT) -> bool:
    """A value that published outputs show as "<5": a count from above 0 to under `threshold`."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return number == number and 0 < number < threshold and is_count_unit(unit)
