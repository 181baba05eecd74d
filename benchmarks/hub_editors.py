"""200 signed-in editors across 20 communities: the hosted service on one PostgreSQL against SQLite files.

    python benchmarks/hub_editors.py [--editors 200] [--communities 20] [--concurrency 50] [--saves 20]

Two layers, each measured on both stores in the same run, with the ratio printed:

1. **Through the Hub (real HTTP path).** A real JupyterHub (configurable-http-proxy from npm, the
   try-it-out authenticator) with `cswb serve --hub --root <database or folder>` as its service,
   configured by deploy/single-machine/jupyterhub_config.py; every editor is in the editor group of
   one community. All editors sign in through the Hub's OAuth at once (at most --concurrency
   requests in flight: bounded, loopback) and load their launcher, which the service builds from the
   store (only the community they have a role on). Measured: p50/p95 launcher latency, errors, the
   service process's peak resident memory.
2. **Saves (below the Hub, at the store as each page's kernel uses it).** An edit travels from the
   browser over the page's kernel websocket to a widget callback in that page's kernel, which calls
   the store. 200 kernels (110-160 MB each: 22-32 GB) do not fit this 23 GB, 2-core machine, so each
   editor is a thread holding what its kernel would hold: a workspace opened with its Hub name as
   the actor and a connection of its own (`concurrent_editors.run_editors`). Measured: p50/p95 save
   latency (lock waits included), errors, saves lost, memory of the editors' process and the server.

Measured here (2 cores shared with other work, load average 16-21 throughout; 200 editors, 20
communities, 50 requests in flight, 20 saves each), SQLite files / PostgreSQL:
- through the Hub: 200/200 launchers, 0 errors, p50 4.9 / 5.3 s, p95 9.9 / 10.7 s (1.08), service
  222 / 229 MB; an earlier run at the same load had 9 of 200 SQLite sign-ins end in a 500 from the
  service's OAuth callback (its request to the Hub's API), PostgreSQL 0: a Hub round trip under
  load, not the store (the cause was not confirmed: that run kept no logs; this script now prints them).
- saves: 4,000 / 4,000, 0 errors, 0 lost, p50 24 / 197 ms, p95 207 / 341 ms (1.65); editors'
  process 162 / 152 MB, PostgreSQL server 750 MB private (one backend per editor).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests"), str(HERE.parent / "tests" / "browser")]

from concurrent_editors import MB, Run, postgres_base, run_editors  # noqa: E402
from hub_harness import SERVICE, Hub  # noqa: E402

from cswb_widgets.access import group_name  # noqa: E402
from cswb_widgets.store import Workspace  # noqa: E402


@dataclass
class HubRun:
    backend: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wrong_community: int = 0
    service_peak_rss: int = 0
    wall_s: float = 0.0

    def p(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def community_slug(c: int) -> str:
    return f"community_{c:02d}"


def editor_name(n: int) -> str:
    return f"editor{n:03d}"


def sign_in_and_load(root: str | Path, editors: int, communities: int, concurrency: int, state: Path,
                     backend: str) -> HubRun:
    """Every editor signs in through a real Hub and loads the launcher; see the module's doc."""
    groups: dict[str, list[str]] = {}
    for n in range(editors):
        groups.setdefault(group_name(community_slug(n % communities), "editor"), []).append(editor_name(n))
    run = HubRun(backend)
    hub = Hub(root, state, groups, serve_options=("--pool-size", "0")).start()
    peak = threading.Event()
    service = psutil.Process(hub.service.pid)  # type: ignore[union-attr]

    def sample() -> None:
        while not peak.wait(0.1):
            with contextlib.suppress(psutil.Error):
                run.service_peak_rss = max(run.service_peak_rss, service.memory_info().rss)

    def editor(n: int) -> None:
        try:
            session = hub.signed_in(editor_name(n))
            began = time.perf_counter()
            answer = session.get(hub.url(SERVICE), timeout=300)
            took = time.perf_counter() - began
            answer.raise_for_status()
            run.latencies.append(took)
            own = f"Community {n % communities:02d}"
            others = [f"Community {c:02d}" for c in range(communities) if c != n % communities]
            if own not in answer.text or any(other in answer.text for other in others):
                run.wrong_community += 1
        except Exception as exc:  # noqa: BLE001 - counted and shown, the run goes on
            run.errors.append(f"{editor_name(n)}: {type(exc).__name__}: {exc}")

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    began = time.perf_counter()
    try:
        with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(editor, range(editors)))
    finally:
        run.wall_s = time.perf_counter() - began
        peak.set()
        sampler.join()
        if run.errors:  # what the service and the Hub said about them, before their logs go
            said = [line for line in hub.log().splitlines() if "ERROR" in line or "Error:" in line or " 500 " in line]
            run.errors += [f"log: {line[:300]}" for line in dict.fromkeys(said)][:8]
        hub.stop()
    return run


