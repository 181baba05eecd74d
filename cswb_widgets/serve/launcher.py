"""The launcher page: every workspace under the root, its six stages, their completion.

Server-rendered HTML (no kernel), built from plain data so it can be tested without a server.
Jinja autoescaping escapes every value a user typed (community names, folder names).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2

from .. import i18n
from ..framework import load_catalogue
from ..i18n import N_
from ..model.readiness import Check, assess, plan_readiness
from ..render.coverage import missing_names
from ..store import TABLES, Workspace
from ..store.served_root import SLUG_RULE, Location, find_workspaces, shown_location, stage_href
from ..store.versions import list_versions

log = logging.getLogger(__name__)

_TEMPLATES = Path(__file__).parent / "templates"
# The apps' Voilà template holds the one stylesheet (theme.css) the launcher shares with them.
_APP_STATIC = Path(__file__).parent / "share" / "jupyter" / "voila" / "templates" / "cswb" / "static"


@dataclass(frozen=True)
class StageLink:
    key: str
    title: str
    completion: float  # 0..1
    href: str | None  # None when the stage's notebook is not installed

    @property
    def percent(self) -> int:
        return round(self.completion * 100)


@dataclass(frozen=True)
class ReadinessLink:
    """One plan-readiness requirement, and the workbook where it is met."""

    title: str
    complete: bool
    done: int
    total: int
    missing: tuple[str, ...]  # the first few things still missing, as people read them
    more: int  # how many more are missing beyond those
    stage_title: str
    href: str | None  # None when that workbook is not installed


@dataclass(frozen=True)
class VersionLine:
    """One adopted version of the plan, as the launcher lists it."""

    label: str
    adopted_on: str  # ISO date


@dataclass(frozen=True)
class WorkspaceCard:
    slug: str
    name: str
    kind: str
    illustrative: bool = False
    stages: tuple[StageLink, ...] = ()
    problem: str | None = None  # why it cannot be opened, for the visitor
    readiness: tuple[ReadinessLink, ...] = ()
    versions: tuple[VersionLine, ...] = ()  # adopted versions, oldest first

    @property
    def plan_state(self) -> str:
        if self.versions:
            return i18n._("Adopted ({version})").format(version=self.versions[-1].label)
        return i18n._("Draft (not adopted)")

    @property
    def ready_count(self) -> int:
        return sum(item.complete for item in self.readiness)


def workspace_cards(root: Location, notebooks: Collection[str], only: Collection[str] | None = None) -> list[WorkspaceCard]:
    """One card per workspace folder under `root` (or community of the database `root`), sorted by community name.

    `notebooks` are the stage keys whose notebook is served; other stages get no link.
    `only`, when given, names the workspaces the visitor may see (their Hub roles): the
    others are neither opened nor shown.
    Workspaces are opened read-only (an older one is read through an upgraded copy); one
    that fails is shown as such and logged, never raised: one broken folder must not hide
    the others.
    """
    cards = [_card(slug, path, notebooks) for slug, path in find_workspaces(root) if only is None or slug in only]
    return sorted(cards, key=lambda c: (c.problem is not None, c.name.casefold(), c.slug))


def _card(slug: str, path: Location | None, notebooks: Collection[str]) -> WorkspaceCard:
    if path is None:
        return WorkspaceCard(slug, slug, "", problem=i18n._("This folder cannot be served: rename it using {rule}.").format(rule=i18n._(SLUG_RULE)))
    try:
        with Workspace.open(path, actor="cswb serve", read_only=True) as ws:
            community = ws.community
            tables = {t.name: ws.table(t.name) for t in TABLES}
            summaries = assess(tables)
            checks = plan_readiness(tables)
            versions = tuple(VersionLine(v.label, v.adopted_on.isoformat()) for v in list_versions(ws))
    except Exception:  # a corrupt or too-new database: say so on the page, details in the log
        log.exception("cannot read workspace %s", shown_location(path))
        return WorkspaceCard(slug, slug, "", problem=i18n._("This workspace could not be opened; the server log has the details."))
    stages = tuple(
        StageLink(s.stage, i18n._(s.title), s.completion, stage_href(s.stage, slug) if s.stage in notebooks else None)
        for s in summaries
    )
    return WorkspaceCard(
        slug=slug,
        name=str(community.get("name") or slug),
        kind=i18n._(_kind_names().get(str(community.get("kind")), "")) if community.get("kind") else "",
        illustrative=bool(community.get("illustrative")),
        stages=stages,
        readiness=tuple(_readiness_link(c, slug, notebooks) for c in checks),
        versions=versions,
    )


# The framework's names the launcher shows (stages, kinds of community), translated with the apps'
# messages: each is looked up with `_()` where it is shown.
FRAMEWORK_NAMES = (
    N_("Collaborative commitment"), N_("Creating buy-in"), N_("Focusing on risk"), N_("Community strengths"),
    N_("Evidence and evaluation"), N_("Putting the plan into action"),
    N_("Municipality"), N_("First Nation"), N_("Joint plan"),
)

MISSING_SHOWN = 3  # a card names the first few missing items; the workbook lists them all


def _readiness_link(check: Check, slug: str, notebooks: Collection[str]) -> ReadinessLink:
    return ReadinessLink(
        title=check.title,
        complete=check.complete,
        done=check.done,
        total=check.total,
        missing=tuple(missing_names(check)[:MISSING_SHOWN]),
        more=max(len(check.missing) - MISSING_SHOWN, 0),
        stage_title=i18n._(_stage_titles()[check.stage]),
        href=stage_href(check.stage, slug) if check.stage in notebooks else None,
    )


def _stage_titles() -> dict[str, str]:
    return _stage_titles_in(i18n.current_language())


def _kind_names() -> dict[str, str]:
    return _kind_names_in(i18n.current_language())


# Cached per language: a server shows pages in both languages at once.
@cache
def _stage_titles_in(language: str) -> dict[str, str]:
    return {stage.key: stage.title for stage in load_catalogue(language).stages}


@cache
def _kind_names_in(language: str) -> dict[str, str]:
    return {kind.key: kind.name for kind in load_catalogue(language).community_kinds}


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader([_TEMPLATES, _APP_STATIC]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Templates say `_("...")` and show numbers with `number(...)`, in the request's language
    # (the handlers set it; babel.cfg extracts the templates' messages).
    environment.globals.update(
        _=i18n._, ngettext=i18n.ngettext, number=i18n.format_number, percent=i18n.format_percent,
        date=_prose_date, language=i18n.current_language, languages=i18n.LANGUAGE_NAMES,
        front_end_messages=lambda: i18n.front_end_catalogue(i18n.current_language()),
        lang_suffix=_language_suffix,
    )
    return environment


def _language_suffix() -> str:
    """What an app link adds to carry the page's language (English, the default, needs nothing:
    the cookie keeps a person's choice either way)."""
    language = i18n.current_language()
    return "" if language == i18n.DEFAULT_LANGUAGE else f"&{i18n.LANGUAGE_PARAMETER}={language}"


def _prose_date(iso: str) -> str:
    import datetime as dt

    try:
        return i18n.format_date(dt.date.fromisoformat(iso))
    except ValueError:
        return iso


def render_launcher(cards: list[WorkspaceCard]) -> str:
    return _environment().get_template("launcher.html").render(cards=cards)


def render_refusal(message: str, *, home: str) -> str:
    """The page shown instead of an app when the address names no acceptable workspace.

    `home` is the launcher's address relative to the refused page.
    """
    return _environment().get_template("refusal.html").render(message=message, home=home)
