"""The workbooks under a real JupyterHub on the PostgreSQL store: two communities in ONE database.

The same Hub as test_hub.py (deploy/single-machine/jupyterhub_config.py, its try-it-out
DummyAuthenticator, configurable-http-proxy from npm), with `cswb serve --hub --root
postgresql://…`: the launcher lists the database's communities each person has a role on, each
person edits only their own community, the audit trail in PostgreSQL names them, and someone
without a role sees none.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator

import pytest
from hub_harness import LOAD_MS, SERVICE, Hub, add_organization, open_app, sign_in
from playwright.sync_api import expect

from cswb_widgets.access import group_name
from cswb_widgets.store import Workspace
from cswb_widgets.store.history import changes
from cswb_widgets.store.postgres import community_url, drop_community

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.postgres]

COMMUNITIES = {"maple_falls": "Maple Falls", "pine_ridge": "Pine Ridge"}
GROUPS = {group_name("maple_falls", "editor"): ["alice"], group_name("pine_ridge", "editor"): ["bob"]}
# dan has no group: he may sign in and sees nothing


@pytest.fixture(scope="module")
def database(postgres_url: str) -> Iterator[str]:
    import psycopg

    name = "hub_communities"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    url = urllib.parse.urlunsplit(urllib.parse.urlsplit(postgres_url)._replace(path=f"/{name}"))
    for slug, title in COMMUNITIES.items():
        Workspace.create(community_url(url, slug), name=title, kind="municipality").close()
    yield url
    for slug in COMMUNITIES:
        drop_community(community_url(url, slug))


@pytest.fixture(scope="module")
def hub(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    running = Hub(database, tmp_path_factory.mktemp("hub-pg-state"), GROUPS).start()
    yield running
    running.stop()
    assert not running.pids()


def test_each_person_sees_only_their_community_of_the_database(hub: Hub) -> None:
    seen = {user: hub.signed_in(user).get(hub.url(SERVICE), timeout=60).text for user in ("alice", "bob", "dan")}
    assert "Maple Falls" in seen["alice"] and "Pine Ridge" not in seen["alice"]
    assert "Pine Ridge" in seen["bob"] and "Maple Falls" not in seen["bob"]
    assert "Maple Falls" not in seen["dan"] and "Pine Ridge" not in seen["dan"] and "voila/render/" not in seen["dan"]
    dan = hub.signed_in("dan")
    missing = dan.get(hub.url(f"{SERVICE}voila/render/commitment.ipynb?workspace=no_such_place"), timeout=60)
    refused = dan.get(hub.url(f"{SERVICE}voila/render/commitment.ipynb?workspace=maple_falls"), timeout=60)
    assert missing.status_code == refused.status_code == 404
    assert refused.text.replace("maple_falls", "no_such_place") == missing.text


def test_two_people_each_edit_their_own_community_and_the_audit_trail_names_them(
    hub: Hub, database: str, new_context
) -> None:
    edits = {"alice": ("maple_falls", "Maple Falls Library Outreach"), "bob": ("pine_ridge", "Pine Ridge Youth Centre")}
    pages = {}
    for user, (slug, _name) in edits.items():
        page = new_context().new_page()
        sign_in(page, hub, user)
        open_app(page, hub, slug)
        expect(page.get_by_text(f"Signed in as {user}, editor")).to_be_visible(timeout=LOAD_MS)
        pages[user] = page
    for user, (_slug, name) in edits.items():
        add_organization(pages[user], name)
    for page in pages.values():
        expect(page.get_by_role("status").filter(has_text="Added").first).to_be_visible(timeout=60_000)
    for user, (slug, name) in edits.items():
        with Workspace.open(community_url(database, slug), read_only=True) as ws:
            names = ws.table("organizations")["name"].tolist()
            assert name in names
            assert all(other not in names for u, (_, other) in edits.items() if u != user)
            added = next(c for c in changes(ws) if c.action == "insert" and c.table == "organizations")
            assert added.actor == user
