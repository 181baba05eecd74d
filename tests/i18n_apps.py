"""What a person sees in each app, in a language: the workbooks run in-process in app mode (their
own code cells, from the served copy `notebooks.in_language` makes), every widget built (deferred
sections too) and its visible text collected, plus the launcher and the ballot as the server
renders them. Used by test_i18n_apps.py to find English left in the French apps.
"""

from __future__ import annotations

import ast
import html.parser
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import ipywidgets
from IPython.display import HTML

from cswb_widgets import i18n
from cswb_widgets.notebooks import for_app, in_language, read_notebook
from cswb_widgets.paths import workbooks_dir
from cswb_widgets.store import TABLES, Workspace
from cswb_widgets.widgets.sections import Deferred

# Traits that hold code, styling or data a person typed, not the app's words.
_NOT_WORDS = re.compile(r"^_(esm|css|model_|view_|dom_classes|anywidget)|^(layout|style|rows|keys|comm|tabbable|"
                        r"value_bytes|index|_options_values|options|value_id|data|records|selected)$")
_WORD_KEYS = {"label", "title", "text", "caption", "help", "placeholder", "description", "message", "hint", "heading",
              "name_label", "status", "summary", "tooltip"}


def app_texts(name: str, workspace: Path, language: str) -> list[str]:
    """Every piece of text the app `name` shows for `workspace` in `language`."""
    notebook = in_language(for_app(read_notebook(workbooks_dir() / f"{name}.ipynb")), language)
    texts: list[str] = []
    namespace: dict[str, Any] = {}
    i18n.set_language(language)
    try:
        first_code = True
        for cell in notebook["cells"]:
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            if cell["cell_type"] == "markdown":
                texts.append(source)
                continue
            if cell["cell_type"] != "code":
                continue
            if first_code:  # the parameters cell: this workspace, app mode
                source += f"\nworkspace = {str(workspace)!r}\nmode = 'app'\n"
                first_code = False
            shown = _run(source, namespace)
            if shown is not None:
                texts.extend(visible_text(shown))
    finally:
        i18n.set_language(i18n.DEFAULT_LANGUAGE)
    return texts


def _run(source: str, namespace: dict[str, Any]) -> Any:
    """Run a cell as IPython would; its last expression's value is what it shows."""
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<cell>", "exec"), namespace)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)


def visible_text(shown: Any, seen: set[int] | None = None) -> Iterator[str]:
    """The words a shown object puts on screen: HTML text and labels, widgets' descriptions,
    option labels, captions, placeholders; widgets inside it, deferred sections built."""
    seen = set() if seen is None else seen
    if id(shown) in seen:
        return
    seen.add(id(shown))
    if isinstance(shown, HTML):
        yield from html_text(str(shown.data or ""))
        return
    if isinstance(shown, Deferred):
        yield from visible_text(shown.content, seen)
        return
    if not isinstance(shown, ipywidgets.Widget):
        if hasattr(shown, "_repr_html_"):
            yield from html_text(str(shown._repr_html_() or ""))
        return
    for trait in shown.keys:
        if _NOT_WORDS.search(trait):
            continue
        value = getattr(shown, trait, None)
        if trait == "value" and isinstance(shown, (ipywidgets.Text, ipywidgets.Textarea)):
            continue  # what was typed
        yield from _words_in(value, trait, seen)
    if isinstance(shown, (ipywidgets.Dropdown, ipywidgets.Select, ipywidgets.SelectMultiple, ipywidgets.RadioButtons,
                          ipywidgets.ToggleButtons)):
        yield from (str(label) for label in shown._options_labels)


def _words_in(value: Any, key: str, seen: set[int]) -> Iterator[str]:
    if isinstance(value, ipywidgets.Widget):
        yield from visible_text(value, seen)
    elif isinstance(value, str):
        if "<" in value and ">" in value:
            yield from html_text(value)
        elif value.strip():
            yield value
    elif isinstance(value, dict):
        for sub_key, sub in value.items():
            if sub_key == "options" and isinstance(sub, list) and all(isinstance(o, (list, tuple)) and len(o) == 2 for o in sub):
                yield from (str(label) for _key, label in sub)  # [stored key, label]: the browser shows the label
                continue
            if sub_key in _WORD_KEYS or isinstance(sub, (ipywidgets.Widget, list, tuple, dict)):
                yield from _words_in(sub, sub_key, seen)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _words_in(item, key, seen)


class _TextParser(html.parser.HTMLParser):
    SHOWN_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder", "aria-description")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        self.parts.extend(value for name, value in attrs if name in self.SHOWN_ATTRIBUTES and value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(data)


def html_text(markup: str) -> list[str]:
    parser = _TextParser()
    parser.feed(markup)
    return parser.parts


def workspace_words(workspace: Path) -> list[str]:
    """Everything people typed into the workspace (names, descriptions...): shown as typed."""
    words: set[str] = set()
    with Workspace.open(workspace, read_only=True) as ws:
        for value in ws.community.values():
            if isinstance(value, str) and len(value) > 2:
                words.add(value)
        for table in TABLES:
            frame = ws.table(table.name)
            for column in frame.columns:
                for value in frame[column].dropna():
                    values = value if isinstance(value, (list, tuple)) else [value]
                    words.update(v for v in values if isinstance(v, str) and len(v) > 2)
    return sorted(words, key=len, reverse=True)


# Names that are the same in French (products, formats, laws' short names are translated).
PROPER_NAMES = ("CSWB", "Open Referral", "HSDS", "GeoJSON", "Excel", "CSV", "Word", "QR", "GPS", "JupyterLab")

# Words that occur in English sentences and in no French one the apps show.
ENGLISH = re.compile(
    r"\be\.g\.|\b(yes|the|and|of|to|with|for|is|are|this|that|your|you|not|yet|from|has|have|will|each|which|what|who|how|"
    r"when|its|by|there|these|been|than|should|must|can|add|save|delete|choose|open|show|select|undo|"
    r"none|no one|rows?|records?|next|previous|search|filter|new|edit|editing|step|steps)\b",
    re.IGNORECASE,
)


def english_left(texts: Iterable[str], typed: Iterable[str], allowed: Iterable[str]) -> list[str]:
    """The texts that still hold English once what people typed and the allowed names are removed.

    A piece of what people typed, as a chart wraps or a list cuts it short ("1. Housing
    instability and", "Extend the mobile crisis…", "Intrants: Crisis workers…", "and community
    (priorité)"), counts as typed too."""
    typed = list(typed)
    removable = [re.escape(w) for w in (*typed, *allowed) if w.strip()]
    strip = re.compile("|".join(removable)) if removable else None
    everything_typed = "\n".join(typed)
    found: list[str] = []
    for text in texts:
        piece = re.sub(r"^\s*\d+\.\s*|\s*(…|\.\.\.)\s*$", "", text).strip()
        # the same piece without a label before it or a note after it ("Level: …", "… (priority)")
        bare = re.sub(r"\s*\([^()]*\)$", "", re.sub(r"^[^:]{1,40}:\s*", "", piece)).strip()
        if any(len(p) >= 7 and p in everything_typed for p in (piece, bare)):
            continue
        rest = strip.sub(" ", text) if strip else text
        if ENGLISH.search(rest):
            found.append(" ".join(text.split())[:160])
    return sorted(set(found))
