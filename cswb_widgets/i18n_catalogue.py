"""`make i18n` and `make i18n-check`: extract the apps' messages, update the French catalogue,
and refuse a catalogue with a message untranslated, fuzzy, or with placeholders that differ.

    python -m cswb_widgets.i18n_catalogue extract   # writes locale/apps.pot, updates fr/apps.po
    python -m cswb_widgets.i18n_catalogue check     # exit 1 with one line per problem

Sources are listed in babel.cfg (Python, Jinja templates, front-end JavaScript); each notebook's
markdown cells are one message each (`extract_notebook`), keyed by the English text, which
`notebooks.in_language` swaps for the translation when an app or a report is shown in French.
"""

from __future__ import annotations

import io
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from .i18n import DOMAIN, LANGUAGES, LOCALE_DIR
from .notebooks import ANALYST_NOTES, tags_of

REPO = Path(__file__).resolve().parent.parent
BABEL_CFG = REPO / "babel.cfg"
NOTEBOOKS = REPO / "workbooks"
TEMPLATE = LOCALE_DIR / "apps.pot"
PART = "apps"  # this catalogue's file name in each language's folder
# "{name}", "{0}", "{count:,}" and "%s", "%d", "%(name)s": what str.format and % fill in.
_PLACEHOLDER = re.compile(r"\{[^{}]*\}|%(?:\([^)]*\))?[sdifr]")


def markdown_cells(notebook: dict[str, Any]) -> Iterator[tuple[int, str]]:
    """(cell number, text) of each markdown cell people see in the apps and reports, as the
    catalogue keys it; analysts' notes (for whoever reads the code, in JupyterLab, where the
    notebook stays as written) are left out."""
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") == "markdown" and ANALYST_NOTES not in tags_of(cell):
            source = cell.get("source", "")
            text = ("".join(source) if isinstance(source, list) else str(source)).strip()
            if text:
                yield number, text


def extract_notebook(fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any) -> Iterator[tuple]:
    """A Babel extractor: one message per markdown cell of a notebook (the "line" is the cell's number)."""
    notebook = json.loads(fileobj.read().decode("utf-8"))
    for number, text in markdown_cells(notebook):
        yield number, None, text, ["notebook markdown cell"]


def extracted() -> Catalog:
    """Every message of the apps, from the sources babel.cfg names and the notebooks."""
    catalog = Catalog(project="CSWB Workbook", domain=DOMAIN, charset="utf-8")
    with BABEL_CFG.open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = extract_from_dir(str(REPO), method_map, options_map, keywords={**DEFAULT_KEYWORDS, "cswbText": None}, comment_tags=("TRANSLATORS:",))
    for filename, lineno, message, comments, context in found:
        catalog.add(message, locations=[(filename, lineno)], auto_comments=comments, context=context)
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        with path.open("rb") as handle:
            for number, _none, text, comments in extract_notebook(handle, None, None, None):
                catalog.add(text, locations=[(f"workbooks/{path.name}", number)], auto_comments=comments)
    return catalog


def catalogue_path(language: str, part: str = PART) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{part}.po"


def _read(path: Path, language: str) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


_STAMP = re.compile(rb'^"(?:POT-Creation-Date|PO-Revision-Date): .*\\n"$', re.M)


