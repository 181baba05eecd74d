"""The plan document in Debian's Chromium with the network cut: whole, inert, accessible.

The plan HTML is opened straight from disk (no server) in a browser context that is offline;
the page may load nothing but itself and data: URIs, must open no dialog (the hostile
workspace's `<img src=x onerror=alert(1)>` stays text), shows every chart, the interactive
map on screen and its drawing in print, and axe-core finds no serious or critical violation.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_harness import HOSTILE_NAME, axe, describe_violations, wait_until
from playwright.sync_api import expect
from sample_workspaces import sample_workspace
from test_report import hostile_workspace

from cswb_widgets.report import build_reports

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report-workspaces")
    communities = [sample_workspace("maple-falls", root / "maple-falls"), hostile_workspace(root / "hostile")]
    out = tmp_path_factory.mktemp("report-html")
    results = build_reports(communities, out, kind="plan", formats=("html",), jobs=2)
    assert [r.status for r in results] == ["ok", "ok"], [r.error for r in results]
    return out


@pytest.mark.parametrize("community", ["maple-falls", "hostile"])
def test_the_plan_opens_offline_inert_and_accessible(browser, reports: Path, community: str) -> None:
    context = browser.new_context()
    context.set_offline(True)
    requests: list[str] = []
    dialogs: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    try:
        page = context.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto((reports / community / "plan.html").as_uri(), wait_until="load")
        assert not [url for url in requests if not url.startswith(("file:", "data:", "about:"))], requests
        expect(page.locator("h1")).to_have_count(1)
        toc = page.locator("nav.cswb-toc a")
        expect(toc.nth(7)).to_be_attached()  # at least eight entries
        toc.last.click()  # the contents work as links within the page
        expect(page).to_have_url(re.compile("#section-sources$"))
        # Every chart and diagram is drawn (inline SVG: nothing to fetch), with a text alternative;
        # the map's drawing waits for paper (below).
        figures = page.eval_on_selector_all(
            "svg[role=img]:not(.cswb-print-only svg)",
            "els => els.map(e => [e.getBoundingClientRect().width, e.getAttribute('aria-labelledby')])")
        assert len(figures) >= 4 and all(width > 100 and labelled for width, labelled in figures)
        if community == "maple-falls":
            # On screen the community map is the interactive one, working offline: Leaflet inlined
            # in the frame, the six wards as shapes one can point at, zoom buttons that zoom.
            frame = page.frame_locator("iframe.cswb-screen-only")
            expect(frame.locator("path.leaflet-interactive")).to_have_count(6)
            ward = frame.locator("path.leaflet-interactive").first
            width_before = ward.bounding_box()["width"]
            frame.get_by_role("button", name="Zoom in").click()
            wait_until(page, lambda: ward.bounding_box()["width"] > 1.5 * width_before, "the ward grew on zoom")
            expect(page.locator(".cswb-print-only").first).to_be_hidden()
            page.emulate_media(media="print")  # on paper: the drawing, not the frame
            expect(page.locator("iframe.cswb-screen-only")).to_be_hidden()
            drawing = page.locator(".cswb-print-only svg[role=img]")
            expect(drawing).to_be_visible()
            assert drawing.bounding_box()["width"] > 300
            page.emulate_media(media="screen")
        if community == "hostile":
            expect(page.get_by_text(HOSTILE_NAME).first).to_be_visible()  # shown as text, never run
            expect(page.locator("img[src=x]")).to_have_count(0)
        violations = axe(page)
        assert not violations, describe_violations(violations)
        assert not dialogs, dialogs
    finally:
        context.close()


def test_nothing_runs_past_the_window_at_1366_px(browser, reports: Path) -> None:
    """The widest tables (the actions, 11 columns) fit the text column on a 1,366 px screen, whole."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.set_offline(True)
    try:
        page = context.new_page()
        page.goto((reports / "maple-falls" / "plan.html").as_uri(), wait_until="load")
        expect(page.locator("table.cswb-table").last).to_be_visible()
        past = page.evaluate("""() => {
          const width = document.documentElement.clientWidth;
          const out = [];
          for (const el of document.querySelectorAll('body *')) {
            const box = el.getBoundingClientRect();
            if (box.width && box.right > width + 1) out.push(`${el.tagName}.${el.className} ends at ${Math.round(box.right)}`);
          }
          for (const region of document.querySelectorAll('table, .cswb-wide-table')) {
            if (region.scrollWidth > region.clientWidth + 1) out.push(`scrolls sideways: ${region.textContent.slice(0, 60)}`);
          }
          return out;
        }""")
        assert past == [], past[:10]
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    finally:
        context.close()
