"""`cswb report --format docx`: the plan and progress report as editable Word documents, made from
the assembled HTML in the same pass (no notebook runs again)."""

from __future__ import annotations

import base64
import html as html_text
import io
import itertools
import re
import zipfile
from pathlib import Path
from typing import Any

import docx
import lxml.html
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from PIL import Image
from sample_workspaces import SAMPLES, SampleReports

from cswb_widgets.report.batch import finish_report
from cswb_widgets.report.docx import DocxError, docx_bytes
from cswb_widgets.store import Workspace

LEVELS = {"Title": 0, **{f"Heading {n}": n for n in range(1, 10)}}
# What a code or an id looks like: snake_case words ("mental_health") or hyphenated ids with a number
# ("action-ipv-01", "act-01").
CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b|\b[a-z]+(?:-[a-z]+)*-\d+\b")


def _document(data: bytes) -> Any:
    return docx.Document(io.BytesIO(data))


def _heading_levels(document: Any) -> list[int]:
    return [LEVELS[p.style.name] for p in document.paragraphs if p.style.name in LEVELS]


def _descriptions(document: Any) -> list[str | None]:
    return [d.get("descr") for d in document.element.body.iter(qn("wp:docPr"))]


def _body_text(document: Any) -> str:
    """Every paragraph's text, the tables' cells included."""
    return "\n".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in document.element.body.iter(qn("w:p")))


def _html_document(body: str, title: str = "Plan – Community Safety and Well-Being Plan") -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>p {{ color: red }}</style></head><body>{body}</body></html>")


def _svg(title: str, description: str, extra: str = "") -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="300pt" height="150pt" viewBox="0 0 300 150" role="img" '
            f'aria-labelledby="s-title" aria-describedby="s-desc" style="max-width: 100%; height: auto">'
            f'<title id="s-title">{title}</title><desc id="s-desc">{description}</desc>'
            f'<rect x="10" y="10" width="200" height="100" fill="#0072B2"/>{extra}</svg>')


