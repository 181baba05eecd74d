"""RecordForm: one labelled field per column; Save adds (or updates) a record through the workspace."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ipywidgets

from .. import render
from ..errors import InputError
from ..i18n import _, ngettext
from ..store.schema import Column, table as table_spec
from ..store.validation import is_blank, join_list
from . import _failures, _sync
from .colour_field import ColourField
from .pickers import FIELD_LAYOUT, FIELD_STYLE, CheckList, IsoDate, options_picker, select

if TYPE_CHECKING:
    from ..store.workspace import Workspace

# Free-text columns that usually hold a paragraph rather than a few words.
MULTILINE_COLUMNS = frozenset(
    {
        "activities",
        "background",
        "challenges",
        "comprehensive_strategy",
        "coordination_notes",
        "demographics",
        "description",
        "evidence",
        "expected_outcomes",
        "findings",
        "lessons_learned",
        "most_work_needed",
        "narrative",
        "note",
        "purpose",
        "real_problem_or_symptom",
        "resources",
        "successes",
        "text",
        "who_fills_gaps",
    }
)


# Colour columns and the colour each starts from when none is stored.
COLOUR_DEFAULTS = {"colour_primary": render.DEFAULT_PRIMARY, "colour_secondary": render.DEFAULT_SECONDARY}


@dataclass
class FormField:
    """One column's input widget and the message shown under it when a value is refused."""

    column: Column
    widget: ipywidgets.ValueWidget
    error: ipywidgets.HTML

    def value(self) -> Any:
        raw = self.widget.value
        if isinstance(raw, tuple):
            return list(raw)
        if isinstance(raw, str) and not raw.strip():
            return None
        return raw

    def set(self, value: Any) -> None:
        widget = self.widget
        if isinstance(widget, (ipywidgets.Dropdown, CheckList)):
            select(widget, value)
        elif isinstance(widget, IsoDate):
            widget.date = _as_date(value)
        elif isinstance(widget, ColourField):
            widget.value = render.safe_colour(value, COLOUR_DEFAULTS.get(self.column.name, render.DEFAULT_PRIMARY))
        elif self.column.kind == "list":
            widget.value = join_list([str(v) for v in value or []])
        else:
            widget.value = "" if is_blank(value) else render.display_value(self.column, value)

    def show_error(self, message: str) -> None:
        self.error.value = (
            f'<span class="cswb-field-error" style="color:{render.PALETTE["error"]}">'
            f'<span aria-hidden="true">\u26a0 </span>{render.escape(message)}</span>'
            if message
            else ""
        )


def _as_date(value: Any) -> dt.date | None:
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def field_widget(ws: Workspace, column: Column, label: str) -> ipywidgets.ValueWidget:
    """The input widget for a column's kind; the label says when a value is required."""
    description = _("{label} (required)").format(label=label) if column.required else label
    blank = _("(choose one)") if column.required else _("(none)")
    if column.kind == "list" and (column.choices or column.ref):
        return options_picker(_options(ws, column), description=description, multiple=True)
    if column.choices or column.ref:
        return options_picker(_options(ws, column), description=description, blank=blank)
    if column.kind == "bool":
        return options_picker([(_("Yes"), True), (_("No"), False)], description=description, blank=_("(not set)"))  # type: ignore[list-item]
    if column.kind == "date":
        return IsoDate(description, layout=FIELD_LAYOUT)
    if column.name in COLOUR_DEFAULTS:  # picked from a palette, not typed as hex
        return ColourField(description=description, value=COLOUR_DEFAULTS[column.name])
    if column.kind == "list":
        return ipywidgets.Text(
            description=_("{description} (separate items with ;)").format(description=description), style=FIELD_STYLE, layout=FIELD_LAYOUT
        )
    if column.name in MULTILINE_COLUMNS:
        return ipywidgets.Textarea(description=description, rows=3, style=FIELD_STYLE, layout=FIELD_LAYOUT)
    # Numbers are typed as text too: a blank stays blank (IntText would say 0), and the
    # workspace's own validation explains a wrong value in the same words everywhere.
    return ipywidgets.Text(description=description, style=FIELD_STYLE, layout=FIELD_LAYOUT)


