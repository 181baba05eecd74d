"""The French and the bilingual plan in Debian's Chromium with the network cut: accessible, in French.

Each document is opened from disk in an offline context; axe-core must find no serious or critical
violation (its `html-has-lang` and `valid-lang` rules read the document's `lang`), the page must
declare French (or English), and the contents link to sections titled in that language.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_harness import axe, describe_violations
from playwright.sync_api import expect
from sample_workspaces import sample_workspace

from cswb_widgets import i18n
from cswb_widgets.report import build_reports

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def bilingual(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workspace = sample_workspace("maple-falls", tmp_path_factory.mktemp("workspaces") / "maple-falls")
    out = tmp_path_factory.mktemp("plan-both")
    results = build_reports([workspace], out, kind="plan", formats=("html",), language="both", progress=False)
    assert [r.status for r in results] == ["ok"], [r.error for r in results]
    return out / "maple-falls"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_each_language_of_the_plan_is_accessible_and_declares_its_language(browser, bilingual: Path, language: str) -> None:
    context = browser.new_context()
    context.set_offline(True)
    try:
        page = context.new_page()
        page.goto((bilingual / f"plan.{language}.html").as_uri(), wait_until="load")
        expect(page.locator("html")).to_have_attribute("lang", language)
        with i18n.use_language(language):
            contents, first_section = i18n._("Contents"), i18n._("Community and coordinators")
        expect(page.locator("nav.cswb-toc h2")).to_have_text(contents)
        page.locator("nav.cswb-toc a").first.click()
        expect(page).to_have_url(re.compile("#section-community$"))
        expect(page.locator("#section-community-title")).to_have_text(first_section)
        # The interactive map's own page speaks the document's language too.
        expect(page.frame_locator("iframe.cswb-screen-only").locator("html")).to_have_attribute("lang", language)
        violations = axe(page)
        assert not violations, describe_violations(violations)
    finally:
        context.close()
