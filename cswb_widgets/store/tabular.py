"""CSV and Excel import and export of workspace tables.

Reading is forgiving about the shape of real-world files (a BOM, Windows-1252
from Excel, `;` or tab delimiters, blank trailing rows, "Number Reached" for
`number_reached`) and strict about their content: every value is validated, and
one bad cell refuses the whole import with the file, row and column named.
Imports run in one transaction: all of it lands, or nothing does.

Exports prefix a quote to cells a spreadsheet would run as a formula (`=SUM(A1)` is written
`'=SUM(A1)`, and a value that starts with a quote gets a second one). Reading takes that quote
off again only in files that are such exports (a folder with its `workspace.json`, or a sheet
whose header is exactly the table's columns in order): a quote typed in any other file is data.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from ..i18n import N_, _, format_number, ngettext
from .limits import (
    MAX_ARCHIVE_BYTES,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_GEOMETRY_CHARS,
    MAX_ROWS,
    check_file,
    check_size,
    check_workbook,
)
from .schema import TABLES, TABLES_BY_NAME, Column, Table
from .validation import CellError, check_storable, decimal_comma, join_list
from .workspace import Workspace

# Cells that a spreadsheet would run as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CELL_LIMIT = 32_767
LONG_CELLS_SHEET = "_long_cells"  # cells over Excel's 32,767 characters, in pieces
GEOMETRY_SHEET = "_area_geometry"  # the same for boundaries only, in exports before LONG_CELLS_SHEET
MANIFEST = "workspace.json"
BUNDLE_FORMAT = "cswb-workspace"
# Columns whose cells may hold a whole boundary (merged wards reach 280,000 characters).
GEOMETRY_COLUMNS = frozenset(c.name for t in TABLES for c in t.columns if c.kind == "geojson")
_EXCEL_SEPARATOR_LINE = re.compile(r"sep=(.)")


@dataclass
class Sheet:
    """The rows of one CSV file or one Excel sheet, with their row numbers."""

    file: str
    sheet: str | None
    header: list[str]  # normalized: "Number Reached" -> "number_reached"
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    original_header: list[str] = field(default_factory=list)  # as written in the file
    header_row: int = 1
    decimal_comma: bool = False  # cells separated by ';': "0,125" is a decimal
    exported: bool = False  # written by export_csv/export_xlsx: formula quotes come off

    def where(self, row: int | None = None) -> dict[str, Any]:
        return {"file": self.file, "sheet": self.sheet, "row": row}


@dataclass
class ImportReport:
    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.inserted.values()) + sum(self.updated.values())

    def summary(self) -> str:
        """'Organizations: 1 added; Asset inventory: 0 added, 1 updated', each table by its title."""
        parts = []
        for name in dict.fromkeys([*self.inserted, *self.updated]):
            i, u = self.inserted.get(name, 0), self.updated.get(name, 0)
            title = _(TABLES_BY_NAME[name].title) if name in TABLES_BY_NAME else name
            part = ngettext("{table}: {count} added", "{table}: {count} added", i).format(table=title, count=format_number(i))
            if u:
                part += ngettext(", {count} updated", ", {count} updated", u).format(count=format_number(u))
            parts.append(part)
        return "; ".join(parts) if parts else _("nothing to import")


# -- formula injection -------------------------------------------------------------


def neutralize(text: str) -> str:
    """Prefix a quote so a spreadsheet shows the cell as text; reversible by `restore`."""
    if text.startswith(FORMULA_STARTS) or text.startswith("'"):
        return "'" + text
    return text


def restore(text: str) -> str:
    if text.startswith("'") and len(text) > 1 and text[1] in "=+-@\t\r'":
        return text[1:]
    return text


# -- reading -------------------------------------------------------------------------


def normalize_header(name: Any) -> str:
    """'  Number Reached ' → 'number_reached'; 'Risk-ID' → 'risk_id'."""
    text = "" if name is None else str(name)
    text = text.replace("\ufeff", "").strip().strip('"').strip().lower()
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")


def _decode(data: bytes, file: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252 throughout; never a mix.

    A file that is UTF-8 in some rows and Windows-1252 in others (rows pasted from two
    sources) would turn into mojibake either way, so it is refused at its first foreign byte.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _undecodable(data, exc.start, file, N_("the file starts as UTF-16, but {byte} is not UTF-16")) from None
    has_bom = data.startswith(b"\xef\xbb\xbf")
    try:
        return data[3:].decode("utf-8") if has_bom else data.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start + (3 if has_bom else 0)
    if has_bom:
        raise _undecodable(data, first_bad, file, N_("the file starts as UTF-8 (a byte order mark), but {byte} is not UTF-8"))
    if _UTF8_MULTIBYTE.search(data):
        raise _undecodable(data, first_bad, file, N_("the file mixes encodings: it has UTF-8 text, but {byte} is not UTF-8"))
    try:
        return data.decode("cp1252")  # what Excel writes for "CSV" on Windows
    except UnicodeDecodeError as exc:
        raise _undecodable(data, exc.start, file, N_("expected text in UTF-8 or Windows-1252; {byte} is neither")) from None


# A well-formed UTF-8 sequence of two to four bytes: Windows-1252 text almost never has one.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _undecodable(data: bytes, position: int, file: str, what: str) -> InputError:
    """Name the row and the byte position (counted from 0, as hex editors do) of a byte that cannot be read."""
    line = data.count(b"\n", 0, position) + 1
    byte = _("byte 0x{value} at byte position {position} (counted from 0)").format(
        value=f"{data[position]:02X}", position=format_number(position))
    return InputError(
        Problem(
            _('{problem}: save the file as "CSV UTF-8" and import it again').format(problem=_(what).format(byte=byte)),
            file=file,
            row=line,
        )
    )


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(path: Path, *, display: str | None = None) -> Sheet:
    file = display or str(path)
    check_file(path, file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(Problem(_("cannot read the file ({reason})").format(reason=exc.strerror), file=file)) from None
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(Problem(_("expected a CSV text file; this looks like a binary file"), file=file))
    text = _decode(data, file)
    # Found lazily: a list of every line would double the memory a large file takes.
    lines = (match for match in re.finditer(r"[^\r\n]+", text) if match.group().strip())
    first = next(lines, None)
    skipped = 0
    separator_line = None
    if first is not None and (separator_line := _EXCEL_SEPARATOR_LINE.fullmatch(first.group().strip())):
        # Excel's "sep=;" first line names the delimiter; it is not the header.
        delimiter = separator_line.group(1)
        skipped = first.end()
        first = next(lines, None)
    if first is None:
        raise InputError(Problem(_("the file is empty; expected a header row"), file=file))
    if not separator_line:
        delimiter = _delimiter(first.group())
    csv.field_size_limit(MAX_GEOMETRY_CHARS)  # a boundary's geometry is one cell (the default is 131,072)
    reader = csv.reader(io.StringIO(text[skipped:], newline=""), delimiter=delimiter, strict=True)
    lines_before = text.count("\n", 0, skipped)
    sheet: Sheet | None = None
    start_line = 1 + lines_before
    try:
        for record in reader:
            row_number = start_line
            start_line = reader.line_num + 1 + lines_before
            if sheet is None:
                if not any(cell.strip() for cell in record):
                    continue
                header = _header(record, file, None, row_number)
                sheet = Sheet(file, None, header, original_header=_original(record, header),
                              header_row=row_number, decimal_comma=delimiter == ";")
                continue
            _add_row(sheet, record, row_number)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise InputError(Problem(
                _("a cell is longer than the limit of {geometry} characters (for a boundary's geometry; {text} for "
                  "other text): shorten it or split the row").format(geometry=format_number(MAX_GEOMETRY_CHARS),
                                                                     text=format_number(MAX_CELL_CHARS)),
                file=file, row=start_line)) from None
        raise InputError(Problem(_("the file is not valid CSV ({reason})").format(reason=exc), file=file, row=start_line)) from None
    if sheet is None:
        raise InputError(Problem(_("the file is empty; expected a header row"), file=file))
    return sheet


def _header(cells: list[Any], file: str, sheet: str | None, row: int) -> list[str]:
    header = [normalize_header(c) for c in cells]
    while header and not header[-1]:
        header.pop()  # trailing empty header cells, common in spreadsheets
    if len(header) > MAX_COLUMNS:
        raise InputError(Problem(_("the header has {count} columns; the limit is {limit}: remove the columns not needed or "
                                   "split the table").format(count=format_number(len(header)), limit=format_number(MAX_COLUMNS)),
                                 file=file, sheet=sheet, row=row))
    seen: set[str] = set()
    for index, name in enumerate(header, start=1):
        if not name:
            raise InputError(Problem(_("column {number} has no name in the header row").format(number=index), file=file, sheet=sheet, row=row))
        if name in seen:
            raise InputError(Problem(_("the header names this column twice"), file=file, sheet=sheet, row=row, column=name))
        seen.add(name)
    return header


def _original(cells: list[Any], header: list[str]) -> list[str]:
    return [str(c).replace("\ufeff", "").strip() for c in cells[: len(header)]]


def _add_row(sheet: Sheet, cells: Iterable[Any], row_number: int, *, positioned: bool = False) -> None:
    """Add one data row; `positioned` cells (a spreadsheet's) may stop short of the header's width.

    In CSV a short row is refused: a cell left out shifts every later value into the wrong column.
    """
    values = list(cells)
    if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
        return  # blank rows (trailing ones in particular) carry nothing

    def refuse(message: str, column: str | None = None) -> InputError:
        return InputError(Problem(message, file=sheet.file, sheet=sheet.sheet, row=row_number, column=column))

    width = len(sheet.header)
    extra = values[width:]
    if any(v is not None and str(v).strip() for v in extra) or (len(values) < width and not positioned):
        raise refuse(_("expected {width} cells as in the header row, found {found}").format(width=width, found=len(values)))
    if len(sheet.rows) >= MAX_ROWS:
        raise refuse(_("the table has more than {limit} data rows, the limit for one table: split the file").format(
            limit=format_number(MAX_ROWS)))
    for name, value in zip(sheet.header, values, strict=False):
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            limit = MAX_GEOMETRY_CHARS if name in GEOMETRY_COLUMNS else MAX_CELL_CHARS
            if len(value) > limit:
                raise refuse(_("the cell has {count} characters; the limit is {limit}: shorten it").format(
                    count=format_number(len(value)), limit=format_number(limit)), name)
    raw = dict(zip(sheet.header, values, strict=False))
    sheet.rows.append((row_number, raw))


def _refuse_unsaved_formulas(ws: Any, sheet: Sheet) -> None:
    """Refuse a data cell holding a formula with no saved result (openpyxl reads it as empty).

    Files written by scripts, or saved by some tools, keep formulas without their values; storing
    the cell as empty would lose data silently. A quick byte search skips sheets with no formula.
    """
    # The standard library's C parser: openpyxl's defused one (several times slower) has just read
    # these same bytes, so any entity trick was refused before this second pass.
    from xml.etree.ElementTree import iterparse

    archive, member = getattr(ws.parent, "_archive", None), getattr(ws, "_worksheet_path", None)
    if archive is None or member is None or not _has_formula(archive, member):
        return
    rows_parent = None
    with archive.open(member) as source:
        for event, element in iterparse(source, events=("start", "end")):
            tag = element.tag.rpartition("}")[2]
            if event == "start":
                if tag == "sheetData":
                    rows_parent = element
                continue
            if tag == "row" and rows_parent is not None:
                rows_parent.clear()  # memory stays one row deep
            if tag != "c":
                continue
            children = {child.tag.rpartition("}")[2]: child for child in element}
            value = children.get("v")
            # An empty <v/> is a saved empty string only in a text cell (Excel's =IF(...,"",...)).
            if "f" not in children or (value is not None and (value.text is not None or element.get("t") == "str")):
                continue
            row, column = _cell_position(element.get("r") or "")
            if row > sheet.header_row and 1 <= column <= len(sheet.header):
                raise InputError(Problem(
                    _("formula with no saved value: open in Excel and save, or paste values"),
                    file=sheet.file, sheet=sheet.sheet, row=row, column=sheet.header[column - 1]))


def _has_formula(archive: zipfile.ZipFile, member: str) -> bool:
    pattern = re.compile(rb"<(?:\w+:)?f[\s/>]")
    tail = b""
    with archive.open(member) as source:
        while chunk := source.read(1 << 20):
            if pattern.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False


def _cell_position(reference: str) -> tuple[int, int]:
    """'AB12' -> (12, 28); (0, 0) for a reference openpyxl would not write."""
    from openpyxl.utils.cell import coordinate_to_tuple

    try:
        return coordinate_to_tuple(reference)
    except (ValueError, TypeError):
        return 0, 0


def read_xlsx(path: Path, *, display: str | None = None) -> list[Sheet]:
    """Every non-empty sheet of an Excel workbook."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    file = display or str(path)
    if path.suffix.lower() == ".xls":
        raise InputError(Problem(_("expected an .xlsx workbook (Excel 2007 or later); save it as .xlsx or CSV"), file=file))
    check_workbook(path, file)  # sizes and claimed cells, before openpyxl unpacks anything
    # A damaged part may surface while opening or only when its rows are read (a bad CRC, cut XML).
    damaged: tuple[type[BaseException], ...] = (zipfile.BadZipFile, EOFError, OSError, *_xml_refusals())
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, ValueError, *damaged) as exc:
        raise _unreadable_workbook(exc, file) from None
    sheets = []
    try:
        for ws in book.worksheets:
            sheet: Sheet | None = None
            for row_number, cells in enumerate(ws.iter_rows(values_only=True), start=1):
                if sheet is None:
                    if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                        continue
                    header = _header(list(cells), file, ws.title, row_number)
                    sheet = Sheet(file, ws.title, header, original_header=_original(list(cells), header),
                                  header_row=row_number)
                    continue
                _add_row(sheet, cells, row_number, positioned=True)
            if sheet is not None:
                _refuse_unsaved_formulas(ws, sheet)
                sheets.append(sheet)
    except damaged as exc:
        raise _unreadable_workbook(exc, file) from None
    finally:
        book.close()
    return sheets


