"""Pickers fed by the framework catalogue: the person sees names, the code gets keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets

from .. import render

# Long option names (seats, consult groups) must not be cut off, nor the label squeezed.
FIELD_STYLE = {"description_width": "initial"}
FIELD_LAYOUT = {"width": "42rem", "max_width": "100%"}

# The value of the blank choice. Not None: ipywidgets reads a value of None as "nothing
# selected" and shows an empty box instead of the blank choice's words.
BLANK = ""


def options_picker(
    options: Sequence[tuple[str, str]],
    *,
    description: str,
    multiple: bool = False,
    value: Any = None,
    blank: str | None = "(none)",
    rows: int | None = None,
) -> ipywidgets.Dropdown | ipywidgets.SelectMultiple:
    """A labelled Dropdown (or SelectMultiple) over (name, key) pairs.

    ``blank`` is the text of an empty first choice (value ``""``); pass None for no
    empty choice. The label is the widget's ``description``, which ipywidgets 8
    ties to the control with ``<label for>``, so screen readers announce it.
    """
    picker: ipywidgets.Dropdown | ipywidgets.SelectMultiple
    if multiple:
        picker = ipywidgets.SelectMultiple(
            options=list(options),
            rows=rows or min(max(len(options), 2), 8),
            description=description,
            style=FIELD_STYLE,
            layout=FIELD_LAYOUT,
        )
    else:
        picker = ipywidgets.Dropdown(
            options=([(blank, BLANK)] if blank is not None else []) + list(options),
            description=description,
            style=FIELD_STYLE,
            layout=FIELD_LAYOUT,
        )
    select(picker, value)
    return picker


def select(picker: ipywidgets.Dropdown | ipywidgets.SelectMultiple, value: Any) -> None:
    """Choose `value` (keys, for a SelectMultiple); a value the picker does not offer, or
    None, chooses the blank choice."""
    values = [key for _, key in picker.options]
    if isinstance(picker, ipywidgets.SelectMultiple):
        picker.value = tuple(v for v in (value or ()) if v in values)
    elif value is not None and value in values:
        picker.value = value
    elif BLANK in values:
        picker.value = BLANK


def catalogue_picker(
    list_name: str,
    *,
    multiple: bool = False,
    description: str | None = None,
    value: Any = None,
    blank: str | None = "(none)",
    rows: int | None = None,
) -> ipywidgets.Dropdown | ipywidgets.SelectMultiple:
    """A picker over a catalogue list (``sectors``, ``seats``, ``roles``, ``engagement_methods``,
    ``risk_categories``, ...): options are (name, key), so ``.value`` is the key (a tuple of
    keys when ``multiple``; ``""`` while the blank choice is chosen).
    """
    return options_picker(
        render.choice_options(list_name),
        description=description or render.column_label(list_name),
        multiple=multiple,
        value=value,
        blank=blank,
        rows=rows,
    )
