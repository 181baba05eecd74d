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
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor, Twips
from docx.table import _Cell
from lxml import etree
from PIL import Image
from sample_workspaces import SAMPLES, SampleReports

from cswb_widgets.report.batch import finish_report
from cswb_widgets.report.docx import _RUN_PROPERTY_ORDER, MAX_FIGURE_PIXELS, DocxError, _draw_svg, docx_bytes
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


def _python_docx_table(rows: list[tuple[list[tuple[list[tuple[str, bool, bool]], int]], bool]], columns: list[int],
                       font_pt: float, caption: str, fill: str, header_text: str) -> bytes:
    """The table as python-docx's own API makes it (add_row, merge, the run and font setters), which
    the writer's direct XML must equal. `rows`: (cells, in the header); a cell: (runs, span); a run:
    (text, bold, italic). `columns`: the grid's widths in twips."""
    document = docx.Document()
    table = document.add_table(rows=0, cols=len(columns))
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    tblCaption = OxmlElement("w:tblCaption")
    tblCaption.set(qn("w:val"), caption)
    table._tbl.tblPr.append(tblCaption)
    for cells, header in rows:
        row = table.add_row()
        row_properties = row._tr.get_or_add_trPr()
        row_properties.append(OxmlElement("w:cantSplit"))
        if header:
            row_properties.append(OxmlElement("w:tblHeader"))
        grid = [_Cell(tc, table) for tc in row._tr.tc_lst]
        column = 0
        for runs, span in cells:
            cell = grid[column] if span == 1 else grid[column].merge(grid[column + span - 1])
            for text, bold, italic in runs:
                run = cell.paragraphs[0].add_run(text)
                run.bold, run.italic = bold or None, italic or None
                run.font.size = Pt(font_pt)
                if header:
                    run.bold = True
                    run.font.color.rgb = RGBColor.from_string(header_text)
            if header:
                shading = OxmlElement("w:shd")
                for name, value in (("val", "clear"), ("color", "auto"), ("fill", fill)):
                    shading.set(qn(f"w:{name}"), value)
                cell._tc.get_or_add_tcPr().append(shading)
            column += span
    table.autofit = False
    for width, grid_column in zip(columns, table._tbl.tblGrid.gridCol_lst, strict=True):
        grid_column.w = Twips(width)
    for tr in table._tbl.tr_lst:
        column = 0
        for tc in tr.tc_lst:
            tc.tcPr.tcW.set(qn("w:w"), str(sum(columns[column:column + tc.grid_span])))
            column += tc.grid_span
    table._tbl.tblPr.find(qn("w:tblLook")).set(qn("w:firstRow"), "1")
    return etree.tostring(table._tbl)


def test_a_tables_wordprocessingml_is_what_python_docx_makes_of_it() -> None:
    html = _html_document(
        '<header><div class="cswb-title-page" style="background:#5B2A86;color:#ffffff"><h1>Plan</h1></div></header>'
        "<main><section><h2>Actions</h2><table><caption>Actions</caption><thead><tr><th>Action</th><th>Lead</th>"
        "<th>Period</th></tr></thead><tbody><tr><td>Rent <strong>bank</strong></td><td><em>City</em> and  region</td>"
        '<td>2024</td></tr><tr><td colspan="2"> Both partners </td><td>2026</td></tr><tr><td>Only one</td></tr>'
        '<tr><td colspan="3">All of it</td></tr></tbody></table></section></main>')
    document = _document(docx_bytes(html))
    made = document.tables[0]._tbl
    columns = [int(c.get(qn("w:w"))) for c in made.tblGrid.iter(qn("w:gridCol"))]
    size = made.xpath(".//w:sz")[0].get(qn("w:val"))
    header = [([("Action", False, False)], 1), ([("Lead", False, False)], 1), ([("Period", False, False)], 1)]
    body = [
        ([([("Rent ", False, False), ("bank", True, False)], 1), ([("City", False, True), (" and region", False, False)], 1),
          ([("2024", False, False)], 1)], False),
        ([([("Both partners", False, False)], 2), ([("2026", False, False)], 1)], False),
        ([([("Only one", False, False)], 1)], False),
        ([([("All of it", False, False)], 3)], False),
    ]
    expected = _python_docx_table([(header, True), *body], columns, int(size) / 2, "Actions", "5B2A86", "FFFFFF")
    assert etree.tostring(made) == expected


