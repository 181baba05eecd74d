"""The workshop vote tally as static HTML: the published one (reports) and the table the live
`widgets.voting.VoteTally` shows (every count, with the spread of ratings).

Votes are counted by :mod:`cswb_widgets.model.voting`; nothing here imports a widget library.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
from markupsafe import Markup

from ..i18n import _, ngettext
from ..model.privacy import SMALL_COUNT
from ..model.voting import DISTRIBUTION, RATINGS, participants, vote_summary
from ._html import PALETTE, stylesheet
from .figures import fixed_decimal

SCALE = "1 = low priority … 5 = top priority"

# The published tally's own rules (it has no bar of ratings); the live tally's are the widget's.
PUBLISHED_CSS = f"""
.cswb-vote-tally {{ color: {PALETTE["text"]}; background: {PALETTE["background"]}; }}
.cswb-vote-participants {{ font-size: 1.15rem; font-weight: 700; margin: 0.25rem 0; }}
.cswb-vote-note {{ font-size: 0.85rem; color: {PALETTE["muted"]}; }}
.cswb-table.cswb-table td.cswb-vote-number {{ text-align: right; }}
"""


def tally_html(tables: Mapping[str, pd.DataFrame], session: str | None = None, *, style: bool = True) -> str:
    """The vote tally for a report: small counts suppressed, means only for risks with 5+ ballots.

    The spread of ratings is left out: with the ballot count known, one suppressed rating
    count could be worked out from the others.
    """
    count = participants(tables, session)
    shown = f"<{SMALL_COUNT}" if 0 < count < SMALL_COUNT else str(count)
    markup = Markup(
        '<div class="cswb-vote-tally cswb-static"><p class="cswb-vote-participants">{}</p>{}'
        '<p class="cswb-vote-note">{}</p></div>'
    ).format(
        ngettext("{n} participant", "{n} participants", count).format(n=shown),
        Markup(tally_table(vote_summary(tables, session), published=True)),
        _("Ballot counts under {limit} are shown as \"<{limit}\". Means and medians are shown only for risks rated "
          "by at least {limit} participants; the spread of ratings is left out so that small counts cannot be "
          "worked out from it.").format(limit=SMALL_COUNT),
    )
    return f"<style>{stylesheet()}{PUBLISHED_CSS}</style>{markup}" if style else str(markup)


def tally_table(summary: pd.DataFrame, *, published: bool) -> str:
    """The ranked table; live (every count, with the spread) or published (suppressed)."""
    if published:
        enough = summary["ballots"] >= SMALL_COUNT
        ranked = summary[enough]
        rest = summary[~enough].assign(_key=lambda f: f["name"].astype(str).str.casefold())
        # Risks with too few ballots are listed by name: their order by mean would tell it.
        summary = pd.concat([ranked, rest.sort_values("_key", kind="mergesort").drop(columns="_key")])
    else:
        enough = summary["ballots"] > 0
    ranks = summary["mean"].where(enough.reindex(summary.index)).rank(method="min", ascending=False)
    headings = [_(h) for h in ("Rank", "Risk", "Ballots", "Mean", "Median")] + (
        [] if published else [_("Ratings given (1 to 5)")])
    caption = _("Risks ranked by mean rating ({scale})").format(scale=_(SCALE))
    parts = [Markup('<table class="cswb-table cswb-static cswb-vote-ranking"><caption>{}</caption><thead><tr>').format(caption)]
    parts += [Markup('<th scope="col">{}</th>').format(h) for h in headings]
    parts.append(Markup("</tr></thead><tbody>"))
    if summary.empty:
        parts.append(Markup('<tr><td class="cswb-empty" colspan="{}">{}</td></tr>').format(len(headings), _("No risks yet.")))
    for index, row in summary.iterrows():
        ballots = int(row["ballots"])
        rated = bool(enough.get(index, False))
        rank = ranks.get(index)
        cells = [
            Markup('<td class="cswb-vote-number">{}</td>').format("" if not rated or pd.isna(rank) else int(rank)),
            Markup('<th scope="row">{}</th>').format(row["name"]),
            Markup('<td class="cswb-vote-number">{}</td>').format(
                f"<{SMALL_COUNT}" if published and 0 < ballots < SMALL_COUNT else ballots
            ),
            Markup('<td class="cswb-vote-number">{}</td>').format(_number(row["mean"]) if rated else "–"),
            Markup('<td class="cswb-vote-number">{}</td>').format(_number(row["median"]) if rated else "–"),
        ]
        if not published:
            cells.append(Markup("<td>{}</td>").format(_spread(row, ballots)))
        parts.append(Markup("<tr>") + Markup("").join(cells) + Markup("</tr>"))
    parts.append(Markup("</tbody></table>"))
    return str(Markup("").join(parts))


def _spread(row: pd.Series, ballots: int) -> Markup:
    """A small stacked bar (decoration) and the same counts as text."""
    counts = [int(row[column]) for column in DISTRIBUTION]
    segments = Markup("").join(
        Markup('<span class="cswb-vote-r{}" style="width:{:.1f}%"></span>').format(rating, 100 * n / ballots)
        for rating, n in zip(RATINGS, counts, strict=True)
        if n and ballots
    )
    text = ", ".join(f"{rating}: {n}" for rating, n in zip(RATINGS, counts, strict=True))
    return Markup('<span class="cswb-vote-bar" aria-hidden="true">{}</span><span class="cswb-vote-counts">{}</span>').format(
        segments, text
    )


def _number(value: Any) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else fixed_decimal(value)