def _options(ws: Workspace, column: Column) -> list[tuple[str, str]]:
    if column.choices:
        return render.choice_options(column.choices)
    assert column.ref is not None
    return render.ref_options(ws, column.ref)


class RecordForm(ipywidgets.VBox):
    """A form over one workspace table. Save adds a record (or, with ``record_id``, updates it).

    ``defaults`` are saved with every new record (columns in it are not shown unless
    listed in ``fields``, where they pre-fill the field); ``on_saved(record_id)`` runs
    after each successful save.
    """

    def __init__(
        self,
        ws: Workspace,
        table: str,
        *,
        fields: Sequence[str] | None = None,
        defaults: Mapping[str, Any] | None = None,
        labels: Mapping[str, str] | None = None,
        on_saved: Callable[[str], None] | None = None,
        record_id: str | None = None,
        save_label: str | None = None,
    ) -> None:
        self._ws = ws
        self._spec = table_spec(table)
        self._defaults = dict(defaults or {})
        self._labels = {key: _(label) for key, label in (labels or {}).items()}  # constants are marked N_
        save_label = _(save_label) if save_label else _("Save")
        self._on_saved = on_saved
        self.record_id = record_id
        names = fields if fields is not None else render.default_columns(table, exclude=self._defaults)
        self.fields: dict[str, FormField] = {}
        for name in names:
            column = self._spec.column(name)
            widget = field_widget(ws, column, render.column_label(column, self._labels))
            self.fields[name] = FormField(column, widget, ipywidgets.HTML(""))
        self.save_button = ipywidgets.Button(description=save_label, tooltip=f"{save_label} {self._spec.title}")
        self.save_button.on_click(lambda _button: self._save_clicked())
        self.status = ipywidgets.HTML("")
        boxes: list[ipywidgets.Widget] = [ipywidgets.VBox([f.widget, f.error]) for f in self.fields.values()]
        super().__init__(children=[*boxes, self.save_button, self.status])
        self.add_class("cswb-record-form")
        self._links: dict[str, str] = {}  # field -> the field whose choice narrows its options
        self.reset()
        _sync.subscribe(ws, self.refresh_options)

    # -- public API ------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """What the fields hold now, as raw values for the workspace to validate."""
        return {name: field.value() for name, field in self.fields.items()}

    def save(self) -> str | None:
        """Validate and save; on refusal show each message under its field and keep the values."""
        values = self.values()
        wrong_dates = self._wrong_dates()
        if wrong_dates:
            self._say("error", _("Not saved: {value}").format(value='; '.join(wrong_dates.values())))
            return None
        try:
            if self.record_id is None:
                record_id = self._ws.add(self._spec.name, **{**self._defaults, **values})
            else:
                self._ws.update(self._spec.name, self.record_id, **values)
                record_id = self.record_id
        except InputError as error:
            self._show_problems(error)
            return None
        except Exception as error:  # noqa: BLE001 - said under the form (and logged if unexpected)
            self._say("error", _("Not saved: {value}").format(value=_failures.words(error, f'save of {self._spec.name}')))
            return None
        label = render.record_label(self._spec, self._ws.get(self._spec.name, record_id) or {"id": record_id})
        self.reset()
        self._say("saved", _("Saved {label}.").format(label=label))
        _sync.notify_saved(self._ws, self)
        if self._on_saved is not None:
            self._on_saved(record_id)
        return record_id

    def _save_clicked(self) -> None:
        """The Save button: whatever fails after the record is saved is said here too."""
        try:
            self.save()
        except Exception as error:  # noqa: BLE001 - the widget boundary
            self._say("error", _("Something went wrong: {value}").format(value=_failures.words(error, f'form for {self._spec.name}')))

    def reset(self) -> None:
        """Clear messages; fill fields with the record being edited, or with the defaults."""
        source = self._ws.get(self._spec.name, self.record_id) if self.record_id else self._defaults
        for name, field in self.fields.items():
            field.set((source or {}).get(name))
            field.show_error("")

    def refresh_options(self) -> None:
        """Reload the records a reference field offers (someone may have added one)."""
        try:
            self._refresh_options()
        except Exception as error:  # noqa: BLE001 - called after another widget's save
            self._say("error", _("Could not reload the choices: {value}").format(value=_failures.words(error, 'form choices')))

    def _refresh_options(self) -> None:
        for field in self.fields.values():
            column = field.column
            if column.ref and isinstance(field.widget, (ipywidgets.Dropdown, CheckList)):
                current = field.widget.value
                options = self._choices_of(field)
                if isinstance(field.widget, ipywidgets.Dropdown):
                    field.widget.options = [field.widget.options[0], *options]
                else:
                    field.widget.options = options
                field.set(list(current) if isinstance(current, tuple) else current)

    def link_choices(self, field: str, by: str) -> None:
        """Offer in `field` only the records whose `by` column holds the value chosen in the
        `by` field (an action's strategies: those of its risk); nothing chosen offers all."""
        target = self.fields[field]
        if target.column.ref is None or by not in table_spec(target.column.ref).column_names:
            raise ValueError(f"'{field}' cannot be narrowed by '{by}'")
        self._links[field] = by
        self.fields[by].widget.observe(lambda _c: self.refresh_options(), names="value")
        self.refresh_options()

    def _choices_of(self, field: FormField) -> list[tuple[str, str]]:
        assert field.column.ref is not None
        by = self._links.get(field.column.name)
        chosen = self.fields[by].value() if by else None
        if by is None or not chosen:
            return render.ref_options(self._ws, field.column.ref)
        frame = render.select_rows(self._ws.table(field.column.ref), {by: chosen})
        spec = table_spec(field.column.ref)
        pairs = [(render.record_label(spec, r), str(r["id"])) for r in frame.to_dict("records")]
        return sorted(pairs, key=lambda pair: (pair[0].casefold(), pair[1]))

    # -- helpers ---------------------------------------------------------------------------

    def _wrong_dates(self) -> dict[str, str]:
        """Dates not typed as yyyy-mm-dd, each said under its field (the store would read some other forms)."""
        wrong: dict[str, str] = {}
        for name, field in self.fields.items():
            if isinstance(field.widget, IsoDate):
                try:
                    field.widget.date  # noqa: B018 - read for its check
                    field.show_error("")
                except ValueError as error:
                    wrong[name] = str(error)
                    field.show_error(str(error))
        return wrong

    def _show_problems(self, error: InputError) -> None:
        shown: set[str] = set()
        for name, field in self.fields.items():
            messages = [p.message for p in error.problems if p.column == name]
            field.show_error(_("{field}: {problem}").format(field=render.column_label(name, self._labels), problem=messages[0])
                             if messages else "")
            if messages:
                shown.add(name)
        others = [str(p) for p in error.problems if p.column not in shown]
        count = len(error.problems)
        summary = ngettext("Not saved: {count} problem to fix", "Not saved: {count} problems to fix", count).format(count=count)
        self._say("error", summary + (": " + "; ".join(others) if others else _(" (see the messages under the fields).")))

    def _say(self, kind: str, words: str) -> None:
        # An alert is announced when it appears; a status waits for a pause in speech.
        role = "alert" if kind == "error" else "status"
        colour = render.PALETTE["error"] if kind == "error" else render.PALETTE["ok"]
        self.status.value = f'<p role="{role}" style="color:{colour};font-weight:600">{render.escape(words)}</p>'
