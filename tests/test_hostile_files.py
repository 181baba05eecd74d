"""Hostile files: every importer refuses a decompression bomb or an oversized file in one line, before
unpacking it, with the limit named, the workspace unchanged and memory bounded.

The bombs are built at test time (`bomb_files`): gigabytes unpacked, a few megabytes on disk. Memory
is measured where it matters: the import runs in a child process whose address space is capped at
1.5 GB over what the interpreter already holds, and must end with the one-line refusal, not a
MemoryError or a traceback. A control run proves the cap bites on an unchecked read of the same bomb.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from pathlib import Path

import pytest
from bomb_files import MIB, Member, Piece, repeat_to, shared_strings_bomb, sheet_xml, write_zip, xlsx_parts

from cswb_widgets.errors import InputError
from cswb_widgets.store import Workspace
from cswb_widgets.store.areas import import_boundaries
from cswb_widgets.store.boundaries import read_boundaries
from cswb_widgets.store.hsds import import_hsds
from cswb_widgets.store.limits import (
    MAX_ARCHIVE_BYTES,
    MAX_BOUNDARY_BYTES,
    MAX_COLUMNS,
    MAX_COMPRESSION_RATIO,
    MAX_FILE_BYTES,
    MAX_ROWS,
)
from cswb_widgets.store.survey import read_survey
from cswb_widgets.store.tabular import export_csv, export_xlsx, import_bundle, import_file, read_csv

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
HSDS_EXAMPLE = SHARED_DATA / "hsds-3.0-example"
SUDBURY = SHARED_DATA / "boundaries" / "greater-sudbury-wards"
HEADROOM = 1536 * MIB  # address space the child may add to what the interpreter holds after its imports


def mb(size: int) -> str:
    return f"{size / MIB:,.0f} MB"


def declared_size(path: Path, member: str) -> int:
    with zipfile.ZipFile(path) as archive:
        return archive.getinfo(member).file_size


def snapshot(ws: Workspace, folder: Path) -> dict[str, bytes]:
    export_csv(ws, folder)
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.create(tmp_path / "ws", name="Test Town", kind="municipality")


def sparse_file(path: Path, size: int, head: bytes = b"") -> Path:
    """A file of `size` bytes that takes no room on disk (a hole after `head`)."""
    with path.open("wb") as handle:
        handle.write(head)
        handle.truncate(size)
    return path


# -- the bombs ------------------------------------------------------------------------------------


def shared_strings_xlsx(path: Path, unpacked: int) -> Path:
    header = sheet_xml([["name", "description"]])
    return write_zip(path, xlsx_parts(header, shared_strings_bomb(unpacked)))


def billion_cell_xlsx(path: Path, dimension: str = "A1:XFD1048576") -> Path:
    return write_zip(path, xlsx_parts(sheet_xml([["name", "description"], ["Youth", "After-school"]], dimension)))


GEOJSON_FEATURE = (b'{"type":"Feature","properties":{"name":"Ward 1"},"geometry":{"type":"Polygon","coordinates":'
                   b'[[[-81.0,46.5],[-81.0,46.6],[-80.9,46.6],[-81.0,46.5]]]}},\n')


def geojson_zip(path: Path, unpacked: int) -> Path:
    pieces = [Piece(b'{"type":"FeatureCollection","features":[\n'), *repeat_to(GEOJSON_FEATURE, unpacked),
              Piece(GEOJSON_FEATURE.rstrip(b",\n") + b"]}")]
    return write_zip(path, [("wards.geojson", pieces)])


def hsds_members(services_bytes: int) -> list[Member]:
    descriptor = json.dumps({"name": "bomb", "resources": [
        {"name": "organizations", "path": "organizations.csv"}, {"name": "services", "path": "services.csv"}]})
    row = b'svc-1,org-1,"After-school program","Homework help and a meal",active\n'
    return [
        ("datapackage.json", [Piece(descriptor.encode())]),
        ("organizations.csv", [Piece(b"id,name\norg-1,Youth Centre\n")]),
        ("services.csv", [Piece(b"id,organization_id,name,description,status\n"), *repeat_to(row, services_bytes)]),
    ]


def hsds_zip(path: Path, services_bytes: int) -> Path:
    return write_zip(path, hsds_members(services_bytes))


def run_capped(call: str, *, imports: str) -> subprocess.CompletedProcess[str]:
    """Run `call` in a child whose address space may grow HEADROOM past its size after `imports`.

    The child prints a refusal (CswbError) as its one line and exits 0; anything else (MemoryError
    included) ends it with a traceback and a non-zero status.
    """
    script = textwrap.dedent(f"""
        import resource, sys
        {imports}
        from cswb_widgets.errors import CswbError
        with open("/proc/self/status") as status:
            size = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
        resource.setrlimit(resource.RLIMIT_AS, (size + {HEADROOM}, size + {HEADROOM}))
        try:
            {call}
        except CswbError as error:
            print(error)
        else:
            print("accepted")
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)


