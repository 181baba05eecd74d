"""The run's shared build of the sample reports (tests/conftest.py: sample_reports): the check that
no test changed the workspaces or documents that other modules read."""

from __future__ import annotations

from pathlib import Path

import pytest
from sample_workspaces import REPORT_FORMATS, SAMPLES, SampleReports


def _fake_reports(root: Path) -> SampleReports:
    workspaces = {}
    for sample in SAMPLES:
        workspaces[sample] = root / "ws" / sample
        workspaces[sample].mkdir(parents=True)
        (workspaces[sample] / "workspace.sqlite").write_bytes(b"rows of " + sample.encode())
        for kind in ("plan", "progress"):
            (root / kind / sample).mkdir(parents=True, exist_ok=True)
            for extension in REPORT_FORMATS.split(","):
                (root / kind / sample / f"{kind}.{extension}").write_text(f"{kind} of {sample}")
    return SampleReports(root, workspaces)


@pytest.mark.parametrize("changed", ["workspace", "document", "removed document"])
def test_the_fingerprint_tells_a_changed_workspace_or_document(tmp_path: Path, changed: str) -> None:
    made = _fake_reports(tmp_path)
    before = made.fingerprint()
    assert made.fingerprint() == before  # reading changes nothing
    target = {"workspace": made.workspaces["whitebirch-lake"] / "workspace.sqlite",
              "document": made.document("progress", "tamarack-county", "docx"),
              "removed document": made.document("plan", "maple-falls", "pdf")}[changed]
    if changed == "removed document":
        target.unlink()
    else:
        target.write_bytes(target.read_bytes() + b" edited by a test")
    after = made.fingerprint()
    assert [path for path in before if before[path] != after[path]] == [str(target)]
