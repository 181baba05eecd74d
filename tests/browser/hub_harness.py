"""A real JupyterHub on loopback (configurable-http-proxy from npm) with `cswb serve --hub` as its
service, configured by deploy/single-machine/jupyterhub_config.py exactly as a deployment is,
with the try-it-out DummyAuthenticator (one shared password) and a groups file.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from browser_harness import free_port, table_widget

REPO = Path(__file__).resolve().parents[2]
HUB_CONFIG = REPO / "deploy" / "single-machine" / "jupyterhub_config.py"
PASSWORD = "try-it-out-test-password"
SERVICE = "/services/cswb/"
LOAD_MS = 180_000  # a workbook page, its kernel started on a loaded machine


@dataclass
class Hub:
    root: Path | str  # a folder of workspaces, or a postgresql:// database of communities
    state: Path
    groups: dict[str, list[str]]
    serve_options: tuple[str, ...] = ()
    ports: dict[str, int] = field(default_factory=lambda: {n: free_port() for n in ("hub", "api", "proxy", "service")})
    process: subprocess.Popen[bytes] | None = None  # the Hub (and its proxy)
    service: subprocess.Popen[bytes] | None = None  # `cswb serve --hub`, a unit of its own as in the recipe

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['hub']}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self, timeout: float = 240.0) -> Hub:
        self.state.mkdir(parents=True, exist_ok=True)
        groups_file = self.state / "groups.json"
        groups_file.write_text(json.dumps(self.groups), encoding="utf-8")
        venv_bin = str(Path(sys.executable).parent)
        env = {
            **os.environ,
            "PATH": os.pathsep.join([venv_bin, os.environ.get("PATH", "")]),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
            "CSWB_WORKSPACES": str(self.root),
            "CSWB_HUB_STATE": str(self.state),
            "CSWB_HUB_PORT": str(self.ports["hub"]),
            "CSWB_HUB_API_PORT": str(self.ports["api"]),
            "CSWB_PROXY_API_PORT": str(self.ports["proxy"]),
            "CSWB_SERVICE_PORT": str(self.ports["service"]),
            "CSWB_SERVE_OPTIONS": " ".join(self.serve_options),
            "CSWB_HUB_TRY_PASSWORD": PASSWORD,
            "CSWB_HUB_TRY_GROUPS": str(groups_file),
        }
        token = secrets.token_hex(32)
        env["CSWB_SERVICE_API_TOKEN"] = token
        service_env = {**env, **service_environment(token, self.ports["api"])}
        with open(self.state / "hub.log", "wb") as log, open(self.state / "service.log", "wb") as service_log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jupyterhub", "-f", str(HUB_CONFIG)],
                cwd=self.state, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
            self.service = subprocess.Popen(
                [sys.executable, "-m", "cswb_widgets.cli", "serve", "--hub", "--root", str(self.root),
                 "--port", str(self.ports["service"]), *self.serve_options],
                cwd=self.state, env=service_env, stdout=service_log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for process, name in ((self.process, "jupyterhub"), (self.service, "cswb serve --hub")):
                if process.poll() is not None:
                    self.stop()  # the other one, and the proxy the Hub may have left
                    raise RuntimeError(f"{name} exited with {process.returncode}:\n{self.log()}")
            if self._service_answers():
                return self
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the Hub's cswb service did not answer within {timeout:.0f} s:\n{self.log()}")

    def _service_answers(self) -> bool:
        """True once the service itself answers through the proxy (it sends visitors to sign in)."""
        request = urllib.request.Request(self.url(SERVICE))
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            opener.open(request, timeout=5)
        except urllib.error.HTTPError as exc:
            return exc.code == 302 and "oauth2/authorize" in (exc.headers.get("Location") or "")
        except OSError:
            return False
        return False

    def pids(self) -> list[int]:
        """The Hub, the service and every process under them (proxy, kernels)."""
        import psutil

        pids = []
        for process in (self.process, self.service):
            if process is None or process.poll() is not None:
                continue
            try:
                parent = psutil.Process(process.pid)
                pids += [parent.pid, *(child.pid for child in parent.children(recursive=True))]
            except psutil.NoSuchProcess:
                continue
        return pids

    def stop(self, grace: float = 30.0) -> None:
        """SIGTERM to the service (it shuts its kernels down) and the Hub (it stops its proxy),
        then SIGKILL whatever of either tree is left."""
        import psutil

        tree = [psutil.Process(pid) for pid in self.pids() if psutil.pid_exists(pid)]
        for process in (self.service, self.process):
            if process is None:
                continue
            # The whole group, even if its leader has ended: a Hub that exited leaves its proxy.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
            time.sleep(0.5)  # let the group's other members act on the signal
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        _, alive = psutil.wait_procs(tree, timeout=10)
        for process in alive:
            process.kill()
        psutil.wait_procs(alive, timeout=5)

    def log(self) -> str:
        return "\n".join(
            f"--- {name}\n" + (self.state / name).read_text(errors="replace")[-6000:]
            for name in ("hub.log", "service.log")
            if (self.state / name).exists()
        )

    def signed_in(self, user: str):  # -> requests.Session
        """An HTTP session signed in as `user` at the Hub, and through OAuth at the service."""
        import requests

        session = requests.Session()
        form = session.get(self.url("/hub/login"), timeout=30)
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form.text)
        assert xsrf, form.text[:500]
        answer = session.post(
            self.url(f"/hub/login?next={SERVICE}"),
            data={"username": user, "password": PASSWORD, "_xsrf": xsrf.group(1)},
            timeout=60,
        )
        assert answer.status_code == 200 and answer.url == self.url(SERVICE), (answer.status_code, answer.url)
        return session


def service_environment(token: str, hub_api_port: int) -> dict[str, str]:
    """What `cswb serve --hub` needs to know of the Hub when it runs as a unit of its own (the
    variables the Hub would set for a service it starts; see deploy/single-machine/cswb.env)."""
    return {
        "JUPYTERHUB_API_TOKEN": token,
        "JUPYTERHUB_API_URL": f"http://127.0.0.1:{hub_api_port}/hub/api",
        "JUPYTERHUB_CLIENT_ID": "service-cswb",
        "JUPYTERHUB_SERVICE_NAME": "cswb",
        "JUPYTERHUB_SERVICE_PREFIX": SERVICE,
        "JUPYTERHUB_BASE_URL": "/",
    }


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def sign_in(page, hub: Hub, user: str) -> None:
    """Sign in at the Hub's login form; the Hub sends the person on to the service's launcher."""
    from playwright.sync_api import expect

    page.goto(hub.url(f"/hub/login?next={SERVICE}"))
    page.locator("#username_input").fill(user)
    page.locator("#password_input").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(hub.url(SERVICE), timeout=LOAD_MS)


def open_app(page, hub: Hub, workspace: str, stage: str = "commitment") -> None:
    from playwright.sync_api import expect

    page.goto(hub.url(f"{SERVICE}voila/render/{stage}.ipynb?workspace={workspace}"))
    # Signed in, the header has no name field: its widgets are on screen once it says who is signed in.
    expect(page.locator(".jupyter-widgets .cswb-signed-in")).to_be_visible(timeout=LOAD_MS)
    expect(page.get_by_role("navigation", name="Steps of this workbook")).to_be_visible(timeout=LOAD_MS)


def go_to_step(page, title: str) -> None:
    """Click the step menu's link to the step headed `title` (the apps show one step at a time)."""
    from playwright.sync_api import expect

    steps = page.get_by_role("navigation", name="Steps of this workbook")
    steps.get_by_role("link", name=re.compile(rf"^\d+\s*{re.escape(title)}$")).click(timeout=LOAD_MS)
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=LOAD_MS)


def add_organization(page, name: str) -> None:
    # Its step, through the menu; the section is built once it is on screen (@deferred sections).
    go_to_step(page, "Organizations")
    organizations = table_widget(page, "Organizations", LOAD_MS)
    organizations.get_by_role("button", name="Add row").click()
    organizations.get_by_label("New row: Name").fill(name)
    organizations.get_by_label("New row: Sector").select_option(label="Other")
    organizations.get_by_role("button", name="Save new row").click()
