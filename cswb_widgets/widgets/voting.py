"""Live workshop voting: a `Ballot` on each participant's device, a `VoteTally` for the facilitator.

Each Voilà page has its own kernel and its own connection to the workspace. A ballot is
written in one batch (one BEGIN IMMEDIATE transaction), so when a whole room submits at
once the writers queue on SQLite's lock and no vote is lost. The tally asks its kernel
every 2 s; the kernel recomputes only when the workspace's last change has moved.

The rating controls are a small anywidget rather than ipywidgets' RadioButtons or
ToggleButtons: those give the five choices no shared group name (a screen reader hears
"3, radio button" without the risk) and no native arrow-key grouping; here each risk is a
fieldset whose legend is the risk's name.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import anywidget
import ipywidgets
import traitlets

from .. import render
from ..errors import InputError
from ..i18n import N_, _, ngettext
from ..model.voting import clean_participant, participants, valid_ratings, vote_summary
from ..render.voting import SCALE, tally_html, tally_table
from ..store.ballots import record_ballot
from . import _failures, _static, _sync

if TYPE_CHECKING:
    from ..store.workspace import Workspace

NO_OPINION = N_("No opinion")
PARTICIPANT_LABEL = N_("Your name or participant code (required)")
SUBMIT_LABEL = N_("Submit my ratings")
RATINGS_ESM = _static.script("dom.js", "vote_common.js", "vote_ratings.js")
STATUS_ESM = _static.script("vote_status.js")
TALLY_ESM = _static.script("dom.js", "vote_common.js", "vote_tally.js")
BALLOT_CSS = _static.stylesheet("vote_ballot.css")
STATUS_CSS = _static.stylesheet("vote_status.css")
TALLY_CSS = _static.stylesheet("vote_tally.css")  # the bar's five shades of blue are there too


class _RiskRatings(anywidget.AnyWidget):
    """The rating controls: one fieldset per risk, 1..5 or "No opinion"."""

    _esm = RATINGS_ESM
    _css = BALLOT_CSS

    risks = traitlets.List(traitlets.Dict()).tag(sync=True)  # [{"id", "name", "description"}], by name
    ratings = traitlets.Dict().tag(sync=True)  # risk id -> 1..5; a risk left out has no opinion
    scale = traitlets.Unicode(SCALE).tag(sync=True)
    refresh_seconds = traitlets.Float(10.0).tag(sync=True)

    @traitlets.validate("refresh_seconds")
    def _valid_refresh(self, proposal: traitlets.Bunch) -> float:
        return _sync.refresh_interval(proposal["value"])  # a synced trait: anyone can set it


class _StatusLine(anywidget.AnyWidget):
    """A status line (role="status") and an alert (role="alert") for refusals."""

    _esm = STATUS_ESM
    _css = STATUS_CSS

    text = traitlets.Unicode("").tag(sync=True)
    kind = traitlets.Unicode("").tag(sync=True)  # "saved", "error" or "info"
    serial = traitlets.Int(0).tag(sync=True)  # bumps with every message, even a repeated one

    def say(self, kind: str, text: str) -> None:
        self.kind = kind
        self.text = text
        self.serial += 1


class Ballot(ipywidgets.VBox):
    """One participant's ballot: their name or code, a rating for each risk, Submit.

    Submitting again replaces that participant's earlier rating of each risk rated now (the
    name is matched ignoring spacing and case); a risk left at "No opinion" keeps whatever
    the participant gave it before, if anything. The risks shown follow the workspace: the
    browser asks every `refresh_seconds` and the list is re-read when anything changed.
    """

    def __init__(self, ws: Workspace, *, session: str | None = None, refresh_seconds: float = 10.0) -> None:
        self._ws = ws
        self._session = session or None
        self._version: str | None = None
        self.participant = ipywidgets.Text(
            description=_(PARTICIPANT_LABEL),
            placeholder=_("e.g. Sam K. or table 4, seat 2"),
            style={"description_width": "initial"},
        )
        self.choices = _RiskRatings(refresh_seconds=refresh_seconds)
        self.submit_button = ipywidgets.Button(description=_(SUBMIT_LABEL), tooltip=_("Save your ratings to the workshop"))
        self.submit_button.on_click(lambda _button: self._submit_clicked())
        self.status = _StatusLine()
        super().__init__([self.participant, self.choices, self.submit_button, self.status])
        self.add_class("cswb-ballot-widget")
        self.choices.on_msg(self._on_browser_message)
        _sync.subscribe(ws, self._refresh_if_changed)
        self.refresh()

    # -- public API ------------------------------------------------------------------------

    @property
    def session(self) -> str | None:
        return self._session

    def refresh(self) -> None:
        """Re-read the risks (ordered by name); ratings of risks that are gone are dropped."""
        self._version = self._ws.last_change()
        risks = self._ws.table("risks")
        listed = sorted(
            (
                {"id": str(r["id"]), "name": str(r["name"]), "description": _text(r.get("description"))}
                for r in risks.to_dict("records")
            ),
            key=lambda r: (r["name"].casefold(), r["id"]),
        )
        if listed != self.choices.risks:
            self.choices.risks = listed
        live = {r["id"] for r in listed}
        kept = {k: v for k, v in self.choices.ratings.items() if k in live}
        if kept != self.choices.ratings:
            self.choices.ratings = kept

    def rate(self, risk_id: str, value: int | None) -> None:
        """Choose a rating (None: no opinion), as a click in the browser would."""
        ratings = {k: v for k, v in self.choices.ratings.items() if k != risk_id}
        if value is not None:
            ratings[risk_id] = value
        self.choices.ratings = ratings

    def submit(self) -> bool:
        """Save this participant's ratings in one transaction; False (with a message) if refused."""
        name = clean_participant(self.participant.value)
        if not name:
            self.status.say("error", _("Not saved: enter your name or participant code first."))
            return False
        chosen, bad = valid_ratings(self.choices.ratings)
        if bad:
            self.status.say("error", _("Not saved: ratings must be whole numbers from 1 to 5 (got {bad}).").format(bad=bad))
            return False
        if not chosen:
            self.status.say("error", _("Not saved: choose a rating from 1 to 5 for at least one risk."))
            return False
        try:
            result = record_ballot(self._ws, name, chosen, session=self._session)
        except InputError as error:
            self.status.say("error", _("Not saved: ") + "; ".join(p.message for p in error.problems))
            return False
        except Exception as error:  # noqa: BLE001 - said in the status line (and logged if unexpected)
            self.status.say("error", _("Not saved: {value}").format(value=_failures.words(error, 'ballot')))
            return False
        saved, gone, name = result.saved, result.gone, result.participant
        self.refresh()
        words = ngettext("Saved {count} rating for {name}", "Saved {count} ratings for {name}", saved).format(count=saved, name=name) + ("" if name.endswith((".", "!", "?")) else ".")
        if gone:
            words += " " + ngettext("{count} risk was removed meanwhile and left out.",
                                    "{count} risks were removed meanwhile and left out.", gone).format(count=gone)
        self.status.say("saved", words)
        _sync.notify_saved(self._ws, self)
        return True

    def handle(self, message: Mapping[str, Any]) -> None:
        """Act on one message from the browser (the periodic refresh)."""
        if message.get("type") == "refresh":
            self._refresh_if_changed()

    # -- helpers ---------------------------------------------------------------------------

    def _submit_clicked(self) -> None:
        """The Submit button: whatever fails is said in the status line, never only in a log."""
        try:
            self.submit()
        except Exception as error:  # noqa: BLE001 - the widget boundary
            self.status.say("error", _("Something went wrong: {value}").format(value=_failures.words(error, 'ballot')))

    def _refresh_if_changed(self) -> None:
        try:
            if self._ws.last_change() != self._version:
                self.refresh()
        except Exception as error:  # noqa: BLE001 - a browser poll or another widget's save
            self.status.say("error", _("Could not reload the risks: {value}").format(value=_failures.words(error, 'ballot reload')))

    def _on_browser_message(self, _widget: object, content: Any, _buffers: object) -> None:
        if isinstance(content, Mapping):
            self.handle(content)


