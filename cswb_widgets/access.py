"""Who may do what in a community, when people sign in through JupyterHub.

Access is given by Hub groups named `cswb:<workspace>:<role>` (e.g. `cswb:maple-falls:editor`),
managed in the Hub (its admin page, its REST API, or `load_groups` in jupyterhub_config.py);
see the README's "Hosting under JupyterHub". A person in no such group for a community cannot
see that it exists. Without JupyterHub (plain `cswb serve`) nobody has a role and everyone may do
everything, as before.

The server tells each kernel who its visitor is through two request headers that it sets
itself (whatever the browser sent is dropped first); Voilà hands them to the kernel as
CGI-style variables.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from .i18n import N_, _

# Each role may do everything the roles before it may.
ROLES = ("viewer", "editor", "coordinator")
ROLE_LABELS = {
    "viewer": N_("viewer (reads and makes reports)"),
    "editor": N_("editor (edits the workbooks)"),
    "coordinator": N_("coordinator (adopts versions, restores deleted records, manages access)"),
}
GROUP_PREFIX = "cswb:"

ACTOR_HEADER = "X-Cswb-Actor"
ROLE_HEADER = "X-Cswb-Role"
IDENTITY_HEADERS = (ACTOR_HEADER, ROLE_HEADER)
# How Voilà names a header in the kernel's environment (RFC 3875, section 4.1.18).
ACTOR_ENV = "HTTP_X_CSWB_ACTOR"
ROLE_ENV = "HTTP_X_CSWB_ROLE"
IDENTITY_ENVS = (ACTOR_ENV, ROLE_ENV)


def group_name(workspace: str, role: str) -> str:
    """The Hub group that gives `role` on `workspace` (its folder name)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return f"{GROUP_PREFIX}{workspace}:{role}"


def roles_from_groups(groups: Iterable[str]) -> dict[str, str]:
    """Each workspace a person has a role on, with their highest role there.

    Other groups (the Hub's own, another product's, a misspelt role) give nothing.
    """
    roles: dict[str, str] = {}
    for group in groups:
        if not group.startswith(GROUP_PREFIX):
            continue
        workspace, _, role = group[len(GROUP_PREFIX):].rpartition(":")
        if not workspace or role not in ROLES:
            continue
        if workspace not in roles or ROLES.index(role) > ROLES.index(roles[workspace]):
            roles[workspace] = role
    return roles


def may(role: str | None, needed: str) -> bool:
    """True if someone with `role` may do what needs `needed`; None (no sign-in) may do everything."""
    if role is None:
        return True
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def signed_in_actor() -> str | None:
    """In a kernel serving a signed-in person's page: their Hub name (the audit trail's actor)."""
    return os.environ.get(ACTOR_ENV) or None


def signed_in_role() -> str | None:
    """In a kernel serving a signed-in person's page: their role on this page's community."""
    role = os.environ.get(ROLE_ENV)
    return role if role in ROLES else None


def refusal(needed: str) -> str:
    """The line a person sees when their role does not allow something."""
    # one whole sentence per role, so that each language can agree its words with the role's name
    sentences = {
        "viewer": _("Only a viewer of this community can do this; its coordinators can give you that role."),
        "editor": _("Only an editor of this community can do this; its coordinators can give you that role."),
        "coordinator": _("Only a coordinator of this community can do this; its coordinators can give you that role."),
    }
    if needed in sentences:
        return sentences[needed]
    return _("Only a {role} of this community can do this; its coordinators can give you that role.").format(role=needed)
