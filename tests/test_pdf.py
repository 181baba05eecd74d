"""The printed PDF: one kept Chromium per worker, page furniture, contents with page numbers,
and tables whose words and dates are never split (read back with poppler's `pdftotext -layout`).

Playwright's sync API starts once per process and the browser tests hold it for the session, so
the printer runs here in a process of its own (as it does in a batch worker).
"""

from __future__ import annotations

import html as html_text
import http.server
import multiprocessing
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from concurrent import futures
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sample_workspaces import SAMPLES, SampleReports

from cswb_widgets.report.assemble import DOCUMENT_CSS, keep_whole, scroll_wide_tables, status_labels
from cswb_widgets.report.baseline import first_difference, normalised_pdf
from cswb_widgets.report.pdf import (
    SCREEN_OFF,
    PdfError,
    Printer,
    find_chromium,
    header_template,
    running_header,
    section_pages,
    without_screen_layout,
)
from cswb_widgets.store import Workspace

pytestmark = pytest.mark.skipif(find_chromium() is None or shutil.which("pdftotext") is None,
                                reason="needs Debian's chromium and poppler-utils (.ci/run installs both)")

PUNCTUATION = ",;:.()[]\"'"


@pytest.fixture(scope="module")
def own_process() -> Iterator[futures.Executor]:
    """One process for the module's printers (each test starts and closes its own printer there)."""
    with futures.ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


def in_own_process(pool: futures.Executor, function: Callable[..., Any], *args: Any) -> Any:
    return pool.submit(function, *args).result(timeout=300)


def pdf_pages(pdf: Path) -> list[str]:
    """Each page's text as poppler lays it out (columns of a table side by side, as printed)."""
    done = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return done.stdout.split("\f")[:-1]


def words(text: str) -> set[str]:
    return {word.strip(PUNCTUATION) for word in text.split()}


def whole_in(word: str, printed: set[str]) -> bool:
    """`word` was printed whole: as it is, or split only after one of its own hyphens."""
    if word in printed:
        return True
    parts = word.split("-")
    return len(parts) > 1 and all(f"{part}-" in printed for part in parts[:-1]) and parts[-1] in printed


def small_document(title: str, header: str | None = None, sections: int = 3, extra: str = "") -> str:
    """A document shaped like the assembled ones: contents linking to sections that start on new pages."""
    attribute = f' data-running-header="{header}"' if header is not None else ""
    toc = "".join(f'<li><a href="#section-{n}">Section {n}</a></li>' for n in range(1, sections + 1))
    body = "".join(f'<section id="section-{n}"><h2>Section {n}</h2>' + "<p>Some text of the section.</p>" * 60 * n
                   + "</section>" for n in range(1, sections + 1))
    return (f"<!DOCTYPE html><html><head><title>{title}</title><style>{DOCUMENT_CSS}</style></head><body{attribute}><nav class=\"cswb-toc\"><h2>Contents</h2><ol>{toc}</ol></nav>{extra}"
            f"<main>{body}</main></body></html>")


# -- the printer, in a process of its own ----------------------------------------------------------------


def print_documents(paths: list[str]) -> int:
    with Printer() as printer:
        for path in paths:
            printer.print(Path(path), Path(path).with_suffix(".pdf"))
        return printer.launches


def print_kill_print(first: str, second: str) -> tuple[int, int]:
    import contextlib
    import os

    import psutil

    with Printer() as printer:
        printer.print(Path(first), Path(first).with_suffix(".pdf"))
        browsers = [p for p in psutil.Process(os.getpid()).children(recursive=True) if "chrom" in p.name().lower()]
        for process in browsers:
            with contextlib.suppress(psutil.NoSuchProcess):  # a renderer ends with its browser, killed just before
                process.kill()
        psutil.wait_procs(browsers, timeout=10)
        printer.print(Path(second), Path(second).with_suffix(".pdf"))
        return len(browsers), printer.launches


