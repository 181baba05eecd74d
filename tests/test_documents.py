"""The terms of reference document, in HTML and Word."""

from __future__ import annotations

import io

from docx import Document

from cswb_widgets.documents import terms_of_reference_docx, terms_of_reference_html
from cswb_widgets.model.commitment import TermsSection

HOSTILE = "<img src=x onerror=alert(1)>"

SECTIONS = [
    TermsSection("background_context", "Background and context", "Why now?", "First paragraph.\n\nSecond " + HOSTILE),
    TermsSection("goals_purpose", "Goals and purpose", "What is the committee for?", None),
]


def test_html_escapes_and_marks_unwritten_sections() -> None:
    html = terms_of_reference_html(community="Town </title><script>x()</script>", group=HOSTILE, sections=SECTIONS)
    assert "<img" not in html and "<script>x()" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.count("<p>") >= 2  # paragraphs kept
    assert "Not yet written." in html and "What is the committee for?" in html
    assert html.startswith("<!DOCTYPE html>") and 'lang="en"' in html


def test_docx_has_headings_and_text() -> None:
    data = terms_of_reference_docx(community="Town", group="Advisory Committee", sections=SECTIONS)
    document = Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    assert "Terms of reference: Advisory Committee" in texts
    assert "Second " + HOSTILE in texts  # Word shows text, it runs nothing
    assert any(t.startswith("Not yet written.") for t in texts)
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["Terms of reference: Advisory Committee", "Background and context", "Goals and purpose"]


def test_docx_leaves_out_control_characters_stored_before_they_were_refused() -> None:
    # A workspace from an older version may hold a NUL or a vertical tab; Word cannot.
    sections = [TermsSection("mandate", "Mandate", "", "Meets\x0bmonthly\x00 at the library.")]
    data = terms_of_reference_docx(community="Maple\x1b Falls", group="Advisory\x0c committee", sections=sections)
    text = [p.text for p in Document(io.BytesIO(data)).paragraphs]
    assert "Meetsmonthly at the library." in text
    assert "Maple Falls" in text and "Terms of reference: Advisory committee" in text
