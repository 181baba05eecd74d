"""Workshop voting without a browser: the model's summaries, Ballot and VoteTally driven in process."""

from __future__ import annotations

import multiprocessing
import sqlite3
import statistics
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from cswb_widgets.errors import CswbWarning
from cswb_widgets.model.voting import (
    DISTRIBUTION,
    ballot_changes,
    device_fingerprint,
    mean_votes,
    participants,
    valid_ratings,
    vote_summary,
)
from cswb_widgets.paths import samples_dir
from cswb_widgets.render import WorkspaceTables
from cswb_widgets.render.voting import tally_html
from cswb_widgets.store import Workspace
from cswb_widgets.store.ballots import record_ballot
from cswb_widgets.store.tabular import import_bundle
from cswb_widgets.widgets import Ballot, VoteTally
from cswb_widgets.widgets.voting import RATINGS_ESM, STATUS_ESM

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    with Workspace.create(tmp_path / "ws", name="Test Town", actor="Facilitator") as workspace:
        yield workspace


@pytest.fixture
def risks(ws: Workspace) -> list[str]:
    return [
        ws.add("risks", name=name, description=f"About {name.lower()}.")
        for name in ("Youth disengagement", "Housing instability", "Opioid harms")
    ]


def _ballot(ws: Workspace, participant: str, ratings: dict[str, int | None], **kwargs: object) -> Ballot:
    ballot = Ballot(ws, **kwargs)  # type: ignore[arg-type]
    ballot.participant.value = participant
    for risk_id, value in ratings.items():
        ballot.rate(risk_id, value)
    return ballot


def _votes(ws: Workspace) -> set[tuple[str, str, int]]:
    frame = ws.table("votes")
    return {(str(r.risk_id), str(r.participant), int(r.value)) for r in frame.itertuples()}


