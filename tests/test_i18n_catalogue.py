"""`make i18n-check` as a test, and what the check and the extraction catch."""

from __future__ import annotations

import io
import json

import pytest
from babel.messages.catalog import Message

from cswb_widgets import i18n
from cswb_widgets.i18n_catalogue import _issues, extract_notebook, extracted, problems


@pytest.mark.slow
def test_the_french_catalogues_are_complete_and_checked() -> None:
    """Every message of the apps (sources and notebooks) has a French translation that is not
    fuzzy and keeps its placeholders: what `make i18n-check` says, line by line."""
    assert problems("fr") == []


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (Message("Saved {count} rows.", ""), "no translation"),
        (Message("Saved {count} rows.", "{count} lignes enregistrées.", flags=["fuzzy"]), "fuzzy"),
        (Message("Saved {count} rows.", "{nombre} lignes enregistrées."), "placeholders"),
        (Message("Not saved: %s", "Non enregistré"), "placeholders"),
        (Message(("{count} row", "{count} rows"), ("{count} ligne", "")), "no translation"),
    ],
)
def test_the_check_refuses_a_message_untranslated_fuzzy_or_with_other_placeholders(message: Message, expected: str) -> None:
    assert any(expected in issue for issue in _issues(message))


def test_a_good_translation_passes_the_check() -> None:
    assert list(_issues(Message("Saved {count} rows.", "{count} lignes enregistrées."))) == []
    assert list(_issues(Message(("{count} row", "{count} rows"), ("{count} ligne", "{count} lignes")))) == []


def test_notebook_markdown_is_one_message_per_cell_shown_and_analysts_notes_stay_out() -> None:
    notebook = {"cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["## Risk register\n", "\n", "Risks from the catalogue."]},
        {"cell_type": "code", "metadata": {}, "source": "book.risks()"},
        {"cell_type": "markdown", "metadata": {"tags": ["analyst-notes"]}, "source": "For whoever reads the code."},
        {"cell_type": "markdown", "metadata": {}, "source": "   "},
    ]}
    found = list(extract_notebook(io.BytesIO(json.dumps(notebook).encode()), None, None, None))
    assert [(line, text) for line, _none, text, _comments in found] == [(1, "## Risk register\n\nRisks from the catalogue.")]


def test_extraction_finds_every_kind_of_source() -> None:
    where = {location[0].split("/")[0] + "/" + location[0].rsplit(".", 1)[-1]
             for message in extracted() if message.id for location in message.locations}
    # Python in the three app packages, Jinja templates, front-end JavaScript, notebook markdown
    assert {"cswb_widgets/py", "cswb_widgets/html", "cswb_widgets/js", "workbooks/ipynb"} <= where


def test_french_plurals_use_the_singular_for_zero_and_one() -> None:
    with i18n.use_language("fr"):
        shown = [i18n.ngettext("Saved {count} rating.", "Saved {count} ratings.", n).format(count=n) for n in (0, 1, 2)]
    assert shown == ["0 cote enregistrée.", "1 cote enregistrée.", "2 cotes enregistrées."]
