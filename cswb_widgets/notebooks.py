"""The workbook notebooks: where each community's come from, and the contract their cell tags make.

**Sources.** The six notebooks ship with the package. An analyst writes a copy to edit with
``cswb notebooks DIR`` and runs it with ``cswb serve --notebooks DIR`` or ``cswb report
--notebooks DIR``; a workspace may also carry its own edited notebooks in
``<workspace>/notebooks/``, which take precedence for that community (see `notebook_path`).

**The report contract**: which notebook cell makes which part of a document, read from cell tags.

A workbook cell's tags, never its code, tell `cswb report` and `cswb serve` what the cell is for,
so an analyst may comment, reformat or extend any cell without breaking the plan:

- ``part:<name>``: the cell shows the workbook part ``<name>`` (the outlines in :mod:`.outline`
  name parts). A report leaves out part cells its document does not use, so a part cell should
  only show: computations that later cells need belong in untagged cells, which always run.
- ``report-only``: run in reports (and in JupyterLab), left out of the apps `cswb serve` shows.
- ``app-only``: left out of reports (e.g. the participants' ballot).
- ``analyst-notes``: notes for whoever reads the code (what a cell computes, how to change it),
  left out of the apps, where the code is hidden.
- ``plan:<section>`` / ``progress:<section>``: an analyst's cell whose output is added to that
  document at the end of the section keyed ``<section>`` (see ``section_keys``), or in an
  appendix with ``plan:appendix``; the markdown heading just above the cell titles it.

Functions here take and return notebook JSON (dicts), so they are tested without a kernel.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import i18n
from .errors import CswbError
from .paths import workbooks_dir

NOTEBOOKS = ("commitment", "buy_in", "risk", "assets", "evaluation", "implementation")
OWN_NOTEBOOKS = "notebooks"  # the folder of a workspace holding its own edited notebooks

PART_PREFIX = "part:"
REPORT_ONLY = "report-only"
APP_ONLY = "app-only"
ANALYST_NOTES = "analyst-notes"
APPENDIX = "appendix"


class ContractError(CswbError):
    """A notebook does not hold what a document needs from it, or carries a tag that leads nowhere."""


def source_text(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source or "")


def tags_of(cell: Mapping[str, Any]) -> list[str]:
    tags = cell.get("metadata", {}).get("tags", [])
    return [str(t) for t in tags] if isinstance(tags, list) else []


def part_of(cell: Mapping[str, Any]) -> str | None:
    """The part a code cell shows (its ``part:<name>`` tag), or None."""
    if cell.get("cell_type") != "code":
        return None
    for tag in tags_of(cell):
        if tag.startswith(PART_PREFIX) and tag[len(PART_PREFIX):].strip():
            return tag[len(PART_PREFIX):].strip()
    return None


def parts_in(notebook: Mapping[str, Any]) -> list[str]:
    """Every part a notebook's cells are tagged with, in order."""
    return [p for p in (part_of(c) for c in notebook.get("cells", [])) if p is not None]


def missing_parts(notebook: Mapping[str, Any], needed: Collection[str]) -> list[str]:
    present = set(parts_in(notebook))
    return [p for p in needed if p not in present]


@dataclass(frozen=True)
class Addition:
    """An analyst's cell added to a document: where it goes, and the heading above it."""

    kind: str
    section: str
    index: int  # the cell's position in the notebook


def additions(notebook: Mapping[str, Any], kind: str) -> list[Addition]:
    """The cells tagged ``<kind>:<section>`` (e.g. ``plan:engagement``), in notebook order."""
    prefix = f"{kind}:"
    found = []
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        for tag in tags_of(cell):
            if tag.startswith(prefix) and tag[len(prefix):].strip():
                found.append(Addition(kind, tag[len(prefix):].strip(), index))
    return found


_DOCUMENT_NAMES = {"plan": i18n.N_("plan"), "progress": i18n.N_("progress report")}


def check_additions(notebook: Mapping[str, Any], name: str, kind: str, sections: Collection[str]) -> None:
    """Refuse a ``<kind>:<section>`` tag naming no section of that document (a typo would lose the cell)."""
    for addition in additions(notebook, kind):
        if addition.section not in sections:
            raise ContractError(
                i18n._("{notebook}, cell {number}: the tag '{tag}' names no section of the {document}; use one of: {tags}").format(
                    notebook=f"{name}.ipynb", number=addition.index + 1, tag=f"{kind}:{addition.section}",
                    document=i18n._(_DOCUMENT_NAMES.get(kind, kind)), tags=", ".join(f"{kind}:{s}" for s in sections))
            )


