"""The workshop vote's pages, rendered on the server: ballot, join screen, projector tally.

Plain HTML forms (they work without JavaScript), built from plain data so they can be tested
without a server; Jinja autoescaping escapes every value a user typed (risk and community
names). The QR code is drawn here, offline, by segno.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import segno

from ..i18n import N_, _
from ..model.privacy import SMALL_COUNT
from ..model.voting import MAX_PARTICIPANT_CHARACTERS, RATINGS, participants, vote_summary
from ..render.voting import SCALE, tally_table
from ..store.ballots import DeviceBallot
from .launcher import _environment

NO_OPINION = N_("No opinion")
RATING_FIELD = "risk-"  # a rating's form field is RATING_FIELD + the risk's id
NAME_FIELD = "name"


def render_ballot(
    ballot: DeviceBallot,
    *,
    xsrf_form_html: str,
    name: str = "",
    unnamed: str = "",
    message: str = "",
    kind: str = "",
) -> str:
    """The ballot: one fieldset per risk (its name is the legend), 1 to 5 or "No opinion"."""
    return _environment().get_template("ballot.html").render(
        community=ballot.community, risks=ballot.risks, given=ballot.ratings, rating_field=RATING_FIELD, ratings=RATINGS, scale=SCALE, no_opinion=NO_OPINION,
        xsrf_form_html=xsrf_form_html, name=name, name_field=NAME_FIELD, unnamed=unnamed,
        max_name=MAX_PARTICIPANT_CHARACTERS, message=message, kind=kind,
    )


def render_code_form(community: str, action: str, message: str = "") -> str:
    """The page that asks for the vote's access code (shown on the projector)."""
    return _environment().get_template("vote_code.html").render(community=community, action=action, message=message)


def render_vote_message(title: str, message: str, status: int) -> str:
    """A one-line page: why a vote page cannot be shown or a ballot was not saved."""
    return _environment().get_template("vote_message.html").render(title=title, message=message, status=status)


def qr_svg(url: str) -> str:
    """`url` as a QR code, an inline SVG drawn offline (medium error correction: a projector's glare)."""
    # omitsize: a viewBox instead of a fixed size, so that the stylesheet sizes it for the screen.
    return segno.make(url, error="m", micro=False).svg_inline(
        border=2, dark="#000", light="#fff", omitsize=True, title=_("QR code that opens the ballot")
    )


def render_join(community: str, short_url: str, code: str, join_url: str) -> str:
    """The projector's join screen: the short address, the code, and a QR code that opens the ballot."""
    return _environment().get_template("vote_join.html").render(
        community=community, short_url=short_url, code=code, qr=qr_svg(join_url), join_url=join_url,
    )


@dataclass(frozen=True)
class TallyView:
    participants_text: str
    table_html: str


def tally_view(tables: Mapping[str, pd.DataFrame]) -> TallyView:
    """The projector's tally: the published rules (ballot counts under 5 shown as "<5", means only
    from 5 ballots up), since a projected screen is as public as a report."""
    count = participants(tables)
    if 0 < count < SMALL_COUNT:
        text = _("Fewer than {SMALL_COUNT} participants have voted").format(SMALL_COUNT=SMALL_COUNT)
    else:
        text = f"{count} {'participant has' if count == 1 else 'participants have'} voted"
    return TallyView(text, tally_table(vote_summary(tables), published=True))


def render_tally(community: str, view: TallyView, data_url: str, refresh_seconds: float) -> str:
    return _environment().get_template("vote_tally.html").render(
        community=community, view=view, data_url=data_url, refresh_ms=int(refresh_seconds * 1000),
        small=SMALL_COUNT,
    )
