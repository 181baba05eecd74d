"""Languages as data: a plan's language and the languages an asset serves in.

A workspace's plan language (`community.plan_language`) is `en`, `fr` or `both` (blank: `en`).
An asset's service languages (`assets.service_languages`) are ISO 639 codes separated by "; ",
two letters (ISO 639-1) where the language has them, else its three (ISO 639-3: Plains Cree is
`crk`). People may write a code of either kind, an old bibliographic code ("fre") or the
language's name in English or French ("French", "français"); all become the one code.
Babel's CLDR data knows the codes and names, so nothing here is a hand-kept list.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from typing import Any

from babel import Locale
from babel.core import get_global

from ..i18n import LANGUAGES, _, current_language
from ._tables import blank

PLAN_LANGUAGES = ("en", "fr", "both")
DEFAULT_PLAN_LANGUAGE = "en"
SEPARATOR = "; "
FRENCH = "fr"


class LanguageError(ValueError):
    """A value that names no language; the message says what was expected."""


def plan_language(value: Any) -> str:
    """A stored plan language, blank or missing meaning English."""
    text = "" if blank(value) else str(value).strip().lower()
    return text if text in PLAN_LANGUAGES else DEFAULT_PLAN_LANGUAGE


def plan_document_languages(value: Any) -> tuple[str, ...]:
    """The languages a plan is written in: ("en",), ("fr",) or ("en", "fr") for a bilingual one."""
    chosen = plan_language(value)
    return ("en", "fr") if chosen == "both" else (chosen,)


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@functools.cache
def _known_codes() -> frozenset[str]:
    codes = (str(code) for code in Locale("en").languages)
    return frozenset(code for code in codes if code.isalpha() and len(code) in (2, 3))


@functools.cache
def _spellings() -> dict[str, str]:
    """Every accepted spelling (folded) → the code stored."""
    found: dict[str, str] = {}
    aliases = get_global("language_aliases")
    for alias, target in aliases.items():
        if alias.isalpha() and len(alias) == 3 and target in _known_codes():
            found[alias] = target  # "fra", "fre" -> "fr"
    for language in LANGUAGES:
        for code, name in Locale(language).languages.items():
            if code in _known_codes():
                found.setdefault(_folded(name), code)
    for code in _known_codes():
        found[code] = code
    return found


def language_code(value: str) -> str | None:
    """The stored code for a code or language name ("FR", "fra", "Français" → "fr"); None if
    it names no language."""
    return _spellings().get(_folded(value))


def parse_languages(value: Any) -> list[str]:
    """The codes in a cell ("English; français", "en, fr", ["fr"]), in order, without repeats;
    LanguageError naming the first value that is no language."""
    if blank(value):
        return []
    parts: Iterable[Any] = value if isinstance(value, (list, tuple)) else str(value).replace(",", ";").split(";")
    codes = []
    for part in parts:
        text = str(part).strip()
        if not text:
            continue
        code = language_code(text)
        if code is None:
            raise LanguageError(_(
                "expected languages as ISO 639-1 codes or names separated by ';' (such as 'en; fr'), got '{value}'"
            ).format(value=text[:40]))
        codes.append(code)
    return list(dict.fromkeys(codes))


def join_languages(codes: Iterable[str]) -> str:
    return SEPARATOR.join(dict.fromkeys(codes))


def serves_in(value: Any, language: str) -> bool:
    """Whether a stored service-languages cell includes `language` (unreadable cells do not)."""
    try:
        return language in parse_languages(value)
    except LanguageError:
        return False


def language_name(code: str) -> str:
    """A language's name in the current language ("fr" → "French" / "français")."""
    name = Locale(current_language()).languages.get(code)
    return name if name else code


def plan_language_label(value: Any) -> str:
    """What a person reads for a plan language."""
    return {"en": _("English"), "fr": _("French"), "both": _("English and French")}[plan_language(value)]
