"""What may be published: small counts suppressed, personal contact data left out."""

from __future__ import annotations

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
            f"<{threshold}" if pd.notna(v) and 0 < v < threshold else (int(v) if pd.notna(v) else v)
            for v in frame[column]
        ]
        published[column] = published[column].astype(object)
    return published
