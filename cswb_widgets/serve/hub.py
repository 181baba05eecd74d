"""`cswb serve` as a JupyterHub-managed service: the Hub signs people in, the service decides.

One `cswb serve` process serves every signed-in person (one shared store, kernels capped in
one place) instead of a single-user server each. JupyterHub starts it (or it runs on its own
and is registered with a `url`) with JUPYTERHUB_* variables in its environment; the OAuth dance
with the Hub is jupyterhub's own (`JupyterHubIdentityProvider`, `HubOAuth`), so nothing here
handles a password or a session (`hub_identity`; jupyterhub is needed only there). What a person may open comes from their Hub groups
(`access.roles_from_groups`); the groups reach the service in the Hub's identity model, which
holds them when the service asks for the `read:users:groups!user` scope
(`oauth_client_allowed_scopes`, see deploy/single-machine/jupyterhub_config.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from tornado import web

from ..access import roles_from_groups

HUB_ENV = "JUPYTERHUB_API_TOKEN"  # set by the Hub for every service it manages or registers


def under_hub() -> bool:
    """True when the Hub started this process (or its operator gave it a service's variables)."""
    return bool(os.environ.get(HUB_ENV)) and bool(os.environ.get("JUPYTERHUB_CLIENT_ID"))


def _hub_user(handler: web.RequestHandler) -> Any:
    """The signed-in Hub user (jupyterhub's JupyterHubUser), or None without a Hub."""
    user = handler.current_user
    return user if isinstance(getattr(user, "hub_user", None), dict) else None


def visitor_roles(handler: web.RequestHandler) -> Mapping[str, str] | None:
    """The workspaces the signed-in person may open, with their role on each; None without a Hub."""
    user = _hub_user(handler)
    return None if user is None else roles_from_groups(user.hub_user.get("groups") or ())


def visitor_name(handler: web.RequestHandler) -> str | None:
    """The signed-in person's Hub name; None without a Hub."""
    user = _hub_user(handler)
    return None if user is None else str(user.username)