def _write(catalog: Catalog, path: Path, **options: Any) -> None:
    """Write `catalog` unless only its time stamps would change (no churn in git)."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=True, **options)
    new = buffer.getvalue()
    if path.exists() and _STAMP.sub(b"", path.read_bytes()) == _STAMP.sub(b"", new):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(new)


def extract() -> None:
    """Write the template and bring each language's apps catalogue up to date with it (new
    messages untranslated, changed ones fuzzy, gone ones kept as obsolete)."""
    template = extracted()
    _write(template, TEMPLATE, omit_header=False)
    for language in LANGUAGES[1:]:
        path = catalogue_path(language)
        catalog = _read(path, language) if path.exists() else _new_catalogue(language)
        catalog.update(template, update_header_comment=False)
        catalog.obsolete.clear()  # git keeps the history; an obsolete entry only hides a duplicate
        _write(catalog, path)
        print(f"{path.relative_to(REPO)}: {len(catalog)} messages")


# gettext's plural rule per language: French uses the singular for 0 and 1 (CLDR's newer
# three-form rule for French would need a third form nobody writes).
PLURAL_RULES = {"fr": (2, "(n > 1)")}


def _new_catalogue(language: str) -> Catalog:
    catalog = Catalog(
        locale=language, domain=DOMAIN, project="CSWB Workbook", fuzzy=False,
        header_comment=f"# The CSWB Workbook apps in {language}: launcher, workbooks, ballot (make i18n updates it).",
    )
    number, expression = PLURAL_RULES[language]
    catalog._num_plurals = number  # type: ignore[assignment]  # Babel has no public setter
    catalog._plural_expr = expression  # type: ignore[assignment]
    return catalog


def plural_rule_issues(catalogue: Catalog, language: str) -> Iterator[str]:
    """The catalogue's Plural-Forms must be the language's rule: the catalogues merge into one at
    run time, which counts forms by one rule only, so a form numbered by another is never shown."""
    number, expression = PLURAL_RULES[language]
    if (catalogue.num_plurals, catalogue.plural_expr.replace(" ", "")) != (number, expression.replace(" ", "")):
        yield (f"Plural-Forms is 'nplurals={catalogue.num_plurals}; plural={catalogue.plural_expr};' where {language} "
               f"needs 'nplurals={number}; plural={expression};'; change the header and keep {number} forms per message")
    for message in catalogue:
        forms = message.string if isinstance(message.string, (tuple, list)) else [message.string]
        if message.pluralizable and len(forms) != number:
            yield f"{len(forms)} plural forms where {number} are needed in {_first_line(message)}"


def package_messages() -> Iterator[tuple[str, int, str]]:
    """(file, line, English) of every message the package's Python marks (`_`, `ngettext`, `N_`,
    `pgettext`): its store, CLI and reports too, whose catalogues `extract` does not write."""
    from babel.messages.extract import extract_from_dir

    package = REPO / "cswb_widgets"
    found = extract_from_dir(str(package), [("**.py", "python")], keywords={**DEFAULT_KEYWORDS, "N_": None})
    for filename, lineno, message, _comments, context in found:
        forms = [message] if isinstance(message, str) else [m for m in message if m]
        for text in forms:
            yield f"cswb_widgets/{filename}", lineno, (f"{context}\x04{text}" if context else text)


def held_messages(paths: list[Path], language: str) -> set[str]:
    """Every English message `paths` hold: each form of a plural, a message with a context as
    "context\x04message" (as `package_messages` gives them)."""
    held: set[str] = set()
    for path in paths:
        for message in _read(path, language):
            ids = [message.id] if isinstance(message.id, str) else list(message.id)
            held.update(f"{message.context}\x04{i}" if message.context else i for i in ids if i)
    return held


def untranslated_package_messages(paths: list[Path], language: str) -> list[str]:
    """One line per message of the package's Python that none of `paths` holds (either form of a
    plural counts: `N_` marks a plural's two forms one by one)."""
    held = held_messages(paths, language)
    return [f"{where}:{line}: {_first_line(Message(text))} has no entry in any {language} catalogue; add it to the .po "
            f"of that part of the product and translate it"
            for where, line, text in package_messages() if text not in held]


def command_help() -> Iterator[tuple[str, str]]:
    """(command, text) of every help text of `cswb`: its commands' docstrings and their options'
    help, which the command translates as it starts (`cli.translate_help`), not through `_` calls."""
    import inspect

    import click

    from .cli import cli, english_help

    def walk(command: click.Command, path: str) -> Iterator[tuple[str, str]]:
        for holder in (command, *command.params):
            for attribute in ("help", "short_help"):
                text = english_help(holder, attribute)
                if text:
                    yield path, inspect.cleandoc(text)
        if isinstance(command, click.Group):
            for name, sub in sorted(command.commands.items()):
                yield from walk(sub, f"{path} {name}")

    yield from walk(cli, "cswb")


