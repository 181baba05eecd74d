"""Saving one workshop ballot: the same rules and one transaction, from an app or the voting page.

The rules are :func:`cswb_widgets.model.voting.ballot_changes`; this applies them inside one
`Workspace.batch`, reading the earlier votes under the write lock so that no one else's ballot
is half-seen. Used by `widgets.voting.Ballot` and by `cswb serve`'s kernel-less voting page.

A device's ballot reads only that device's votes and the live risk ids (two small queries):
with a room submitting at once, reading whole tables into pandas for every ballot was what
made the queue long (about 55 ms of a 95 ms ballot, measured with 60 ballots stored).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from ..model.voting import ballot_changes
from .workspace import Workspace

_VOTE_COLUMNS = ["id", "risk_id", "participant", "value", "session", "device"]


@dataclass(frozen=True)
class BallotSaved:
    saved: int  # ratings stored (new or changed)
    gone: int  # ratings of risks removed meanwhile, left out
    participant: str  # the name as stored


@dataclass(frozen=True)
class BallotRisk:
    id: str
    name: str
    description: str


@dataclass(frozen=True)
class DeviceBallot:
    """What a device's ballot page shows: the community, the risks by name, its earlier ratings."""

    community: str
    risks: list[BallotRisk]
    ratings: dict[str, int]  # risk id -> this device's earlier rating
    participant: str  # the name it gave last ("" if it has not voted)


def device_votes(ws: Workspace, device: str) -> pd.DataFrame:
    """This device's votes (those on removed risks too: they are its votes if the risk comes back)."""
    rows = ws._rows(f"SELECT {', '.join(_VOTE_COLUMNS)} FROM votes WHERE deleted_at IS NULL AND device = ?", (device,))
    return pd.DataFrame(rows, columns=_VOTE_COLUMNS)


def device_ballot(ws: Workspace, device: str | None) -> DeviceBallot:
    """The ballot page's data, read with three small queries (no whole table, no DataFrame)."""
    community = ws._rows("SELECT name FROM community WHERE deleted_at IS NULL")
    risks = sorted(
        (BallotRisk(str(i), str(n), "" if d is None else str(d))
         for i, n, d in ws._rows("SELECT id, name, description FROM risks WHERE deleted_at IS NULL")),
        key=lambda r: (r.name.casefold(), r.id),
    )
    mine = ws._rows("SELECT risk_id, value, participant FROM votes WHERE deleted_at IS NULL AND device = ?",
                    (device,)) if device else []
    live = {r.id for r in risks}
    ratings = {str(r): int(v) for r, v, _name in mine if str(r) in live}
    name = str(mine[0][2]) if mine else ""
    return DeviceBallot(str(community[0][0]) if community and community[0][0] else ws.path.name, risks, ratings, name)


def risk_names(ws: Workspace) -> dict[str, str]:
    """Live risk id -> name (for messages that name the risk a bad rating was given to)."""
    return {str(i): str(n) for i, n in ws._rows("SELECT id, name FROM risks WHERE deleted_at IS NULL")}


def record_ballot(
    ws: Workspace,
    participant: str,
    chosen: Mapping[str, int],
    *,
    device: str | None = None,
    session: str | None = None,
) -> BallotSaved:
    """Store one participant's ratings (risk id -> 1..5, already checked) in one transaction.

    Raises InputError (nothing written) when the store refuses a value.
    """
    with ws.acting_as(participant), ws.batch("workshop ballot"):
        votes = device_votes(ws, device) if device else ws.table("votes")
        live = {str(row[0]) for row in ws._rows("SELECT id FROM risks WHERE deleted_at IS NULL")}
        changes = ballot_changes(votes, live, participant, chosen, device=device, session=session)
        for vote_id, update in [*changes.update, *changes.renamed]:
            ws.update("votes", vote_id, **update)
        for row in changes.add:
            ws.add("votes", row)
    return BallotSaved(changes.saved, changes.gone, participant)