class _Cells(HTMLParser):
    """The text of each table row's cells, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _rows(html: str) -> dict[str, list[str]]:
    """Table body rows by risk name (the row header): rank, ballots, mean, median[, spread]."""
    parser = _Cells()
    parser.feed(html)
    return {row[1]: [row[0], *row[2:]] for row in parser.rows[1:] if len(row) > 2}


# --- Ballot ------------------------------------------------------------------------------------


def test_risks_are_listed_by_name_with_their_descriptions(ws: Workspace, risks: list[str]) -> None:
    ballot = Ballot(ws)
    assert [r["name"] for r in ballot.choices.risks] == ["Housing instability", "Opioid harms", "Youth disengagement"]
    assert ballot.choices.risks[0] == {"id": risks[1], "name": "Housing instability", "description": "About housing instability."}
    assert ballot.participant.description.endswith("(required)")


def test_a_ballot_saves_each_rating_with_participant_session_and_actor(ws: Workspace, risks: list[str]) -> None:
    ballot = _ballot(ws, "  Ana   P. ", {risks[0]: 4, risks[1]: 2, risks[2]: None}, session="Workshop 1")

    assert ballot.submit() is True
    assert ballot.status.kind == "saved" and ballot.status.text == "Saved 2 ratings for Ana P."
    assert _votes(ws) == {(risks[0], "Ana P.", 4), (risks[1], "Ana P.", 2)}
    assert set(ws.table("votes")["session"]) == {"Workshop 1"}
    history = ws.history("votes")
    assert set(history["actor"]) == {"Ana P."} and history["change_id"].nunique() == 1  # one batch
    assert ws.actor == "Facilitator"  # put back after the ballot


def test_resubmitting_replaces_the_earlier_ratings_and_never_duplicates(ws: Workspace, risks: list[str]) -> None:
    ballot = _ballot(ws, "Ana", {risks[0]: 4, risks[1]: 2})
    assert ballot.submit()
    ballot.rate(risks[0], 5)
    ballot.rate(risks[1], None)  # no opinion now: the earlier 2 stays
    ballot.rate(risks[2], 1)
    assert ballot.submit()
    assert ballot.status.text == "Saved 2 ratings for Ana."
    # The same person on another device, typing their name differently.
    assert _ballot(ws, " ana ", {risks[1]: 3}).submit()

    assert _votes(ws) == {(risks[0], "Ana", 5), (risks[1], "Ana", 3), (risks[2], "Ana", 1)}
    assert ws.count("votes") == 3


def test_a_ballot_without_a_name_is_refused_and_writes_nothing(ws: Workspace, risks: list[str]) -> None:
    before = ws.last_change()
    ballot = _ballot(ws, "   ", {risks[0]: 3})

    assert ballot.submit() is False
    assert ballot.status.kind == "error" and "enter your name" in ballot.status.text
    assert ws.count("votes") == 0 and ws.last_change() == before


@pytest.mark.parametrize("bad", [0, 6, 2.5, "3", True])
def test_ratings_outside_1_to_5_from_the_browser_are_refused(ws: Workspace, risks: list[str], bad: object) -> None:
    ballot = _ballot(ws, "Ana", {risks[0]: 4})
    ballot.choices.ratings = {**ballot.choices.ratings, risks[1]: bad}  # as a doctored message would set it

    assert ballot.submit() is False
    assert "whole numbers from 1 to 5" in ballot.status.text and ws.count("votes") == 0


def test_a_ballot_with_no_ratings_is_refused(ws: Workspace, risks: list[str]) -> None:
    ballot = _ballot(ws, "Ana", {})
    assert ballot.submit() is False and "at least one risk" in ballot.status.text
    assert ws.count("votes") == 0


def test_a_risk_deleted_while_the_ballot_was_open_is_left_out(ws: Workspace, risks: list[str]) -> None:
    ballot = _ballot(ws, "Ana", {risks[0]: 4, risks[1]: 5})
    with Workspace.open(ws.path) as other_kernel:
        other_kernel.delete("risks", risks[1])

    assert ballot.submit()
    assert ballot.status.text == "Saved 1 rating for Ana. 1 risk was removed meanwhile and left out."
    assert _votes(ws) == {(risks[0], "Ana", 4)}
    assert risks[1] not in {r["id"] for r in ballot.choices.risks}


def test_the_ballot_lists_a_risk_added_elsewhere_after_its_poll(ws: Workspace, risks: list[str]) -> None:
    ballot = _ballot(ws, "Ana", {risks[0]: 4})
    with Workspace.open(ws.path) as other_kernel:
        added = other_kernel.add("risks", name="Aardvark attacks")
    assert added not in {r["id"] for r in ballot.choices.risks}

    ballot.handle({"type": "refresh"})
    assert ballot.choices.risks[0]["id"] == added
    assert ballot.choices.ratings == {risks[0]: 4}  # the choices made so far are kept


def _vote_in_own_kernel(path: str, participant: str, ratings: dict[str, int], start, results) -> None:
    """One participant's Voilà kernel: its own workspace connection, its own Ballot."""
    with Workspace.open(path) as ws:
        ballot = _ballot(ws, participant, ratings, session="Crowd")
        start.wait()
        saved = ballot.submit()
        results.put((participant, saved, ballot.status.text))


@pytest.mark.slow
def test_thirty_participants_submitting_at_the_same_moment_lose_no_vote(ws: Workspace) -> None:
    risk_ids = [ws.add("risks", name=f"Risk {n:02d}") for n in range(8)]
    people = 30
    wanted = {
        f"Participant {p:02d}": {rid: 1 + (p + r) % 5 for r, rid in enumerate(risk_ids)} for p in range(people)
    }
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(people), context.Queue()
    processes = [
        context.Process(target=_vote_in_own_kernel, args=(str(ws.path), name, ratings, start, results))
        for name, ratings in wanted.items()
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=180) for _ in processes]
    for process in processes:
        process.join(60)
        assert process.exitcode == 0

    assert all(saved for _name, saved, _text in outcomes), outcomes
    assert {text for _name, _saved, text in outcomes} == {f"Saved 8 ratings for {name}." for name in wanted}
    assert ws.count("votes") == people * len(risk_ids)
    assert _votes(ws) == {(rid, name, value) for name, ratings in wanted.items() for rid, value in ratings.items()}
    assert ws.history("votes")["change_id"].nunique() == people  # one transaction per ballot


