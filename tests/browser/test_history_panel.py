"""The Commitment app's History panel in a real browser: a coordinator restores a record someone deleted."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_harness import axe, describe_violations, wait_for_widgets
from playwright.sync_api import expect
from sample_workspaces import sample_workspace

from cswb_widgets.store import Workspace

pytestmark = pytest.mark.browser

SLUG = "history-maple"
LOAD_MS = 120_000
DELETED = "Harbour Youth Drop-in"


@pytest.fixture(scope="module")
def sample(workspace_root: Path) -> Path:
    """Maple Falls with an organization Bea added and then deleted."""
    path = sample_workspace("maple-falls", workspace_root / SLUG)
    with Workspace.open(path, actor="Bea") as ws:
        ws.delete("organizations", ws.add("organizations", name=DELETED, sector="community_social_services"))
    return path


def test_a_coordinator_restores_a_deleted_record_from_the_history_panel(server, page, guard, sample: Path) -> None:
    page.goto(server.url(f"voila/render/commitment.ipynb?workspace={SLUG}#step-history"))
    wait_for_widgets(page, LOAD_MS)
    heading = page.get_by_role("heading", name="Change history", exact=True)
    heading.scroll_into_view_if_needed(timeout=LOAD_MS)  # the section is built once it is on screen
    restore = page.get_by_role("button", name=f"Restore organization “{DELETED}”", exact=True)
    expect(restore).to_be_visible(timeout=LOAD_MS)
    expect(page.get_by_role("table", name="Recent changes (newest first)")).to_contain_text(
        f"deleted organization “{DELETED}”"
    )
    violations = axe(page)
    assert not violations, describe_violations(violations)

    restore.click()

    expect(page.get_by_role("status").filter(has_text=f"Restored organization “{DELETED}”.")).to_be_visible(
        timeout=30_000
    )
    expect(restore).to_have_count(0)
    expect(page.get_by_role("table", name="Recent changes (newest first)")).to_contain_text(
        f"restored organization “{DELETED}”"
    )
    with Workspace.open(sample) as ws:
        assert DELETED in ws.table("organizations")["name"].tolist()
    assert not guard.dialogs
