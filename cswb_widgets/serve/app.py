"""`cswb serve`: the workbooks as Voilà apps, with a launcher and workspace-bound URLs.

Voilà 0.5 does the heavy lifting (kernels, preheating, rendering, the widget front end); this
module configures it for visitors who must not run code, swaps its file tree for the
launcher, guards the app pages, and serves the project's template. Every setting lives in
`voila_config` with the reason for it.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import tornado.ioloop
import tornado.web
from jupyter_server.log import log_request as jupyter_log_request
from jupyter_server.utils import url_path_join
from traitlets import Any, Instance, List, Unicode
from traitlets.config import Config
from voila.app import Voila
from voila.tornado.contentshandler import VoilaContentsHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.treehandler import TornadoVoilaTreeHandler
from voila.utils import ENV_VARIABLE
from xstatic.pkg import font_awesome

from .. import i18n
from ..access import IDENTITY_ENVS, IDENTITY_HEADERS
from ..errors import CswbError
from ..i18n import _
from ..notebooks import NOTEBOOKS, copy_for_app, notebook_path
from ..store.limits import MAX_FILE_BYTES, MIB
from ..store.served_root import ROOT_ENV, as_location, shown_location
from ..workbooks.risk import PUBLIC_URL_ENV
from .console import quiet_routine_lines
from .handlers import GuardedVoilaHandler, LauncherHandler, VoteUnavailableHandler
from .kernel_caps import CULL_CHECK_SECONDS, KernelLedger
from .options import ServeOptions, check_port_free, is_loopback, kernel_reachable_host
from .preheat import write_preheated_copies
from .rate_limit import ADDRESS_BURST, ADDRESS_PER_MINUTE, RateLimiter, rate_limited
from .settings import with_operator_settings
from .voting import VOTE_PATH, VoteService, new_voting_code, shown_code, vote_handlers

TEMPLATE = "cswb"
JUPYTER_DATA = Path(__file__).parent / "share" / "jupyter"  # holds voila/templates/cswb
FONT_AWESOME_URL = "cswb/static/fontawesome/"
IDLE_KERNEL_SECONDS = 20 * 60
UPLOAD_MESSAGE_BYTES = MAX_FILE_BYTES + MIB  # a file at the import limit, and the message around it
# Said in both of the apps' languages: Voilà takes it once, from the server's configuration.
ERROR_INSTRUCTION = (
    "The workbook stopped here. The person running the server can find the details in its log. / "
    "Le cahier s’est arrêté ici. La personne qui exploite le serveur trouvera les détails dans son journal."
)
# Runs first in every kernel: errors then reach the server log and visitors see one plain line.
# (A kernel from another environment, without the package, starts as before.)
KERNEL_STARTUP = """\
try:
    from cswb_widgets.kernel_errors import install
except ImportError:
    pass
else:
    install()
"""


# A query parameter whose name holds one of these has its value logged as [secret] (as
# jupyter_server's own access log does, whose list this is).
_SECRET_IN_URL = re.compile(r"(?i)([?&;][\w.-]*(?:token|auth|key|code|state|xsrf)[\w.-]*=)[^&;\s#'\"]*")
TORNADO_LOGGERS = ("tornado.access", "tornado.application", "tornado.general")


def log_request(handler: tornado.web.RequestHandler) -> None:
    """Tornado's access log line, with `token=` (and other secrets) in the URL shown as [secret].

    Voilà sets no log function, so tornado's default logged every refused `?token=...` as typed.
    """
    jupyter_log_request(handler, record_prometheus_metrics=False)


class SecretsOutOfTheLog(logging.Filter):
    """Rewrites a log record's text with secret query values as [secret].

    The access log is not the only line that quotes a URL: tornado's warning for an HTTP error
    ("404 GET /voila/render/x?token=...: file does not exist") does too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: the handler reports it as it would
            return True
        scrubbed = _SECRET_IN_URL.sub(r"\1[secret]", text)
        if scrubbed != text:
            record.msg, record.args = scrubbed, None
        return True


