"""Pickers fed by the framework catalogue: the person sees names, the code gets keys."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any, Literal, overload

import ipywidgets
import traitlets

from .. import render
from ..i18n import _

# Long option names (seats, consult groups) must not be cut off, nor the label squeezed.
FIELD_STYLE = {"description_width": "initial"}
FIELD_LAYOUT = {"width": "42rem", "max_width": "100%"}

# The value of the blank choice. Not None: ipywidgets reads a value of None as "nothing
# selected" and shows an empty box instead of the blank choice's words.
BLANK = ""


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class CheckList(ipywidgets.VBox):
    """Several choices as a list of checkboxes: chosen by click or Space, no modifier keys.

    Used like a SelectMultiple: ``options`` are (name, key) pairs, ``value`` a tuple of keys,
    ``description`` the group's label (shown above the boxes, and on each box for screen readers).
    """

    value = traitlets.Tuple()
    options: traitlets.List[tuple[str, str]] = traitlets.List()
    description = traitlets.Unicode("")

    def __init__(self, options: Sequence[tuple[str, str]] = (), *, description: str = "", value: Sequence[str] = (),
                 rows: int | None = None) -> None:
        self._title = ipywidgets.HTML("")
        self._boxes = ipywidgets.VBox([])
        self._boxes.add_class("cswb-checklist-boxes")
        self._setting = False
        self._rows = rows
        super().__init__([self._title, self._boxes])
        self.add_class("cswb-checklist")
        self.observe(lambda _c: self._build(), names=["options", "description"])
        self.observe(lambda _c: self._tick(), names="value")
        self.description = description
        self.options = [(str(name), str(key)) for name, key in options]
        self.value = tuple(value)

    @traitlets.validate("value")
    def _known(self, proposal: traitlets.Bunch) -> tuple[str, ...]:
        keys = [key for __, key in self.options]
        return tuple(v for v in proposal["value"] if v in keys)

    def _build(self) -> None:
        self._title.value = f'<span class="cswb-checklist-title">{render.escape(self.description)}</span>'
        boxes = []
        for name, key in self.options:
            box = ipywidgets.Checkbox(value=key in self.value, description=name, indent=False,
                                      layout={"width": "auto", "max_width": "100%"})
            box.observe(lambda change, k=key: self._clicked(k, change["new"]), names="value")
            boxes.append(box)
        self._boxes.children = boxes
        if self._rows:  # a long list scrolls inside its box instead of pushing the page down
            self._boxes.layout = {"max_height": f"{self._rows * 1.9:.1f}rem", "overflow": "hidden auto"}
        self.value = tuple(v for v in self.value if v in [k for __, k in self.options])

    def _clicked(self, key: str, ticked: bool) -> None:
        if self._setting:
            return
        chosen = [v for v in self.value if v != key]
        if ticked:
            chosen.append(key)
        order = [k for __, k in self.options]
        self.value = tuple(sorted(chosen, key=order.index))

    def _tick(self) -> None:
        self._setting = True
        try:
            for box, (_name, key) in zip(self._boxes.children, self.options, strict=False):
                box.value = key in self.value
        finally:
            self._setting = False


class IsoDate(ipywidgets.Text):
    """A date typed as yyyy-mm-dd. One format everywhere: a browser date input would show the
    local one (mm/dd/yyyy here). ``date`` is the date, None when blank; a wrong text raises
    ValueError saying how to type it."""

    def __init__(self, description: str, value: dt.date | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("style", FIELD_STYLE)
        super().__init__(description=description, placeholder=_("yyyy-mm-dd"),
                         value=value.isoformat() if value else "", continuous_update=False, **kwargs)
        self.label = description

    @property
    def date(self) -> dt.date | None:
        text = self.value.strip()
        if not text:
            return None
        try:
            if ISO_DATE.fullmatch(text):
                return dt.date.fromisoformat(text)
        except ValueError:
            pass
        raise ValueError(_("{field}: “{text}” is not a date; type it as yyyy-mm-dd, e.g. 2026-03-31.").format(
            field=self.label, text=text))

    @date.setter
    def date(self, value: dt.date | None) -> None:
        self.value = value.isoformat() if value else ""


@overload
def options_picker(options: Sequence[tuple[str, str]], *, description: str, multiple: Literal[False] = False,
                   value: Any = None, blank: str | None = "(none)", rows: int | None = None) -> ipywidgets.Dropdown: ...
@overload
def options_picker(options: Sequence[tuple[str, str]], *, description: str, multiple: Literal[True],
                   value: Any = None, blank: str | None = "(none)", rows: int | None = None) -> CheckList: ...
def options_picker(
    options: Sequence[tuple[str, str]],
    *,
    description: str,
    multiple: bool = False,
    value: Any = None,
    blank: str | None = "(none)",
    rows: int | None = None,
) -> ipywidgets.Dropdown | CheckList:
    """A labelled Dropdown (or, with ``multiple``, a CheckList) over (name, key) pairs.

    ``blank`` is the text of an empty first choice (value ``""``); pass None for no
    empty choice. The label is the widget's ``description``, which ipywidgets 8
    ties to the control with ``<label for>``, so screen readers announce it.
    """
    picker: ipywidgets.Dropdown | CheckList
    if multiple:
        picker = CheckList(list(options), description=description, rows=rows if rows and rows < len(options) else None)
    else:
        picker = ipywidgets.Dropdown(
            options=([(_(blank), BLANK)] if blank is not None else []) + list(options),
            description=description,
            style=FIELD_STYLE,
            layout=FIELD_LAYOUT,
        )
    select(picker, value)
    return picker


def select(picker: ipywidgets.Dropdown | CheckList | ipywidgets.SelectMultiple, value: Any) -> None:
    """Choose `value` (keys, for a CheckList); a value the picker does not offer, or
    None, chooses the blank choice."""
    values = [key for __, key in picker.options]
    if isinstance(picker, (CheckList, ipywidgets.SelectMultiple)):
        picker.value = tuple(v for v in (value or ()) if v in values)
    elif value is not None and value in values:
        picker.value = value
    elif BLANK in values:
        picker.value = BLANK


@overload
def catalogue_picker(list_name: str, *, multiple: Literal[False] = False, description: str | None = None,
                     value: Any = None, blank: str | None = "(none)", rows: int | None = None) -> ipywidgets.Dropdown: ...
@overload
def catalogue_picker(list_name: str, *, multiple: Literal[True], description: str | None = None,
                     value: Any = None, blank: str | None = "(none)", rows: int | None = None) -> CheckList: ...
def catalogue_picker(
    list_name: str,
    *,
    multiple: bool = False,
    description: str | None = None,
    value: Any = None,
    blank: str | None = "(none)",
    rows: int | None = None,
) -> ipywidgets.Dropdown | CheckList:
    """A picker over a catalogue list (``sectors``, ``seats``, ``roles``, ``engagement_methods``,
    ``risk_categories``, ...): options are (name, key), so ``.value`` is the key (a tuple of
    keys when ``multiple``; ``""`` while the blank choice is chosen).
    """
    return options_picker(  # type: ignore[call-overload]  # `multiple` passed through
        render.choice_options(list_name),
        description=description or render.column_label(list_name),
        multiple=multiple,
        value=value,
        blank=blank,
        rows=rows,
    )
