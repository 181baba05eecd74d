"""Turn raw values (typed by a person, read from CSV or Excel) into stored values.

One code path serves the Python API, the widgets and every importer, so a value
refused in one place is refused, with the same words, everywhere.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from functools import cache
from typing import Any

import pandas as pd
from pydantic import TypeAdapter, ValidationError

from ..errors import Problem
from ..framework import load_catalogue
from ..i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, _, format_number
from ..model.languages import LanguageError, join_languages, parse_languages
from .limits import MAX_CELL_CHARS, MAX_GEOMETRY_CHARS, MAX_SHORT_TEXT_CHARS, SHORT_TEXT_COLUMNS
from .schema import ID_PATTERN, SCHEMA_CHOICE_NAMES, SCHEMA_CHOICES, Column, Table

_INT = TypeAdapter(int)
_FLOAT = TypeAdapter(float)
_DATE = TypeAdapter(dt.date)
_BOOL = TypeAdapter(bool)
_ID_RE = re.compile(ID_PATTERN)

LIST_SEPARATOR = ";"

# What XML 1.0 cannot hold (so neither can an .xlsx or a .docx): C0 controls other than tab,
# newline and carriage return, unpaired surrogates, and the two non-characters U+FFFE/U+FFFF.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CONTROL_NAMES = {"\x00": "NUL", "\x0b": "vertical tab", "\x0c": "form feed", "\x1b": "escape", "\x08": "backspace",
                  "\x07": "bell"}

# A number in a file whose cells are separated by ';' (Excel in a decimal-comma locale):
# "0,125" and "1.234,5" are decimals; "1.250" could be 1.25 or 1250.
_DECIMAL_COMMA = re.compile(r"-?\d+,\d+")
_DOT_THOUSANDS = re.compile(r"-?[1-9]\d{0,2}(\.\d{3})+(,\d+)?")
_SPACE_THOUSANDS = re.compile("-?[1-9]\\d{0,2}([ \u00a0\u202f]\\d{3})+(,\\d+)?")
# "1,250" or "12,345.5" in a comma-decimal-point file; a first group of 0 is not a thousands group.
_COMMA_THOUSANDS = re.compile(r"-?[1-9]\d{0,2}(,\d{3})+(\.\d+)?")


class CellError(ValueError):
    """A single value is wrong; the message says what was expected."""


@cache
def choices(list_name: str) -> dict[str, str]:
    """Accepted spellings (lower-cased key, or name in any language) → key, for a choice list:
    a French file may say "Prévention" where an English one says "Prevention"."""
    if list_name in SCHEMA_CHOICES:
        keys = SCHEMA_CHOICES[list_name]
        names = [{k: k.replace("_", " ") for k in keys}, *SCHEMA_CHOICE_NAMES.get(list_name, {}).values()]
    else:
        keys = load_catalogue(DEFAULT_LANGUAGE).keys(list_name)
        names = [
            {k: load_catalogue(language).name_of(list_name, k) for k in keys} for language in LANGUAGES
        ]
    spellings: dict[str, str] = {}
    for key in keys:
        spellings[key.lower()] = key
        spellings[key.replace("_", " ")] = key
    for named in names:  # English names first: they win over a French name spelt the same
        for key in keys:
            spellings.setdefault(named[key].strip().lower(), key)
    return spellings


def choice_keys(list_name: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(choices(list_name).values()))


def split_list(text: str) -> list[str]:
    """Split 'a; b\\; c' into ['a', 'b; c']: a backslash keeps a separator inside an item."""
    items, current, escaped = [], [], False
    for ch in text:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == LIST_SEPARATOR:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    if escaped:
        current.append("\\")
    items.append("".join(current).strip())
    return [i for i in items if i]


def join_list(items: list[str]) -> str:
    return "; ".join(i.replace("\\", "\\\\").replace(LIST_SEPARATOR, "\\" + LIST_SEPARATOR) for i in items)


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    return value is pd.NA or value is pd.NaT


_EXPECTED_KINDS = {
    "text": N_("text"),
    "int": N_("a whole number"),
    "float": N_("a number"),
    "date": N_("a date as YYYY-MM-DD"),
    "bool": N_("yes or no"),
    "list": N_("a list separated by ';'"),
    "geojson": N_("a GeoJSON geometry (Polygon or MultiPolygon)"),
}


def _got(what: str, value: Any) -> str:
    """The one message for a value of the wrong form: what was expected, and what came."""
    return _("expected {what}, got '{value}'").format(what=what, value=_show(value))


def _expected(column: Column) -> str:
    kind = column.kind
    if column.choices and kind != "list":
        return _("one of: {keys}").format(keys=", ".join(choice_keys(column.choices)))
    text = _(_EXPECTED_KINDS[kind])
    bounds = []
    if column.minimum is not None:
        bounds.append(_("at least {number}").format(number=_num(column.minimum)))
    if column.maximum is not None:
        bounds.append(_("at most {number}").format(number=_num(column.maximum)))
    return text + (" " + f" {_('and')} ".join(bounds) if bounds else "")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _show(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def coerce(column: Column, value: Any) -> Any:
    """Return the stored form of `value` for `column` (None when blank), or raise CellError."""
    if is_blank(value) or (column.kind == "list" and isinstance(value, (list, tuple)) and not value):
        if column.required:
            raise CellError(_("a value is required"))
        return None
    kind = column.kind
    try:
        if kind == "text":
            result: Any = _text(value, MAX_SHORT_TEXT_CHARS if column.name in SHORT_TEXT_COLUMNS else MAX_CELL_CHARS)
            if column.choices:
                result = _choice(column.choices, result)
            if column.languages:
                try:
                    result = join_languages(parse_languages(result)) or None
                except LanguageError as error:
                    raise CellError(str(error)) from None
                if result is None:
                    return None
            if column.pattern and not re.fullmatch(column.pattern, result):
                hint = _(column.pattern_hint) if column.pattern_hint else _("text matching {pattern}").format(
                    pattern=column.pattern)
                raise CellError(_got(hint, result))
            return result
        if kind == "int":
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if isinstance(value, str):
                value = value.strip()
            result = _INT.validate_python(value)
        elif kind == "float":
            if isinstance(value, str):
                value = value.strip().replace(",", "") if _COMMA_THOUSANDS.fullmatch(value.strip()) else value.strip()
            result = _FLOAT.validate_python(value)
            if not math.isfinite(result):
                raise CellError(_got(_expected(column), value))
        elif kind == "date":
            if isinstance(value, str):
                value = value.strip()
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                    raise ValueError
            elif isinstance(value, dt.datetime):
                if value.time() != dt.time(0):
                    raise ValueError
                value = value.date()
            return _DATE.validate_python(value).isoformat()
        elif kind == "bool":
            if isinstance(value, str):
                value = value.strip().lower()
            return int(_BOOL.validate_python(value))
        elif kind == "list":
            return json.dumps(_list(column, value), ensure_ascii=False)
        elif kind == "geojson":
            return _geojson(value)
        else:  # pragma: no cover - guarded by ColumnKind
            raise AssertionError(kind)
    except (ValidationError, ValueError, TypeError) as exc:
        if isinstance(exc, CellError):
            raise
        raise CellError(_got(_expected(column), value)) from None
    if (column.minimum is not None and result < column.minimum) or (
        column.maximum is not None and result > column.maximum
    ):
        raise CellError(_got(_expected(column), value))
    return result


def _text(value: Any, limit: int = MAX_CELL_CHARS) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.date, dt.datetime)):
        value = value.isoformat()
    if not isinstance(value, (str, int, float)):
        raise TypeError
    return check_storable(str(value).strip(), limit=limit)


def check_storable(text: str, *, limit: int = MAX_CELL_CHARS) -> str:
    """Refuse text that a spreadsheet or Word document cannot hold, or that is longer than `limit`."""
    if len(text) > limit:
        raise CellError(_("expected at most {limit} characters, got {count}: shorten the text").format(
            limit=format_number(limit), count=format_number(len(text))))
    bad = _UNSTORABLE.search(text)
    if bad:
        char = bad.group()
        code = f"U+{ord(char):04X}"
        name = f"{_CONTROL_NAMES[char]} ({code})" if char in _CONTROL_NAMES else code
        what = _("an unpaired surrogate") if "\ud800" <= char <= "\udfff" else _("a control character")
        raise CellError(
            _("the text holds {what}, {name}, at character {position}, which spreadsheets and documents cannot store: "
              "remove it").format(what=what, name=name, position=bad.start() + 1)
        )
    return text


def without_unstorable(text: str) -> str:
    """The text less what check_storable refuses, for writing out data stored before it refused it."""
    return _UNSTORABLE.sub("", text)


def decimal_comma(text: str) -> str:
    """A number written with a decimal comma ("0,125", "1.234,5", "1 234,5") in the decimal-point form.

    For files whose cells are separated by ';', where a comma is the decimal separator;
    "1.250" (1.25 or 1250?) is refused rather than guessed. Other text is returned unchanged.
    """
    value = text.strip()
    if _DECIMAL_COMMA.fullmatch(value):
        return value.replace(",", ".")
    if _DOT_THOUSANDS.fullmatch(value):
        if "," not in value and value.count(".") == 1:
            raise CellError(
                _("'{value}' is ambiguous in a file separated by ';' (a decimal point or a thousands separator?): write "
                  "{decimal} for the decimal or {whole} for the whole number").format(
                    value=value, decimal=value.replace(".", ","), whole=value.replace(".", ""))
            )
        return value.replace(".", "").replace(",", ".")
    if _SPACE_THOUSANDS.fullmatch(value):
        return re.sub("[ \u00a0\u202f]", "", value).replace(",", ".")
    return text


def _choice(list_name: str, value: str) -> str:
    key = choices(list_name).get(value.strip().lower())
    if key is None:
        raise CellError(_got(_("one of: {keys}").format(keys=", ".join(choice_keys(list_name))), value))
    return key


def _list(column: Column, value: Any) -> list[str]:
    if isinstance(value, str):
        text = check_storable(value.strip())
        items = json.loads(text) if text.startswith("[") and text.endswith("]") else split_list(text)
    elif isinstance(value, (list, tuple)):
        items = [_text(v) for v in value if not is_blank(v)]
    else:
        raise TypeError
    if not all(isinstance(i, str) for i in items):
        raise TypeError
    if column.choices:
        bad = [i for i in items if i.strip().lower() not in choices(column.choices)]
        if bad:
            raise CellError(_got(_("items from: {keys}").format(keys=", ".join(choice_keys(column.choices))), bad[0]))
        items = [choices(column.choices)[i.strip().lower()] for i in items]
    items = [i.strip() for i in items]
    check_storable(join_list(items))  # the list as one cell, as exported (JSON may hold escaped controls)
    return list(dict.fromkeys(items))


def _geojson(value: Any) -> str:
    if isinstance(value, str):
        check_storable(value, limit=MAX_GEOMETRY_CHARS)
    geometry = json.loads(value) if isinstance(value, str) else value
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValueError
    if not isinstance(geometry.get("coordinates"), list):
        raise ValueError
    # ASCII JSON: control characters come out escaped, so only the length needs checking.
    return check_storable(json.dumps(geometry, separators=(",", ":")), limit=MAX_GEOMETRY_CHARS)


def check_id(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if not _ID_RE.match(text):
        raise CellError(
            _("expected an id of letters, digits and . _ : - (at most 64, starting with a letter or digit), got '{value}'").format(
                value=_show(value))
        )
    return text


# (first, last) date columns that must be in order within one record.
DATE_ORDER: dict[str, tuple[str, str]] = {"measurements": ("period_start", "date")}


def validate_record(
    table: Table, raw: dict[str, Any], *, partial: bool = False
) -> tuple[dict[str, Any], list[Problem]]:
    """Coerce every known column of `raw`; return stored values and the problems found.

    With `partial`, columns absent from `raw` are left alone (an update); otherwise
    absent required columns are problems.
    """
    stored: dict[str, Any] = {}
    problems: list[Problem] = []
    known = table.column_names
    unknown = [k for k in raw if k != "id" and k not in known]
    for name in unknown:
        problems.append(
            Problem(_("unknown column for {table}; expected one of: {columns}").format(
                table=table.name, columns=", ".join(table.column_names)), column=name)
        )
    if "id" in raw and not is_blank(raw["id"]):
        try:
            stored["id"] = check_id(raw["id"])
        except CellError as exc:
            problems.append(Problem(str(exc), column="id"))
    for column in table.columns:
        if column.name not in raw and partial:
            continue
        try:
            stored[column.name] = coerce(column, raw.get(column.name))
        except CellError as exc:
            problems.append(Problem(str(exc), column=column.name))
    if table.name in DATE_ORDER:
        first, last = DATE_ORDER[table.name]
        start, end = stored.get(first), stored.get(last)  # ISO dates: text order is date order
        if isinstance(start, str) and isinstance(end, str) and start > end:
            problems.append(Problem(
                _("{start} is after {last} {end}: the period measured must start on or before the day it ends; enter its "
                  "first day in {first}, or leave it blank for a full period").format(start=start, last=last, end=end, first=first),
                column=first,
            ))
    return stored, problems
