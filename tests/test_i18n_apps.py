"""No English left in the French apps: every workbook, the launcher and the ballot, rendered in
French for a real sample community, and every piece of text a person would see checked for
English words (what people typed into the workspace and a few proper names aside).

How the apps are seen (tests/i18n_apps.py): each workbook's served copy (French markdown,
`notebooks.in_language`) runs in-process in app mode cell by cell, as the kernel runs it; what
each cell shows is walked, deferred sections built, and every widget's visible text taken (HTML
text and labels, descriptions, option labels, captions, placeholders, tooltips, the widgets'
front-end messages). The launcher and the ballot are rendered as the server renders them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from i18n_apps import PROPER_NAMES, app_texts, english_left, html_text, workspace_words

from cswb_widgets import i18n
from cswb_widgets.notebooks import NOTEBOOKS
from cswb_widgets.serve.launcher import render_launcher, workspace_cards
from cswb_widgets.serve.vote_pages import render_ballot
from cswb_widgets.store import Workspace
from cswb_widgets.store.ballots import device_ballot


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    yield
    i18n.set_language(i18n.DEFAULT_LANGUAGE)


@pytest.fixture(scope="module")
def typed(sample_sources: dict[str, Path]) -> list[str]:
    return workspace_words(sample_sources["maple-falls"])


def _say(app: str, left: list[str]) -> str:
    return f"{len(left)} texts of the {app} app still hold English:\n  " + "\n  ".join(left)


@pytest.mark.slow
@pytest.mark.parametrize("app", NOTEBOOKS)
def test_no_english_left_in_a_french_workbook(app: str, maple: Path, typed: list[str]) -> None:
    texts = app_texts(app, maple, "fr")
    assert len(texts) > 100  # the app was seen, not just its title
    left = english_left(texts, typed, PROPER_NAMES)
    assert not left, _say(app, left)


def test_no_english_left_on_the_french_launcher_and_ballot(maple: Path, typed: list[str]) -> None:
    with i18n.use_language("fr"):
        launcher = render_launcher(workspace_cards(maple.parent, frozenset(NOTEBOOKS)))
        with Workspace.open(maple, read_only=True) as ws:
            ballot = render_ballot(device_ballot(ws, None), xsrf_form_html="")
    for name, page in (("launcher", launcher), ("ballot", ballot)):
        left = english_left(html_text(page), typed, PROPER_NAMES)
        assert not left, _say(name, left)