class VoteTally(anywidget.AnyWidget):
    """The facilitator's live view: risks ranked by mean rating, and how many have voted.

    The browser asks every `refresh_seconds`; the kernel recomputes only when the workspace
    changed. This is the room's own live view, so it shows every count; `to_html()` is the
    published version (small counts suppressed).
    """

    _esm = TALLY_ESM
    _css = TALLY_CSS + render.stylesheet()

    table_html = traitlets.Unicode("").tag(sync=True)
    participants_text = traitlets.Unicode("").tag(sync=True)
    participant_count = traitlets.Int(0).tag(sync=True)
    refresh_seconds = traitlets.Float(2.0).tag(sync=True)

    @traitlets.validate("refresh_seconds")
    def _valid_refresh(self, proposal: traitlets.Bunch) -> float:
        return _sync.refresh_interval(proposal["value"])  # a synced trait: anyone can set it

    def __init__(self, ws: Workspace, *, session: str | None = None, refresh_seconds: float = 2.0) -> None:
        self._ws = ws
        self._session = session or None
        self._version: str | None = None
        super().__init__(refresh_seconds=refresh_seconds)
        self.on_msg(self._on_browser_message)
        _sync.subscribe(ws, self._refresh_if_changed)
        self.refresh()

    def refresh(self) -> None:
        """Recompute the tally from the workspace."""
        self._version = self._ws.last_change()
        tables = render.WorkspaceTables(self._ws)
        count = participants(tables, self._session)
        self.table_html = tally_table(vote_summary(tables, self._session), published=False)
        self.participant_count = count
        self.participants_text = ngettext("{count} participant so far", "{count} participants so far", count).format(count=count)

    def handle(self, message: Mapping[str, Any]) -> None:
        """Act on one message from the browser (the periodic refresh)."""
        if message.get("type") == "refresh":
            self._refresh_if_changed()

    def to_html(self) -> str:
        """The published tally: counts under 5 shown as "<5", means only from 5 ballots up."""
        return tally_html(render.WorkspaceTables(self._ws), self._session)

    def _refresh_if_changed(self) -> None:
        try:
            if self._ws.last_change() != self._version:
                self.refresh()
        except Exception as error:  # noqa: BLE001 - the tally has no status line: its count line says it
            self.participants_text = _("Could not update the tally: {value}").format(value=_failures.words(error, 'vote tally'))

    def _on_browser_message(self, _widget: object, content: Any, _buffers: object) -> None:
        if isinstance(content, Mapping):
            self.handle(content)


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
