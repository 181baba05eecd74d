"""Documents people take away: the terms of reference, as HTML (to print) and Word (to edit).

Built from model output only, so the app's download and the report print the
same words. Every user-entered string is escaped.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import replace

from markupsafe import Markup, escape

from .model.commitment import TermsSection

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _paragraphs(text: str) -> Markup:
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return Markup("").join(Markup("<p>{}</p>").format(Markup("<br>").join(escape(line) for line in b.split("\n"))) for b in blocks)


def terms_of_reference_html(
    *,
    community: str,
    group: str,
    sections: Sequence[TermsSection],
    plan_name: str | None = None,
    colour: str | None = None,
    today: dt.date | None = None,
) -> str:
    """A complete, printable HTML document; unwritten sections say so (and give the prompt)."""
    today = today or dt.date.today()
    accent = colour or "#1f4e79"
    body = Markup("").join(
        Markup('<section><h2>{}</h2>{}</section>').format(
            s.name,
            _paragraphs(s.text)
            if s.text
            else Markup('<p class="todo"><strong>Not yet written.</strong> {}</p>').format(s.prompt),
        )
        for s in sections
    )
    return str(
        Markup(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>Terms of reference: {group}</title>"
            "<style>body{{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;line-height:1.5;color:#1a1a1a}}"
            "h1{{color:{accent};border-bottom:3px solid {accent}}}h2{{color:#1a1a1a}}.todo{{color:#595959;font-style:italic}}"
            "footer{{margin-top:3rem;color:#595959;font-size:.9rem}}</style></head>"
            "<body><header><p>{plan}</p><h1>Terms of reference: {group}</h1><p>{community}</p></header>"
            "<main>{body}</main><footer>Prepared with CSWB Workbook on {today}.</footer></body></html>\n"
        ).format(
            group=group,
            community=community,
            plan=plan_name or f"{community} Community Safety and Well-Being Plan",
            body=body,
            accent=Markup(escape(accent)),
            today=today.isoformat(),
        )
    )


def terms_of_reference_docx(
    *, community: str, group: str, sections: Sequence[TermsSection], plan_name: str | None = None
) -> bytes:
    """The same document as a Word file, for councils that work in Word."""
    from docx import Document

    from .store.validation import without_unstorable

    # Workspaces from before control characters were refused may hold some; Word cannot.
    sections = [replace(s, text=without_unstorable(s.text)) if s.text else s for s in sections]
    community, group = without_unstorable(community), without_unstorable(group)
    plan_name = without_unstorable(plan_name) if plan_name else plan_name
    document = Document()
    document.core_properties.title = f"Terms of reference: {group}"
    document.add_paragraph(plan_name or f"{community} Community Safety and Well-Being Plan")
    document.add_heading(f"Terms of reference: {group}", level=1)
    document.add_paragraph(community)
    for section in sections:
        document.add_heading(section.name, level=2)
        if section.text:
            for block in section.text.replace("\r\n", "\n").split("\n\n"):
                if block.strip():
                    document.add_paragraph(block.strip())
        else:
            document.add_paragraph().add_run(f"Not yet written. {section.prompt}").italic = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
