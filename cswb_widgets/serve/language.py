"""The language of each page the server renders: `?lang=fr` on any address, remembered in a cookie.

Launcher, ballot, join screen and tally render in it; an app page hands it to its kernel in a
request header (`i18n.LANGUAGE_HEADER`) and is served from a copy of its notebook whose
markdown is in that language (`notebooks.in_language`).
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any

from .. import i18n

COOKIE_DAYS = 365


class PageLanguage:
    """Mixed into a tornado handler: `choose_language()` at the start of `get`/`post`."""

    language: str = i18n.DEFAULT_LANGUAGE
    _language_token: contextvars.Token[str | None] | None = None

    def choose_language(self) -> str:
        handler: Any = self
        asked = handler.get_query_argument(i18n.LANGUAGE_PARAMETER, None)
        self.language = i18n.chosen_language(asked, handler.get_cookie(i18n.LANGUAGE_COOKIE))
        if asked and self.language == i18n.chosen_language(asked):
            # Sticks for every page under this server, the apps included, for a year.
            handler.set_cookie(i18n.LANGUAGE_COOKIE, self.language, path=handler.base_url,
                               expires_days=COOKIE_DAYS, samesite="Lax")
        if self._language_token is None:
            self._language_token = i18n.enter_language(self.language)
        return self.language

    def on_finish(self) -> None:
        if self._language_token is not None:
            # A request finished in another context than it started in has nothing to undo there.
            with contextlib.suppress(ValueError):
                i18n.leave_language(self._language_token)
            self._language_token = None
        super().on_finish()  # type: ignore[misc]
