"""The plan or progress report as an editable Word document, made from the assembled HTML.

The HTML document (:mod:`.assemble`) is the one source of content: this module reads it and
writes the same sections with Word's own building blocks, so that a council clerk can edit it
like any report: the plan's name in the Title style, sections as Heading 1 (h2), parts as
Heading 2 and below (the navigation pane and Word's table of contents work), tables as tables
whose header row repeats on every page, lists as lists, charts and maps as pictures with their
alternative text and caption. The plan's colours go on the title and headings, its logo on the
title page; page numbers in the footer. What only a screen needs is left out: interactive maps
(their printed picture is kept), "Data table" details (the figure's description and caption are
kept), scripts and styles.

Charts and maps are inline SVG in the HTML; Word needs a bitmap, so each is drawn to PNG here,
offline (libvips with librsvg, which reads no file and no address an SVG names, only `data:` images).

python-docx makes the document, its styles, sections, fields and pictures; paragraphs, runs and
table rows, the bulk of a plan, are made with lxml directly, element for element what python-docx's
setters would make (tests/test_docx.py compares a table with python-docx's own), at a third of the cost.
"""

from __future__ import annotations

import copy
import functools
import html as html_text
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..documents import WORD_LANGUAGES, set_word_language
from ..errors import CswbError
from ..i18n import _, normalize_language, use_language
from ..render._html import contrast_ratio, readable_text_colour

PAGE_WIDTH_IN, PAGE_HEIGHT_IN, MARGIN_IN = 8.5, 11.0, 0.75  # Letter, as the PDF
TEXT_WIDTH_IN = PAGE_WIDTH_IN - 2 * MARGIN_IN
MAX_FIGURE_HEIGHT_IN = 8.0
FIGURE_DPI = 150  # sharp on paper; more makes every chart slower to draw and compress
MAX_FIGURE_PIXELS = 2600  # the longer side of a drawn chart: bounded memory for any SVG
TABLE_TYPE_SIZES = (10.0, 9.0, 8.0)  # points: tables are set in the largest that fits the page
LANDSCAPE_TEXT_WIDTH_IN = PAGE_HEIGHT_IN - 2 * MARGIN_IN
CHARACTER_EM = 0.56  # an average character's width in Calibri, in ems (digits are 0.51, capitals wider)
CELL_PADDING_IN = 0.16  # Word's default cell margins, left and right
DEFAULT_PRIMARY, DEFAULT_SECONDARY = "#1D4E43", "#F4B942"

_SVG = re.compile(r"<svg\b.*?</svg>", re.IGNORECASE | re.DOTALL)
_INVALID_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPACE = re.compile(r"\s+")
_ROOT_STYLE = re.compile(r'\sstyle="[^"]*"')
_LENGTH = re.compile(r"^\s*([0-9.]+)\s*(pt|px|in|cm|mm)?\s*$")
_SKIPPED = {"script", "style", "template", "noscript", "iframe", "details", "head", "title", "button", "input",
            "select", "textarea", "object", "embed", "canvas", "video", "audio", "map", "dialog"}
_BLOCKS = {"p", "div", "section", "header", "footer", "main", "nav", "article", "aside", "figure", "ul", "ol", "li",
           "table", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "dl", "dt", "dd", "figcaption",
           "caption", "hr", "address", "form", "fieldset"}
_HEADING_STYLES = ("Title", "Heading 1", "Heading 2", "Heading 3", "Heading 4", "Heading 5", "Heading 6")

# WordprocessingML names in lxml's {namespace}tag form: paragraphs, runs and table cells are made
# with lxml directly (python-docx's generic child insertion costs more than the rest of the document)
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W_P, W_PPR, W_PSTYLE, W_R, W_RPR, W_T, W_BR = (f"{{{_W_NS}}}{t}" for t in ("p", "pPr", "pStyle", "r", "rPr", "t", "br"))
W_B, W_I, W_RFONTS, W_COLOR, W_SZ = (f"{{{_W_NS}}}{t}" for t in ("b", "i", "rFonts", "color", "sz"))
W_TR, W_TRPR, W_TC, W_TCPR, W_TCW, W_GRIDSPAN, W_SHD = (
    f"{{{_W_NS}}}{t}" for t in ("tr", "trPr", "tc", "tcPr", "tcW", "gridSpan", "shd"))
W_CANTSPLIT, W_TBLHEADER = f"{{{_W_NS}}}cantSplit", f"{{{_W_NS}}}tblHeader"
W_VAL, W_TYPE, W_W, W_ASCII, W_HANSI = (f"{{{_W_NS}}}{t}" for t in ("val", "type", "w", "ascii", "hAnsi"))
W_FILL, W_COLOR_ATTR = f"{{{_W_NS}}}fill", f"{{{_W_NS}}}color"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
# A run's properties in the order the schema (CT_RPr) requires them.
_RUN_PROPERTY_ORDER = {f"{{{_W_NS}}}{t}": n for n, t in enumerate((
    "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline", "shadow", "emboss",
    "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing", "w", "kern", "position", "sz", "szCs",
    "highlight", "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout",
    "specVanish", "oMath"))}


class DocxError(CswbError):
    """The Word document could not be made from the HTML document."""


@dataclass
class _Format:
    bold: bool = False
    italic: bool = False
    code: bool = False
    link: str | None = None


@dataclass(frozen=True)
class _Picture:
    png: bytes
    alt: str
    width_in: float | None = None  # None: from the image's own size and resolution


@dataclass
class _Identity:
    primary: str = DEFAULT_PRIMARY
    secondary: str = DEFAULT_SECONDARY
    running_header: str = ""