def _unreadable_workbook(error: BaseException, file: str) -> InputError:
    """One line for a workbook openpyxl cannot read; its own messages run over several lines."""
    refusals = _xml_refusals()
    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, refusals):
        cause = cause.__cause__ or cause.__context__
    if cause is not None and not isinstance(cause, SyntaxError):  # defusedxml's refusals
        return InputError(Problem(_("the workbook's XML declares entities or a DTD, which imports refuse (they can expand "
                                    "without bound): save it again from Excel or LibreOffice"), file=file))
    if cause is not None:
        return InputError(Problem(_("the workbook's XML is damaged ({reason}): save it again from Excel or LibreOffice").format(
            reason=cause), file=file))
    detail = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return InputError(Problem(_("expected an Excel .xlsx workbook; it cannot be read ({reason})").format(reason=detail), file=file))


def _xml_refusals() -> tuple[type[Exception], ...]:
    """What openpyxl's XML parsing raises for entity tricks (defusedxml) and broken XML (ElementTree's and
    lxml's parse errors are both SyntaxErrors)."""
    from defusedxml import DefusedXmlException

    return (DefusedXmlException, SyntaxError)


# -- importing -------------------------------------------------------------------------


def table_for(name: str) -> Table | None:
    return TABLES_BY_NAME.get(normalize_header(name))


