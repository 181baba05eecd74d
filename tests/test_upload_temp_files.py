"""Uploads hold personal data (survey answers, contact lists): the temporary copy an importer
reads is deleted after every import, whether it worked, was refused or failed unexpectedly."""

from __future__ import annotations

import datetime
import os
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from cswb_widgets.store import Workspace
from cswb_widgets.store.tabular import ImportReport, import_file
from cswb_widgets.widgets import FileImport
from cswb_widgets.widgets.assets import import_asset_file
from cswb_widgets.widgets.buy_in import SurveyImport
from cswb_widgets.widgets.file_import import Importer

HSDS_EXAMPLE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "hsds-3.0-example"


@pytest.fixture
def system_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary folder of this test's own, standing in for the system's (/tmp)."""
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.create(tmp_path / "town", name="Town")


def left_behind(system_temp: Path) -> list[str]:
    return sorted(p.name for p in system_temp.rglob("*"))


def watching(importer: Importer, seen: list[Path]) -> Importer:
    """The importer, noting the path it was given (so the test knows the copy existed)."""

    def spy(ws: Workspace, path: Path) -> ImportReport:
        assert path.is_file()
        seen.append(path)
        return importer(ws, path)

    return spy


def risks_import(ws: Workspace, path: Path) -> ImportReport:
    return import_file(ws, path, "risks")


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"name\nHousing\n", "Imported risks.csv: Risk register and analysis: 1 added"),
        (b"name,priority\nHousing,perhaps\n", "risks.csv, row 2, column &#39;priority&#39;: expected yes or no"),
    ],
    ids=["imported", "refused"],
)
def test_table_upload_leaves_no_copy(ws: Workspace, system_temp: Path, content: bytes, said: str) -> None:
    seen: list[Path] = []
    upload = FileImport(ws, watching(risks_import, seen), description="Risks", accept=".csv")
    upload.load("risks.csv", content)
    assert said in upload.status.value
    assert seen and seen[0].parent.parent == system_temp and seen[0].parent.name.startswith("cswb-upload-")
    assert left_behind(system_temp) == []


def test_an_unexpected_failure_leaves_no_copy_and_shows_no_temporary_path(
    ws: Workspace, system_temp: Path
) -> None:
    def crashing(ws: Workspace, path: Path) -> ImportReport:
        raise OSError(f"[Errno 5] Input/output error: '{path}'")

    upload = FileImport(ws, crashing, description="Risks", accept=".csv")
    assert upload.load("../../risks.csv", b"name\nHousing\n") is None
    assert "Input/output error: &#39;risks.csv&#39;" in upload.status.value
    assert "cswb-upload" not in upload.status.value and str(system_temp) not in upload.status.value
    assert left_behind(system_temp) == []


def test_hsds_upload_leaves_no_copy(ws: Workspace, system_temp: Path, tmp_path: Path) -> None:
    if not HSDS_EXAMPLE.is_dir():
        pytest.skip(f"the HSDS example package is not at {HSDS_EXAMPLE}")
    archive = tmp_path / "directory.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for file in sorted(HSDS_EXAMPLE.iterdir()):
            out.write(file, file.name)
    upload = FileImport(ws, import_asset_file, description="Assets", accept=".zip")
    assert upload.load("directory.zip", archive.read_bytes()) is not None, upload.status.value
    assert left_behind(system_temp) == []
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("readme.txt", "not a data package")
    assert upload.load("photos.zip", archive.read_bytes()) is None
    assert "photos.zip: expected an Open Referral HSDS data package" in upload.status.value
    assert left_behind(system_temp) == []


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("export.csv", b"When,Your concern\n2024-06-01,Too many overdoses\n", "1 responses read"),
        ("export.csv", b"", "export.csv: the file is empty"),
        ("export.xlsx", b"PK\x03\x04 not really a workbook", "export.xlsx"),
    ],
    ids=["read", "empty", "broken workbook"],
)
def test_survey_upload_leaves_no_copy(
    ws: Workspace, system_temp: Path, name: str, content: bytes, said: str
) -> None:
    survey = SurveyImport(ws)
    survey.load_file(name, content)
    assert said in survey.status.value
    assert "cswb-upload" not in survey.status.value
    assert left_behind(system_temp) == []


def test_survey_answers_import_after_the_copy_is_gone(ws: Workspace, system_temp: Path) -> None:
    survey = SurveyImport(ws)
    survey.load_file("export.csv", b"When,Your concern\n2024-06-01,Too many overdoses\n2024-06-02,Loud parties\n")
    assert left_behind(system_temp) == []
    survey.answers.value = ("Your concern",)
    survey.date.value = "When"
    assert survey.run() == 2
    assert sorted(ws.table("feedback")["text"]) == ["Loud parties", "Too many overdoses"]


def test_the_upload_buttons_themselves_leave_no_copy(ws: Workspace, system_temp: Path) -> None:
    """As the browser sends a file: the widgets' `value` trait set, their observers do the rest."""

    def sent(name: str, content: bytes) -> tuple[dict[str, object], ...]:
        return ({"name": name, "type": "text/csv", "size": len(content), "content": memoryview(content),
                 "last_modified": datetime.datetime(2024, 6, 1, tzinfo=datetime.UTC)},)

    survey = SurveyImport(ws)
    survey.upload.value = sent("export.csv", b"When,Your concern\n2024-06-01,Too many overdoses\n")
    assert "1 responses read" in survey.status.value
    table = FileImport(ws, risks_import, description="Risks", accept=".csv")
    table.upload.value = sent("risks.csv", b"name,priority\nHousing,perhaps\n")
    assert "Nothing imported: risks.csv, row 2" in table.status.value
    assert left_behind(system_temp) == []
    assert survey.upload.value == () and table.upload.value == ()  # the bytes are not kept either
    assert "1 responses read" in survey.status.value  # and forgetting them changed nothing said


def test_folders_abandoned_by_a_killed_kernel_go_with_the_next_upload(ws: Workspace, system_temp: Path) -> None:
    abandoned = system_temp / "cswb-upload-killed1"
    abandoned.mkdir()
    (abandoned / "survey.csv").write_text("Your concern\nToo many overdoses\n")
    two_hours_ago = time.time() - 7200
    os.utime(abandoned, (two_hours_ago, two_hours_ago))
    in_progress = system_temp / "cswb-upload-running"  # another kernel's import, under way
    in_progress.mkdir()
    unrelated = system_temp / "someone-elses-folder"
    unrelated.mkdir()
    os.utime(unrelated, (two_hours_ago, two_hours_ago))
    FileImport(ws, risks_import, description="Risks", accept=".csv").load("risks.csv", b"name\nHousing\n")
    assert left_behind(system_temp) == ["cswb-upload-running", "someone-elses-folder"]
