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
import pandas as pd
import traitlets
from markupsafe import Markup

from .. import render
from ..errors import InputError
from ..model.privacy import SMALL_COUNT
from ..model.voting import DISTRIBUTION, RATINGS, participant_key, participants, vote_summary
from . import _failures, _static, _sync

if TYPE_CHECKING:
    from ..store.workspace import Workspace

SCALE = "1 = low priority … 5 = top priority"
NO_OPINION = "No opinion"
PARTICIPANT_LABEL = "Your name or participant code (required)"
SUBMIT_LABEL = "Submit my ratings"
RATINGS_ESM = _static.script("vote_common.js", "vote_ratings.js")
STATUS_ESM = _static.script("vote_status.js")
TALLY_ESM = _static.script("vote_common.js", "vote_tally.js")
BALLOT_CSS = _static.stylesheet("vote_ballot.css")
STATUS_CSS = _static.stylesheet("vote_status.css")
TALLY_CSS = _static.stylesheet("vote_tally.css")  # the bar's five shades of blue are there too


def clean_participant(text: object) -> str:
    """A participant's name as typed, with spacing tidied (case kept for display)."""
    return " ".join(str(text or "").split())


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


class _RiskRatings(anywidget.AnyWidget):
    """The rating controls: one fieldset per risk, 1..5 or "No opinion"."""

    _esm = RATINGS_ESM
    _css = BALLOT_CSS

    risks = traitlets.List(traitlets.Dict()).tag(sync=True)  # [{"id", "name", "description"}], by name
    ratings = traitlets.Dict().tag(sync=True)  # risk id -> 1..5; a risk left out has no opinion
    scale = traitlets.Unicode(SCALE).tag(sync=True)
    refresh_seconds = traitlets.Float(10.0).tag(sync=True)


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
            description=PARTICIPANT_LABEL,
            placeholder="e.g. Sam K. or table 4, seat 2",
            style={"description_width": "initial"},
        )
        self.choices = _RiskRatings(refresh_seconds=refresh_seconds)
        self.submit_button = ipywidgets.Button(description=SUBMIT_LABEL, tooltip="Save your ratings to the workshop")
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
            self.status.say("error", "Not saved: enter your name or participant code first.")
            return False
        chosen, bad = _valid_ratings(self.choices.ratings)
        if bad:
            self.status.say("error", f"Not saved: ratings must be whole numbers from 1 to 5 (got {bad}).")
            return False
        if not chosen:
            self.status.say("error", "Not saved: choose a rating from 1 to 5 for at least one risk.")
            return False
        try:
            # The change history names who voted (in this thread only: others keep their actor).
            with self._ws.acting_as(name), self._ws.batch("workshop ballot"):
                saved, gone = self._write(name, chosen)
        except InputError as error:
            self.status.say("error", "Not saved: " + "; ".join(p.message for p in error.problems))
            return False
        except Exception as error:  # noqa: BLE001 - said in the status line (and logged if unexpected)
            self.status.say("error", f"Not saved: {_failures.words(error, 'ballot')}")
            return False
        self.refresh()
        words = f"Saved {_plural(saved, 'rating')} for {name}" + ("" if name.endswith((".", "!", "?")) else ".")
        if gone:
            words += f" {_plural(gone, 'risk was', 'risks were')} removed meanwhile and left out."
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
            self.status.say("error", f"Something went wrong: {_failures.words(error, 'ballot')}")

    def _write(self, name: str, chosen: dict[str, int]) -> tuple[int, int]:
        """Inside the batch: update this participant's earlier votes, add the new ones."""
        votes = self._ws.table("votes")  # read under the write lock: no one else's ballot is half-seen
        mine = votes[votes["participant"].map(participant_key) == participant_key(name)]
        spelling = str(mine["participant"].iloc[0]) if len(mine) else name  # one spelling per person
        earlier = dict(zip(mine["risk_id"].astype(str), mine["id"].astype(str), strict=True))
        saved = gone = 0
        for risk_id, value in chosen.items():
            if not self._ws.exists("risks", risk_id):
                gone += 1
                continue
            if risk_id in earlier:
                changes: dict[str, Any] = {"value": value}
                if self._session is not None:
                    changes["session"] = self._session
                self._ws.update("votes", earlier[risk_id], **changes)
            else:
                self._ws.add("votes", risk_id=risk_id, participant=spelling, value=value, session=self._session)
            saved += 1
        return saved, gone

    def _refresh_if_changed(self) -> None:
        try:
            if self._ws.last_change() != self._version:
                self.refresh()
        except Exception as error:  # noqa: BLE001 - a browser poll or another widget's save
            self.status.say("error", f"Could not reload the risks: {_failures.words(error, 'ballot reload')}")

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
        self.table_html = _tally_table(vote_summary(tables, self._session), published=False)
        self.participant_count = count
        self.participants_text = f"{_plural(count, 'participant')} so far"

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
            self.participants_text = f"Could not update the tally: {_failures.words(error, 'vote tally')}"

    def _on_browser_message(self, _widget: object, content: Any, _buffers: object) -> None:
        if isinstance(content, Mapping):
            self.handle(content)


