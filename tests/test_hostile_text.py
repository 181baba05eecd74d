"""Hostile and unlucky text in imports: every file is built here, each refusal has its exact message,
and whatever is accepted exports and imports back unchanged."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook, load_workbook

from cswb_widgets import render
from cswb_widgets.cli import main as cswb
from cswb_widgets.documents import terms_of_reference_docx
from cswb_widgets.errors import InputError
from cswb_widgets.model import commitment
from cswb_widgets.store import Workspace, operations, tabular
from cswb_widgets.store.limits import MAX_CELL_CHARS, MAX_COLUMNS
from cswb_widgets.store.tabular import export_csv, export_xlsx, import_bundle, import_file

SUDBURY = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "boundaries" / "greater-sudbury-wards"
SAVE_AS_UTF8 = ': save the file as "CSV UTF-8" and import it again'


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    ws = Workspace.create(tmp_path / "ws", name="Test Town", kind="municipality")
    ws.add("risks", id="risk-housing", name="Housing instability", category="housing")
    return ws


def _snapshot(ws: Workspace, folder: Path) -> dict[str, bytes]:
    export_csv(ws, folder)
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _refused(ws: Workspace, path: Path, tmp_path: Path, table: str | None = None) -> str:
    """Import `path`, expect a refusal, check nothing changed, and return the first problem."""
    before = _snapshot(ws, tmp_path / "before")
    with pytest.raises(InputError) as caught:
        import_file(ws, path, table=table)
    assert _snapshot(ws, tmp_path / "after") == before
    return str(caught.value.problems[0])


# -- numbers with a decimal comma ---------------------------------------------------------------


def test_decimal_comma_in_a_semicolon_file_is_a_decimal(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "indicators.csv"
    f.write_text("indicator;year;value;comparator_value\n"
                 "Rate;2023;0,125;1.234,5\nCount;2023;-3,75;12 345,5\nWhole;2023;1.250.000;7\n", encoding="utf-8")
    import_file(ws, f)
    table = ws.table("indicators").set_index("indicator")
    assert table.loc["Rate", "value"] == 0.125  # never 125
    assert table.loc["Rate", "comparator_value"] == 1234.5
    assert table.loc["Count", "value"] == -3.75
    assert table.loc["Count", "comparator_value"] == 12345.5
    assert table.loc["Whole", "value"] == 1_250_000


def test_excel_separator_line_is_honoured(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "indicators.csv"
    f.write_bytes("\ufeffsep=;\r\nindicator;year;value\r\nTaux, en %;2023;0,5\r\n".encode())
    import_file(ws, f)
    assert ws.table("indicators")[["indicator", "value"]].values.tolist() == [["Taux, en %", 0.5]]


def test_separator_line_keeps_row_numbers_of_the_file(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "indicators.csv"
    f.write_text("sep=;\nindicator;year;value\nRate;2023;0,5\nRate;20x3;1\n", encoding="utf-8")
    assert _refused(ws, f, tmp_path) == (
        f"{f}, row 4, column 'year': expected a whole number at least 1800 and at most 2200, got '20x3'")


def test_ambiguous_dot_in_a_semicolon_file_is_refused(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "indicators.csv"
    f.write_text("indicator;year;value\nRate;2023;0,5\nCount;2023;2.500\n", encoding="utf-8")
    assert _refused(ws, f, tmp_path) == (
        f"{f}, row 3, column 'value': '2.500' is ambiguous in a file separated by ';' (a decimal point or a"
        " thousands separator?): write 2,500 for the decimal or 2500 for the whole number")


def test_typed_decimal_comma_is_refused_not_multiplied(ws: Workspace) -> None:
    with pytest.raises(InputError) as caught:
        ws.add("indicators", indicator="Rate", year=2023, value="0,125")
    assert str(caught.value) == "column 'value': expected a number, got '0,125'"
    ws.add("indicators", indicator="Calls", year=2023, value="1,250")  # thousands in a decimal-point text
    assert ws.table("indicators")["value"].tolist() == [1250.0]


# -- encodings ----------------------------------------------------------------------------------------


def test_utf8_file_with_a_windows_1252_row_is_refused_at_that_byte(ws: Workspace, tmp_path: Path) -> None:
    data = "name,description\nCafé,Loyers élevés\n".encode() + "Garderie,Trop chère\n".encode("cp1252")
    f = tmp_path / "risks.csv"
    f.write_bytes(data)
    position = data.index(b"\xe8")  # è in Windows-1252; the é above are UTF-8
    assert position == 55
    assert _refused(ws, f, tmp_path) == (
        f"{f}, row 3: the file mixes encodings: it has UTF-8 text, but byte 0xE8 at byte position 55"
        " (counted from 0) is not UTF-8" + SAVE_AS_UTF8)


def test_windows_1252_file_with_a_utf8_row_is_refused_at_the_first_foreign_byte(ws: Workspace, tmp_path: Path) -> None:
    data = "name,description\nCafé,Loyers\n".encode("cp1252") + "Garderie,Trop chère\n".encode()
    f = tmp_path / "risks.csv"
    f.write_bytes(data)
    assert data.index(b"\xe9") == 20
    assert _refused(ws, f, tmp_path) == (
        f"{f}, row 2: the file mixes encodings: it has UTF-8 text, but byte 0xE9 at byte position 20"
        " (counted from 0) is not UTF-8" + SAVE_AS_UTF8)


def test_utf8_with_bom_and_a_bad_byte_names_its_position(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "risks.csv"
    f.write_bytes(b"\xef\xbb\xbfname\nA\nB\xff\n")  # 3 bytes of BOM, then "name\n" and "A\n": 0xFF is at 11
    assert _refused(ws, f, tmp_path) == (
        f"{f}, row 3: the file starts as UTF-8 (a byte order mark), but byte 0xFF at byte position 11"
        " (counted from 0) is not UTF-8" + SAVE_AS_UTF8)


def test_truncated_utf16_names_its_position(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "risks.csv"
    f.write_bytes("name\nA\n".encode("utf-16") + b"B")  # 2 bytes of BOM and 7 characters of 2 bytes: "B" is at 16
    assert _refused(ws, f, tmp_path) == (
        f"{f}, row 3: the file starts as UTF-16, but byte 0x42 at byte position 16 (counted from 0)"
        " is not UTF-16" + SAVE_AS_UTF8)


def test_utf16_with_bom_is_read(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "risks.csv"
    f.write_bytes("name\tdescription\nSécurité\t“quoted”\n".encode("utf-16"))
    import_file(ws, f)
    assert ws.table("risks")["description"].tolist()[-1] == "“quoted”"


# -- rows that do not fit the header ---------------------------------------------------------------


def test_short_row_is_refused_not_shifted(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "risks.csv"
    f.write_text("name,category,description\nA,housing,fine\nB,a description left of its column\n", encoding="utf-8")
    assert _refused(ws, f, tmp_path) == f"{f}, row 3: expected 3 cells as in the header row, found 2"


def test_long_row_with_empty_extra_cells_is_accepted(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "risks.csv"
    f.write_text("name,category\nA,housing,,  \n", encoding="utf-8")
    import_file(ws, f)
    assert ws.table("risks")["name"].tolist()[-1] == "A"


def test_xlsx_row_shorter_than_the_header_is_positioned_and_accepted(ws: Workspace, tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "risks"
    book.active.append(["name", "category", "description"])
    book.active["A2"] = "Only a name"
    path = tmp_path / "risks.xlsx"
    book.save(path)
    import_file(ws, path, table="risks")
    assert ws.table("risks")["name"].tolist()[-1] == "Only a name"


# -- formulas in workbooks ------------------------------------------------------------------------------


def _book_with_formula(path: Path, saved_value: str | None) -> Path:
    book = Workbook()
    book.active.title = "indicators"
    book.active.append(["indicator", "year", "value"])
    book.active.append(["Calls", 2023, 5])
    book.active.append(["Rate", 2023, "=B2/1000"])  # openpyxl writes the formula with no saved value
    book.save(path)
    if saved_value is not None:  # what Excel writes: the formula and its last result
        _rewrite_part(path, "xl/worksheets/sheet1.xml", r"<v\s*/>|<v></v>", f"<v>{saved_value}</v>")
    return path


def _rewrite_part(path: Path, part: str, pattern: str, replacement: str) -> None:
    """Change one XML part of a workbook as another program would have written it."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    text, count = re.subn(pattern, replacement, parts[part].decode())
    assert count == 1
    parts[part] = text.encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, content in parts.items():
            target.writestr(name, content)


