"""Static output of the Buy-in workbook (Tool 4): consultation of the required groups, feedback
counts, what people raised, engagement summaries by period, and the plan's identity and title page.

Functions take tables (or what a `cswb_widgets.model.engagement` call computed from them) and
return HTML; `published=True` applies the rules for published output (counts under 5 read "<5").
No widgets here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
from markupsafe import Markup

from ..framework import load_catalogue
from ..i18n import N_, _, format_number, ngettext
from ..model.engagement import PeriodSummary
from ..model.privacy import SMALL_COUNT, suppress_small_counts
from ..model.readiness import Check
from ._html import readable_text_colour, safe_colour, safe_logo
from .coverage import coverage_html, exemption_reasons
from .header import DEFAULT_PRIMARY, DEFAULT_SECONDARY
from .records import table_html

if TYPE_CHECKING:
    from ..store.workspace import Workspace


def consultation_matrix_html(matrix: pd.DataFrame, *, published: bool, required: bool = True) -> str:
    """Each group that must be consulted: status, activities, people reached, methods, why not applicable.
    `required`: False for a First Nation–led plan, which consults in its own terms, not the Act's."""
    frame = matrix.assign(methods=["; ".join(_(method) for method in m if method) for m in matrix["methods"]],
                          status=[_(str(s).capitalize()) if s else "" for s in matrix["status"]],
                          group=[_(str(g)) if g else "" for g in matrix["group"]])
    if published:  # people reached are counts of people: published reports show under 5 as "<5"
        frame = suppress_small_counts(frame, ["people_reached"])
    return table_html(
        frame,
        columns=["group", "status", "activities", "people_reached", "methods", "reason"],
        labels={"reason": "Why not applicable"},
        caption=_("Consultation of required groups") if required else _("Groups consulted (the Act's list, as guidance)"),
        row_header="group",
    )


def consultation_html(ws: Workspace, check: Check, matrix: pd.DataFrame) -> str:
    """The consultation coverage check (with the reasons given for groups not applicable) and the
    published matrix."""
    return coverage_html(check, reasons=exemption_reasons(ws, "consult_groups")) + consultation_matrix_html(
        matrix, published=True, required=check.title.startswith("Required"))


def feedback_count_html(feedback: pd.DataFrame) -> str:
    tagged = sum(bool(tags) for tags in feedback["risk_categories"])
    recorded = ngettext("{n} feedback item recorded", "{n} feedback items recorded", len(feedback))
    text = _("{recorded}; {tagged} tagged with a risk category.").format(
        recorded=recorded.format(n=format_number(len(feedback))), tagged=format_number(tagged))
    return str(Markup("<p>{}</p>").format(text))


def survey_count_html(feedback: pd.DataFrame) -> str:
    count = int(feedback["question"].notna().sum())
    return str(Markup("<p>{}</p>").format(ngettext(
        "{n} feedback item came from survey answers.", "{n} feedback items came from survey answers.", count
    ).format(n=format_number(count))))


def untagged_html(untagged: pd.DataFrame) -> str:
    return str(Markup("<p>{}</p>").format(ngettext(
        "{n} feedback item is not yet tagged with a risk category.",
        "{n} feedback items are not yet tagged with a risk category.", len(untagged)
    ).format(n=format_number(len(untagged)))))


def tag_suggestions_html(pending: pd.DataFrame) -> str:
    """Untagged feedback with the risk categories its words suggest (`engagement.tag_suggestions`)."""
    catalogue = load_catalogue()
    shown = pending.assign(suggested=["; ".join(_(catalogue.name_of("risk_categories", k)) for k in s) for s in pending["suggested"]])
    return table_html(shown, columns=["text", "suggested"], labels={"suggested": "Suggested categories"},
                      caption="Suggested tags for untagged feedback", empty_text="No suggestions pending.")


def theme_chart_html(frequency: pd.DataFrame, *, by: str = "risk_categories", published: bool) -> str:
    """A bar chart of how often each risk category (or theme) came up (`frequency`: label, count)."""
    from . import charts

    if frequency.empty:
        return str(Markup("<p>{}</p>").format(_("No tagged feedback yet.")))
    chart = charts.bar_chart(
        [_(str(label)) for label in frequency["label"]],
        frequency["count"].tolist(),
        title=N_("What people raised") if by == "risk_categories" else N_("Themes raised"),
        xlabel=N_("Feedback items"),
        suppress_below=SMALL_COUNT if published else None,
        category_label=N_("Risk category") if by == "risk_categories" else N_("Theme"),
    )
    return chart.html()


