"""The Word and HTML terms of reference in French (cswb_widgets.documents, issue 15)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import lxml.html
from docx import Document

from cswb_widgets import i18n
from cswb_widgets.documents import terms_of_reference_docx, terms_of_reference_html
from cswb_widgets.model.commitment import TermsSection

SECTIONS = [
    TermsSection("background_context", "Background and context", "Why now?", "Le comité est né en 2024."),
    TermsSection("goals_purpose", "Goals and purpose", "What is the committee for?", None),
]


def test_the_terms_of_reference_in_french() -> None:
    day = dt.date(2026, 12, 4)
    with i18n.use_language("fr"):
        html = terms_of_reference_html(community="Rivière-des-Bois", group="Comité consultatif", sections=SECTIONS,
                                       today=day)
        data = terms_of_reference_docx(community="Rivière-des-Bois", group="Comité consultatif", sections=SECTIONS)
        section_names = [i18n._(s.name) for s in SECTIONS]
        plan = i18n._("{community} Community Safety and Well-Being Plan").format(community="Rivière-des-Bois")
    root = lxml.html.document_fromstring(html)
    assert root.get("lang") == "fr"
    assert root.xpath("//h1")[0].text_content() == "Mandat : Comité consultatif"
    assert [h.text_content() for h in root.xpath("//h2")] == section_names == ["Historique et contexte", "Buts et objet"]
    assert "Pas encore rédigé." in html and "4 décembre 2026" in html
    assert plan == "Plan de sécurité et de bien-être dans la collectivité de Rivière-des-Bois" and plan in html
    word = Document(io.BytesIO(data))
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["Mandat : Comité consultatif", *section_names]
    assert word.core_properties.language == "fr-CA"
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert 'w:lang w:val="fr-CA"' in package.read("word/styles.xml").decode("utf-8")