def _png(colour: tuple[int, int, int], size: tuple[int, int] = (40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


# -- the structure, from small documents ---------------------------------------------------------------


def test_headings_never_skip_a_level_and_only_content_is_kept() -> None:
    html = _html_document(
        '<header class="cswb-doc-title"><div class="cswb-title-page" style="background:#5B2A86;color:#ffffff;'
        'border-bottom:0.5rem solid #E0A800;padding:2rem"><h1>Riverbend Plan</h1><p class="cswb-title-community">'
        "Riverbend (Municipality)</p></div></header>"
        '<nav class="cswb-toc"><h2>Contents</h2><ol><li><a href="#s1">First</a></li></ol></nav>'
        '<main><section id="s1"><h2 id="s1-title">First</h2><h5>Deep   heading</h5>'
        "<p>  Text with <strong>bold</strong>\n and <em>more</em>  </p><p>   </p><div></div>"
        "<script>document.write('x')</script><details><summary>Data table: First</summary><table><thead>"
        "<tr><th>Hidden</th></tr></thead></table></details>"
        '<figure class="cswb-chart"><iframe class="cswb-screen-only" title="Map (interactive map)" srcdoc="x"></iframe>'
        "</figure><p>Bell\x07 &lt;script&gt;alert(1)&lt;/script&gt;</p></section>"
        '<section id="s2"><h2 id="s2-title">Second</h2><h3>Part</h3><h4>Sub</h4><h3>Part two</h3></section></main>')
    document = _document(docx_bytes(html))
    assert _heading_levels(document) == [0, 1, 2, 1, 2, 3, 2]
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"] == ["First", "Second"]
    texts = [p.text for p in document.paragraphs]
    assert "Deep heading" in texts and "Text with bold and more" in texts
    assert "Bell <script>alert(1)</script>" in texts, "escaped text stays text; a control character is dropped"
    body = _body_text(document)
    for absent in ("document.write", "Data table", "Hidden", "interactive map", "color: red"):
        assert absent not in body
    outside_fields = [p for p in document.paragraphs if not p._p.xpath(".//w:fldChar|./w:pPr/w:sectPr")]
    assert all(p.text.strip() or p._p.xpath(".//w:drawing") or p._p.xpath(".//w:br[@w:type='page']")
               for p in outside_fields), "no empty paragraphs"
    bold = [r.text for p in document.paragraphs for r in p.runs if r.bold]
    assert "bold" in bold


def test_title_page_carries_the_plans_colours_logo_and_the_footer_page_numbers() -> None:
    logo = base64.b64encode(_png((200, 30, 30))).decode()
    html = _html_document(
        '<header class="cswb-doc-title"><div class="cswb-title-page" style="background:#5B2A86;color:#ffffff;'
        f'border-bottom:0.5rem solid #E0A800;padding:2rem"><img class="cswb-title-logo" src="data:image/png;base64,{logo}" '
        'alt="Riverbend logo"><h1 class="cswb-title-plan">Riverbend Plan</h1></div></header>'
        '<main><section><h2>Only</h2><p>Body.</p></section></main>')
    document = _document(docx_bytes(html))
    title = next(p for p in document.paragraphs if p.style.name == "Title")
    assert title.text == "Riverbend Plan"
    assert title._p.pPr.find(qn("w:shd")).get(qn("w:fill")) == "5B2A86"
    assert title._p.pPr.xpath("./w:pBdr/w:bottom")[0].get(qn("w:color")) == "E0A800"
    assert str(document.styles["Heading 1"].font.color.rgb) == "5B2A86"
    assert _descriptions(document) == ["Riverbend logo"]
    first = document.paragraphs[0]
    assert first._p.xpath(".//w:drawing"), "the logo opens the title page"
    section = document.sections[0]
    footer = "".join(section.footer._element.itertext())
    assert "PAGE" in footer and "NUMPAGES" in footer
    assert section.different_first_page_header_footer, "the title page has no page number"
    assert document.core_properties.title == "Plan – Community Safety and Well-Being Plan"


def test_a_light_plan_colour_is_not_used_for_heading_text() -> None:
    html = _html_document('<header><div class="cswb-title-page" style="background:#F4E04D;color:#000000">'
                          "<h1>Sunny Plan</h1></div></header><main><section><h2>One</h2></section></main>")
    document = _document(docx_bytes(html))
    assert str(document.styles["Heading 1"].font.color.rgb) != "F4E04D", "yellow on white cannot be read"


def test_tables_have_a_repeating_header_row_and_their_caption() -> None:
    html = _html_document(
        "<main><section><h2>Actions</h2>"
        '<table class="cswb-table"><caption>Actions for housing</caption><thead><tr><th scope="col">Action</th>'
        '<th scope="col">Lead</th><th scope="col">Period</th></tr></thead><tbody>'
        '<tr><th scope="row">Rent bank</th><td>City</td><td><ul><li>2024</li><li>2025</li></ul></td></tr>'
        '<tr><td colspan="2">Both partners</td><td>2026</td></tr></tbody></table>'
        '<table><caption class="cswb-vh">Screen-reader caption</caption><tr><th>A</th><th>B</th></tr>'
        "<tr><td>1</td><td>2</td></tr></table></section></main>")
    document = _document(docx_bytes(html))
    first, second = document.tables
    for table in (first, second):
        header = table.rows[0]._tr
        assert header.trPr.find(qn("w:tblHeader")) is not None, "the header row repeats on every page"
        assert all(row._tr.trPr.find(qn("w:tblHeader")) is None for row in table.rows[1:])
    assert [c.text for c in first.rows[0].cells] == ["Action", "Lead", "Period"]
    assert [c.text for c in first.rows[1].cells][:2] == ["Rent bank", "City"]
    assert [p.style.name for p in first.rows[1].cells[2].paragraphs] == ["List Bullet", "List Bullet"]
    assert first.rows[2].cells[0].text == "Both partners" and first.rows[2].cells[0]._tc is first.rows[2].cells[1]._tc
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert captions == ["Actions for housing"], "a visually hidden caption is not printed"
    assert second._tbl.tblPr.find(qn("w:tblCaption")).get(qn("w:val")) == "Screen-reader caption"


def test_a_table_too_wide_for_the_page_gets_a_landscape_page_and_no_word_is_broken() -> None:
    headers = "".join(f'<th scope="col">Column {n}</th>' for n in range(12))
    cells = "".join(f"<td>{'2024-07-01' if n % 2 else 'Organization'}</td>" for n in range(12))
    html = _html_document(
        "<main><section><h2>Plan</h2><p>Before.</p><h3>Actions</h3>"
        f'<table><caption>All actions</caption><thead><tr>{headers}</tr></thead><tbody><tr>{cells}</tr></tbody></table>'
        f'<table><caption>More actions</caption><thead><tr>{headers}</tr></thead><tbody><tr>{cells}</tr></tbody></table>'
        '<h3>After</h3><table><thead><tr><th>Name</th><th>Organization</th></tr></thead>'
        "<tbody><tr><td>Ada</td><td>City</td></tr></tbody></table></section></main>")
    document = _document(docx_bytes(html))
    sections = document.sections
    assert [s.orientation for s in sections] == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    assert sections[1].page_width > sections[1].page_height
    wide, _more, narrow = document.tables
    size = wide.rows[1].cells[1].paragraphs[0].runs[0].font.size.pt
    date_width = len("2024-07-01") * size * 0.5 / 72  # digits and hyphens are about half an em
    assert all(column.width.inches > date_width for column in wide.columns), "a date never breaks"
    total = sum(column.width.inches for column in wide.columns)
    assert total <= sections[1].page_width.inches - sections[1].left_margin.inches - sections[1].right_margin.inches + 0.01
    # The heading and caption go with the table onto the landscape page; the two wide tables share it.
    body = list(document.element.body)
    ends = [n for n, block in enumerate(body) if block.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None]
    texts = ["".join(t.text or "" for t in block.iter(qn("w:t"))) for block in body]
    assert texts[ends[0]] == "Before." and texts[ends[0] + 1] == "Actions" and texts[ends[0] + 2] == "All actions"
    assert texts[ends[1] + 1] == "After", "portrait again after the wide tables"
    assert sum(column.width.inches for column in narrow.columns) < 3, "a narrow table is as wide as its words need"


def test_numbered_lists_start_at_one_each_time() -> None:
    html = _html_document("<main><section><h2>Steps</h2><ol><li>a</li><li>b</li></ol><p>Then</p>"
                          "<ol><li>c</li><li>d<ul><li>d.1</li></ul></li></ol></section></main>")
    document = _document(docx_bytes(html))
    numbered = [p for p in document.paragraphs if p.style.name == "List Number"]
    assert [p.text for p in numbered] == ["a", "b", "c", "d"]
    ids = [p._p.pPr.numPr.numId.val for p in numbered]
    assert ids[0] == ids[1] != ids[2] == ids[3], "the second list is numbered from 1 again"
    assert [p.text for p in document.paragraphs if p.style.name == "List Bullet 2"] == ["d.1"]


def test_charts_become_pictures_with_their_description_and_caption(tmp_path: Path) -> None:
    secret = tmp_path / "red.png"
    secret.write_bytes(_png((255, 0, 0), (400, 400)))
    outside = f'<image href="{secret.as_uri()}" x="0" y="0" width="300" height="150"/>'
    html = _html_document(
        '<main><section><h2>Evidence</h2><figure class="cswb-chart">' + _svg("Calls", "Bar chart of calls: 22.", outside)
        + "<figcaption>Calls for service by ward.</figcaption><details><summary>Data table: Calls</summary>"
        "<table><thead><tr><th>Ward</th></tr></thead></table></details></figure></section></main>")
    data = docx_bytes(html)
    document = _document(data)
    assert _descriptions(document) == ["Bar chart of calls: 22."]
    paragraphs = document.paragraphs
    picture = next(n for n, p in enumerate(paragraphs) if p._p.xpath(".//w:drawing"))
    assert paragraphs[picture].paragraph_format.keep_with_next, "the figure stays with its caption"
    assert paragraphs[picture + 1].style.name == "Caption" and paragraphs[picture + 1].text == "Calls for service by ward."
    assert not document.tables, "the figure's data table (details) is not repeated"
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        media = [n for n in package.namelist() if n.startswith("word/media/")]
        image = Image.open(io.BytesIO(package.read(media[0]))).convert("RGB")
    colours = {colour for _count, colour in image.getcolors(maxcolors=1 << 20)}
    assert (0, 114, 178) in colours, "the chart is drawn"
    assert (255, 0, 0) not in colours, "a file the SVG points at is never read"
    width = document.inline_shapes[0].width.inches
    assert 4.0 < width < 4.3, "drawn at its own size (300 pt)"


def test_a_figure_that_cannot_be_drawn_is_named_in_one_line() -> None:
    html = _html_document('<main><section><h2>X</h2><figure><svg role="img" aria-label="x"><title>Broken chart</title>'
                          '<rect width="10" height="nonsense"><unclosed></svg></figure></section></main>')
    with pytest.raises(DocxError, match=r"^the figure 'Broken chart' could not be drawn for Word \(") as failure:
        docx_bytes(html)
    assert "\n" not in str(failure.value)


# -- the samples' plans and one progress report, made by `cswb report --format html,docx` --------------------


@pytest.fixture(scope="module")
def reports(sample_reports: SampleReports) -> dict[tuple[str, str], tuple[str, Any, Path]]:
    """(HTML, Word document, workspace) of every sample's plan and of Maple Falls' progress report (made once per session)."""
    return {(kind, sample): (sample_reports.document(kind, sample, "html").read_text(encoding="utf-8"),
                             docx.Document(str(sample_reports.document(kind, sample, "docx"))),
                             sample_reports.workspaces[sample])
            for kind, chosen in (("plan", SAMPLES), ("progress", SAMPLES[:1])) for sample in chosen}


def _section_titles(html: str) -> list[str]:
    main = lxml.html.document_fromstring(html).find(".//main")
    return [" ".join(h2.text_content().split()) for h2 in main.iter("h2")]


def _visible_html_text(html: str) -> str:
    root = lxml.html.document_fromstring(re.sub(r"<svg\b.*?</svg>", "", html, flags=re.DOTALL))
    for hidden in root.xpath("//script|//style|//details|//iframe|//head"):
        hidden.drop_tree()
    return " ".join(root.itertext())  # text_content() would join a cell's last word to the next cell's first


@pytest.mark.slow
def test_each_word_document_has_the_htmls_sections_headings_tables_and_figures(reports: dict[tuple[str, str], tuple[str, Any, Path]]) -> None:
    for (kind, sample), (html, document, _workspace) in reports.items():
        where = f"{sample} {kind}"
        levels = _heading_levels(document)
        assert levels[0] == 0 and levels.count(0) == 1, where
        assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), f"{where}: headings skip no level"
        headings = [" ".join(p.text.split()) for p in document.paragraphs if p.style.name == "Heading 1"]
        assert headings == _section_titles(html), f"{where}: the same sections in the same order"
        assert document.tables and all(t.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None for t in document.tables), where
        descriptions = _descriptions(document)
        assert len(descriptions) == html.count("<svg"), f"{where}: every chart and map is a picture"
        assert all(d and d.strip() and d != "Figure" for d in descriptions), f"{where}: every picture has alt text"
        assert all(p.text.strip() or p._p.xpath(".//w:drawing|.//w:fldChar|./w:pPr/w:sectPr") for p in document.paragraphs), \
            f"{where}: no empty paragraphs"
        captions = [" ".join(p.text.split()) for p in document.paragraphs if p.style.name == "Caption"]
        for caption in re.findall(r"<figcaption>(.*?)</figcaption>", html, re.DOTALL):
            assert " ".join(html_text.unescape(re.sub(r"<[^>]+>", "", caption)).split()) in captions, where


@pytest.mark.slow
def test_every_action_title_is_in_the_word_document_and_no_code_that_the_html_lacks(reports: dict[tuple[str, str], tuple[str, Any, Path]]) -> None:
    for (kind, sample), (html, document, workspace) in reports.items():
        where = f"{sample} {kind}"
        text = _body_text(document)
        visible = _visible_html_text(html)
        with Workspace.open(workspace) as ws:
            actions = ws.table("actions")
            ids = [*actions["id"], *ws.table("risks")["id"], *ws.table("organizations")["id"]]
            community = ws.community
        titles = [t for t in actions["title"] if t in html_text.unescape(html)]
        assert titles, where
        for title in titles:
            assert title in text, f"{where}: {title}"
        leaked = set(CODE.findall(text)) - set(CODE.findall(visible))
        assert not leaked, f"{where}: {sorted(leaked)[:5]}"
        for code in ids:
            assert (code in text) <= (code in visible), f"{where}: {code}"
        for absent in ("Data table", "<script", "<svg", "cswb-", "section-"):
            assert absent not in text, f"{where}: {absent}"
        title = next(p for p in document.paragraphs if p.style.name == "Title")
        assert title._p.pPr.find(qn("w:shd")).get(qn("w:fill")) == str(community["colour_primary"] or "#1D4E43").lstrip("#").upper()


def test_the_batch_writes_word_from_the_assembled_document_and_names_a_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = _html_document("<main><section><h2>Only</h2><p>Body.</p></section></main>")
    broken = _html_document('<main><section><h2>X</h2><figure><svg><title>Broken</title><rect width="x"></svg>'
                            "</figure></section></main>")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.setattr("cswb_widgets.report.assemble.assemble", lambda _notebooks, _outline, **_options: good)
    run = finish_report(str(tmp_path), "plan", ("docx",))
    assert run.error is None
    assert [p.text for p in docx.Document(str(tmp_path / "plan.docx")).paragraphs] == ["Only", "Body."]
    assert not (tmp_path / "plan.html").exists(), "HTML was not asked for"
    monkeypatch.setattr("cswb_widgets.report.assemble.assemble", lambda _notebooks, _outline, **_options: broken)
    (tmp_path / "plan.docx").unlink()
    run = finish_report(str(tmp_path), "plan", ("html", "docx"))
    assert run.stage == "docx" and run.error is not None
    assert run.error.startswith("DocxError: the figure 'Broken' could not be drawn for Word") and "\n" not in run.error
    assert not (tmp_path / "plan.docx").exists()
