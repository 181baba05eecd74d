"""The workshop vote without a kernel per participant: ballot, join screen and projector tally.

A participant's phone gets a plain HTML form (`vote_pages`) from these tornado handlers, and
its ballot is written through the store in one transaction (`store.ballots.record_ballot`,
the same rules as the apps' Ballot). One connection per community is opened once and kept by
the server process; SQLite work runs on a small thread pool, off the event loop that carries
the apps' kernel websockets.

Who may open what:
- The facilitator (signed in with the server's token or password, or anyone on a login-free
  loopback server) may open every page of every community.
- A participant who has the vote's access code (`cswb serve --workshop`: printed once, shown
  on the join screen) may open only that community's ballot and join screen: not the apps, the
  launcher or the tally's data. The code is kept in a signed cookie after the first visit.
- A ballot can be changed only from the device that cast it: its key is a random value in an
  HttpOnly cookie, and the store keeps only a digest of it (`model.voting.device_fingerprint`).
  The name typed is for display; it cannot take over another device's ballot.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import json
import re
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import httputil, web

from ..errors import InputError, WorkspaceError
from ..i18n import _, ngettext
from ..model.voting import (
    MAX_PARTICIPANT_CHARACTERS,
    RATINGS,
    UNNAMED_PARTICIPANT,
    clean_participant,
    device_fingerprint,
    valid_ratings,
)
from ..render import WorkspaceTables
from ..store import Workspace
from ..store.ballots import device_ballot, record_ballot, risk_names
from ..store.served_root import Location, NoSuchWorkspace, workspace_under
from ..workbooks.risk import VOTE_PATH
from . import vote_pages
from .language import PageLanguage

SHORT_JOIN_PATH = "v"  # <base>/v: the short address on the join screen (workshop mode)
DEVICE_COOKIE = "cswb-ballot-device"
ACCESS_COOKIE = "cswb-vote-access"
DEVICE_KEY = re.compile(r"[A-Za-z0-9_-]{32}")
DEVICE_COOKIE_DAYS = 30
ACCESS_COOKIE_DAYS = 1
MAX_BALLOT_BYTES = 64 * 1024  # a ballot of 500 risks is under 20 KB
TALLY_REFRESH_SECONDS = 3.0
STORE_THREADS = 2  # SQLite writes to one file are serialized anyway; reads need no more
# The vote's access code: 8 characters a projector shows without ambiguity (no 0/O, 1/I/L);
# 32**8, about 10**12 codes, with a fresh one per `cswb serve --workshop`.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8

T = TypeVar("T")


def new_voting_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for __ in range(CODE_LENGTH))


def shown_code(code: str) -> str:
    """The code as the join screen shows it: two groups of four (ABCD-EFGH)."""
    return f"{code[:4]}-{code[4:]}"


def typed_code(text: str) -> str:
    """A code as typed: case, spaces and dashes ignored, so "abcd efgh" is ABCDEFGH."""
    return re.sub(r"[^A-Z0-9]", "", text.upper())[:40]


@dataclass
class VoteService:
    """What the vote handlers of one server share: the root, the workshop, the stores, a thread pool."""

    root: Location
    public_url: str  # the server's absolute address with its base URL, as phones reach it
    workshop: str | None = None  # the community voted on with the access code (workshop mode)
    code: str | None = None
    _stores: dict[str, Workspace] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="cswb-vote")
    )

    def store(self, slug: str) -> Workspace:
        """The community's workspace, opened on first use and kept (one connection per community)."""
        with self._lock:
            ws = self._stores.get(slug)
            if ws is None or ws.closed:
                ws = self._stores[slug] = Workspace.open(workspace_under(self.root, slug), actor="workshop ballot")
            return ws

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, functools.partial(fn, *args))

    def code_digest(self) -> str:
        return hashlib.sha256(f"cswb-vote:{self.code}".encode()).hexdigest()[:32] if self.code else ""

    def code_matches(self, typed: str) -> bool:
        return bool(self.code) and hmac.compare_digest(typed_code(typed).encode(), (self.code or "").encode())

    def join_url(self) -> str:
        """The address the QR code opens: the short address with the code."""
        return f"{url_path_join(self.public_url, SHORT_JOIN_PATH)}?{urlencode({'code': self.code or ''})}"

    def short_url(self) -> str:
        return url_path_join(self.public_url, SHORT_JOIN_PATH).removeprefix("http://")

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        with self._lock:
            for ws in self._stores.values():
                ws.close()
            self._stores.clear()


