"""A report kernel reads a community's tables once for all its notebooks, and never serves stale ones.

`cswb report`'s kept kernel turns sharing on (`share_report_tables`); every report part then gets
its own copies of frames read once per state of the workspace's data. An edit, or the next
community, is read afresh, and the previous community's frames are let go.
"""

from __future__ import annotations

import gc
import weakref
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sample_workspaces import copy_of

from cswb_widgets.store import Workspace
from cswb_widgets.workbooks import BuyInWorkbook, CommitmentWorkbook, RiskWorkbook
from cswb_widgets.workbooks._base import _SharedFrames, share_report_tables


@pytest.fixture
def sharing() -> Iterator[None]:
    share_report_tables()
    yield
    share_report_tables(False)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often each table was read from a workspace, by name."""
    counted: Counter[str] = Counter()
    read = Workspace.table

    def counting(self: Workspace, name: str, **options: Any) -> Any:
        counted[name] += 1
        return read(self, name, **options)

    monkeypatch.setattr(Workspace, "table", counting)
    return counted


def report_book(kind: Any, workspace: Path) -> Any:
    return kind.open(workspace, "report")


def test_the_next_notebook_of_a_community_reads_nothing_again(sharing: None, maple: Path,
                                                               reads: Counter[str]) -> None:
    first = report_book(RiskWorkbook, maple).ranking_summary().data
    assert reads["risks"] >= 1
    read_by_first = sum(reads.values())
    again = report_book(RiskWorkbook, maple).ranking_summary().data  # the next notebook: a new book
    assert sum(reads.values()) == read_by_first
    assert again == first


def test_without_sharing_every_part_reads_its_own(maple: Path, reads: Counter[str]) -> None:
    assert not _SharedFrames.on  # off unless a report kernel turns it on
    report_book(RiskWorkbook, maple).ranking_summary()
    once = reads["risks"]
    report_book(RiskWorkbook, maple).ranking_summary()
    assert reads["risks"] == 2 * once


def test_an_edit_between_two_notebooks_is_read_afresh(sharing: None, maple: Path, reads: Counter[str]) -> None:
    before = report_book(CommitmentWorkbook, maple).advisory_committee().data
    with Workspace.open(maple, actor="test") as ws:
        organization = ws.table("organizations").iloc[0]
        ws.update("organizations", organization["id"], name="Renamed Health Team")
    read_before = reads["organizations"]
    after = report_book(CommitmentWorkbook, maple).advisory_committee().data
    assert reads["organizations"] > read_before
    assert "Renamed Health Team" in after and "Renamed Health Team" not in before


def test_a_part_changing_its_frame_changes_no_other_parts(sharing: None, maple: Path) -> None:
    book = report_book(BuyInWorkbook, maple)
    mine = book.tables()["feedback"]
    original = mine["text"].iloc[0]
    mine.loc[mine.index[0], "text"] = "changed by one part"
    assert book.tables()["feedback"]["text"].iloc[0] == original
    assert report_book(BuyInWorkbook, maple).tables()["feedback"]["text"].iloc[0] == original


def test_the_previous_communitys_frames_are_let_go_even_after_a_gc_freeze(
        sharing: None, maple: Path, sample_sources: dict[str, Path], tmp_path: Path) -> None:
    other = copy_of(sample_sources["whitebirch-lake"], tmp_path / "whitebirch-lake")
    report_book(RiskWorkbook, maple).ranking_summary()
    held = weakref.ref(_SharedFrames.frames["risks"])
    # The kept kernel freezes what survives each reset: frames in a reference cycle would never be freed.
    gc.collect()
    gc.disable()
    gc.freeze()
    try:
        report_book(RiskWorkbook, other).ranking_summary()
        assert held() is None
        assert "risks" in _SharedFrames.frames
    finally:
        gc.unfreeze()
        gc.enable()
