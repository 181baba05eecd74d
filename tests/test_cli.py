"""The `cswb` command as a user runs it: real subprocesses, real files."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cswb_widgets.cli import main
from cswb_widgets.framework import load_catalogue
from cswb_widgets.paths import samples_dir
from cswb_widgets.store import Workspace

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SAMPLES = sorted(p.name for p in samples_dir().iterdir() if p.is_dir()) if samples_dir().is_dir() else []


def cswb(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "cswb_widgets.cli", *map(str, args)], capture_output=True, text=True, timeout=300
    )
    if check and result.returncode != 0:
        raise AssertionError(f"cswb {' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}")
    return result


def assert_one_line_error(result: subprocess.CompletedProcess[str], fragment: str, code: int = 1) -> None:
    assert result.returncode == code, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("cswb: error: ")
    assert fragment in lines[0], lines[0]


@pytest.mark.parametrize("command", ["", "init", "import", "export", "validate", "history", "restore", "versions",
                                     "versions adopt"])
def test_every_command_has_help(command: str) -> None:
    result = cswb(*command.split(), "--help")
    assert "Usage: cswb" in result.stdout


def test_samples_are_installed() -> None:
    assert SAMPLES == ["lac-des-epinettes", "maple-falls", "tamarack-county", "whitebirch-lake"]


@pytest.mark.slow
@pytest.mark.parametrize("sample", SAMPLES)
def test_init_from_each_sample_then_validate(sample: str, tmp_path: Path) -> None:
    created = cswb("init", tmp_path / "w", "--from", sample)
    assert "created workspace" in created.stdout
    result = cswb("validate", tmp_path / "w")
    assert "illustrative sample" in result.stdout
    assert "no problems found" in result.stdout
    for stage in load_catalogue("en").stages:  # each stage by its title, never its key ("buy_in")
        assert f"  {stage.title} " in result.stdout
    assert "  buy_in " not in result.stdout and "[buy_in]" not in result.stdout
    # The sample re-exports to the very files it came from.
    cswb("export", tmp_path / "w", tmp_path / "out")
    source = samples_dir() / sample
    for exported in sorted((tmp_path / "out").iterdir()):
        assert exported.read_bytes() == (source / exported.name).read_bytes(), exported.name


@pytest.mark.slow
def test_user_mistakes_print_one_line_and_no_traceback(tmp_path: Path) -> None:
    assert_one_line_error(cswb("validate", tmp_path / "none", check=False), "no workspace here")
    assert_one_line_error(cswb("init", tmp_path / "x", "--from", "atlantis", check=False), "no sample or bundle named 'atlantis'")
    assert not (tmp_path / "x").exists()
    assert_one_line_error(cswb("init", tmp_path / "y", "--kind", "city", check=False), "Invalid value for '--kind'", code=2)
    assert_one_line_error(cswb("import", check=False), "Missing argument 'PATH'", code=2)
    cswb("init", tmp_path / "w", "--name", "Town")
    assert_one_line_error(cswb("init", tmp_path / "w", check=False), "a workspace already exists here")
    assert_one_line_error(cswb("import", tmp_path / "w", tmp_path / "missing.csv", check=False), "missing.csv: no such file")
    assert_one_line_error(cswb("export", tmp_path / "w", tmp_path / "o", "--format", "pdf", check=False),
                          "Invalid value for '--format'", code=2)


def test_init_from_a_broken_bundle_leaves_nothing(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "community.csv").write_text("id,name,kind\ncommunity,Town,municipality\n")
    (bundle / "risks.csv").write_text("name,priority\nHousing,perhaps\n")
    result = cswb("init", tmp_path / "w", "--from", bundle, check=False)
    assert_one_line_error(result, "risks.csv, row 2, column 'priority': expected yes or no, got 'perhaps'")
    assert not (tmp_path / "w").exists()


@pytest.mark.slow
def test_refused_import_names_file_row_column_and_export_is_byte_identical(tmp_path: Path) -> None:
    cswb("init", tmp_path / "w", "--name", "Town")
    good = tmp_path / "risks.csv"
    good.write_text("id,name,category\nrisk-1,Housing,housing\n")
    cswb("import", tmp_path / "w", good)
    cswb("export", tmp_path / "w", tmp_path / "before")
    cswb("export", tmp_path / "w", tmp_path / "before.xlsx", "--format", "xlsx")
    bad = tmp_path / "feedback.csv"
    bad.write_text("text,date,risk_categories\nok,2024-01-02,housing\nbad,2024-13-01,housing\n")
    result = cswb("import", tmp_path / "w", bad, check=False)
    assert_one_line_error(result, f"{bad}, row 3, column 'date': expected a date as YYYY-MM-DD, got '2024-13-01'")
    cswb("export", tmp_path / "w", tmp_path / "after")
    before = {p.name: p.read_bytes() for p in (tmp_path / "before").iterdir()}
    after = {p.name: p.read_bytes() for p in (tmp_path / "after").iterdir()}
    assert before == after


@pytest.mark.slow
def test_four_imports_at_once_all_land(tmp_path: Path) -> None:
    cswb("init", tmp_path / "w", "--name", "Town")
    files = []
    for n in range(4):
        f = tmp_path / f"batch{n}.csv"
        f.write_text("text,participant_group\n" + "".join(f"batch {n} comment {i},group {n}\n" for i in range(500)))
        files.append(f)
    procs = [
        subprocess.Popen([sys.executable, "-m", "cswb_widgets.cli", "import", str(tmp_path / "w"), str(f), "--table", "feedback"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for f in files
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, outputs
    feedback = Workspace.open(tmp_path / "w").table("feedback")
    assert len(feedback) == 2000
    assert feedback["participant_group"].value_counts().to_dict() == {f"group {n}": 500 for n in range(4)}


def _shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not present: {path}")
    return path


@pytest.mark.slow
def test_import_real_ward_shapefiles(tmp_path: Path) -> None:
    cswb("init", tmp_path / "w", "--name", "Greater Sudbury")
    sudbury = _shared("boundaries", "greater-sudbury-wards")
    missing_column = cswb("import", tmp_path / "w", sudbury, check=False)
    assert_one_line_error(missing_column, "choose the column that holds the area names; available columns:")
    result = cswb("import", tmp_path / "w", sudbury, "--name-column", "wardname_e", "--exclude", "Greater Sudbury")
    assert "imported 12 new and 0 replaced areas" in result.stdout
    assert "EPSG:3857" in result.stdout
    assert "Councillor" in result.stdout and "Telephone" in result.stdout  # listed as not kept
    cswb("import", tmp_path / "w", sudbury, "--boundary")
    ws = Workspace.open(tmp_path / "w")
    areas = ws.table("areas")
    assert sorted(areas.loc[areas["kind"] == "ward", "name"]) == sorted(f"Ward {i}" for i in range(1, 13))
    assert areas.loc[areas["kind"] == "boundary", "name"].tolist() == ["Greater Sudbury"]
    cswb("export", tmp_path / "w", tmp_path / "out")
    exported = (tmp_path / "out" / "areas.csv").read_text(encoding="utf-8-sig")
    assert "Councillor" not in exported and "705" not in exported.split("\n")[0]
    # Importing again replaces the areas rather than adding copies.
    again = cswb("import", tmp_path / "w", sudbury, "--name-column", "WardName_E", "--exclude", "Greater Sudbury")
    assert "imported 0 new and 12 replaced areas" in again.stdout


def run_in_process(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    """`cswb ARGS` without a new interpreter: the exit status and the one line on stderr."""
    capsys.readouterr()
    code = main([str(a) for a in args])
    err = capsys.readouterr().err
    assert err.count("\n") <= 1 and "Traceback" not in err, err
    return code, err.strip()


def test_paths_that_cannot_be_used_give_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file where a folder belongs (and the reverse), or a place nothing can be created."""
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    a_folder = tmp_path / "plan.xlsx"
    a_folder.mkdir()
    pipe = tmp_path / "risks.xlsx"
    os.mkfifo(pipe)  # opening it to read would wait for a writer for ever
    Workspace.create(tmp_path / "w", name="Town")
    cases = {
        ("init", a_file): f"{a_file}: this is a file; give a new (or empty) folder for the workspace",
        ("init", a_file / "w"): f"{a_file / 'w'}: a part of this path is a file, not a folder; choose another path",
        ("export", tmp_path / "w", a_file): (
            f"{a_file}: this is a file; give a folder for the CSV files (or use --format xlsx)"
        ),
        ("export", tmp_path / "w", a_file / "out"): (
            f"{a_file / 'out'}: a part of this path is a file, not a folder; choose another path"
        ),
        ("export", tmp_path / "w", a_folder, "--format", "xlsx"): (
            f"{a_folder}: this is a folder; give the workbook's file name, ending in .xlsx"
        ),
        ("import", tmp_path / "w", pipe): f"{pipe}: not a file or folder (a device or a pipe); give a file or folder",
        ("init", tmp_path / "w2", "--from", pipe): (
            f"{pipe}: not a file or folder (a device or a pipe); give a file or folder"
        ),
        ("notebooks", a_file / "nb"): f"{a_file / 'nb'}: a part of this path is a file, not a folder; choose another path",
        ("report", tmp_path / "nowhere", "--out", tmp_path / "reports"): (
            f"{tmp_path / 'nowhere'}: no workspace here (expected workspace.sqlite); create one with 'cswb init'"
        ),
    }
    for args, line in cases.items():
        assert run_in_process(capsys, *args) == (1, f"cswb: error: {line}"), args
    assert a_file.read_text() == "not a folder" and list(a_folder.iterdir()) == []
    assert not (tmp_path / "reports").exists()  # refused before any report work
    assert not (tmp_path / "w2").exists()


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (OSError(errno.ENOSPC, "No space left on device", "/data/w/workspace.sqlite"),
         "/data/w/workspace.sqlite: the disk is full; free some space and try again"),
        (PermissionError(errno.EACCES, "Permission denied", "/srv/out"),
         "/srv/out: permission denied; choose a place you may read and write, or ask whoever runs this machine"),
        (OSError(errno.EIO, "Input/output error", "/mnt/usb/x.csv"), "/mnt/usb/x.csv: Input/output error"),
        (OSError("no details"), "no details"),
    ],
    ids=["disk full", "permission", "other errno", "no errno"],
)
def test_file_system_errors_anywhere_give_one_line(
    error: OSError, line: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Running as root, permissions cannot be denied for real: the export itself raises.
    import cswb_widgets.store.tabular as tabular

    def failing(*_args: object, **_kwargs: object) -> None:
        raise error

    monkeypatch.setattr(tabular, "export_workspace", failing)
    monkeypatch.setattr(tabular.Workspace, "open", classmethod(lambda cls, path, **options: None))
    assert run_in_process(capsys, "export", "anywhere", "out") == (1, f"cswb: error: {line}")


@pytest.mark.slow
def test_xlsx_export_onto_a_folder_prints_no_traceback_at_exit(tmp_path: Path) -> None:
    """openpyxl's abandoned sheets printed 'Exception ignored ... Traceback' when the process ended."""
    cswb("init", tmp_path / "w", "--name", "Town")
    (tmp_path / "plan.xlsx").mkdir()
    result = cswb("export", tmp_path / "w", tmp_path / "plan.xlsx", "--format", "xlsx", check=False)
    assert_one_line_error(result, f"{tmp_path / 'plan.xlsx'}: this is a folder; give the workbook's file name")
