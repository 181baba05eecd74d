"""`cswb report` on a PostgreSQL database: its communities as the batch's workspace folders.

The batch (`batch.build_reports`) runs on workspace folders; a community in a database is given
to it as a snapshot (`store.copy.snapshot_community`): a SQLite copy of the community at one
instant, made in a private temporary folder named after the community (so its reports go to
OUT/<community>/) and removed when the run ends (it holds people's contact details). The
fingerprint that decides whether a report is unchanged is the snapshot's content digest, which
is the community's rows in PostgreSQL, so an unchanged community is skipped as an unchanged file is.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..errors import CswbError
from ..i18n import _
from ..store.workspace import is_database_url


def database_communities(location: str) -> list[str]:
    """The URL of each community `location` names: the one of its `?community=`, else all its registry holds."""
    from ..store.postgres import community_url, list_communities, without_password

    if "community=" in location:
        return [location]
    slugs = list_communities(location)
    if not slugs:
        raise CswbError(_("{where}: this database holds no community yet (create one with 'cswb init URL?community=<name>' "
                          "or copy one in with 'cswb migrate')").format(where=without_password(location)))
    return [community_url(location, slug) for slug in slugs]


@contextlib.contextmanager
def as_workspace_folders(locations: Sequence[Path | str]) -> Iterator[list[Path]]:
    """`locations` as workspace folders: folders as they are, each database community as a snapshot."""
    if not any(is_database_url(location) for location in locations):
        yield [Path(location) for location in locations]
        return
    from ..store.copy import snapshot_community
    from ..store.postgres import CommunityURL

    scratch = Path(tempfile.mkdtemp(prefix="cswb-report-communities-"))
    try:
        folders: list[Path] = []
        for location in locations:
            if not is_database_url(location):
                folders.append(Path(location))
                continue
            for url in database_communities(str(location)):
                where = CommunityURL.parse(url)
                folder = scratch / where.database / where.community
                snapshot_community(url, folder)
                folders.append(folder)
        yield folders
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
