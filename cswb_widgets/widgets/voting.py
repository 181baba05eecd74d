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
from ..errors import CswbError, InputError
from ..model.voting import RATINGS, participant_key, participants, vote_summary
from ..render.voting import SCALE, tally_html, tally_table
from . import _sync

if TYPE_CHECKING:
    from ..store.workspace import Workspace

NO_OPINION = "No opinion"
PARTICIPANT_LABEL = "Your name or participant code (required)"
SUBMIT_LABEL = "Submit my ratings"
# Shades of one blue for ratings 1 to 5; the bar is decoration (its counts are also text).
BAR_SHADES = ("#dce8fb", "#a8c5f4", "#6d98e6", "#3568cf", "#193f94")

_H = """
let nextId = 0;
const uniqueId = (what) => `cswb-vote-${what}-${++nextId}`;

// Builds an element; attribute values and text are set as data, never parsed as HTML.
function h(tag, attrs = {}, text) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? "" : String(value));
  }
  if (text !== undefined && text !== null) el.textContent = String(text);
  return el;
}

// Ask the kernel for news every `refresh_seconds` while the page is visible.
function poll(model, isBusy = () => false) {
  let timer = null;
  const start = () => {
    if (timer) clearInterval(timer);
    timer = null;
    const seconds = Number(model.get("refresh_seconds"));
    if (!(seconds > 0)) return;
    timer = setInterval(() => {
      if (!document.hidden && !isBusy()) model.send({ type: "refresh" });
    }, seconds * 1000);
  };
  start();
  model.on("change:refresh_seconds", start);
  return () => {
    if (timer) clearInterval(timer);
    model.off("change:refresh_seconds", start);
  };
}
"""

RATINGS_ESM = (
    _H
    + r"""
const WORDS = { "1": "low priority", "5": "top priority" };
const CHOICES = ["1", "2", "3", "4", "5", ""];

class RatingsView {
  constructor(model, el) {
    this.model = model;
    this.group = uniqueId("ballot");
    this.shown = null;
    this.root = h("div", { class: "cswb-ballot" });
    this.scale = h("p", { class: "cswb-ballot-scale" });
    this.list = h("div", { class: "cswb-ballot-risks" });
    this.empty = h("p", { class: "cswb-ballot-empty" }, "There are no risks to rate yet. They appear here as soon as they are added.");
    this.root.append(this.scale, this.list, this.empty);
    el.append(this.root);
    this.onRisks = () => this.renderRisks();
    this.onRatings = () => this.renderChecks();
    this.onScale = () => { this.scale.textContent = model.get("scale"); };
    model.on("change:risks", this.onRisks);
    model.on("change:ratings", this.onRatings);
    model.on("change:scale", this.onScale);
    this.onScale();
    this.renderRisks();
    this.stopPolling = poll(model);
  }

  renderRisks() {
    const risks = this.model.get("risks") || [];
    const key = JSON.stringify(risks);
    if (key === this.shown) return;
    this.shown = key;
    // A new list must not move the focus of someone choosing with the keyboard.
    const active = document.activeElement;
    const focused = active && this.list.contains(active) ? [active.dataset.risk, active.value] : null;
    this.list.textContent = "";
    this.inputs = [];
    risks.forEach((risk, index) => {
      const fieldset = h("fieldset", { class: "cswb-ballot-risk" });
      fieldset.append(h("legend", {}, risk.name));
      if (risk.description) {
        const id = uniqueId("description");
        fieldset.append(h("p", { class: "cswb-ballot-description", id }, risk.description));
        fieldset.setAttribute("aria-describedby", id);
      }
      const choices = h("div", { class: "cswb-ballot-choices" });
      for (const value of CHOICES) {
        const label = h("label", { class: value ? "cswb-ballot-choice" : "cswb-ballot-choice cswb-ballot-none" });
        const input = h("input", { type: "radio", name: `${this.group}-${index}`, value });
        input.dataset.risk = risk.id;
        input.addEventListener("change", () => { if (input.checked) this.choose(risk.id, value); });
        label.append(input, h("span", { class: "cswb-ballot-number" }, value || "No opinion"));
        if (WORDS[value]) label.append(h("span", { class: "cswb-ballot-word" }, WORDS[value]));
        choices.append(label);
        this.inputs.push(input);
      }
      fieldset.append(choices);
      this.list.append(fieldset);
    });
    this.empty.hidden = risks.length > 0;
    this.renderChecks();
    if (focused) {
      const again = this.inputs.find((i) => i.dataset.risk === focused[0] && i.value === focused[1]);
      if (again) again.focus();
    }
  }

  renderChecks() {
    const ratings = this.model.get("ratings") || {};
    for (const input of this.inputs || []) {
      const chosen = ratings[input.dataset.risk];
      input.checked = (chosen === undefined || chosen === null ? "" : String(chosen)) === input.value;
    }
  }

  choose(riskId, value) {
    const ratings = { ...(this.model.get("ratings") || {}) };
    if (value === "") delete ratings[riskId];
    else ratings[riskId] = Number(value);
    this.model.set("ratings", ratings);
    this.model.save_changes();
  }

  destroy() {
    this.stopPolling();
    this.model.off("change:risks", this.onRisks);
    this.model.off("change:ratings", this.onRatings);
    this.model.off("change:scale", this.onScale);
    this.root.remove();
  }
}

export default {
  render({ model, el }) {
    const view = new RatingsView(model, el);
    return () => view.destroy();
  },
};
"""
)

