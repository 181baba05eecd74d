"""The plan and the progress report in French, and the bilingual plan (issue 15).

Maple Falls (an English-speaking sample until the French sample lands) is made into its French
plan (HTML, PDF, Word), its bilingual plan (two documents, English and French) and its French
progress report, once per module. The assertions compute what the documents must say from the
workspace's own data through `cswb_widgets.i18n` (numbers, dates), never from constants, and a
scan of every text the documents show fails on English left untranslated.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import subprocess
import zipfile
from pathlib import Path

import lxml.html
import pytest
from babel.messages.pofile import read_po
from sample_workspaces import sample_workspace

from cswb_widgets import i18n
from cswb_widgets.cli import main
from cswb_widgets.report import build_reports
from cswb_widgets.report.batch import document_languages, fingerprint, task_key, workspace_plan_language
from cswb_widgets.report.outline import PLAN, PROGRESS, Section
from cswb_widgets.report.pdf import footer_template
from cswb_widgets.store import Workspace
from cswb_widgets.store.schema import TABLES
from cswb_widgets.store.versions import latest_version

# Words that mark an English sentence; none is a French word (French "on", "a", "or" are left out).
ENGLISH_WORDS = frozenset((
    "the", "and", "of", "with", "for", "is", "are", "by", "from", "not", "each", "has", "have", "this", "that",
    "which", "who", "what", "when", "where", "yet", "to", "in", "at", "as", "be", "been", "was", "were", "will",
    "than", "its", "their", "any", "all", "per", "no", "none", "it", "but", "also", "only", "must", "then", "there",
))


def _workspace_texts(workspace: Path) -> list[str]:
    """Every text the community typed (names, descriptions, each line of a long text): proper names
    and the community's own words, which the documents show as written; longest first."""
    texts: set[str] = set()
    with Workspace.open(workspace, actor="test", read_only=True) as ws:
        for table in TABLES:
            for column in ws.table(table.name).to_dict("list").values():
                for value in column:
                    for text in value if isinstance(value, (list, tuple)) else [value]:
                        if isinstance(text, str) and len(text.strip()) > 2:
                            texts.add(text.strip())
                            texts.update(line.strip() for line in text.splitlines() if len(line.strip()) > 2)
    return sorted(texts, key=len, reverse=True)


def shown_texts(html: str) -> list[str]:
    """What a reader sees or hears: text nodes and text alternatives (alt, aria-label, title)."""
    root = lxml.html.document_fromstring(html)
    for hidden in root.xpath("//script|//style"):
        hidden.getparent().remove(hidden)
    texts = []
    for element in root.iter():
        if isinstance(element.tag, str):
            for text in (element.text, element.tail, element.get("alt"), element.get("aria-label"), element.get("title")):
                if text and text.strip():
                    texts.append(re.sub(r"\s+", " ", text.strip()))
    return texts


@functools.cache
def catalogue_english() -> frozenset[str]:
    """The English messages the French catalogue translates (a label shown as one of them is English
    left, even a single word such as "Delayed")."""
    with i18n.use_language("fr"):
        found = set()
        for path in (Path(i18n.__file__).parent / "locale" / "fr" / "LC_MESSAGES").glob("*.po"):
            with path.open("rb") as handle:
                for message in read_po(handle):
                    english = message.id if isinstance(message.id, str) else message.id[0]
                    if english and "{" not in english and i18n._(english) != english:
                        found.add(english)
    return frozenset(found)


def english_left(html: str, community_texts: list[str]) -> list[str]:
    """The texts of `html` that still read as English once the community's own words are taken out
    (a drawing's label broken over lines or cut with "…" counts as the community's words), and any
    text that is a message of the catalogue left in English."""
    joined = "\n".join(community_texts)
    known = catalogue_english()
    left = []
    for text in dict.fromkeys(shown_texts(html)):
        if text.rstrip("…").strip() in joined:
            continue
        if text.rstrip(":").strip() in known:
            left.append(text)
            continue
        rest = text
        for own in community_texts:
            rest = rest.replace(own, " ")
        if {word.lower() for word in re.findall(r"\w+", rest)} & ENGLISH_WORDS:
            left.append(text)
    return left


