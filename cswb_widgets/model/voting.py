"""Workshop votes on risks: each participant rates each risk 1 (low priority) to 5 (top priority).

One vote per participant and risk (the store keeps `votes` unique on risk_id + participant);
a risk nobody rated has no mean. These summaries feed the facilitator's live tally, the
published report and the "workshop_votes" criterion of the prioritization.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..i18n import N_
from ._tables import Tables, rows_of

RATINGS = (1, 2, 3, 4, 5)
# The distribution columns of `vote_summary`: how many ballots gave the risk each rating.
DISTRIBUTION = tuple(f"rated_{rating}" for rating in RATINGS)
SUMMARY_COLUMNS = ("risk_id", "name", "ballots", "mean", "median", *DISTRIBUTION)


UNNAMED_PARTICIPANT = N_("Participant (no name given)")  # stored as written; shown with _()
MAX_PARTICIPANT_CHARACTERS = 80


def participant_key(name: object) -> str:
    """How two spellings of one participant are recognised as the same: spacing and case ignored."""
    return " ".join(str(name).split()).casefold()


def clean_participant(text: object) -> str:
    """A participant's name as typed, with spacing tidied (case kept for display)."""
    return " ".join(str(text or "").split())


def device_fingerprint(device_key: str) -> str:
    """What the store keeps of a device's ballot key: a one-way digest (the key stays in the browser)."""
    return hashlib.sha256(device_key.encode("utf-8")).hexdigest()[:32]


def valid_ratings(ratings: Mapping[str, Any]) -> tuple[dict[str, int], str]:
    """The ratings as ints 1..5 (None or "" = no opinion, left out), and the first unusable value
    as text ("" if none: then the dict is what to save)."""
    chosen: dict[str, int] = {}
    for risk_id, value in ratings.items():
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or int(value) not in RATINGS:
            return {}, repr(value)
        chosen[str(risk_id)] = int(value)
    return chosen, ""


@dataclass
class BallotChanges:
    """What saving one ballot does to the `votes` table: rows to add, votes to update, risks gone."""

    add: list[dict[str, Any]] = field(default_factory=list)
    update: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (vote id, changes)
    gone: int = 0
    # A device's earlier votes on risks not rated now, given the name this ballot gives (one name per device).
    renamed: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def saved(self) -> int:
        return len(self.add) + len(self.update)


def ballot_changes(
    votes: pd.DataFrame,
    live_risks: set[str],
    participant: str,
    chosen: Mapping[str, int],
    *,
    device: str | None = None,
    session: str | None = None,
) -> BallotChanges:
    """The writes that record `chosen` (risk id -> 1..5) for one participant.

    A ballot with a `device` fingerprint replaces only that device's earlier votes (whatever
    name it gave), so typing someone else's name takes over nothing; a ballot without one (entered
    in an app) replaces the earlier device-less votes of the same name (spacing and case ignored).
    A risk left out keeps its earlier vote, if any.
    """
    devices = votes["device"] if "device" in votes else pd.Series(None, index=votes.index, dtype=object)
    blank = devices.isna() | (devices.astype(str) == "")
    if device:
        mine = votes[devices.astype(str) == device]
        spelling = participant
    else:
        mine = votes[blank & (votes["participant"].map(participant_key) == participant_key(participant))]
        spelling = str(mine["participant"].iloc[0]) if len(mine) else participant  # one spelling per person
    earlier = dict(zip(mine["risk_id"].astype(str), mine["id"].astype(str), strict=True))
    earlier_names = dict(zip(mine["risk_id"].astype(str), mine["participant"].astype(str), strict=True))
    changes = BallotChanges()
    for risk_id, value in chosen.items():
        if risk_id not in live_risks:
            changes.gone += 1
            continue
        if risk_id in earlier:
            update: dict[str, Any] = {"value": value}
            if session is not None:
                update["session"] = session
            if earlier_names[risk_id] != spelling:
                update["participant"] = spelling
            changes.update.append((earlier[risk_id], update))
        else:
            changes.add.append(
                {"risk_id": risk_id, "participant": spelling, "value": value, "session": session, "device": device or None}
            )
    for risk_id, vote_id in earlier.items():
        if risk_id not in chosen and earlier_names[risk_id] != spelling:
            changes.renamed.append((vote_id, {"participant": spelling}))
    return changes


def session_votes(tables: Tables, session: str | None = None) -> pd.DataFrame:
    """The votes on live risks, only those of `session` when one is given."""
    votes = rows_of(tables, "votes")
    if votes.empty:
        return pd.DataFrame(columns=["id", "risk_id", "participant", "value", "session", "device"])
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
    """How many people have voted (on at least one live risk): one per device for ballots from the
    voting page, one per name (spacing and case ignored) for ballots entered in an app."""
    votes = session_votes(tables, session)
    names = votes["participant"].map(participant_key, na_action="ignore")
    if "device" in votes:
        devices = votes["device"].where(votes["device"].astype(str) != "")
        names = ("device:" + devices.astype(str)).where(devices.notna(), "name:" + names.astype(str))
    return int(names.dropna().nunique())


def mean_votes(tables: Tables) -> pd.Series:
    """The mean rating of every risk over all sessions, indexed by risk id (NaN: nobody voted).

    The source of a "workshop_votes" prioritization criterion.
    """
    risks = rows_of(tables, "risks")
    ids = pd.Index(risks["id"].astype(str) if not risks.empty else [], name="risk_id", dtype=object)
    summary = vote_summary(tables)
    means = pd.Series(summary["mean"].to_numpy(dtype="float64"), index=summary["risk_id"].astype(str).to_numpy())
    return means.reindex(ids).rename("mean_vote").astype("float64")
