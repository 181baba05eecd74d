"""Printing the HTML document to PDF with headless Chromium (Debian's, not a downloaded one).

nbconvert's webpdf exporter wants Playwright's own browser download; the system Chromium's
`--print-to-pdf` prints the same page with nothing to download. Printing runs offline: every
host name resolves to nothing, so a page that tried to load anything would show it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import CswbError

CHROMIUM_ENV = "CSWB_CHROMIUM"  # path of the browser to print with, if not chromium on the PATH
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PRINT_TIMEOUT = 180  # seconds


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


def print_pdf(html_path: Path, pdf_path: Path, *, chromium: Path | None = None, timeout: float = PRINT_TIMEOUT) -> Path:
    """Print `html_path` to `pdf_path` (Letter, the document's own print styles, no browser header)."""
    browser = chromium or find_chromium()
    if browser is None:
        raise PdfError(f"no Chromium to print PDF with: install chromium or set {CHROMIUM_ENV}")
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path).resolve()
    pdf_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="cswb-chromium-") as profile:
        command = [
            str(browser), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
            "--disable-background-networking", "--disable-component-update", "--mute-audio",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # offline: nothing can be fetched while printing
            f"--user-data-dir={profile}", "--no-pdf-header-footer", "--generate-pdf-document-outline",
            f"--print-to-pdf={pdf_path}", html_path.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PdfError(f"Chromium did not print {html_path.name} within {timeout:.0f} s") from exc
        except OSError as exc:
            raise PdfError(f"could not start {browser}: {exc}") from exc
    if not pdf_path.exists() or pdf_path.stat().st_size == 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise PdfError(f"Chromium wrote no PDF for {html_path.name} (exit {done.returncode}): " + " / ".join(detail))
    return pdf_path
