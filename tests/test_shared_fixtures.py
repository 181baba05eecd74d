"""The run's shared builds (tests/conftest.py): which worker group a module joins, and the check that
no test changed the sample reports that other modules read."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from sample_workspaces import REPORT_FORMATS, SAMPLES, SampleReports
from work_groups import BROWSER_CONFTEST, CONFTEST, work_group


def _item(nodeid: str, fixtures: dict[str, Path]) -> SimpleNamespace:
    """A collected test as work_group sees it: its id and, per fixture, the file defining it."""
    definitions = {name: (SimpleNamespace(func=_defined_in(path)),) for name, path in fixtures.items()}
    return SimpleNamespace(nodeid=nodeid, _fixtureinfo=SimpleNamespace(name2fixturedefs=definitions))


def _defined_in(path: Path):
    def fixture() -> None: ...

    fixture.__code__ = fixture.__code__.replace(co_filename=str(path))
    return fixture


def test_modules_sharing_a_build_share_a_group_and_the_others_keep_their_own() -> None:
    served = [_item("tests/browser/test_a.py::test_one", {"page": BROWSER_CONFTEST}),
              _item("tests/browser/test_a.py::test_two", {"server": BROWSER_CONFTEST})]
    own_server = [_item("tests/test_b.py::test_one", {"server": Path("tests/test_b.py").resolve()})]
    reports = [_item("tests/test_c.py::test_one", {"sample_reports": CONFTEST})]
    plain = [_item("tests/test_d.py::test_one", {"tmp_path": Path("elsewhere.py")})]
    assert work_group(served) == "served-apps"  # one test of the module is enough
    assert work_group(own_server) == "tests/test_b.py"  # a fixture of the same name, defined by the module
    assert work_group(reports) == "sample-reports"
    assert work_group(plain) == "tests/test_d.py"


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
