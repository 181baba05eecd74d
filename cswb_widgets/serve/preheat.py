"""Which languages' app pages the server keeps preheated kernels for.

Voilà preheats the notebooks it finds under its root when it starts (a pool per notebook, each
kernel ~110-160 MB); a page in French is served from a French copy of its notebook
(`handlers.language_copy`), which is not there at start unless written first, so the first
French visitor of each app waits for a cold kernel (about a second more). Writing the copies
first makes Voilà preheat them too, at the cost of one more pool per app (six apps: ~6 x 130 MB
per kernel kept ready). That is worth it only where French pages will be asked for:

- English always (the pages' default language);
- French when a served community's plan language is French or both, or when the server itself
  runs in French (`cswb --lang fr serve`, CSWB_LANG, or a French locale: a francophone facilitator's laptop).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from .. import i18n
from ..model.languages import plan_document_languages, plan_language
from ..store.served_root import Location, find_workspaces
from ..store.workspace import Workspace
from .handlers import language_copy

log = logging.getLogger(__name__)


def preheated_languages(plan_languages: Iterable[object], server_language: object) -> tuple[str, ...]:
    """The languages to preheat app pages in, default first: English, and each other language a
    served community plans in (alone or as half of a bilingual plan) or the server runs in."""
    wanted = {i18n.DEFAULT_LANGUAGE, i18n.normalize_language(server_language)}
    for value in plan_languages:
        wanted.update(plan_document_languages(value))
    return tuple(language for language in i18n.LANGUAGES if language in wanted)


def served_plan_languages(root: Location) -> Iterator[str]:
    """The plan language of each community served from `root` (a folder of workspaces or a
    database); one that cannot be read is left out (the launcher says what is wrong with it)."""
    for slug, location in find_workspaces(root):
        if location is None:
            continue
        try:
            with Workspace.open(location, actor="cswb serve", read_only=True) as ws:
                yield plan_language(ws.community.get("plan_language"))
        except Exception:  # noqa: BLE001 - a broken workspace must not keep the server from starting
            log.warning("cannot read the plan language of workspace %s", slug)


def write_preheated_copies(site: Path, workbooks: Iterable[str], root: Location, server_language: object) -> list[Path]:
    """Write, under `site`, each workbook's copy in every other language to preheat (see the
    module's doc), before Voilà starts and looks for notebooks; the copies' site paths."""
    languages = preheated_languages(served_plan_languages(root), server_language)
    return [language_copy(site, name, language) for language in languages if language != i18n.DEFAULT_LANGUAGE
            for name in workbooks]