def period_summaries_html(summaries: Sequence[PeriodSummary], *, published: bool) -> str:
    """Each period as the framework asks: time, outreach, successes, challenges, findings, lessons."""
    parts = []
    for s in summaries:
        when = _(" to ").join(d.date().isoformat() for d in (s.start, s.end) if d is not None) or _("dates not set")
        reached: int | str = s.people_reached
        heard: int | str = s.feedback_items
        if published:  # counts under 5 read "<5"
            reached, heard = (f"<{SMALL_COUNT}" if 0 < n < SMALL_COUNT else n for n in (s.people_reached, s.feedback_items))
        reached, heard = (format_number(n) if isinstance(n, int) else n for n in (reached, heard))
        facts = Markup("<ul>{}</ul>").format(Markup("").join(Markup("<li>{}</li>").format(line) for line in (
            _("Time period: {when}").format(when=when),
            _("Activities: {activities}; people reached: {reached}").format(
                activities=format_number(s.activities), reached=reached),
            _("Methods: {methods}").format(methods=", ".join(_(m) for m in s.methods) or _("none")),
            _("Groups reached: {groups}").format(groups=", ".join(_(g) for g in s.groups_reached) or _("none")),
            _("Feedback items: {count}").format(count=heard),
        )))
        narrative = Markup("").join(
            Markup("<h5>{}</h5><p>{}</p>").format(_(label), text or _("Not yet written."))
            for label, text in (
                ("Outreach types", s.outreach_types), ("Successes", s.successes),
                ("Challenges", s.challenges), ("Findings", s.findings),
                ("Lessons learned", s.lessons_learned),
            )
        )
        parts.append(str(Markup('<section class="cswb-period"><h4>{}</h4>{}{}</section>').format(s.name, facts, narrative)))
    return "".join(parts) or str(Markup("<p>{}</p>").format(_("No engagement period recorded yet.")))


def title_page_html(community: dict[str, Any]) -> str:
    """The plan identity as a title page: the plan's name is the page's one top-level heading."""
    primary = safe_colour(community.get("colour_primary"), DEFAULT_PRIMARY)
    secondary = safe_colour(community.get("colour_secondary"), DEFAULT_SECONDARY)
    logo = safe_logo(community.get("logo"))
    name = str(community.get("name") or "")
    kinds = {k.key: _(k.name) for k in load_catalogue().community_kinds}
    kind = kinds.get(str(community.get("kind") or ""), "")
    image = Markup('<img class="cswb-title-logo" src="{}" alt="{}">').format(
        logo, _("{name} logo").format(name=name)) if logo else ""
    return str(Markup(
        '<div class="cswb-title-page" style="background:{p};color:{t};border-bottom:0.5rem solid {s};'
        'padding:2rem 1.5rem">{img}<h1 class="cswb-title-plan">{plan}</h1>'
        '<p class="cswb-title-community">{name}{kind}</p></div>'
    ).format(p=primary, t=readable_text_colour(primary), s=secondary, img=image,
             plan=community.get("plan_name") or default_plan_name(name),
             name=name, kind=Markup(" ({})").format(kind) if kind else ""))


def identity_preview_html(community: dict[str, Any]) -> str:
    """The plan's name on its colours, with its logo: how the apps' and reports' banners look."""
    primary = safe_colour(community.get("colour_primary"), DEFAULT_PRIMARY)
    secondary = safe_colour(community.get("colour_secondary"), DEFAULT_SECONDARY)
    logo = safe_logo(community.get("logo"))
    text = readable_text_colour(primary)
    image = Markup('<img src="{}" alt="{}" style="max-height:4rem">').format(
        logo, _("{name} logo").format(name=community.get("name") or "")) if logo else ""
    return str(
        Markup(
            '<div class="cswb-identity" style="background:{p};color:{t};padding:1rem;border-bottom:6px solid {s}">'
            "{img}<p style=\"font-size:1.4rem;margin:.3rem 0\">{name}</p></div>"
        ).format(p=primary, t=text, s=secondary, img=image,
                 name=community.get("plan_name") or default_plan_name(str(community.get("name", ""))))
    )


def default_plan_name(community: str) -> str:
    """The plan's name when the community gave none, in the current language."""
    return _("{community} Community Safety and Well-Being Plan").format(community=community)