# --- VoteTally -----------------------------------------------------------------------------------


def test_the_tally_shows_a_vote_from_another_kernel_after_its_poll(ws: Workspace, risks: list[str]) -> None:
    tally = VoteTally(ws)
    assert tally.participants_text == "0 participants so far"
    with Workspace.open(ws.path) as other_kernel:
        other_kernel.add("votes", risk_id=risks[2], participant="Bo", value=5)

    assert tally.participant_count == 0  # not yet: another kernel's write shows at the next poll
    tally.handle({"type": "refresh"})
    assert tally.participants_text == "1 participant so far"
    assert _rows(tally.table_html)["Opioid harms"] == ["1", "1", "5.0", "5.0", "1: 0, 2: 0, 3: 0, 4: 0, 5: 1"]


def test_the_tally_recomputes_only_when_the_workspace_changed(ws: Workspace, risks: list[str]) -> None:
    tally = VoteTally(ws)
    tally.table_html = "as last computed"
    tally.handle({"type": "refresh"})
    assert tally.table_html == "as last computed"
    ws.add("votes", risk_id=risks[0], participant="Bo", value=2)
    tally.handle({"type": "refresh"})
    assert "Youth disengagement" in tally.table_html


def test_a_ballot_in_the_same_kernel_updates_the_tally_at_once(ws: Workspace, risks: list[str]) -> None:
    tally = VoteTally(ws)
    assert _ballot(ws, "Cy", {risks[0]: 3}).submit()
    assert tally.participant_count == 1


def test_the_live_tally_ranks_by_mean_and_names_no_participant(ws: Workspace, risks: list[str]) -> None:
    for name, values in {"Ana": (5, 1, 3), "Bo": (4, 2, None), "Participant Cy": (5, None, 3)}.items():
        assert _ballot(ws, name, dict(zip(risks, values, strict=True))).submit()
    html = VoteTally(ws).table_html

    rows = _rows(html)
    assert list(rows) == ["Youth disengagement", "Opioid harms", "Housing instability"]
    assert rows["Youth disengagement"] == ["1", "3", "4.7", "5.0", "1: 0, 2: 0, 3: 0, 4: 1, 5: 2"]
    assert rows["Housing instability"] == ["3", "2", "1.5", "1.5", "1: 1, 2: 1, 3: 0, 4: 0, 5: 0"]
    assert 'aria-hidden="true"' in html  # the bar is decoration; the counts are text
    assert "Ana" not in html and "Cy" not in html


def test_the_tally_is_limited_to_its_session(ws: Workspace, risks: list[str]) -> None:
    assert _ballot(ws, "Ana", {risks[0]: 5}, session="Morning").submit()
    assert _ballot(ws, "Bo", {risks[0]: 1, risks[1]: 2}, session="Evening").submit()
    morning = VoteTally(ws, session="Morning")
    assert morning.participant_count == 1
    assert _rows(morning.table_html)["Youth disengagement"][:3] == ["1", "1", "5.0"]
    assert VoteTally(ws).participant_count == 2


def test_published_tally_suppresses_small_counts_and_their_means(ws: Workspace, risks: list[str]) -> None:
    for p in range(6):
        ratings = {risks[0]: 4 + p % 2}
        if p < 3:
            ratings[risks[1]] = 1
        assert _ballot(ws, f"P{p}", ratings).submit()
    html = VoteTally(ws).to_html()

    rows = _rows(html)
    assert rows["Youth disengagement"] == ["1", "6", "4.5", "4.5"]  # 6 ballots: shown in full
    assert rows["Housing instability"] == ["", "<5", "–", "–"]  # 3 ballots: no count, no mean
    assert rows["Opioid harms"] == ["", "0", "–", "–"]
    assert "6 participants" in html and "1: " not in html  # no spread of ratings


def test_published_tally_suppresses_a_small_number_of_participants(ws: Workspace, risks: list[str]) -> None:
    for name in ("Ana", "Bo"):
        assert _ballot(ws, name, {risks[0]: 3}).submit()
    html = tally_html(WorkspaceTables(ws))
    assert "&lt;5 participants" in html and "2 participants" not in html