@dataclass
class _State:
    last_level: int = 0  # the last heading's level (0: the Title)
    figures: int = 0
    landscape_end: Any = None  # the paragraph that ends the last landscape section
    numbering: dict[str, Any] = field(default_factory=dict)


def write_docx(html: str, path: Path) -> Path:
    """Write the Word document of the assembled HTML document `html` to `path`."""
    Path(path).write_bytes(docx_bytes(html))
    return Path(path)


def docx_bytes(html: str) -> bytes:
    """The Word document (.docx bytes) of the assembled HTML document `html`."""
    import docx
    import lxml.html

    svgs: list[str] = []

    def hold(match: re.Match[str]) -> str:  # the HTML parser would lower-case SVG's camelCase names
        svgs.append(match.group(0))
        return f'<svg data-cswb-svg="{len(svgs) - 1}"></svg>'

    root = lxml.html.document_fromstring(_SVG.sub(hold, html))
    body = root.find("body")
    if body is None:
        raise DocxError(_("the HTML document has no body"))
    identity = _identity(root, body)
    document = docx.Document()
    writer = _Writer(document, svgs, identity)
    with use_language(root.get("lang")):  # the Word document speaks the HTML document's language
        writer.set_up(_text_of(root.find(".//title")) or "", WORD_LANGUAGES[normalize_language(root.get("lang"))])
        writer.write_body(body)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _identity(root: Any, body: Any) -> _Identity:
    """The plan's colours (from the title page the workbooks made) and the running header text."""
    identity = _Identity(running_header=body.get("data-running-header") or _text_of(root.find(".//title")) or "")
    page = next(iter(root.find_class("cswb-title-page")), None)
    if page is not None:
        style = page.get("style") or ""
        background = re.search(r"background:\s*(#[0-9A-Fa-f]{6})", style)
        border = re.search(r"solid\s+(#[0-9A-Fa-f]{6})", style)
        identity.primary = background.group(1) if background else identity.primary
        identity.secondary = border.group(1) if border else identity.secondary
    return identity


def _text_of(element: Any) -> str:
    return _SPACE.sub(" ", element.text_content()).strip() if element is not None else ""


def _classes(element: Any) -> set[str]:
    return set((element.get("class") or "").split())


def _clean(text: str) -> str:
    return _INVALID_XML.sub("", text)


def _rgb(colour: str) -> Any:
    from docx.shared import RGBColor

    return RGBColor.from_string(colour.lstrip("#").upper())


def _heading_colour(primary: str) -> str:
    """The plan's colour for headings on white paper, or near-black when it is too light to read."""
    return primary if contrast_ratio(primary, "#ffffff") >= 4.5 else "#1b1b1b"


# -- XML helpers python-docx has no API for --------------------------------------------------------------


def _element(tag: str, **attributes: str) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    made = OxmlElement(tag)
    for name, value in attributes.items():
        made.set(qn(f"w:{name}"), value)
    return made


def _shade(properties: Any, fill: str) -> None:
    properties.append(_element("w:shd", val="clear", color="auto", fill=fill.lstrip("#").upper()))


def _field(paragraph: Any, instruction: str, shown: str = "1") -> None:
    """A field (PAGE, NUMPAGES) as Word writes it: begin, instruction, separate, last result, end."""
    run = paragraph.add_run()
    run._r.append(_element("w:fldChar", fldCharType="begin"))
    instr = _element("w:instrText")
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instr.text = f" {instruction} "
    paragraph.add_run()._r.append(instr)
    paragraph.add_run()._r.append(_element("w:fldChar", fldCharType="separate"))
    paragraph.add_run(shown)
    paragraph.add_run()._r.append(_element("w:fldChar", fldCharType="end"))


def _run_property(run: Any, tag: str, attributes: tuple[tuple[str, str], ...] = ()) -> None:
    """Give the run (w:r) the property `tag` with `attributes`, keeping its properties in schema order
    (what python-docx's setters write, without their generic child search)."""
    properties = _run_properties(run)
    order = _RUN_PROPERTY_ORDER[tag]
    found, position = None, len(properties)
    for index, child in enumerate(properties):
        if child.tag == tag:
            found = child
            break
        if _RUN_PROPERTY_ORDER.get(child.tag, len(_RUN_PROPERTY_ORDER)) > order:
            position = index
            break
    if found is None:
        found = properties.makeelement(tag, {})
        properties.insert(position, found)
    for name, value in attributes:
        found.set(name, value)


def _run_properties(run: Any) -> Any:
    """The run's w:rPr, added first if it has none."""
    if len(run) and run[0].tag == W_RPR:
        return run[0]
    properties = run.makeelement(W_RPR, {})
    run.insert(0, properties)
    return properties


def _add_text_run(paragraph: Any, text: str) -> Any:
    """A run (w:r) of `text` at the end of the paragraph element, a line break for each newline."""
    run = paragraph.makeelement(W_R, {})
    paragraph.append(run)
    for number, line in enumerate(text.split("\n")):
        if number:
            run.append(run.makeelement(W_BR, {}))
        if line:
            piece = run.makeelement(W_T, {})
            piece.text = line
            if len(line.strip()) < len(line):  # as python-docx: Word would drop the outer spaces otherwise
                piece.set(XML_SPACE, "preserve")
            run.append(piece)
    return run


