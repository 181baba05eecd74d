"""One self-contained HTML document from the executed notebooks.

The outline (:mod:`.outline`) names each section's parts by the `part:<name>` tag of a
notebook cell; the cell's report-mode output is taken as it is, with three adjustments for a
single document: its headings are moved under the section's (h1 is the plan's name, h2 a
section, h3 and below inside), links to other workbooks become plain text (they lead to apps,
not to this document), and its `<style>` blocks are gathered once in the document's head.
Per-risk parts (`risk_part_html` blocks) are regrouped into one section per priority risk.
Cells an analyst tagged `plan:<section>` (or `progress:<section>`) follow that section's parts;
`plan:appendix` cells make an appendix at the end.

Everything in the outputs was escaped when the workbooks made it; this module never puts
user text into markup itself, it only moves markup around (the risk names it reuses as
headings are taken from the escaped markup).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import html as html_text
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from ..errors import CswbError
from ..i18n import N_, _, current_language, format_date
from ..notebooks import ANALYST_NOTES, APPENDIX, additions, part_of, source_text, tags_of
from ..render.plan_parts import RISK_PART_CLASS
from .outline import FromNotebook, Outline, Part, PerRisk, Section

_HEADING_TAG = re.compile(r"<(/?)h([1-6])(?=[\s>])", re.IGNORECASE)
_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style>", re.IGNORECASE | re.DOTALL)
_LINK = re.compile(r"<a\b([^>]*)>(.*?)</a>", re.IGNORECASE | re.DOTALL)
_HREF = re.compile(r'\bhref="([^"]*)"')
_TAG = re.compile(r"<[^<>]+>")  # our outputs escape "<" and ">" in text and attribute values
_ID = re.compile(r'\bid="([^"]+)"')
_REFERENCE_LISTS = re.compile(r'\b(aria-labelledby|aria-describedby|aria-controls|headers|for)="([^"]*)"')
_REFERENCE_URLS = re.compile(r'(url\(#|href="#)([^)"]+)')
# The blocks `render.plan_parts.risk_part_html` makes.
_RISK_BLOCK = re.compile(
    r'<section class="' + RISK_PART_CLASS + r'" data-risk="([^"]*)" data-part="([^"]*)">'
    r'<h3 class="cswb-risk-name">(.*?)</h3>', re.DOTALL)
_KEEP_LINKS = ("#", "http://", "https://", "mailto:")
_TABLE = re.compile(r"<table\b.*?</table>", re.IGNORECASE | re.DOTALL)
# What `keep_whole` treats apart: tables (dates, codes, statuses), and what it never touches (a span
# inside a drawing would end it; scripts and styles are not text).
_KEPT_APART = re.compile(r"<(table|svg|script|style|textarea)\b.*?</\1>", re.IGNORECASE | re.DOTALL)
_ISO_DATE = re.compile(r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w-])")  # in prose: "due 2025-12-31" printed "2025-12-" "31"
_THEAD = re.compile(r"<thead\b.*?</thead>", re.IGNORECASE | re.DOTALL)
_CAPTION = re.compile(r"<caption\b[^>]*>(.*?)</caption>", re.IGNORECASE | re.DOTALL)
WIDE_TABLE_COLUMNS = 8  # DOCUMENT_CSS sets these smaller (`thead th:nth-child(8)`)
# Dates (2024-07-01), date ranges and codes (CS-2024-061): hyphenated tokens with a digit, which a
# browser would otherwise break after a hyphen.
_WHOLE_TOKEN = re.compile(r"(?<![\w-])(?=[\w./\u2013-]*\d)[\w./]+(?:[-\u2013][\w./]+)+(?![\w-])")

DOCUMENT_CSS = """
html { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1b1b1b; background: #ffffff;
  line-height: 1.45; }