def untranslated_help(paths: list[Path], language: str) -> list[str]:
    """One line per help text of `cswb` that none of `paths` holds (a docstring changed since it was translated)."""
    held = held_messages(paths, language)
    return [f"cswb_widgets/cli.py: the help of '{command}' {_first_line(Message(text))} has no entry in any {language} "
            f"catalogue; add it (as cleandoc leaves it) to reports.po and translate it"
            for command, text in command_help() if text not in held]


def placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text))


def problems(language: str) -> list[str]:
    """One line per problem in `language`'s catalogues (every .po in its folder), one per apps
    message the sources have that its apps catalogue lacks, and one per message anywhere in the
    package (store, CLI, reports...) that no catalogue translates."""
    lines: list[str] = []
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    paths = sorted(folder.glob("*.po"))
    for path in paths:
        shown = _relative(path)
        catalogue = _read(path, language)
        lines.extend(f"{shown}: {issue}" for issue in plural_rule_issues(catalogue, language))
        for message in catalogue:
            if message.id:
                lines.extend(f"{shown}:{message.lineno}: {issue} in {_first_line(message)}" for issue in _issues(message))
    lines.extend(conflicting_translations(paths, language))
    lines.extend(untranslated_package_messages(paths, language))
    lines.extend(untranslated_help(paths, language))
    apps = catalogue_path(language)
    have = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in _read(apps, language)} if apps.exists() else set()
    for message in extracted():
        key = (message.id if isinstance(message.id, str) else message.id[0], message.context)
        if message.id and key not in have:
            where = ", ".join(f"{f}:{n}" for f, n in message.locations[:1])
            lines.append(f"{apps.relative_to(REPO)}: no entry for {_first_line(message)} ({where}); run 'make i18n' and translate it")
    return lines


def conflicting_translations(paths: list[Path], language: str) -> list[str]:
    """One line per English message that two catalogues translate differently. They merge at run
    time (the last file in name order wins), so the French shown would depend on file names."""
    lines: list[str] = []
    first_seen: dict[tuple[object, str | None], tuple[Path, Message]] = {}
    for path in paths:
        for message in _read(path, language):
            if not message.id:
                continue
            key = (message.id, message.context)
            if key not in first_seen:
                first_seen[key] = (path, message)
                continue
            other_path, other = first_seen[key]
            if other.string != message.string:
                lines.append(
                    f"{_relative(path)}:{message.lineno}: {_first_line(message)} is translated {_shown(message.string)} here "
                    f"but {_shown(other.string)} in {_relative(other_path)}:{other.lineno}; make them the same"
                )
    return lines


def _relative(path: Path) -> Path:
    return path.relative_to(REPO) if path.is_relative_to(REPO) else path


def _issues(message: Message) -> Iterator[str]:
    ids = [message.id] if isinstance(message.id, str) else list(message.id)
    strings = [message.string] if isinstance(message.string, str) else list(message.string or ())
    if message.fuzzy:
        yield "a fuzzy (unchecked) translation"
    if not all(strings) or not strings:
        yield "no translation"
        return
    for form in strings:
        expected = placeholders(ids[-1] if len(ids) > 1 else ids[0])
        if placeholders(form) != expected and placeholders(form) != placeholders(ids[0]):
            yield f"placeholders {placeholders(form)} where the English has {expected}"


def _shown(string: str | tuple[str, ...] | list[str] | None) -> str:
    return repr(string if isinstance(string, str) else " | ".join(str(form) for form in string or ()))


def _first_line(message: Message) -> str:
    text = message.id if isinstance(message.id, str) else message.id[0]
    first = text.splitlines()[0] if text else ""
    return repr(first[:70] + ("…" if len(first) > 70 or "\n" in text else ""))


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "extract":
        extract()
        return 0
    if command == "check":
        found = [line for language in LANGUAGES[1:] for line in problems(language)]
        for line in found:
            print(line)
        if found:
            print(f"i18n-check: {len(found)} problem(s); translate them in the .po files named above", file=sys.stderr)
            return 1
        print("i18n-check: every message has a checked translation")
        return 0
    print("usage: python -m cswb_widgets.i18n_catalogue extract|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
