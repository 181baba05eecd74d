"""`cswb serve` without a browser: which workspace a URL may open, who may connect, the launcher."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from cswb_widgets.errors import CswbError, WorkspaceError
from cswb_widgets.serve.launcher import StageLink, WorkspaceCard, render_launcher, render_refusal, workspace_cards
from cswb_widgets.serve.options import ServeOptions, check_access, is_loopback, kernel_reachable_host
from cswb_widgets.store import Workspace
from cswb_widgets.store.limits import MAX_FILE_BYTES
from cswb_widgets.store.served_root import (
    NoSuchWorkspace,
    check_slug,
    find_workspaces,
    names_workspace,
    slug_from_query,
    stage_href,
    workspace_under,
)
from cswb_widgets.workbooks import page as request
from cswb_widgets.workbooks.risk import PUBLIC_URL_ENV

# What Voilà and `cswb serve` set for kernels, and what a request hands over (CGI style).
KERNEL_ENV = ("VOILA_PREHEAT", "VOILA_SERVER_URL", "VOILA_BASE_URL", "VOILA_KERNEL_ID", "VOILA_REQUEST_URL",
              "VOILA_APP_IP", "VOILA_APP_PORT", "VOILA_WS_PROTOCOL", "VOILA_WS_BASE_URL", "QUERY_STRING",
              "SCRIPT_NAME", "PATH_INFO", "SERVER_NAME", "SERVER_PORT", "SERVER_SOFTWARE", "SERVER_PROTOCOL",
              "JUPYTER_PATH", "PYDEVD_DISABLE_FILE_VALIDATION", "IPYTHONDIR", request.ROOT_ENV, PUBLIC_URL_ENV)
# A token as `secrets.token_urlsafe` makes them (the options check how guessable a token is).
STRONG_TOKEN = "q7V-2mXa9LrT4kWz0pHc"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """`root/` with workspaces `maple-falls` and `tamarack`, and a workspace `outside/secret` beside it."""
    for folder, name in (("root/maple-falls", "Maple Falls"), ("root/tamarack", "Tamarack"), ("outside/secret", "Secret")):
        Workspace.create(tmp_path / folder, name=name, kind="municipality").close()
    return tmp_path / "root"


# -- slugs ---------------------------------------------------------------------------------

@pytest.mark.parametrize("slug", ["maple-falls", "Tamarack_County", "ws.2024", "a", "9", "x" * 100])
def test_plain_folder_names_are_slugs(slug: str) -> None:
    assert check_slug(slug) == slug


@pytest.mark.parametrize(
    "value",
    ["", ".", "..", "../etc", "..%2f", "%2e%2e", "/etc/passwd", "a/b", "a\\b", "C:\\x", ".hidden", "-rf", "_x",
     "maple falls", "maple\x00", "maple\n", "ｍaple", "québec", "x" * 101, "~root", "a:b"],
)
def test_anything_else_is_refused(value: str) -> None:
    with pytest.raises(WorkspaceError):
        check_slug(value)


def test_refusals_quote_the_value_and_cut_it_short() -> None:
    with pytest.raises(WorkspaceError, match=r"'\.\./etc' is not a workspace name"):
        check_slug("../etc")
    with pytest.raises(WorkspaceError) as caught:
        check_slug("/" + "a" * 500)
    assert len(str(caught.value)) < 200


# -- the root ------------------------------------------------------------------------------

def test_a_workspace_under_the_root_is_found(root: Path) -> None:
    found = workspace_under(root, "maple-falls")
    assert found.name == "maple-falls" and found.parent == root.resolve()


def test_a_missing_workspace_is_named(root: Path) -> None:
    with pytest.raises(NoSuchWorkspace, match="no workspace named 'nowhere'"):
        workspace_under(root, "nowhere")
    (root / "empty").mkdir()
    with pytest.raises(NoSuchWorkspace):
        workspace_under(root, "empty")


def test_a_folder_symlinked_out_of_the_root_is_refused(root: Path) -> None:
    (root / "escape").symlink_to(root.parent / "outside" / "secret", target_is_directory=True)
    with pytest.raises(WorkspaceError, match="outside this server's folder"):
        workspace_under(root, "escape")


def test_a_database_symlinked_out_of_the_root_is_refused(root: Path) -> None:
    (root / "sneaky").mkdir()
    (root / "sneaky" / "workspace.sqlite").symlink_to(root.parent / "outside" / "secret" / "workspace.sqlite")
    with pytest.raises(WorkspaceError, match="outside this server's folder"):
        workspace_under(root, "sneaky")


def test_a_symlink_within_the_root_is_fine(root: Path) -> None:
    (root / "alias").symlink_to(root / "maple-falls", target_is_directory=True)
    assert workspace_under(root, "alias").name == "alias"


def test_a_root_reached_through_a_symlink_still_confines(root: Path, tmp_path: Path) -> None:
    link = tmp_path / "link-to-root"
    link.symlink_to(root, target_is_directory=True)
    assert workspace_under(link, "maple-falls").name == "maple-falls"
    with pytest.raises(WorkspaceError):
        workspace_under(link, "..")


def test_a_missing_root_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="does not exist"):
        workspace_under(tmp_path / "nope", "maple-falls")


def test_listing_skips_hidden_and_plain_folders_and_flags_unservable_ones(root: Path) -> None:
    Workspace.create(root / ".trash", name="Hidden").close()
    Workspace.create(root / "has space", name="Spaced").close()
    (root / "notes").mkdir()
    (root / "escape").symlink_to(root.parent / "outside" / "secret", target_is_directory=True)
    listed = dict(find_workspaces(root))
    assert set(listed) == {"maple-falls", "tamarack", "has space", "escape"}
    assert listed["has space"] is None and listed["escape"] is None
    assert listed["maple-falls"] == root.resolve() / "maple-falls"


# -- query strings -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("query", "slug"),
    [("workspace=maple-falls", "maple-falls"), ("a=1&workspace=tamarack&b=2", "tamarack"),
     ("w%6Frkspace=maple-falls", "maple-falls")],
)
def test_the_slug_is_read_from_the_query(query: str, slug: str) -> None:
    assert slug_from_query(query) == slug
    assert names_workspace(query)


@pytest.mark.parametrize(
    ("query", "message"),
    [("", "no workspace was chosen"), ("workspace=", "no workspace was chosen"), ("other=1", "no workspace was chosen"),
     ("workspace=a&workspace=b", "more than one"), ("workspace=%2e%2e%2f", r"'\.\./' is not"),
     ("workspace=%252e%252e", r"'%2e%2e' is not"), ("workspace=..%5Cwin", "is not"), ("workspace=%2Fetc", "is not"),
     ("workspace=maple-falls%00", "is not"), ("workspace=maple+falls", "is not")],
)
def test_bad_queries_are_refused(query: str, message: str) -> None:
    with pytest.raises(WorkspaceError, match=message):
        slug_from_query(query)


def test_stage_links_carry_the_workspace() -> None:
    assert stage_href("buy_in", "maple-falls") == "voila/render/buy_in.ipynb?workspace=maple-falls"
    assert stage_href("risk", "maple-falls", from_notebook=True) == "risk.ipynb?workspace=maple-falls"
    with pytest.raises(WorkspaceError):
        stage_href("risk", "../x")


# -- resolve_workspace (what a notebook calls) ------------------------------------------------

@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No kernel variables now, and after the test exactly the ones there were before.

    Setting before deleting makes monkeypatch remember each one, including those that code
    under test adds (a leaked QUERY_STRING would reach every later server's kernels).
    """
    for name in KERNEL_ENV:
        monkeypatch.setenv(name, "-")
        monkeypatch.delenv(name)
    monkeypatch.setattr(request, "_received", None)
    return monkeypatch


