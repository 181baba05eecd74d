"""Live workshop voting in a real browser: ten phones vote at once, the facilitator's tally follows.

Each participant is a separate browser context on the Risk workbook's voting view
(`risk.ipynb?workspace=<slug>&view=vote`), so each has its own Voilà kernel and its own
connection to the workspace, as in a real workshop.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from browser_harness import HOSTILE_NAME, axe, describe_violations, wait_for_app, wait_for_widgets
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError, expect

from cswb_widgets.store import Workspace

pytestmark = pytest.mark.browser

SLUG = "voting-workshop"
LOAD_MS = 300_000  # ten kernels start at once on a small, shared machine
PARTICIPANTS = 10
RISKS = {
    "risk-housing": ("Housing instability", "Rent increases, evictions and a full shelter."),
    "risk-opioids": ("Opioid harms", "Overdoses and emergency visits rising downtown."),
    "risk-youth": ("Youth disengagement", "Young people leaving school and sports early."),
    "risk-hostile": (HOSTILE_NAME, "A risk named by someone testing the escaping."),
}


@pytest.fixture(scope="module")
def workshop(workspace_root: Path) -> Path:
    """A workspace of its own (other browser tests use other ones) with risks and no votes."""
    path = workspace_root / SLUG
    if path.exists():
        shutil.rmtree(path)
    with Workspace.create(path, name="Voting Falls") as ws, ws.batch("risks for the workshop"):
        for risk_id, (name, description) in RISKS.items():
            ws.add("risks", id=risk_id, name=name, description=description)
    return path


def _rating(participant: int, risk_number: int) -> int:
    return 1 + (participant + 2 * risk_number) % 5


def _risk_group(page, name: str):
    return page.get_by_role("group", name=name, exact=True)


def test_ten_participants_vote_at_once_and_the_facilitators_tally_follows_live(
    server, new_context, guard, workshop: Path
) -> None:
    facilitator = new_context().new_page()
    facilitator.goto(server.url(f"voila/render/risk.ipynb?workspace={SLUG}#step-voting"), wait_until="commit")
    tally = facilitator.locator(".cswb-vote-tally")
    tally.get_by_role("status").filter(has_text="0 participants so far").wait_for(timeout=LOAD_MS)

    ballots = [new_context().new_page() for _ in range(PARTICIPANTS)]
    for page in ballots:  # every page loads at once, each in its own kernel
        page.goto(server.url(f"voila/render/risk.ipynb?workspace={SLUG}&view=vote"), wait_until="commit")

    started = time.monotonic()
    for number, page in enumerate(ballots):
        _risk_group(page, RISKS["risk-youth"][0]).wait_for(timeout=LOAD_MS)
        page.get_by_label("Your name or participant code (required)").fill(f"Participant {number:02d}")
        for risk_number, (name, _description) in enumerate(RISKS.values()):
            choice = _risk_group(page, name).get_by_role("radio", name=str(_rating(number, risk_number)))
            choice.check()
    loaded = time.monotonic() - started

    # Everyone presses Submit at (nearly) the same moment: the clicks go out back to back and the
    # ten kernels write while the others are still writing.
    for page in ballots:
        page.get_by_role("button", name="Submit my ratings").click(no_wait_after=True)
    for number, page in enumerate(ballots):
        saved = page.get_by_role("status").filter(has_text=f"Saved {len(RISKS)} ratings for Participant {number:02d}.")
        try:
            saved.wait_for(timeout=LOAD_MS)
        except PlaywrightTimeoutError:  # say what the ballot showed instead (a refusal, an error, nothing)
            raise AssertionError(f"Participant {number:02d}'s ballot never said it saved; its status lines: "
                                 f"{page.get_by_role('status').all_inner_texts()}") from None

    with Workspace.open(workshop) as ws:
        votes = ws.table("votes")
    assert len(votes) == PARTICIPANTS * len(RISKS)
    wanted = {
        (f"Participant {p:02d}", risk_id, _rating(p, r))
        for p in range(PARTICIPANTS)
        for r, risk_id in enumerate(RISKS)
    }
    assert {(v.participant, v.risk_id, int(v.value)) for v in votes.itertuples()} == wanted

    # The facilitator's page was never reloaded: its tally asks the kernel every 2 s.
    tally.get_by_role("status").filter(has_text=f"{PARTICIPANTS} participants so far").wait_for(timeout=30_000)
    youth = tally.get_by_role("row").filter(has=facilitator.get_by_role("rowheader", name=RISKS["risk-youth"][0]))
    expect(youth.get_by_role("cell").nth(1)).to_have_text(str(PARTICIPANTS))  # ballots column
    expect(tally.get_by_role("rowheader", name=HOSTILE_NAME)).to_have_count(1)  # shown as text
    expect(ballots[0].locator("img[src='x']")).to_have_count(0)
    expect(facilitator.locator("img[src='x']")).to_have_count(0)
    assert not guard.dialogs
    print(f"\n{PARTICIPANTS} ballot pages ready and filled in {loaded:.1f} s")


def test_the_voting_view_shows_the_ballot_alone_and_passes_axe(server, page, guard, workshop: Path) -> None:
    page.goto(server.url(f"voila/render/risk.ipynb?workspace={SLUG}&view=vote"))
    wait_for_widgets(page, LOAD_MS)
    group = _risk_group(page, RISKS["risk-housing"][0])
    group.wait_for(timeout=LOAD_MS)
    expect(group.get_by_role("radio")).to_have_count(6)  # 1 to 5 and "No opinion", one radio group per risk
    expect(group.get_by_role("radio", name="No opinion")).to_be_checked()
    wait_for_app(page, LOAD_MS)
    expect(page.get_by_role("table")).to_have_count(0)  # no tally, no register: the ballot alone
    group.get_by_role("radio", name="4").check()
    page.get_by_role("button", name="Submit my ratings").click()
    page.get_by_role("alert").filter(has_text="enter your name").wait_for(timeout=30_000)

    violations = axe(page)
    assert not violations, describe_violations(violations)
    assert guard.requests, "the guard saw the page's requests"
