"""JupyterHub with the CSWB workbooks as a Hub-managed service (`cswb serve --hub`).

One `cswb serve` process serves everyone who signs in: one shared store, kernels capped in one
place (--max-kernels, --max-kernels-per-user). The Hub signs people in; Hub groups named
`cswb:<workspace>:<role>` (viewer, editor, coordinator) say who sees which community. Every
setting below can be changed with the environment variables named in CAPITALS (the systemd unit
in this folder sets them); see the README's "Hosting under JupyterHub".
"""

import json
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - JupyterHub provides it

ROLES = ("viewer", "editor", "coordinator")
# The workspaces: a folder of SQLite workspaces, or a PostgreSQL database of communities
# (postgresql://[user@]host[:port]/database; its password in PGPASSWORD or ~/.pgpass, not here).
WORKSPACES = os.environ.get("CSWB_WORKSPACES", "/var/lib/cswb/workspaces")
STATE = Path(os.environ.get("CSWB_HUB_STATE", "/var/lib/cswb/hub"))  # the Hub's database, cookie secret
HUB_IP = os.environ.get("CSWB_HUB_IP", "127.0.0.1")  # put a TLS proxy (nginx, Caddy) in front for others
HUB_PORT = int(os.environ.get("CSWB_HUB_PORT", "8000"))
HUB_API_PORT = int(os.environ.get("CSWB_HUB_API_PORT", "8081"))
PROXY_API_PORT = int(os.environ.get("CSWB_PROXY_API_PORT", "8001"))
SERVICE_PORT = int(os.environ.get("CSWB_SERVICE_PORT", "8866"))
SERVICE_OPTIONS = os.environ.get("CSWB_SERVE_OPTIONS", "").split()  # e.g. "--max-kernels 60"
# For trying it out and for tests only: fixed users with one shared password (DummyAuthenticator)
# and their groups from a JSON file {"cswb:maple-falls:editor": ["alice"], ...}. A real
# deployment sets an authenticator (NativeAuthenticator, an OAuthenticator, LDAP) instead.
TRY_PASSWORD = os.environ.get("CSWB_HUB_TRY_PASSWORD")
TRY_GROUPS = os.environ.get("CSWB_HUB_TRY_GROUPS")

STATE.mkdir(parents=True, exist_ok=True)
c.JupyterHub.bind_url = f"http://{HUB_IP}:{HUB_PORT}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{HUB_API_PORT}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PROXY_API_PORT}"
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.default_url = "/services/cswb/"  # after signing in: the workbooks' launcher
c.JupyterHub.cleanup_servers = True

SERVICE = {
    "name": "cswb",
    "display": True,
    "url": f"http://127.0.0.1:{SERVICE_PORT}",
    "oauth_no_confirm": True,
    # The service reads each person's groups from the Hub's identity model.
    "oauth_client_allowed_scopes": ["read:users:groups!user"],
}
# Two ways to run the workbooks' process. With CSWB_SERVICE_API_TOKEN set (the systemd recipe),
# it is a unit of its own (cswb.service, same token): restarted, limited (MemoryMax=) and
# logged apart from the Hub. Without it the Hub starts it, which suits trying it out; the Hub
# then gives it 10 seconds to answer and stops if it does not.
SERVICE_TOKEN = os.environ.get("CSWB_SERVICE_API_TOKEN")
if SERVICE_TOKEN:
    SERVICE["api_token"] = SERVICE_TOKEN
else:
    SERVICE["command"] = [
        sys.executable, "-m", "cswb_widgets.cli", "serve", "--hub",
        "--root", WORKSPACES, "--host", "127.0.0.1", "--port", str(SERVICE_PORT), *SERVICE_OPTIONS,
    ]
c.JupyterHub.services = [SERVICE]


def _communities() -> list[str]:
    """The workspace folders now under WORKSPACES, or the communities of its database's registry
    (a coordinator role is made for each)."""
    if WORKSPACES.startswith(("postgresql://", "postgres://")):
        from cswb_widgets.errors import WorkspaceError
        from cswb_widgets.store.postgres import list_communities

        try:
            return list_communities(WORKSPACES)
        except WorkspaceError as exc:  # the Hub still starts; restart it once the database answers
            print(f"jupyterhub_config: no community roles made: {exc}", file=sys.stderr)
            return []
    root = Path(WORKSPACES)
    return sorted(p.name for p in root.iterdir() if (p / "workspace.sqlite").is_file()) if root.is_dir() else []


c.JupyterHub.load_roles = [
    # Everyone signed in may open the service and let it read their own groups; what they see
    # there depends on their cswb: groups.
    {"name": "user", "scopes": ["self", "access:services!service=cswb"]},
    # A community's coordinators manage who has a role there (the Hub's groups API, or
    # `cswb access`), and nowhere else.
    *(
        {
            "name": f"cswb-{slug}-coordinators",
            "description": f"Manage who has access to {slug} in the CSWB workbooks",
            "scopes": [f"groups!group=cswb:{slug}:{role}" for role in ROLES] + ["list:users", "read:users:name"],
            "groups": [f"cswb:{slug}:coordinator"],
        }
        for slug in _communities()
    ),
]

if TRY_PASSWORD:
    c.JupyterHub.authenticator_class = "dummy"
    c.DummyAuthenticator.password = TRY_PASSWORD
    c.Authenticator.allow_all = True
# Every community's three groups exist (the roles above name them); members are added here only
# for trying it out: otherwise in the Hub's admin page or with `cswb access` (load_groups never removes).
c.JupyterHub.load_groups = {f"cswb:{slug}:{role}": {"users": []} for slug in _communities() for role in ROLES}
if TRY_GROUPS:
    for name, users in json.loads(Path(TRY_GROUPS).read_text(encoding="utf-8")).items():
        c.JupyterHub.load_groups[name] = {"users": users}
