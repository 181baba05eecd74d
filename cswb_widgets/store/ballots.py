"""Saving one workshop ballot: the same rules and one transaction, from an app or the voting page.

The rules are :func:`cswb_widgets.model.voting.ballot_changes`; this applies them inside one
`Workspace.batch`, reading the earlier votes under the write lock so that no one else's ballot
is half-seen. Used by `widgets.voting.Ballot` and by `cswb serve`'s kernel-less voting page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..model.voting import ballot_changes
from .workspace import Workspace


@dataclass(frozen=True)
class BallotSaved:
    saved: int  # ratings stored (new or changed)
    gone: int  # ratings of risks removed meanwhile, left out
    participant: str  # the name as stored


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
        votes = ws.table("votes")
        live = set(ws.table("risks")["id"].astype(str)) if chosen else set()
        changes = ballot_changes(votes, live, participant, chosen, device=device, session=session)
        for vote_id, update in [*changes.update, *changes.renamed]:
            ws.update("votes", vote_id, **update)
        for row in changes.add:
            ws.add("votes", row)
    return BallotSaved(changes.saved, changes.gone, participant)
