"""`cswb report` on a PostgreSQL database: every community of its registry (or the one its URL
names), the same documents as from a SQLite file, and unchanged communities skipped by their rows.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from sample_workspaces import sample_workspace

from cswb_widgets.store import Workspace
from cswb_widgets.store.copy import migrate_workspace, snapshot_community
from cswb_widgets.store.digest import content_digest
from cswb_widgets.store.postgres import community_url, drop_community

pytestmark = pytest.mark.postgres

SAMPLES = {"maple_falls": "maple-falls", "whitebirch_lake": "whitebirch-lake"}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("report-pg-files")
    return {slug: sample_workspace(sample, root / slug) for slug, sample in SAMPLES.items()}


@pytest.fixture(scope="module")
def database(postgres_url: str, files: dict[str, Path]) -> Iterator[str]:
    """A database of its own holding the two samples, copied in from their SQLite files."""
    import psycopg

    name = f"reports_{os.getpid()}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = urllib.parse.urlunsplit(urllib.parse.urlsplit(postgres_url)._replace(path=f"/{name}"))
    for slug, folder in files.items():
        migrate_workspace(folder, community_url(url, slug))
    yield url
    for slug in files:
        drop_community(community_url(url, slug))


def _report(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`cswb report ARGS` with a temporary folder of its own (what it leaves there is checked)."""
    scratch = tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    return subprocess.run([sys.executable, "-m", "cswb_widgets.cli", "report", *args],
                          capture_output=True, text=True, timeout=900, env={**os.environ, "TMPDIR": str(scratch)},
                          check=False)


def test_a_snapshot_is_the_community_row_for_row(database: str, tmp_path: Path) -> None:
    url = community_url(database, "maple_falls")
    counts = snapshot_community(url, tmp_path / "one")
    snapshot_community(url, tmp_path / "two")
    assert content_digest(tmp_path / "one") == content_digest(tmp_path / "two")
    with Workspace.open(tmp_path / "one", read_only=True) as copy, Workspace.open(url, read_only=True) as source:
        assert copy.table("organizations").equals(source.table("organizations"))
        assert counts["_audit"] == len(copy._rows("SELECT seq FROM _audit")) > 0
        assert counts["plan_versions"] == 1


@pytest.mark.slow
def test_every_community_of_the_database_gets_the_same_plan_as_from_its_file(
    database: str, files: dict[str, Path], tmp_path: Path
) -> None:
    from_file = _report(tmp_path, str(files["maple_falls"]), "--out", str(tmp_path / "from-file"))
    assert from_file.returncode == 0, from_file.stderr[-2000:]
    from_database = _report(tmp_path, database, "--out", str(tmp_path / "from-db"), "--jobs", "2")
    assert from_database.returncode == 0, from_database.stderr[-2000:]
    assert "2 written" in from_database.stdout
    assert sorted(p.name for p in (tmp_path / "from-db").iterdir()) == sorted(SAMPLES)
    plan = (tmp_path / "from-db" / "maple_falls" / "plan.html").read_text(encoding="utf-8")
    assert plan == (tmp_path / "from-file" / "maple_falls" / "plan.html").read_text(encoding="utf-8")
    assert "Whitebirch Lake" in (tmp_path / "from-db" / "whitebirch_lake" / "plan.html").read_text(encoding="utf-8")
    assert not list((tmp_path / "tmp").glob("cswb-report-communities-*")), "the snapshots (contact details) stay"


@pytest.mark.slow
def test_an_unchanged_community_is_skipped_and_an_edit_in_the_database_remakes_it(
    database: str, tmp_path: Path
) -> None:
    url = community_url(database, "whitebirch_lake")
    out = tmp_path / "out"
    assert _report(tmp_path, url, "--out", str(out), "--kind", "progress").returncode == 0
    again = _report(tmp_path, url, "--out", str(out), "--kind", "progress")
    assert again.returncode == 0 and "skipped (unchanged)" in again.stdout
    with Workspace.open(url, actor="test") as ws:
        ws.add("organizations", name="Lakeside Elders Circle", sector="community_social_services")
    remade = _report(tmp_path, url, "--out", str(out), "--kind", "progress")
    assert remade.returncode == 0 and "1 written" in remade.stdout, remade.stdout
    assert "skipped" not in remade.stdout


@pytest.mark.slow
def test_an_analyst_runs_one_notebook_on_a_community_by_its_url(database: str, tmp_path: Path) -> None:
    import json

    from cswb_widgets.paths import workbooks_dir
    from cswb_widgets.report.assemble import notebook_parts, risk_blocks

    out = tmp_path / "risk.ipynb"
    done = subprocess.run(
        [sys.executable, "-m", "papermill", str(workbooks_dir() / "risk.ipynb"), str(out),
         "-p", "workspace", community_url(database, "maple_falls"), "-p", "mode", "report"],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    parts = notebook_parts(json.loads(out.read_text()))
    assert "Risks ranked by priority score" in parts["prioritization"].html
    assert risk_blocks(parts["priority_profiles"].html)
