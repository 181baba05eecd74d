"""What a visitor can and cannot do to the server, spoken to directly rather than through a page."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from browser_harness import Server

pytestmark = pytest.mark.browser

TOKEN = "test-token-0123456789abcdef"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # report a redirect (to a login page) as such
        return None


def _status(url: str, method: str = "GET", **headers: str) -> int:
    request = urllib.request.Request(url, headers=headers, method=method)
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _kernel_id(server: Server) -> str:
    with urllib.request.urlopen(server.url("voila/render/trivial.ipynb"), timeout=120) as response:
        page = response.read().decode()
    match = re.search(r'"kernelId": "([0-9a-f-]{36})"', page)
    assert match, "no kernel id in the page"
    return match.group(1)


def _message(msg_type: str, content: dict) -> str:
    header = {
        "msg_id": uuid.uuid4().hex,
        "msg_type": msg_type,
        "session": uuid.uuid4().hex,
        "username": "visitor",
        "date": "2024-01-01T00:00:00Z",
        "version": "5.3",
    }
    return json.dumps(
        {
            "header": header,
            "parent_header": {},
            "metadata": {},
            "content": content,
            "channel": "shell",
            "buffers": [],
        }
    )


def _replies(socket, seconds: float) -> list[str]:

    replies, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            message = json.loads(socket.recv(timeout=0.5))
        except TimeoutError:
            continue
        if message["channel"] == "shell":
            replies.append(message["header"]["msg_type"])
    return replies


def test_visitors_cannot_run_code_on_their_kernel(server, tmp_path: Path) -> None:
    from websockets.sync.client import connect

    marker = tmp_path / "ran"
    kernel = _kernel_id(server)
    url = server.url(f"api/kernels/{kernel}/channels").replace("http://", "ws://")
    with connect(url, origin=server.base_url.rstrip("/")) as socket:
        socket.send(
            _message(
                "execute_request",
                {
                    "code": f"open({str(marker)!r}, 'w')",
                    "silent": False,
                    "store_history": False,
                    "user_expressions": {},
                    "allow_stdin": False,
                    "stop_on_error": True,
                },
            )
        )
        socket.send(_message("complete_request", {"code": "import o", "cursor_pos": 8}))
        socket.send(_message("inspect_request", {"code": "open", "cursor_pos": 4, "detail_level": 1}))
        socket.send(_message("kernel_info_request", {}))  # allowed: proves the channel works
        replies = _replies(socket, seconds=4)
    assert replies == ["kernel_info_reply"]
    assert not marker.exists()


def test_kernels_cannot_be_listed_or_stopped_without_the_page(server) -> None:
    kernel = _kernel_id(server)
    assert _status(server.url("api/kernels")) == 404
    assert _status(server.url("api/sessions")) == 404
    # Without the XSRF cookie the page sets, neither way of stopping a kernel works.
    assert _status(server.url(f"api/kernels/{kernel}"), method="DELETE") == 403
    assert _status(server.url(f"voila/api/shutdown/{kernel}"), method="POST") == 403


@pytest.mark.parametrize("path", ["voila/tree", "voila/api/contents", "voila/files/trivial.ipynb"])
def test_no_file_tree_and_no_notebook_sources(server, path: str) -> None:
    assert _status(server.url(path)) in (403, 404)


def test_the_template_cannot_be_swapped(server) -> None:
    # ?template=lab would bring back the stock template and its CDN links.
    with urllib.request.urlopen(
        server.url("voila/render/trivial.ipynb?template=lab"), timeout=120
    ) as response:
        page = response.read().decode()
    assert "cdn.jsdelivr.net" not in page
    assert "/cswb/static/fontawesome/css/all.min.css" in page


def test_a_foreign_host_header_is_refused_on_loopback(server) -> None:
    # A web page using DNS rebinding would reach 127.0.0.1 with its own host name.
    assert _status(server.base_url, Host=f"attacker.example:{server.port}") == 403
    assert _status(server.base_url, Host=f"localhost:{server.port}") == 200


@pytest.fixture(scope="module")
def token_server(workspace_root: Path, tmp_path_factory: pytest.TempPathFactory):
    running = Server(
        workspace_root,
        tmp_path_factory.mktemp("token-server-log"),
        options=("--token", TOKEN, "--pool-size", "0"),
    ).start()
    yield running
    running.stop()


def test_a_token_protects_every_page(token_server) -> None:
    for path in ("", "voila/render/trivial.ipynb", "voila/render/commitment.ipynb?workspace=maple-falls"):
        assert _status(token_server.url(path)) in (302, 401, 403), path
    assert _status(token_server.url(f"?token={TOKEN}")) == 200
    assert _status(token_server.url("?token=wrong-token-0123456789")) in (302, 401, 403)
    assert f"?token={TOKEN}" in token_server.log()  # the address printed for the operator
