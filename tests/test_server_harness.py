"""The test harness's `cswb serve` (tests/browser/browser_harness.Server) survives a port taken by
something else between choosing it and binding it, as a kernel's socket once did on a busy machine."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from browser_harness import Server

NOT_HTTP = b"\xff\x00\x00\x00\x00\x00\x00\x00\x01\x7fkernel.status\n"  # what a kernel's socket said


@pytest.mark.slow
def test_a_port_held_by_something_that_is_not_http_is_left_for_another(tmp_path: Path) -> None:
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", 0))
    squatter.listen(8)
    taken = squatter.getsockname()[1]
    stop = threading.Event()

    def answer() -> None:
        while not stop.is_set():
            try:
                peer, _ = squatter.accept()
            except OSError:
                return
            with peer:
                peer.recv(1024)
                peer.sendall(NOT_HTTP)

    threading.Thread(target=answer, daemon=True).start()
    (tmp_path / "workspaces").mkdir()
    server = Server(tmp_path / "workspaces", tmp_path / "log", port=taken, options=("--pool-size", "0"))
    try:
        server.start()
        assert server.port != taken
        assert server._answers()
    finally:
        server.stop()
        stop.set()
        squatter.close()
