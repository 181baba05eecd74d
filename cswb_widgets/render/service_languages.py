"""Services offered in a language, per priority risk and planning area (`gaps.language_coverage`):
where people who need French (in an area designated under the French Language Services Act)
find nothing, or too little, for a priority risk."""

from __future__ import annotations

from typing import Any

import pandas as pd
from markupsafe import Markup

from ..framework import load_catalogue
from ..i18n import _, format_number, ngettext
from ..model.languages import language_name
from ._html import PALETTE, stylesheet

_STYLE = f"""
.cswb-language-matrix.cswb-language-matrix td.cswb-lang-none {{ background: {PALETTE["error_background"]}; }}
.cswb-language-matrix.cswb-language-matrix td.cswb-lang-few {{ background: #fff3cd; }}
.cswb-language-matrix .cswb-cell-word {{ font-weight: 700; }}
"""


def language_coverage_html(matrix: pd.DataFrame, language: str = "fr") -> str:
    """The table of `gaps.language_coverage(tables, language)`, then the cells to act on in words."""
    spoken = language_name(language)
    if matrix.empty:
        return "<p>{}</p>".format(Markup.escape(_(
            "No priority risk chosen yet. Choose priorities in the Risk workbook; this table then shows,"
            " for each one, the assets serving people in {language} in each planning area."
        ).format(language=spoken)))
    catalogue = load_catalogue()  # names in the language shown, whatever the matrix was computed in
    areas = [catalogue.name_of("planning_areas", key) for key in dict.fromkeys(matrix["planning_area"])]
    head = Markup("").join(Markup('<th scope="col">{}</th>').format(area) for area in areas)
    body = []
    for _risk_id, cells in matrix.groupby("risk_id", sort=False):
        row = Markup("").join(_cell(cell, spoken) for cell in cells.to_dict("records"))
        body.append(Markup('<tr><th scope="row">{}</th>{}</tr>').format(cells["risk"].iloc[0], row))
    table = Markup(
        '<table class="cswb-table cswb-static cswb-language-matrix"><caption>{caption}</caption>'
        '<thead><tr><th scope="col">{risk}</th>{head}</tr></thead><tbody>{body}</tbody></table>'
    ).format(
        caption=_("Assets serving people in {language}, by priority risk and planning area").format(language=spoken),
        risk=_("Priority risk"),
        head=head,
        body=Markup("").join(body),
    )
    return f"<style>{stylesheet()}{_STYLE}</style>{table}{_to_act_on(matrix, spoken)}"


def _cell(cell: dict[str, Any], spoken: str) -> Markup:
    status = cell["status"]
    if status == "no_assets":
        return Markup("<td>{}</td>").format(_("No asset"))
    counted = _("{count} of {total} in {language}").format(
        count=format_number(cell["in_language_count"]), total=format_number(cell["asset_count"]), language=spoken
    )
    word = {
        "none": _("None"),
        "unknown": _("Not recorded"),
        "few": _("Few"),
        "served": _("Served"),
    }[status]
    css = {"none": "cswb-lang-none", "few": "cswb-lang-few"}.get(status, "")
    note = ""
    if cell["unrecorded_count"]:
        note = ngettext(
            "{count} asset has no languages recorded", "{count} assets have no languages recorded",
            cell["unrecorded_count"],
        ).format(count=format_number(cell["unrecorded_count"]))
    return Markup('<td class="{css}"><span class="cswb-cell-word">{word}</span>: {counted}{note}</td>').format(
        css=css, word=word, counted=counted, note=Markup("<br>{}").format(note) if note else ""
    )


def _to_act_on(matrix: pd.DataFrame, spoken: str) -> Markup:
    items = []
    for cell in matrix.to_dict("records"):
        if cell["status"] == "none":
            text = _("{risk}, {area}: no asset serves people in {language}.")
        elif cell["status"] == "unknown":
            text = _("{risk}, {area}: no asset is recorded as serving in {language}; record the languages of its assets.")
        elif cell["status"] == "few":
            text = _("{risk}, {area}: only {names} serves people in {language}.")
        else:
            continue
        items.append(Markup("<li>{}</li>").format(text.format(
            risk=cell["risk"], area=load_catalogue().name_of("planning_areas", cell["planning_area"]), language=spoken,
            names=", ".join(cell["in_language_names"]),
        )))
    heading = Markup("<h4>{}</h4>").format(_("Where services in {language} are missing or few").format(language=spoken))
    if not items:
        return heading + Markup("<p>{}</p>").format(
            _("None: every planning area with assets for a priority risk has at least two serving in {language}.").format(
                language=spoken))
    return heading + Markup("<ul>{}</ul>").format(Markup("").join(items))
