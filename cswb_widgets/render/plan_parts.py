"""Markup conventions between the workbooks' report parts and the plan document that gathers them.

Several workbooks give each priority risk a block (its profile, activities, outcomes); the plan
(`cswb_widgets.report.assemble`) puts the blocks of one risk together under one heading.
"""

from __future__ import annotations

from markupsafe import Markup

RISK_PART_CLASS = "cswb-risk-part"


def risk_part_html(risk_id: object, risk_name: object, part: str, body: str) -> str:
    """One priority risk's block of a per-risk part: the risk's name (h3), then `body` (h4 and below)."""
    return str(Markup('<section class="{}" data-risk="{}" data-part="{}"><h3 class="cswb-risk-name">{}</h3>').format(
        RISK_PART_CLASS, risk_id, part, risk_name)) + body + "</section>"
