"""Documents people take away: the terms of reference, as HTML (to print) and Word (to edit).

Built from model output only, so the app's download and the report print the
same words. Every user-entered string is escaped.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from markupsafe import Markup, escape

from .i18n import _, current_language, format_date
from .model.commitment import TermsSection

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
WORD_LANGUAGES = {"en": "en-CA", "fr": "fr-CA"}  # Word's proofing and reading language, per language of ours


def set_word_language(document: Any, language: str) -> None:
    """Every run's language in a python-docx `document` (`w:lang` in the document defaults and the
    Normal style, which every paragraph style inherits), so Word's spell-check and screen readers use
    `language` ("fr-CA"); and the document's own language property."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    holders = [document.styles["Normal"].element.get_or_add_rPr()]
    defaults = document.styles.element.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")) if defaults is not None else None
    if run_defaults is not None and run_defaults.find(qn("w:rPr")) is not None:
        holders.append(run_defaults.find(qn("w:rPr")))
    for holder in holders:
        found = holder.find(qn("w:lang"))
        if found is None:  # `w:lang` comes after the size in a run's properties; nothing that may follow it is set
            found = OxmlElement("w:lang")
            holder.append(found)
        found.set(qn("w:val"), language)
    document.core_properties.language = language


def _plan_name(community: str, plan_name: str | None) -> str:
    return plan_name or _("{community} Community Safety and Well-Being Plan").format(community=community)


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
            _(s.name),
            _paragraphs(s.text)
            if s.text
            else Markup('<p class="todo"><strong>{}</strong> {}</p>').format(_("Not yet written."), _(s.prompt)),
        )
        for s in sections
    )
    return str(
        Markup(
            "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">"
            "<title>{title}</title>"
            "<style>body{{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;line-height:1.5;color:#1a1a1a}}"
            "h1{{color:{accent};border-bottom:3px solid {accent}}}h2{{color:#1a1a1a}}.todo{{color:#595959;font-style:italic}}"
            "footer{{margin-top:3rem;color:#595959;font-size:.9rem}}</style></head>"
            "<body><header><p>{plan}</p><h1>{title}</h1><p>{community}</p></header>"
            "<main>{body}</main><footer>{prepared}</footer></body></html>\n"
        ).format(
            lang=current_language(),
            title=_("Terms of reference: {name}").format(name=group),
            community=community,
            plan=_plan_name(community, plan_name),
            body=body,
            accent=Markup(escape(accent)),
            prepared=_("Prepared with CSWB Workbook on {today}.").format(today=format_date(today)),
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
    set_word_language(document, WORD_LANGUAGES.get(current_language(), "en-CA"))
    title = _("Terms of reference: {name}").format(name=group)
    document.core_properties.title = title
    document.add_paragraph(_plan_name(community, plan_name))
    document.add_heading(title, level=1)
    document.add_paragraph(community)
    for section in sections:
        document.add_heading(_(section.name), level=2)
        if section.text:
            for block in section.text.replace("\r\n", "\n").split("\n\n"):
                if block.strip():
                    document.add_paragraph(block.strip())
        else:
            document.add_paragraph().add_run(f"{_('Not yet written.')} {_(section.prompt)}").italic = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
