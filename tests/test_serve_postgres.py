"""`cswb serve` on a PostgreSQL database: its registry's communities are the served workspaces.

What a page or a notebook parameter may open (`served_root`, `workbooks.page`), what the operator
is told (never a password), and a real server: the launcher lists the registry's communities,
an app page opens one of them, and the kernel-less ballot's votes land in PostgreSQL.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from cswb_widgets.errors import CswbError, WorkspaceError
from cswb_widgets.serve.launcher import workspace_cards
from cswb_widgets.serve.options import ServeOptions
from cswb_widgets.store import Workspace
from cswb_widgets.store.postgres import community_url, drop_community
from cswb_widgets.store.served_root import (
    NoSuchWorkspace,
    find_workspaces,
    for_visitor,
    shown_location,
    workspace_under,
)
from cswb_widgets.workbooks import page as request

pytestmark = pytest.mark.postgres

TOKEN = "q7V-2mXa9LrT4kWz0pHc"
COMMUNITIES = {"maple_falls": "Maple Falls", "pine_ridge": "Pine Ridge"}


@pytest.fixture(scope="module")
def database(postgres_url: str) -> Iterator[str]:
    """A database of its own holding two communities (the registry lists exactly these)."""
    import psycopg

    name = f"served_{os.getpid()}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = urllib.parse.urlunsplit(urllib.parse.urlsplit(postgres_url)._replace(path=f"/{name}"))
    for slug, title in COMMUNITIES.items():
        with Workspace.create(community_url(url, slug), name=title, kind="municipality") as ws:
            ws.add("risks", id="housing", name="Housing")
            ws.add("risks", id="youth", name="Youth disengagement")
    yield url
    for slug in COMMUNITIES:
        drop_community(community_url(url, slug))


def test_the_registry_is_the_list_of_workspaces(database: str) -> None:
    assert [slug for slug, _ in find_workspaces(database)] == sorted(COMMUNITIES)
    found = workspace_under(database, "pine_ridge")
    with Workspace.open(found, read_only=True) as ws:
        assert ws.community["name"] == "Pine Ridge"


def test_libpqs_environment_may_say_where_the_database_is(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    parts = urllib.parse.urlsplit(database)
    for name, value in (("PGHOST", parts.hostname), ("PGPORT", str(parts.port)), ("PGUSER", parts.username),
                        ("PGDATABASE", parts.path.lstrip("/"))):
        monkeypatch.setenv(name, str(value))
    assert [slug for slug, _ in find_workspaces("postgresql://")] == sorted(COMMUNITIES)
    assert ServeOptions("postgresql://").checked().root == "postgresql://"


@pytest.mark.parametrize("slug", ["no_such_place", "maple-falls", "Maple_Falls", "cswb", "x" * 60])
def test_a_community_the_registry_does_not_list_does_not_exist(database: str, slug: str) -> None:
    with pytest.raises(NoSuchWorkspace, match="there is no workspace named"):
        workspace_under(database, slug)


def test_launcher_cards_come_from_the_database(database: str) -> None:
    cards = workspace_cards(database, {"commitment", "risk"})
    assert [(c.slug, c.name, c.problem) for c in cards] == [("maple_falls", "Maple Falls", None),
                                                            ("pine_ridge", "Pine Ridge", None)]
    assert cards[0].stages and all(s.href is None or "workspace=maple_falls" in s.href for s in cards[0].stages)
    only = workspace_cards(database, {"commitment"}, only={"pine_ridge"})
    assert [c.slug for c in only] == ["pine_ridge"]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("VOILA_PREHEAT", "VOILA_SERVER_URL", "QUERY_STRING", request.ROOT_ENV):
        monkeypatch.delenv(name, raising=False)


def test_a_notebook_parameter_may_name_a_community_by_url(database: str, clean_env: None) -> None:
    url = community_url(database, "maple_falls")
    assert request.resolve_workspace(url) == url
    with pytest.raises(WorkspaceError, match=r"community 'nowhere' in database 'served_\d+': no workspace here"):
        request.resolve_workspace(community_url(database, "nowhere"))
    with pytest.raises(WorkspaceError, match=r"\?community=<name>"):
        request.resolve_workspace(database)


def test_under_cswb_serve_the_address_picks_a_community_of_the_database(
    database: str, clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOILA_SERVER_URL", "/")
    monkeypatch.setenv(request.ROOT_ENV, database)
    monkeypatch.setenv("QUERY_STRING", "workspace=pine_ridge")
    assert request.resolve_workspace("ignored") == community_url(database, "pine_ridge")
    monkeypatch.setenv("QUERY_STRING", "workspace=pine_ridge%26community%3Dmaple_falls")
    with pytest.raises(WorkspaceError):
        request.resolve_workspace()


def test_a_password_in_the_url_is_never_shown(database: str) -> None:
    secret = "s3cret-Pa55"
    with_password = database.replace("@", f":{secret}@", 1)
    assert secret not in shown_location(with_password)
    assert secret not in shown_location(with_password + "?password=" + secret)
    for bad in (with_password.replace("127.0.0.1", "127.0.0.2") + "x", with_password + "?community=maple_falls"):
        with pytest.raises(CswbError) as refused:
            ServeOptions(bad).checked()
        assert secret not in str(refused.value) and "\n" not in str(refused.value)
    message = for_visitor(f"community 'maple_falls' in database '{database.rsplit('/', 1)[1]}': busy",
                          community_url(with_password, "maple_falls"))
    assert message == "the workspace Maple Falls: busy"


# -- a real server -----------------------------------------------------------------------------------

@dataclass
class Served:
    url: str
    code: str
    process: subprocess.Popen[str]
    log: Path


@pytest.fixture(scope="module")
def served(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    from browser_harness import free_port

    port = free_port()
    command = [sys.executable, "-m", "cswb_widgets.cli", "serve", "--root", database, "--port", str(port),
               "--host", "127.0.0.1", "--token", TOKEN, "--workshop", "maple_falls", "--pool-size", "0"]
    log = tmp_path_factory.mktemp("serve-pg") / "stderr.log"
    with open(log, "w") as err:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, text=True, start_new_session=True)
    assert process.stdout is not None
    code, said = "", []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not code:
        line = process.stdout.readline()
        if not line:
            raise AssertionError(f"cswb serve ended: {log.read_text()[-3000:]}")
        said.append(line)
        found = re.search(r"type the code ([A-Z0-9]{4}-[A-Z0-9]{4})", line)
        code = found.group(1) if found else ""
    assert any(f"serving the workspaces in {database} at" in line for line in said), said
    running = Served(f"http://127.0.0.1:{port}/", code, process, log)
    yield running
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(30)


@pytest.mark.slow
def test_the_launcher_lists_the_registrys_communities_and_an_app_opens_one(served: Served) -> None:
    facilitator = requests.Session()
    launcher = facilitator.get(served.url, params={"token": TOKEN}, timeout=60)
    assert launcher.status_code == 200
    for slug, title in COMMUNITIES.items():
        assert title in launcher.text and f"workspace={slug}" in launcher.text
    app = facilitator.get(f"{served.url}voila/render/commitment.ipynb", params={"workspace": "pine_ridge"},
                          timeout=180)
    # The page's widgets arrive over its kernel's websocket (the browser test edits through them).
    assert app.status_code == 200 and "<title>commitment</title>" in app.text
    missing = facilitator.get(f"{served.url}voila/render/commitment.ipynb", params={"workspace": "elsewhere"},
                              timeout=60)
    assert missing.status_code == 404 and "There is no workspace named &#39;elsewhere&#39;" in missing.text


@pytest.mark.slow
def test_a_ballot_cast_through_the_server_lands_in_postgresql(served: Served, database: str) -> None:
    phone = requests.Session()
    admitted = phone.get(f"{served.url}v", params={"code": served.code}, timeout=60)
    assert admitted.status_code == 200 and admitted.url.endswith("/vote/maple_falls")
    form = phone.get(admitted.url, timeout=60).text
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form)
    assert xsrf
    saved = phone.post(admitted.url, data={"_xsrf": xsrf.group(1), "name": "Sam K.", "risk-housing": "5",
                                           "risk-youth": "2"}, timeout=60)
    assert saved.status_code == 200 and "Saved 2 ratings." in saved.text
    with Workspace.open(community_url(database, "maple_falls"), read_only=True) as ws:
        votes = sorted((v.participant, v.risk_id, int(v.value)) for v in ws.table("votes").itertuples())
    assert [(risk, value) for _, risk, value in votes] == [("housing", 5), ("youth", 2)]
    with Workspace.open(community_url(database, "pine_ridge"), read_only=True) as ws:
        assert ws.table("votes").empty