def test_outside_voila_the_parameter_is_the_workspace(root: Path, clean_env) -> None:
    assert request.resolve_workspace(str(root / "maple-falls")) == root / "maple-falls"
    assert request.resolve_workspace(root / "tamarack") == root / "tamarack"


@pytest.mark.parametrize("value", [None, "", "   "])
def test_outside_voila_a_parameter_is_required(value: str | None, clean_env) -> None:
    with pytest.raises(WorkspaceError, match="set the notebook's `workspace` parameter"):
        request.resolve_workspace(value)


def test_outside_voila_the_parameter_must_be_a_workspace(tmp_path: Path, clean_env) -> None:
    with pytest.raises(WorkspaceError, match="no workspace here"):
        request.resolve_workspace(tmp_path)


def test_under_voila_the_address_decides_and_the_parameter_is_ignored(root: Path, clean_env) -> None:
    clean_env.setenv("VOILA_PREHEAT", "False")
    clean_env.setenv(request.ROOT_ENV, str(root))
    clean_env.setenv("QUERY_STRING", "workspace=tamarack")
    assert request.resolve_workspace(str(root.parent / "outside" / "secret")) == root.resolve() / "tamarack"


@pytest.mark.parametrize("query", ["workspace=..%2Foutside%2Fsecret", "workspace=%2Fetc", "", "workspace=nowhere"])
def test_under_voila_tricks_in_the_address_are_refused(root: Path, clean_env, query: str) -> None:
    clean_env.setenv("VOILA_PREHEAT", "False")
    clean_env.setenv(request.ROOT_ENV, str(root))
    clean_env.setenv("QUERY_STRING", query)
    with pytest.raises(WorkspaceError):
        request.resolve_workspace(None)