def _check_columns(sheet: Sheet, spec: Table) -> None:
    unknown = [h for h in sheet.header if h not in spec.column_names]
    if unknown:
        raise InputError(
            Problem(
                _("unknown column for table {table}; expected some of: {columns}").format(
                    table=spec.name, columns=", ".join(spec.column_names)),
                file=sheet.file,
                sheet=sheet.sheet,
                row=sheet.header_row,
                column=unknown[0],
            )
        )
    missing = [c.name for c in spec.columns if c.required and c.name not in sheet.header]
    if missing and not (spec.singleton and sheet.rows == []):
        raise InputError(
            Problem(
                _("required column missing from the header for table {table}").format(table=spec.name),
                file=sheet.file,
                sheet=sheet.sheet,
                row=sheet.header_row,
                column=missing[0],
            )
        )


@dataclass
class _NaturalKey:
    """A table's unique columns, and the ids of the stored records by their values."""

    columns: tuple[Column, ...]
    existing: dict[tuple[str, ...], str]

    @classmethod
    def for_sheet(cls, ws: Workspace, sheet: Sheet, spec: Table) -> _NaturalKey | None:
        for unique in spec.unique:
            if all(name in sheet.header for name in unique):
                columns = tuple(spec.column(name) for name in unique)
                stored = ws.table(spec.name)
                key = cls(columns, {})
                key.existing = {
                    key.of(dict(zip(unique, values, strict=True))): str(record_id)
                    for record_id, *values in zip(stored["id"], *(stored[name] for name in unique), strict=True)
                }
                return key
        return None

    def of(self, raw: dict[str, Any]) -> tuple[str, ...]:
        return tuple(_key_text(column, raw.get(column.name)) for column in self.columns)