def quick_and_plain_differences(paths: list[str]) -> tuple[list[str], int]:
    """Print each document quick (no screen layout, a page-finding print of the targets only) and
    the plain way: where the two PDFs differ, apart from what `baseline` sets aside; and how many
    documents the quick printer had to lay out for the screen after all."""
    printed, laid_out = {}, 0
    for quick in (True, False):
        with Printer(quick=quick) as printer:
            for path in paths:
                target = Path(path).with_suffix(f".{'quick' if quick else 'plain'}.pdf")
                printed[path, quick] = normalised_pdf(printer.print(Path(path), target).read_bytes())
            laid_out += printer.laid_out_for_screen
    return [f"{Path(path).name} from byte {offset}" for path in paths
            if (offset := first_difference(printed[path, True], printed[path, False])) is not None], laid_out


def renderer_memory_after_printing(path: str) -> int:
    """Bytes the browser's renderer processes hold once `path` is printed (PSS: shared pages divided
    among the processes that share them)."""
    import os

    import psutil

    with Printer() as printer:
        printer.print(Path(path), Path(path).with_suffix(".pdf"))
        renderers = [p for p in psutil.Process(os.getpid()).children(recursive=True)
                     if "--type=renderer" in p.cmdline()]
        return sum(p.memory_full_info().pss for p in renderers)


def print_with_browser(chromium: str, path: str) -> str:
    try:
        with Printer(chromium=Path(chromium)) as printer:
            printer.print(Path(path), Path(path).with_suffix(".pdf"))
    except PdfError as exc:
        return str(exc)
    return "printed"


@pytest.mark.slow
def test_one_browser_prints_every_document(own_process: futures.Executor, tmp_path: Path) -> None:
    paths = []
    for n in range(4):
        path = tmp_path / f"doc-{n}.html"
        path.write_text(small_document(f"Document {n}", sections=n + 1), encoding="utf-8")
        paths.append(str(path))
    assert in_own_process(own_process, print_documents, paths) == 1
    for n, path in enumerate(paths):
        pages = pdf_pages(Path(path).with_suffix(".pdf"))
        assert f"Section {n + 1}" in "".join(pages)


@pytest.mark.slow
def test_a_documents_script_does_not_reach_the_next_document(own_process: futures.Executor, tmp_path: Path) -> None:
    # A quick printer keeps its page: a timer of the first document must end with it.
    timer = "<script>setInterval(() => document.body.append('LEAKED'), 1)</script>"
    first, second = tmp_path / "first.html", tmp_path / "second.html"
    first.write_text(small_document("First", extra=timer), encoding="utf-8")
    second.write_text(small_document("Second"), encoding="utf-8")
    assert in_own_process(own_process, print_documents, [str(first), str(second)]) == 1
    assert "LEAKED" not in "".join(pdf_pages(second.with_suffix(".pdf")))


@pytest.mark.slow
def test_a_printed_documents_memory_is_given_back(own_process: futures.Executor, tmp_path: Path) -> None:
    # A worker keeps its browser while its kernel makes the next community: what a document's
    # scripts and layout left (here 400 MB of script data) must not stay with the renderer.
    garbage = "<script>window.kept = new Float64Array(50_000_000).fill(1.5)</script>"
    path = tmp_path / "heavy.html"
    path.write_text(small_document("Heavy", extra=garbage), encoding="utf-8")
    assert in_own_process(own_process, renderer_memory_after_printing, str(path)) < 250 * 2**20


@pytest.mark.slow
def test_a_killed_browser_is_replaced_and_the_document_printed(own_process: futures.Executor, tmp_path: Path) -> None:
    first, second = tmp_path / "first.html", tmp_path / "second.html"
    first.write_text(small_document("First"), encoding="utf-8")
    second.write_text(small_document("Second after the crash"), encoding="utf-8")
    killed, launches = in_own_process(own_process, print_kill_print, str(first), str(second))
    assert killed >= 1 and launches == 2
    assert "Second after the crash" in pdf_pages(second.with_suffix(".pdf"))[0]


@pytest.mark.slow
def test_a_browser_that_cannot_print_gives_one_line(own_process: futures.Executor, tmp_path: Path) -> None:
    path = tmp_path / "doc.html"
    path.write_text(small_document("Doc"), encoding="utf-8")
    message = in_own_process(own_process, print_with_browser, shutil.which("false") or "/bin/false", str(path))
    assert message.startswith("Chromium could not print doc.html (tried twice")
    assert "\n" not in message and "Traceback" not in message
    assert not path.with_suffix(".pdf").exists()


