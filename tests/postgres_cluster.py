"""A throwaway PostgreSQL cluster for the store's tests: initdb in a temporary folder, pg_ctl start
on a free loopback port (and a socket in that folder), pg_ctl stop -m fast at the end.

Debian's binaries live in /usr/lib/postgresql/<version>/bin (.ci/run installs the `postgresql`
package). initdb refuses to run as root: as root the cluster runs as the `postgres` user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

USER = "cswb"


def binaries() -> Path:
    """The newest installed PostgreSQL's bin folder; a clear failure when there is none."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        raise RuntimeError(
            "PostgreSQL's binaries are not installed (no /usr/lib/postgresql/*/bin/initdb): install Debian's"
            " 'postgresql' package (.ci/run does) to run the store's tests on PostgreSQL"
        )
    return Path(found[-1]).parent


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def running_cluster() -> Iterator[str]:
    """Start a cluster; yield the URL of its `postgres` database (no community named yet)."""
    bin_dir = binaries()
    folder = Path(tempfile.mkdtemp(prefix="cswb-pg-"))
    data, sockets = folder / "data", folder / "sockets"
    sockets.mkdir()
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        for path in (folder, sockets):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    port = _free_port()
    try:
        subprocess.run(_as_owner([str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "-A", "trust",
                                  "--no-sync", "-E", "UTF8", "--locale", "C"]),
                       check=True, capture_output=True, timeout=120)
        options = (f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
                   " -c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
        subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                                  str(folder / "server.log"), "-w", "-t", "60", "start"]),
                       check=True, capture_output=True, timeout=120)
        try:
            yield f"postgresql://{USER}@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(_as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                           capture_output=True, timeout=120)
    except subprocess.CalledProcessError as exc:
        log = folder / "server.log"
        said = (exc.stderr or b"").decode(errors="replace") + (log.read_text(errors="replace") if log.exists() else "")
        raise RuntimeError(f"the throwaway PostgreSQL cluster did not start: {said.strip()[-2000:]}") from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
