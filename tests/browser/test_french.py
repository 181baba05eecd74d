"""A francophone facilitator's path: switch the launcher to French, open a workbook, and it stays French."""

from __future__ import annotations

import re

import pytest
from browser_harness import axe, describe_violations, wait_for_app
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LOAD_MS = 180_000


def test_french_chosen_on_the_launcher_holds_in_the_apps_and_after_a_reload(server, page) -> None:
    page.goto(server.base_url)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Espaces de travail des collectivités")
    expect(page.get_by_role("navigation", name="Langue").get_by_role("link", name="English")).to_be_visible()
    violations = axe(page)
    assert not violations, describe_violations(violations)

    # the choice sticks: the launcher's own address, without ?lang=, is French
    page.goto(server.base_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Espaces de travail des collectivités")

    card = page.get_by_role("region", name="Maple Falls").filter(has_text=re.compile(r"dossier maple-falls(\s|$)"))
    card.get_by_role("link", name="Engagement de collaboration pour Maple Falls").click()
    wait_for_app(page, LOAD_MS)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1).first).to_have_text(re.compile(r"^Engagement\s*:\s*obtenir un engagement"))
    steps = page.get_by_role("navigation", name="Étapes de ce cahier")  # the template's script, in French
    steps.get_by_role("link", name=re.compile(r"^\d+\s*Organismes$")).click(timeout=LOAD_MS)
    expect(page.get_by_role("button", name="Ajouter une ligne").first).to_be_visible()  # a widget's front end
    violations = axe(page)
    assert not violations, describe_violations(violations)

    # a reload of the app's own address (no lang= in it) is French again: the cookie carries it
    page.goto(f"{server.base_url}voila/render/commitment.ipynb?workspace=maple-falls")
    wait_for_app(page, LOAD_MS)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("navigation", name="Étapes de ce cahier")).to_be_visible()
    page.reload()
    wait_for_app(page, LOAD_MS)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1).first).to_have_text(re.compile(r"^Engagement\s*:"))

    # and back to English from the launcher
    page.goto(f"{server.base_url}?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Community workspaces")