def test_every_runs_properties_are_in_the_schemas_order() -> None:
    logo = base64.b64encode(_png((10, 120, 60))).decode()
    html = _html_document(
        "<main><section><h2>Links <code>code</code></h2><table><thead><tr><th><a href='https://example.org'>"
        f"<strong>Site</strong></a> <code>x</code> <img src='data:image/png;base64,{logo}' alt='Logo'></th></tr></thead>"
        "<tbody><tr><td><em><code>both</code></em> <a href='mailto:a@example.org'><em>mail</em></a></td></tr></tbody>"
        "</table><p><small>Small</small> <strong><em><code>all</code></em></strong></p></section></main>"
        "<footer><p><strong>Footer</strong> <a href='https://example.org'>link</a></p></footer>")
    document = _document(docx_bytes(html))
    orders = [[_RUN_PROPERTY_ORDER[child.tag] for child in properties]
              for properties in document.element.body.iter(qn("w:rPr"))]
    assert len(orders) > 8 and all(order == sorted(set(order)) for order in orders), orders
    header_runs = document.tables[0].rows[0].cells[0]._tc.xpath("./w:p/w:r")
    assert header_runs and all(r.xpath("./w:rPr/w:b") and r.xpath("./w:rPr/w:sz") for r in header_runs)
    assert document.tables[0].rows[0].cells[0]._tc.xpath(".//w:drawing"), "the picture in the header cell is kept"


def _points(drawn: Image.Image, left: float, top: float, right: float, bottom: float) -> Image.Image:
    """The part of a figure drawn at 150 dpi between these coordinates in points."""
    pixel = 150 / 72
    return drawn.crop((int(left * pixel), int(top * pixel), int(right * pixel), int(bottom * pixel)))


def test_a_figure_is_drawn_opaque_at_print_resolution_as_cairosvg_draws_it() -> None:
    import cairosvg

    for height in ("150", "150.5"):  # the second ends in a fraction of a pixel row
        svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="300pt" height="{height}pt" viewBox="0 0 300 {height}">'
               '<rect x="10" y="10" width="200" height="100" fill="#0072B2" opacity="0.6"/><circle cx="250" cy="75" '
               'r="40" fill="none" stroke="#D55E00" stroke-width="3"/><text x="20" y="140" '
               'style="font-size: 14px; font-family: \'DejaVu Sans\'">Calls 22</text></svg>')
        # as the page sizes it: responsive (CairoSVG would draw nothing of that)
        png, width_in = _draw_svg(svg.replace("<svg ", '<svg style="max-width: 100%; height: auto" ', 1))
        drawn = Image.open(io.BytesIO(png))
        assert width_in == 300 / 72 and drawn.size[0] == round(width_in * 150), height
        assert drawn.mode == "RGB" and abs(drawn.size[1] - drawn.size[0] * float(height) / 300) <= 1, height
        blue = _points(drawn, 100, 60, 101, 61).getpixel((0, 0))
        assert all(abs(a - b) <= 2 for a, b in zip(blue, (102, 170, 209), strict=True)), "60 % blue on white"
        corners = _points(drawn, 290, 0, 300, 10), _points(drawn, 290, float(height) - 1, 300, float(height))
        assert all(corner.getextrema() == ((255, 255),) * 3 for corner in corners), "white to the last row"
        text = _points(drawn, 20, 128, 80, 142).convert("L")
        after = _points(drawn, 120, 128, 200, 142).convert("L")
        assert text.getextrema()[0] < 80 and after.getextrema() == (255, 255), "the text, and nothing after it"
        # The same picture as CairoSVG (the previous renderer) draws: shapes alike pixel for pixel,
        # the glyphs alike up to their anti-aliasing.
        own = cairosvg.svg2png(bytestring=svg.encode(), output_width=drawn.size[0], background_color="white")
        theirs = Image.open(io.BytesIO(own)).convert("L").resize(drawn.size)
        differences = [abs(a - b) for a, b in zip(drawn.convert("L").tobytes(), theirs.tobytes(), strict=True)]
        assert sum(differences) / len(differences) < 2 and sorted(differences)[int(len(differences) * 0.98)] < 16, height


def test_a_figure_is_never_drawn_larger_than_the_limit_whatever_its_units() -> None:
    # ems are not read for the page size: the SVG's own proportions still bound the drawing
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="1em" height="5000em"><rect width="10" height="10"/></svg>'
    drawn = Image.open(io.BytesIO(_draw_svg(svg)[0]))
    assert max(drawn.size) <= MAX_FIGURE_PIXELS and drawn.size[1] > MAX_FIGURE_PIXELS / 2, drawn.size


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
    with pytest.raises(DocxError, match=r"^the figure “Broken chart” could not be drawn for Word \(") as failure:
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
    assert run.error.startswith("DocxError: the figure “Broken” could not be drawn for Word") and "\n" not in run.error
    assert not (tmp_path / "plan.docx").exists()
