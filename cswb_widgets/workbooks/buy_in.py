"""Buy-in workbook (Tool 4): engagement plan and log, who was consulted, what they raised."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import ipywidgets
import pandas as pd
from markupsafe import Markup

from .. import render
from ..errors import CswbError, InputError
from ..framework import load_catalogue
from ..model import engagement, readiness
from ..model.privacy import SMALL_COUNT, suppress_small_counts
from ..render import charts
from ..store.survey import import_survey, read_survey
from ..widgets import CoverageIndicator, RecordForm, _sync, catalogue_picker, options_picker
from ._base import Shown, Workbook, _html, deferred, report_only


def _say(kind: str, text: str) -> str:
    role = "alert" if kind == "error" else "status"
    return str(Markup('<p role="{}" class="cswb-{}">{}</p>').format(role, kind, text))


class BuyInWorkbook(Workbook):
    stage = "buy_in"

    # -- plan and log ----------------------------------------------------------------------------

    @deferred
    def periods(self) -> Shown:
        return self.records(
            "engagement_periods",
            columns=["name", "start", "end", "outreach_types", "successes", "challenges", "findings", "lessons_learned"],
            caption="Engagement periods and what each taught",
        )

    @deferred
    def activities(self) -> Shown:
        return self.records(
            "engagement_activities",
            columns=["title", "method", "period_id", "date", "audience", "consult_groups", "sector",
                     "number_reached", "language_notes", "accessibility_notes", "status"],
            caption="Engagement plan and log",
        )

    @deferred
    def consultation(self) -> Shown:
        """The groups the framework says must be consulted: who has been, who has not yet."""
        def matrix() -> str:
            frame = engagement.consultation_matrix(self.tables())
            frame = frame.assign(methods=["; ".join(m) for m in frame["methods"]])
            if not self.app:  # people reached are counts of people: published reports show under 5 as "<5"
                frame = suppress_small_counts(frame, ["people_reached"])
            return render.table_html(
                frame,
                columns=["group", "status", "activities", "people_reached", "methods", "reason"],
                labels={"reason": "Why not applicable"},
                caption="Consultation of required groups",
                row_header="group",
            )

        if not self.app:
            check = readiness.consultation_coverage(self.tables())
            return _html(render.coverage_html(check, reasons=render.exemption_reasons(self.ws, "consult_groups")) + matrix())
        return ipywidgets.VBox([CoverageIndicator(self.ws, readiness.consultation_coverage), self.live(matrix)])

    # -- what people raised ------------------------------------------------------------------------

    @deferred
    def quick_feedback(self) -> Shown:
        """Type what someone says during a session; tags are suggested as you type."""
        if not self.app:
            feedback = self.ws.table("feedback")
            tagged = sum(bool(tags) for tags in feedback["risk_categories"])
            return _html(f"<p>{len(feedback)} feedback items recorded; {tagged} tagged with a risk category.</p>")
        return QuickFeedback(self)

    @deferred
    def survey_import(self) -> Shown:
        if not self.app:
            answered = self.ws.table("feedback")["question"].notna().sum()
            return _html(f"<p>{answered} feedback items came from survey answers.</p>")
        return SurveyImport(self)

    @deferred
    def feedback(self) -> Shown:
        """Every item, for tagging by risk category and theme (reports show counts, not quotes)."""
        if self.app:
            return ipywidgets.VBox([TagSuggestions(self), self.records(
                "feedback",
                columns=["text", "risk_categories", "themes", "activity_id", "participant_group", "question", "date"],
                caption="Feedback items",
            )])
        return _html(self._untagged_note())

    def _untagged_note(self) -> str:
        pending = engagement.untagged_feedback(self.tables())
        return f"<p>{len(pending)} feedback items are not yet tagged with a risk category.</p>"

    @deferred
    def theme_chart(self, by: str = "risk_categories") -> Shown:
        """How often each risk category (or theme) came up. Published output hides counts under 5."""
        def html() -> str:
            frequency = engagement.theme_frequency(self.tables(), by=by)
            if frequency.empty:
                return "<p>No tagged feedback yet.</p>"
            chart = charts.bar_chart(
                frequency["label"].tolist(),
                frequency["count"].tolist(),
                title="What people raised" if by == "risk_categories" else "Themes raised",
                xlabel="Feedback items",
                suppress_below=None if self.app else SMALL_COUNT,
                category_label="Risk category" if by == "risk_categories" else "Theme",
            )
            return chart.html()

        return self.live(html)

    # -- summaries ---------------------------------------------------------------------------------

    @deferred
    def period_summaries(self) -> Shown:
        """Each period as the framework asks: time, outreach, successes, challenges, findings, lessons."""
        def html() -> str:
            parts = []
            for s in engagement.period_summaries(self.tables()):
                when = " to ".join(d.date().isoformat() for d in (s.start, s.end) if d is not None) or "dates not set"
                reached, heard = s.people_reached, s.feedback_items
                if not self.app:  # published: counts under 5 read "<5"
                    reached, heard = (f"<{SMALL_COUNT}" if 0 < n < SMALL_COUNT else n for n in (reached, heard))
                facts = Markup(
                    "<ul><li>Time period: {}</li><li>Activities: {}; people reached: {}</li>"
                    "<li>Methods: {}</li><li>Groups reached: {}</li><li>Feedback items: {}</li></ul>"
                ).format(when, s.activities, reached, ", ".join(s.methods) or "none",
                         ", ".join(s.groups_reached) or "none", heard)
                narrative = Markup("").join(
                    Markup("<h5>{}</h5><p>{}</p>").format(label, text or "Not yet written.")
                    for label, text in (
                        ("Outreach types", s.outreach_types), ("Successes", s.successes),
                        ("Challenges", s.challenges), ("Findings", s.findings),
                        ("Lessons learned", s.lessons_learned),
                    )
                )
                parts.append(str(Markup('<section class="cswb-period"><h4>{}</h4>{}{}</section>').format(s.name, facts, narrative)))
            return "".join(parts) or "<p>No engagement period recorded yet.</p>"

        return self.live(html)

    # -- identity -----------------------------------------------------------------------------------

    @deferred
    def identity(self) -> Shown:
        """The plan's name, colours and logo, used by every app page and report."""
        if not self.app:
            return _html(identity_preview(self.ws.community))
        return PlanIdentity(self)

    @report_only
    def title_page(self) -> Shown:
        """The plan's title page (`cswb report`): its name, the community, the logo, in the plan's colours."""
        return _html(title_page_html(self.ws.community))