def test_hostile_risk_names_are_escaped_everywhere(ws: Workspace) -> None:
    risk = ws.add("risks", name=HOSTILE, description=HOSTILE)
    assert _ballot(ws, HOSTILE, {risk: 5}).submit()
    tally = VoteTally(ws)

    for html in (tally.table_html, tally.to_html()):
        assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert Ballot(ws).choices.risks[0]["name"] == HOSTILE  # sent as data ...
    assert "innerHTML" not in RATINGS_ESM and "innerHTML" not in STATUS_ESM  # ... and shown as text


# --- model -----------------------------------------------------------------------------------------


@pytest.fixture
def maple_falls(ws: Workspace) -> Workspace:
    import_bundle(ws, samples_dir() / "maple-falls")
    return ws


def test_vote_summary_agrees_with_a_plain_recount(maple_falls: Workspace) -> None:
    ws = maple_falls
    risk = ws.table("risks")["id"].iloc[0]
    assert _ballot(ws, "Late arrival", {risk: 1}).submit()
    summary = vote_summary(WorkspaceTables(ws)).set_index("risk_id")

    by_risk: dict[str, list[int]] = {}
    for vote in ws.table("votes").to_dict("records"):
        by_risk.setdefault(vote["risk_id"], []).append(int(vote["value"]))
    assert len(summary) == ws.count("risks") and sum(map(len, by_risk.values())) == ws.count("votes")
    for risk_id, values in by_risk.items():
        row = summary.loc[risk_id]
        assert row["ballots"] == len(values)
        assert row["mean"] == pytest.approx(statistics.mean(values))
        assert row["median"] == pytest.approx(statistics.median(values))
        assert [row[c] for c in DISTRIBUTION] == [values.count(v) for v in range(1, 6)]
    means = summary["mean"].dropna()
    assert list(means) == sorted(means, reverse=True)
    assert participants(WorkspaceTables(ws)) == len({v["participant"] for v in ws.table("votes").to_dict("records")})


def test_mean_votes_covers_every_risk_with_nan_where_nobody_voted(maple_falls: Workspace) -> None:
    ws = maple_falls
    unrated = ws.add("risks", name="Brand new risk")
    means = mean_votes(WorkspaceTables(ws))

    assert list(means.index) == list(ws.table("risks")["id"])
    assert pd.isna(means[unrated])
    votes = ws.table("votes")
    first = votes["risk_id"].iloc[0]
    assert means[first] == pytest.approx(votes.loc[votes["risk_id"] == first, "value"].astype(float).mean())


def test_summaries_of_an_empty_workspace(ws: Workspace) -> None:
    tables = WorkspaceTables(ws)
    assert vote_summary(tables).empty and participants(tables) == 0 and mean_votes(tables).empty
    assert "No risks yet." in VoteTally(ws).table_html


# -- ballots from the kernel-less voting page: one per device ----------------------------------


def test_a_devices_ballot_replaces_only_that_devices_votes(ws: Workspace, risks: list[str]) -> None:
    phone, other_phone = device_fingerprint("a" * 32), device_fingerprint("b" * 32)
    record_ballot(ws, "Sam K.", {risks[0]: 5, risks[1]: 2}, device=phone)
    record_ballot(ws, "Sam K.", {risks[0]: 1}, device=other_phone)  # same name, another phone
    again = record_ballot(ws, "Samantha", {risks[0]: 3}, device=phone)  # the first phone changes its mind
    assert (again.saved, again.gone) == (1, 0)
    rows = {(r.device, r.risk_id, r.participant, int(r.value)) for r in ws.table("votes").itertuples()}
    assert rows == {(phone, risks[0], "Samantha", 3), (phone, risks[1], "Samantha", 2),
                    (other_phone, risks[0], "Sam K.", 1)}
    assert participants(WorkspaceTables(ws)) == 2
    assert "Samantha" in set(ws.history()["actor"])


