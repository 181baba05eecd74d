"""What `cswb serve` was asked to do, checked before anything starts.

The access rule: on a loopback address only this machine can connect, so no login is needed;
any other address (a workshop's Wi-Fi, `0.0.0.0`) requires a token or a password, or the
server refuses to start.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import CswbError, WorkspaceError
from ..i18n import _
from ..notebooks import check_folder
from ..store.served_root import Location, shown_location, workspace_under
from ..store.workspace import is_database_url, is_workspace
from .kernel_caps import DEFAULT_MAX_KERNELS, DEFAULT_MAX_KERNELS_PER_VISITOR, DEFAULT_NEVER_CONNECTED_SECONDS

MIN_TOKEN_LENGTH = 16
# zxcvbn's estimate of the guesses needed, as a power of ten: a random 16-character hex token
# scores 14-16, repeats, sequences, keyboard rows and words score under 5.
MIN_TOKEN_GUESSES_LOG10 = 12
TOKEN_CHECKED_CHARACTERS = 64  # zxcvbn slows down on long strings; a longer token only adds
TOKEN_HINT = "python -c 'import secrets; print(secrets.token_urlsafe(24))'"
BASE_URL_PATTERN = re.compile(r"/(?:[A-Za-z0-9._~-]+/?)*")
PASSWORD_HINT = "python -c 'from jupyter_server.auth import passwd; print(passwd())'"


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach: localhost, 127.0.0.0/8, ::1."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name (or "" for every interface): assume others can reach it
        return False


def check_access(host: str, token: str | None, password_hash: str | None) -> None:
    """CswbError unless the host/token/password combination is safe to start."""
    if token is not None:
        check_token(token)
    if password_hash is not None and not password_hash.startswith("argon2:"):
        raise CswbError(_("--password-hash takes an argon2 hash (argon2:...); make one with: {command}").format(command=PASSWORD_HINT))
    if not is_loopback(host) and not (token or password_hash):
        shown = host or _("every interface")
        raise CswbError(
            _("serving on {host} lets other machines connect: give --token (or CSWB_TOKEN) or --password-hash, or keep the "
              "default --host 127.0.0.1").format(host=shown)
        )


def check_token(token: str) -> None:
    """CswbError unless `token` is long enough and hard to guess (not a repeat, sequence or word)."""
    required = _(
        "the token must be at least {count} characters without spaces and hard to guess (random letters and digits, not a "
        "repeat, sequence or word)"
    ).format(count=MIN_TOKEN_LENGTH)
    if len(token) < MIN_TOKEN_LENGTH or any(c.isspace() for c in token):
        raise CswbError(_("{requirement}; make one with: {command}").format(requirement=required, command=TOKEN_HINT))
    from zxcvbn import zxcvbn  # 0.2 s to import: only when a token is given

    if zxcvbn(token[:TOKEN_CHECKED_CHARACTERS])["guesses_log10"] < MIN_TOKEN_GUESSES_LOG10:
        raise CswbError(_("{requirement}: this one is too easy to guess; make one with: {command}").format(requirement=required, command=TOKEN_HINT))


def check_workshop(root: Location, slug: str) -> None:
    """CswbError unless `slug` names a workspace under `root` (the community a workshop votes on)."""
    try:
        workspace_under(root, slug)
    except WorkspaceError as exc:
        raise CswbError(_("--workshop {slug}: {problem} in {root} (give the folder name of a workspace there, or a community "
                          "of the database)").format(slug=slug, problem=exc, root=shown_location(root))) from None


def check_database_root(url: str) -> str:
    """`url` if it names a database this process can reach (its communities are served); CswbError otherwise.

    The password belongs in libpq's environment (PGPASSWORD), ~/.pgpass or a service file, not
    the URL: a URL is easily shown. One in the URL still works and is never printed.
    """
    from ..store.postgres import CommunityURL, list_communities

    if "community=" in url:
        where = CommunityURL.parse(url)
        raise CswbError(_("--root {root}: give the database without ?community= (every community of database '{database}' is "
                          "served; Hub groups say who sees which)").format(root=shown_location(url), database=where.database))
    try:
        list_communities(url)
    except WorkspaceError as exc:
        raise CswbError(f"--root {shown_location(url)}: {exc}") from None
    return url


def lan_address() -> str | None:
    """This machine's address on the local network (the interface of its default route), or None.

    Connecting a UDP socket sends nothing: it only asks the system which address it would use.
    """
    for probe in ("192.0.2.1", "10.255.255.255"):  # TEST-NET-1 (documentation), then any private route
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.connect((probe, 9))
                address = str(s.getsockname()[0])
        except OSError:
            continue
        if not address.startswith("127.") and address != "0.0.0.0":
            return address
    return None


def workshop_host() -> str:
    """The address `cswb serve --workshop` listens on: the local network's, so phones can join."""
    address = lan_address()
    if address is None:
        raise CswbError(_("--workshop: this machine is on no local network (connect it to the room's Wi-Fi, or give --host with "
                          "the address phones can reach)"))
    return address


