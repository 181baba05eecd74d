"""The Hub's sign-in for `cswb serve --hub`: jupyterhub's own OAuth identity provider.

Imported by Voilà (by name, from `app.voila_config`) only when serving under JupyterHub, so
that a single-machine install does without the jupyterhub package (`pip install cswb[hub]`).
"""

from __future__ import annotations

from typing import Any

from jupyterhub.singleuser.extension import JupyterHubIdentityProvider


class CswbHubIdentityProvider(JupyterHubIdentityProvider):
    """jupyterhub's identity provider, as Voilà constructs it (with a `token`, which the Hub replaces)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("token", None)  # the Hub's API token is this provider's token
        super().__init__(**kwargs)