def title_page_html(community: dict[str, Any]) -> str:
    """The plan identity as a title page: the plan's name is the page's one top-level heading."""
    primary = render.safe_colour(community.get("colour_primary"), render.DEFAULT_PRIMARY)
    secondary = render.safe_colour(community.get("colour_secondary"), render.DEFAULT_SECONDARY)
    logo = render.safe_logo(community.get("logo"))
    name = str(community.get("name") or "")
    kinds = {k.key: k.name for k in load_catalogue().community_kinds}
    kind = kinds.get(str(community.get("kind") or ""), "")
    image = Markup('<img class="cswb-title-logo" src="{}" alt="{} logo">').format(logo, name) if logo else ""
    return str(Markup(
        '<div class="cswb-title-page" style="background:{p};color:{t};border-bottom:0.5rem solid {s};'
        'padding:2rem 1.5rem">{img}<h1 class="cswb-title-plan">{plan}</h1>'
        '<p class="cswb-title-community">{name}{kind}</p></div>'
    ).format(p=primary, t=render.readable_text_colour(primary), s=secondary, img=image,
             plan=community.get("plan_name") or f"{name} Community Safety and Well-Being Plan",
             name=name, kind=Markup(" ({})").format(kind) if kind else ""))


def identity_preview(community: dict[str, Any]) -> str:
    primary = render.safe_colour(community.get("colour_primary"), render.DEFAULT_PRIMARY)
    secondary = render.safe_colour(community.get("colour_secondary"), render.DEFAULT_SECONDARY)
    logo = render.safe_logo(community.get("logo"))
    text = render.readable_text_colour(primary)
    image = Markup('<img src="{}" alt="{} logo" style="max-height:4rem">').format(logo, community.get("name") or "") if logo else ""
    return str(
        Markup(
            '<div class="cswb-identity" style="background:{p};color:{t};padding:1rem;border-bottom:6px solid {s}">'
            "{img}<p style=\"font-size:1.4rem;margin:.3rem 0\">{name}</p></div>"
        ).format(p=primary, t=text, s=secondary, img=image,
                 name=community.get("plan_name") or f"{community.get('name', '')} Community Safety and Well-Being Plan")
    )