def vote_handlers(server_url: str, service: VoteService) -> list[tuple[str, type, dict[str, Any]]]:
    """The routes to add to the server (before Voilà's own)."""
    slug = r"([A-Za-z0-9][A-Za-z0-9._-]{0,99})"
    kwargs = {"service": service}
    base = url_path_join(server_url, VOTE_PATH)
    return [
        (url_path_join(server_url, SHORT_JOIN_PATH), ShortJoinHandler, kwargs),
        (f"{base}/{slug}", BallotHandler, kwargs),
        (f"{base}/{slug}/join", JoinHandler, kwargs),
        (f"{base}/{slug}/tally", TallyHandler, kwargs),
        (f"{base}/{slug}/tally.json", TallyDataHandler, kwargs),
    ]


class _VoteHandler(PageLanguage, JupyterHandler):
    """Shared: who is asking, one-line pages (in the visitor's language), refusals without tracebacks."""

    def initialize(self, service: VoteService) -> None:
        self.service = service

    async def prepare(self) -> None:  # type: ignore[override]
        self.choose_language()  # before anything is said, refusals included
        await super().prepare()

    @property
    def facilitator(self) -> bool:
        return self.current_user is not None

    def voter_admitted(self, slug: str) -> bool:
        """Whether this browser holds the vote's code, for this community."""
        if not self.service.code or slug != self.service.workshop:
            return False
        cookie = self.get_secure_cookie(ACCESS_COOKIE, max_age_days=ACCESS_COOKIE_DAYS)
        return cookie is not None and hmac.compare_digest(cookie, self.service.code_digest().encode())

    def admit_voter(self) -> None:
        self.set_secure_cookie(
            ACCESS_COOKIE, self.service.code_digest(), expires_days=ACCESS_COOKIE_DAYS,
            httponly=True, samesite="Lax", path=self.base_url,
        )

    def ballot_url(self, slug: str) -> str:
        return url_path_join(self.base_url, VOTE_PATH, slug)

    def page(self, body: str, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(body)

    def refuse(self, status: int, message: str, title: str | None = None) -> None:
        self.page(vote_pages.render_vote_message(title or _("The vote cannot be opened"), message, status), status)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Every failure as one plain line: tornado's and Jupyter's error pages show internals."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        reason = getattr(exc, "log_message", None) or ""
        if status_code == 403 and "xsrf" in reason.lower():
            message = _("Not saved: this form has expired or came from another page. Reload the ballot and submit again.")
        elif status_code == 403:
            message = _("This page is not open to this browser: use the address the facilitator gives you.")
        elif status_code == 413:
            message = _("Not saved: the ballot sent is larger than {value} KB; reload the ballot and submit again.").format(value=MAX_BALLOT_BYTES // 1024)
        elif status_code < 500:
            message = _("The request was not understood: reload the ballot and try again.")
        else:
            message = _("Something went wrong on the server; the person running it can find the details in its log.")
        self.page(vote_pages.render_vote_message(_("The vote cannot be opened"), message, status_code), status_code)

    async def community_name(self, slug: str) -> str:
        ws = await self.service.run(self.service.store, slug)
        community = await self.service.run(lambda: ws.community)
        return str(community.get("name") or slug)

    async def open_store(self, slug: str) -> Workspace | None:
        """The workspace, or None after a one-line refusal (unknown or unreadable community)."""
        try:
            return await self.service.run(self.service.store, slug)
        except NoSuchWorkspace as exc:
            self.refuse(404, f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
        except WorkspaceError as exc:
            self.log.error("vote: cannot open workspace %s: %s", slug, exc)
            self.refuse(500, _("This community's workspace cannot be opened; the person running the server can find the details in its log."))
        return None


@web.stream_request_body
class BallotHandler(_VoteHandler):
    """`<base>/vote/<community>`: GET the ballot, POST it (a plain form, no kernel)."""

    _body: bytearray
    _too_large: bool

    async def prepare(self) -> None:  # type: ignore[override]
        self._body, self._too_large = bytearray(), False
        if self.request.method == "POST":
            # Refused before it is read: a body larger than a ballot costs no memory.
            declared = self.request.headers.get("Content-Length")
            if declared is not None and declared.isdigit() and int(declared) > MAX_BALLOT_BYTES:
                self._too_large = True
            else:
                self.request.connection.set_max_body_size(MAX_BALLOT_BYTES)  # type: ignore[union-attr]
        await super().prepare()
        if self._too_large:
            self.set_header("Connection", "close")
            raise web.HTTPError(413)

    def check_xsrf_cookie(self) -> None:
        # JupyterHandler.prepare checks before the streamed body (and its _xsrf field) has
        # arrived; post() checks once the form is parsed.
        if getattr(self, "_body_parsed", False):
            super().check_xsrf_cookie()

    def data_received(self, chunk: bytes) -> None:
        if len(self._body) + len(chunk) > MAX_BALLOT_BYTES:
            raise web.HTTPError(413)
        self._body.extend(chunk)

    def device_key(self, *, create: bool) -> str | None:
        key = self.get_cookie(DEVICE_COOKIE)
        if key is not None and DEVICE_KEY.fullmatch(key):
            return key
        if not create:
            return None
        key = secrets.token_urlsafe(24)  # 32 characters
        self.set_cookie(DEVICE_COOKIE, key, expires_days=DEVICE_COOKIE_DAYS, httponly=True, samesite="Lax",
                        path=self.base_url)
        return key

    async def _admitted(self, slug: str) -> bool:
        if self.facilitator or self.voter_admitted(slug):
            return True
        if self.service.code and slug == self.service.workshop:
            self.page(vote_pages.render_code_form("", url_path_join(self.base_url, SHORT_JOIN_PATH)), 403)
        else:
            self.refuse(403, _("This ballot is not open to this browser: use the address or QR code the facilitator shows."))
        return False

    @allow_unauthenticated
    async def get(self, slug: str) -> None:
        if not await self._admitted(slug):
            return
        ws = await self.open_store(slug)
        if ws is None:
            return
        device = self.device_key(create=True)
        await self._show(ws, slug, device)

    async def _show(self, ws: Workspace, slug: str, device: str | None, *, message: str = "", kind: str = "",
                    status: int = 200, typed_name: str | None = None) -> None:
        fingerprint = device_fingerprint(device) if device else None
        ballot = await self.service.run(device_ballot, ws, fingerprint)
        name = "" if ballot.participant == UNNAMED_PARTICIPANT else ballot.participant
        self.page(
            vote_pages.render_ballot(
                ballot, xsrf_form_html=self.xsrf_form_html(),
                name=name if typed_name is None else typed_name, unnamed=UNNAMED_PARTICIPANT,
                message=message, kind=kind,
            ),
            status,
        )

    @allow_unauthenticated
    async def post(self, slug: str) -> None:
        if not await self._admitted(slug):
            return
        self._parse_form()
        self._body_parsed = True
        self.check_xsrf_cookie()
        ws = await self.open_store(slug)
        if ws is None:
            return
        device = self.device_key(create=False)
        name = clean_participant(self.get_body_argument(vote_pages.NAME_FIELD, ""))
        if device is None:
            await self._show(ws, slug, self.device_key(create=True), status=400, kind="error", typed_name=name,
                             message=_("Not saved: this browser did not keep the ballot's cookie. Allow cookies for "
                             "this address, choose your ratings again and submit."))
            return
        problem, chosen = self._ratings(await self.service.run(risk_names, ws))
        if not problem and len(name) > MAX_PARTICIPANT_CHARACTERS:
            problem = _("Not saved: a name has at most {MAX_PARTICIPANT_CHARACTERS} characters (this one has {name_count}).").format(MAX_PARTICIPANT_CHARACTERS=MAX_PARTICIPANT_CHARACTERS, name_count=len(name))
        if not problem and not chosen:
            problem = _("Not saved: choose a rating from 1 to 5 for at least one risk.")
        if problem:
            await self._show(ws, slug, device, status=400, kind="error", message=problem, typed_name=name)
            return
        try:
            saved = await self.service.run(
                functools.partial(record_ballot, ws, name or UNNAMED_PARTICIPANT, chosen, device=device_fingerprint(device))
            )
        except InputError as error:
            message = _("Not saved: ") + "; ".join(p.message for p in error.problems)
            await self._show(ws, slug, device, status=400, kind="error", message=message, typed_name=name)
            return
        except WorkspaceError as error:  # e.g. the file is read-only: a plain sentence from the store
            self.log.error("vote: ballot for %s not saved: %s", slug, error)
            await self._show(ws, slug, device, status=503, kind="error", typed_name=name,
                             message=_("Not saved: the workshop's data cannot be written just now; tell the facilitator."))
            return
        words = ngettext("Saved {count} rating.", "Saved {count} ratings.", saved.saved).format(count=saved.saved)
        if saved.gone:
            words += f" {saved.gone} risk{' was' if saved.gone == 1 else 's were'} removed meanwhile and left out."
        words += _(" You can change your ratings and submit again from this device.")
        await self._show(ws, slug, device, message=words, kind="saved")

    def _parse_form(self) -> None:
        content_type = self.request.headers.get("Content-Type", "")
        if not content_type.startswith("application/x-www-form-urlencoded"):
            raise web.HTTPError(400, "a ballot is sent as a form")
        arguments: dict[str, list[bytes]] = {}
        httputil.parse_body_arguments(content_type, bytes(self._body), arguments, {}, self.request.headers)
        for name, values in arguments.items():
            self.request.body_arguments.setdefault(name, []).extend(values)
            self.request.arguments.setdefault(name, []).extend(values)

    def _ratings(self, names: dict[str, str]) -> tuple[str, dict[str, int]]:
        """The form's ratings (risk id -> 1..5), or a one-line refusal naming the risk."""
        given: dict[str, Any] = {}
        for field_name in self.request.body_arguments:
            if not field_name.startswith(vote_pages.RATING_FIELD):
                continue
            risk_id = field_name.removeprefix(vote_pages.RATING_FIELD)
            values = self.get_body_arguments(field_name)
            text = values[-1].strip() if values else ""
            if len(values) > 1 or (text and text not in {str(r) for r in RATINGS}):
                shown = ", ".join(repr(v[:20]) for v in values)
                label = names.get(risk_id, "a risk")
                return (_("Not saved: the rating for “{label}” must be one of 1 to 5 or “No opinion” (got {shown}); choose again and submit.").format(label=label, shown=shown)), {}
            given[risk_id] = int(text) if text else None
        chosen, bad = valid_ratings(given)
        if bad:
            return _("Not saved: ratings must be whole numbers from 1 to 5 (got {bad}).").format(bad=bad), {}
        return "", chosen


class ShortJoinHandler(_VoteHandler):
    """`<base>/v`: the join screen's short address; `?code=` admits this browser to the workshop's ballot."""

    @allow_unauthenticated
    async def get(self) -> None:
        if not self.service.workshop:
            self.refuse(404, _("No workshop vote is running on this server."))
            return
        ballot = self.ballot_url(self.service.workshop)
        typed = self.get_query_argument("code", "")
        if typed:
            if not self.service.code_matches(typed):
                self.page(vote_pages.render_code_form("", self.request.path, _("That is not this vote's code: check the "
                                                      "code on the screen and type it again.")), 403)
                return
            self.admit_voter()
            self.redirect(ballot)  # the address bar (and history) then holds no code
            return
        if self.facilitator or self.voter_admitted(self.service.workshop):
            self.redirect(ballot)
            return
        self.page(vote_pages.render_code_form("", self.request.path))


class JoinHandler(_VoteHandler):
    """`<base>/vote/<community>/join`: for the projector, the short address, the code and a QR code."""

    @allow_unauthenticated
    async def get(self, slug: str) -> None:
        if not (self.facilitator or self.voter_admitted(slug)):
            raise web.HTTPError(403)
        if not self.service.code or slug != self.service.workshop:
            self.refuse(404, _("No workshop vote is running for this community: start the server with cswb serve --workshop {slug}").format(slug=slug), title=_("No vote is running"))
            return
        if await self.open_store(slug) is None:
            return
        community = await self.community_name(slug)
        self.page(vote_pages.render_join(community, self.service.short_url(), shown_code(self.service.code),
                                         self.service.join_url()))


class TallyHandler(_VoteHandler):
    """`<base>/vote/<community>/tally`: the live tally in large type (facilitator only)."""

    @web.authenticated
    async def get(self, slug: str) -> None:
        ws = await self.open_store(slug)
        if ws is None:
            return
        community = await self.community_name(slug)
        view = await self.service.run(lambda: vote_pages.tally_view(WorkspaceTables(ws)))
        data_url = url_path_join(self.base_url, VOTE_PATH, slug, "tally.json")
        self.page(vote_pages.render_tally(community, view, data_url, TALLY_REFRESH_SECONDS))


class TallyDataHandler(_VoteHandler):
    """`<base>/vote/<community>/tally.json`: the tally's figures, polled by the tally page."""

    async def get(self, slug: str) -> None:
        if not self.facilitator:
            raise web.HTTPError(403)
        ws = await self.open_store(slug)
        if ws is None:
            return
        view = await self.service.run(lambda: vote_pages.tally_view(WorkspaceTables(ws)))
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"participants_text": view.participants_text, "table_html": view.table_html}))
