"""`make i18n-check` as a test, and what the check and the extraction catch."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Message

from cswb_widgets import i18n
from cswb_widgets.i18n_catalogue import _issues, conflicting_translations, extract_notebook, extracted, problems


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


def _po(path: Path, entries: dict[str, str]) -> Path:
    body = 'msgid ""\nmsgstr ""\n"Language: fr\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    body += "".join(f'msgid "{english}"\nmsgstr "{french}"\n\n' for english, french in entries.items())
    path.write_text(body, encoding="utf-8")
    return path


def test_the_check_refuses_one_message_translated_two_ways_in_two_catalogues(tmp_path: Path) -> None:
    apps = _po(tmp_path / "apps.po", {"Not recorded": "Non consigné", "Saved": "Enregistré"})
    reports = _po(tmp_path / "reports.po", {"Not recorded": "Non inscrit", "Saved": "Enregistré"})
    found = conflicting_translations([apps, reports], "fr")
    assert len(found) == 1
    assert "'Not recorded'" in found[0] and "'Non inscrit'" in found[0] and "'Non consigné'" in found[0] and "apps.po" in found[0]


def test_the_same_translation_in_two_catalogues_passes(tmp_path: Path) -> None:
    apps = _po(tmp_path / "apps.po", {"Saved": "Enregistré"})
    assert conflicting_translations([apps, _po(tmp_path / "reports.po", {"Saved": "Enregistré"})], "fr") == []


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


# Where the front end puts words on screen: an element's text, a label, a placeholder, a title.
_SHOWN_LITERAL = re.compile(
    r"""\bh\(\s*"[a-z0-9]+"\s*,\s*\{[^{}]*\}\s*,\s*(?P<a>"[^"]*[A-Za-z][^"]*")"""  # h("button", {...}, "Save")
    r"""|\.textContent\s*=\s*(?P<b>"[^"]*[A-Za-z][^"]*")"""
    r"""|"aria-label"\s*:\s*(?P<c>"[^"]*"|`[^`]*`)|\bplaceholder\s*:\s*(?P<d>"[^"]*")"""
    r"""|setAttribute\(\s*"(?:aria-label|title|placeholder)"\s*,\s*(?P<e>"[^"]*"|`[^`]*`)"""
)


def _words(literal: str) -> bool:
    """Whether a string literal holds words of its own (a template's `${...}` parts are code)."""
    return bool(re.search(r"[A-Za-z]{2}", re.sub(r"\$\{[^}]*\}", "", literal)))


@pytest.mark.parametrize("pattern", i18n.FRONT_END_FILES)
def test_the_front_end_shows_no_words_outside_the_catalogue(pattern: str) -> None:
    """Every word a front-end script puts on screen goes through `_()` / `cswbText()`, so the
    page's catalogue can give it in French (the in-process app test cannot see scripts' text)."""
    files = sorted(Path(i18n.__file__).parent.glob(pattern))
    assert files
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.lstrip().startswith("//"):
                continue
            for match in _SHOWN_LITERAL.finditer(line):
                if not any(literal and _words(literal) for literal in match.groups()):
                    continue
                pytest.fail(f"{path.name}:{number}: words shown without _(): {match.group(0)[:80]}")


def _po_with_plural(path: Path, header: str, forms: list[str]) -> Path:
    body = f'msgid ""\nmsgstr ""\n"Language: fr\\n"\n"Plural-Forms: {header}\\n"\n\n'
    body += 'msgid "{n} row"\nmsgid_plural "{n} rows"\n' + "".join(f'msgstr[{i}] "{f}"\n' for i, f in enumerate(forms))
    path.write_text(body, encoding="utf-8")
    return path


def test_the_check_refuses_a_catalogue_whose_plural_forms_differ_from_frenchs(tmp_path: Path) -> None:
    from cswb_widgets.i18n_catalogue import _read, plural_rule_issues

    cldr = "nplurals=3; plural=(n == 0 || n == 1) ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2;"
    three = _po_with_plural(tmp_path / "three.po", cldr, ["{n} ligne", "{n} lignes", "{n} lignes"])
    found = list(plural_rule_issues(_read(three, "fr"), "fr"))
    assert any("nplurals=3" in line and "nplurals=2; plural=(n > 1);" in line for line in found)
    good = _po_with_plural(tmp_path / "good.po", "nplurals=2; plural=(n > 1);", ["{n} ligne", "{n} lignes"])
    assert list(plural_rule_issues(_read(good, "fr"), "fr")) == []


def test_every_shipped_catalogue_declares_the_french_plural_rule() -> None:
    from cswb_widgets.i18n_catalogue import _read, plural_rule_issues

    paths = sorted((i18n.LOCALE_DIR / "fr" / "LC_MESSAGES").glob("*.po"))
    assert len(paths) >= 3
    for path in paths:
        assert list(plural_rule_issues(_read(path, "fr"), "fr")) == [], path.name


@pytest.mark.slow  # extracts the whole package: about 4 s
def test_the_check_refuses_a_package_message_no_catalogue_translates(tmp_path: Path) -> None:
    from cswb_widgets.i18n_catalogue import untranslated_package_messages

    only_one = _po(tmp_path / "apps.po", {"no problems found": "aucun problème trouvé"})
    found = untranslated_package_messages([only_one], "fr")
    assert any(line.startswith("cswb_widgets/cli.py:") and "'cswb: error: {message}'" in line for line in found)
    assert not any("'no problems found'" in line for line in found)
