"""`cswb access`: who has which role on a community, through the Hub's REST API (its groups).

A community's coordinators may change its three groups (`cswb:<workspace>:<role>`) and nothing
else: the Hub role `cswb-<workspace>-coordinators` (deploy/single-machine/jupyterhub_config.py)
gives them that scope. They use a token from the Hub's Token page; the Hub checks it, not us.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote, unquote

from ..access import ROLES, group_name
from ..errors import CswbError
from ..i18n import _

TIMEOUT_SECONDS = 30


def _call(hub_url: str, token: str, method: str, path: str, body: Any = None) -> Any:
    url = hub_url.rstrip("/") + "/hub/api" + path
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"token {token}", "Content-Type": "application/json", "Accept": "application/json",
    })
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
            payload = answer.read()
    except urllib.error.HTTPError as exc:
        raise _refusal(exc.code, path, _hub_message(exc)) from None
    except (OSError, ValueError) as exc:
        raise CswbError(_("cannot reach the Hub at {address} ({reason}); check --hub-url").format(address=hub_url, reason=exc)) from None
    return json.loads(payload) if payload else None


def _hub_message(error: urllib.error.HTTPError) -> str:
    """The Hub's own explanation of a refusal (its JSON `message`), or ""."""
    try:
        return str(json.loads(error.read(4096)).get("message", ""))[:200]
    except (OSError, ValueError, AttributeError):
        return ""


def _refusal(status: int, path: str, said: str = "") -> CswbError:
    group = unquote(path.split("/")[2]) if path.startswith("/groups/") else _("that group")
    if status in (403, 404):  # the Hub answers 404 for a group the token may not see
        return CswbError(_(
            "the Hub will not let this token change {group}: only that community's coordinators (or a Hub admin) may change "
            "who has access (make the token on the Hub's Token page while signed in as one); for a workspace created since "
            "the Hub started, restart the Hub so that it makes the community's groups"
        ).format(group=group))
    if status == 401:
        return CswbError(_("the Hub did not accept this token: make a new one on the Hub's Token page"))
    if status == 400 and "user" in said.lower():
        return CswbError(_("the Hub refused to change {group} ({reason}): each person must have signed in at the Hub once").format(
            group=group, reason=said))
    if said:
        return CswbError(_("the Hub answered HTTP {status} for {group}: {reason}").format(status=status, group=group, reason=said))
    return CswbError(_("the Hub answered HTTP {status} for {group}").format(status=status, group=group))


def _checked(workspace: str, role: str) -> str:
    if role not in ROLES:
        raise CswbError(_("the role must be one of {roles}, not {role}").format(roles=", ".join(ROLES), role=repr(role)))
    return quote(group_name(workspace, role), safe="")


def grant(hub_url: str, token: str, workspace: str, role: str, users: list[str]) -> None:
    _call(hub_url, token, "POST", f"/groups/{_checked(workspace, role)}/users", {"users": users})


def revoke(hub_url: str, token: str, workspace: str, role: str, users: list[str]) -> None:
    _call(hub_url, token, "DELETE", f"/groups/{_checked(workspace, role)}/users", {"users": users})


def members(hub_url: str, token: str, workspace: str) -> dict[str, list[str]]:
    """Each role on `workspace` with the people who have it."""
    return {
        role: sorted(_call(hub_url, token, "GET", f"/groups/{_checked(workspace, role)}")["users"])
        for role in ROLES
    }
