"""The stage header: plan identity, community, and the six workbooks with their completion."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..i18n import _
from ..model.readiness import FIXED_IN_PART, StageSummary, assess
from ._html import escape, readable_text_colour, safe_colour, safe_logo, with_style
from .coverage import missing_names
from .records import WorkspaceTables

if TYPE_CHECKING:
    from ..store.workspace import Workspace

DEFAULT_PRIMARY = "#1f3a5f"
DEFAULT_SECONDARY = "#c9a227"


def header_html(
    community: Mapping[str, Any],
    summaries: Sequence[StageSummary],
    current_stage: str,
    link: Callable[[str], str | None],
    *,
    style: bool = True,
    next_steps: bool = False,
) -> str:
    """Plan identity, community name and the six workbooks in order, each with its completion.

    With `next_steps` (the apps), the current stage's unmet checks follow as "what to do next",
    each naming the part whose step meets it (the app's step menu links it there).

    A stage whose `link` is None (its notebook is not installed) is named without a link.

    `community` is the community profile record; its plan identity (name, colours,
    logo) is used only in safe forms: hex colours and image data URIs.
    """
    primary = safe_colour(community.get("colour_primary"), DEFAULT_PRIMARY)
    accent = safe_colour(community.get("colour_secondary"), DEFAULT_SECONDARY)
    text = readable_text_colour(primary)
    name = str(community.get("name") or _("Community"))
    plan = str(community.get("plan_name") or _("Community Safety and Well-Being Plan"))
    logo = safe_logo(community.get("logo"))
    parts = [
        f'<div class="cswb-header cswb-static" style="background:{primary};color:{text};--cswb-accent:{accent}">',
        '<p class="cswb-header-identity">',
        # The plan name is next to the logo, so the image itself adds nothing to read out.
        f'<img src="{escape(logo)}" alt="">' if logo else "",
        f'<span><span class="cswb-header-plan">{escape(plan)}</span><br>{escape(name)}</span></p>',
        f'<nav aria-label="{escape(_("Workbook stages"))}"><ol>',
    ]
    for number, summary in enumerate(summaries, start=1):
        done = sum(c.complete for c in summary.checks)
        total = len(summary.checks)
        current = ' aria-current="page"' if summary.stage == current_stage else ""
        percent = round(100 * summary.completion)
        href = link(summary.stage)
        label = f"{number}. {escape(_(summary.title))}"
        name = f'<a href="{escape(href)}"{current}>{label}</a>' if href else f"<span{current}>{label}</span>"
        parts.append(
            f"<li>{name}"
            f'<span class="cswb-header-progress">{escape(_("{done} of {total} checks complete").format(done=done, total=total))}</span>'
            f'<span class="cswb-meter" aria-hidden="true"><span style="width:{percent}%"></span></span></li>'
        )
    parts.append("</ol></nav></div>")
    if next_steps:
        parts.append(next_steps_html(summaries, current_stage))
    return with_style("".join(parts), style)


def next_steps_html(summaries: Sequence[StageSummary], current_stage: str, *, shown: int = 3) -> str:
    """The current stage's unmet checks: what is missing, and a link to the step that meets it."""
    checks = [c for s in summaries if s.stage == current_stage for c in s.checks if not c.complete]
    if not checks:
        return (f'<div class="cswb-next cswb-next-done"><p><strong>{escape(_("This stage is complete."))}</strong> '
                f'{escape(_("Every check above is met."))}</p></div>')
    items = []
    for check in checks:
        missing = missing_names(check)[:shown]
        more = len(check.missing) - len(missing)
        listed = "; ".join(missing) + (_(" and {n} more").format(n=more) if more else "")
        still = " " + escape(_("Still missing: {items}.").format(items=listed)) if missing else ""
        part = FIXED_IN_PART.get(check.key, "")
        go = f' <a data-part-link="{escape(part)}">{escape(_("Go to the step."))}</a>' if part else ""
        items.append(f'<li data-part="{escape(part)}"><strong>{escape(_(check.title))}.</strong>{still}{go}</li>')
    return (f'<div class="cswb-next"><p><strong>{escape(_("What to do next"))}</strong></p><ul>' + "".join(items)
            + "</ul></div>")


def workspace_header_html(
    ws: Workspace, current_stage: str, link: Callable[[str], str | None], *, style: bool = True,
    next_steps: bool = False,
) -> str:
    """:func:`header_html` for a workspace: its profile and its readiness, read now."""
    return header_html(ws.community, assess(WorkspaceTables(ws)), current_stage, link, style=style, next_steps=next_steps)