def _key_text(column: Column, value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = str(value).strip()
    if column.kind in ("int", "float") and text:
        try:
            return repr(float(text))
        except ValueError:
            return text
    return text


def _decimal_commas(raw: dict[str, Any], numbers: list[str]) -> tuple[dict[str, Any], Problem | None]:
    """Numbers of a ';'-separated file read with a decimal comma ("0,125" is 0.125, never 125)."""
    raw = dict(raw)
    for name in numbers:
        if isinstance(raw.get(name), str):
            try:
                raw[name] = decimal_comma(raw[name])
            except CellError as exc:
                return raw, Problem(str(exc), column=name)
    return raw, None


def _load(ws: Workspace, sheets: list[tuple[Sheet, Table]], note: str) -> ImportReport:
    report = ImportReport()
    for sheet, spec in sheets:
        _check_columns(sheet, spec)
    with ws.batch(note):
        for sheet, spec in sheets:
            first_seen: dict[str, int] = {}
            exported = sheet.exported or sheet.original_header == list(spec.column_names)
            numbers = [c.name for c in spec.columns if c.kind in ("int", "float") and c.name in sheet.header]
            natural = _NaturalKey.for_sheet(ws, sheet, spec)
            for row_number, raw in sheet.rows:
                if exported:
                    raw = {name: restore(v) if isinstance(v, str) else v for name, v in raw.items()}
                if sheet.decimal_comma:
                    raw, problem = _decimal_commas(raw, numbers)
                    if problem is not None:
                        ws.report(problem, sheet.where(row_number))
                        continue
                record_id = "" if raw.get("id") is None else str(raw["id"]).strip()
                matched = False
                if not record_id and natural is not None:
                    # No id, but the table's own key (e.g. indicator, area, year) names a stored record:
                    # re-importing an updated file updates it instead of clashing with it.
                    record_id = natural.existing.get(natural.of(raw), "")
                    matched = bool(record_id)
                    if matched:
                        raw = {**raw, "id": record_id}
                if record_id in first_seen:
                    # A second row for the same record would silently overwrite the first.
                    what = (f"the same {', '.join(c.name for c in natural.columns)} as row {first_seen[record_id]}"
                            if matched and natural is not None else
                            f"id '{record_id}' is used again (first on row {first_seen[record_id]})")
                    ws.report(Problem(what, column=natural.columns[0].name if matched and natural else "id"),
                              sheet.where(row_number))
                    continue
                if record_id:
                    first_seen[record_id] = row_number
                existed = bool(record_id) and ws.exists(spec.name, record_id)
                ws.upsert(spec.name, raw, where=sheet.where(row_number))
                bucket = report.updated if existed else report.inserted
                bucket[spec.name] = bucket.get(spec.name, 0) + 1
    return report


def import_file(ws: Workspace, path: str | Path, table: str | None = None) -> ImportReport:
    """Import one CSV or XLSX file into one table (named, or guessed from the file name)."""
    path = Path(path)
    file = str(path)
    if not path.exists():
        raise InputError(Problem(_("no such file"), file=file))
    if table is not None and table_for(table) is None:
        raise InputError(
            Problem(_("unknown table '{table}'; expected one of: {tables}").format(table=table, tables=", ".join(TABLES_BY_NAME)), file=file)
        )
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        sheets = read_xlsx(path)
        if table is None:
            return _load_book(ws, sheets, f"import {path.name}")
        spec = table_for(table)
        assert spec is not None
        chosen = [s for s in sheets if table_for(s.sheet or "") is spec] or (sheets if len(sheets) == 1 else [])
        if not chosen:
            raise InputError(
                Problem(_("expected a sheet named {sheet} (or a workbook with one sheet)").format(sheet=spec.name), file=file)
            )
        return _load(ws, [(chosen[0], spec)], f"import {path.name}")
    if path.suffix.lower() not in (".csv", ".txt", ".tsv"):
        raise InputError(Problem(_("expected a .csv or .xlsx file"), file=file))
    spec = table_for(table) if table else table_for(path.stem)
    if spec is None:
        raise InputError(
            Problem(
                _("cannot tell which table this file is for; name it after a table or pass --table (one of: {tables})").format(
                    tables=", ".join(TABLES_BY_NAME)),
                file=file,
            )
        )
    return _load(ws, [(read_csv(path), spec)], f"import {path.name}")


def import_bundle(ws: Workspace, path: str | Path) -> ImportReport:
    """Import a whole-workspace export: a folder of CSV files or one workbook, a sheet per table."""
    path = Path(path)
    if path.is_dir():
        _check_bundle_folder(path)
        sheets: list[tuple[Sheet, Table]] = []
        exported = (path / MANIFEST).is_file()  # an export_csv folder, perhaps of an older schema
        for csv_path in sorted(path.glob("*.csv")):
            spec = table_for(csv_path.stem)
            if spec is None:
                raise InputError(
                    Problem(_("not a workspace table file (expected one of: {tables})").format(tables=", ".join(TABLES_BY_NAME)), file=str(csv_path))
                )
            sheet = read_csv(csv_path)
            sheet.exported = exported
            sheets.append((sheet, spec))
        if not sheets:
            raise InputError(Problem(_("expected a folder of table CSV files (such as risks.csv); found none"), file=str(path)))
        order = {t.name: i for i, t in enumerate(TABLES)}
        sheets.sort(key=lambda pair: order[pair[1].name])
        return _load(ws, sheets, f"import {path.name}")
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        book = read_xlsx(path)
        return _load_book(ws, book, f"import {path.name}")
    if not path.exists():
        raise InputError(Problem(_("no such file or folder"), file=str(path)))
    raise InputError(Problem(_("expected a folder of CSV files or an .xlsx workbook"), file=str(path)))


def _check_bundle_folder(path: Path) -> None:
    """Every table of a folder is held at once: their sum is bounded like a zip's, before any is read."""
    total = sum(p.stat().st_size for p in path.glob("*.csv") if p.is_file())
    check_size(total, str(path), limit=MAX_ARCHIVE_BYTES, what=_("the folder's table files come to"),
               per=_("one import (all its files)"))


def _long_cells(sheets: list[Sheet]) -> dict[str, dict[str, dict[str, str]]]:
    """Table -> record id -> column -> the text export_xlsx wrote in pieces to its side sheet."""
    pieces: dict[tuple[str, str, str], list[tuple[int, str]]] = {}
    for sheet in sheets:
        if sheet.sheet not in (LONG_CELLS_SHEET, GEOMETRY_SHEET):
            continue
        for row_number, raw in sheet.rows:
            if sheet.sheet == GEOMETRY_SHEET:
                key, chunk = ("areas", str(raw.get("area_id")), "geometry"), raw.get("geojson")
            else:
                key, chunk = (str(raw.get("table")), str(raw.get("id")), str(raw.get("column"))), raw.get("text")
            part = raw.get("part")
            if isinstance(part, float) and part.is_integer():
                part = int(part)
            if not isinstance(part, int) or isinstance(part, bool):
                raise InputError(Problem(_("expected the number of the piece, got '{part}'").format(part=part), file=sheet.file,
                                         sheet=sheet.sheet, row=row_number, column="part"))
            # The side sheet is always export_xlsx's own: a piece may start with "-" and carry its quote.
            pieces.setdefault(key, []).append((part, restore(chunk) if isinstance(chunk, str) else ""))
    joined: dict[str, dict[str, dict[str, str]]] = {}
    for (table, record_id, column), parts in pieces.items():
        joined.setdefault(table, {}).setdefault(record_id, {})[column] = "".join(text for _position, text in sorted(parts))
    return joined


def _load_book(ws: Workspace, book: list[Sheet], note: str) -> ImportReport:
    long_cells = _long_cells(book)
    pairs: list[tuple[Sheet, Table]] = []
    for sheet in book:
        if sheet.sheet in (LONG_CELLS_SHEET, GEOMETRY_SHEET):
            continue
        spec = table_for(sheet.sheet or "")
        if spec is None:
            raise InputError(
                Problem(
                    _("not a workspace table sheet (expected sheets named: {tables})").format(tables=", ".join(TABLES_BY_NAME)),
                    file=sheet.file,
                    sheet=sheet.sheet,
                )
            )
        by_id = long_cells.get(spec.name, {})
        for _row, raw in sheet.rows if by_id else ():
            for column, text in by_id.get(str(raw.get("id")), {}).items():
                if column in sheet.header and raw.get(column) in (None, ""):
                    raw[column] = text
        pairs.append((sheet, spec))
    return _load(ws, pairs, note)


# -- exporting -------------------------------------------------------------------------


def export_text(column: Column, value: Any) -> str:
    """A stored value as CSV cell text (formula-safe); import reads it back exactly."""
    if value is None:
        return ""
    if column.kind == "int":
        return str(int(value))
    if column.kind == "float":
        return _float_text(float(value))
    if column.kind == "bool":
        return "yes" if value else "no"
    if column.kind == "list":
        return neutralize(join_list(json.loads(value)))
    return neutralize(str(value))


def _float_text(x: float) -> str:
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def export_csv(ws: Workspace, out: str | Path) -> list[Path]:
    """Write one UTF-8 (with BOM, for Excel) CSV file per table into folder `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in TABLES:
        target = out / f"{spec.name}.csv"
        with target.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(spec.column_names)
            for row in ws.stored_rows(spec.name):
                writer.writerow([row[0], *(export_text(c, v) for c, v in zip(spec.columns, row[1:], strict=True))])
        written.append(target)
    manifest = out / MANIFEST
    manifest.write_text(
        json.dumps({"format": BUNDLE_FORMAT, "schema_version": ws.schema_version}, indent=2) + "\n", encoding="utf-8"
    )
    return [*written, manifest]


def _xlsx_value(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind == "int":
        return value
    if column.kind == "float":
        # openpyxl writes 16 significant digits; the rare value needing 17 goes as text, exactly.
        return value if float(f"{value:.16g}") == value else repr(value)
    if column.kind == "date":
        return dt.date.fromisoformat(value)
    return export_text(column, value)


def export_xlsx(ws: Workspace, out: str | Path) -> Path:
    """Write one workbook with a sheet per table (long geometries in a side sheet)."""
    from openpyxl import Workbook

    out = Path(out)
    if out.is_dir():
        raise InputError(Problem(_("this is a folder; give the workbook's file name, ending in .xlsx"), file=str(out)))
    out.parent.mkdir(parents=True, exist_ok=True)
    # Can it be written? Asked before openpyxl starts sheets: abandoned by a failed save, they
    # print tracebacks when collected. Appending nothing leaves an existing file as it was.
    with out.open("ab"):
        pass
    book = Workbook(write_only=True)
    _check_exportable(ws, str(out))  # before the first sheet opens its writer
    chunks: list[tuple[str, str, str, int, str]] = []
    for spec in TABLES:
        sheet = book.create_sheet(spec.name)
        sheet.append(list(spec.column_names))
        for row in ws.stored_rows(spec.name):
            cells = [neutralize(str(row[0]))]
            for column, value in zip(spec.columns, row[1:], strict=True):
                cell = _xlsx_value(column, value)
                if isinstance(cell, str) and len(cell) > XLSX_CELL_LIMIT:
                    # Excel cells hold at most 32,767 characters: keep long ones in pieces.
                    step = XLSX_CELL_LIMIT - 1
                    chunks += [(spec.name, row[0], column.name, i // step, cell[i:i + step])
                               for i in range(0, len(cell), step)]
                    cell = None
                cells.append(cell)
            sheet.append(cells)
    if chunks:
        side = book.create_sheet(LONG_CELLS_SHEET)
        side.append(["table", "id", "column", "part", "text"])
        for table_name, record_id, column_name, part, text in chunks:
            side.append([table_name, record_id, column_name, part, neutralize(text)])
    book.save(out)
    return out


def _check_exportable(ws: Workspace, file: str) -> None:
    """Text stored before control characters were refused at the door would break the workbook."""
    for spec in TABLES:
        texts = [(i, c) for i, c in enumerate(spec.columns, start=1) if c.kind in ("text", "list")]
        for row_number, row in enumerate(ws.stored_rows(spec.name), start=2):
            for index, column in texts:
                if row[index] is None:
                    continue
                try:
                    check_storable(export_text(column, row[index]), limit=MAX_GEOMETRY_CHARS)
                except CellError as exc:
                    raise InputError(Problem(_("{problem} in the app, then export again").format(problem=exc), file=file, sheet=spec.name,
                                             row=row_number, column=column.name)) from None


def export_workspace(ws: Workspace, out: str | Path, fmt: str = "csv") -> list[Path]:
    if fmt == "csv":
        return export_csv(ws, out)
    if fmt == "xlsx":
        out = Path(out)
        return [export_xlsx(ws, out if out.suffix.lower() == ".xlsx" else out / "workspace.xlsx")]
    raise InputError(Problem(_("unknown export format '{format}'; expected csv or xlsx").format(format=fmt)))