class _Writer:
    def __init__(self, document: Any, svgs: list[str], identity: _Identity) -> None:
        self.document = document
        self.svgs = svgs
        self.identity = identity
        self.state = _State()
        self.styles: dict[str, Any] = {}
        self.final_section: Any = None  # the body's w:sectPr, found once

    def style(self, name: str) -> Any:
        """The style object called `name` (looking a style up by name searches all of styles.xml)."""
        if name not in self.styles:
            self.styles[name] = self.document.styles[name]
        return self.styles[name]

    def body_end(self) -> Any:
        """The body's final section properties (w:sectPr), before which paragraphs and tables go."""
        if self.final_section is None:
            self.final_section = self.document.element.body.find(f"{{{_W_NS}}}sectPr")
        return self.final_section

    def new_table(self, container: Any, columns: int) -> Any:
        """An empty table of `columns` grid columns at the end of `container`, as python-docx's
        add_table makes it (the grid's widths are set when the table is done). Not through
        Document.add_table: that looks for the last section in the whole body, for every table."""
        from docx.oxml.table import CT_Tbl
        from docx.shared import Inches
        from docx.table import Table

        if container is not self.document:
            return container.add_table(rows=0, cols=columns)
        made = CT_Tbl.new_tbl(0, columns, Inches(TEXT_WIDTH_IN))
        self.body_end().addprevious(made)
        return Table(made, self.document._body)

    def new_paragraph(self, container: Any, style: str | None) -> Any:
        from docx.text.paragraph import Paragraph

        if container is self.document:  # before the body's final section properties, as python-docx adds it
            made = self.body_end().makeelement(W_P, {})
            self.body_end().addprevious(made)
        else:
            made = container.new_p()
        if style:  # by id: python-docx's style setter searches styles.xml for the default style each time
            properties = made.makeelement(W_PPR, {})
            made.insert(0, properties)
            properties.append(properties.makeelement(W_PSTYLE, {W_VAL: self.style(style).style_id}))
        return Paragraph(made, self.document)

    # -- page, styles, header and footer ------------------------------------------------------------------

    def set_up(self, title: str, language: str = "en-CA") -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Inches, Pt

        doc = self.document
        section = doc.sections[0]
        section.page_width, section.page_height = Inches(PAGE_WIDTH_IN), Inches(PAGE_HEIGHT_IN)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Inches(MARGIN_IN))
        section.different_first_page_header_footer = True  # the title page carries neither
        styles = doc.styles
        normal = styles["Normal"]
        normal.font.name, normal.font.size = "Calibri", Pt(11)
        set_word_language(doc, language)
        heading = _rgb(_heading_colour(self.identity.primary))
        for name in _HEADING_STYLES[1:]:
            styles[name].font.color.rgb = heading
        styles["Heading 1"].paragraph_format.page_break_before = True  # each section on a new page, as printed
        caption = styles["Caption"] if "Caption" in [s.name for s in styles] else None
        if caption is not None:
            caption.font.color.rgb = _rgb("#3b3b3b")
        if title:
            header = section.header.paragraphs[0]
            header.text = _clean(self.identity.running_header or title)
            header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            header.style = styles["Header"]
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        # "Page {page} of {pages}", each number a field Word fills in
        before, _page, rest = _("Page {page} of {pages}").partition("{page}")
        between, _pages, after = rest.partition("{pages}")
        footer.add_run(before)
        _field(footer, "PAGE")
        footer.add_run(between)
        _field(footer, "NUMPAGES")
        if after:
            footer.add_run(after)
        properties = doc.core_properties
        properties.title = _clean(title)
        properties.author = "CSWB Workbook"
        properties.comments = ""

    # -- the body ---------------------------------------------------------------------------------------------

    def write_body(self, body: Any) -> None:
        for child in body:
            if not isinstance(child.tag, str):
                continue
            if child.tag == "header" and child.find_class("cswb-title-page"):
                self.title_page(child)
            elif child.tag == "nav" and "cswb-toc" in _classes(child):
                self.contents(child)
            elif child.tag == "footer":
                self.flow(child, self.document, small=True)
            else:
                self.flow(child, self.document)

    def title_page(self, header: Any) -> None:
        from docx.shared import Inches, Pt

        page = header.find_class("cswb-title-page")[0]
        primary, secondary = self.identity.primary, self.identity.secondary
        text_colour = _rgb(readable_text_colour(primary))
        for logo in page.iter("img"):
            picture = self.picture_of_img(logo)
            if picture is not None:
                self.add_picture(self.document.add_paragraph(), picture, max_width=2.5, max_height=1.2)
        for element in page:
            if element.tag == "img" or not isinstance(element.tag, str):
                continue
            text = _text_of(element)
            if not text:
                continue
            style = "Title" if element.tag == "h1" else "Subtitle"
            paragraph = self.new_paragraph(self.document, style)
            run = paragraph.add_run(_clean(text))
            run.font.color.rgb = text_colour
            run.font.size = Pt(30 if style == "Title" else 15)
            run.bold = style == "Title"
            properties = paragraph._p.get_or_add_pPr()
            if style == "Title":
                borders = _element("w:pBdr")
                borders.append(_element("w:bottom", val="single", sz="36", space="8", color=secondary.lstrip("#")))
                properties.append(borders)
            _shade(properties, primary)
            paragraph.paragraph_format.left_indent = Inches(0.15)
            paragraph.paragraph_format.space_before = Pt(12 if style == "Title" else 0)
            self.state.last_level = 0
        for element in header:
            if element is not page and isinstance(element.tag, str):
                self.flow(element, self.document)
        # No page break here: the contents (TOC Heading) and each section (Heading 1) start a new page.

    def contents(self, nav: Any) -> None:
        """Word's table of contents field, already holding the sections' titles (Word adds page
        numbers when the field is updated: right-click, Update field)."""
        heading = nav.find(".//h2")
        self.new_paragraph(self.document, "TOC Heading").add_run(_clean(_text_of(heading) or _("Contents")))
        entries = [_text_of(item) for item in nav.iter("li")]
        entries = [e for e in entries if e] or [_("Contents")]
        first = self.document.add_paragraph()
        begin = first.add_run()
        begin._r.append(_element("w:fldChar", fldCharType="begin"))
        instr = _element("w:instrText")
        instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        instr.text = ' TOC \\o "1-1" \\h \\z \\u '
        first.add_run()._r.append(instr)
        first.add_run()._r.append(_element("w:fldChar", fldCharType="separate"))
        paragraph = first
        for number, entry in enumerate(entries):
            if number:
                paragraph = self.document.add_paragraph()
            paragraph.add_run(_clean(entry))
        paragraph.add_run()._r.append(_element("w:fldChar", fldCharType="end"))

    def flow(self, element: Any, container: Any, *, small: bool = False) -> None:
        """Write `element`'s content into `container` (the document or a table cell): its blocks as
        blocks, runs of text and inline elements between them as paragraphs."""
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _SKIPPED or "cswb-screen-only" in _classes(element) or element.get("hidden") is not None:
            return
        if tag in _BLOCKS or tag == "body":
            self.block(element, container, small=small)
            return
        self.paragraph(container, [element], small=small)

    def block(self, element: Any, container: Any, *, small: bool = False) -> None:
        tag = element.tag
        if re.fullmatch(r"h[1-6]", tag):
            self.heading(element, container)
        elif tag in ("ul", "ol"):
            self.write_list(element, container, 0)
        elif tag == "table":
            self.table(element, container)
        elif tag == "figure":
            self.figure(element, container)
        elif tag == "pre":
            self.paragraph(container, [element], style="No Spacing", code=True)
        elif tag == "blockquote":
            self.paragraph(container, [element], style="Quote")
        elif tag == "hr":
            return
        else:
            self.mixed(element, container, small=small)

    def mixed(self, element: Any, container: Any, *, small: bool = False, style: str | None = None) -> None:
        """A container whose children may be blocks or inline content."""
        pending: list[Any] = [element.text] if element.text else []
        for child in element:
            if isinstance(child.tag, str) and (child.tag in _BLOCKS or child.tag in _SKIPPED):
                self.paragraph(container, pending, small=small, style=style)
                pending = []
                self.flow(child, container, small=small)
            elif isinstance(child.tag, str):
                pending.append(child)
            if child.tail:
                pending.append(child.tail)
        self.paragraph(container, pending, small=small, style=style)

    # -- paragraphs and runs --------------------------------------------------------------------------------

    def paragraph(self, container: Any, pieces: list[Any], *, style: str | None = None, small: bool = False,
                  code: bool = False) -> Any:
        """A paragraph of `pieces` (strings and inline elements), or none if they hold no text."""
        runs = list(self.runs(pieces, _Format(code=code), preformatted=code))
        runs = _trimmed(runs, preformatted=code)
        if not any(text.strip() if isinstance(text, str) else True for text, _fmt in runs):
            return None
        paragraph = self.new_paragraph(container, style)
        self.fill(paragraph, runs, small=small)
        return paragraph

    def runs(self, pieces: list[Any], fmt: _Format, *, preformatted: bool = False,
             tails: bool = False) -> Iterator[tuple[Any, _Format]]:
        """(text or picture, format) pairs of inline content. The tails (text after an element) of
        `pieces` belong to their parent and come only with `tails`, as they do for their children."""
        for piece in pieces:
            if isinstance(piece, str):
                yield piece, fmt
                continue
            tag = piece.tag if isinstance(piece.tag, str) else ""
            classes = _classes(piece)
            if tag in _SKIPPED or "cswb-screen-only" in classes or "cswb-vh" in classes or "cswb-visually-hidden" in classes:
                if piece.tail and tails:
                    yield piece.tail, fmt
                continue
            if tag == "br":
                yield "\n", fmt
            elif tag in ("img", "svg"):
                picture = self.picture_of_img(piece) if tag == "img" else self.picture_of_svg(piece)
                if picture is not None:
                    yield picture, fmt
                elif piece.get("alt"):
                    yield piece.get("alt"), fmt
            else:
                inner = _Format(
                    bold=fmt.bold or tag in ("strong", "b", "th"),
                    italic=fmt.italic or tag in ("em", "i", "cite"),
                    code=fmt.code or tag in ("code", "kbd", "samp", "pre"),
                    link=fmt.link,
                )
                href = piece.get("href") if tag == "a" else None
                if href and href.startswith(("http://", "https://", "mailto:")):
                    inner.link = href
                children: list[Any] = [piece.text] if piece.text else []
                children.extend(piece)
                if tag in _BLOCKS and children:
                    children.append(" ")  # a block inside inline content still ends a word
                yield from self.runs(children, inner, preformatted=preformatted, tails=True)
            if piece.tail and tails:
                yield piece.tail, fmt

    def fill(self, paragraph: Any, runs: list[tuple[Any, _Format]], *, small: bool = False) -> None:
        for text, fmt in runs:
            if isinstance(text, _Picture):
                self.add_picture(paragraph, text)
                continue
            if fmt.link and not fmt.link.startswith("data:"):
                run = _hyperlink(paragraph, fmt.link, text)._r
            else:
                run = _add_text_run(paragraph._p, text)
            if fmt.bold:
                _run_property(run, W_B)
            if fmt.italic:
                _run_property(run, W_I)
            if fmt.code:
                _run_property(run, W_RFONTS, ((W_ASCII, "Consolas"), (W_HANSI, "Consolas")))
            if small:
                _run_property(run, W_SZ, ((W_VAL, "18"),))  # 9 pt

    def heading(self, element: Any, container: Any) -> None:
        level = int(element.tag[1]) - 1  # h1 is the Title, h2 a section (Heading 1), ...
        if container is not self.document:  # no headings inside table cells: the navigation pane would list them
            self.paragraph(container, [element])
            return
        level = max(1, min(level, self.state.last_level + 1, 6))  # never skip a level
        self.state.last_level = level
        paragraph = self.paragraph(container, [element], style=_HEADING_STYLES[level])
        if paragraph is not None:
            for run in paragraph._p.iterchildren(W_R):  # the style decides (python-docx's bold = None)
                properties = _run_properties(run)
                bold = properties.find(W_B)
                if bold is not None:
                    properties.remove(bold)

    def write_list(self, element: Any, container: Any, depth: int) -> None:
        ordered = element.tag == "ol"
        base = "List Number" if ordered else "List Bullet"
        style = base if depth == 0 else f"{base} {min(depth + 1, 3)}"
        restart = self.restarted_numbering(style) if ordered else None
        for item in element:
            if not isinstance(item.tag, str) or item.tag != "li":
                if isinstance(item.tag, str) and item.tag in ("ul", "ol"):
                    self.write_list(item, container, depth + 1)
                continue
            pieces: list[Any] = [item.text] if item.text else []
            nested = []
            for child in item:
                if isinstance(child.tag, str) and child.tag in ("ul", "ol"):
                    nested.append(child)
                    if child.tail:
                        pieces.append(child.tail)
                    continue
                pieces.append(child)
            paragraph = self.paragraph(container, pieces, style=style)
            if paragraph is not None and restart is not None:
                properties = paragraph._p.get_or_add_pPr()
                numbering = _element("w:numPr")
                numbering.append(_element("w:ilvl", val="0"))
                numbering.append(_element("w:numId", val=str(restart)))
                properties.insert(1, numbering)
            for child in nested:
                self.write_list(child, container, depth + 1)

    def restarted_numbering(self, style: str) -> int | None:
        """A new numbering instance of `style`'s list that starts at 1 (Word continues a list style's
        numbers through the whole document otherwise)."""
        from docx.oxml.ns import qn

        try:
            style_numbering = self.style(style).element.pPr.numPr.numId.val
        except (AttributeError, KeyError):
            return None
        numbering = self.document.part.numbering_part.element
        base = numbering.num_having_numId(style_numbering)
        abstract = base.abstractNumId.val
        new = numbering.add_num(abstract)
        override = _element("w:lvlOverride", ilvl="0")
        override.append(_element("w:startOverride", val="1"))
        new.append(override)
        return int(new.get(qn("w:numId")))

    # -- tables -----------------------------------------------------------------------------------------------

    def table(self, element: Any, container: Any) -> None:
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.oxml.ns import qn
        from docx.shared import Inches

        rows: list[tuple[Any, bool]] = []  # (tr, in the header)
        for part in element:
            if not isinstance(part.tag, str):
                continue
            if part.tag == "tr":
                rows.append((part, False))
            elif part.tag in ("thead", "tbody", "tfoot"):
                rows.extend((tr, part.tag == "thead") for tr in part if isinstance(tr.tag, str) and tr.tag == "tr")
        if not rows:
            return
        if not any(header for _tr, header in rows):
            first = rows[0][0]
            cells = [c for c in first if isinstance(c.tag, str)]
            if cells and all(c.tag == "th" for c in cells):
                rows[0] = (first, True)
        width = max(sum(_span(c) for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")) for tr, _h in rows)
        if width == 0:
            return
        columns: list[list[str]] = [[] for _ in range(width)]
        for tr, _header in rows:
            cells = [c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
            for index, found in enumerate(cells[:width]):
                if _span(found) == 1:
                    columns[index].append(_text_of(found))
        font_pt, widths, landscape = self.table_layout(columns, nested=container is not self.document)
        if landscape:
            self.begin_landscape()
        caption_element = element.find("caption")
        caption = _text_of(caption_element) if caption_element is not None else ""
        if caption and "cswb-vh" not in _classes(caption_element) and container is self.document:
            paragraph = self.new_paragraph(self.document, "Caption")
            paragraph.add_run(_clean(caption))
            paragraph.paragraph_format.keep_with_next = True
        table = self.new_table(container, width)
        # by id: python-docx's table.style setter compares the style with the default table style,
        # listing every style in styles.xml for each table
        table._tbl.tblPr.style = self.style("Table Grid").style_id
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        properties = table._tbl.tblPr
        if caption:
            properties.append(_element("w:tblCaption", val=_clean(caption)[:255]))
        twips = [int(Inches(w).twips) for w in widths]
        for tr, in_header in rows:
            self.table_row(table, tr, in_header, width, twips, font_pt)
        grid_style = properties.find(qn("w:tblLook"))
        if grid_style is not None:
            grid_style.set(qn("w:firstRow"), "1")
        _set_widths(table, twips)
        if landscape:
            self.end_landscape()

    def table_layout(self, columns: list[list[str]], *, nested: bool) -> tuple[float, list[float], bool]:
        """The type size, column widths and page orientation that set a table with no word broken:
        the largest size from 10 pt down to 8 pt that fits the page; a landscape page if none does."""
        available = TEXT_WIDTH_IN * (0.6 if nested else 1.0)
        for font_pt in TABLE_TYPE_SIZES:
            widths, needed = _column_widths(columns, font_pt, available)
            if needed <= available:
                return font_pt, widths, False
        if nested:
            return TABLE_TYPE_SIZES[-1], widths, False
        for font_pt in TABLE_TYPE_SIZES:
            widths, needed = _column_widths(columns, font_pt, LANDSCAPE_TEXT_WIDTH_IN)
            if needed <= LANDSCAPE_TEXT_WIDTH_IN:
                return font_pt, widths, True
        return TABLE_TYPE_SIZES[-1], widths, True

    def begin_landscape(self) -> None:
        """End the portrait section just before the table (and the heading and caption that lead to it)."""
        from docx.oxml.ns import qn

        body = self.document.element.body
        final = body.find(qn("w:sectPr"))
        blocks = [child for child in body if child.tag in (qn("w:p"), qn("w:tbl"))]
        lead = len(blocks)
        while lead > 0 and blocks[lead - 1].tag == qn("w:p") and _style_id(blocks[lead - 1]).startswith(("Heading", "Caption")):
            lead -= 1
        if lead > 0 and blocks[lead - 1] is self.state.landscape_end:  # landscape since the last table: go on
            body.remove(blocks[lead - 1])
            self.state.landscape_end = None
            return
        portrait = copy.deepcopy(final)
        if lead > 0 and blocks[lead - 1].tag == qn("w:p"):
            blocks[lead - 1].get_or_add_pPr().append(portrait)
        else:
            holder = _element("w:p")
            holder.append(_element("w:pPr"))
            holder[0].append(portrait)
            (blocks[lead] if lead < len(blocks) else final).addprevious(holder)
        title_page = final.find(qn("w:titlePg"))
        if title_page is not None:  # only the first section opens with the title page
            final.remove(title_page)

    def end_landscape(self) -> None:
        """Close the landscape section after the table; what follows is portrait again."""
        from docx.oxml.ns import qn

        final = self.document.element.body.find(qn("w:sectPr"))
        landscape = copy.deepcopy(final)
        size = landscape.find(qn("w:pgSz"))
        width, height = size.get(qn("w:w")), size.get(qn("w:h"))
        size.set(qn("w:w"), height)
        size.set(qn("w:h"), width)
        size.set(qn("w:orient"), "landscape")
        closing = self.document.add_paragraph()
        closing.paragraph_format.space_after = closing.paragraph_format.space_before = 0
        closing._p.get_or_add_pPr().append(landscape)
        self.state.landscape_end = closing._p

    def table_row(self, table: Any, tr: Any, in_header: bool, width: int, twips: list[int], font_pt: float) -> None:
        """One row (w:tr) of `width` grid columns made from the HTML row `tr`, as python-docx's add_row
        and merge would make it: a cell per column, a cell spanning N columns as one w:tc with
        gridSpan N and the columns' summed width; then the HTML cells' content in the table's type
        size (bold, in the header colour on the plan's colour, in the header row)."""
        row = table._tbl.makeelement(W_TR, {})
        table._tbl.append(row)
        row_properties = row.makeelement(W_TRPR, {})
        row.append(row_properties)
        row_properties.append(row_properties.makeelement(W_CANTSPLIT, {}))  # a row is never split across pages
        if in_header:
            row_properties.append(row_properties.makeelement(W_TBLHEADER, {}))  # repeated on every page
            fill = self.identity.primary.lstrip("#").upper()
            text_colour = readable_text_colour(self.identity.primary).lstrip("#").upper()
        size = str(int(font_pt * 2))  # half-points
        column = 0
        for cell_element in tr:
            if not isinstance(cell_element.tag, str) or cell_element.tag not in ("td", "th") or column >= width:
                continue
            span = min(_span(cell_element), width - column)
            cell = self.table_cell(row, sum(twips[column:column + span]), span)
            self.mixed(cell_element, _CellSink(cell, table))
            for paragraph in cell.iterchildren(W_P):  # the cell's own paragraphs and runs, as python-docx's
                for run in paragraph.iterchildren(W_R):  # cell.paragraphs and paragraph.runs give them
                    _run_property(run, W_SZ, ((W_VAL, size),))
                    if in_header:
                        _run_property(run, W_B)
                        _run_property(run, W_COLOR, ((W_VAL, text_colour),))
            if in_header:
                cell[0].append(cell[0].makeelement(W_SHD, {W_VAL: "clear", W_COLOR_ATTR: "auto", W_FILL: fill}))
            column += span
        for rest in range(column, width):
            self.table_cell(row, twips[rest], 1)

    @staticmethod
    def table_cell(row: Any, width_twips: int, span: int) -> Any:
        """An empty cell (w:tc with one empty paragraph) of the given width, at the end of the row."""
        cell = row.makeelement(W_TC, {})
        row.append(cell)
        properties = cell.makeelement(W_TCPR, {})
        cell.append(properties)
        properties.append(properties.makeelement(W_TCW, {W_TYPE: "dxa", W_W: str(width_twips)}))
        if span > 1:
            properties.append(properties.makeelement(W_GRIDSPAN, {W_VAL: str(span)}))
        cell.append(cell.makeelement(W_P, {}))
        return cell

    # -- figures ----------------------------------------------------------------------------------------------

    def figure(self, element: Any, container: Any) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        caption = next((c for c in element if isinstance(c.tag, str) and c.tag == "figcaption"), None)
        caption_text = _text_of(caption) if caption is not None else ""
        pictures = []
        for found in element.iter("svg", "img"):
            if any(_skipped(ancestor) for ancestor in found.iterancestors()):
                continue
            picture = self.picture_of_svg(found, caption_text) if found.tag == "svg" else self.picture_of_img(found, caption_text)
            if picture is not None:
                pictures.append(picture)
        for picture in pictures:
            paragraph = self.new_paragraph(container, None)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.paragraph_format.keep_with_next = True  # the figure stays with its caption
            self.add_picture(paragraph, picture)
        for child in element:
            if not isinstance(child.tag, str) or child.tag in ("svg", "img", "figcaption") or _skipped(child):
                continue
            if child.find(".//svg") is None and child.find(".//img") is None:
                self.flow(child, container)
        if caption_text:
            self.paragraph(container, [caption], style="Caption" if container is self.document else None)

    def picture_of_svg(self, element: Any, fallback_alt: str = "") -> _Picture | None:
        index = element.get("data-cswb-svg")
        if index is None or not index.isdigit() or int(index) >= len(self.svgs):
            return None
        svg = self.svgs[int(index)]
        png, width_in = _draw_svg(svg)
        return _Picture(png, _svg_alt(svg) or fallback_alt or _("Figure"), width_in)

    def picture_of_img(self, element: Any, fallback_alt: str = "") -> _Picture | None:
        import base64

        source = element.get("src") or ""
        match = re.fullmatch(r"data:image/(png|jpeg);base64,([A-Za-z0-9+/=\s]+)", source)
        if match is None:
            return None  # nothing is fetched: an address would be a network access
        try:
            data = base64.b64decode(re.sub(r"\s+", "", match.group(2)), validate=True)
        except ValueError:
            return None
        return _Picture(data, _clean(element.get("alt") or fallback_alt or _("Image")))

    def add_picture(self, paragraph: Any, picture: _Picture, *, max_width: float = TEXT_WIDTH_IN,
                    max_height: float = MAX_FIGURE_HEIGHT_IN) -> None:
        from docx.shared import Inches
        from PIL import Image

        try:
            with Image.open(io.BytesIO(picture.png)) as image:  # reads the header only
                pixels_wide, pixels_high = image.size
                dpi = float(image.info.get("dpi", (96, 96))[0] or 96)
        except Exception as exc:  # noqa: BLE001 - any unreadable image: one clear line
            raise DocxError(_("the image “{title}” could not be read ({reason})").format(
                title=picture.alt[:80], reason=f"{type(exc).__name__}: {exc}")) from None
        width = min(picture.width_in or pixels_wide / dpi, max_width)
        if width * pixels_high / max(pixels_wide, 1) > max_height:
            width = max_height * pixels_wide / pixels_high
        self.state.figures += 1
        run = paragraph.add_run()
        run.add_picture(io.BytesIO(picture.png), width=Inches(width))
        properties = run._r.xpath(".//wp:docPr")[0]
        properties.set("descr", picture.alt)
        properties.set("name", _("Figure {number}").format(number=self.state.figures))


class _CellSink:
    """A table cell (w:tc) as a container: its first (empty) paragraph is used before new ones are added."""

    def __init__(self, cell: Any, table: Any) -> None:
        self.cell = cell
        self.table = table
        self.used = False

    def new_p(self) -> Any:
        if not self.used:
            self.used = True
            return self.cell.find(W_P)
        made = self.cell.makeelement(W_P, {})
        self.cell.append(made)
        return made

    def add_table(self, rows: int, cols: int) -> Any:
        from docx.table import _Cell

        self.used = True
        return _Cell(self.cell, self.table).add_table(rows, cols)


def _skipped(element: Any) -> bool:
    return isinstance(element.tag, str) and (element.tag in _SKIPPED or "cswb-screen-only" in _classes(element))


def _span(cell: Any) -> int:
    try:
        return max(1, min(int(cell.get("colspan", "1")), 1000))
    except ValueError:
        return 1


def _style_id(paragraph: Any) -> str:
    style = paragraph.pPr.pStyle if paragraph.pPr is not None else None
    return style.val if style is not None else ""


def _set_widths(table: Any, twips: list[int]) -> None:
    """Fixed column widths (in twips) on the grid (the cells got theirs when made), so Word neither
    squeezes nor re-flows them."""
    from docx.shared import Inches

    table.autofit = False
    for column, grid in zip(twips, table._tbl.tblGrid.gridCol_lst, strict=False):
        grid.w = Inches(column / 1440)


def _column_widths(columns: list[list[str]], font_pt: float, available_in: float) -> tuple[list[float], float]:
    """Widths (inches) for a table's columns, as a browser's automatic layout would give them: each at
    least as wide as its longest word or date (so none is broken), the rest of `available_in` shared
    by how much text each column holds. Also the width the longest words need."""
    char_in = font_pt * CHARACTER_EM / 72
    least = [max((len(word) for text in texts for word in text.split()), default=1) * char_in + CELL_PADDING_IN
             for texts in columns]
    wanted = [min(max((len(text) for text in texts), default=1), 60) * char_in + CELL_PADDING_IN for texts in columns]
    needed = sum(least)
    if needed >= available_in:
        return [w * available_in / needed for w in least], needed
    room = [max(want - low, 0.0) for want, low in zip(wanted, least, strict=True)]
    spare, asked = available_in - needed, sum(room)
    if asked <= spare:  # every cell fits on one line: no wider than it needs
        return [low + r for low, r in zip(least, room, strict=True)], needed
    return [low + spare * r / asked for low, r in zip(least, room, strict=True)], needed


def _trimmed(runs: list[tuple[Any, _Format]], *, preformatted: bool) -> list[tuple[Any, _Format]]:
    """HTML's white space rules: runs of spaces are one space, none at the start or end of a paragraph."""
    if preformatted:
        texts = [(t if isinstance(t, _Picture) else _clean(t), f) for t, f in runs]
        return [(t, f) for t, f in texts if t]
    out: list[tuple[Any, _Format]] = []
    after_space = True
    for text, fmt in runs:
        if isinstance(text, _Picture):
            out.append((text, fmt))
            after_space = False
            continue
        if text == "\n":
            out.append((text, fmt))
            after_space = True
            continue
        text = _SPACE.sub(" ", _clean(text))
        if after_space:
            text = text.lstrip(" ")
        if text:
            out.append((text, fmt))
            after_space = text.endswith(" ")
    while out and isinstance(out[-1][0], str) and not out[-1][0].strip(" ") and out[-1][0] != "\n":
        out.pop()
    while out and out[-1][0] == "\n":
        out.pop()
    if out and isinstance(out[-1][0], str):
        out[-1] = (out[-1][0].rstrip(" "), out[-1][1])
    return out


def _hyperlink(paragraph: Any, url: str, text: str) -> Any:
    """A real link (Word's blue, underlined text) to `url`."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml.ns import qn
    from docx.text.run import Run

    relationship = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = _element("w:hyperlink")
    link.set(qn("r:id"), relationship)
    paragraph._p.append(link)
    run_element = _element("w:r")
    link.append(run_element)
    run = Run(run_element, paragraph)
    run.text = text
    run.font.color.rgb = _rgb("#0B57A4")
    run.font.underline = True
    return run


# -- SVG to PNG ---------------------------------------------------------------------------------------------------


def _svg_alt(svg: str) -> str:
    """The text alternative of an SVG: what its aria-describedby (or aria-labelledby) points at, else
    its own title and description."""
    import lxml.etree

    try:
        root = lxml.etree.fromstring(svg.encode("utf-8"), parser=_xml_parser())
    except lxml.etree.XMLSyntaxError:  # not XML: its title, if one can be read, names it in the error
        title = re.search(r"<title\b[^>]*>(.*?)</title>", svg, re.IGNORECASE | re.DOTALL)
        return _clean(html_text.unescape(_SPACE.sub(" ", re.sub(r"<[^>]*>", "", title.group(1))).strip())) if title else ""
    texts = {element.get("id"): _SPACE.sub(" ", "".join(element.itertext())).strip()
             for element in root.iter() if element.get("id")}
    described = [texts.get(i, "") for i in (root.get("aria-describedby") or "").split()]
    labelled = [texts.get(i, "") for i in (root.get("aria-labelledby") or "").split()]
    for candidates in (described, labelled):
        joined = " ".join(t for t in candidates if t)
        if joined:
            return _clean(joined)
    own = [_SPACE.sub(" ", "".join(e.itertext())).strip() for e in root if isinstance(e.tag, str)
           and e.tag.rsplit("}", 1)[-1] in ("title", "desc")]
    return _clean(" ".join(t for t in own if t))


def _xml_parser() -> Any:
    import lxml.etree

    return lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def _svg_size_in(svg: str) -> tuple[float, float] | None:
    """The SVG's own size in inches, from its width and height (or viewBox, as CSS pixels)."""
    opening = re.match(r"<svg\b[^>]*>", svg, re.IGNORECASE)
    if opening is None:
        return None
    tag = opening.group(0)

    def length(name: str) -> float | None:
        found = re.search(rf'\s{name}="([^"]*)"', tag)
        match = _LENGTH.match(found.group(1)) if found else None
        if match is None:
            return None
        per_inch = {"pt": 72.0, "px": 96.0, None: 96.0, "in": 1.0, "cm": 2.54, "mm": 25.4}[match.group(2)]
        return float(match.group(1)) / per_inch

    width, height = length("width"), length("height")
    if width and height:
        return width, height
    box = re.search(r'\sviewBox="\s*[-0-9.]+[\s,]+[-0-9.]+[\s,]+([0-9.]+)[\s,]+([0-9.]+)\s*"', tag)
    if box:
        return float(box.group(1)) / 96.0, float(box.group(2)) / 96.0
    return None


def _draw_svg(svg: str) -> tuple[bytes, float]:
    """The SVG drawn as a PNG at print resolution, at most MAX_FIGURE_PIXELS on its longer side.

    libvips draws it with librsvg (text laid out by Pango with the system's fonts), which reads
    no file and no address an SVG names (only `data:` images), in a third of CairoSVG's time;
    libvips writes the PNG unfiltered at zlib level 3 (Pillow's adaptive filters took as long as
    the drawing, for a file a third smaller; Word's zip deflates it again anyway)."""
    vips = _vips()
    size = _svg_size_in(svg) or (TEXT_WIDTH_IN, TEXT_WIDTH_IN * 0.6)
    width_in = min(size[0], TEXT_WIDTH_IN)
    height_in = size[1] * width_in / size[0] if size[0] else size[1]
    scale = min(FIGURE_DPI, MAX_FIGURE_PIXELS / max(width_in, height_in, 0.01))
    pixels_wide = max(1, round(width_in * scale))
    opening = re.match(r"<svg\b[^>]*>", svg, re.IGNORECASE)
    if opening is not None:  # the page's responsive sizing ("height: auto") would draw an empty picture
        svg = _ROOT_STYLE.sub("", opening.group(0), count=1) + svg[opening.end():]
    data = svg.encode("utf-8")
    try:
        own = vips.Image.svgload_buffer(data)  # the header only: the SVG's own pixels
        # its own proportions bound the height too, whatever units the size above could not read
        drawn = vips.Image.svgload_buffer(data, scale=min(pixels_wide / max(own.width, 1), MAX_FIGURE_PIXELS / max(own.height, 1)))
        png = drawn.flatten(background=[255, 255, 255]).pngsave_buffer(compression=3, filter="none", keep="none")
    except vips.Error as exc:  # any SVG the library cannot draw: one clear line
        title = _svg_alt(svg)[:80] or _("untitled")
        reason = _SPACE.sub(" ", exc.detail or exc.message).strip()
        raise DocxError(_("the figure “{title}” could not be drawn for Word ({reason})").format(
            title=title, reason=reason)) from None
    return png, width_in


@functools.cache
def _vips() -> Any:
    """pyvips, set up once for a worker that draws one figure at a time beside a PDF print: one
    thread, and no cache of past operations (bounded memory over hundreds of documents)."""
    import pyvips

    pyvips.concurrency_set(1)
    pyvips.cache_set_max(0)
    return pyvips