body { margin: 0 auto; max-width: 62rem; padding: 0 1.25rem 2rem; }
.cswb-doc-title { margin: 0 -1.25rem 1.5rem; }
.cswb-title-page h1 { font-size: 2.1rem; line-height: 1.2; margin: 0.5rem 0; }
.cswb-title-logo { display: block; max-height: 6rem; max-width: 14rem; background: #ffffff; padding: 0.25rem; }
.cswb-title-community { font-size: 1.25rem; margin: 0; }
.cswb-doc-meta { padding: 0 1.25rem; color: #4a4a4a; }
/* Room for two-digit numbers ("10.", "12."): a narrower indent cut them to ".0", ".2". */
.cswb-toc ol { padding-left: 2.6em; }
.cswb-toc li { margin: 0.2rem 0; }
/* The printed page number of each entry (the PDF printer fills it; fixed width, so that the
   contents keep their length between the pass that finds the pages and the one that prints them). */
.cswb-toc-page { float: right; width: 3em; text-align: right; }
main > section > h2 { border-bottom: 3px solid #6b6b6b; padding-bottom: 0.2rem; margin-top: 2.5rem; }
.cswb-table { max-width: 100%; font-size: 0.9rem; }
/* Words, dates and codes are never split: a cell wraps between words only (.cswb-whole marks
   the dates and codes, whose hyphens would otherwise allow a break). */
.cswb-table :is(th, td) { overflow-wrap: normal; word-break: normal; hyphens: manual; }
.cswb-whole { white-space: nowrap; }
/* Tables of many columns (the actions): smaller type and tighter cells; on a narrow screen
   they scroll inside the text column (a focusable region) rather than run past it. */
.cswb-table:has(thead th:nth-child(8)) { font-size: 0.78rem; }
.cswb-table:has(thead th:nth-child(8)) :is(th, td) { padding: 0.2rem 0.3rem; }
.cswb-wide-table { max-width: 100%; overflow-x: auto; }
figure { margin: 1rem 0; }
svg { max-width: 100%; height: auto; }
footer { margin-top: 3rem; border-top: 1px solid #6b6b6b; color: #4a4a4a; font-size: 0.85rem; }
/* Margins leave room for the running header and the page numbers (report/pdf.py's PAGE_MARGINS). */
@page { size: letter; margin: 18mm 14mm; }
@page wide { size: letter landscape; margin: 18mm 14mm; }
@media print {
  html { font-size: 10pt; }
  body { max-width: none; padding: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .cswb-doc-title { margin: 0; }
  .cswb-toc { break-after: page; }
  main > section { break-before: page; }
  /* A section with a table of ten or more columns prints on landscape pages. */
  main > section:has(.cswb-table thead th:nth-child(10)) { page: wide; }
  h2, h3, h4, h5, h6, caption { break-after: avoid; }
  /* A figure and its caption share a page: the chart is never taller than a page leaves room for. */
  figure, svg, tr, li { break-inside: avoid; }
  figcaption { break-before: avoid; }
  figure svg { max-height: 7.2in; width: auto; }
  main > section:has(.cswb-table thead th:nth-child(10)) figure svg { max-height: 5.4in; }  /* landscape */
  .cswb-doc-part > h3 + * { break-before: avoid; }
  thead { display: table-header-group; }
  .cswb-wide-table { overflow: visible; }
  /* A caption and header row never end a page without a row of their table (first body only: on
     every body of a one-body-per-record table it forbade every break, and the table jumped a page). */
  tbody:first-of-type > tr:first-child { break-before: avoid; }
  a, a:link, a:visited { color: inherit; text-decoration: none; }
  /* A figure's data table prints whole with its heading where it fits a page: the map's six wards
     once left one row alone on a page of its own. */
  details > summary { break-after: avoid; }
  details > table { break-inside: avoid; }
}
"""


DRAFT_MARK = N_("Draft – not adopted")  # shown as `_(DRAFT_MARK)`
EDITION_CSS = """
.cswb-edition { padding: 0 1.25rem; }
.cswb-edition ul { margin: 0.25rem 0; }
.cswb-draft-statement, .cswb-draft-note { border-left: 4px solid #a50e0e; padding: 0.25rem 0.75rem;
  background: #fdecec; color: #1b1b1b; font-weight: bold; }
"""


@dataclass(frozen=True)
class Edition:
    """Which plan a document shows: an adopted version, the working draft, or (progress) what it measures against.

    `version` is None for the working draft. An adopted version's document states no date of its
    making, so it stays the same, byte for byte, however the workspace changes later.
    """

    version: int | None = None
    label: str = ""
    kind: str = "adoption"  # "adoption" or "revision"
    in_force_since: str = ""  # ISO date
    councils: tuple[str, ...] = ()  # one statement per council: "X council adopted it on D (resolution R)"
    # The same, as parts the document words in its own language: (council, "adopted" or "approved"
    # for an adopted version, else the council's standing; ISO date or ""; the reference as shown or "").
    adoptions: tuple[tuple[str, str, str, str], ...] = ()

    @property
    def draft(self) -> bool:
        return self.version is None

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "label": self.label, "kind": self.kind,
                "in_force_since": self.in_force_since, "councils": list(self.councils),
                "adoptions": [list(a) for a in self.adoptions]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Edition:
        return cls(data.get("version"), str(data.get("label", "")), str(data.get("kind", "adoption")),
                   str(data.get("in_force_since", "")), tuple(str(c) for c in data.get("councils", ())),
                   tuple((str(a[0]), str(a[1]), str(a[2]), str(a[3])) for a in data.get("adoptions", ()) if len(a) == 4))

    def statements(self) -> tuple[str, ...]:
        """Each council's statement in the current language (from `adoptions`; else as recorded)."""
        if not self.adoptions:
            return self.councils
        said = []
        for council, standing, day, reference in self.adoptions:
            if self.draft:
                text = _("{council}: {standing}").format(council=council, standing=_(standing) if standing else "")
                said.append(text + (f" ({prose_date(day)})" if day else ""))
                continue
            text = (_("{council} approved it on {date}") if standing == "approved"
                    else _("{council} adopted it on {date}")).format(council=council, date=prose_date(day))
            shown = reference.replace("{resolution}", _("resolution"))
            said.append(text + (f" ({shown})" if reference else ""))
        return tuple(said)


def prose_date(iso: str | dt.date) -> str:
    """A date in a sentence, in the document's language ("4 décembre 2026"); what is not a date stays as given."""
    try:
        return format_date(iso if isinstance(iso, dt.date) else dt.date.fromisoformat(iso))
    except ValueError:
        return str(iso)


def _edition_html(edition: Edition, kind: str, today: dt.date) -> Markup:
    """The title page's statement: the version, each council's adoption, or that this is a draft."""
    if kind != "plan":
        if edition.draft:
            text = _("Progress report, prepared on {today}. It measures progress against the working draft of the "
                     "plan (no version has been adopted yet).").format(today=prose_date(today))
        else:
            text = _("Progress report, prepared on {today}. It measures progress against version {version} of the "
                     "plan (“{label}”), in force since {since}.").format(
                today=prose_date(today), version=edition.version, label=edition.label,
                since=prose_date(edition.in_force_since))
        return Markup('<p class="cswb-doc-meta">{}</p>').format(text)
    if edition.draft:
        standings = Markup("").join(Markup("<li>{}.</li>").format(standing) for standing in edition.statements())
        text = _("{draft}. This is the working draft of the plan, prepared on {today}; not every council taking part "
                 "has adopted it.").format(draft=_(DRAFT_MARK), today=prose_date(today))
        return Markup('<div class="cswb-edition cswb-draft-statement"><p>{}</p>{}</div>').format(
            text, Markup("<ul>{}</ul>").format(standings) if standings else "")
    adopted = Markup("").join(Markup("<li>{}.</li>").format(statement) for statement in edition.statements())
    what = (_("Revision {version} of the plan: “{label}”, in force since {since}.") if edition.kind == "revision"
            else _("Version {version} of the plan: “{label}”, in force since {since}."))
    text = what.format(version=edition.version, label=edition.label, since=prose_date(edition.in_force_since))
    return Markup('<div class="cswb-edition"><p>{}</p><ul>{}</ul></div>').format(text, adopted)


def _running_header(plan_name: str, edition: Edition, outline: Outline) -> str:
    """What the print lane repeats at the top of every page (the plan's name is escaped text already)."""
    name = html_text.unescape(plan_name)
    if outline.kind != "plan":
        return f"{name} – {_(outline.label)}"
    return f"{name} – {_(DRAFT_MARK)}" if edition.draft else f"{name} – {edition.label}"


class AssemblyError(CswbError):
    """An executed notebook lacks a part the document needs."""


@dataclass(frozen=True)
class CellOutput:
    html: str
    heading: str | None  # the notebook's markdown heading just above the cell, if any


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def output_html(outputs: list[Mapping[str, Any]], alt: str | None = None, *, printed: bool = False) -> str:
    """A cell's displayed outputs as HTML: HTML as it is, SVG inline, PNG/JPEG as images with
    `alt` as their text alternative, plain text escaped; with `printed`, what it printed too."""
    shown = []
    for output in outputs:
        kind = output.get("output_type")
        data = output.get("data", {})
        if printed and kind == "stream" and output.get("name") == "stdout":
            shown.append(f"<pre>{html_text.escape(_text(output.get('text')))}</pre>")
        if kind not in ("display_data", "execute_result"):
            continue
        if "text/html" in data:
            shown.append(_text(data["text/html"]))
        elif "image/svg+xml" in data:
            shown.append(_text(data["image/svg+xml"]))
        elif "image/png" in data or "image/jpeg" in data:
            mime = "image/png" if "image/png" in data else "image/jpeg"
            encoded = re.sub(r"\s+", "", _text(data[mime]))
            base64.b64decode(encoded, validate=True)  # nothing but an image goes into the src
            shown.append(str(Markup('<img src="data:{};base64,{}" alt="{}">').format(mime, encoded, alt or _("Figure"))))
        elif "text/plain" in data:
            shown.append(f"<pre>{html_text.escape(_text(data['text/plain']))}</pre>")
    return "".join(shown)


def notebook_parts(notebook: Mapping[str, Any]) -> dict[str, CellOutput]:
    """Each part's HTML output, by the name its cell is tagged with (`part:<name>`; the first such cell)."""
    parts: dict[str, CellOutput] = {}
    cells = notebook.get("cells", [])
    for index, cell in enumerate(cells):
        name = part_of(cell)
        if name is not None and name not in parts:
            heading = heading_above(cells, index)
            parts[name] = CellOutput(output_html(cell.get("outputs", []), heading), heading)
    return parts


def added_cells(notebook: Mapping[str, Any], kind: str) -> list[tuple[str, CellOutput]]:
    """The outputs of the cells an analyst added to the `kind` document: (section key, output)."""
    cells = notebook.get("cells", [])
    found = []
    for addition in additions(notebook, kind):
        heading = heading_above(cells, addition.index)
        found.append((addition.section, CellOutput(output_html(cells[addition.index].get("outputs", []), heading, printed=True), heading)))
    return found


def heading_above(cells: list[Mapping[str, Any]], index: int) -> str | None:
    """The heading of the step a cell belongs to: the nearest markdown cell above it, passing over
    notes for analysts and the step's own computation (untagged code); None past a tagged cell
    (another part, the parameters)."""
    for cell in reversed(cells[:index]):
        tags = tags_of(cell)
        if ANALYST_NOTES in tags:
            continue
        if cell.get("cell_type") == "code":
            if tags:
                return None
            continue
        return _markdown_heading(cell)
    return None


def _markdown_heading(cell: Mapping[str, Any] | None) -> str | None:
    if not cell or cell.get("cell_type") != "markdown":
        return None
    for line in source_text(cell).splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip() or None
    return None


# -- moving markup about ----------------------------------------------------------------------------


def relevel(html: str, top: int) -> str:
    """Shift every heading so the highest one in `html` becomes h`top` (order kept; h6 at most)."""
    levels = [int(m.group(2)) for m in _HEADING_TAG.finditer(html) if not m.group(1)]
    if not levels:
        return html
    shift = top - min(levels)
    return _HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{min(max(int(m.group(2)) + shift, 1), 6)}", html)


def unlink_apps(html: str) -> str:
    """Links to workbook apps (relative addresses) lead nowhere in a document: keep their text only."""

    def plain(match: re.Match[str]) -> str:
        href = _HREF.search(match.group(1))
        if href is None or href.group(1).startswith(_KEEP_LINKS):
            return match.group(0)
        return f"<span>{match.group(2)}</span>"

    return _LINK.sub(plain, html)


_CLOSED_DETAILS = re.compile(r"<details\b(?![^>]*\bopen\b)", re.IGNORECASE)


def open_details(html: str) -> str:
    """A document shows what an app folds away (data tables, lists): a folded `<details>` would not print."""
    return _CLOSED_DETAILS.sub("<details open", html)


def take_styles(html: str, styles: dict[str, None]) -> str:
    """Remove `<style>` blocks from `html`, adding each distinct one to `styles` (in order)."""

    def take(match: re.Match[str]) -> str:
        styles.setdefault(match.group(1).strip(), None)
        return ""

    return _STYLE.sub(take, html)


def status_labels() -> frozenset[str]:
    """The statuses a table cell may hold (an action's, a measure's): short labels kept on one line,
    since a narrow status column once printed "In" and "progress" on two lines (in English and in the
    document's language)."""
    return _status_labels(current_language())


@functools.cache
def _status_labels(_language: str) -> frozenset[str]:
    from ..framework import load_catalogue
    from ..model.evaluation import NO_DATA, OFF_TRACK, ON_TRACK, PARTIAL

    english = [*(entry.name for entry in load_catalogue().action_statuses),
               *(status.capitalize() for status in (ON_TRACK, OFF_TRACK, NO_DATA, PARTIAL)), "No status", "Dropped"]
    return frozenset([*english, *(_(label) for label in english)])


def keep_whole(html: str) -> str:
    """Mark the dates, codes and status labels in table cells, and the dates in prose, so that they
    never break across lines (`.cswb-whole`); drawings, scripts and styles are left as they are."""
    statuses = status_labels()

    def whole(found: re.Match[str]) -> str:
        return f'<span class="cswb-whole">{found.group(0)}</span>'

    def in_cell(segment: str) -> str:
        if segment.strip() in statuses and " " in segment.strip():
            return f'<span class="cswb-whole">{segment}</span>'
        return _WHOLE_TOKEN.sub(whole, segment)

    def in_prose(segment: str) -> str:
        return _ISO_DATE.sub(whole, segment)

    def text_only(markup: str, change: Callable[[str], str]) -> str:
        # Text between tags and character references only, never inside either.
        pieces = re.split(r"(<[^<>]+>|&#?\w+;)", markup)
        return "".join(piece if piece[:1] in ("<", "&") else change(piece) for piece in pieces)

    parts, done = [], 0
    for block in _KEPT_APART.finditer(html):
        parts.append(text_only(html[done:block.start()], in_prose))
        parts.append(text_only(block.group(0), in_cell) if block.group(1).lower() == "table" else block.group(0))
        done = block.end()
    parts.append(text_only(html[done:], in_prose))
    return "".join(parts)


def scroll_wide_tables(html: str) -> str:
    """Put each table of eight or more columns in a region that scrolls sideways on a narrow screen
    and can be scrolled from the keyboard (focusable, named by the table's caption)."""

    def wrap(table: re.Match[str]) -> str:
        markup = table.group(0)
        head = _THEAD.search(markup)
        if head is None or len(re.findall(r"<th\b", head.group(0))) < WIDE_TABLE_COLUMNS:
            return markup
        caption = _CAPTION.search(markup)
        name = re.sub(r"<[^>]*>", "", caption.group(1)).strip() if caption else ""  # escaped text already
        return (f'<div class="cswb-wide-table" role="region" tabindex="0" aria-label="{name or _("Table")}">'
                f"{markup}</div>")

    return _TABLE.sub(wrap, html)


def ids_in(html: str) -> set[str]:
    return {m.group(1) for tag in _TAG.finditer(html) for m in _ID.finditer(tag.group(0))}


def prefix_ids(html: str, prefix: str, ids: set[str]) -> str:
    """Rename the ids `ids` (and every reference to them inside tags) to `prefix` + id."""

    def rename(value: str) -> str:
        return prefix + value if value in ids else value

    def in_tag(tag: re.Match[str]) -> str:
        text = _ID.sub(lambda m: f'id="{rename(m.group(1))}"', tag.group(0))
        text = _REFERENCE_LISTS.sub(
            lambda m: f'{m.group(1)}="{" ".join(rename(v) for v in m.group(2).split())}"', text)
        return _REFERENCE_URLS.sub(lambda m: m.group(1) + rename(m.group(2)), text)

    return _TAG.sub(in_tag, html)


def risk_blocks(html: str) -> list[tuple[str, str, str, str]]:
    """The `risk_part_html` blocks of a per-risk part: (risk id, part, risk name markup, body)."""
    starts = list(_RISK_BLOCK.finditer(html))
    blocks = []
    for n, match in enumerate(starts):
        end = starts[n + 1].start() if n + 1 < len(starts) else len(html)
        body = html[match.end():end].rstrip()
        body = body.removesuffix("</section>")
        blocks.append((match.group(1), match.group(2), match.group(3), body))
    return blocks


# -- the document ---------------------------------------------------------------------------------------


class _Document:
    def __init__(self, notebooks: Mapping[str, Mapping[str, Any]], kind: str) -> None:
        self._parts = {name: notebook_parts(nb) for name, nb in notebooks.items()}
        self.added: dict[str, list[CellOutput]] = {}
        for nb in notebooks.values():
            for key, output in added_cells(nb, kind):
                self.added.setdefault(key, []).append(output)
        self.styles: dict[str, None] = {}
        self.ids: set[str] = set()
        self.toc: list[tuple[str, str]] = []  # (id, title markup)
        self._count = 0
        self.draft_note = ""  # a draft plan says so at the top of every section

    def output(self, part: Part) -> CellOutput:
        found = self._parts.get(part.notebook, {}).get(part.call)
        if found is None:
            raise AssemblyError(_("{notebook}.ipynb has no cell tagged part:{part} (the document needs it)").format(
                notebook=part.notebook, part=part.call))
        return found

    def fit(self, html: str, top: int) -> str:
        """A part's markup made ready for the document: styles out, links plain, headings moved, folded
        details open, ids unique."""
        html = open_details(relevel(unlink_apps(take_styles(html, self.styles)), top))
        clashes = ids_in(html) & self.ids
        if clashes:
            self._count += 1
            html = prefix_ids(html, f"p{self._count}-", clashes)
        self.ids |= ids_in(html)
        return html

    def claim(self, key: str) -> str:
        self.ids.add(key)
        return key

    def part_html(self, part: Part) -> str:
        found = self.output(part)
        return self.titled(found, found.heading if isinstance(part.title, FromNotebook) else part.title)

    def added_html(self, key: str) -> str:
        """The analyst's cells added to section `key`, each under the heading above it."""
        return "".join(self.titled(found, found.heading) for found in self.added.get(key, []))

    def titled(self, found: CellOutput, title: str | None) -> str:
        """The part under its heading: a notebook's heading is translated when the catalogue knows it."""
        title = title and _(title)
        if not title:
            return self.fit(found.html, 3)
        return str(Markup('<div class="cswb-doc-part"><h3>{}</h3>').format(title)) + self.fit(found.html, 4) + "</div>"

    def section(self, key: str, title: Markup | str, body: str) -> str:
        section_id = self.claim(f"section-{key}")
        self.claim(f"{section_id}-title")
        heading = Markup(title) if isinstance(title, Markup) else Markup("{}").format(title)
        self.toc.append((section_id, str(heading)))
        return str(Markup('<section id="{0}" aria-labelledby="{0}-title"><h2 id="{0}-title">{1}</h2>').format(section_id, heading)
                   ) + self.draft_note + body + "</section>"

    def per_risk(self, spec: PerRisk) -> list[str]:
        order: list[str] = []
        names: dict[str, str] = {}
        bodies: dict[tuple[str, str], str] = {}
        fallback = ""
        for part in spec.parts:
            html = self.output(part).html
            blocks = risk_blocks(html)
            if not blocks and not fallback:
                fallback = html  # e.g. "No priority risk chosen yet."
            for risk_id, _kind, name, body in blocks:
                if risk_id not in names:
                    order.append(risk_id)
                    names[risk_id] = re.sub(r"<[^>]*>", "", name)  # escaped text; no markup in a heading
                bodies[(risk_id, part.call)] = body
            take_styles(html, self.styles)  # any outside the blocks
        if not order:
            return [self.section("priority-risks", _("Priority risks"), self.fit(fallback, 3))]
        sections = []
        for number, risk_id in enumerate(order, start=1):
            body = "".join(self.fit(bodies[(risk_id, p.call)], 3) for p in spec.parts if (risk_id, p.call) in bodies)
            title = Markup(html_text.escape(_("Priority risk: {risk}"))).replace("{risk}", Markup(names[risk_id]))
            sections.append(self.section(f"risk-{number}", title, body))
        return sections


def assemble(notebooks: Mapping[str, Mapping[str, Any]], outline: Outline, *, today: dt.date | None = None,
             edition: Edition | None = None) -> str:
    """The report document (a complete HTML page) from executed notebooks, by notebook name.

    `edition`: which plan the notebooks ran on (default: the working draft)."""
    today = today or dt.date.today()
    edition = edition or Edition()
    doc = _Document(notebooks, outline.kind)
    if outline.kind == "plan" and edition.draft:
        doc.draft_note = str(Markup('<p class="cswb-draft-note">{}</p>').format(_(DRAFT_MARK)))
    doc.claim("contents-title")
    title_page = doc.fit(doc.output(outline.title_page).html, 1)
    sections: list[str] = []
    for item in outline.body:
        if isinstance(item, PerRisk):
            sections.extend(doc.per_risk(item))
        else:
            assert isinstance(item, Section)
            body = "".join(doc.part_html(part) for part in item.parts) + doc.added_html(item.key)
            sections.append(doc.section(item.key, _(item.title), body))
    if doc.added.get(APPENDIX):
        sections.append(doc.section(APPENDIX, _("Appendix: further analysis"), doc.added_html(APPENDIX)))
    h1 = re.search(r"<h1\b[^>]*>(.*?)</h1>", title_page, re.DOTALL)
    plan_name = re.sub(r"<[^>]*>", "", h1.group(1)).strip() if h1 else html_text.escape(_(outline.label))  # escaped text already
    toc = Markup("").join(
        Markup('<li><a href="#{}">{}</a></li>').format(section_id, Markup(title)) for section_id, title in doc.toc
    )
    styles = "\n".join(doc.styles) + DOCUMENT_CSS + EDITION_CSS
    head = Markup(
        '<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<title>{title}</title><style>{styles}</style></head><body data-running-header="{running}">'
    ).format(lang=current_language(), title=Markup(plan_name) + Markup(" – ") + _(outline.label), styles=Markup(styles),
             running=_running_header(plan_name, edition, outline))
    header = Markup(
        '<header class="cswb-doc-title">{page}{edition}</header>'
        '<nav class="cswb-toc" aria-labelledby="contents-title"><h2 id="contents-title">{contents}</h2><ol>{toc}</ol></nav>'
    ).format(page=Markup(title_page), edition=_edition_html(edition, outline.kind, today), toc=toc,
             contents=_("Contents"))
    if outline.kind == "plan" and not edition.draft:  # no date: the adopted plan reads the same whenever it is made
        made = _("from version {version} of the plan as adopted").format(version=edition.version)
    else:
        made = _("on {today} from the community workspace").format(today=prose_date(today))
    footer = Markup("<footer><p>{}</p></footer>").format(Markup(html_text.escape(_(
        "Every section of this document is drawn from the plan's data by the CSWB Workbook ({command}, {made}). "
        "Counts under 5 are not published; contact details never are."))).replace(
        "{command}", Markup("<code>cswb report</code>")).replace("{made}", Markup.escape(made)))
    return str(head + header) + "<main>" + scroll_wide_tables(keep_whole("".join(sections))) + "</main>" + str(footer) + "</body></html>\n"