def keep_secrets_out_of_the_log(*loggers: logging.Logger) -> None:
    """Attach SecretsOutOfTheLog to tornado's loggers and `loggers` (once each)."""
    for logger in (*(logging.getLogger(name) for name in TORNADO_LOGGERS), *loggers):
        if not any(isinstance(f, SecretsOutOfTheLog) for f in logger.filters):
            logger.addFilter(SecretsOutOfTheLog())


def voila_config(options: ServeOptions, notebooks: Path) -> Config:
    c = Config()
    c.Voila.root_dir = str(notebooks)
    c.Voila.base_url = options.base_url  # every route, link and websocket below this prefix
    c.Voila.ip = options.host
    c.Voila.port = options.port
    c.Voila.port_retries = 0  # serve on the port asked for, or fail (see check_port_free)
    c.Voila.open_browser = False
    c.Voila.config_file_paths = []  # no stray voila.json/voila.py may loosen what follows
    c.Voila.token = options.token or ""  # "" = no login (loopback only; see options.check_access)
    if options.hub:  # the Hub signs people in (OAuth); see serve/hub.py
        c.Voila.identity_provider_class = "cswb_widgets.serve.hub_identity.CswbHubIdentityProvider"
        # Who is in which group is asked again after this: a change of access reaches people
        # already signed in within a minute (the Hub's default keeps an answer five minutes).
        c.HubOAuth.cache_max_age = 60
    if options.password_hash:
        c.PasswordIdentityProvider.hashed_password = options.password_hash
    # Voilà turns off jupyter_server's Host-header check; on loopback turn it back on, so that a
    # web page using DNS rebinding cannot reach the (login-free) server through the browser.
    c.Voila.tornado_settings = {
        "allow_remote_access": not is_loopback(options.host),
        "log_function": log_request,
        # An upload reaches the kernel as one websocket message: tornado's default (10 MB) closed
        # the page's connection on larger files, before the importer could say anything.
        "websocket_max_message_size": UPLOAD_MESSAGE_BYTES,
    }

    vc = c.VoilaConfiguration
    vc.template = TEMPLATE
    vc.allow_template_override = "NO"  # ?template=... would bypass the local-only template
    vc.allow_theme_override = "NO"
    vc.strip_sources = True
    vc.show_tracebacks = False
    vc.preheat_kernel = True  # notebooks run up to resolve_workspace() before anyone visits
    vc.default_pool_size = options.pool_size
    # Who signed in, and their role on the page's community, reach the kernel as HTTP_X_CSWB_*
    # variables; GuardedVoilaHandler sets these headers itself and drops any a browser sent.
    vc.http_header_envs = [*IDENTITY_HEADERS, i18n.LANGUAGE_HEADER]  # and the page's language
    c.VoilaExecutor.cell_error_instruction = ERROR_INSTRUCTION

    # Kernels talk to the server over Unix sockets in Voilà's private connection folder rather
    # than TCP ports on 127.0.0.1 that every local user can reach.
    c.KernelManager.transport = "ipc"
    # Notebooks are served without stored outputs, so trust is moot: keep the notary's key and
    # database in memory instead of writing them to the user's home.
    c.NotebookNotary.db_file = ":memory:"
    c.NotebookNotary.secret = os.urandom(32)

    # Kernels whose page was closed without notice (laptop lid, lost Wi-Fi): reclaim them once
    # idle; a page still connected keeps its kernel. Pooled (preheated) kernels are never culled.
    c.MappingKernelManager.cull_idle_timeout = IDLE_KERNEL_SECONDS
    c.MappingKernelManager.cull_interval = 60
    c.MappingKernelManager.cull_connected = False
    c.MappingKernelManager.cull_busy = False
    return c


def vote_routes(server_url: str, service: VoteService | None) -> list[tuple]:
    """The workshop-vote pages (`serve.voting`): reachable without signing in, since they carry their
    own voting-only code. Nothing else is exempt from sign-in, and every vote route is rate-limited
    per client (`rate_limit`). A server made without a vote service says voting is not available.
    """
    per_phone, per_address = RateLimiter(), RateLimiter(ADDRESS_BURST, ADDRESS_PER_MINUTE)
    routes: list[tuple] = (
        vote_handlers(server_url, service) if service is not None
        else [(url_path_join(server_url, r"/vote/([^/]+)"), VoteUnavailableHandler)]
    )
    return [(pattern, rate_limited(handler, per_phone, per_address), *rest) for pattern, handler, *rest in routes]


