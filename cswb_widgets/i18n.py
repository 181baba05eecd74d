"""The language people see: gettext catalogues (Babel) and locale-aware numbers and dates.

One current language per context (a kernel, a request, a report run), set with `use_language`
or `set_language`; everything that shows text asks this module. English is the source
language: a message with no translation shows as written.

- `_(message)` translates now; `ngettext(singular, plural, n)` picks a plural form;
- `N_(message)` only marks a module-level constant for extraction: translate it where it is
  shown, with `_(CONSTANT)`, because the language is not known when the module is imported;
- `format_number`, `format_decimal`, `format_percent`, `format_date`: Babel, in the current
  language ("1,234.5" in English, "1 234,5" in French).

Catalogues live in `cswb_widgets/locale/<lang>/LC_MESSAGES/*.po` (one file per part of the
product) and are read from the `.po` files themselves (no compiled `.mo` in git); `make i18n` extracts and checks them.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import gettext
import io
from collections.abc import Iterator
from pathlib import Path

from babel import Locale, dates as babel_dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "fr")  # the languages people can choose
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}  # each in its own language
DOMAIN = "cswb"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

# A kernel's language holds for every later cell and widget callback, which IPython and ipykernel
# run in contexts of their own (a value set in one cell's context is gone in the next): so
# set_language sets the process's language, and use_language overrides it within a block.
_process_language = DEFAULT_LANGUAGE
_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("cswb_language", default=None)


def normalize_language(value: object) -> str:
    """A supported language code from what a person, a URL or a setting gave ("fr-CA" -> "fr");
    anything else is the default language."""
    code = str(value or "").strip().replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def current_language() -> str:
    return _current.get() or _process_language


def set_language(language: object) -> str:
    """Make `language` this process's language (a kernel's whole session, every cell and
    callback); a `use_language` block still overrides it. Returns the language chosen."""
    global _process_language
    code = normalize_language(language)
    _process_language = code
    _current.set(None)
    return code


@contextlib.contextmanager
def use_language(language: object) -> Iterator[str]:
    """Within the block, text and numbers are in `language` (a report in one language of a
    bilingual plan, a request with `?lang=fr`)."""
    token = enter_language(language)
    try:
        yield current_language()
    finally:
        leave_language(token)


@functools.cache
def translations(language: str) -> Translations | gettext.NullTranslations:
    """The catalogue of `language`, read once: every `.po` file in its folder (one per part of
    the product: apps, reports, framework...), each compiled in memory; none for English."""
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    result: Translations | gettext.NullTranslations = gettext.NullTranslations()
    if language == DEFAULT_LANGUAGE or not folder.is_dir():
        return result
    for catalogue_path in sorted(folder.glob("*.po")):
        with catalogue_path.open("rb") as handle:
            catalogue = read_po(handle, locale=language, domain=DOMAIN)
        compiled = io.BytesIO()
        write_mo(compiled, catalogue)  # fuzzy entries are left out, as msgfmt does
        compiled.seek(0)
        part = Translations(fp=compiled, domain=DOMAIN)
        if isinstance(result, Translations):
            result.merge(part)
        else:
            result = part
    return result


def enter_language(language: object) -> contextvars.Token[str | None]:
    """`use_language` for code that cannot hold a `with` block open (a web request's handler
    sets its page's language when it starts); give the token to `leave_language` at the end."""
    return _current.set(normalize_language(language))


def leave_language(token: contextvars.Token[str | None]) -> None:
    _current.reset(token)


def _(message: str) -> str:
    """`message` in the current language ("" stays "": gettext's "" is the catalogue's header)."""
    if not message:
        return message
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of a message that fits `count`, in the current language."""
    if not singular:
        return singular if count == 1 else plural
    return translations(current_language()).ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """`message` in the current language, told apart from the same English in another
    `context` ("Plan" the noun on a tab vs "Plan" the verb on a button)."""
    return translations(current_language()).pgettext(context, message)


def N_(message: str) -> str:
    """Mark a constant for extraction without translating it (see the module's docstring)."""
    return message


def _locale() -> Locale:
    return Locale.parse({"en": "en_CA", "fr": "fr_CA"}[current_language()])


def format_number(value: int | float) -> str:
    """A count ("1,234" / "1 234")."""
    return numbers.format_decimal(value, locale=_locale())


def format_decimal(value: float, digits: int = 1) -> str:
    """A measured value with up to `digits` decimals ("1,234.5" / "1 234,5")."""
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
    return numbers.format_decimal(value, format=pattern, locale=_locale())


def format_percent(fraction: float, digits: int = 0) -> str:
    """A share of one as a percentage ("45%" / "45 %")."""
    pattern = _locale().percent_formats[None].pattern
    if digits > 0:
        pattern = pattern.replace("0", "0." + "#" * digits, 1)
    return numbers.format_percent(fraction, format=pattern, locale=_locale())


def weekday_abbreviation(index: int) -> str:
    """A weekday's short name, Monday being 0 ("Mon" / "lun.")."""
    return str(_locale().days["format"]["abbreviated"][index])


def format_date(value: dt.date, form: str = "long") -> str:
    """A date in prose ("December 4, 2026" / "4 décembre 2026"); tables keep ISO dates."""
    return babel_dates.format_date(value, format=form, locale=_locale())


# The front-end files whose `_("...")` calls the pages' embedded catalogue serves (babel.cfg
# extracts the same files).
# How a page's language travels: `?lang=fr` on any address, a cookie that keeps the choice, and a
# header the server sets for the page's kernel (Voilà hands it over as HTTP_X_CSWB_LANGUAGE).
LANGUAGE_PARAMETER = "lang"
LANGUAGE_COOKIE = "cswb_lang"
LANGUAGE_HEADER = "X-Cswb-Language"
LANGUAGE_ENV = "HTTP_X_CSWB_LANGUAGE"


def chosen_language(asked: object = None, remembered: object = None) -> str:
    """The language of a page: what its address asks (`?lang=`), else what the person chose
    before (the cookie), else the default."""
    for value in (asked, remembered):
        if value and normalize_language(value) == str(value).strip().lower()[:2]:
            return normalize_language(value)
    return DEFAULT_LANGUAGE


_PACKAGE = Path(__file__).resolve().parent
FRONT_END_FILES = ("widgets/static/*.js", "serve/templates/*.js", "serve/share/jupyter/voila/templates/cswb/static/*.js")


@functools.cache
def _front_end_messages() -> tuple[str, ...]:
    from babel.messages.extract import extract

    found: list[str] = []
    for pattern in FRONT_END_FILES:
        for path in sorted(_PACKAGE.glob(pattern)):
            with path.open("rb") as handle:
                found.extend(str(m[1]) for m in extract("javascript", handle, keywords={"_": None, "cswbText": None}) if isinstance(m[1], str))
    return tuple(dict.fromkeys(found))


def front_end_catalogue(language: object) -> dict[str, str]:
    """The front end's messages in `language` ({English: translation}, only those translated),
    for a page to embed as JSON: the JavaScript's `_` looks them up, with no request made."""
    code = normalize_language(language)
    with use_language(code):
        pairs = {message: _(message) for message in _front_end_messages()}
    return {english: shown for english, shown in pairs.items() if shown != english}
