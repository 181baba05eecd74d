"""Interactive panels of the Buy-in workbook: quick feedback entry, survey import, tag
suggestions, and the plan identity (name, colours, logo).

The workbook (`cswb_widgets.workbooks.buy_in`) builds them in app mode; their report-mode
twins are in `cswb_widgets.render.buy_in`.
"""

from __future__ import annotations

import datetime as dt

import ipywidgets
import pandas as pd
from markupsafe import Markup

from .. import render
from ..framework import load_catalogue
from ..i18n import N_, _, format_number
from ..model import engagement
from ..render.buy_in import identity_preview_html, tag_suggestions_html
from ..store import Workspace, operations, schema
from ..store.survey import SurveyFile, import_survey, read_survey
from . import _failures, _sync
from .file_import import say, take_upload, upload_button, upload_name, uploaded_copy, without_upload_folder
from .pickers import IsoDate, catalogue_picker, options_picker
from .record_form import RecordForm


class QuickFeedback(ipywidgets.VBox):
    """Type what someone says during a session; the risk categories its words suggest are offered."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self.text = ipywidgets.Textarea(
            description=_("What was said"), rows=3, style={"description_width": "initial"},
            layout=ipywidgets.Layout(width="46rem", max_width="100%"),
        )
        self.activity = options_picker(self._activities(), description=_("Activity"))
        self.group = ipywidgets.Text(description=_("Participant group (optional)"), style={"description_width": "initial"})
        self.date = IsoDate(_("Date said"), value=dt.date.today())  # kept for the next entry: a session is one day
        self.categories = catalogue_picker("risk_categories", multiple=True, description=_("Risk categories"), rows=9)
        self.suggested = ipywidgets.HTML("")
        self.use_suggestions = ipywidgets.Button(description=_("Use suggested categories"))
        self.use_suggestions.on_click(lambda _b: self._apply_suggestions())
        self.save_button = ipywidgets.Button(description=_("Save feedback"), button_style="primary")
        self.save_button.on_click(lambda _b: self.save())
        self.status = ipywidgets.HTML("")
        self.text.observe(lambda _c: self._suggest(), names="value")
        super().__init__([self.text, self.suggested, self.use_suggestions, self.categories, self.activity,
                          self.group, self.date, self.save_button, self.status])
        self._suggest()
        _sync.subscribe(self._ws, self.refresh_options)

    def _activities(self) -> list[tuple[str, str]]:
        frame = self._ws.table("engagement_activities")
        return list(zip(frame["title"], frame["id"], strict=True))

    def refresh_options(self) -> None:
        current = self.activity.value
        self.activity.options = [(_("(none)"), "")] + self._activities()
        if current in [v for __, v in self.activity.options]:
            self.activity.value = current

    def _suggestions(self) -> list[str]:
        return load_catalogue().suggest_categories(self.text.value) if self.text.value.strip() else []

    def _suggest(self) -> None:
        keys = self._suggestions()
        catalogue = load_catalogue()
        names = ", ".join(catalogue.name_of("risk_categories", k) for k in keys)
        self.suggested.value = str(Markup("<p>Suggested: {}</p>").format(names)) if keys else ""
        self.use_suggestions.layout.display = None if keys else "none"

    def _apply_suggestions(self) -> None:
        self.categories.value = tuple(dict.fromkeys([*self.categories.value, *self._suggestions()]))

    def save(self) -> str | None:
        try:
            when = self.date.date
        except ValueError as error:
            self.status.value = say("error", _("Not saved: {error}").format(error=error))
            return None
        try:
            record_id = operations.add_quick_feedback(
                self._ws,
                self.text.value,
                activity_id=self.activity.value or None,
                participant_group=self.group.value or None,
                risk_categories=list(self.categories.value),
                date=when,
            )
        except Exception as error:  # noqa: BLE001 - said in the widget (details of the unexpected in the log)
            self.status.value = say("error", _("Not saved: {value}").format(value=_failures.words(error)))
            return None
        self.text.value = ""
        self.categories.value = ()
        self.status.value = say("saved", _("Saved. Ready for the next one."))
        _sync.notify_saved(self._ws, self)
        return record_id


class SurveyImport(ipywidgets.VBox):
    """Upload a survey export, say which columns hold answers, import them all at once."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self._survey: SurveyFile | None = None
        self.upload = upload_button(_("Survey file"), ".csv,.xlsx,.txt")
        self.upload.observe(lambda _c: self._read(), names="value")
        self.answers = options_picker([], description=_("Columns with answers"), multiple=True)
        self.date = options_picker([], description=_("Date column"))
        self.group = options_picker([], description=_("Participant group column"))
        self.activity = options_picker([], description=_("Engagement activity"))
        self.tag = ipywidgets.Checkbox(description=_("Suggest risk categories for each answer"), value=True, indent=False)
        self.import_button = ipywidgets.Button(description=_("Import answers"), button_style="primary", disabled=True)
        self.import_button.on_click(lambda _b: self.run())
        self.status = ipywidgets.HTML("")
        self.form = ipywidgets.VBox([self.answers, self.date, self.group, self.activity, self.tag, self.import_button])
        self.form.layout.display = "none"
        super().__init__([ipywidgets.HTML(str(Markup("<p>{}</p>").format(_("Upload a CSV or Excel export from your survey tool.")))),
                          self.upload, self.form, self.status])

    def load_file(self, name: str, content: bytes) -> None:
        """Read an uploaded file (also what the upload widget calls)."""
        try:
            # The answers are read into memory; the copy on disk goes at once (personal data).
            with uploaded_copy(name, content) as path:
                self._survey = read_survey(path, display=upload_name(name))
        except Exception as error:  # noqa: BLE001 - said in the widget (details of the unexpected in the log)
            self._survey = None
            self.form.layout.display = "none"
            self.status.value = say("error", without_upload_folder(_failures.words(error, "survey upload")))
            return
        questions = [(q, q) for q in self._survey.questions]
        self.answers.options = questions
        self.date.options = [(_("(none)"), "")] + questions
        self.group.options = [(_("(none)"), "")] + questions
        activities = self._ws.table("engagement_activities")
        self.activity.options = [(_("(none)"), "")] + list(zip(activities["title"], activities["id"], strict=True))
        self.form.layout.display = None
        self.import_button.disabled = False
        self.status.value = say("info", _("{count} responses read. Choose the columns with answers.").format(
            count=format_number(len(self._survey.sheet.rows))))

    def _read(self) -> None:
        take_upload(self.upload, self.load_file, self.status, "survey upload")

    def run(self) -> int | None:
        if self._survey is None:
            return None
        try:
            added = import_survey(
                self._ws, self._survey,
                answer_columns=list(self.answers.value),
                activity_id=self.activity.value or None,
                date_column=self.date.value or None,
                group_column=self.group.value or None,
                tag_with_suggestions=self.tag.value,
            )
        except Exception as error:  # noqa: BLE001 - said in the widget (details of the unexpected in the log)
            self.status.value = say("error", _("Nothing imported: {value}").format(value=_failures.words(error, 'survey import')))
            return None
        self.status.value = say("saved", _("Imported {added} answers as feedback items.").format(added=added))
        _sync.notify_saved(self._ws, self)
        return added