class CswbVoila(Voila):
    """Voilà with the launcher at `/` instead of the file tree, and guarded app pages."""

    workspace_root = Unicode(help="The folder whose sub-folders are the workspaces, or a postgresql:// database of "
                             "communities.").tag(config=True)
    workbooks = List(Unicode(), help="File names of the served notebooks that need a workspace.").tag(config=True)
    vote_service = Any(None, allow_none=True, help="The kernel-less workshop vote's shared state (serve.voting).")
    ledger = Instance(KernelLedger, args=(), help="The caps on app pages' kernels.")

    def init_handlers(self) -> list[tuple]:
        replaced = (TornadoVoilaTreeHandler, VoilaContentsHandler, TornadoVoilaHandler)
        kept = [self._under_prefix(h) for h in super().init_handlers() if h[1] not in replaced]
        root = as_location(self.workspace_root)
        workbooks = frozenset(self.workbooks)
        stages = frozenset(Path(name).stem for name in workbooks)
        self.ledger.install(self.kernel_manager)
        tornado.ioloop.PeriodicCallback(
            lambda: self.ledger.cull(self.kernel_manager), CULL_CHECK_SECONDS * 1000
        ).start()
        prefix = self.server_url.rstrip("/")
        return [
            *([(re.escape(prefix), tornado.web.RedirectHandler, {"url": self.server_url})] if prefix else []),
            (url_path_join(self.server_url, "/"), LauncherHandler, {"workspace_root": root, "stages": stages}),
            *vote_routes(self.server_url, self.vote_service),
            (
                url_path_join(self.server_url, r"/voila/render/(.*)"),
                GuardedVoilaHandler,
                {
                    "workspace_root": root,
                    "workbooks": workbooks,
                    "site": Path(self.root_dir),
                    "template_paths": self.template_paths,
                    "config": self.config,
                    "voila_configuration": self.voila_configuration,
                    "ledger": self.ledger,
                },
            ),
            (
                url_path_join(self.server_url, FONT_AWESOME_URL, r"((?:css|webfonts)/[^/]+)"),
                tornado.web.StaticFileHandler,
                {"path": font_awesome.BASE_DIR},
            ),
            *kept,
        ]

    def _under_prefix(self, handler: tuple) -> tuple:
        """Voilà adds the login/logout (and, under the Hub, OAuth callback) routes without its
        prefix: put them under it, where its login URL and the Hub's redirect point."""
        pattern = handler[0]
        if isinstance(pattern, str) and not pattern.startswith(self.server_url):
            return (url_path_join(self.server_url, pattern), *handler[1:])
        return handler


@contextmanager
def kernel_profile() -> Iterator[Path]:
    """A private IPython folder whose startup file installs `kernel_errors` in each kernel.

    Kernels find it through IPYTHONDIR (see _kernel_environment); it also keeps a user's own
    IPython profile out of the served kernels. Removed afterwards.
    """
    folder = Path(tempfile.mkdtemp(prefix="cswb-ipython-"))
    try:
        startup = folder / "profile_default" / "startup"
        startup.mkdir(parents=True)
        (startup / "00-cswb-kernel-errors.py").write_text(KERNEL_STARTUP, encoding="utf-8")
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def notebook_site(workbooks: Iterable[Path], extra: Iterable[Path] = ()) -> Iterator[Path]:
    """A private folder holding the notebooks to serve, removed afterwards.

    The workbooks are copied as the apps show them (`notebooks.for_app`: no report-only cells);
    `extra` folders' notebooks (benchmarks, tests) as they are. Voilà serves (and preheats)
    every notebook under its root, recursively; a copy of just these keeps drafts, checkpoints
    and sub-folders out, and keeps kernels from writing into the checkout.
    """
    site = Path(tempfile.mkdtemp(prefix="cswb-serve-"))
    try:
        for notebook in workbooks:
            copy_for_app(notebook, site / notebook.name)
        for folder in extra:
            for notebook in sorted(folder.glob("*.ipynb")):
                target = site / notebook.name
                if target.exists():
                    raise CswbError(_("{path}: a notebook named {name} is already served").format(path=notebook, name=notebook.name))
                shutil.copyfile(notebook, target)
        yield site
    finally:
        shutil.rmtree(site, ignore_errors=True)