def tally_html(tables: Mapping[str, pd.DataFrame], session: str | None = None, *, style: bool = True) -> str:
    """The vote tally for a report: small counts suppressed, means only for risks with 5+ ballots.

    The spread of ratings is left out: with the ballot count known, one suppressed rating
    count could be worked out from the others.
    """
    count = participants(tables, session)
    shown = f"<{SMALL_COUNT}" if 0 < count < SMALL_COUNT else str(count)
    markup = Markup(
        '<div class="cswb-vote-tally cswb-static"><p class="cswb-vote-participants">{} {}</p>{}'
        '<p class="cswb-vote-note">Ballot counts under {} are shown as "&lt;{}". Means and medians are '
        "shown only for risks rated by at least {} participants; the spread of ratings is left out so "
        "that small counts cannot be worked out from it.</p></div>"
    ).format(
        shown,
        "participant" if count == 1 else "participants",
        Markup(_tally_table(vote_summary(tables, session), published=True)),
        SMALL_COUNT,
        SMALL_COUNT,
        SMALL_COUNT,
    )
    return f"<style>{render.stylesheet()}{TALLY_CSS}</style>{markup}" if style else str(markup)


def _tally_table(summary: pd.DataFrame, *, published: bool) -> str:
    """The ranked table; live (every count, with the spread) or published (suppressed)."""
    if published:
        enough = summary["ballots"] >= SMALL_COUNT
        ranked = summary[enough]
        rest = summary[~enough].assign(_key=lambda f: f["name"].astype(str).str.casefold())
        # Risks with too few ballots are listed by name: their order by mean would tell it.
        summary = pd.concat([ranked, rest.sort_values("_key", kind="mergesort").drop(columns="_key")])
    else:
        enough = summary["ballots"] > 0
    ranks = summary["mean"].where(enough.reindex(summary.index)).rank(method="min", ascending=False)
    headings = ["Rank", "Risk", "Ballots", "Mean", "Median"] + ([] if published else ["Ratings given (1 to 5)"])
    caption = f"Risks ranked by mean rating ({SCALE})"
    parts = [Markup('<table class="cswb-table cswb-static cswb-vote-ranking"><caption>{}</caption><thead><tr>').format(caption)]
    parts += [Markup('<th scope="col">{}</th>').format(h) for h in headings]
    parts.append(Markup("</tr></thead><tbody>"))
    if summary.empty:
        parts.append(Markup('<tr><td class="cswb-empty" colspan="{}">No risks yet.</td></tr>').format(len(headings)))
    for index, row in summary.iterrows():
        ballots = int(row["ballots"])
        rated = bool(enough.get(index, False))
        rank = ranks.get(index)
        cells = [
            Markup('<td class="cswb-vote-number">{}</td>').format("" if not rated or pd.isna(rank) else int(rank)),
            Markup('<th scope="row">{}</th>').format(row["name"]),
            Markup('<td class="cswb-vote-number">{}</td>').format(
                f"<{SMALL_COUNT}" if published and 0 < ballots < SMALL_COUNT else ballots
            ),
            Markup('<td class="cswb-vote-number">{}</td>').format(_number(row["mean"]) if rated else "–"),
            Markup('<td class="cswb-vote-number">{}</td>').format(_number(row["median"]) if rated else "–"),
        ]
        if not published:
            cells.append(Markup("<td>{}</td>").format(_spread(row, ballots)))
        parts.append(Markup("<tr>") + Markup("").join(cells) + Markup("</tr>"))
    parts.append(Markup("</tbody></table>"))
    return str(Markup("").join(parts))


def _spread(row: pd.Series, ballots: int) -> Markup:
    """A small stacked bar (decoration) and the same counts as text."""
    counts = [int(row[column]) for column in DISTRIBUTION]
    segments = Markup("").join(
        Markup('<span class="cswb-vote-r{}" style="width:{:.1f}%"></span>').format(rating, 100 * n / ballots)
        for rating, n in zip(RATINGS, counts, strict=True)
        if n and ballots
    )
    text = ", ".join(f"{rating}: {n}" for rating, n in zip(RATINGS, counts, strict=True))
    return Markup('<span class="cswb-vote-bar" aria-hidden="true">{}</span><span class="cswb-vote-counts">{}</span>').format(
        segments, text
    )


def _number(value: float | None) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{float(value):.1f}"


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _valid_ratings(ratings: Mapping[str, Any]) -> tuple[dict[str, int], str]:
    """The ratings as ints 1..5, and the first unusable value (as text; "" if none)."""
    chosen: dict[str, int] = {}
    for risk_id, value in ratings.items():
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or int(value) not in RATINGS:
            return {}, repr(value)
        chosen[str(risk_id)] = int(value)
    return chosen, ""