def for_report(
    notebook: Mapping[str, Any], parts: Collection[str] | None, kind: str | None = None
) -> tuple[dict[str, Any], list[str]]:
    """The notebook as a report runs it: without ``app-only`` cells and, when `parts` is given,
    without the part cells not in `parts` (an analyst's cells added to `kind` always stay).

    Returns the notebook and the parts left out (the executed notebook's metadata lists them).
    """
    kept, omitted = [], []
    for cell in notebook.get("cells", []):
        tags = tags_of(cell)
        if APP_ONLY in tags and cell.get("cell_type") == "code":
            continue
        part = part_of(cell)
        added = kind is not None and any(t.startswith(f"{kind}:") for t in tags)
        if parts is not None and part is not None and part not in parts and not added:
            omitted.append(part)
            continue
        kept.append(cell)
    return dict(notebook, cells=kept), omitted


def for_app(notebook: Mapping[str, Any]) -> dict[str, Any]:
    """The notebook as the apps show it: without ``report-only`` cells and analysts' notes."""
    cells = [
        c for c in notebook.get("cells", [])
        if not (c.get("cell_type") == "code" and REPORT_ONLY in tags_of(c)) and ANALYST_NOTES not in tags_of(c)
    ]
    return dict(notebook, cells=cells)


# -- where the notebooks come from ---------------------------------------------------------------


def notebook_path(name: str, *, workspace: Path | None = None, folder: Path | None = None) -> Path:
    """The notebook `name` to run for a community: the workspace's own edited copy if it has one,
    else the one in `folder` (``--notebooks DIR``) if given and present, else the packaged one."""
    file = f"{name}.ipynb"
    for candidate in (workspace and Path(workspace) / OWN_NOTEBOOKS / file, folder and Path(folder) / file):
        if candidate and candidate.is_file():
            return candidate
    return workbooks_dir() / file


def check_folder(folder: Path) -> Path:
    """A ``--notebooks`` folder must exist and hold at least one workbook (a typo would silently
    fall back to the packaged notebooks)."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise CswbError(i18n._("{folder}: no such folder of notebooks (make one with {command})").format(
            folder=folder, command=f"'cswb notebooks {folder}'"))
    if not any((folder / f"{name}.ipynb").is_file() for name in NOTEBOOKS):
        raise CswbError(i18n._("{folder} holds none of the workbooks ({names})").format(
            folder=folder, names=", ".join(f"{n}.ipynb" for n in NOTEBOOKS)))
    return folder


def read_notebook(path: Path) -> dict[str, Any]:
    """A notebook's JSON, or one clear line saying why it cannot be read."""
    try:
        notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ContractError(i18n._("{path}: not a readable notebook ({reason})").format(path=path, reason=exc)) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ContractError(i18n._("{path}: not a notebook (no list of cells)").format(path=path))
    return notebook


def write_notebooks(folder: Path, *, overwrite: bool = False) -> list[Path]:
    """Copy the six packaged notebooks into `folder` to edit; an existing copy is kept unless `overwrite`."""
    folder = Path(folder).expanduser()
    existing = [folder / f"{n}.ipynb" for n in NOTEBOOKS if (folder / f"{n}.ipynb").exists()]
    if existing and not overwrite:
        raise CswbError(
            i18n._("{folder} already holds {names}: your edits there are kept; choose another folder, or give --overwrite to "
                   "replace them with the packaged notebooks").format(folder=folder, names=", ".join(p.name for p in existing))
        )
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in NOTEBOOKS:
        target = folder / f"{name}.ipynb"
        shutil.copyfile(workbooks_dir() / f"{name}.ipynb", target)
        written.append(target)
    return written


def in_language(notebook: Mapping[str, Any], language: str) -> dict[str, Any]:
    """The notebook with each markdown cell's text in `language` (the catalogue is keyed by the
    English text of the whole cell; a cell without a translation stays as written), and its
    language in the metadata (`cswb.language`, which the apps' template puts in `<html lang>`)
    with the front end's messages (`cswb.messages`) for the page to embed."""
    code = i18n.normalize_language(language)
    cells = []
    with i18n.use_language(code):
        for cell in notebook.get("cells", []):
            source = cell.get("source", "")
            text = ("".join(source) if isinstance(source, list) else str(source)).strip()
            if cell.get("cell_type") == "markdown" and text and code != i18n.DEFAULT_LANGUAGE:
                cell = dict(cell, source=i18n._(text))
            cells.append(cell)
    metadata = dict(notebook.get("metadata", {}))
    metadata["cswb"] = {**metadata.get("cswb", {}), "language": code, "messages": i18n.front_end_catalogue(code)}
    return dict(notebook, cells=cells, metadata=metadata)


def copy_for_app(source: Path, target: Path, language: str = i18n.DEFAULT_LANGUAGE) -> Path:
    """Write `source` as the apps show it (`for_app`, `in_language`) to `target`; one clear line if
    it is unreadable."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shown = in_language(for_app(read_notebook(source)), language)
    target.write_text(json.dumps(shown, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return target
