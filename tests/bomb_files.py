"""Decompression bombs built at test time: gigabytes unpacked, a few megabytes on disk, in milliseconds.

A zip member's deflate stream is made of blocks each ended by a full flush, which resets the
compressor's history: the block for a repeated piece is then the same bytes every time, so it is
compressed once and written as often as needed. The CRC of the repeats is combined the way zlib
does (`crc32_combine`), without passing a gigabyte through crc32. The archives are real: Python's
zipfile reads them back and their CRCs check (`tests/test_hostile_files.py` proves it).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024


@dataclass(frozen=True)
class Piece:
    """`data` written `times` times in a row."""

    data: bytes
    times: int = 1


Member = tuple[str, Sequence[Piece]]


# -- CRC-32 of repeated data (zlib's crc32_combine, over GF(2)) -----------------------------------


def _gf2_times(matrix: list[int], vector: int) -> int:
    total, row = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[row]
        vector >>= 1
        row += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, matrix[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of A + B from crc(A), crc(B) and len(B)."""
    if length2 == 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]  # the operator for one zero bit
    even = _gf2_square(odd)
    odd = _gf2_square(even)
    while True:
        even = _gf2_square(odd)
        if length2 & 1:
            crc1 = _gf2_times(even, crc1)
        length2 >>= 1
        if not length2:
            break
        odd = _gf2_square(even)
        if length2 & 1:
            crc1 = _gf2_times(odd, crc1)
        length2 >>= 1
        if not length2:
            break
    return crc1 ^ crc2


def _repeated_crc(data: bytes, times: int, crc: int) -> int:
    """crc32(data * times, crc) by doubling."""
    unit_crc, unit_len = zlib.crc32(data), len(data)
    result_crc, result_len = 0, 0
    while times:
        if times & 1:
            result_crc = crc32_combine(result_crc, unit_crc, unit_len) if result_len else unit_crc
            result_len += unit_len
        unit_crc = crc32_combine(unit_crc, unit_crc, unit_len)
        unit_len *= 2
        times >>= 1
    return crc32_combine(crc, result_crc, result_len) if crc else result_crc


# -- the archive ---------------------------------------------------------------------------------


def _deflated(pieces: Sequence[Piece]) -> tuple[bytes, int, int]:
    """The raw deflate stream of the pieces in order, its CRC-32 and its unpacked size."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    blocks, crc, size = [], 0, 0
    for piece in pieces:
        block = compressor.compress(piece.data) + compressor.flush(zlib.Z_FULL_FLUSH)
        blocks.append(block * piece.times)
        crc = _repeated_crc(piece.data, piece.times, crc) if piece.times else crc
        size += len(piece.data) * piece.times
    blocks.append(compressor.flush())
    return b"".join(blocks), crc, size


def write_zip(path: Path, members: Sequence[Member], *, forged_sizes: Mapping[str, int] | None = None) -> Path:
    """A deflated zip of `members` (name, pieces); members stay under 4 GiB, so no zip64.

    `forged_sizes` gives members a declared unpacked size other than their real one (a forged entry).
    """
    local, central = bytearray(), bytearray()
    for name, pieces in members:
        stream, crc, size = _deflated(pieces)
        size = (forged_sizes or {}).get(name, size)
        encoded = name.encode("utf-8")
        offset = len(local)
        dos_time, dos_date = 0, (46 << 9) | (1 << 5) | 1  # 2026-01-01 00:00
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, 8, dos_time, dos_date, crc, len(stream), size,
                             len(encoded), 0) + encoded + stream
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x800, 8, dos_time, dos_date, crc,
                               len(stream), size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(local), 0)
    path.write_bytes(bytes(local) + bytes(central) + end)
    return path


def repeat_to(unit: bytes, total: int, *, chunk: int = MIB) -> list[Piece]:
    """Pieces of `unit` repeated that add up to at least `total` bytes."""
    block = unit * max(1, chunk // len(unit))
    return [Piece(block, -(-total // len(block)))]


# -- bombs in real formats ----------------------------------------------------------------------


def xlsx_parts(sheet_xml: bytes, shared_strings: Sequence[Piece] | None = None, title: str = "risks") -> list[Member]:
    """The parts of a minimal .xlsx that Excel and openpyxl open, with the given first sheet."""
    ns = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel_ns = b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    package_rels = b"http://schemas.openxmlformats.org/package/2006/relationships"
    office = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    content_types = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        b'<Default Extension="xml" ContentType="application/xml"/>'
        b'<Override PartName="/xl/workbook.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        b'<Override PartName="/xl/worksheets/sheet1.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        + (b'<Override PartName="/xl/sharedStrings.xml" '
           b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
           if shared_strings is not None else b"")
        + b"</Types>"
    )
    root_rels = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="' + package_rels + b'">'
                 b'<Relationship Id="rId1" Type="' + office + b'/officeDocument" Target="xl/workbook.xml"/>'
                 b"</Relationships>")
    workbook = (b'<?xml version="1.0" encoding="UTF-8"?><workbook ' + ns + b" " + rel_ns + b">"
                b'<sheets><sheet name="' + title.encode() + b'" sheetId="1" r:id="rId1"/></sheets></workbook>')
    workbook_rels = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="' + package_rels + b'">'
                     b'<Relationship Id="rId1" Type="' + office + b'/worksheet" Target="worksheets/sheet1.xml"/>'
                     + (b'<Relationship Id="rId2" Type="' + office + b'/sharedStrings" Target="sharedStrings.xml"/>'
                        if shared_strings is not None else b"")
                     + b"</Relationships>")
    parts: list[Member] = [
        ("[Content_Types].xml", [Piece(content_types)]),
        ("_rels/.rels", [Piece(root_rels)]),
        ("xl/workbook.xml", [Piece(workbook)]),
        ("xl/_rels/workbook.xml.rels", [Piece(workbook_rels)]),
        ("xl/worksheets/sheet1.xml", [Piece(sheet_xml)]),
    ]
    if shared_strings is not None:
        parts.append(("xl/sharedStrings.xml", shared_strings))
    return parts


def sheet_xml(rows: Sequence[Sequence[str]], dimension: str | None = None) -> bytes:
    """A worksheet of inline-string cells, with a <dimension> claiming `dimension` if given."""
    from openpyxl.utils.cell import get_column_letter

    cells = []
    for r, row in enumerate(rows, start=1):
        inner = "".join(f'<c r="{get_column_letter(c)}{r}" t="inlineStr"><is><t>{text}</t></is></c>'
                        for c, text in enumerate(row, start=1))
        cells.append(f'<row r="{r}">{inner}</row>')
    head = f'<dimension ref="{dimension}"/>' if dimension else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'{head}<sheetData>{"".join(cells)}</sheetData></worksheet>').encode()


def shared_strings_bomb(total: int) -> list[Piece]:
    """sharedStrings.xml of `total` bytes: thousand-letter strings, over and over."""
    return [Piece(b'<?xml version="1.0" encoding="UTF-8"?>'
                  b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'),
            *repeat_to(b"<si><t>" + b"A" * 1000 + b"</t></si>", total),
            Piece(b"</sst>")]