STATUS_ESM = r"""
export default {
  render({ model, el }) {
    // Both live regions exist from the start, so screen readers announce what is put in them.
    const status = document.createElement("p");
    status.setAttribute("role", "status");
    status.className = "cswb-vote-status";
    const alert = document.createElement("p");
    alert.setAttribute("role", "alert");
    alert.className = "cswb-vote-alert";
    el.append(status, alert);
    let timer = null;
    const show = () => {
      const error = model.get("kind") === "error";
      status.textContent = "";
      alert.textContent = "";
      // Emptied first and filled a moment later, so the same message said twice is heard twice.
      clearTimeout(timer);
      timer = setTimeout(() => { (error ? alert : status).textContent = model.get("text"); }, 50);
    };
    show();
    model.on("change:serial", show);
    return () => { clearTimeout(timer); model.off("change:serial", show); };
  },
};
"""

TALLY_ESM = (
    _H
    + r"""
export default {
  render({ model, el }) {
    const root = h("div", { class: "cswb-vote-tally" });
    const count = h("p", { class: "cswb-vote-participants", role: "status" });
    const table = h("div", { class: "cswb-vote-table" });
    root.append(count, table);
    el.append(root);
    // The table's markup is built and escaped by the kernel (the same code as the report's).
    const showTable = () => { table.innerHTML = model.get("table_html"); };
    const showCount = () => { count.textContent = model.get("participants_text"); };
    showTable();
    showCount();
    model.on("change:table_html", showTable);
    model.on("change:participants_text", showCount);
    const stopPolling = poll(model);
    return () => {
      stopPolling();
      model.off("change:table_html", showTable);
      model.off("change:participants_text", showCount);
      root.remove();
    };
  },
};
"""
)