def assert_refused_in_bounds(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert (result.returncode, result.stderr) == (0, ""), result.stderr[-2000:]
    assert result.stdout.splitlines() == [expected]


# -- the bomb builder makes real archives ---------------------------------------------------------


def test_bomb_archives_are_valid_zips_that_unpack_to_what_they_claim(tmp_path: Path) -> None:
    rng = random.Random(7)
    pieces = [Piece(b"head "), Piece(rng.randbytes(3000), 1001), Piece(b" tail")]
    path = write_zip(tmp_path / "small.zip", [("a.bin", pieces), ("b.txt", repeat_to(b"abc", 5 * MIB))])
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None  # every CRC checks
        expected = b"head " + pieces[1].data * 1001 + b" tail"
        assert archive.read("a.bin") == expected
        assert archive.getinfo("b.txt").file_size >= 5 * MIB
    workbook = billion_cell_xlsx(tmp_path / "plain.xlsx", dimension="A1:B2")
    assert [sheet.rows for sheet in read_sheets(workbook)] == [[(2, {"name": "Youth", "description": "After-school"})]]


def read_sheets(path: Path) -> list[object]:
    from cswb_widgets.store.tabular import read_xlsx

    return read_xlsx(path)


# -- .xlsx ------------------------------------------------------------------------------------------


def test_xlsx_whose_shared_strings_unpack_to_a_gigabyte_is_refused(ws: Workspace, tmp_path: Path) -> None:
    path = shared_strings_xlsx(tmp_path / "risks.xlsx", 1024 * MIB)
    assert path.stat().st_size < 3 * MIB
    before = snapshot(ws, tmp_path / "before")
    with pytest.raises(InputError) as refused:
        import_file(ws, path, "risks")
    size = declared_size(path, "xl/sharedStrings.xml")
    assert str(refused.value) == (
        f"{path} [xl/sharedStrings.xml]: unpacks to {mb(size)}; the import limit is {mb(MAX_FILE_BYTES)}"
        " for one file (unpacked): split it into smaller files")
    assert snapshot(ws, tmp_path / "after") == before


def test_xlsx_packed_like_a_bomb_is_refused_by_its_ratio(tmp_path: Path) -> None:
    path = shared_strings_xlsx(tmp_path / "survey.xlsx", MAX_FILE_BYTES // 2)  # under the size limit
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/sharedStrings.xml")
    ratio = info.file_size / info.compress_size
    assert ratio > MAX_COMPRESSION_RATIO
    with pytest.raises(InputError) as refused:
        read_survey(path)
    assert str(refused.value) == (
        f"{path} [xl/sharedStrings.xml]: unpacks to {ratio:,.0f} times its packed size; the import limit is"
        f" {MAX_COMPRESSION_RATIO} times (a higher ratio is the mark of a zip bomb): pack the original files again")


def test_xlsx_claiming_a_billion_cells_is_refused_before_openpyxl_reads_it(ws: Workspace, tmp_path: Path) -> None:
    path = billion_cell_xlsx(tmp_path / "risks.xlsx")
    with pytest.raises(InputError) as refused:
        import_file(ws, path, "risks")
    assert str(refused.value) == (
        f"{path} [sheet risks]: the sheet claims 1,048,576 rows (the limit is {MAX_ROWS:,} data rows and a header)"
        f" and 16,384 columns (the limit is {MAX_COLUMNS:,}) in its range A1:XFD1048576: delete the empty rows"
        " and columns beyond the data, or split the sheet")


def test_xlsx_claim_pushed_past_the_first_bytes_is_still_refused(tmp_path: Path) -> None:
    padding = b"<sheetPr>" + b" " * (200 * 1024) + b"</sheetPr>"  # openpyxl still finds the claim after it
    sheet = sheet_xml([["name"], ["Youth"]], "A1:XFD1048576").replace(b"<dimension", padding + b"<dimension")
    path = write_zip(tmp_path / "late.xlsx", xlsx_parts(sheet))
    with pytest.raises(InputError) as refused:
        read_sheets(path)
    assert str(refused.value).startswith(f"{path} [sheet risks]: the sheet claims 1,048,576 rows")


def test_xlsx_claiming_too_many_columns_only_names_the_columns(tmp_path: Path) -> None:
    path = billion_cell_xlsx(tmp_path / "wide.xlsx", dimension="B2:ZZ10")
    with pytest.raises(InputError) as refused:
        import_bundle(Workspace.create(tmp_path / "ws"), path)
    assert str(refused.value) == (
        f"{path} [sheet risks]: the sheet claims 701 columns (the limit is {MAX_COLUMNS:,}) in its range B2:ZZ10:"
        " delete the empty rows and columns beyond the data, or split the sheet")


def test_xlsx_whose_cells_reach_past_the_limits_without_claiming_it_is_refused(tmp_path: Path) -> None:
    # No <dimension>: openpyxl would pad each of these rows to 16,384 cells, a million times over.
    row = b'<row r="%d"><c r="XFD%d" s="1"/></row>'
    sheet = sheet_xml([["name", "description"]]).replace(b"</sheetData>", b"".join(row % (n, n) for n in range(2, 200))
                                                                      + b"</sheetData>")
    path = write_zip(tmp_path / "wide.xlsx", xlsx_parts(sheet))
    with pytest.raises(InputError) as refused:
        read_survey(path, display="wide.xlsx")
    assert str(refused.value) == (
        f"wide.xlsx [sheet risks]: the sheet has cells as far as column XFD, the 16,384th (the limit is"
        f" {MAX_COLUMNS:,} columns): delete the rows and columns beyond the data, or split the sheet")


@pytest.mark.parametrize("cell", [b'<c\tr="XFD2" s="1"/>', b"<c r='XFD2' s='1'/>", b'<c\n r = "XFD2"/>'])
def test_xlsx_reaching_far_in_any_xml_form_is_refused(cell: bytes, tmp_path: Path) -> None:
    sheet = sheet_xml([["name"]]).replace(b"</sheetData>", b'<row r="2">' + cell + b"</row></sheetData>")
    path = write_zip(tmp_path / "forms.xlsx", xlsx_parts(sheet))
    with pytest.raises(InputError) as refused:
        read_sheets(path)
    assert "the sheet has cells as far as column XFD, the 16,384th" in str(refused.value)


def test_xlsx_skipping_to_a_far_row_number_is_refused(tmp_path: Path) -> None:
    # openpyxl yields an empty row for each row number skipped: a billion of them here.
    sheet = sheet_xml([["name"]], dimension="A1:A2").replace(
        b"</sheetData>", b'<row r="1000000000"><c r="A1000000000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>')
    path = write_zip(tmp_path / "far.xlsx", xlsx_parts(sheet))
    with pytest.raises(InputError) as refused:
        read_sheets(path)
    assert str(refused.value) == (
        f"{path} [sheet risks]: the sheet has cells as far as row 1,000,000,000 (the limit is {MAX_ROWS:,} data rows"
        " and a header): delete the rows and columns beyond the data, or split the sheet")


def test_xlsx_at_the_limits_is_read(tmp_path: Path) -> None:
    from openpyxl.utils.cell import get_column_letter

    path = billion_cell_xlsx(tmp_path / "edge.xlsx", dimension=f"A1:{get_column_letter(MAX_COLUMNS)}2")
    assert [sheet.header for sheet in read_sheets(path)] == [["name", "description"]]


def test_xlsx_with_entity_expansion_is_refused(tmp_path: Path) -> None:
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')
    body = sheet_xml([["name"], ["&lol2;"]]).split(b"?>", 1)[1]
    path = write_zip(tmp_path / "laughs.xlsx", xlsx_parts(laughs + body))
    with pytest.raises(InputError) as refused:
        read_sheets(path)
    assert str(refused.value) == (
        f"{path}: the workbook's XML declares entities or a DTD, which imports refuse (they can expand without"
        " bound): save it again from Excel or LibreOffice")


def test_xlsx_with_damaged_xml_is_refused_in_one_line(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "cut.xlsx", xlsx_parts(sheet_xml([["name"], ["Youth"]])[:-40]))
    with pytest.raises(InputError) as refused:
        read_sheets(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: the workbook's XML is damaged (")
    assert message.endswith("): save it again from Excel or LibreOffice") and "\n" not in message


@pytest.mark.slow  # a child process that imports the store (~2 s)
def test_shared_strings_bomb_stays_within_bounded_memory(tmp_path: Path) -> None:
    path = shared_strings_xlsx(tmp_path / "risks.xlsx", 1024 * MIB)
    result = run_capped(
        f"import_file(Workspace.create({str(tmp_path / 'ws')!r}), {str(path)!r}, 'risks')",
        imports="from cswb_widgets.store import Workspace\n"
                "        from cswb_widgets.store.tabular import import_file")
    size = declared_size(path, "xl/sharedStrings.xml")
    assert_refused_in_bounds(result, f"{path} [xl/sharedStrings.xml]: unpacks to {mb(size)}; the import limit is"
                                     f" {mb(MAX_FILE_BYTES)} for one file (unpacked): split it into smaller files")


@pytest.mark.slow
def test_the_memory_cap_bites_on_an_unchecked_read_of_the_same_bomb(tmp_path: Path) -> None:
    # The control for the bounded-memory tests: without the checks, the bomb exhausts the cap.
    path = shared_strings_xlsx(tmp_path / "risks.xlsx", 2048 * MIB)
    result = run_capped(f"zipfile.ZipFile({str(path)!r}).read('xl/sharedStrings.xml')", imports="import zipfile")
    assert result.returncode != 0
    assert "MemoryError" in result.stderr


@pytest.mark.slow
def test_billion_cell_xlsx_stays_within_bounded_memory(tmp_path: Path) -> None:
    path = billion_cell_xlsx(tmp_path / "risks.xlsx")
    result = run_capped(f"read_xlsx(Path({str(path)!r}))",
                        imports="from pathlib import Path\n        from cswb_widgets.store.tabular import read_xlsx")
    assert_refused_in_bounds(result, (
        f"{path} [sheet risks]: the sheet claims 1,048,576 rows (the limit is {MAX_ROWS:,} data rows and a header)"
        f" and 16,384 columns (the limit is {MAX_COLUMNS:,}) in its range A1:XFD1048576: delete the empty rows"
        " and columns beyond the data, or split the sheet"))


# -- CSV ------------------------------------------------------------------------------------------


def test_csv_larger_than_the_limit_is_refused_before_it_is_read(ws: Workspace, tmp_path: Path) -> None:
    path = sparse_file(tmp_path / "risks.csv", MAX_FILE_BYTES + MIB, b"name,description\n")
    before = snapshot(ws, tmp_path / "before")
    with pytest.raises(InputError) as refused:
        import_file(ws, path)
    assert str(refused.value) == (
        f"{path}: the file is {mb(MAX_FILE_BYTES + MIB)}; the import limit is {mb(MAX_FILE_BYTES)} for one file:"
        " split it into smaller files or remove what is not needed")
    assert snapshot(ws, tmp_path / "after") == before


@pytest.mark.slow
def test_oversized_csv_never_enters_memory(tmp_path: Path) -> None:
    # The cap (1.5 GB) is above the file: what proves it unread is the refusal before read_bytes.
    path = sparse_file(tmp_path / "survey.csv", 3 * 1024 * MIB, b"question\n")
    result = run_capped(f"read_csv(Path({str(path)!r}))",
                        imports="from pathlib import Path\n        from cswb_widgets.store.tabular import read_csv")
    assert_refused_in_bounds(result, (
        f"{path}: the file is {mb(3 * 1024 * MIB)}; the import limit is {mb(MAX_FILE_BYTES)} for one file:"
        " split it into smaller files or remove what is not needed"))


def test_survey_csv_larger_than_the_limit_is_refused(tmp_path: Path) -> None:
    path = sparse_file(tmp_path / "answers.csv", MAX_FILE_BYTES + 1, b"What worries you?\n")
    with pytest.raises(InputError) as refused:
        read_survey(path, display="answers.csv")
    assert str(refused.value) == (  # a byte over: megabytes would read "100 MB; the limit is 100 MB"
        f"answers.csv: the file is {MAX_FILE_BYTES + 1:,} bytes; the import limit is {mb(MAX_FILE_BYTES)} for one"
        " file: split it into smaller files or remove what is not needed")


def test_folder_of_tables_over_the_archive_limit_is_refused_before_reading(ws: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "bundle"
    folder.mkdir()
    for name in ("organizations", "assets", "feedback"):
        sparse_file(folder / f"{name}.csv", MAX_ARCHIVE_BYTES // 3 + MIB, b"id,name\n")
    with pytest.raises(InputError) as refused:
        import_bundle(ws, folder)
    total = 3 * (MAX_ARCHIVE_BYTES // 3 + MIB)
    assert str(refused.value) == (
        f"{folder}: the folder's table files come to {mb(total)}; the import limit is {mb(MAX_ARCHIVE_BYTES)} for one"
        " import (all its files): split it into smaller files or remove what is not needed")


# -- boundaries -------------------------------------------------------------------------------------


def test_zip_holding_a_gigabyte_of_geojson_is_refused(ws: Workspace, tmp_path: Path) -> None:
    path = geojson_zip(tmp_path / "wards.zip", 1024 * MIB)
    assert path.stat().st_size < 5 * MIB
    before = snapshot(ws, tmp_path / "before")
    with pytest.raises(InputError) as refused:
        import_boundaries(ws, path, name_column="name")
    size = declared_size(path, "wards.geojson")
    assert str(refused.value) == (
        f"{path} [wards.geojson]: the boundary data unpacks to {mb(size)}; the import limit is"
        f" {mb(MAX_BOUNDARY_BYTES)} for boundary data: simplify the boundaries or keep only the areas the plan needs")
    assert snapshot(ws, tmp_path / "after") == before


@pytest.mark.slow
def test_geojson_bomb_stays_within_bounded_memory(tmp_path: Path) -> None:
    path = geojson_zip(tmp_path / "wards.zip", 1024 * MIB)
    result = run_capped(f"read_boundaries({str(path)!r}, 'name')",
                        imports="import pyogrio\n        from cswb_widgets.store.boundaries import read_boundaries")
    size = declared_size(path, "wards.geojson")
    assert_refused_in_bounds(result, (
        f"{path} [wards.geojson]: the boundary data unpacks to {mb(size)}; the import limit is"
        f" {mb(MAX_BOUNDARY_BYTES)} for boundary data: simplify the boundaries or keep only the areas the plan needs"))


def test_zip_forging_a_small_size_for_a_gigabyte_of_geojson_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GDAL's own zip reader streams past a forged size; the member is unpacked by zipfile, which stops.
    pieces = [Piece(b'{"type":"FeatureCollection","features":[\n'), *repeat_to(GEOJSON_FEATURE, 1024 * MIB),
              Piece(GEOJSON_FEATURE.rstrip(b",\n") + b"]}")]
    path = write_zip(tmp_path / "wards.zip", [("wards.geojson", pieces)], forged_sizes={"wards.geojson": 1000})
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    with pytest.raises(InputError) as refused:
        read_boundaries(path, "name")
    assert str(refused.value) == (
        f"{path} [wards.geojson]: cannot be read as a map layer: the zip is damaged (its contents cannot be"
        " decompressed); make the zip again")
    assert list(scratch.iterdir()) == []  # the unpacked part is gone


def test_hsds_zip_forging_a_small_size_is_refused(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "directory.zip", hsds_members(48 * MIB), forged_sizes={"services.csv": 1000})
    with pytest.raises(InputError) as refused:
        import_hsds(Workspace.create(tmp_path / "ws"), path)
    assert str(refused.value) == (
        f"{path}/services.csv: cannot unpack the file from the zip (Bad CRC-32 for file 'services.csv')")


def test_plain_geojson_larger_than_the_limit_is_refused(tmp_path: Path) -> None:
    path = sparse_file(tmp_path / "wards.geojson", MAX_BOUNDARY_BYTES + MIB, b'{"type":"FeatureCollection"')
    with pytest.raises(InputError) as refused:
        read_boundaries(path, "name")
    assert str(refused.value) == (
        f"{path}: the boundary data is {mb(MAX_BOUNDARY_BYTES + MIB)}; the import limit is"
        f" {mb(MAX_BOUNDARY_BYTES)} for boundary data: simplify the boundaries or keep only the areas the plan needs")


def test_shapefile_whose_table_is_too_large_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "wards"
    folder.mkdir()
    for part in SUDBURY.iterdir():
        (folder / part.name).write_bytes(part.read_bytes())
    dbf = next(folder.glob("*.dbf"))
    with dbf.open("r+b") as handle:
        handle.truncate(MAX_BOUNDARY_BYTES)  # the .shp beside it tips the sum over
    with pytest.raises(InputError) as refused:
        read_boundaries(folder, "WardName_E")
    assert "the import limit is 64 MB for boundary data" in str(refused.value)
    assert str(refused.value).startswith(str(next(folder.glob("*.shp"))) + ": the boundary data is ")


# -- HSDS -------------------------------------------------------------------------------------------


def test_hsds_zip_holding_a_480_mb_services_table_is_refused(ws: Workspace, tmp_path: Path) -> None:
    path = hsds_zip(tmp_path / "directory.zip", 480 * MIB)
    assert path.stat().st_size < 3 * MIB
    before = snapshot(ws, tmp_path / "before")
    with pytest.raises(InputError) as refused:
        import_hsds(ws, path)
    size = declared_size(path, "services.csv")
    assert str(refused.value) == (
        f"{path}/services.csv: unpacks to {mb(size)}; the import limit is {mb(MAX_FILE_BYTES)} for one file"
        " (unpacked): split it into smaller files")
    assert snapshot(ws, tmp_path / "after") == before


@pytest.mark.slow
def test_hsds_bomb_stays_within_bounded_memory(tmp_path: Path) -> None:
    path = hsds_zip(tmp_path / "directory.zip", 480 * MIB)
    result = run_capped(
        f"import_hsds(Workspace.create({str(tmp_path / 'ws')!r}), {str(path)!r})",
        imports="from cswb_widgets.store import Workspace\n        from cswb_widgets.store.hsds import import_hsds")
    size = declared_size(path, "services.csv")
    assert_refused_in_bounds(result, f"{path}/services.csv: unpacks to {mb(size)}; the import limit is"
                                     f" {mb(MAX_FILE_BYTES)} for one file (unpacked): split it into smaller files")


def test_hsds_zip_over_the_archive_limit_is_refused(ws: Workspace, tmp_path: Path) -> None:
    # Each table under the file limit and packed like real text; together over the archive limit.
    text = random.Random(3).randbytes(6000) + b"x" * (MIB - 6000)
    share = MAX_ARCHIVE_BYTES // 3 + MIB
    path = write_zip(tmp_path / "directory.zip", [
        ("datapackage.json", [Piece(b'{"resources": []}')]),
        *((name, [Piece(text, share // MIB)]) for name in ("organizations.csv", "services.csv", "locations.csv")),
    ])
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    assert all(i.file_size <= MAX_FILE_BYTES and i.file_size / i.compress_size < MAX_COMPRESSION_RATIO for i in infos)
    total = sum(i.file_size for i in infos)
    with pytest.raises(InputError) as refused:
        import_hsds(ws, path)
    assert str(refused.value) == (
        f"{path}: the archive unpacks to {mb(total)}; the import limit is {mb(MAX_ARCHIVE_BYTES)} for one archive"
        " (unpacked): split it into smaller ones")


def test_hsds_folder_with_an_oversized_table_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "package"
    folder.mkdir()
    (folder / "datapackage.json").write_text('{"resources": [{"name": "services", "path": "services.csv"}]}')
    sparse_file(folder / "services.csv", MAX_FILE_BYTES + MIB, b"id,organization_id,name\n")
    with pytest.raises(InputError) as refused:
        import_hsds(Workspace.create(tmp_path / "ws"), folder)
    assert str(refused.value) == (
        f"{folder}/services.csv: the file is {mb(MAX_FILE_BYTES + MIB)}; the import limit is {mb(MAX_FILE_BYTES)}"
        " for one file: split it into smaller files or remove what is not needed")


# -- the command line -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["xlsx", "geojson zip", "hsds zip"])
def test_cswb_import_of_a_bomb_prints_one_line_and_changes_nothing(
    kind: str, ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cswb_widgets.cli import main

    path = {"xlsx": lambda: shared_strings_xlsx(tmp_path / "risks.xlsx", 1024 * MIB),
            "geojson zip": lambda: geojson_zip(tmp_path / "wards.zip", 1024 * MIB),
            "hsds zip": lambda: hsds_zip(tmp_path / "directory.zip", 480 * MIB)}[kind]()
    before = snapshot(ws, tmp_path / "before")
    arguments = ["import", str(ws.path), str(path)] + (["--name-column", "name"] if kind == "geojson zip" else [])
    assert main(arguments) == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"cswb: error: {path}")
    assert "the import limit is" in lines[0] and "Traceback" not in captured.err + captured.out
    assert snapshot(ws, tmp_path / "after") == before


# -- uploads in the apps ----------------------------------------------------------------------------


def test_app_upload_of_a_bomb_says_the_limit_under_the_button(ws: Workspace, tmp_path: Path) -> None:
    from cswb_widgets.widgets.assets import import_asset_file
    from cswb_widgets.widgets.file_import import FileImport

    upload = FileImport(ws, import_asset_file, description="Asset file", accept=".csv,.xlsx,.zip")
    bomb = shared_strings_xlsx(tmp_path / "inventory.xlsx", 1024 * MIB)
    size = declared_size(bomb, "xl/sharedStrings.xml")
    assert upload.load("inventory.xlsx", bomb.read_bytes()) is None
    assert (f"Nothing imported: inventory.xlsx [xl/sharedStrings.xml]: unpacks to {mb(size)}; the import limit is"
            f" {mb(MAX_FILE_BYTES)} for one file (unpacked)") in upload.status.value
    services = hsds_zip(tmp_path / "directory.zip", 480 * MIB)
    assert upload.load("directory.zip", services.read_bytes()) is None
    assert "Nothing imported: directory.zip/services.csv: unpacks to" in upload.status.value
    assert str(tmp_path) not in upload.status.value and "Traceback" not in upload.status.value


def test_app_upload_larger_than_the_limit_is_refused_unwritten(ws: Workspace) -> None:
    from cswb_widgets.widgets.file_import import FileImport

    upload = FileImport(ws, lambda _ws, _path: pytest.fail("the importer ran"), description="File", accept=".csv")
    assert upload.load("assets.csv", bytes(MAX_FILE_BYTES + 1)) is None
    assert (f"Nothing imported: assets.csv: the file is {MAX_FILE_BYTES + 1:,} bytes; the import limit is"
            f" {mb(MAX_FILE_BYTES)} for one file") in upload.status.value


def test_survey_upload_of_a_bomb_is_refused_in_one_line(ws: Workspace, tmp_path: Path) -> None:
    from cswb_widgets.widgets.buy_in import SurveyImport

    panel = SurveyImport(ws)
    bomb = billion_cell_xlsx(tmp_path / "answers.xlsx")
    panel.load_file("answers.xlsx", bomb.read_bytes())
    assert "answers.xlsx [sheet risks]: the sheet claims 1,048,576 rows" in panel.status.value
    assert panel.import_button.disabled


# -- real files still import ------------------------------------------------------------------------


def test_hsds_folder_whose_tables_together_pass_the_archive_limit_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "package"
    folder.mkdir()
    (folder / "datapackage.json").write_text(json.dumps({"resources": [
        {"name": name, "path": f"{name}.csv"} for name in ("organizations", "services", "locations")]}))
    share = MAX_ARCHIVE_BYTES // 3 + MIB
    for name in ("organizations", "services", "locations"):
        sparse_file(folder / f"{name}.csv", share, b"id,name\n")
    with pytest.raises(InputError) as refused:
        import_hsds(Workspace.create(tmp_path / "ws"), folder)
    assert str(refused.value) == (
        f"{folder}: the package's tables come to {mb(3 * share)}; the import limit is {mb(MAX_ARCHIVE_BYTES)} for one"
        " data package (all its files): split it into smaller files or remove what is not needed")


def test_real_hsds_package_zipped_still_imports(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "hsds.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in HSDS_EXAMPLE.iterdir():
            archive.write(member, member.name)
    report = import_hsds(ws, path)
    assert report.inserted.get("assets", 0) >= 1 and report.inserted.get("organizations", 0) >= 1


def test_real_ward_shapefile_zipped_still_imports(tmp_path: Path) -> None:
    path = tmp_path / "wards.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in SUDBURY.iterdir():
            archive.write(member, member.name)
    names = {feature.name for feature in read_boundaries(path, "WardName_E").features}
    assert names == {f"Ward {n}" for n in range(1, 13)} | {"Greater Sudbury"}


@pytest.mark.slow  # exports and imports a whole sample community (~5 s)
def test_exported_workbook_of_a_sample_community_still_imports(maple: Path, tmp_path: Path) -> None:
    with Workspace.open(maple) as source:
        book = export_xlsx(source, tmp_path / "maple.xlsx")
        expected = snapshot(source, tmp_path / "expected")
    with Workspace.create(tmp_path / "copy") as copy:
        import_bundle(copy, book)
        assert snapshot(copy, tmp_path / "copied") == expected


def test_real_csv_still_reads(tmp_path: Path) -> None:
    assert len(read_csv(HSDS_EXAMPLE / "services.csv").rows) >= 1