@pytest.fixture(scope="module")
def maple(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_workspace("maple-falls", tmp_path_factory.mktemp("french") / "maple-falls")


@pytest.fixture(scope="module")
def french_plan(maple: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan-fr")
    results = build_reports([maple], out, kind="plan", formats=("html", "pdf", "docx"), language="fr", progress=False)
    assert [r.status for r in results] == ["ok"], [r.error for r in results]
    return out / "maple-falls"


@pytest.fixture(scope="module")
def bilingual_plan(maple: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan-both")
    results = build_reports([maple], out, kind="plan", formats=("html", "docx"), language="both", progress=False)
    assert [r.status for r in results] == ["ok"], [r.error for r in results]
    return out / "maple-falls"


@pytest.fixture(scope="module")
def french_progress(maple: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("progress-fr")
    results = build_reports([maple], out, kind="progress", formats=("html",), language="fr", progress=False)
    assert [r.status for r in results] == ["ok"], [r.error for r in results]
    return out / "maple-falls"


def _in_french(function, *args):
    with i18n.use_language("fr"):
        return function(*args)


def _section_titles(outline) -> list[str]:
    return [_in_french(i18n._, s.title) for s in outline.body if isinstance(s, Section)]


# -- fast: the language plumbing ---------------------------------------------------------------------------


def test_plan_language_choices_and_the_fallback_before_schema_6(maple: Path) -> None:
    assert document_languages("both") == ("en", "fr")
    assert document_languages("fr") == ("fr",)
    assert document_languages("") == document_languages(None) == ("en",)  # blank is English
    assert document_languages("de") == ("en",)
    assert workspace_plan_language(maple) == "en"  # no plan_language column yet, or blank: English
    assert task_key("risk", "fr", ("en", "fr")) == "risk.fr" and task_key("risk", "fr", ("fr",)) == "risk"


def test_page_numbers_read_in_the_documents_language() -> None:
    assert "Page <span class=\"pageNumber\"></span> de <span class=\"totalPages\"></span>" in footer_template("fr")
    assert "Page <span class=\"pageNumber\"></span> of <span class=\"totalPages\"></span>" in footer_template("en")


def test_an_unknown_plan_language_is_refused_in_one_line(maple: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", str(maple), "--out", str(tmp_path / "out"), "--lang", "de"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--lang" in err
    assert not (tmp_path / "out").exists()


# -- the French plan ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_french_plan_is_in_french_with_french_numbers_and_dates(french_plan: Path, maple: Path) -> None:
    html = (french_plan / "plan.html").read_text(encoding="utf-8")
    root = lxml.html.document_fromstring(html)
    assert root.get("lang") == "fr"
    headings = [h.text_content().strip() for h in root.xpath("//main/section/h2")]
    assert headings[:6] == _section_titles(PLAN)[:6]  # Collectivité et coordonnateurs, Comité consultatif, ...
    assert root.xpath("//nav/h2")[0].text_content() == "Table des matières"
    with Workspace.open(maple, actor="test", read_only=True) as ws:
        community = ws.table("community").iloc[0]
        measures = ws.table("measures")
        adopted = latest_version(ws)
    assert adopted is not None
    # Numbers as the community's own data gives them, written the French way.
    population = _in_french(i18n.format_number, int(community["population"]))
    assert f"{population} ({int(community['population_year'])})" in html
    assert re.fullmatch(r"\d{1,3}(\s\d{3})+", population)  # "85 000": a space between thousands
    decimals = [float(v) for v in measures["baseline"].dropna() if float(v) != int(float(v))]
    assert decimals, "the sample has measures with decimal baselines"
    for value in decimals:
        assert _in_french(i18n.format_decimal, value) in html  # "152,2", never "152.2"
    # The edition statement's date in French prose ("28 mai 2024").
    assert f"en vigueur depuis le {_in_french(i18n.format_date, adopted.adopted_on)}." in html
    assert (french_plan / "report.json").exists()
    marker = json.loads((french_plan / "report.json").read_text(encoding="utf-8"))
    assert marker["languages"] == ["fr"] and marker["fingerprint"]["options"]["languages"] == ["fr"]


@pytest.mark.slow
def test_the_french_plan_leaves_no_english(french_plan: Path, maple: Path) -> None:
    html = (french_plan / "plan.html").read_text(encoding="utf-8")
    assert english_left(html, _workspace_texts(maple)) == []


@pytest.mark.slow
def test_the_french_progress_report_leaves_no_english(french_progress: Path, maple: Path) -> None:
    html = (french_progress / "progress.html").read_text(encoding="utf-8")
    assert lxml.html.document_fromstring(html).get("lang") == "fr"
    assert _section_titles(PROGRESS)[0] in html  # "État des actions"
    assert english_left(html, _workspace_texts(maple)) == []


@pytest.mark.slow
def test_the_untranslated_scan_finds_english(maple: Path, french_plan: Path) -> None:
    """The scan itself: an English sentence of the product, slipped into the French plan, is found."""
    html = (french_plan / "plan.html").read_text(encoding="utf-8")
    planted = html.replace("</main>", "<p>Each section of this plan is drawn from the data.</p></main>")
    assert english_left(planted, _workspace_texts(maple)) == ["Each section of this plan is drawn from the data."]


@pytest.mark.slow
def test_the_french_pdf_and_word_documents(french_plan: Path) -> None:
    from docx import Document
    from pypdf import PdfReader

    pdf = french_plan / "plan.pdf"
    reader = PdfReader(pdf)
    assert str(reader.trailer["/Root"].get("/Lang")) == "fr"  # Chromium takes it from <html lang>
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Table des matières" in text and "Collectivité et coordonnateurs" in text
    assert re.search(r"Page 2 de \d+", text)
    word = Document(str(french_plan / "plan.docx"))
    assert word.core_properties.language == "fr-CA"
    with zipfile.ZipFile(french_plan / "plan.docx") as package:
        styles = package.read("word/styles.xml").decode("utf-8")
    # Every run's language (document defaults and the Normal style): Word's spell-check and screen readers.
    assert styles.count('w:lang w:val="fr-CA"') >= 2 and 'w:val="en-US"' not in styles
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert headings[:2] == _section_titles(PLAN)[:2]
    footer = word.sections[-1].footer.paragraphs[0].text
    assert footer.startswith("Page ") and " de " in footer


# -- the bilingual plan ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_bilingual_plan_is_two_documents_one_per_language(bilingual_plan: Path, maple: Path) -> None:
    english = (bilingual_plan / "plan.en.html").read_text(encoding="utf-8")
    french = (bilingual_plan / "plan.fr.html").read_text(encoding="utf-8")
    assert not (bilingual_plan / "plan.html").exists()
    assert lxml.html.document_fromstring(english).get("lang") == "en"
    assert lxml.html.document_fromstring(french).get("lang") == "fr"
    assert ">Contents</h2>" in english and ">Table des matières</h2>" in french
    assert "Community and coordinators" in english and "Collectivité et coordonnateurs" in french
    assert english_left(french, _workspace_texts(maple)) == []
    # Each language's notebooks ran in that language, side by side.
    executed = sorted(p.name for p in (bilingual_plan / "notebooks").glob("*.ipynb"))
    assert "risk.en.ipynb" in executed and "risk.fr.ipynb" in executed
    for language in ("en", "fr"):
        with zipfile.ZipFile(bilingual_plan / f"plan.{language}.docx") as package:
            assert f'w:lang w:val="{language}-CA"' in package.read("word/styles.xml").decode("utf-8")
    marker = json.loads((bilingual_plan / "report.json").read_text(encoding="utf-8"))
    assert marker["languages"] == ["en", "fr"]
    assert marker["documents"] == ["plan.en.html", "plan.en.docx", "plan.fr.html", "plan.fr.docx"]
    # Another language is another report: the fingerprint that skips unchanged communities differs.
    recorded = marker["fingerprint"]
    options = {k: v for k, v in recorded["options"].items() if k != "languages"}
    sources = {name: Path(path) for name, path in _sources(bilingual_plan).items()}
    assert fingerprint(maple, sources, {**options, "languages": ["en", "fr"]})["digest"] == recorded["digest"]
    assert fingerprint(maple, sources, {**options, "languages": ["fr"]})["digest"] != recorded["digest"]


def _sources(report: Path) -> dict[str, str]:
    """The packaged notebooks the report ran, by name (as the executed notebooks record them)."""
    found = {}
    for path in (report / "notebooks").glob("*.en.ipynb"):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        found[path.name.removesuffix(".en.ipynb")] = notebook["metadata"]["papermill"]["input_path"]
    return found


def test_prose_dates_are_french_in_a_french_document() -> None:
    from cswb_widgets.report.assemble import prose_date

    day = dt.date(2026, 12, 4)
    assert _in_french(prose_date, day) == "4 décembre 2026"
    assert _in_french(prose_date, "2024-05-28") == "28 mai 2024"
    assert prose_date(day) == "December 4, 2026"