def test_under_voila_without_cswb_serve_nothing_opens(clean_env) -> None:
    clean_env.setenv("VOILA_PREHEAT", "False")
    clean_env.setenv("QUERY_STRING", "workspace=maple-falls")
    with pytest.raises(WorkspaceError, match="not served by 'cswb serve'"):
        request.resolve_workspace("/some/path")


def _serve_one_request(payload: object):  # -> (websockets Server, paths asked for)
    """A stand-in for Voilà's `voila/query/<kernel>` websocket: sends `payload` to each client."""
    from websockets.sync.server import serve

    paths: list[str] = []

    def handler(connection) -> None:
        paths.append(connection.request.path)
        connection.send(json.dumps(payload))

    server = serve(handler, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, paths


def test_a_preheated_kernel_waits_for_its_request_once(root: Path, clean_env) -> None:
    server, paths = _serve_one_request({"QUERY_STRING": "workspace=maple-falls", "SERVER_NAME": "127.0.0.1"})
    try:
        clean_env.setenv("VOILA_PREHEAT", "True")
        clean_env.setenv("VOILA_APP_PORT", str(server.socket.getsockname()[1]))
        clean_env.setenv("VOILA_SERVER_URL", "/")
        clean_env.setenv("VOILA_KERNEL_ID", "1234-5678")
        clean_env.setenv(request.ROOT_ENV, str(root))
        assert request.resolve_workspace(None).name == "maple-falls"
        assert request.resolve_workspace(None).name == "maple-falls"  # the second call asks no one
    finally:
        server.shutdown()
    assert paths == ["/voila/query/1234-5678"]
    assert os.environ["SERVER_NAME"] == "127.0.0.1"


def test_a_preheated_kernel_ignores_a_query_it_inherited(root: Path, clean_env) -> None:
    server, _ = _serve_one_request({"QUERY_STRING": "workspace=tamarack"})
    try:
        clean_env.setenv("QUERY_STRING", "workspace=maple-falls")  # from the server's own environment
        clean_env.setenv("VOILA_PREHEAT", "True")
        clean_env.setenv("VOILA_APP_PORT", str(server.socket.getsockname()[1]))
        clean_env.setenv(request.ROOT_ENV, str(root))
        assert request.resolve_workspace(None).name == "tamarack"
    finally:
        server.shutdown()


def test_the_server_keeps_its_own_request_variables_from_kernels(root: Path, tmp_path: Path, clean_env) -> None:
    from cswb_widgets.serve.app import _kernel_environment

    clean_env.setenv("QUERY_STRING", "workspace=maple-falls")
    clean_env.setenv("VOILA_KERNEL_ID", "1234")
    _kernel_environment(ServeOptions(root, host="0.0.0.0", token=STRONG_TOKEN), tmp_path, "http://10.1.2.3:8866/")
    assert "QUERY_STRING" not in os.environ and "VOILA_KERNEL_ID" not in os.environ
    assert os.environ[PUBLIC_URL_ENV] == "http://10.1.2.3:8866/"  # the risk app's vote links start with it
    assert os.environ[request.ROOT_ENV] == str(root)
    assert os.environ["VOILA_APP_IP"] == "127.0.0.1"
    assert os.environ["JUPYTER_PATH"].split(os.pathsep)[0].endswith("share/jupyter")
    assert os.environ["IPYTHONDIR"] == str(tmp_path)  # the kernels' profile: see test_serve_hardening


def test_a_preheated_kernel_that_cannot_reach_the_server_says_so(root: Path, clean_env) -> None:
    clean_env.setenv("VOILA_PREHEAT", "True")
    clean_env.setenv("VOILA_APP_PORT", "1")  # nothing listens there
    clean_env.setenv("VOILA_KERNEL_ID", "1234-5678")
    clean_env.setenv(request.ROOT_ENV, str(root))
    with pytest.raises(WorkspaceError, match="could not receive the page's address"):
        request.resolve_workspace(None)


# -- who may connect -------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)
    check_access(host, None, None)


@pytest.mark.parametrize("host", ["0.0.0.0", "", "::", "192.168.1.20", "10.0.0.5", "workshop.local", "example.org"])
def test_other_hosts_need_a_token_or_a_password(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(CswbError, match="give --token"):
        check_access(host, None, None)
    check_access(host, STRONG_TOKEN, None)
    check_access(host, None, "argon2:$argon2id$v=19$m=10240,t=10,p=8$abc$def")


@pytest.mark.parametrize("token", ["short", "x" * 15, "has a space in it ok", ""])
def test_weak_tokens_are_refused(token: str) -> None:
    with pytest.raises(CswbError, match="at least 16 characters"):
        check_access("0.0.0.0", token, None)


def test_password_hashes_must_be_argon2() -> None:
    with pytest.raises(CswbError, match="argon2"):
        check_access("0.0.0.0", None, "sha1:salt:hash")
    with pytest.raises(CswbError, match="argon2"):
        check_access("0.0.0.0", None, "plain-password")


@pytest.mark.parametrize(
    ("host", "reachable"),
    [("127.0.0.1", "127.0.0.1"), ("0.0.0.0", "127.0.0.1"), ("", "127.0.0.1"), ("localhost", "127.0.0.1"),
     ("::", "[::1]"), ("::1", "[::1]"), ("192.168.1.20", "192.168.1.20"), ("fe80::1", "[fe80::1]")],
)
def test_kernels_reach_the_server_where_it_listens(host: str, reachable: str) -> None:
    assert kernel_reachable_host(host) == reachable


def test_options_check_the_root(root: Path, tmp_path: Path) -> None:
    assert ServeOptions(root).checked().root == root.resolve()
    with pytest.raises(CswbError, match="no such folder"):
        ServeOptions(tmp_path / "nope").checked()
    with pytest.raises(CswbError, match="is a workspace itself"):
        ServeOptions(root / "maple-falls").checked()
    with pytest.raises(CswbError, match="give --token"):
        ServeOptions(root, host="0.0.0.0").checked()


def test_the_voila_configuration_keeps_visitors_in_their_lane(root: Path, tmp_path: Path) -> None:
    from cswb_widgets.serve.app import voila_config

    local = voila_config(ServeOptions(root), tmp_path)
    vc = local.VoilaConfiguration
    assert (vc.show_tracebacks, vc.preheat_kernel, vc.strip_sources) == (False, True, True)
    assert (vc.allow_template_override, vc.allow_theme_override, vc.template) == ("NO", "NO", "cswb")
    assert local.Voila.token == "" and local.Voila.port_retries == 0 and local.Voila.config_file_paths == []
    assert local.Voila.tornado_settings["allow_remote_access"] is False
    # an upload at the import limit arrives whole, for the importer to check (tornado's default: 10 MB)
    assert local.Voila.tornado_settings["websocket_max_message_size"] > MAX_FILE_BYTES
    assert local.MappingKernelManager.cull_idle_timeout > 0
    shared = voila_config(ServeOptions(root, host="0.0.0.0", token=STRONG_TOKEN), tmp_path)
    assert shared.Voila.token == STRONG_TOKEN
    assert shared.Voila.tornado_settings["allow_remote_access"] is True


# -- the launcher ----------------------------------------------------------------------------

def test_launcher_cards_read_each_workspace(root: Path) -> None:
    Workspace.create(root / "has space", name="Spaced").close()
    cards = {card.slug: card for card in workspace_cards(root, {"commitment"})}
    maple = cards["maple-falls"]
    assert (maple.name, maple.kind, maple.problem) == ("Maple Falls", "Municipality", None)
    assert [s.key for s in maple.stages] == ["commitment", "buy_in", "risk", "assets", "evaluation", "implementation"]
    assert maple.stages[0].href == "voila/render/commitment.ipynb?workspace=maple-falls"
    assert all(s.href is None for s in maple.stages[1:])
    assert all(0.0 <= s.completion <= 1.0 for s in maple.stages)
    assert "cannot be served" in (cards["has space"].problem or "")
    assert list(cards)[-1] == "has space"  # problems last


def test_a_broken_workspace_does_not_hide_the_others(root: Path, caplog: pytest.LogCaptureFixture) -> None:
    broken = root / "broken"
    broken.mkdir()
    (broken / "workspace.sqlite").write_bytes(b"this is not a database" * 100)
    cards = {card.slug: card for card in workspace_cards(root, set())}
    assert cards["maple-falls"].problem is None
    assert "could not be opened" in (cards["broken"].problem or "")
    assert str(broken) not in (cards["broken"].problem or "")  # server paths stay in the log
    assert "broken" in caplog.text


def test_launcher_html_escapes_what_users_typed() -> None:
    hostile = '<script>alert("x")</script>'
    card = WorkspaceCard("x-1", hostile, "Municipality", stages=(StageLink("risk", "Focusing on risk", 0.5, "voila/render/risk.ipynb?workspace=x-1&a=<b>"),))
    html = render_launcher([card])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="voila/render/risk.ipynb?workspace=x-1&amp;a=&lt;b&gt;"' in html
    assert '<html lang="en">' in html and "<main" in html and "<title>" in html
    assert "http://" not in html and "https://" not in html  # nothing fetched from elsewhere


def test_launcher_says_how_to_start_when_empty() -> None:
    assert "cswb init" in render_launcher([])


def test_refusal_page_escapes_the_message() -> None:
    html = render_refusal("'<img src=x>' is not a workspace name", home="/")
    assert "<img" not in html and "&lt;img src=x&gt;" in html
    assert 'href="/"' in html


# -- the command -----------------------------------------------------------------------------

def _cswb(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cswb_widgets.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [(["--host", "0.0.0.0"], "give --token"), (["--host", "0.0.0.0", "--token", "abc"], "at least 16 characters"),
     (["--root", "does-not-exist"], "no such folder"),
     (["--workshop", "nowhere", "--host", "127.0.0.1"], "--workshop nowhere: there is no workspace named 'nowhere'")],
)
def test_serve_refuses_to_start_with_one_clear_line(root: Path, args: list[str], fragment: str) -> None:
    result = _cswb("serve", *([] if "--root" in args else ["--root", root]), *args)
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cswb: error: ") and fragment in lines[0], result.stderr


def test_serve_has_help() -> None:
    result = _cswb("serve", "--help")
    assert result.returncode == 0 and "--root" in result.stdout and "--token" in result.stdout
    assert "--notebooks" in result.stdout and "--extra-notebooks" not in result.stdout  # that one is for benchmarks


def test_a_taken_port_is_refused_before_voila_would_pick_another() -> None:
    import socket

    from cswb_widgets.serve.options import check_port_free

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CswbError, match=f"cannot listen on 127.0.0.1:{port}"):
            check_port_free("127.0.0.1", port)
