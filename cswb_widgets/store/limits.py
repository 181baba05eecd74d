"""Import limits. Every importer checks these before unpacking or reading a file whole, and a
refusal names the limit it met (see the README's "Import limits"). They hold a large city's files
(the synthetic city measured below, merged ward boundaries) and keep what a reader holds within
about 1.5 GB.

The checks read what a file declares about itself (a file's length, a zip's directory, an .xlsx
sheet's `<dimension>`), so a bomb is refused in about a millisecond, before anything is unpacked;
an .xlsx sheet's cell references are then scanned in one streamed pass. Python's zipfile never
unpacks more than a member declares (a longer stream fails its CRC), so the declared sizes bound
what the readers behind these checks can be made to hold; GDAL's own zip reader does not stop
there, so boundary zips are unpacked by zipfile first (`boundaries._unpacked`).
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from ..errors import InputError, Problem
from ..i18n import _, format_decimal, format_number

MIB = 1024 * 1024

# Measured on the synthetic city with 200,000 survey answers and 20,000 assets: its feedback table
# is 26 MB as CSV and 87 MB as a sheet's XML (the whole workbook 125 MB unpacked); reading that CSV
# peaks at about 14 times its size (360 MB), so a CSV at the file limit stays near 1.4 GB.
MAX_FILE_BYTES = 100 * MIB  # one file as read: a CSV, a zip member, a sheet's XML, once uncompressed
MAX_ARCHIVE_BYTES = 200 * MIB  # all the members of one zip (or .xlsx) together, uncompressed
MAX_COMPRESSION_RATIO = 200  # uncompressed/compressed for one member; that workbook's sheets pack 9-13:1
MAX_ROWS = 1_000_000  # data rows in one table or sheet
MAX_COLUMNS = 500  # columns in one table or sheet
MAX_CELL_CHARS = 100_000  # characters in one text cell
# Names, titles, contact details and other one-line fields: a 9 MB name was once stored (and shown
# on every page that names it); the longest real organization name in the samples is under 100.
MAX_SHORT_TEXT_CHARS = 300
SHORT_TEXT_COLUMNS = frozenset({
    "name", "title", "plan_name", "email", "phone", "website", "address", "council", "unit", "participant",
    "participant_group", "session", "section", "reference", "resolution_reference", "comparator_label",
    "target_group", "raised_by", "responsible", "responsibility", "frequency", "funding_source", "role",
})
MAX_GEOMETRY_CHARS = 16 * MIB  # characters in one boundary's GeoJSON geometry (merged wards reach 280,000)
# A 60 MB GeoJSON (1,267 polygons of 2,000 points merged into 40 areas) peaked 241 MB over the
# interpreter's baseline in 30 s: about 4 times its size, as the 1 GB one that reached 3.9 GB.
MAX_BOUNDARY_BYTES = 64 * MIB  # one boundary file (GeoJSON, or a shapefile's .shp + .dbf), uncompressed

# Below this size a member's compression ratio says nothing: a small file of repeated cells
# packs 500:1 and still cannot hurt.
RATIO_CHECKED_FROM_BYTES = 4 * MIB
# The <dimension> element sits right after <sheetPr>, within the first few hundred bytes of a sheet
# (`_scan_sheet` finds one placed later).
DIMENSION_SEARCH_BYTES = 64 * 1024
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref\s*=\s*["\']([^"\']+)["\']')


def _mb(size: int) -> str:
    if size >= MIB:
        return _("{size} MB").format(size=format_decimal(size / MIB, 0))
    return _("{size} KB").format(size=format_decimal(size / 1024, 0))


def _over(size: int, limit: int) -> str:
    """A size over `limit`, in bytes where megabytes would round it down to the limit itself."""
    return _mb(size) if _mb(size) != _mb(limit) else _("{size} bytes").format(size=format_number(size))


def _refuse(file: str, message: str) -> InputError:
    return InputError(Problem(message, file=file))


def check_size(
    size: int,
    file: str,
    *,
    limit: int = MAX_FILE_BYTES,
    what: str | None = None,
    per: str | None = None,
    advice: str | None = None,
) -> None:
    """Refuse a file (or upload) larger than `limit` bytes (`what`, `per` and `advice` in the current language)."""
    if size > limit:
        raise _refuse(file, _("{what} {size}; the import limit is {limit} for {per}: {advice}").format(
            what=what or _("the file is"), size=_over(size, limit), limit=_mb(limit), per=per or _("one file"),
            advice=advice or _("split it into smaller files or remove what is not needed")))


def check_file(path: Path, file: str | None = None, *, limit: int = MAX_FILE_BYTES) -> None:
    """Refuse a file on disk larger than `limit`, before a byte of it is read."""
    try:
        size = os.stat(path).st_size
    except OSError:
        return  # the reader that follows says what is wrong with the path
    check_size(size, file or str(path), limit=limit)


def check_archive(
    archive: zipfile.ZipFile, file: str, *, name_of: Callable[[str], str] | None = None
) -> None:
    """Refuse a zip whose members would unpack past a limit; reads only the archive's directory.

    `name_of` turns a member's name into what the message calls it (by default "archive [member]").
    """
    check_archive_members(archive.infolist(), file, name_of=name_of)


def check_archive_members(
    members: Iterable[zipfile.ZipInfo], file: str, *, name_of: Callable[[str], str] | None = None
) -> None:
    """`check_archive` for the members an importer will read."""
    def named(member: str) -> str:
        return name_of(member) if name_of else f"{file} [{member}]"

    total = 0
    for info in members:
        if info.is_dir():
            continue
        size = info.file_size
        if size > MAX_FILE_BYTES:
            raise _refuse(named(info.filename),
                          _("unpacks to {size}; the import limit is {limit} for one file (unpacked): split it into smaller "
                            "files").format(size=_over(size, MAX_FILE_BYTES), limit=_mb(MAX_FILE_BYTES)))
        ratio = size / max(info.compress_size, 1)
        if size >= RATIO_CHECKED_FROM_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise _refuse(named(info.filename),
                          _("unpacks to {ratio} times its packed size; the import limit is {limit} times (a higher ratio is "
                            "the mark of a zip bomb): pack the original files again").format(
                              ratio=format_decimal(ratio, 0), limit=MAX_COMPRESSION_RATIO))
        total += size
    if total > MAX_ARCHIVE_BYTES:
        raise _refuse(file, _("the archive unpacks to {size}; the import limit is {limit} for one archive (unpacked): split "
                              "it into smaller ones").format(size=_over(total, MAX_ARCHIVE_BYTES), limit=_mb(MAX_ARCHIVE_BYTES)))


def open_archive(
    path: Path, file: str | None = None, *, name_of: Callable[[str], str] | None = None
) -> zipfile.ZipFile:
    """Open a zip and check it (`check_archive`); the caller closes it."""
    display = file or str(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse(display, _("expected a zip archive; it cannot be read ({reason})").format(reason=exc)) from None
    try:
        check_archive(archive, display, name_of=name_of)
    except BaseException:
        archive.close()
        raise
    return archive


def _sheet_dimension(archive: zipfile.ZipFile, member: str) -> str | None:
    """The `ref` of a sheet's <dimension> element, reading only the sheet's first bytes."""
    try:
        with archive.open(member) as stream:
            head = stream.read(DIMENSION_SEARCH_BYTES)
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
        return None  # openpyxl then names what is wrong with the workbook
    found = _DIMENSION.search(head)
    return found.group(1).decode("ascii", "replace") if found else None


def _span(ref: str) -> tuple[int, int] | None:
    """Rows and columns of an A1 range ("A1:XFD1048576"), or None if it is not one."""
    from openpyxl.utils.cell import range_boundaries

    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref.upper())
    except (ValueError, TypeError):
        return None
    if None in (min_col, min_row, max_col, max_row):
        return None
    return max_row - min_row + 1, max_col - min_col + 1


def check_workbook(path: Path, file: str | None = None) -> None:
    """Refuse an .xlsx whose parts unpack past the limits or whose sheets reach past MAX_ROWS/MAX_COLUMNS.

    Runs before openpyxl sees the file: openpyxl pads every row to the width a sheet's <dimension>
    claims ("A1:XFD1048576" alone would have it build 17 billion empty cells), pads a row to its
    last cell's column, and yields an empty row for every row number skipped. So the claim is
    checked first, then the cells' own references, in one streamed pass over each sheet's XML
    (about 1% of what openpyxl then takes to parse it).
    """
    display = file or str(path)
    check_file(path, display)
    if not zipfile.is_zipfile(path):
        return  # openpyxl says it is not a workbook
    with open_archive(path, display) as archive:
        sheets = [name for name in archive.namelist()
                  if name.startswith("xl/worksheets/") and name.endswith(".xml")]
        for member in sheets:
            # The claim usually sits in the first bytes: a billion-cell claim is refused without a scan.
            ref = _sheet_dimension(archive, member)
            if ref is not None:
                _check_claim(archive, member, display, ref)
            scanned_ref, last_row, last_column, letters = _scan_sheet(archive, member)
            if ref is None and scanned_ref is not None:  # a claim pushed past the first bytes
                _check_claim(archive, member, display, scanned_ref)
            over = []
            if last_row > MAX_ROWS + 1:
                over.append(_("row {row} (the limit is {limit} data rows and a header)").format(
                    row=format_number(last_row), limit=format_number(MAX_ROWS)))
            if last_column > MAX_COLUMNS:
                over.append(_("column {letters}, the {number}th (the limit is {limit} columns)").format(
                    letters=letters, number=format_number(last_column), limit=format_number(MAX_COLUMNS)))
            if over:
                raise _sheet_refusal(archive, member, display, _(
                    "the sheet has cells as far as {where}: delete the rows and columns beyond the data, or split the sheet"
                ).format(where=_(" and ").join(over)))


def _check_claim(archive: zipfile.ZipFile, member: str, display: str, ref: str) -> None:
    span = _span(ref)
    if span is None:
        return
    rows, columns = span
    over = []
    if rows > MAX_ROWS + 1:  # a header row and MAX_ROWS data rows
        over.append(_("{rows} rows (the limit is {limit} data rows and a header)").format(
            rows=format_number(rows), limit=format_number(MAX_ROWS)))
    if columns > MAX_COLUMNS:
        over.append(_("{columns} columns (the limit is {limit})").format(columns=format_number(columns),
                                                                           limit=format_number(MAX_COLUMNS)))
    if over:
        raise _sheet_refusal(archive, member, display, _(
            "the sheet claims {claim} in its range {range}: delete the empty rows and columns beyond the data, or split the sheet"
        ).format(claim=_(" and ").join(over), range=ref))


def _sheet_refusal(archive: zipfile.ZipFile, member: str, display: str, message: str) -> InputError:
    sheet = _sheet_titles(archive).get(member) or member.rpartition("/")[2].removesuffix(".xml")
    return InputError(Problem(message, file=display, sheet=sheet))


# Only references with as many digits as the row limit, or as many letters as the column limit, can
# pass them: the scan looks for those alone, after a literal attribute start (fast to search for).
_LIMIT_DIGITS = len(str(MAX_ROWS + 1))
_LIMIT_LETTERS = 1 if MAX_COLUMNS <= 26 else 2 if MAX_COLUMNS <= 702 else 3
_FAR_REFERENCE_BODY = rb'(?:([A-Za-z]{0,3})([0-9]{%d,})|([A-Za-z]{%d,3})[0-9])' % (_LIMIT_DIGITS, _LIMIT_LETTERS)
# Excel, LibreOffice and openpyxl write ` r="A1"`: a literal start the search skips along quickly.
_FAR_REFERENCE = re.compile(rb' r="' + _FAR_REFERENCE_BODY)
# XML also allows other white space, single quotes and spaces around "=" (4 times slower to search):
# used only for a chunk where one of those forms appears.
_FAR_REFERENCE_ANY_FORM = re.compile(rb'\sr\s*=\s*["\']' + _FAR_REFERENCE_BODY)
_ODD_FORMS = (b"\tr", b"\nr", b"\rr", b"r='", b"r =", b"r= ")
_SCAN_CHUNK = 4 * MIB
_SCAN_OVERLAP = 256  # a reference or claim cut at a chunk's end is read whole at the next one's start


def _scan_sheet(archive: zipfile.ZipFile, member: str) -> tuple[str | None, int, int, str]:
    """One streamed pass over a sheet's XML: the first <dimension> claim (openpyxl takes it from
    anywhere before the rows end), and the last row number and column (number and letters) its rows
    and cells name. Numbers and columns under the limits are not looked at (reported as 0 and "")."""
    claim: str | None = None
    last_row, widest = 0, ""
    tail = b""
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_SCAN_CHUNK):
                text = tail + chunk
                if claim is None and b"dimension" in text:
                    found = _DIMENSION.search(text)
                    claim = found.group(1).decode("ascii", "replace") if found else None
                odd = any(form in text for form in _ODD_FORMS)
                pattern = _FAR_REFERENCE_ANY_FORM if odd else _FAR_REFERENCE
                for letters, digits, wide in set(pattern.findall(text)):
                    if digits:  # (over 15 digits is past any limit: not converted whole)
                        last_row = max(last_row, int(digits) if len(digits) <= 15 else 10**15)
                    column = (letters or wide).decode("ascii").upper()
                    if (len(column), column) > (len(widest), widest):
                        widest = column
                tail = text[-_SCAN_OVERLAP:]
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
        return None, 0, 0, ""  # openpyxl then names what is wrong with the workbook
    from openpyxl.utils.cell import column_index_from_string

    return claim, last_row, column_index_from_string(widest) if widest else 0, widest


def _sheet_titles(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet part ("xl/worksheets/sheet1.xml") -> the title a person sees; empty if unreadable."""
    from openpyxl.xml.functions import fromstring  # defused parsing when defusedxml is installed

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    try:
        book = fromstring(archive.read("xl/workbook.xml"))
        rels = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except Exception:  # noqa: BLE001 - only the message's wording depends on it
        return {}
    targets = {r.get("Id"): str(r.get("Target", "")) for r in rels}
    titles = {}
    for sheet in book.iter(f"{main}sheet"):
        target = targets.get(sheet.get(rel), "")
        part = target.lstrip("/") if target.startswith("/") else "xl/" + target
        titles[part] = str(sheet.get("name", ""))
    return titles
