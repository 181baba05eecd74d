"""The workbooks under a real JupyterHub: sign-in, one community each, roles, the audit trail,
the voting link without an account, and the kernel cap.

The Hub (from the jupyterhub package) and configurable-http-proxy (npm) run on loopback with
deploy/single-machine/jupyterhub_config.py and its try-it-out DummyAuthenticator; `cswb serve
--hub` is its managed service. One Hub for the module; nothing of it outlives the module.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hub_harness import LOAD_MS, PASSWORD, SERVICE, Hub, add_organization, go_to_step, open_app, sign_in
from playwright.sync_api import expect

from cswb_widgets.access import group_name
from cswb_widgets.store import Workspace
from cswb_widgets.store.history import changes
from cswb_widgets.store.limits import MAX_SHORT_TEXT_CHARS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PER_USER = 3  # --max-kernels-per-user for this Hub
NEVER_CONNECTED = 45  # --never-connected-seconds
DELETED = "Harbour Youth Drop-in"
GROUPS = {
    group_name("maple-falls", "editor"): ["alice"],
    group_name("maple-falls", "viewer"): ["vera"],
    group_name("maple-falls", "coordinator"): ["cora"],
    group_name("pine-ridge", "editor"): ["bob", "kim"],
}  # dan has no group: he may sign in and sees nothing


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    root = tmp_path_factory.mktemp("hub-workspaces")
    Workspace.create(root / "maple-falls", name="Maple Falls", kind="municipality").close()
    Workspace.create(root / "pine-ridge", name="Pine Ridge", kind="first_nation").close()
    with Workspace.open(root / "maple-falls", actor="Bea") as ws:
        ws.delete("organizations", ws.add("organizations", name=DELETED, sector="community_social_services"))
    running = Hub(
        root, tmp_path_factory.mktemp("hub-state"), GROUPS,
        serve_options=("--max-kernels-per-user", str(PER_USER), "--never-connected-seconds", str(NEVER_CONNECTED)),
    ).start()
    yield running
    running.stop()
    assert not running.pids()


def test_each_person_sees_only_their_communities_and_others_do_not_exist(hub: Hub) -> None:
    alice, bob, dan = hub.signed_in("alice"), hub.signed_in("bob"), hub.signed_in("dan")
    launcher = {user: session.get(hub.url(SERVICE), timeout=60).text for user, session in
                (("alice", alice), ("bob", bob), ("dan", dan))}
    assert "Maple Falls" in launcher["alice"] and "Pine Ridge" not in launcher["alice"]
    assert "Pine Ridge" in launcher["bob"] and "Maple Falls" not in launcher["bob"]
    assert "Maple Falls" not in launcher["dan"] and "Pine Ridge" not in launcher["dan"]
    assert "voila/render/" not in launcher["dan"]

    def app(session, workspace: str):
        return session.get(hub.url(f"{SERVICE}voila/render/commitment.ipynb?workspace={workspace}"), timeout=60)

    # Someone else's community answers exactly as one that does not exist.
    missing = app(dan, "no-such-place")
    assert missing.status_code == 404
    for session, workspace in ((dan, "maple-falls"), (dan, "pine-ridge"), (bob, "maple-falls"), (alice, "pine-ridge")):
        refused = app(session, workspace)
        assert refused.status_code == 404
        assert refused.text.replace(workspace, "no-such-place") == missing.text


def test_two_people_each_edit_their_own_community_and_the_audit_trail_names_them(hub: Hub, new_context) -> None:
    edits = {"alice": ("maple-falls", "Maple Falls Library Outreach"), "bob": ("pine-ridge", "Pine Ridge Youth Centre")}
    pages = {}
    for user, (workspace, _name) in edits.items():
        page = new_context().new_page()
        sign_in(page, hub, user)
        open_app(page, hub, workspace)
        expect(page.get_by_text(f"Signed in as {user}, editor")).to_be_visible(timeout=LOAD_MS)
        expect(page.get_by_role("textbox", name="Your name (for the change history)")).to_have_count(0)
        pages[user] = page
    for user, (_workspace, name) in edits.items():
        add_organization(pages[user], name)
    for page in pages.values():
        expect(page.get_by_role("status").filter(has_text="Added").first).to_be_visible(timeout=60_000)
    for user, (workspace, name) in edits.items():
        with Workspace.open(hub.root / workspace, read_only=True) as ws:
            assert name in ws.table("organizations")["name"].tolist()
            added = next(c for c in changes(ws) if c.action == "insert" and c.table == "organizations")
            assert added.actor == user
            other = next(n for u, (_, n) in edits.items() if u != user)
            assert other not in ws.table("organizations")["name"].tolist()


def test_a_viewer_reads_but_cannot_edit(hub: Hub, page) -> None:
    sign_in(page, hub, "vera")
    open_app(page, hub, "maple-falls")
    expect(page.get_by_text("Signed in as vera, viewer")).to_be_visible(timeout=LOAD_MS)
    with Workspace.open(hub.root / "maple-falls", read_only=True) as ws:
        before = ws.table("organizations")["name"].tolist()
    add_organization(page, "Typed by a viewer")
    expect(page.get_by_text("Not added: Only an editor of this community").first).to_be_visible(timeout=60_000)
    with Workspace.open(hub.root / "maple-falls", read_only=True) as ws:
        assert ws.table("organizations")["name"].tolist() == before


def test_only_a_coordinator_restores_a_deleted_record(hub: Hub, new_context) -> None:
    def history_panel(user: str):
        page = new_context().new_page()
        sign_in(page, hub, user)
        open_app(page, hub, "maple-falls")
        go_to_step(page, "Change history")
        restore = page.get_by_role("button", name=f"Restore organization “{DELETED}”", exact=True)
        expect(restore).to_be_visible(timeout=LOAD_MS)
        return page, restore

    editor, restore = history_panel("alice")
    restore.click()
    expect(editor.get_by_text("Not restored: Only a coordinator of this community").first).to_be_visible(timeout=60_000)
    with Workspace.open(hub.root / "maple-falls", read_only=True) as ws:
        assert DELETED not in ws.table("organizations")["name"].tolist()

    coordinator, restore = history_panel("cora")
    restore.click()
    expect(coordinator.get_by_role("status").filter(has_text=f"Restored organization “{DELETED}”.")).to_be_visible(
        timeout=60_000
    )
    with Workspace.open(hub.root / "maple-falls", read_only=True) as ws:
        assert DELETED in ws.table("organizations")["name"].tolist()
        assert changes(ws)[0].actor == "cora"


def test_the_voting_link_needs_no_account_and_opens_nothing_else(hub: Hub) -> None:
    import requests

    anonymous = requests.Session()
    vote = anonymous.get(hub.url(f"{SERVICE}vote/maple-falls"), allow_redirects=False, timeout=60)
    assert vote.status_code != 302 and "oauth2/authorize" not in vote.headers.get("Location", "")
    assert "Voting links" in vote.text or "vote" in vote.text.lower()
    for path in ("", "voila/render/commitment.ipynb?workspace=maple-falls", "voila/render/commitment.ipynb",
                 "vote/maple-falls/../../voila/render/commitment.ipynb?workspace=maple-falls"):
        answer = anonymous.get(hub.url(SERVICE + path), allow_redirects=False, timeout=60)
        assert answer.status_code in (302, 403, 404), (path, answer.status_code)
        assert "Maple Falls" not in answer.text
        if answer.status_code == 302:
            assert "/hub/" in answer.headers["Location"]
    kernels = anonymous.get(hub.url(f"{SERVICE}api/kernels"), allow_redirects=False, timeout=60)
    assert kernels.status_code in (302, 403, 404)


def test_the_next_page_over_the_cap_gets_a_clear_page_and_unconnected_pages_are_reclaimed(hub: Hub) -> None:
    kim = hub.signed_in("kim")
    url = hub.url(f"{SERVICE}voila/render/commitment.ipynb?workspace=pine-ridge")
    for _ in range(PER_USER):  # pages fetched without a browser: their kernels never connect
        assert kim.get(url, timeout=180).status_code == 200
    refused = kim.get(url, timeout=60)
    assert refused.status_code == 429
    assert f"the limit per person on this server ({PER_USER})" in refused.text
    assert "Close a workbook tab" in refused.text
    # Another person is not held back by kim's pages.
    assert hub.signed_in("bob").get(url, timeout=180).status_code == 200
    # The never-connected pages' kernels are reclaimed, and kim can open a page again.
    import time

    deadline = time.monotonic() + NEVER_CONNECTED + 120
    while (answer := kim.get(url, timeout=180)).status_code == 429:
        assert time.monotonic() < deadline, "the unconnected pages' kernels were never reclaimed"
        time.sleep(5)
    assert answer.status_code == 200


def test_an_over_long_name_is_refused_with_its_limit(hub: Hub, page) -> None:
    sign_in(page, hub, "bob")
    open_app(page, hub, "pine-ridge")
    add_organization(page, "N" * (MAX_SHORT_TEXT_CHARS + 1))
    expect(page.get_by_role("status").filter(has_text=f"at most {MAX_SHORT_TEXT_CHARS} characters").first).to_be_visible(
        timeout=60_000
    )


def _token(hub: Hub, user: str) -> str:
    """A Hub API token for `user`, asked with their name and password (as the Token page would make one)."""
    import requests

    answer = requests.post(hub.url(f"/hub/api/users/{user}/tokens"), timeout=60,
                           json={"auth": {"username": user, "password": PASSWORD}, "note": "cswb access test"})
    assert answer.status_code in (200, 201), answer.text
    return str(answer.json()["token"])


def test_a_coordinator_manages_who_has_access_to_their_community_only(hub: Hub) -> None:
    from click.testing import CliRunner

    from cswb_widgets.cli import cli

    runner = CliRunner()

    def access(user: str, *args: str):
        return runner.invoke(cli, ["access", *args, "--hub-url", hub.base_url], env={"CSWB_HUB_TOKEN": _token(hub, user)})

    unknown = access("cora", "grant", "maple-falls", "viewer", "nobody-yet")
    assert "each person must have signed in at the Hub once" in str(unknown.exception)
    hub.signed_in("dan")  # a person exists at the Hub once they have signed in
    granted = access("cora", "grant", "maple-falls", "viewer", "dan")
    assert granted.exit_code == 0, granted.output
    assert "Maple Falls" in hub.signed_in("dan").get(hub.url(SERVICE), timeout=60).text
    listed = access("cora", "list", "maple-falls")
    assert "viewer: dan, vera" in listed.output and "coordinator: cora" in listed.output

    # Not on another community, and not as an editor.
    for user, workspace in (("cora", "pine-ridge"), ("alice", "maple-falls")):
        refused = access(user, "grant", workspace, "editor", "dan")
        assert refused.exit_code != 0
        assert f"will not let this token change cswb:{workspace}:editor: only that community's coordinators" in str(
            refused.exception
        )

    assert access("cora", "revoke", "maple-falls", "viewer", "dan").exit_code == 0
    assert "Maple Falls" not in hub.signed_in("dan").get(hub.url(SERVICE), timeout=60).text
