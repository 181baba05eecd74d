"""Printing the HTML document to PDF with one kept headless Chromium (Debian's, not a downloaded one).

Starting a browser costs about as much as printing a plan, so a :class:`Printer` starts one
(through Playwright, with the system Chromium as its `executable_path`) and prints document
after document, each in a fresh page of one kept browser context; a batch worker keeps one for its whole run
(:func:`worker_printer`). Printing runs offline: the document is self-contained and handed to
the page as text, every request it would make is aborted, and every host name resolves to
nothing.

Each page carries a running header (the body's `data-running-header`, else the `<title>`) and
"Page N of M". The contents get page numbers in two passes: the first print's named
destinations (Chromium writes one for every in-document link target) say on which page each
section starts; the numbers go into slots of fixed width that were already there in the first
pass, so the contents keep their length and the second print has the same pages.

Most of a print's cost is layout, so three speed-ups leave the prints' layout alone and skip the rest
(`CSWB_REPORT_UNOPTIMISED=1` switches them off; the PDF is the same): the page is never laid out
for the screen (a screen-only style hides it: only the prints lay it out), a frame shown on screen
only (`cswb-screen-only`: the plan's interactive map, half the file) is left out of what is loaded,
and the page-finding print paints only the elements with an id (`visibility` changes no layout), not the text.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import html as html_text
import io
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import CswbError
from ..i18n import _, use_language
from .baseline import unoptimised

CHROMIUM_ENV = "CSWB_CHROMIUM"  # path of the browser to print with, if not chromium on the PATH
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PRINT_TIMEOUT = 180  # seconds, for one document
# Offline: nothing can be fetched while printing, whatever a document asks for.
LAUNCH_ARGS = ("--host-resolver-rules=MAP * ~NOTFOUND", "--disable-dev-shm-usage", "--disable-gpu",
               "--disable-extensions", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--mute-audio", "--no-first-run")
# Young generation of 1 MB, old of at most 256 MB (a 5 MB PDF passes through as a few copies).
DRIVER_NODE_OPTIONS = "--max-semi-space-size=1 --max-old-space-size=256"
# Letter; the margins leave room for the running header and the page numbers (DOCUMENT_CSS's @page matches).
PAGE_MARGINS = {"top": "18mm", "right": "14mm", "bottom": "18mm", "left": "14mm"}
_FURNITURE_STYLE = ("font-family: 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif; font-size: 8pt; color: #4a4a4a; "
                    "width: 100%; box-sizing: border-box; padding: 0 14mm; display: flex; justify-content: space-between;")
TOC_PAGE_CLASS = "cswb-toc-page"
MAX_PASSES = 3  # prints of one document at most: one to find the pages, then until the contents match them
# A full garbage collection in the renderer costs 0.07-0.1 s of CPU for a sample plan, so a kept
# printer collects only once garbage has piled up: this many characters of documents printed
# since the last collection (a sample plan is 0.2 M once its map is left out, a large city's
# 1.0 M), or once scripts hold this much (the plans have no scripts of their own).
GARBAGE_CHARACTERS = 1_000_000
GARBAGE_SCRIPT_BYTES = 64 * 2**20
LARGE_DOCUMENT = 500_000  # characters: its page-finding print's layout is collected before the final print

# Hides the page on screen (not in print): the browser never lays the document out for a screen
# nobody looks at, at load and again after each print (0.4 s and more of CPU a plan).
SCREEN_OFF = '<style media="screen">html { display: none !important; }</style>'
# The page-finding print paints the link targets only: their pages are all it is for.
PAINT_TARGETS_ONLY = "body *:not([id]) { visibility: hidden !important; }"
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)
# A frame shown on screen only (the plan's interactive map) is loaded even though print hides it:
# its page, scripts and all, in a renderer process of its own (a sandboxed frame is another site).
_SCREEN_ONLY_FRAME = re.compile(r'<iframe\b[^>]*\bclass="(?:[^"]*\s)?cswb-screen-only(?:\s[^"]*)?"[^>]*>.*?</iframe\s*>',
                                re.IGNORECASE | re.DOTALL)
# What a browser fetches only for a page it lays out (a web font, a CSS image, a lazy image): such
# a page would print without it, so it is loaded the plain way.
_NEEDS_SCREEN_LAYOUT = r"""() => {
  const fetches = /@font-face|@import|url\(\s*(?!['"]?#)/i;  // url(#id) names a part of the page
  for (const sheet of document.styleSheets) {
    let rules;
    try { rules = sheet.cssRules; } catch (error) { return true; }
    for (const rule of rules) if (fetches.test(rule.cssText)) return true;
  }
  const styled = document.querySelectorAll('[style*="url(" i]');
  return [...styled].some(element => fetches.test(element.getAttribute('style')))
    || document.querySelector('img[loading="lazy" i]') !== null;
}"""

_RUNNING_HEADER = re.compile(r'<body\b[^>]*\bdata-running-header="([^"]*)"', re.IGNORECASE)
_HTML_LANG = re.compile(r'<html\b[^>]*\blang="([^"]*)"', re.IGNORECASE)
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)

# Each contents entry that links into the document gets an empty slot for its page number.
_ADD_SLOTS = """(cls) => {
  const ids = [];
  for (const link of document.querySelectorAll('.cswb-toc li > a[href^="#"]')) {
    const id = decodeURIComponent(link.getAttribute('href').slice(1));
    if (!document.getElementById(id)) continue;
    const slot = document.createElement('span');
    slot.className = cls;
    slot.dataset.target = id;
    link.after(slot);
    ids.push(id);
  }
  return ids;
}"""
_FILL_SLOTS = """([cls, pages]) => {
  for (const slot of document.querySelectorAll('.' + cls)) {
    const page = pages[slot.dataset.target];
    slot.textContent = page === undefined ? '' : String(page);
  }
}"""


@contextlib.contextmanager
def _driver_options() -> Iterator[None]:
    """Playwright's driver (node, started now) collects its garbage sooner: it holds each PDF it
    passes on a while, and kept 160-195 MB where 115-150 MB do (a large city's plan included)."""
    before = os.environ.get("NODE_OPTIONS")
    os.environ["NODE_OPTIONS"] = f"{before or ''} {DRIVER_NODE_OPTIONS}".strip()
    try:
        yield
    finally:
        if before is None:
            del os.environ["NODE_OPTIONS"]
        else:
            os.environ["NODE_OPTIONS"] = before


class PdfError(CswbError):
    """The browser could not print the document."""


def find_chromium() -> Path | None:
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        return Path(configured) if Path(configured).exists() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return Path("/usr/bin/chromium") if Path("/usr/bin/chromium").exists() else None


def running_header(document: str) -> str:
    """The text each page's header repeats: the body's `data-running-header`, else the title."""
    found = _RUNNING_HEADER.search(document) or _TITLE.search(document)
    return html_text.unescape(re.sub(r"\s+", " ", found.group(1))).strip() if found else ""


def header_template(text: str) -> str:
    """One line (a text too long for it ends in an ellipsis), escaped: the page's own markup never mixes in."""
    line = "min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;"
    return f'<div style="{_FURNITURE_STYLE}"><span style="{line}">{html_text.escape(text)}</span></div>'


def footer_template(language: str = "en") -> str:
    """"Page N of M" in the document's language (Chromium fills the two numbers)."""
    with use_language(language):
        words = html_text.escape(_("Page {page} of {pages}"))
    numbers = words.replace("{page}", '<span class="pageNumber"></span>').replace(
        "{pages}", '<span class="totalPages"></span>')
    return f'<div style="{_FURNITURE_STYLE} justify-content: flex-end;"><span>{numbers}</span></div>'


def document_language(document: str) -> str:
    """The `lang` of the document's `<html>` element."""
    found = _HTML_LANG.search(document)
    return found.group(1) if found else "en"


def section_pages(pdf: bytes, ids: list[str]) -> dict[str, int]:
    """The page (from 1) on which each of `ids` is, from the PDF's named destinations."""
    from pypdf.errors import PdfReadError

    # Strict first: Chromium's PDFs are well formed, and a lenient reader checks every object's
    # offset before it reads anything (half its time); a PDF strict reading refuses is read leniently.
    try:
        return _destination_pages(pdf, ids, strict=True)
    except PdfReadError:
        return _destination_pages(pdf, ids, strict=False)


def _destination_pages(pdf: bytes, ids: list[str], *, strict: bool) -> dict[str, int]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf), strict=strict)
    found = {}
    for name, destination in reader.named_destinations.items():
        key = name.removeprefix("/")
        number = reader.get_destination_page_number(destination) if key in ids else None
        if number is not None:
            found[key] = number + 1
    return found


def without_screen_layout(document: str) -> str | None:
    """`document` with :data:`SCREEN_OFF` at the end of its head and without its screen-only frames
    (None if it has no head)."""
    head_end = _HEAD_END.search(document)
    if head_end is None:
        return None
    return _SCREEN_ONLY_FRAME.sub("", document[:head_end.start()] + SCREEN_OFF + document[head_end.start():])


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class Printer:
    """One headless Chromium, kept for every document it prints; a crashed one is replaced.

    Use as a context manager (or call :meth:`close`). `launches` counts the browsers started.
    Playwright's sync API runs once per process and not inside a running asyncio loop (a Jupyter
    kernel's): `cswb report` prints in its worker processes, where neither is the case.
    """

    def __init__(self, *, chromium: Path | None = None, timeout: float = PRINT_TIMEOUT,
                 quick: bool | None = None) -> None:
        self.chromium = chromium or find_chromium()
        # No screen layout, a page-finding print without text (None: unless baseline.unoptimised()).
        self.quick = not unoptimised() if quick is None else quick
        if self.chromium is None:
            raise PdfError(_("no Chromium to print PDF with: install chromium (Debian: apt install chromium) or set "
                             "{variable}").format(variable=CHROMIUM_ENV))
        self.timeout = timeout
        self.launches = 0
        self.laid_out_for_screen = 0  # documents a quick printer loaded the plain way (they fetch when laid out)
        self._playwright: Any = None
        self._browser: Any = None
        self._context: Any = None  # kept with the browser
        self._page: Any = None  # quick: kept for the next document (see _page_ready)
        self._devtools: Any = None  # the kept page's DevTools session
        self._printed_since_collection = 0  # characters of documents (see GARBAGE_CHARACTERS)

    def __enter__(self) -> Printer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _browser_ready(self) -> Any:
        if self._browser is not None and self._browser.is_connected():
            return self._browser
        self.close()
        from playwright.sync_api import sync_playwright

        with _driver_options():
            self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(
            executable_path=str(self.chromium), args=list(LAUNCH_ARGS), timeout=self.timeout * 1000)
        self.launches += 1
        return self._browser

    def print(self, html_path: Path, pdf_path: Path) -> Path:
        """Print `html_path` to `pdf_path` (Letter, the document's print styles, running header,
        page numbers, contents with page numbers). A crash is retried once in a new browser."""
        html_path, pdf_path = Path(html_path), Path(pdf_path)
        pdf_path.unlink(missing_ok=True)  # a failed print leaves no older PDF behind to be taken for this one
        try:
            document = html_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PdfError(_("cannot read {file}: {reason}").format(file=html_path, reason=exc)) from None
        try:
            pdf = self._print(document)
        except Exception as first:  # noqa: BLE001 - crashed, stuck or closed: a new browser gets one more try
            self.close()
            try:
                pdf = self._print(document)
            except Exception as second:  # noqa: BLE001 - told in one line; the batch goes on
                self.close()
                raise PdfError(_("Chromium could not print {file} (tried twice, in a new browser the second time): "
                                 "{reason} (first try: {first})").format(
                    file=html_path.name, reason=_first_line(second), first=_first_line(first))) from None
        partial = pdf_path.with_name(pdf_path.name + ".partial")
        partial.write_bytes(pdf)
        partial.replace(pdf_path)
        return pdf_path

    def _context_ready(self) -> Any:
        """The browser's one context (offline, every request aborted), made once: a new context
        cost 0.3-0.7 s a document, a new page in it a tenth of that. No document sees another's:
        each is self-contained, with no storage, and gets a new window (:meth:`_page_ready`)."""
        browser = self._browser_ready()
        if self._context is None:
            context = browser.new_context(offline=True)
            context.set_default_timeout(self.timeout * 1000)
            context.route("**/*", lambda route: route.abort())  # the document is self-contained
            self._context = context
        return self._context

    def _page_ready(self) -> Any:
        """A page for the next document: quick, the last document's page, blank since that
        document was printed (:meth:`_let_go`); else a new one."""
        if self._page is None:
            self._page = self._context_ready().new_page()
            self._devtools = None
        return self._page

    def _let_go(self, page: Any) -> None:
        """Quick: after its document, the page goes blank (a new window: the document's scripts,
        timers and globals end with it; loading the next one into the old window kept a script's
        timers running into it) and, once garbage has piled up (:data:`GARBAGE_CHARACTERS`), the
        renderer collects it. Chromium would keep it (a large city's plan left its renderer at
        480 MB, 114 MB once collected) while the worker's kernel makes the next community. A page
        that cannot go blank is replaced."""
        try:
            page.goto("about:blank")
            if self._printed_since_collection >= GARBAGE_CHARACTERS or self._script_bytes(page) >= GARBAGE_SCRIPT_BYTES:
                self._collect_garbage(page)
        except Exception:  # noqa: BLE001 - the next document gets a new page (or browser)
            self._close_page(page)

    def _devtools_of(self, page: Any) -> Any:
        if self._devtools is None:
            self._devtools = self._context_ready().new_cdp_session(page)
        return self._devtools

    def _script_bytes(self, page: Any) -> int:
        """What scripts hold in the renderer: its script heap and their arrays' storage."""
        usage = self._devtools_of(page).send("Runtime.getHeapUsage")
        return int(usage["usedSize"] + usage.get("backingStorageSize", 0))

    def _collect_garbage(self, page: Any) -> None:
        """A full collection in `page`'s renderer (script objects and Blink's, layout's too)."""
        self._devtools_of(page).send("HeapProfiler.collectGarbage")
        self._printed_since_collection = 0

    def _close_page(self, page: Any) -> None:
        self._page = self._devtools = None
        with contextlib.suppress(Exception):  # a crashed browser took its pages with it
            page.close()

    def _print(self, document: str) -> bytes:
        page = self._page_ready()
        if not self.quick:  # a new page for each document
            try:
                return self._print_on(page, document)
            finally:
                self._close_page(page)
        pdf = self._print_on(page, document)
        self._let_go(page)
        return pdf

    def _print_on(self, page: Any, document: str) -> bytes:
        quick = without_screen_layout(document) if self.quick else None
        size = len(quick or document)
        self._printed_since_collection += size
        if quick is not None:
            page.set_content(quick, wait_until="load")
        if quick is None or page.evaluate(_NEEDS_SCREEN_LAYOUT):
            self.laid_out_for_screen += self.quick
            page.set_content(document, wait_until="load")
        page.evaluate("document.fonts.ready.then(() => true)")
        # The pass that finds the pages prints the same layout (the furniture sits in the margins)
        # without the furniture, tags and outline, which cost time and change no page.
        finding = {"format": "Letter", "prefer_css_page_size": True,  # a wide table's section asks for landscape
                   "print_background": True, "margin": PAGE_MARGINS}
        options = {**finding, "outline": True, "tagged": True, "display_header_footer": True,
                   "header_template": header_template(running_header(document)),
                   "footer_template": footer_template(document_language(document))}
        ids = page.evaluate(_ADD_SLOTS, TOC_PAGE_CLASS)
        if not ids:
            return bytes(page.pdf(**options))
        pages = self._find_pages(page, ids, finding, size)
        filled: dict[str, int] | None = None
        for _attempt in range(MAX_PASSES - 1):  # the numbers' slots have a fixed width: one filling is enough
            if pages == filled:
                break
            page.evaluate(_FILL_SLOTS, [TOC_PAGE_CLASS, pages])
            filled = pages
            pdf: bytes = page.pdf(**options)
            pages = section_pages(pdf, ids)
        return pdf

    def _find_pages(self, page: Any, ids: list[str], finding: dict[str, Any], size: int) -> dict[str, int]:
        """The page of each of `ids`, from a print without the contents' numbers. Quick: only the
        targets painted; a target that print missed (none should) gets the full print's answer."""
        if self.quick:
            style = page.add_style_tag(content=PAINT_TARGETS_ONLY)
            try:
                pages = section_pages(page.pdf(**finding), ids)
            finally:
                style.evaluate("element => element.remove()")
            # That print's layout is garbage now: collected before the next print lays a large
            # document out again, it does not add to that print's peak (a large city's plan: 410 -> 283 MB).
            if size >= LARGE_DOCUMENT:
                self._collect_garbage(page)
                self._printed_since_collection = size  # the final print's layout will be garbage too
            if set(pages) == set(ids):
                return pages
        return section_pages(page.pdf(**finding), ids)

    def close(self) -> None:
        self._context = self._page = self._devtools = None  # closed with their browser
        browser, self._browser = self._browser, None
        playwright, self._playwright = self._playwright, None
        for stop in (browser.close if browser else None, playwright.stop if playwright else None):
            if stop is not None:
                with contextlib.suppress(Exception):  # a browser that is already gone is closed enough
                    stop()


def print_pdf(html_path: Path, pdf_path: Path, *, chromium: Path | None = None, timeout: float = PRINT_TIMEOUT) -> Path:
    """Print one document in a browser started for it alone (a batch keeps one: :func:`worker_printer`)."""
    with Printer(chromium=chromium, timeout=timeout) as printer:
        return printer.print(html_path, pdf_path)


@functools.cache
def worker_printer() -> Printer:
    """This process's printer, kept for every document a batch worker prints (closed at exit)."""
    printer = Printer()
    atexit.register(printer.close)
    return printer