def test_a_name_typed_in_an_app_cannot_take_over_a_devices_ballot(ws: Workspace, risks: list[str]) -> None:
    phone = device_fingerprint("c" * 32)
    record_ballot(ws, "Sam K.", {risks[0]: 5}, device=phone)
    assert _ballot(ws, "sam k.", {risks[0]: 1}).submit()
    votes = ws.table("votes")
    assert sorted(zip(votes["device"].fillna("app"), votes["value"].astype(int), strict=True)) == [("app", 1), (phone, 5)]
    assert participants(WorkspaceTables(ws)) == 2


def test_ballot_changes_leave_out_risks_that_are_gone_and_keep_one_spelling() -> None:
    votes = pd.DataFrame({"id": ["v1"], "risk_id": ["r1"], "participant": ["Sam K."], "value": [2],
                          "session": [None], "device": [None]})
    changes = ballot_changes(votes, {"r1", "r2"}, "SAM  k.", {"r1": 4, "r2": 5, "r-gone": 1})
    assert changes.update == [("v1", {"value": 4})]
    assert changes.add == [{"risk_id": "r2", "participant": "Sam K.", "value": 5, "session": None, "device": None}]
    assert (changes.saved, changes.gone) == (2, 1)


@pytest.mark.parametrize("bad", [0, 6, 2.5, "3", True])
def test_valid_ratings_refuses_anything_but_whole_numbers_1_to_5(bad: object) -> None:
    assert valid_ratings({"r1": 4, "r2": bad}) == ({}, repr(bad))
    assert valid_ratings({"r1": 4, "r2": None, "r3": ""}) == ({"r1": 4}, "")


def test_a_schema_4_workspace_gains_the_device_column_and_keeps_its_votes(tmp_path: Path) -> None:
    with Workspace.create(tmp_path / "old", name="Old Town") as ws:
        risk = ws.add("risks", name="Housing")
        ws.add("votes", risk_id=risk, participant="Sam", value=4)
    db = tmp_path / "old" / "workspace.sqlite"
    conn = sqlite3.connect(db)  # as schema 4 left it: no device column, unique on risk + participant
    conn.execute('DROP INDEX "votes__unique0"')
    conn.execute('ALTER TABLE votes DROP COLUMN device')
    conn.execute("CREATE UNIQUE INDEX votes__unique0 ON votes (coalesce(risk_id, ''), coalesce(participant, ''))"
                 " WHERE deleted_at IS NULL")
    conn.execute("PRAGMA user_version = 4")
    conn.commit()
    conn.close()
    with Workspace.open(db.parent) as ws:
        with pytest.warns(CswbWarning, match="upgraded this workspace from schema 4 to 6"):
            record_ballot(ws, "Sam", {risk: 2}, device=device_fingerprint("d" * 32))  # a phone's Sam is another Sam
        votes = ws.table("votes")
    assert sorted(zip(votes["participant"], votes["value"].astype(int), votes["device"].isna(), strict=True)) == [
        ("Sam", 2, False), ("Sam", 4, True)]


def test_the_facilitators_vote_links_are_absolute_and_carry_no_secret() -> None:
    from cswb_widgets.workbooks.risk import vote_links_html

    links = str(vote_links_html("http://192.168.1.20:8866/", "maple-falls"))
    assert 'href="http://192.168.1.20:8866/vote/maple-falls/join"' in links
    assert 'href="http://192.168.1.20:8866/vote/maple-falls/tally"' in links
    assert "token" not in links and "code=" not in links
    # Outside `cswb serve` (JupyterLab) there is no address to link: the page says how to start a vote.
    assert "cswb serve --workshop maple-falls" in str(vote_links_html("", "maple-falls"))


def test_voting_codes_are_random_unambiguous_and_typed_loosely() -> None:
    from cswb_widgets.serve.voting import CODE_ALPHABET, new_voting_code, shown_code, typed_code

    codes = {new_voting_code() for _ in range(200)}
    assert len(codes) == 200 and all(len(c) == 8 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert not set("01OIL") & set(CODE_ALPHABET)
    code = next(iter(codes))
    assert typed_code(f" {shown_code(code).lower()} ") == code
