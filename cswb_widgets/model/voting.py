"""Workshop votes on risks: each participant rates each risk 1 (low priority) to 5 (top priority).

One vote per participant and risk (the store keeps `votes` unique on risk_id + participant);
a risk nobody rated has no mean. These summaries feed the facilitator's live tally, the
published report and the "workshop_votes" criterion of the prioritization.
"""

from __future__ import annotations

import pandas as pd

from ._tables import Tables, rows_of

RATINGS = (1, 2, 3, 4, 5)
# The distribution columns of `vote_summary`: how many ballots gave the risk each rating.
DISTRIBUTION = tuple(f"rated_{rating}" for rating in RATINGS)
SUMMARY_COLUMNS = ("risk_id", "name", "ballots", "mean", "median", *DISTRIBUTION)


def participant_key(name: object) -> str:
    """How two spellings of one participant are recognised as the same: spacing and case ignored."""
    return " ".join(str(name).split()).casefold()


def session_votes(tables: Tables, session: str | None = None) -> pd.DataFrame:
    """The votes on live risks, only those of `session` when one is given."""
    votes = rows_of(tables, "votes")
    if votes.empty:
        return pd.DataFrame(columns=["id", "risk_id", "participant", "value", "session"])
    if "risks" in tables:
        votes = votes[votes["risk_id"].isin(rows_of(tables, "risks").get("id", pd.Series(dtype=object)))]
    if session is not None:
        votes = votes[votes["session"] == session]
    return votes


def vote_summary(tables: Tables, session: str | None = None) -> pd.DataFrame:
    """One row per risk: ballots, mean and median rating, and how many gave each rating.

    Every risk is listed (those nobody rated have 0 ballots and no mean), highest mean
    first; ties go to the risk with more ballots, then by name.
    """
    risks = rows_of(tables, "risks")
    if risks.empty:
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    votes = session_votes(tables, session)
    values = pd.to_numeric(votes["value"], errors="coerce").astype("float64")
    by_risk = values.groupby(votes["risk_id"].astype(str))
    counts = (
        values.groupby([votes["risk_id"].astype(str), values]).size().unstack(fill_value=0)
        if len(votes)
        else pd.DataFrame()
    )
    counts = counts.reindex(columns=[float(r) for r in RATINGS], fill_value=0)
    ids = risks["id"].astype(str)
    summary = pd.DataFrame({"risk_id": ids.to_numpy(), "name": risks["name"].to_numpy()})
    summary["ballots"] = ids.map(by_risk.size()).fillna(0).astype(int).to_numpy()
    summary["mean"] = ids.map(by_risk.mean()).astype("float64").to_numpy()
    summary["median"] = ids.map(by_risk.median()).astype("float64").to_numpy()
    for rating, column in zip(RATINGS, DISTRIBUTION, strict=True):
        summary[column] = ids.map(counts[float(rating)]).fillna(0).astype(int).to_numpy()
    summary["_name_key"] = summary["name"].astype(str).str.casefold()
    summary = summary.sort_values(
        ["mean", "ballots", "_name_key"], ascending=[False, False, True], na_position="last", kind="mergesort"
    )
    return summary.drop(columns="_name_key").reset_index(drop=True)


def participants(tables: Tables, session: str | None = None) -> int:
    """How many people have voted (on at least one live risk; spacing and case of names ignored)."""
    votes = session_votes(tables, session)
    return int(votes["participant"].dropna().map(participant_key).nunique())


def mean_votes(tables: Tables) -> pd.Series:
    """The mean rating of every risk over all sessions, indexed by risk id (NaN: nobody voted).

    The source of a "workshop_votes" prioritization criterion.
    """
    risks = rows_of(tables, "risks")
    ids = pd.Index(risks["id"].astype(str) if not risks.empty else [], name="risk_id", dtype=object)
    summary = vote_summary(tables)
    means = pd.Series(summary["mean"].to_numpy(dtype="float64"), index=summary["risk_id"].astype(str).to_numpy())
    return means.reindex(ids).rename("mean_vote").astype("float64")