class _Counting(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def counting_server() -> Iterator[tuple[str, list[str]]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    _Counting.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Counting.requests
    server.shutdown()


@pytest.mark.slow
def test_printing_fetches_nothing(own_process: futures.Executor, tmp_path: Path, counting_server: tuple[str, list[str]]) -> None:
    address, requests = counting_server
    extra = (f'<img src="{address}/image.png" alt="x"><link rel="stylesheet" href="{address}/style.css">'
             f'<iframe src="{address}/frame"></iframe><script src="{address}/script.js"></script>'
             f'<p style="background: url({address}/bg.png)">x</p>')
    path = tmp_path / "doc.html"
    path.write_text(small_document("Doc", extra=extra), encoding="utf-8")
    assert in_own_process(own_process, print_documents, [str(path)]) == 1
    assert requests == []
    assert "Section 1" in "".join(pdf_pages(path.with_suffix(".pdf")))


@pytest.mark.slow
def test_page_furniture_and_contents_page_numbers(own_process: futures.Executor, tmp_path: Path) -> None:
    header = "Maple Falls CSWB Plan – Draft – not adopted &lt;b&gt; &amp; co"
    path = tmp_path / "doc.html"
    path.write_text(small_document("Title not used", header=header, sections=3), encoding="utf-8")
    in_own_process(own_process, print_documents, [str(path)])
    pages = pdf_pages(path.with_suffix(".pdf"))
    for number, page in enumerate(pages, start=1):
        assert page.strip().splitlines()[0].strip() == "Maple Falls CSWB Plan – Draft – not adopted <b> & co"
        assert f"Page {number} of {len(pages)}" in page
    contents = dict(re.findall(r"^\s*\d+\.\s+(Section \d)\s+(\d+)\s*$", pages[0], re.MULTILINE))
    assert list(contents) == ["Section 1", "Section 2", "Section 3"]
    for title, page in contents.items():
        assert first_line_below_header(pages[int(page) - 1]) == title


def test_the_running_header_falls_back_to_the_title_and_is_escaped() -> None:
    assert running_header("<html><head><title>Plan &amp; <i>x</i></title></head><body>") == "Plan & <i>x</i>"
    assert running_header('<title>T</title><body class="a" data-running-header="Adopted 2021-06-14">') == "Adopted 2021-06-14"
    assert "<i>" not in header_template("Plan & <i>x</i>") and "&lt;i&gt;" in header_template("Plan & <i>x</i>")


def test_the_quick_print_leaves_out_screen_only_frames_and_nothing_else() -> None:
    """The plan's interactive map (a frame print hides) would load, scripts and all, for every print."""
    frame = ('<iframe class="cswb-screen-only" title="Map (interactive map)" srcdoc="&lt;script&gt;L.map()&lt;/script&gt;'
             '&lt;p title=&#34;a&#34;&gt;x&lt;/p&gt;" style="width:100%" sandbox="allow-scripts"></iframe>')
    other_frames = ('<iframe title="Shown on paper too" srcdoc="&lt;p&gt;kept&lt;/p&gt;"></iframe>'
                    '<IFRAME class="cswb-screen-only-not" srcdoc="kept too"></IFRAME>')
    body = f'<figure>{frame}<div class="cswb-print-only"><svg></svg></div></figure>{other_frames}'
    second_class = frame.replace('class="', 'class="wide ')  # one of its classes
    document = f"<html><head><title>T</title></head><body>{body}{second_class}</body></html>"
    quick = without_screen_layout(document)
    assert quick == (f'<html><head><title>T</title>{SCREEN_OFF}</head><body><figure><div class="cswb-print-only">'
                     f"<svg></svg></div></figure>{other_frames}</body></html>")
    assert without_screen_layout(body) is None  # no head: printed the plain way, frames and all


def test_section_pages_come_from_named_destinations_even_in_a_damaged_pdf() -> None:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _page in range(3):
        writer.add_blank_page(612, 792)
    writer.add_named_destination("introduction", 0)
    writer.add_named_destination("risks", 2)
    written = io.BytesIO()
    writer.write(written)
    pdf = written.getvalue()
    # Bytes before the first object: every offset in its cross-reference table is wrong, which only
    # a lenient reading (it finds the objects again) gets past.
    damaged = pdf.replace(b"\n1 0 obj", b"\n%moved\n1 0 obj", 1)
    assert damaged != pdf
    for document in (pdf, damaged):
        assert section_pages(document, ["introduction", "risks", "not-in-it"]) == {"introduction": 1, "risks": 3}


def first_line_below_header(page: str) -> str:
    lines = [line.strip() for line in page.splitlines() if line.strip()]
    return lines[1]


# -- every sample's plan and a progress report, printed by a batch -------------------------------------------


@pytest.fixture(scope="module")
def printed(sample_reports: SampleReports) -> dict[str, tuple[Path, Path]]:
    """(workspace, PDF) of every sample's plan and of Maple Falls' progress report (made once per session)."""
    found = {sample: (sample_reports.workspaces[sample], sample_reports.document("plan", sample, "pdf"))
             for sample in SAMPLES}
    found["maple-falls progress"] = (sample_reports.workspaces["maple-falls"],
                                     sample_reports.document("progress", "maple-falls", "pdf"))
    return found


DOCUMENTS = [*SAMPLES, "maple-falls progress"]


@pytest.mark.slow
@pytest.mark.parametrize("document", DOCUMENTS)
def test_action_titles_and_dates_print_whole(printed: dict[str, tuple[Path, Path]], document: str) -> None:
    workspace, pdf = printed[document]
    shown = html_text.unescape(re.sub(r"<[^>]+>", "", pdf.with_suffix(".html").read_text(encoding="utf-8")))
    printed_words = words("\n".join(pdf_pages(pdf)))
    with Workspace.open(workspace, read_only=True) as ws:
        actions = ws.table("actions")
    checked = 0
    for action in actions.itertuples():
        if action.title not in shown:
            continue  # the document does not list this one (e.g. the progress report's selection)
        checked += 1
        broken = [word for word in action.title.split() if not whole_in(word.strip(PUNCTUATION), printed_words)]
        assert not broken, f"{action.title!r}: {broken} split across lines"
        for date in (action.start, action.end):
            if isinstance(date, str) and date:
                assert date in printed_words, f"{action.title!r}: date {date} split across lines"
    assert checked >= (len(actions) if document in SAMPLES else 1)


@pytest.mark.slow
@pytest.mark.parametrize("document", DOCUMENTS)
def test_no_page_carries_only_a_scrap(printed: dict[str, tuple[Path, Path]], document: str) -> None:
    """Every page but the last carries more than two lines besides its running header and page number
    (a map's data table once left its last row, under its column headers, alone on a page)."""
    _workspace, pdf = printed[document]
    pages = pdf_pages(pdf)
    for number, page in enumerate(pages[:-1], start=1):
        lines = [line.strip() for line in page.splitlines() if line.strip()][1:]
        lines = [line for line in lines if not line.startswith("Page ")]
        assert len(lines) > 2, f"page {number} carries only {lines}"


@pytest.mark.slow
@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_page_is_numbered_and_the_contents_point_at_the_sections(
        printed: dict[str, tuple[Path, Path]], document: str) -> None:
    _workspace, pdf = printed[document]
    pages = pdf_pages(pdf)
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
    html = pdf.with_suffix(".html").read_text(encoding="utf-8")
    sections = re.findall(r'<li><a href="#section-[^"]+">(.*?)</a></li>', html)
    contents_page = next(page for page in pages if "Contents" in page)
    entries = re.findall(r"^\s*(\d+)\.\s+(.+?)\s{2,}(\d+)\s*$", contents_page, re.MULTILINE)
    assert [int(n) for n, _title, _page in entries] == list(range(1, len(sections) + 1))
    for _n, title, page in entries:
        heading = first_line_below_header(pages[int(page) - 1])
        assert title.startswith(heading) or heading.startswith(title), f"{title!r} is not on page {page}"


@pytest.mark.slow
def test_the_quick_print_is_the_plain_one(printed: dict[str, tuple[Path, Path]], own_process: futures.Executor,
                                          tmp_path: Path) -> None:
    # Every sample's plan and a progress report, and documents whose print needs what only a laid-out
    # page fetches (a CSS image, a web font): those are loaded the plain way.
    image = "url(data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7)"
    font = "src: local('DejaVu Serif')"
    extras = {"css-image.html": f'<p style="height: 5em; background: {image}">Shaded</p>',
              "web-font.html": f"<style>@font-face {{ font-family: Serif; {font}; }} p {{ font-family: Serif; }}</style>"}
    paths = [str(pdf.with_suffix(".html")) for _workspace, pdf in printed.values()]
    for name, extra in extras.items():
        (tmp_path / name).write_text(small_document(name, extra=extra), encoding="utf-8")
        paths.append(str(tmp_path / name))
    assert in_own_process(own_process, quick_and_plain_differences, paths) == ([], len(extras))


def test_dates_and_codes_in_tables_are_kept_whole_and_nothing_else_changes() -> None:
    cell = ('<td title="2024-07-01">Resolution CS-2024-061 of 2024-05-28, 2024–2028; well-being; '
            "&lt;b&gt;x-1&lt;/b&gt;</td>")
    prose = '<p title="2024-07-02">From 2024-07-01, CS-2024-061</p><svg><text>2024-07-03</text></svg>'
    html = f"{prose}<table><caption>From 2024-06-01</caption><tr>{cell}</tr></table>"
    kept = keep_whole(html)
    whole = re.findall(r'<span class="cswb-whole">([^<]*)</span>', kept)
    # prose: its dates only; drawings and attributes never
    assert whole == ["2024-07-01", "2024-06-01", "CS-2024-061", "2024-05-28", "2024–2028", "x-1"]
    assert "<text>2024-07-03</text>" in kept and 'title="2024-07-02"' in kept
    assert 'title="2024-07-01"' in kept and "well-being" in kept and "&lt;b&gt;" in kept and "<b>" not in kept
    assert re.sub(r'</?span[^>]*>', "", kept) == html


def test_a_status_label_in_a_table_is_kept_whole_and_prose_is_not() -> None:
    html = "<p>In progress</p><table><tr><td>In progress</td><td>Work is in progress</td><td>On track</td></tr></table>"
    kept = keep_whole(html)
    assert re.findall(r'<span class="cswb-whole">([^<]*)</span>', kept) == ["In progress", "On track"]
    assert kept.startswith("<p>In progress</p>") and re.sub(r"</?span[^>]*>", "", kept) == html


@pytest.mark.slow
def test_statuses_print_whole_in_the_progress_report(printed: dict[str, tuple[Path, Path]]) -> None:
    _workspace, pdf = printed["maple-falls progress"]
    html = pdf.with_suffix(".html").read_text(encoding="utf-8")
    text = "\n".join(pdf_pages(pdf))
    checked = 0
    for status in sorted(s for s in status_labels() if " " in s):
        cells = len(re.findall(rf"<t[dh][^>]*>(?:<span[^>]*>)?{re.escape(status)}(?:</span>)?</t[dh]>", html))
        checked += cells
        # each cell's label on one line (prose may hold it too, whole or not: >=), and no line holding
        # only its end, as a narrow column printed "In" on one line and "progress" on the next
        assert len(re.findall(re.escape(status), text)) >= cells, f"{status!r} split across lines"
        tail = status.split(" ", 1)[1]
        assert not [line for line in text.splitlines() if line.strip() == tail], f"{status!r} split across lines"
    assert checked > 0


def test_only_wide_tables_scroll_and_they_can_be_scrolled_from_the_keyboard() -> None:
    def table(columns: int, caption: str = "") -> str:
        head = "".join(f"<th>C{n}</th>" for n in range(columns))
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody><tr><td>x</td></tr></tbody></table>"

    narrow, wide = table(7), table(11, '<caption>Actions for &lt;b&gt; <span class="cswb-whole">2024-07-01</span></caption>')
    assert scroll_wide_tables(narrow) == narrow
    assert scroll_wide_tables(wide) == (
        '<div class="cswb-wide-table" role="region" tabindex="0" aria-label="Actions for &lt;b&gt; 2024-07-01">'
        f"{wide}</div>")