_P = render.PALETTE
BALLOT_CSS = f"""
.cswb-ballot {{ color: {_P["text"]}; background: {_P["background"]}; font-size: 1rem; max-width: 48rem; }}
.cswb-ballot-scale {{ font-weight: 600; margin: 0.5rem 0; }}
.cswb-ballot-risk {{ border: 1px solid {_P["border"]}; border-radius: 4px; margin: 0 0 0.75rem; padding: 0.5rem 0.75rem; }}
.cswb-ballot-risk legend {{ font-weight: 700; padding: 0 0.25rem; }}
.cswb-ballot-description {{ margin: 0 0 0.5rem; color: {_P["muted"]}; }}
.cswb-ballot-choices {{ display: flex; flex-wrap: wrap; gap: 0.4rem; }}
.cswb-ballot-choice {{ display: inline-flex; flex-direction: column; align-items: center; justify-content: center;
  min-width: 2.75rem; min-height: 2.75rem; padding: 0.2rem 0.5rem; border: 1px solid {_P["border"]};
  border-radius: 4px; background: {_P["surface"]}; cursor: pointer; position: relative; }}
.cswb-ballot-choice input {{ margin: 0 0 0.15rem; width: 1.1rem; height: 1.1rem; }}
.cswb-ballot-number {{ font-weight: 700; }}
.cswb-ballot-none .cswb-ballot-number {{ font-weight: 400; }}
.cswb-ballot-word {{ font-size: 0.8rem; }}
.cswb-ballot-choice:has(input:checked) {{ border: 3px solid {_P["focus"]}; background: {_P["background"]}; }}
.cswb-ballot-choice:has(input:focus-visible) {{ outline: 3px solid {_P["focus"]}; outline-offset: 2px; }}
.cswb-ballot-empty {{ font-style: italic; color: {_P["muted"]}; }}
.cswb-ballot [hidden] {{ display: none !important; }}
/* The name field and Submit, sized for phones: the label above a full-width box, a big button. */
.cswb-ballot-widget .widget-text {{ flex-wrap: wrap; height: auto; width: auto !important; max-width: 32rem; }}
.cswb-ballot-widget .widget-text .widget-label {{ width: 100% !important; max-width: none; text-align: left;
  font-weight: 600; margin-bottom: 0.25rem; }}
.cswb-ballot-widget .widget-text input {{ flex: 1 1 100%; min-width: 0; box-sizing: border-box; font-size: 1rem;
  min-height: 2.5rem; }}
.cswb-ballot-widget .jupyter-button {{ min-height: 2.75rem; font-size: 1rem; padding: 0 1.25rem; width: auto;
  min-width: 12rem; align-self: flex-start; }}
"""

STATUS_CSS = f"""
.cswb-vote-status, .cswb-vote-alert {{ margin: 0.25rem 0; font-weight: 600; }}
.cswb-vote-status:empty, .cswb-vote-alert:empty {{ margin: 0; }}
.cswb-vote-status {{ color: {_P["ok"]}; }}
.cswb-vote-alert {{ color: {_P["error"]}; }}
"""

TALLY_CSS = f"""
.cswb-vote-tally {{ color: {_P["text"]}; background: {_P["background"]}; }}
.cswb-vote-participants {{ font-size: 1.15rem; font-weight: 700; margin: 0.25rem 0; }}
.cswb-vote-table {{ overflow-x: auto; max-width: 100%; }}
.cswb-vote-bar {{ display: flex; width: 8rem; height: 0.8rem; border: 1px solid {_P["border"]};
  background: {_P["background"]}; margin: 0.15rem 0; }}
.cswb-vote-bar > span {{ display: block; height: 100%; }}
{"".join(f".cswb-vote-r{r} {{ background: {shade}; }}" for r, shade in zip(RATINGS, BAR_SHADES, strict=True))}
.cswb-vote-counts {{ font-size: 0.85rem; white-space: nowrap; }}
.cswb-vote-note {{ font-size: 0.85rem; color: {_P["muted"]}; }}
.cswb-table.cswb-table td.cswb-vote-number {{ text-align: right; }}
"""


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
        self.submit_button.on_click(lambda _button: self.submit())
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
        actor = self._ws.actor
        self._ws.actor = name  # the change history names who voted
        try:
            with self._ws.batch("workshop ballot"):
                saved, gone = self._write(name, chosen)
        except InputError as error:
            self.status.say("error", "Not saved: " + "; ".join(p.message for p in error.problems))
            return False
        except CswbError as error:
            self.status.say("error", f"Not saved: {error}")
            return False
        finally:
            self._ws.actor = actor
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
        if self._ws.last_change() != self._version:
            self.refresh()

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
        self.table_html = tally_table(vote_summary(tables, self._session), published=False)
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
        if self._ws.last_change() != self._version:
            self.refresh()

    def _on_browser_message(self, _widget: object, content: Any, _buffers: object) -> None:
        if isinstance(content, Mapping):
            self.handle(content)


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
