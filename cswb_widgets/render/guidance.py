"""A stage's plain-language guidance and the critical success factors it leans on."""

from __future__ import annotations

from ..framework import load_catalogue
from ..i18n import _
from ._html import escape, with_style

# The critical success factors each workbook leans on most. Our reading of the framework;
# it belongs in framework.toml once the catalogue grows a field for it.
STAGE_SUCCESS_FACTORS: dict[str, tuple[str, ...]] = {
    "commitment": ("highest_level_commitment", "effective_partnerships"),
    "buy_in": ("awareness_understanding", "cultural_responsiveness", "effective_partnerships"),
    "risk": ("risk_focused", "evidence_evaluation"),
    "assets": ("strength_based", "effective_partnerships"),
    "evaluation": ("evidence_evaluation", "risk_focused"),
    "implementation": ("effective_partnerships", "highest_level_commitment", "evidence_evaluation"),
}


def guidance_html(stage_key: str, *, open: bool = False, style: bool = True) -> str:
    """The stage's plain-language guidance and success factors, in a native disclosure."""
    catalogue = load_catalogue()
    stage = catalogue.get("stages", stage_key)
    factors = [catalogue.get("success_factors", k) for k in STAGE_SUCCESS_FACTORS.get(stage_key, ())]
    parts = [
        f'<details class="cswb-guidance cswb-static"{" open" if open else ""}>',
        "<summary>{}</summary>".format(escape(_("About this step: {concept} ({tools})").format(
            concept=_(stage.concept) if stage.concept else "", tools=_(stage.tools) if stage.tools else ""))),
        f"<p>{escape(_(stage.guidance) if stage.guidance else '')}</p>",
    ]
    if factors:
        parts.append(f"<p>{escape(_('Critical success factors to keep in mind:'))}</p><ul>")
        parts.extend(f"<li><strong>{escape(_(f.name))}</strong>{escape(_(':'))} {escape(_(f.description) if f.description else '')}</li>"
                     for f in factors)
        parts.append("</ul>")
    parts.append("</details>")
    return with_style("".join(parts), style)