class QuickFeedback(ipywidgets.VBox):
    def __init__(self, book: BuyInWorkbook) -> None:
        self._book = book
        self._ws = book.ws
        self.text = ipywidgets.Textarea(
            description="What was said", rows=3, style={"description_width": "initial"},
            layout=ipywidgets.Layout(width="46rem", max_width="100%"),
        )
        self.activity = options_picker(self._activities(), description="Activity")
        self.group = ipywidgets.Text(description="Participant group (optional)", style={"description_width": "initial"})
        self.categories = catalogue_picker("risk_categories", multiple=True, description="Risk categories", rows=6)
        self.suggested = ipywidgets.HTML("")
        self.use_suggestions = ipywidgets.Button(description="Use suggested categories")
        self.use_suggestions.on_click(lambda _b: self._apply_suggestions())
        self.save_button = ipywidgets.Button(description="Save feedback", button_style="primary")
        self.save_button.on_click(lambda _b: self.save())
        self.status = ipywidgets.HTML("")
        self.text.observe(lambda _c: self._suggest(), names="value")
        super().__init__([self.text, self.suggested, self.use_suggestions, self.categories, self.activity,
                          self.group, self.save_button, self.status])
        self._suggest()
        _sync.subscribe(self._ws, self.refresh_options)

    def _activities(self) -> list[tuple[str, str]]:
        frame = self._ws.table("engagement_activities")
        return list(zip(frame["title"], frame["id"]))

    def refresh_options(self) -> None:
        current = self.activity.value
        self.activity.options = [("(none)", "")] + self._activities()
        if current in [v for _, v in self.activity.options]:
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
        from ..store import operations

        try:
            record_id = operations.add_quick_feedback(
                self._ws,
                self.text.value,
                activity_id=self.activity.value or None,
                participant_group=self.group.value or None,
                risk_categories=list(self.categories.value),
            )
        except CswbError as error:
            self.status.value = _say("error", f"Not saved: {error}")
            return None
        self.text.value = ""
        self.categories.value = ()
        self.status.value = _say("saved", "Saved. Ready for the next one.")
        _sync.notify_saved(self._ws, self)
        return record_id


class SurveyImport(ipywidgets.VBox):
    """Upload a survey export, say which columns hold answers, import them all at once."""

    def __init__(self, book: BuyInWorkbook) -> None:
        self._ws = book.ws
        self._survey = None
        self.upload = ipywidgets.FileUpload(accept=".csv,.xlsx,.txt", multiple=False, description="Survey file")
        self.upload.observe(lambda _c: self._read(), names="value")
        self.answers = options_picker([], description="Columns with answers", multiple=True)
        self.date = options_picker([], description="Date column")
        self.group = options_picker([], description="Participant group column")
        self.activity = options_picker([], description="Engagement activity")
        self.tag = ipywidgets.Checkbox(description="Suggest risk categories for each answer", value=True, indent=False)
        self.import_button = ipywidgets.Button(description="Import answers", button_style="primary", disabled=True)
        self.import_button.on_click(lambda _b: self.run())
        self.status = ipywidgets.HTML("")
        self.form = ipywidgets.VBox([self.answers, self.date, self.group, self.activity, self.tag, self.import_button])
        self.form.layout.display = "none"
        super().__init__([ipywidgets.HTML("<p>Upload a CSV or Excel export from your survey tool.</p>"),
                          self.upload, self.form, self.status])

    def load_file(self, name: str, content: bytes) -> None:
        """Read an uploaded file (also what the upload widget calls)."""
        folder = Path(tempfile.mkdtemp(prefix="cswb-survey-"))
        path = folder / Path(name).name
        path.write_bytes(content)
        try:
            self._survey = read_survey(path, display=Path(name).name)
        except CswbError as error:
            self._survey = None
            self.form.layout.display = "none"
            self.status.value = _say("error", str(error))
            return
        questions = [(q, q) for q in self._survey.questions]
        self.answers.options = questions
        self.date.options = [("(none)", "")] + questions
        self.group.options = [("(none)", "")] + questions
        activities = self._ws.table("engagement_activities")
        self.activity.options = [("(none)", "")] + list(zip(activities["title"], activities["id"]))
        self.form.layout.display = None
        self.import_button.disabled = False
        self.status.value = _say("info", f"{len(self._survey.sheet.rows)} responses read. Choose the columns with answers.")

    def _read(self) -> None:
        files = self.upload.value
        if files:
            item = files[0]
            self.load_file(item["name"], bytes(item["content"]))

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
        except InputError as error:
            self.status.value = _say("error", f"Nothing imported: {error}")
            return None
        self.status.value = _say("saved", f"Imported {added} answers as feedback items.")
        _sync.notify_saved(self._ws, self)
        return added