def test_xlsx_formula_without_saved_value_is_named(ws: Workspace, tmp_path: Path) -> None:
    path = _book_with_formula(tmp_path / "indicators.xlsx", None)
    assert _refused(ws, path, tmp_path) == (
        f"{path} [sheet indicators], row 3, column 'value': formula with no saved value: open in Excel and save,"
        " or paste values")


def test_xlsx_formula_with_saved_value_imports_the_value(ws: Workspace, tmp_path: Path) -> None:
    path = _book_with_formula(tmp_path / "indicators.xlsx", "2.023")
    import_file(ws, path)
    assert ws.table("indicators").set_index("indicator")["value"].to_dict() == {"Calls": 5.0, "Rate": 2.023}


def test_xlsx_formula_saved_as_empty_text_is_empty(ws: Workspace, tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "risks"
    book.active.append(["name", "description"])
    book.active.append(["Housing", '=IF(1>2,"x","")'])
    path = tmp_path / "risks.xlsx"
    book.save(path)
    # What Excel saves for a formula whose result is "": a text cell with an empty value.
    _rewrite_part(path, "xl/worksheets/sheet1.xml", r'<c r="B2">', '<c r="B2" t="str">')
    import_file(ws, path)
    assert ws.table("risks").set_index("name").loc["Housing", "description"] is None


# -- leading apostrophes and exported formula guards -------------------------------------------------


APOSTROPHES = ["'+1 613 555 0100", "'-5 below", "'@handle", "'=not a formula", "''+two quotes", "'", "'plain"]


def test_typed_apostrophe_in_a_foreign_file_is_data(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "people.csv"
    f.write_text("name,phone\nAna,'+1 613 555 0100\nBo,'@desk\n", encoding="utf-8")
    import_file(ws, f)
    assert ws.table("people")["phone"].tolist() == ["'+1 613 555 0100", "'@desk"]
    # ... and stays so through an export and its import, however often.
    for cycle in range(2):
        export_csv(ws, tmp_path / f"out{cycle}")
        copy = Workspace.create(tmp_path / f"copy{cycle}")
        import_bundle(copy, tmp_path / f"out{cycle}")
        assert copy.table("people")["phone"].tolist() == ["'+1 613 555 0100", "'@desk"]
        ws = copy


def _workspace_with_apostrophes(path: Path) -> Workspace:
    ws = Workspace.create(path, name="Quotes", kind="municipality")
    for text in APOSTROPHES:
        ws.add("risks", name=text, vulnerable_groups=[text, "x" + text])
    ws.add("risks", name="=SUM(A1)", vulnerable_groups=["+formula"])
    return ws


def test_apostrophes_survive_a_csv_round_trip(tmp_path: Path) -> None:
    ws = _workspace_with_apostrophes(tmp_path / "ws")
    first = _snapshot(ws, tmp_path / "first")
    copy = Workspace.create(tmp_path / "copy")
    import_bundle(copy, tmp_path / "first")
    assert _snapshot(copy, tmp_path / "second") == first
    assert ws.table("risks")[["name", "vulnerable_groups"]].equals(copy.table("risks")[["name", "vulnerable_groups"]])


def test_apostrophes_survive_a_single_exported_table_file(tmp_path: Path) -> None:
    ws = _workspace_with_apostrophes(tmp_path / "ws")
    export_csv(ws, tmp_path / "out")
    copy = Workspace.create(tmp_path / "copy")
    import_file(copy, tmp_path / "out" / "risks.csv")  # one table, without the folder's manifest
    assert sorted(copy.table("risks")["name"]) == sorted([*APOSTROPHES, "=SUM(A1)"])


def test_apostrophes_survive_an_xlsx_round_trip(tmp_path: Path) -> None:
    ws = _workspace_with_apostrophes(tmp_path / "ws")
    expected = _snapshot(ws, tmp_path / "csv")
    copy = Workspace.create(tmp_path / "copy")
    import_bundle(copy, export_xlsx(ws, tmp_path / "ws.xlsx"))
    assert _snapshot(copy, tmp_path / "copy-csv") == expected


# -- control characters -----------------------------------------------------------------------------


@pytest.mark.parametrize(("char", "name"), [("\x00", "NUL (U+0000)"), ("\x0b", "vertical tab (U+000B)"),
                                             ("\x1b", "escape (U+001B)"), ("\x01", "U+0001")])
def test_control_character_in_a_csv_is_refused(ws: Workspace, tmp_path: Path, char: str, name: str) -> None:
    f = tmp_path / "risks.csv"
    padding = "\n".join(f"Risk {i}," for i in range(600))  # rows 2-601: the NUL lies past the binary-file sniff
    f.write_text(f"name,description\n{padding}\nBad,ab{char}c\n", encoding="utf-8")
    assert _refused(ws, f, tmp_path) == (
        f"{f}, row 602, column 'description': the text holds a control character, {name}, at character 3,"
        " which spreadsheets and documents cannot store: remove it")


def test_control_character_in_a_list_cell_is_refused(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "risks.csv"
    f.write_text("name;vulnerable_groups\nA;seniors, youth\x1b[31m\n", encoding="utf-8")
    assert _refused(ws, f, tmp_path) == (
        f"{f}, row 2, column 'vulnerable_groups': the text holds a control character, escape (U+001B),"
        " at character 15, which spreadsheets and documents cannot store: remove it")


def test_escaped_control_character_in_a_workbook_stays_visible_text(ws: Workspace, tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "risks"
    book.active.append(["name", "vulnerable_groups"])
    book.active.append(["A", "seniors; youth[31m"])
    path = tmp_path / "risks.xlsx"
    book.save(path)
    # Excel writes an escape character as _x001B_; openpyxl reads that back as the seven characters.
    _rewrite_part(path, "xl/worksheets/sheet1.xml", r"youth\[", "youth_x001B_[")
    import_file(ws, path)
    assert ws.table("risks")["vulnerable_groups"].tolist()[-1] == ["seniors", "youth_x001B_[31m"]
    load_workbook(export_xlsx(ws, tmp_path / "out.xlsx"))


def test_control_character_typed_in_an_app_is_refused_with_the_same_words(ws: Workspace) -> None:
    with pytest.raises(InputError) as caught:
        ws.update("risks", "risk-housing", description="line\x0bbreak")
    assert str(caught.value) == ("column 'description': the text holds a control character, vertical tab (U+000B),"
                                 " at character 5, which spreadsheets and documents cannot store: remove it")
    with pytest.raises(InputError) as caught:
        operations.save_terms_of_reference(ws, None, {"background_context": "Why \ud800 now"})
    assert str(caught.value) == ("column 'text': the text holds an unpaired surrogate, U+D800, at character 5,"
                                 " which spreadsheets and documents cannot store: remove it")


def test_accepted_whitespace_reaches_the_workbook_and_the_word_document(ws: Workspace, tmp_path: Path) -> None:
    text = "Tab\there\r\nand a new line"
    ws.update("risks", "risk-housing", description=text)
    operations.save_terms_of_reference(ws, None, {"background_context": text})
    book = load_workbook(export_xlsx(ws, tmp_path / "out.xlsx"), read_only=True)
    assert [row[3] for row in book["risks"].iter_rows(min_row=2, values_only=True)] == [text]
    sections = commitment.terms_of_reference(render.WorkspaceTables(ws), None)
    document = Document(io.BytesIO(terms_of_reference_docx(community="Test Town", group="Committee", sections=sections)))
    assert any("Tab\there" in p.text for p in document.paragraphs)


# -- long cells and the import limits ------------------------------------------------------------------


@pytest.fixture(scope="module")
def merged_wards() -> str:
    """Greater Sudbury's thirteen wards as one MultiPolygon: 428,858 characters of real GeoJSON."""
    from cswb_widgets.store.boundaries import read_boundaries

    wards = read_boundaries(SUDBURY, "WardName_E").features
    polygons = []
    for ward in wards:
        geometry = json.loads(ward.geometry)
        polygons += [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return json.dumps({"type": "MultiPolygon", "coordinates": polygons}, separators=(",", ":"))


@pytest.mark.slow
def test_boundary_longer_than_the_csv_default_exports_and_reinits(merged_wards: str, tmp_path: Path) -> None:
    assert len(merged_wards) > 131_072
    ws = Workspace.create(tmp_path / "ws", name="Greater Sudbury", kind="municipality")
    ws.add("areas", id="all-wards", name="All wards", kind="ward", geometry=merged_wards)
    export_csv(ws, tmp_path / "export")
    assert cswb(["init", str(tmp_path / "copy"), "--from", str(tmp_path / "export")]) == 0
    copy = Workspace.open(tmp_path / "copy")
    assert copy.get("areas", "all-wards")["geometry"] == ws.get("areas", "all-wards")["geometry"]
    assert _snapshot(copy, tmp_path / "again") == _snapshot(ws, tmp_path / "first")


def test_text_cell_over_the_limit_is_refused_geometry_is_not(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "risks.csv"
    f.write_text(f"name,description\nA,{'x' * (MAX_CELL_CHARS + 1)}\n", encoding="utf-8")
    assert _refused(ws, f, tmp_path) == (
        f"{f}, row 2, column 'description': the cell has 100,001 characters; the limit is 100,000: shorten it")
    ring = [[-80.0 + i * 1e-5, 43.0 + (i % 7) * 1e-5] for i in range(6000)]
    geometry = json.dumps({"type": "Polygon", "coordinates": [[*ring, ring[0]]]})
    assert MAX_CELL_CHARS < len(geometry) < 16 * 1024 * 1024
    areas = tmp_path / "areas.csv"
    with areas.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["name", "kind", "geometry"], ["Ward 1", "ward", geometry]])
    import_file(ws, areas)
    assert json.loads(ws.table("areas")["geometry"].iloc[0]) == json.loads(geometry)


def test_typed_text_over_the_limit_is_refused(ws: Workspace) -> None:
    with pytest.raises(InputError) as caught:
        ws.update("risks", "risk-housing", narrative="y" * (MAX_CELL_CHARS + 5))
    assert str(caught.value) == "column 'narrative': expected at most 100,000 characters, got 100,005: shorten the text"


def test_too_many_columns_are_refused(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "risks.csv"
    f.write_text(",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)) + "\n", encoding="utf-8")
    assert _refused(ws, f, tmp_path) == (
        f"{f}, row 1: the header has 501 columns; the limit is 500: remove the columns not needed or split the table")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_too_many_rows_are_refused_naming_the_limit(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.setattr(tabular, "MAX_ROWS", 3)  # the real limit is a million rows; the check is the same
    rows = [["name"], *([f"Risk {i}"] for i in range(4))]
    if kind == "csv":
        path = tmp_path / "risks.csv"
        path.write_text("\n".join(r[0] for r in rows) + "\n", encoding="utf-8")
        where = f"{path}"
    else:
        book = Workbook()
        book.active.title = "risks"
        for row in rows:
            book.active.append(row)
        path = tmp_path / "risks.xlsx"
        book.save(path)
        where = f"{path} [sheet risks]"
    assert _refused(ws, path, tmp_path) == (
        f"{where}, row 5: the table has more than 3 data rows, the limit for one table: split the file")


def test_text_longer_than_an_excel_cell_survives_an_xlsx_round_trip(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws", name="Long", kind="municipality")
    narrative = "-" + "Evidence from the situation table. " * 1_500  # 52,501 characters; starts like a formula
    ws.add("risks", id="risk-long", name="Long", narrative=narrative, description="short")
    book = export_xlsx(ws, tmp_path / "ws.xlsx")
    assert "_long_cells" in load_workbook(book, read_only=True).sheetnames
    copy = Workspace.create(tmp_path / "copy")
    import_bundle(copy, book)
    assert copy.get("risks", "risk-long")["narrative"] == narrative.strip()


def test_boundary_pieces_of_an_older_xlsx_export_are_joined(ws: Workspace, tmp_path: Path) -> None:
    ring = [[-80.0 + i * 1e-5, 43.0 + (i % 5) * 1e-5] for i in range(3000)]
    geometry = json.dumps({"type": "Polygon", "coordinates": [[*ring, ring[0]]]}, separators=(",", ":"))
    book = Workbook()
    book.active.title = "areas"
    book.active.append(["id", "name", "kind", "geometry"])
    book.active.append(["ward-1", "Ward 1", "ward", None])
    side = book.create_sheet("_area_geometry")  # how exports before the _long_cells sheet kept boundaries
    side.append(["area_id", "part", "geojson"])
    for part, start in enumerate(range(0, len(geometry), 32_766)):
        piece = geometry[start:start + 32_766]
        side.append(["ward-1", part, "'" + piece if piece.startswith("-") else piece])
    path = tmp_path / "old.xlsx"
    book.save(path)
    import_bundle(ws, path)
    assert ws.get("areas", "ward-1")["geometry"] == geometry


def test_control_character_stored_before_the_door_was_shut_is_named_on_export(ws: Workspace, tmp_path: Path) -> None:
    # An older version stored it; reach the database as that version did.
    ws._conn.execute("UPDATE risks SET description = 'old\x1btext' WHERE id = 'risk-housing'")
    ws._conn.commit()
    out = tmp_path / "out.xlsx"
    with pytest.raises(InputError) as caught:
        export_xlsx(ws, out)
    assert str(caught.value) == (
        f"{out} [sheet risks], row 2, column 'description': the text holds a control character, escape (U+001B),"
        " at character 4, which spreadsheets and documents cannot store: remove it in the app, then export again")


def test_cell_beyond_the_csv_reader_limit_is_refused_naming_both_limits(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tabular, "MAX_CELL_CHARS", 100)  # the real limits: 100,000 and 16 MiB; the check is the same
    monkeypatch.setattr(tabular, "MAX_GEOMETRY_CHARS", 1_000)
    default = csv.field_size_limit()
    try:
        f = tmp_path / "areas.csv"
        f.write_text(f"name,kind,geometry\nWard 1,ward,x\nWard 2,ward,\"{'1' * 1_001}\"\n", encoding="utf-8")
        assert _refused(ws, f, tmp_path) == (
            f"{f}, row 3: a cell is longer than the limit of 1,000 characters (for a boundary's geometry;"
            " 100 for other text): shorten it or split the row")
    finally:
        csv.field_size_limit(default)
