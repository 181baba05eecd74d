"""Choosing the apps' language: the page's address, the cookie, the kernel, the served notebook."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from i18n_apps import html_text

from cswb_widgets import i18n
from cswb_widgets.notebooks import for_app, in_language, read_notebook
from cswb_widgets.paths import workbooks_dir
from cswb_widgets.serve.launcher import render_launcher, workspace_cards
from cswb_widgets.serve.vote_pages import render_ballot
from cswb_widgets.store import Workspace
from cswb_widgets.store.ballots import device_ballot
from cswb_widgets.workbooks import page

STAGES = frozenset({"commitment", "buy_in", "risk", "assets", "evaluation", "implementation"})


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    """set_language is process-wide: leave English for the tests that follow."""
    yield
    i18n.set_language(i18n.DEFAULT_LANGUAGE)


@pytest.mark.parametrize(
    ("asked", "remembered", "expected"),
    [("fr", None, "fr"), ("fr-CA", "en", "fr"), (None, "fr", "fr"), ("en", "fr", "en"), ("de", "fr", "fr"),
     ("<script>", None, "en"), (None, None, "en"), ("", "", "en")],
)
def test_the_address_wins_over_the_cookie_and_anything_else_is_english(asked, remembered, expected) -> None:
    assert i18n.chosen_language(asked, remembered) == expected


def test_a_kernels_language_holds_in_every_later_context_and_a_block_overrides_it() -> None:
    i18n.set_language("fr")
    # ipykernel runs each cell and each widget callback in a context of its own
    assert contextvars.Context().run(i18n.current_language) == "fr"
    assert contextvars.Context().run(i18n._, "Add row") == "Ajouter une ligne"
    with i18n.use_language("en"):
        assert i18n._("Add row") == "Add row"
    assert i18n._("Add row") == "Ajouter une ligne"


def test_the_kernel_takes_the_language_the_server_passed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Workspace.create(tmp_path / "root" / "maple", name="Maple", kind="municipality").close()
    monkeypatch.setattr(page, "_received", None)
    monkeypatch.setenv("VOILA_PREHEAT", "False")
    monkeypatch.setenv(page.ROOT_ENV, str(tmp_path / "root"))
    monkeypatch.setenv("QUERY_STRING", "workspace=maple")
    monkeypatch.setenv(i18n.LANGUAGE_ENV, "fr")
    page.resolve_workspace()
    assert i18n.current_language() == "fr"
    monkeypatch.delenv(i18n.LANGUAGE_ENV)
    monkeypatch.setenv("QUERY_STRING", "workspace=maple&lang=en")
    page.resolve_workspace()
    assert i18n.current_language() == "en"


def test_the_served_notebook_has_french_markdown_and_says_its_language() -> None:
    notebook = for_app(read_notebook(workbooks_dir() / "risk.ipynb"))
    shown = in_language(notebook, "fr")
    markdown = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                for c in shown["cells"] if c["cell_type"] == "markdown"]
    assert "## Registre des risques\n\nDes risques tirés des catégories provinciales ou propres à la collectivité." in markdown
    assert not any(text.startswith("## Risk register") for text in markdown)
    assert shown["metadata"]["cswb"]["language"] == "fr"
    assert shown["metadata"]["cswb"]["messages"]["Add row"] == "Ajouter une ligne"  # for the widgets' JavaScript
    # the code cells are the notebook's own, untouched
    assert [c for c in shown["cells"] if c["cell_type"] == "code"] == [c for c in notebook["cells"] if c["cell_type"] == "code"]
    english = in_language(notebook, "en")
    assert english["metadata"]["cswb"] == {"language": "en", "messages": {}}


@pytest.mark.slow
def test_the_launcher_in_french(tmp_path: Path) -> None:
    Workspace.create(tmp_path / "maple", name="Maple Falls", kind="municipality").close()
    with i18n.use_language("fr"):
        page_html = render_launcher(workspace_cards(tmp_path, STAGES))
    assert '<html lang="fr">' in page_html
    assert "<h1>Espaces de travail des collectivités</h1>" in page_html
    assert re.search(r"Mettre l(?:'|’|&#39;)accent sur le risque", page_html)  # a stage's title
    assert "Ébauche (non adoptée)" in page_html
    assert re.search(r'href="voila/render/risk\.ipynb\?workspace=maple&amp;lang=fr"', page_html)  # carried to the apps
    # the switch: English is a link, French the current language
    assert '<a href="?lang=en" lang="en" hreflang="en">English</a>' in page_html
    assert '<span lang="fr" aria-current="true">Français</span>' in page_html
    with i18n.use_language("en"):
        english = render_launcher(workspace_cards(tmp_path, STAGES))
    assert '<html lang="en">' in english and "<h1>Community workspaces</h1>" in english
    assert 'href="voila/render/risk.ipynb?workspace=maple"' in english


def test_the_ballot_in_french(maple: Path) -> None:
    with Workspace.open(maple, read_only=True) as ws:
        ballot = device_ballot(ws, None)
    with i18n.use_language("fr"):
        shown = render_ballot(ballot, xsrf_form_html="")
    assert '<html lang="fr">' in shown
    words = " ".join(html_text(shown))  # what the page shows, not the scripts' catalogue
    assert "Soumettre mes cotes" in words and "Sans opinion" in words
    assert "Submit my ratings" not in words and "No opinion" not in words


def test_the_plan_language_is_edited_with_the_plans_identity_once_the_schema_has_it(maple: Path) -> None:
    """Schema 6 adds `community.plan_language` (English, French or both); the plan-identity form
    (name, colours) edits it from then on, in the apps' language."""
    from cswb_widgets.store import schema
    from cswb_widgets.widgets.buy_in import PLAN_LANGUAGE, PlanIdentity

    has_column = PLAN_LANGUAGE in schema.table("community").column_names
    with Workspace.open(maple) as ws:
        i18n.set_language("fr")
        form = PlanIdentity(ws).form
        assert (PLAN_LANGUAGE in form.fields) == has_column
        assert form.save_button.description == "Enregistrer l’identité visuelle"