class TagSuggestions(ipywidgets.VBox):
    """Untagged feedback whose words suggest a risk category: review, then apply in one step."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self.view = ipywidgets.HTML("")
        self.apply_button = ipywidgets.Button(description=_("Apply all suggestions"))
        self.apply_button.on_click(lambda _b: self.apply())
        self.status = ipywidgets.HTML("")
        super().__init__([self.view, self.apply_button, self.status])
        self.refresh()
        _sync.subscribe(self._ws, self.refresh)

    def _pending(self) -> pd.DataFrame:
        return engagement.tag_suggestions(render.WorkspaceTables(self._ws))

    def refresh(self) -> None:
        pending = self._pending()
        self.view.value = tag_suggestions_html(pending)
        self.apply_button.layout.display = None if len(pending) else "none"

    def apply(self) -> int:
        pending = self._pending()
        try:
            operations.apply_tag_suggestions(self._ws, dict(zip(pending["id"], pending["suggested"], strict=True)))
        except Exception as error:  # noqa: BLE001 - said in the widget (details of the unexpected in the log)
            self.status.value = say("error", _("Not tagged: {value}").format(value=_failures.words(error)))
            return 0
        self.status.value = say("saved", _("Tagged {pending_count} items. Undo is in the change history.").format(pending_count=len(pending)))
        _sync.notify_saved(self._ws, self)
        self.refresh()
        return len(pending)


PLAN_LANGUAGE = "plan_language"  # the community's plan language: en, fr or both (schema 6)


def plan_language_fields() -> list[str]:
    """The plan-language field, for the community's details form, once the schema has the column
    (schema 6 adds `community.plan_language`); none before, so older code keeps working."""
    return [PLAN_LANGUAGE] if PLAN_LANGUAGE in schema.table("community").column_names else []


# Words for the identity form's fields (their column names read "Colour primary"; in French, English).
IDENTITY_LABELS = {"plan_name": N_("Plan name"), "colour_primary": N_("Main colour"),
                   "colour_secondary": N_("Accent colour"), PLAN_LANGUAGE: N_("Plan language")}


class PlanIdentity(ipywidgets.VBox):
    """Plan name, colours and language (English, French or both; a form), a logo upload (PNG or
    JPEG), and a live preview."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        fields = ["plan_name", "colour_primary", "colour_secondary", *plan_language_fields()]
        self.form = RecordForm(self._ws, "community", fields=fields, labels=IDENTITY_LABELS,
                               record_id="community", save_label=_("Save identity"), on_saved=lambda _id: self.refresh())
        self.logo = upload_button(_("Logo"), ".png,.jpg,.jpeg")
        self.logo.observe(lambda _c: self._upload(), names="value")
        self.status = ipywidgets.HTML("")
        self.preview = ipywidgets.HTML("")
        super().__init__([self.form, self.logo, self.status, self.preview])
        self.refresh()

    def refresh(self) -> None:
        self.preview.value = identity_preview_html(self._ws.community)

    def set_logo(self, content: bytes) -> bool:
        try:
            operations.set_logo(self._ws, content)
        except Exception as error:  # noqa: BLE001 - said in the widget (details of the unexpected in the log)
            self.status.value = say("error", _failures.words(error))
            return False
        self.status.value = say("saved", _("Logo saved."))
        _sync.notify_saved(self._ws, self)
        self.refresh()
        return True

    def _upload(self) -> None:
        files = self.logo.value
        if files:
            self.set_logo(bytes(files[0]["content"]))
