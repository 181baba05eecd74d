"""The batch's speed-ups can be switched off, and the documents of both runs compared byte for byte.

`CSWB_REPORT_UNOPTIMISED=1` in `cswb report`'s environment (its workers inherit it) runs every
community the plain way: a new kernel for each notebook, a new Chromium for each PDF, the Word
document written after the PDF rather than beside it. Nothing a document shows may depend on
the speed-ups, so :func:`compare_reports` of such a run and a normal one finds no difference.

Compared exactly, apart from bytes the documents are meant to vary in:

- HTML: every byte.
- PDF: every byte but (1) the 14 digits of `/CreationDate` and `/ModDate` (the time of printing,
  which a PDF carries on purpose) and (2) the numbers in the tagged PDF's structure ids
  `(nodeNNNNNNNN)`, which Chromium takes from its count of DOM nodes made so far in that browser,
  so they differ between any two prints (two in one browser too); they only name structure
  elements to one another (a table cell's headers), so they are renumbered by first appearance.
  The name tree that maps them to their elements is sorted by them, so its entries (and its
  `/Limits`) are put in the order of the new numbers: Chromium hands the numbers out as it first
  meets each element, which is earlier for a page also laid out for the screen (the plain way).
  All of this keeps the file's length, so every offset in the file is compared as it is.
- Word: the zip members' modification times (python-docx stamps the time of saving); the members'
  names, order, compression and contents are compared exactly.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

UNOPTIMISED_ENV = "CSWB_REPORT_UNOPTIMISED"

_PDF_DATE = re.compile(rb"(/(?:CreationDate|ModDate) \(D:)(\d{14})")
_PDF_NODE_ID = re.compile(rb"\(node(\d{8})\)")
_NODE_ENTRY = rb"\(node\d{8}\) \d+ \d+ R"
_PDF_NODE_LEAF = re.compile(rb"/Limits \[\(node\d{8}\) \(node\d{8}\)\]\n/Names \[((?:" + _NODE_ENTRY + rb" ?)+)\]")


def unoptimised() -> bool:
    """Whether this process should run the plain way (the environment variable set, not "0")."""
    return os.environ.get(UNOPTIMISED_ENV, "").strip() not in ("", "0")


def normalised_pdf(data: bytes) -> bytes:
    """The PDF with its dates zeroed and its structure ids numbered by first appearance (same length)."""
    data = _PDF_DATE.sub(lambda m: m.group(1) + b"0" * 14, data)
    numbers: dict[bytes, bytes] = {}

    def renumber(match: re.Match[bytes]) -> bytes:
        number = numbers.setdefault(match.group(1), b"%08d" % len(numbers))
        return b"(node" + number + b")"

    return _PDF_NODE_LEAF.sub(_sorted_leaf, _PDF_NODE_ID.sub(renumber, data))


def _sorted_leaf(match: re.Match[bytes]) -> bytes:
    """A leaf of the structure-id name tree with its entries (same bytes, same length) in order."""
    entries = sorted(re.findall(_NODE_ENTRY, match.group(1)))
    first, last = (entry.split(b" ", 1)[0] for entry in (entries[0], entries[-1]))
    return b"/Limits [" + first + b" " + last + b"]\n/Names [" + b" ".join(entries) + b"]"


def normalised_docx(data: bytes) -> bytes:
    """The Word document's zip with every member's time set to 1980-01-01, the rest as it was."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            copy = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            copy.compress_type, copy.external_attr = info.compress_type, info.external_attr
            target.writestr(copy, source.read(info))
    return out.getvalue()


NORMALISE = {".pdf": normalised_pdf, ".docx": normalised_docx}


def first_difference(a: bytes, b: bytes) -> int | None:
    """The offset of the first differing byte (or of the shorter one's end), None if equal."""
    if a == b:
        return None
    return next((n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def compare_reports(first: Path, second: Path, documents: Sequence[str],
                    names: Sequence[str] | None = None) -> tuple[int, list[str]]:
    """Compare the `documents` (e.g. "plan.pdf") of every community (or of `names`) in two `cswb
    report` output folders: (how many files were compared, one line per difference). A community
    or document that only one folder has is a difference too."""
    if names is None:
        names = sorted({p.name for folder in (first, second) for p in folder.iterdir()
                        if p.is_dir() and not p.name.startswith(".")})
    compared, differences = 0, []
    for name in names:
        for document in documents:
            paths = (first / name / document, second / name / document)
            missing = [str(p) for p in paths if not p.is_file()]
            if missing:
                differences.append(f"{name}/{document}: missing in {', '.join(missing)}")
                continue
            normalise = NORMALISE.get(Path(document).suffix, lambda data: data)
            a, b = (normalise(p.read_bytes()) for p in paths)
            compared += 1
            offset = first_difference(a, b)
            if offset is not None:
                differences.append(f"{name}/{document}: differs from byte {offset} "
                                   f"({len(a)} and {len(b)} bytes after normalising)")
    return compared, differences
