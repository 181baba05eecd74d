"""The batch's speed-ups change no document: a run with them and a run without them
(`CSWB_REPORT_UNOPTIMISED=1`: a kernel per notebook, a browser per PDF, Word after PDF) write the
same HTML, PDF and Word bytes, apart from the bytes `report.baseline` names (PDF dates and
structure-id numbers, the Word zip's member times)."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from cswb_widgets.report import build_reports
from cswb_widgets.report.baseline import (
    UNOPTIMISED_ENV,
    compare_reports,
    first_difference,
    normalised_docx,
    normalised_pdf,
    unoptimised,
)

PDF = (b"%PDF-1.4\n<</Producer (Skia/PDF m156)\n/CreationDate (D:20261205042948+00'00')\n"
       b"/ModDate (D:20261205042948+00'00')>>\n<</A [<</O /Table /Headers [(node00000049) (node00002544)]>>]\n"
       b"/ID (node00000049)>>\n<</ID (node00002544)>>\n(Maple Falls) Tj\n")


def _later_print(pdf: bytes) -> bytes:
    """The same PDF printed later in another browser: other dates, node numbers counted from elsewhere."""
    return (pdf.replace(b"20261205042948", b"20270101235959").replace(b"00000049", b"00000101")
            .replace(b"00002544", b"00000102"))


def test_a_later_print_of_the_same_pdf_normalises_to_the_same_bytes() -> None:
    later = _later_print(PDF)
    assert later != PDF
    assert normalised_pdf(later) == normalised_pdf(PDF)
    assert len(normalised_pdf(PDF)) == len(PDF)  # every offset in the file stays where it was


@pytest.mark.parametrize(("old", "new"), [(b"Maple Falls", b"Maple Fells"), (b"/Table", b"/TAble"),
                                          (b"(node00000102)]", b"(node00000101)]")])
def test_any_other_change_to_a_pdf_is_a_difference(old: bytes, new: bytes) -> None:
    later = _later_print(PDF)
    changed = later.replace(old, new, 1)
    assert changed != later
    assert first_difference(normalised_pdf(changed), normalised_pdf(PDF)) is not None


def _with_name_tree(order: list[tuple[bytes, bytes]]) -> bytes:
    """Structure elements (ids in the order the file shows them) and the name tree of those ids,
    sorted by each id's raw number as Chromium writes it."""
    elements = b"".join(b"%s 0 obj\n<</S /P /ID (node%s)>>\nendobj\n" % (obj, node) for node, obj in order)
    leaf = b" ".join(b"(node%s) %s 0 R" % (node, obj) for node, obj in sorted(order))
    return elements + b"<</Limits [(node%s) (node%s)]\n/Names [%s]>>\n" % (min(order)[0], max(order)[0], leaf)


def test_structure_ids_handed_out_in_another_order_normalise_to_the_same_bytes() -> None:
    # The plain way lays the page out for the screen first: Chromium numbers the elements in another order.
    plain = _with_name_tree([(b"00000107", b"223"), (b"00000101", b"1034"), (b"00000109", b"225")])
    quick = _with_name_tree([(b"00000201", b"223"), (b"00000203", b"1034"), (b"00000202", b"225")])
    assert plain != quick
    assert normalised_pdf(plain) == normalised_pdf(quick) and len(normalised_pdf(plain)) == len(plain)
    # The same elements, but the tree sends two ids to each other's element: a difference.
    swapped = quick.replace(b"(node00000201) 223", b"(node00000201) 225").replace(b"(node00000202) 225", b"(node00000202) 223")
    assert swapped != quick
    assert first_difference(normalised_pdf(swapped), normalised_pdf(plain)) is not None


def _docx(members: dict[str, bytes], when: tuple[int, int, int, int, int, int]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=when), data)
    return out.getvalue()


def test_a_word_document_saved_later_normalises_to_the_same_bytes_and_a_changed_one_does_not() -> None:
    members = {"word/document.xml": b"<w:t>Maple Falls</w:t>", "word/media/image1.png": b"\x89PNG..."}
    first, later = _docx(members, (2026, 12, 5, 4, 30, 24)), _docx(members, (2026, 12, 5, 4, 30, 32))
    assert first != later
    assert normalised_docx(first) == normalised_docx(later)
    changed = _docx({**members, "word/document.xml": b"<w:t>Maple Fells</w:t>"}, (2026, 12, 5, 4, 30, 24))
    assert normalised_docx(changed) != normalised_docx(first)


def test_the_switch_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for value, expected in (("", False), ("0", False), ("1", True), ("yes", True)):
        monkeypatch.setenv(UNOPTIMISED_ENV, value)
        assert unoptimised() is expected


@pytest.mark.slow
def test_the_optimised_batch_writes_the_same_documents_as_the_plain_one(
        sample_sources: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = ("maple-falls", "whitebirch-lake")
    workspaces = [shutil.copytree(sample_sources[n], tmp_path / "ws" / n) for n in names]
    formats = ("html", "pdf", "docx")
    monkeypatch.delenv(UNOPTIMISED_ENV, raising=False)
    fast = build_reports(workspaces, tmp_path / "fast", formats=formats, jobs=2, progress=False)
    monkeypatch.setenv(UNOPTIMISED_ENV, "1")  # read by the workers, which inherit it
    plain = build_reports(workspaces, tmp_path / "plain", formats=formats, jobs=2, progress=False)
    assert [r.status for r in fast + plain] == ["ok"] * 4, [(r.name, r.error) for r in fast + plain]
    documents = [f"plan.{fmt}" for fmt in formats]
    compared, differences = compare_reports(tmp_path / "fast", tmp_path / "plain", documents)
    assert differences == []
    assert compared == len(names) * len(documents)
    # The PDFs were printed at different times by different browsers: equal only once normalised.
    assert any((tmp_path / "fast" / n / "plan.pdf").read_bytes() != (tmp_path / "plain" / n / "plan.pdf").read_bytes()
               for n in names)
