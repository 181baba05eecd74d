"""Interactive panels of the Commitment workbook: the terms of reference builder.

The workbook (`cswb_widgets.workbooks.commitment`) builds them in app mode; their report-mode
twins are in `cswb_widgets.render.commitment`.
"""

from __future__ import annotations

import base64
from typing import Any

import ipywidgets
from markupsafe import Markup

from .. import render
from ..documents import DOCX_MIME, terms_of_reference_docx, terms_of_reference_html
from ..framework import load_catalogue
from ..i18n import _
from ..model import commitment
from ..render.commitment import COMBINED, group_choices
from ..store import Workspace, operations
from . import _failures, _sync
from .pickers import options_picker


class TermsOfReferenceBuilder(ipywidgets.VBox):
    """Write the five sections for a group (or one combined), saved as you go; download the document."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        catalogue = load_catalogue()
        self.group_picker = options_picker(self._choices(), description=_("Terms of reference for"), blank=None)
        self.editors: dict[str, ipywidgets.Textarea] = {}
        for section in catalogue.tor_sections:
            self.editors[section.key] = ipywidgets.Textarea(
                description=section.name,
                placeholder=section.prompt,
                rows=5,
                style={"description_width": "initial"},
                layout=ipywidgets.Layout(width="46rem", max_width="100%"),
            )
        self.save_button = ipywidgets.Button(description=_("Save terms of reference"), button_style="primary")
        self.save_button.on_click(lambda _b: self.save())
        self.status = ipywidgets.HTML("", layout=ipywidgets.Layout(min_height="1.5rem"))
        # Documents are made on request: a Word file per page view would slow every visit.
        self.prepare_button = ipywidgets.Button(description=_("Prepare downloads (web page and Word)"))
        self.prepare_button.on_click(lambda _b: self.prepare_downloads())
        self.downloads = ipywidgets.HTML("")
        self.group_picker.observe(lambda _c: self.load(), names="value")
        super().__init__(
            [self.group_picker, *self.editors.values(), self.save_button, self.status, self.prepare_button,
             self.downloads]
        )
        self.load()
        _sync.subscribe(self._ws, self.refresh_groups)

    def _choices(self) -> list[tuple[str, str]]:
        return group_choices(self._ws.table("groups"))

    @property
    def group_id(self) -> str | None:
        value = self.group_picker.value
        return None if value in (COMBINED, "", None) else str(value)

    def refresh_groups(self) -> None:
        current = self.group_picker.value
        self.group_picker.options = self._choices()
        if current in [v for __, v in self.group_picker.options]:
            self.group_picker.value = current

    def load(self) -> None:
        sections = commitment.terms_of_reference(render.WorkspaceTables(self._ws), self.group_id)
        for section in sections:
            self.editors[section.key].value = section.text or ""
        self.status.value = ""
        self.downloads.value = ""

    def save(self) -> bool:
        """Write every changed section in one change; an emptied section is removed."""
        try:
            operations.save_terms_of_reference(self._ws, self.group_id, {k: e.value for k, e in self.editors.items()})
        except Exception as error:  # noqa: BLE001 - said in the widget (details of the unexpected in the log)
            self.status.value = str(Markup('<p role="alert">Not saved: {}</p>').format(_failures.words(error)))
            return False
        self.status.value = '<p role="status">Saved.</p>'
        self.downloads.value = ""  # any earlier links hold the old text
        _sync.notify_saved(self._ws, self)
        return True

    def prepare_downloads(self) -> None:
        """Links to the saved terms of reference as a web page (to print) and a Word file (to edit)."""
        sections = commitment.terms_of_reference(render.WorkspaceTables(self._ws), self.group_id)
        community: dict[str, Any] = self._ws.community
        names = {value: name for name, value in self.group_picker.options}
        group = names.get(self.group_picker.value, "Advisory committee")
        args = {"community": community.get("name") or "", "group": group, "sections": sections,
                "plan_name": community.get("plan_name")}
        html = terms_of_reference_html(**args, colour=render.safe_colour(community.get("colour_primary"), "#1f4e79"))
        docx = terms_of_reference_docx(**args)
        stem = "terms-of-reference-" + "".join(c if c.isalnum() else "-" for c in group.lower()).strip("-")
        self.downloads.value = str(
            Markup(
                '<p>{download} <a download="{stem}.html" href="data:text/html;base64,{html}">{web}</a>'
                ' · <a download="{stem}.docx" href="data:{mime};base64,{docx}">{word}</a></p>'
            ).format(
                download=_("Download:"), web=_("web page (to print)"), word=_("Word document (to edit)"),
                stem=stem,
                html=base64.b64encode(html.encode("utf-8")).decode("ascii"),
                mime=DOCX_MIME,
                docx=base64.b64encode(docx).decode("ascii"),
            )
        )