def _kernel_environment(options: ServeOptions, ipython_dir: Path, public_url: str) -> None:
    """What every kernel (preheated or not) inherits from the server process."""
    # Voilà hands each kernel its visitor's request in CGI-style variables (QUERY_STRING, ...);
    # none may come from whoever started the server, or every visitor would get that one.
    for name in (*ENV_VARIABLE, *IDENTITY_ENVS, i18n.LANGUAGE_ENV):
        os.environ.pop(name, None)
    os.environ[ROOT_ENV] = str(options.root)
    os.environ[PUBLIC_URL_ENV] = public_url  # the risk app links the vote's pages with it
    os.environ["IPYTHONDIR"] = str(ipython_dir)
    # Voilà's request hand-over to preheated kernels connects to 127.0.0.1 unless told otherwise.
    os.environ["VOILA_APP_IP"] = kernel_reachable_host(options.host)
    # jupyter_path() reads JUPYTER_PATH on every call: this is how Voilà finds the template.
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(JUPYTER_DATA), os.environ.get("JUPYTER_PATH")]))
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiets a debugger warning per kernel


def serve(options: ServeOptions) -> None:
    """Run the server until interrupted (Ctrl-C or SIGTERM); kernels are shut down on the way out."""
    options = options.checked()
    try:
        workbooks = [notebook_path(name, folder=options.notebooks) for name in NOTEBOOKS]
    except FileNotFoundError:
        raise CswbError(_("no workbooks are installed (no workbooks/ folder)")) from None
    check_port_free(options.host, options.port)
    # A fresh access code per run, for the workshop's ballot and join screen only.
    code = new_voting_code() if options.workshop else None
    with notebook_site(workbooks, options.extra_notebooks) as site, kernel_profile() as ipython_dir:
        # Voilà preheats what it finds at start: the apps in each language their pages will be asked in.
        write_preheated_copies(site, [p.name for p in workbooks], options.root, i18n.current_language())
        config = with_operator_settings(voila_config(options, site), options.config_files)
        config.CswbVoila.workspace_root = str(options.root)
        config.CswbVoila.workbooks = sorted(p.name for p in workbooks)
        # The singleton, like Voilà's own launcher: its log is then every component's log (cell
        # errors hidden from visitors must reach the operator).
        app = CswbVoila.instance(config=config)
        app.ledger = KernelLedger(options.max_kernels, options.max_kernels_per_user, options.never_connected_seconds)
        public_url = url_path_join(options.public_address, app.base_url)
        _kernel_environment(options, ipython_dir, public_url)  # before initialize: it finds the template
        app.vote_service = VoteService(options.root, public_url, options.workshop, code)
        quiet_routine_lines(app.log)
        app.initialize([])
        keep_secrets_out_of_the_log(app.log)
        tornado.ioloop.IOLoop.current().add_callback(_announce, options, app.vote_service)
        try:
            app.start()
        finally:
            app.vote_service.close()


def _announce(options: ServeOptions, votes: VoteService) -> None:
    """Runs once the server listens: the line people (and tests) wait for."""
    address = options.address + (f"?token={options.token}" if options.token else "")
    others = "" if is_loopback(options.host) else _(" (other machines on the network can connect)")
    print(_("cswb: serving the workspaces in {root} at {address}").format(root=shown_location(options.root), address=address)
          + others, flush=True)
    if votes.workshop and votes.code:
        # Printed once, to the facilitator's terminal only (the log never sees the code).
        join = url_path_join(votes.public_url, VOTE_PATH, votes.workshop, "join")
        print(_("cswb: workshop vote for {workspace}: show {join} on the projector; participants open {address} and type the "
                "code {code}").format(workspace=votes.workshop, join=join, address=f"http://{votes.short_url()}",
                                      code=shown_code(votes.code)), flush=True)
    print(_("cswb: press Ctrl-C to stop"), file=sys.stderr, flush=True)
