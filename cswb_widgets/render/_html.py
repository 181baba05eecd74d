"""Escaping, colours and the shared stylesheet of every static component."""

from __future__ import annotations

import re

from markupsafe import Markup, escape as _markup_escape

from ..store.schema import HEX_COLOUR, LOGO_DATA_URI


def escape(value: object) -> Markup:
    """HTML-escape any value (None becomes empty); safe in text and in quoted attributes."""
    return _markup_escape("" if value is None else value)


# Text/background pairs used by every component; tests check each against WCAG AA (4.5:1).
PALETTE: dict[str, str] = {
    "text": "#1b1b1b",
    "muted": "#4a4a4a",
    "background": "#ffffff",
    "surface": "#f3f4f6",
    "border": "#6b6b6b",  # form-control borders: 3:1 or more against the background
    "error": "#a50e0e",
    "error_background": "#fdecec",
    "ok": "#14632b",
    "focus": "#1a4fd6",
    "link": "#1a4fd6",
}


def _rgb(colour: str) -> tuple[float, float, float]:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return tuple(int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.0 contrast ratio of two ``#rgb``/``#rrggbb`` colours (1 to 21)."""
    a, b = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def readable_text_colour(background: str) -> str:
    """Black or white, whichever contrasts more with ``background`` (always at least 4.5:1)."""
    return max(("#000000", "#ffffff"), key=lambda text: contrast_ratio(text, background))


# The store already refuses other values; checked again here because these strings land
# inside CSS and a src attribute, and a workspace file can be edited by other tools.


def safe_colour(value: object, default: str) -> str:
    """A user-entered colour, only if it is a plain ``#rrggbb`` colour."""
    return value if isinstance(value, str) and re.fullmatch(HEX_COLOUR, value) else default


def safe_logo(value: object) -> str | None:
    """A PNG or JPEG data URI, or None (a URL would load from the network)."""
    return value if isinstance(value, str) and re.fullmatch(LOGO_DATA_URI, value) else None


def stylesheet() -> str:
    """CSS for the static components (scoped to ``.cswb-*`` classes); each *_html may inline it.

    Doubled classes (``.cswb-table.cswb-table td``) outrank JupyterLab's rendered-HTML rules
    (``:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td``), which Voilà and nbconvert share.
    """
    p = PALETTE
    return f"""
.cswb-vh, .cswb-visually-hidden {{ position: absolute !important; width: 1px; height: 1px;
  padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }}
.cswb-static {{ color: {p["text"]}; background: {p["background"]}; font-size: 0.95rem; }}
.cswb-static a, .cswb-static.cswb-static a:link, .cswb-static.cswb-static a:visited {{ color: {p["link"]};
  text-decoration: underline; }}  /* colour alone does not tell a link from text (WCAG 1.4.1) */
.cswb-table {{ border-collapse: collapse; margin: 0.5rem 0; }}
.cswb-table caption {{ text-align: left; font-weight: 600; padding: 0.25rem 0; }}
.cswb-table.cswb-table th, .cswb-table.cswb-table td {{ border: 1px solid {p["border"]}; padding: 0.25rem 0.5rem;
  text-align: left; vertical-align: top; }}
.cswb-table thead th {{ background: {p["surface"]}; }}
.cswb-empty {{ color: {p["muted"]}; font-style: italic; }}
.cswb-coverage-summary {{ font-weight: 600; }}
.cswb-status-missing {{ color: {p["error"]}; font-weight: 600; }}
.cswb-status-covered {{ color: {p["ok"]}; }}
.cswb-guidance {{ border: 1px solid {p["border"]}; border-radius: 4px; padding: 0.25rem 0.75rem; }}
.cswb-guidance summary {{ cursor: pointer; font-weight: 600; padding: 0.25rem 0; }}
.cswb-guidance summary:focus-visible, .cswb-header a:focus-visible {{
  outline: 3px solid {p["focus"]}; outline-offset: 2px; }}
.cswb-header {{ padding: 0.5rem 0.75rem; border-bottom: 6px solid var(--cswb-accent); }}
.cswb-header-identity {{ display: flex; gap: 0.75rem; align-items: center; margin: 0 0 0.5rem; }}
.cswb-header-identity img {{ max-height: 3rem; max-width: 8rem; }}
.cswb-header-plan {{ font-size: 1.15rem; font-weight: 700; }}
.cswb-header ol {{ display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; list-style: none;
  margin: 0; padding: 0; }}
.cswb-header li {{ display: flex; flex-direction: column; }}
.cswb-header a, .cswb-header.cswb-header a:link, .cswb-header.cswb-header a:visited {{
  color: inherit; text-decoration: underline; }}
.cswb-header a[aria-current="page"] {{ font-weight: 700; text-decoration-thickness: 3px; }}
.cswb-header-progress {{ font-size: 0.85rem; }}
.cswb-meter {{ display: block; width: 6rem; height: 0.4rem; border: 1px solid currentColor; }}
.cswb-meter > span {{ display: block; height: 100%; background: currentColor; }}
"""


def with_style(markup: str, style: bool) -> str:
    return f"<style>{stylesheet()}</style>{markup}" if style else markup
