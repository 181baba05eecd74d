"""Two plan versions compared, as councils read it for the four-year review: text and an HTML document."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from markupsafe import Markup

from ..i18n import _, current_language, ngettext
from ..model._tables import Tables
from ..model.plan_versions import ADDED_SINCE, DROPPED_SINCE, IN_ADOPTED_PLAN, SECTIONS, STANDING, Difference
from ._html import escape

COMPARISON_CSS = """
html { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1b1b1b; background: #ffffff;
  line-height: 1.45; }
body { margin: 0 auto; max-width: 62rem; padding: 0 1.25rem 2rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border: 1px solid #6b6b6b; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
thead th { background: #f3f4f6; }
td { overflow-wrap: break-word; }
@page { size: letter; margin: 16mm 14mm 18mm; }
@media print { thead { display: table-header-group; } tr { break-inside: avoid; } }
"""


def comparison_text(differences: Sequence[Difference], older: str, newer: str) -> str:
    """A readable text table: one line per difference, grouped by section."""
    lines = [_("Changes from {older} to {newer}").format(older=older, newer=newer), ""]
    if not differences:
        return "\n".join([*lines, _("No risk, strategy, outcome, measure or action differs.")]) + "\n"
    width = max(len(_(d.change)) for d in differences)
    for section in SECTIONS:
        found = [d for d in differences if d.section == section.title]
        if not found:
            continue
        lines.append(f"{_(section.title)} ({len(found)})")
        for d in found:
            lines.append(f"  {_(d.change):<{width}}  {d.item}")
            if d.details:
                lines += [f"  {'':<{width}}    {part}" for part in d.details.split("; ")]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def comparison_html(differences: Sequence[Difference], plan_name: str, older: str, newer: str) -> str:
    """The comparison as a self-contained HTML document: one table per section."""
    title = _("{plan} – changes from {older} to {newer}").format(plan=plan_name, older=older, newer=newer)
    body = [Markup("<h1>{}</h1>").format(title)]
    counts = {change: sum(d.change == change for d in differences) for change in ("Added", "Dropped", "Changed")}
    body.append(Markup("<p>{}</p>").format(_(
        "{added} added, {dropped} dropped and {changed} changed among the priority risks, strategies, outcomes, measures "
        "and actions.").format(added=counts["Added"], dropped=counts["Dropped"], changed=counts["Changed"])))
    for section in SECTIONS:
        found = [d for d in differences if d.section == section.title]
        body.append(Markup("<h2>{}</h2>").format(_(section.title)))
        if not found:
            body.append(Markup("<p>{}</p>").format(_("No change.")))
            continue
        rows = Markup("").join(
            Markup("<tr><td>{}</td><td>{}</td><td>{}</td></tr>").format(
                _(d.change), d.item, Markup("<br>").join(escape(part) for part in d.details.split("; ")) if d.details else "")
            for d in found)
        body.append(Markup('<table><caption class="visually-hidden">{}</caption><thead><tr><th scope="col">{}</th>'
                           '<th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>{}</tbody>'
                           "</table>").format(_(section.title), _("Change"), _("Item"), _("What changed"), rows))
    return str(Markup('<!DOCTYPE html>\n<html lang="{}"><head><meta charset="utf-8"><title>{}</title><style>{}'
                      '.visually-hidden {{ position: absolute; width: 1px; height: 1px; overflow: hidden; '
                      'clip: rect(0 0 0 0); }}</style></head><body data-running-header="{}"><main>{}</main>'
                      "</body></html>\n").format(current_language(), title, Markup(COMPARISON_CSS), title, Markup("").join(body)))


def scope_html(tables: Tables | None, version_title: str) -> str:
    """The progress report's note on what it measures against: the adopted version (`tables` as
    `model.plan_versions.measured_against` gives them; None: the working draft), and how many of its
    actions and measures the working plan has added or dropped since, which the tables mark."""
    if tables is None:
        return str(Markup('<p class="cswb-progress-scope">{}</p>').format(
            _("No version of the plan has been adopted yet: progress is measured against the working draft.")))
    adopted, since = [], []
    nouns = {"actions": ("{n} action", "{n} actions"), "measures": ("{n} measure", "{n} measures")}
    for table, (singular, plural) in nouns.items():
        frame = tables[table]
        standings = frame[STANDING].value_counts() if STANDING in frame else pd.Series(dtype=int)
        kept, added, dropped = (int(standings.get(s, 0)) for s in (IN_ADOPTED_PLAN, ADDED_SINCE, DROPPED_SINCE))
        adopted.append(_count(kept + dropped, singular, plural))
        since += ([_("added {what}").format(what=_count(added, singular, plural))] * bool(added)
                  + [_("dropped {what}").format(what=_count(dropped, singular, plural))] * bool(dropped))
    changed = (Markup(" {}").format(_("Since then the working plan has {changes}: each is listed and marked so.").format(
        changes=", ".join(since))) if since else Markup(""))
    return str(Markup('<p class="cswb-progress-scope">{}{}</p>').format(_(
        "Progress is measured against {version} of the plan: the {actions} and {measures} it adopted, each judged "
        "against what the adopted plan set (its dates and targets), with today's status.").format(
        version=version_title, actions=adopted[0], measures=adopted[1]), changed))


def _count(number: int, singular: str, plural: str) -> str:
    return ngettext(singular, plural, number).format(n=number)


def measured_title(title: str, standing: Any) -> str:
    """A progress report row's name, marked when the working plan added it after adoption."""
    return f"{title} ({_(ADDED_SINCE).lower()})" if standing == ADDED_SINCE else title


def since_adoption_text(standing: Any, changes: Any, judged_on: str) -> str:
    """What a progress report says of a row the working plan dropped or changed after adoption:
    the change stated, and that the row is judged on the adopted plan's `judged_on` ("dates" or "target")."""
    if standing == DROPPED_SINCE:
        return _("Dropped from the working plan since adoption; shown as the adopted plan set it")
    if isinstance(changes, str) and changes:
        message = (_("Changed in the working plan since adoption ({changes}); judged against the adopted dates")
                   if judged_on == "dates" else
                   _("Changed in the working plan since adoption ({changes}); judged against the adopted target"))
        return message.format(changes=changes)
    return ""