def kernel_reachable_host(host: str) -> str:
    """The address a kernel on this machine uses to reach the server (for Voilà's request hand-over)."""
    if host in ("", "0.0.0.0", "localhost"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    if ":" in host and not host.startswith("["):
        return f"[{host}]"
    return host


def check_port_free(host: str, port: int) -> None:
    """CswbError if the port is taken (Voilà would otherwise quietly move to another port)."""
    address = {"": "0.0.0.0", "localhost": "127.0.0.1"}.get(host, host.strip("[]"))
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as tornado does
        try:
            probe.bind((address, port))
        except OSError as exc:
            raise CswbError(_("cannot listen on {address} ({reason}); choose another --port").format(
                address=f"{host or '*'}:{port}", reason=exc.strerror)) from None


def check_base_url(value: str) -> str:
    """`value` as Voilà wants a prefix ("/a/b/"), or CswbError saying what a prefix may hold."""
    trimmed = value.strip()
    parts = trimmed.strip("/").split("/") if trimmed.strip("/") else []
    if not BASE_URL_PATTERN.fullmatch(trimmed) or any(part in ("", ".", "..") for part in parts):
        raise CswbError(
            _("--base-url {value} is not a path prefix: give one like /workbooks/ (letters, digits, '-', '_', '.', separated "
              "by '/', starting with '/')").format(value=repr(value))
        )
    return trimmed.rstrip("/") + "/"


def check_config_file(path: Path) -> Path:
    """`path`, absolute, if it is a readable Jupyter config file (.py or .json); CswbError otherwise."""
    if path.suffix not in (".py", ".json"):
        raise CswbError(_("{path}: a --config file is a Jupyter (traitlets) config file ending in .py or .json").format(path=path))
    if not path.is_file() or not os.access(path, os.R_OK):
        raise CswbError(_("{path}: no such config file (or it cannot be read)").format(path=path))
    return path.resolve()


@dataclass(frozen=True)
class ServeOptions:
    root: Location  # a folder of workspaces, or a PostgreSQL database (postgresql://…) of communities
    host: str = "127.0.0.1"
    port: int = 8866
    token: str | None = None
    password_hash: str | None = None
    extra_notebooks: tuple[Path, ...] = field(default=())
    pool_size: int = 1
    notebooks: Path | None = None  # edited workbooks to serve instead of the packaged ones
    workshop: str | None = None  # the community (workspace folder) a workshop vote is run for
    base_url: str = "/"  # the path prefix behind a proxy (under JupyterHub: the service's prefix)
    config_files: tuple[Path, ...] = field(default=())  # Voilà / Jupyter server settings
    max_kernels: int = DEFAULT_MAX_KERNELS
    max_kernels_per_user: int = DEFAULT_MAX_KERNELS_PER_VISITOR
    never_connected_seconds: int = DEFAULT_NEVER_CONNECTED_SECONDS
    hub: bool = False  # run as a JupyterHub service: the Hub signs people in

    def checked(self) -> ServeOptions:
        """These options with the root made absolute, or CswbError naming what is wrong."""
        if self.hub and self.workshop is not None:  # its join screen would show the service's inside address
            raise CswbError(_("--workshop cannot be used with --hub yet: run the vote with 'cswb serve --workshop' on the "
                              "facilitator's laptop"))
        if not self.hub:  # under the Hub, people sign in there: no token or password here
            check_access(self.host, self.token, self.password_hash)
        elif self.token or self.password_hash:
            raise CswbError(_("under JupyterHub people sign in at the Hub: drop --token and --password-hash"))
        if is_database_url(self.root):
            root: Location = check_database_root(str(self.root))
        else:
            root = self._checked_folder(Path(self.root))
        for folder in self.extra_notebooks:
            if not folder.is_dir():
                raise CswbError(_("{folder}: no such notebook folder").format(folder=folder))
        if self.workshop is not None:
            check_workshop(root, self.workshop)
        return replace(
            self, root=root, extra_notebooks=tuple(p.resolve() for p in self.extra_notebooks),
            notebooks=check_folder(self.notebooks).resolve() if self.notebooks else None,
            base_url=check_base_url(self.base_url),
            config_files=tuple(check_config_file(p) for p in self.config_files),
        )

    def _checked_folder(self, given: Path) -> Path:
        root = given.expanduser().resolve()
        if not root.is_dir():
            raise CswbError(_("{root}: no such folder (--root is the folder that holds the workspaces)").format(root=self.root))
        if is_workspace(root):
            raise CswbError(_("{root} is a workspace itself: give the folder that contains it, e.g. --root {parent}").format(
                root=self.root, parent=root.parent))
        if not os.access(root, os.R_OK | os.X_OK):
            raise CswbError(_("{root}: cannot read this folder").format(root=self.root))
        return root

    @property
    def public_address(self) -> str:
        """The server's address as other devices reach it (the network address for every interface)."""
        if self.host in ("", "0.0.0.0", "::"):
            return f"http://{lan_address() or '127.0.0.1'}:{self.port}/"
        return self.address

    @property
    def address(self) -> str:
        shown = "127.0.0.1" if self.host in ("", "0.0.0.0") else kernel_reachable_host(self.host)
        return f"http://{shown}:{self.port}{self.base_url}"
