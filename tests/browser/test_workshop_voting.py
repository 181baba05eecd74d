"""The workshop vote in a real browser: ten phones vote at once on the kernel-less ballot, and the
projector's tally follows without a reload.

A `cswb serve --workshop` of its own (token, fresh voting code, no kernels preheated): each
participant is a separate browser context that joins as a scanned QR code would
(`/v?code=...`), so each has its own cookies and device key. No ballot needs a kernel.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_harness import HOSTILE_NAME, Server, axe, describe_violations
from playwright.sync_api import expect

from cswb_widgets.store import Workspace

pytestmark = pytest.mark.browser

SLUG = "voting-workshop"
TOKEN = "q7V-2mXa9LrT4kWz0pHc"
PARTICIPANTS = 10
WAIT_MS = 60_000  # a loaded two-core machine
RISKS = {
    "risk-housing": ("Housing instability", "Rent increases, evictions and a full shelter."),
    "risk-opioids": ("Opioid harms", "Overdoses and emergency visits rising downtown."),
    "risk-youth": ("Youth disengagement", "Young people leaving school and sports early."),
    "risk-hostile": (HOSTILE_NAME, "A risk named by someone testing the escaping."),
}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
PROJECTOR = {"viewport": {"width": 1366, "height": 768}}


@pytest.fixture(scope="module")
def workshop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str, Path]]:
    """A workspace with risks and no votes, served by `cswb serve --workshop`; (server, code, path)."""
    root = tmp_path_factory.mktemp("workshop-root")
    path = root / SLUG
    with Workspace.create(path, name="Voting Falls") as ws, ws.batch("risks for the workshop"):
        for risk_id, (name, description) in RISKS.items():
            ws.add("risks", id=risk_id, name=name, description=description)
    server = Server(root, tmp_path_factory.mktemp("workshop-log"),
                    options=("--workshop", SLUG, "--host", "127.0.0.1", "--token", TOKEN, "--pool-size", "0")).start()
    try:
        deadline = time.monotonic() + 60
        while not (found := re.search(r"type the code ([A-Z0-9-]{9})", server.log())) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert found, server.log()
        yield server, found.group(1), path
    finally:
        server.stop()
    shutil.rmtree(root, ignore_errors=True)


def _rating(participant: int, risk_number: int) -> int:
    return 1 + (participant + 2 * risk_number) % 5


def _risk_group(page, name: str):
    return page.get_by_role("group", name=name, exact=True)


def test_ten_participants_vote_at_once_and_the_projector_tally_follows_live(new_context, guard, workshop) -> None:
    server, code, path = workshop
    projector = new_context(**PROJECTOR).new_page()
    projector.goto(server.url(f"?token={TOKEN}"))
    projector.goto(server.url(f"vote/{SLUG}/tally"))
    participants = projector.locator("#tally-participants")
    expect(participants).to_have_text("0 participants have voted")

    phones = [new_context(**PHONE).new_page() for _ in range(PARTICIPANTS)]
    for number, phone in enumerate(phones):  # as if each had scanned the QR code
        phone.goto(server.url(f"v?code={code}"))
        expect(phone.get_by_role("heading", level=1)).to_have_text("Rate the risks: Voting Falls")
        phone.get_by_label("Your name (optional)").fill(f"Participant {number:02d}")
        for risk_number, (name, _description) in enumerate(RISKS.values()):
            _risk_group(phone, name).get_by_role("radio", name=str(_rating(number, risk_number)), exact=True).check()

    # Everyone presses Submit at (nearly) the same moment.
    for phone in phones:
        phone.get_by_role("button", name="Submit my ratings").click(no_wait_after=True)
    for phone in phones:
        expect(phone.get_by_role("status")).to_have_text(re.compile(rf"^Saved {len(RISKS)} ratings\."), timeout=WAIT_MS)

    with Workspace.open(path, read_only=True) as ws:
        votes = ws.table("votes")
    wanted = {(f"Participant {p:02d}", risk_id, _rating(p, r)) for p in range(PARTICIPANTS) for r, risk_id in enumerate(RISKS)}
    assert {(v.participant, v.risk_id, int(v.value)) for v in votes.itertuples()} == wanted
    assert votes["device"].nunique() == PARTICIPANTS

    # The projector's page was never reloaded: it asks for the figures every few seconds.
    expect(participants).to_have_text(f"{PARTICIPANTS} participants have voted", timeout=WAIT_MS)
    youth = projector.get_by_role("row").filter(has=projector.get_by_role("rowheader", name=RISKS["risk-youth"][0]))
    expect(youth.get_by_role("cell").nth(1)).to_have_text(str(PARTICIPANTS))  # the ballots column
    expect(projector.get_by_role("rowheader", name=HOSTILE_NAME)).to_have_count(1)  # shown as text
    expect(projector.locator("img[src='x']")).to_have_count(0)
    expect(phones[0].locator("img[src='x']")).to_have_count(0)

    # A phone sees its own ballot again, and changing one rating changes only its own vote.
    first = phones[0]
    first.reload()
    housing = _risk_group(first, RISKS["risk-housing"][0])
    expect(housing.get_by_role("radio", name=str(_rating(0, 0)), exact=True)).to_be_checked()
    housing.get_by_role("radio", name="No opinion").check()
    _risk_group(first, RISKS["risk-youth"][0]).get_by_role("radio", name="5", exact=True).check()
    first.get_by_role("button", name="Submit my ratings").click()
    expect(first.get_by_role("status")).to_have_text(re.compile(r"^Saved 3 ratings\."))
    assert not guard.dialogs


def test_an_empty_ballot_is_refused_in_one_line_and_the_pages_pass_axe(new_context, workshop) -> None:
    server, code, _path = workshop
    phone = new_context(**PHONE).new_page()
    phone.goto(server.url(f"v?code={code}"))
    expect(_risk_group(phone, RISKS["risk-housing"][0]).get_by_role("radio")).to_have_count(6)  # 1-5, No opinion
    phone.get_by_role("button", name="Submit my ratings").click()
    expect(phone.get_by_role("alert")).to_have_text("Not saved: choose a rating from 1 to 5 for at least one risk.")
    violations = axe(phone)
    assert not violations, describe_violations(violations)

    projector = new_context(**PROJECTOR).new_page()
    projector.goto(server.url(f"?token={TOKEN}"))
    for page_path in (f"vote/{SLUG}/join", f"vote/{SLUG}/tally"):
        projector.goto(server.url(page_path))
        expect(projector.get_by_role("heading", level=1)).to_contain_text("Voting Falls")
        violations = axe(projector)
        assert not violations, f"{page_path}: {describe_violations(violations)}"
    expect(projector.locator(".join-code")).to_have_count(0)  # the tally page does not show the code