def test_the_launcher_shows_each_language_whichever_asked_first(tmp_path: Path) -> None:
    Workspace.create(tmp_path / "maple", name="Maple Falls", kind="municipality").close()
    pages = {}
    for language in ("en", "fr", "en"):
        with i18n.use_language(language):
            pages[language] = render_launcher(workspace_cards(tmp_path, STAGES))
    assert "Focusing on risk" in pages["en"] and "Municipality" in pages["en"]
    assert re.search(r"Mettre l(?:'|’|&#39;)accent sur le risque", pages["fr"]) and "Focusing on risk" not in pages["fr"]


def test_a_kernels_language_reaches_threads_it_starts_later() -> None:
    """Widget callbacks may run on another thread (comms on kernel subshells): they see the
    language the kernel chose, not the default; `_("")` stays empty rather than the header."""
    import threading

    seen: list[str] = []
    try:
        i18n.set_language("fr")
        worker = threading.Thread(target=lambda: seen.extend([i18n.current_language(), i18n._("Priority"), i18n._("")]))
        worker.start()
        worker.join()
    finally:
        i18n.set_language(i18n.DEFAULT_LANGUAGE)
    assert seen == ["fr", "Priorité", ""]


def test_what_a_check_still_misses_reads_as_names_in_each_language(tmp_path: Path) -> None:
    """`cswb validate`, the launcher and the apps list missing seats, groups, roles and sections
    by their names, never by keys such as advisory_committee."""
    from cswb_widgets.framework import load_catalogue
    from cswb_widgets.model.readiness import assess
    from cswb_widgets.render.coverage import missing_names
    from cswb_widgets.store import TABLES

    with Workspace.create(tmp_path / "empty", name="Empty", kind="municipality") as ws:
        tables = {t.name: ws.table(t.name) for t in TABLES}
    checks = {c.key: c for s in assess(tables) for c in s.checks}
    shown = {}
    for language in ("en", "fr"):
        with i18n.use_language(language):
            shown[language] = missing_names(checks["consult_groups"])
            assert shown[language] == [g.name for g in load_catalogue(language).consult_groups]
            keyed = [name for key in ("consult_groups", "roles", "terms_of_reference") for name in missing_names(checks[key])]
            assert keyed and not any("_" in name for name in keyed)
    assert shown["fr"] != shown["en"]