class TagSuggestions(ipywidgets.VBox):
    """Untagged feedback whose words suggest a risk category: review, then apply in one step."""

    def __init__(self, book: BuyInWorkbook) -> None:
        self._book = book
        self._ws = book.ws
        self.view = ipywidgets.HTML("")
        self.apply_button = ipywidgets.Button(description="Apply all suggestions")
        self.apply_button.on_click(lambda _b: self.apply())
        self.status = ipywidgets.HTML("")
        super().__init__([self.view, self.apply_button, self.status])
        self.refresh()
        _sync.subscribe(self._ws, self.refresh)

    def _pending(self) -> pd.DataFrame:
        return engagement.tag_suggestions(self._book.tables())

    def refresh(self) -> None:
        pending = self._pending()
        catalogue = load_catalogue()
        shown = pending.assign(suggested=["; ".join(catalogue.name_of("risk_categories", k) for k in s) for s in pending["suggested"]])
        self.view.value = render.table_html(shown, columns=["text", "suggested"], labels={"suggested": "Suggested categories"},
                                            caption="Suggested tags for untagged feedback", empty_text="No suggestions pending.")
        self.apply_button.layout.display = None if len(pending) else "none"

    def apply(self) -> int:
        from ..store import operations

        pending = self._pending()
        try:
            operations.apply_tag_suggestions(self._ws, dict(zip(pending["id"], pending["suggested"])))
        except CswbError as error:
            self.status.value = _say("error", f"Not tagged: {error}")
            return 0
        self.status.value = _say("saved", f"Tagged {len(pending)} items. Undo is in the change history.")
        _sync.notify_saved(self._ws, self)
        self.refresh()
        return len(pending)


class PlanIdentity(ipywidgets.VBox):
    """Plan name and colours (a form), a logo upload (PNG or JPEG), and a live preview."""

    def __init__(self, book: BuyInWorkbook) -> None:
        self._ws = book.ws
        self.form = RecordForm(self._ws, "community", fields=["plan_name", "colour_primary", "colour_secondary"],
                               record_id="community", save_label="Save identity", on_saved=lambda _id: self.refresh())
        self.logo = ipywidgets.FileUpload(accept=".png,.jpg,.jpeg", multiple=False, description="Logo")
        self.logo.observe(lambda _c: self._upload(), names="value")
        self.status = ipywidgets.HTML("")
        self.preview = ipywidgets.HTML("")
        super().__init__([self.form, self.logo, self.status, self.preview])
        self.refresh()

    def refresh(self) -> None:
        self.preview.value = identity_preview(self._ws.community)

    def set_logo(self, content: bytes) -> bool:
        from ..store import operations

        try:
            operations.set_logo(self._ws, content)
        except CswbError as error:
            self.status.value = _say("error", str(error))
            return False
        self.status.value = _say("saved", "Logo saved.")
        _sync.notify_saved(self._ws, self)
        self.refresh()
        return True

    def _upload(self) -> None:
        files = self.logo.value
        if files:
            self.set_logo(bytes(files[0]["content"]))
