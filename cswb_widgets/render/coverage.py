"""Coverage checks (required seats, groups to consult): covered, missing, not applicable here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..framework import load_catalogue
from ..i18n import _
from ..model.readiness import Check
from ._html import escape, with_style
from .records import WorkspaceTables, frame_of

if TYPE_CHECKING:
    from ..store.workspace import Workspace

CoverageStatus = Literal["covered", "missing", "not_applicable"]

# Which catalogue list each coverage check counts (readiness check key -> list name).
_COVERAGE_LISTS = {"required_seats": "seats", "consult_groups": "consult_groups"}


def coverage_list(check: Check) -> str:
    """The catalogue list a coverage check counts ("seats" or "consult_groups")."""
    try:
        return _COVERAGE_LISTS[check.key]
    except KeyError:
        raise ValueError(
            f"check '{check.key}' is not a coverage check; expected one of: {', '.join(_COVERAGE_LISTS)}"
        ) from None


# Checks whose `missing` holds catalogue keys (readiness check key -> list name); the others hold words.
_KEYED_MISSING = {**_COVERAGE_LISTS, "roles": "roles", "terms_of_reference": "tor_sections"}


def missing_names(check: Check) -> list[str]:
    """What a check still misses as people read it: catalogue names in the current language, never
    keys ("Advisory committee", not "advisory_committee")."""
    list_name = _KEYED_MISSING.get(check.key)
    if list_name is None:
        return list(check.missing)
    catalogue = load_catalogue()
    names = []
    for key in check.missing:
        try:
            names.append(catalogue.name_of(list_name, key))
        except KeyError:
            names.append(key)
    return names


@dataclass(frozen=True)
class CoverageItem:
    key: str
    name: str
    status: CoverageStatus
    reason: str = ""  # why it is not applicable here
    exemptable: bool = False  # may be marked "not applicable here" (seats: only if_exists ones)
    condition: str = ""  # e.g. "if one exists locally"


def _exemptable(list_name: str, key: str) -> bool:
    # Mirrors readiness: only `if_exists` seats can be waived; any consult group can.
    if list_name == "seats":
        return bool(load_catalogue().get("seats", key).if_exists)
    return True


def coverage_items(check: Check, reasons: Mapping[str, str] | None = None) -> list[CoverageItem]:
    """Every required item of a coverage check with its status, in catalogue order."""
    list_name = coverage_list(check)
    catalogue = load_catalogue()
    missing, not_applicable = set(check.missing), set(check.not_applicable)
    items = []
    for entry in getattr(catalogue, list_name):
        status: CoverageStatus = (
            "missing" if entry.key in missing else "not_applicable" if entry.key in not_applicable else "covered"
        )
        items.append(
            CoverageItem(
                key=entry.key,
                name=entry.name,
                status=status,
                reason=(reasons or {}).get(entry.key, "") if status == "not_applicable" else "",
                exemptable=_exemptable(list_name, entry.key),
                condition="if one exists locally" if getattr(entry, "if_exists", False) else "",
            )
        )
    return items


def exemption_reasons(ws: Workspace | WorkspaceTables, list_name: str) -> dict[str, str]:
    """Key -> reason of the items marked "not applicable here" in one list."""
    frame = frame_of(ws, "coverage_exemptions")
    frame = frame[frame["list"] == list_name]
    return {str(k): str(r) for k, r in zip(frame["key"], frame["reason"], strict=True)}


_STATUS_TEXT: dict[CoverageStatus, tuple[str, str]] = {
    # (symbol, words): the words carry the meaning; the symbol and colour only help scanning.
    "covered": ("\u2713", "Covered"),
    "missing": ("\u2717", "Missing"),
    "not_applicable": ("\u2013", "Not applicable here"),
}


def coverage_html(
    check: Check, *, reasons: Mapping[str, str] | None = None, heading_level: int = 3, style: bool = True
) -> str:
    """What a coverage check requires, what is covered, missing, or not applicable (with why)."""
    items = coverage_items(check, reasons)
    counts = {s: sum(i.status == s for i in items) for s in _STATUS_TEXT}
    summary = _("{covered} of {total} covered; {missing} missing").format(
        covered=counts["covered"], total=len(items), missing=counts["missing"])
    if counts["not_applicable"]:
        summary += "; " + _("{n} not applicable here").format(n=counts["not_applicable"])
    h = min(max(heading_level, 2), 6)
    parts = [
        '<section class="cswb-coverage cswb-static">',
        f"<h{h}>{escape(_(check.title))}</h{h}>",
        f'<p class="cswb-coverage-summary">{escape(summary)}.</p>',
        '<table class="cswb-table"><caption class="cswb-vh">',
        escape(_(check.title)),
        # A First Nation's own plan follows the Band Council's terms: the Act's list is guidance there.
        '</caption><thead><tr><th scope="col">',
        escape(_("Required") if check.title.startswith("Required") else _("Recommended")),
        f'</th><th scope="col">{escape(_("Status"))}</th><th scope="col">{escape(_("Reason"))}</th></tr></thead><tbody>',
    ]
    for item in items:
        symbol, words = _STATUS_TEXT[item.status]
        condition = f" ({escape(_(item.condition))})" if item.condition else ""
        parts.append(
            f'<tr><th scope="row">{escape(_(item.name))}{condition}</th>'
            f'<td class="cswb-status-{item.status.replace("_", "-")}">'
            f'<span aria-hidden="true">{symbol} </span>{escape(_(words))}</td>'
            f"<td>{escape(item.reason)}</td></tr>"
        )
    parts.append("</tbody></table></section>")
    return with_style("".join(parts), style)
