"""The kernel-less workshop vote, through a real `cswb serve --workshop` (no kernels preheated).

Each participant is a `requests.Session` (its own cookies: the vote's access cookie and its
device key). The ballot, the join screen and the tally are plain HTTP: no kernel is involved.
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cairosvg
import pytest
import requests
import zxingcpp
from PIL import Image

from cswb_widgets.store import Workspace

pytestmark = pytest.mark.slow  # one server start (~5 s) for the module

SLUG = "voting"
OTHER = "elsewhere"
TOKEN = "q7V-2mXa9LrT4kWz0pHc"
RISKS = {f"risk-{n:02d}": f"Risk {n:02d}" for n in range(12)}
HOSTILE = '<img src=x onerror="alert(1)">'


@dataclass
class VoteServer:
    url: str
    code: str  # as printed, e.g. ABCD-EFGH
    process: subprocess.Popen[str]
    root: Path

    def ballot(self, slug: str = SLUG) -> str:
        return f"{self.url}vote/{slug}"


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VoteServer]:
    root = tmp_path_factory.mktemp("vote") / "root"
    with Workspace.create(root / SLUG, name="Voting Falls") as ws, ws.batch("risks"):
        for risk_id, name in RISKS.items():
            ws.add("risks", id=risk_id, name=name)
        ws.add("risks", id="risk-hostile", name=HOSTILE)
    Workspace.create(root / OTHER, name="Elsewhere").close()
    port = _free_port()
    command = [sys.executable, "-m", "cswb_widgets.cli", "serve", "--root", str(root), "--port", str(port),
               "--host", "127.0.0.1", "--token", TOKEN, "--workshop", SLUG, "--pool-size", "0"]
    log = tmp_path_factory.mktemp("vote-log") / "stderr.log"
    with open(log, "w") as err:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, text=True, start_new_session=True)
    assert process.stdout is not None
    code = ""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not code:
        line = process.stdout.readline()
        if not line:
            raise AssertionError(f"cswb serve ended: {log.read_text()[-3000:]}")
        found = re.search(r"type the code ([A-Z0-9]{4}-[A-Z0-9]{4})", line)
        code = found.group(1) if found else ""
    running = VoteServer(f"http://127.0.0.1:{port}/", code, process, root)
    yield running
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(30)
    assert code not in log.read_text(), "the vote's code reached the server's log"


def _participant(server: VoteServer) -> requests.Session:
    """A phone that scanned the QR code: admitted to the ballot, with its own device key."""
    phone = requests.Session()
    response = phone.get(f"{server.url}v", params={"code": server.code})
    assert response.status_code == 200 and response.url == server.ballot()
    return phone


def _xsrf(html: str) -> str:
    found = re.search(r'name="_xsrf" value="([^"]+)"', html)
    assert found, "the ballot form carries a CSRF token"
    return found.group(1)


def _submit(phone: requests.Session, server: VoteServer, ratings: dict[str, object], name: str = "") -> requests.Response:
    form = phone.get(server.ballot())
    data = {"_xsrf": _xsrf(form.text), "name": name} | {f"risk-{k}": str(v) for k, v in ratings.items()}
    return phone.post(server.ballot(), data=data)


def _status(response: requests.Response) -> str:
    found = re.search(r'id="vote-status">([^<]*)<', response.text)
    return found.group(1).replace("&#39;", "'").replace("&#34;", '"') if found else ""


def _votes(server: VoteServer) -> list[tuple[str, str, int, str | None]]:
    with Workspace.open(server.root / SLUG, read_only=True) as ws:
        votes = ws.table("votes")
    return sorted((v.participant, v.risk_id, int(v.value), v.device) for v in votes.itertuples())


def test_a_ballot_is_stored_once_and_changed_only_from_its_own_device(server: VoteServer) -> None:
    phone, thief = _participant(server), _participant(server)
    first = _submit(phone, server, {"risk-00": 5, "risk-01": 2}, name="Sam K.")
    assert first.status_code == 200 and _status(first).startswith("Saved 2 ratings.")
    again = _submit(phone, server, {"risk-00": 3})  # the same phone changes one rating
    assert _status(again).startswith("Saved 1 rating.")
    # Another phone typing the same name keeps a ballot of its own: Sam's stays as Sam left it.
    other = _submit(thief, server, {"risk-00": 1, "risk-01": 1}, name="Sam K.")
    assert other.status_code == 200
    mine = [v for v in _votes(server) if v[1] in ("risk-00", "risk-01")]
    devices = {v[3] for v in mine}
    assert len(devices) == 2 and None not in devices
    by_device = {d: sorted((v[1], v[2]) for v in mine if v[3] == d) for d in devices}
    assert sorted(by_device.values()) == [[("risk-00", 1), ("risk-01", 1)], [("risk-00", 3), ("risk-01", 2)]]
    # The ballot shows the phone its own earlier ratings, and the key is kept out of the page.
    page = phone.get(server.ballot()).text
    assert re.search(r'name="risk-risk-00" value="3" checked', page)
    assert phone.cookies.get("cswb-ballot-device") not in page
    cookie = next(c for c in phone.cookies if c.name == "cswb-ballot-device")
    assert cookie.has_nonstandard_attr("HttpOnly")


def test_bad_input_is_refused_with_one_clear_line_and_nothing_is_stored(server: VoteServer) -> None:
    phone = _participant(server)
    before = _votes(server)
    bad = _submit(phone, server, {"risk-02": 9})
    assert bad.status_code == 400
    assert _status(bad) == ("Not saved: the rating for \u201cRisk 02\u201d must be one of 1 to 5 or \u201cNo opinion\u201d"
                            " (got '9'); choose again and submit.")
    empty = _submit(phone, server, {"risk-02": ""})
    assert _status(empty) == "Not saved: choose a rating from 1 to 5 for at least one risk."
    long_name = _submit(phone, server, {"risk-02": 4}, name="x" * 81)
    assert _status(long_name) == "Not saved: a name has at most 80 characters (this one has 81)."
    assert _votes(server) == before
    for response in (bad, empty, long_name):
        assert "Traceback" not in response.text and "risk-02" in response.text  # the form is shown again


def test_a_post_without_the_forms_token_or_too_large_is_refused(server: VoteServer) -> None:
    phone = _participant(server)
    phone.get(server.ballot())
    forged = phone.post(server.ballot(), data={"risk-risk-03": "5"})
    assert forged.status_code == 403 and "this form has expired or came from another page" in forged.text
    huge = phone.post(server.ballot(), data="a=" + "x" * 200_000,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert huge.status_code == 413 and "larger than 64 KB" in huge.text
    assert not [v for v in _votes(server) if v[1] == "risk-03"]


def test_a_phone_without_the_code_gets_the_code_form_and_a_wrong_code_is_refused(server: VoteServer) -> None:
    stranger = requests.Session()
    asked = stranger.get(server.ballot())
    assert asked.status_code == 403 and "Type the code shown on the screen" in asked.text
    wrong = stranger.get(f"{server.url}v", params={"code": "AAAA-AAAA"})
    assert wrong.status_code == 403 and "That is not this vote" in wrong.text
    typed = stranger.get(f"{server.url}v", params={"code": server.code.lower().replace("-", " ")})
    assert typed.url == server.ballot() and "Rate the risks: Voting Falls" in typed.text


@pytest.mark.parametrize("path", ["", "voila/render/risk.ipynb?workspace=voting", f"vote/{SLUG}/tally",
                                  f"vote/{SLUG}/tally.json", f"vote/{OTHER}", f"vote/{OTHER}/join"])
def test_the_voting_code_opens_neither_apps_launcher_tally_nor_another_community(server: VoteServer, path: str) -> None:
    phone = _participant(server)
    response = phone.get(server.url + path, allow_redirects=False)
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ["", f"vote/{SLUG}/tally", f"vote/{SLUG}/tally.json", f"vote/{SLUG}/join",
                                  f"vote/{OTHER}", f"vote/{SLUG}"])
def test_the_facilitators_token_opens_everything(server: VoteServer, path: str) -> None:
    facilitator = requests.Session()
    facilitator.get(f"{server.url}?token={TOKEN}")
    response = facilitator.get(server.url + path, allow_redirects=False)
    assert response.status_code == 200


def test_the_join_screens_qr_code_opens_the_ballot_with_the_code(server: VoteServer) -> None:
    phone = _participant(server)
    join = phone.get(f"{server.ballot()}/join")
    assert join.status_code == 200
    assert server.code in join.text and f"127.0.0.1:{server.url.rsplit(':', 1)[1]}v" in join.text
    svg = re.search(r"<svg.*?</svg>", join.text, re.S)
    assert svg is not None
    png = cairosvg.svg2png(bytestring=svg.group(0).encode(), output_width=600)
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))
    assert [d.text for d in decoded] == [f"{server.url}v?code={server.code.replace('-', '')}"]
    scanned = requests.Session().get(decoded[0].text)  # a new phone follows the QR code
    assert scanned.url == server.ballot() and "Rate the risks" in scanned.text


def test_the_tally_suppresses_small_counts_and_escapes_names(server: VoteServer) -> None:
    facilitator = requests.Session()
    facilitator.get(f"{server.url}?token={TOKEN}")
    for _ in range(5):
        _submit(_participant(server), server, {"risk-hostile": 4, "risk-11": 2})
    data = facilitator.get(f"{server.ballot()}/tally.json").json()
    with Workspace.open(server.root / SLUG, read_only=True) as ws:
        devices = ws.table("votes")["device"].nunique()
    assert data["participants_text"] == f"{devices} participants have voted"
    assert HOSTILE not in data["table_html"] and "&lt;img src=x" in data["table_html"]
    hostile_row = re.search(r"<tr>(?:(?!</tr>).)*&lt;img src=x(?:(?!</tr>).)*</tr>", data["table_html"])
    assert hostile_row and ">4.0<" in hostile_row.group(0)  # 5 ballots: the mean is shown
    rare = re.search(r"<tr>(?:(?!</tr>).)*Risk 05(?:(?!</tr>).)*</tr>", data["table_html"])
    assert rare and "&lt;5" not in rare.group(0)  # nobody rated it: 0, no mean
    page = facilitator.get(f"{server.ballot()}/tally")
    assert 'id="tally-table"' in page.text and "tally.json" in page.text


def test_the_old_voting_view_opens_the_kernel_less_ballot(server: VoteServer) -> None:
    facilitator = requests.Session()
    facilitator.get(f"{server.url}?token={TOKEN}")
    old = facilitator.get(f"{server.url}voila/render/risk.ipynb?workspace={SLUG}&view=vote", allow_redirects=False)
    assert old.status_code == 302 and old.headers["Location"] == f"/vote/{SLUG}"
    app = facilitator.get(f"{server.url}voila/render/risk.ipynb?workspace={SLUG}&view=other", allow_redirects=False)
    assert app.status_code != 302  # any other view is the app itself


def test_one_phone_hammering_the_ballot_is_slowed_and_the_others_are_not(server: VoteServer) -> None:
    from cswb_widgets.serve.rate_limit import BALLOT_BURST

    hammering = _participant(server)
    answers = [hammering.get(server.ballot()).status_code for _ in range(BALLOT_BURST + 20)]
    assert 429 in answers and answers.index(429) <= BALLOT_BURST + 5  # a refill of 2 a second meanwhile
    refused = hammering.get(server.ballot())
    assert refused.status_code == 429 and refused.text.count("\n") == 1 and "120 a minute" in refused.text
    assert _participant(server).get(server.ballot()).status_code == 200  # another phone, same address
