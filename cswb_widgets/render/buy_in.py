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
    frame = matrix.assign(methods=["; ".join(m) for m in matrix["methods"]],
                          status=[str(s).capitalize() for s in matrix["status"]])
    if published:  # people reached are counts of people: published reports show under 5 as "<5"
        frame = suppress_small_counts(frame, ["people_reached"])
    return table_html(
        frame,
        columns=["group", "status", "activities", "people_reached", "methods", "reason"],
        labels={"reason": "Why not applicable"},
        caption="Consultation of required groups" if required else "Groups consulted (the Act's list, as guidance)",
        row_header="group",
    )


def consultation_html(ws: Workspace, check: Check, matrix: pd.DataFrame) -> str:
    """The consultation coverage check (with the reasons given for groups not applicable) and the
    published matrix."""
    return coverage_html(check, reasons=exemption_reasons(ws, "consult_groups")) + consultation_matrix_html(
        matrix, published=True, required=check.title.startswith("Required"))


def feedback_count_html(feedback: pd.DataFrame) -> str:
    tagged = sum(bool(tags) for tags in feedback["risk_categories"])
    return f"<p>{len(feedback)} feedback items recorded; {tagged} tagged with a risk category.</p>"


def survey_count_html(feedback: pd.DataFrame) -> str:
    return f"<p>{feedback['question'].notna().sum()} feedback items came from survey answers.</p>"


def untagged_html(untagged: pd.DataFrame) -> str:
    return f"<p>{len(untagged)} feedback items are not yet tagged with a risk category.</p>"


def tag_suggestions_html(pending: pd.DataFrame) -> str:
    """Untagged feedback with the risk categories its words suggest (`engagement.tag_suggestions`)."""
    catalogue = load_catalogue()
    shown = pending.assign(suggested=["; ".join(catalogue.name_of("risk_categories", k) for k in s) for s in pending["suggested"]])
    return table_html(shown, columns=["text", "suggested"], labels={"suggested": "Suggested categories"},
                      caption="Suggested tags for untagged feedback", empty_text="No suggestions pending.")


def theme_chart_html(frequency: pd.DataFrame, *, by: str = "risk_categories", published: bool) -> str:
    """A bar chart of how often each risk category (or theme) came up (`frequency`: label, count)."""
    from . import charts

    if frequency.empty:
        return "<p>No tagged feedback yet.</p>"
    chart = charts.bar_chart(
        frequency["label"].tolist(),
        frequency["count"].tolist(),
        title="What people raised" if by == "risk_categories" else "Themes raised",
        xlabel="Feedback items",
        suppress_below=SMALL_COUNT if published else None,
        category_label="Risk category" if by == "risk_categories" else "Theme",
    )
    return chart.html()


def period_summaries_html(summaries: Sequence[PeriodSummary], *, published: bool) -> str:
    """Each period as the framework asks: time, outreach, successes, challenges, findings, lessons."""
    parts = []
    for s in summaries:
        when = " to ".join(d.date().isoformat() for d in (s.start, s.end) if d is not None) or "dates not set"
        reached: int | str = s.people_reached
        heard: int | str = s.feedback_items
        if published:  # counts under 5 read "<5"
            reached, heard = (f"<{SMALL_COUNT}" if 0 < n < SMALL_COUNT else n for n in (s.people_reached, s.feedback_items))
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


def title_page_html(community: dict[str, Any]) -> str:
    """The plan identity as a title page: the plan's name is the page's one top-level heading."""
    primary = safe_colour(community.get("colour_primary"), DEFAULT_PRIMARY)
    secondary = safe_colour(community.get("colour_secondary"), DEFAULT_SECONDARY)
    logo = safe_logo(community.get("logo"))
    name = str(community.get("name") or "")
    kinds = {k.key: k.name for k in load_catalogue().community_kinds}
    kind = kinds.get(str(community.get("kind") or ""), "")
    image = Markup('<img class="cswb-title-logo" src="{}" alt="{} logo">').format(logo, name) if logo else ""
    return str(Markup(
        '<div class="cswb-title-page" style="background:{p};color:{t};border-bottom:0.5rem solid {s};'
        'padding:2rem 1.5rem">{img}<h1 class="cswb-title-plan">{plan}</h1>'
        '<p class="cswb-title-community">{name}{kind}</p></div>'
    ).format(p=primary, t=readable_text_colour(primary), s=secondary, img=image,
             plan=community.get("plan_name") or f"{name} Community Safety and Well-Being Plan",
             name=name, kind=Markup(" ({})").format(kind) if kind else ""))


def identity_preview_html(community: dict[str, Any]) -> str:
    """The plan's name on its colours, with its logo: how the apps' and reports' banners look."""
    primary = safe_colour(community.get("colour_primary"), DEFAULT_PRIMARY)
    secondary = safe_colour(community.get("colour_secondary"), DEFAULT_SECONDARY)
    logo = safe_logo(community.get("logo"))
    text = readable_text_colour(primary)
    image = Markup('<img src="{}" alt="{} logo" style="max-height:4rem">').format(logo, community.get("name") or "") if logo else ""
    return str(
        Markup(
            '<div class="cswb-identity" style="background:{p};color:{t};padding:1rem;border-bottom:6px solid {s}">'
            "{img}<p style=\"font-size:1.4rem;margin:.3rem 0\">{name}</p></div>"
        ).format(p=primary, t=text, s=secondary, img=image,
                 name=community.get("plan_name") or f"{community.get('name', '')} Community Safety and Well-Being Plan")
    )