@contextlib.contextmanager
def own_database(base: str) -> Iterator[str]:
    """A database of its own in the cluster (removed afterwards)."""
    import psycopg

    name = f"hub_editors_{int(time.time())}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield urllib.parse.urlunsplit(urllib.parse.urlsplit(base)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--editors", type=int, default=200)
    parser.add_argument("--communities", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=50, help="HTTP requests in flight at most")
    parser.add_argument("--saves", type=int, default=20, help="saves per editor")
    parser.add_argument("--pause", type=float, default=0.1, help="mean seconds between one editor's saves")
    parser.add_argument("--url", help="an existing PostgreSQL server (postgresql://user@host:port/postgres)")
    parser.add_argument("--hub-only", action="store_true", help="only the sign-in and launcher part")
    args = parser.parse_args()
    load = psutil.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {psutil.cpu_count()} cores", flush=True)

    hub_runs: list[HubRun] = []
    save_runs: list[Run] = []
    with postgres_base(args.url) as (base, server_rss), own_database(base) as database, \
            tempfile.TemporaryDirectory(prefix="cswb-hub-editors-") as tmp:
        folder_root = Path(tmp) / "workspaces"
        urls = [f"{database}?community={community_slug(c)}" for c in range(args.communities)]
        folders = [folder_root / community_slug(c) for c in range(args.communities)]
        for c, (url, folder) in enumerate(zip(urls, folders, strict=True)):
            for location in (url, folder):
                Workspace.create(location, name=f"Community {c:02d}", actor="setup").close()
        for backend, root in (("SQLite files", folder_root), ("PostgreSQL", database)):
            print(f"{backend}: {args.editors} editors sign in through the Hub and load their launcher …", flush=True)
            hub_runs.append(sign_in_and_load(root, args.editors, args.communities, args.concurrency,
                                             Path(tmp) / f"hub-{len(hub_runs)}", backend))
        probes: list[tuple[str, list[str | Path], Callable[[], int | None]]] = [
            ("SQLite files", list(folders), lambda: None), ("PostgreSQL", list(urls), server_rss)]
        for backend, locations, probe in probes if not args.hub_only else ():
            print(f"{backend}: {args.editors} editors × {args.saves} saves …", flush=True)
            save_runs.append(run_editors(backend, locations, args.editors, args.saves, args.pause, probe))
    load = psutil.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")

    def row(label: str, a: float, b: float, fmt: str) -> None:
        ratio = f"{b / a:.2f}" if a else "-"
        print(f"{label:<44}{format(a, fmt):>14}{format(b, fmt):>14}{ratio:>10}")

    hs, hp = hub_runs
    print(f"\n{'':<44}{'SQLite files':>14}{'PostgreSQL':>14}{'PG/SQLite':>10}")
    print("through the Hub: sign in, then the launcher")
    row("  launchers loaded", len(hs.latencies), len(hp.latencies), "d")
    row("  p50 launcher latency (ms)", hs.p(0.5) * 1000, hp.p(0.5) * 1000, ".0f")
    row("  p95 launcher latency (ms)", hs.p(0.95) * 1000, hp.p(0.95) * 1000, ".0f")
    row("  errors (target 0)", len(hs.errors), len(hp.errors), "d")
    row("  launchers showing another community (0)", hs.wrong_community, hp.wrong_community, "d")
    row("  service peak memory (MB)", hs.service_peak_rss / MB, hp.service_peak_rss / MB, ".0f")
    row("  wall time (s)", hs.wall_s, hp.wall_s, ".1f")
    for run in hub_runs:
        for error in run.errors[:12]:
            print(f"{run.backend}: {error}")
    if not save_runs:
        return
    ss, sp = save_runs
    print("saves, one open workspace per editor (as its kernel)")
    row("  saves", len(ss.latencies), len(sp.latencies), "d")
    row("  p50 save latency (ms)", ss.p(0.5) * 1000, sp.p(0.5) * 1000, ".1f")
    row("  p95 save latency (ms)", ss.p(0.95) * 1000, sp.p(0.95) * 1000, ".1f")
    row("  errors (target 0)", len(ss.errors), len(sp.errors), "d")
    row("  saves not found after (target 0)", ss.lost, sp.lost, "d")
    row("  editors' process peak memory (MB)", ss.peak_rss / MB, sp.peak_rss / MB, ".0f")
    if sp.server_rss is not None:
        print(f"{'  PostgreSQL server peak memory (MB)':<44}{'-':>14}{sp.server_rss / MB:>14.0f}"
              "   (resident minus shared, over its processes)")
    for run in save_runs:
        for error in run.errors[:5]:
            print(f"{run.backend}: {error}")


if __name__ == "__main__":
    main()
