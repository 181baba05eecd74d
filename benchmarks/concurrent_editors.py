"""The store under many editors at once: PostgreSQL (one database, many communities) against SQLite files.

    python benchmarks/concurrent_editors.py [--editors 200] [--communities 20] [--saves 20] [--url postgresql://…]

Each simulated editor is a thread with its own open workspace (its own connection, as each Voilà
kernel has one), spread evenly over the communities; editors save with a short pause between
saves (people type), alternately adding a feedback record and changing their own risk record.
The same editors run against one PostgreSQL database (a throwaway cluster from
tests/postgres_cluster.py unless --url names one; its communities are removed afterwards) and
against one SQLite file per community, in the same run, and the script prints side by side:

- p50 and p95 save latency (one `ws.add`/`ws.update` call, lock wait included) and the ratio;
- errors (target 0) and saves that did not land (counted back from each workspace; target 0);
- memory, sampled every 0.1 s during each run: the peak resident memory of this process (all the
  editors' workspaces and connections; its growth during the run beside it) and, for PostgreSQL,
  the peak private memory (resident minus shared) of the server's processes (one per connection).

This measures the store; signed-in users through JupyterHub are another benchmark's part.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from cswb_widgets.store import Workspace

MB = 10**6


@dataclass
class Run:
    backend: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lost: int = 0
    wall_s: float = 0.0
    peak_rss: int = 0
    rss_before: int = 0
    server_rss: int | None = None

    def p(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class MemorySampler:
    """The peak resident memory of this process and of the database server while a run goes on."""

    def __init__(self, server_rss: Callable[[], int | None]) -> None:
        self.server_rss = server_rss
        self.peak, self.server_peak = 0, None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, me.memory_info().rss)
            server = self.server_rss()
            if server is not None:
                self.server_peak = max(self.server_peak or 0, server)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_editors(backend: str, locations: list[str | Path], editors: int, saves: int, pause_s: float,
                server_rss: Callable[[], int | None]) -> Run:
    run = Run(backend, rss_before=psutil.Process().memory_info().rss)
    lock = threading.Lock()
    start = threading.Barrier(editors)
    expected = {str(loc): 0 for loc in locations}

    def editor(n: int) -> None:
        location = locations[n % len(locations)]
        rng = random.Random(n)
        try:
            with Workspace.open(location, actor=f"editor{n:03d}") as ws:
                risk = ws.add("risks", name=f"Risk of editor {n}")
                start.wait(timeout=300)
                for i in range(saves):
                    time.sleep(rng.uniform(0, 2 * pause_s))
                    began = time.perf_counter()
                    if i % 2:
                        ws.update("risks", risk, description=f"edit {i}")
                    else:
                        ws.add("feedback", text=f"editor {n} note {i}")
                    took = time.perf_counter() - began
                    with lock:
                        run.latencies.append(took)
                        expected[str(location)] += 1 - i % 2
        except Exception as exc:  # noqa: BLE001 - counted and shown, the run goes on
            with lock:
                run.errors.append(f"editor {n}: {type(exc).__name__}: {exc}")
            with contextlib.suppress(threading.BrokenBarrierError):
                start.abort()

    threads = [threading.Thread(target=editor, args=(n,)) for n in range(editors)]
    began = time.perf_counter()
    with MemorySampler(server_rss) as memory:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    run.wall_s = time.perf_counter() - began
    run.peak_rss, run.server_rss = memory.peak, memory.server_peak
    for location in locations:
        with Workspace.open(location, read_only=True) as ws:
            run.lost += max(0, expected[str(location)] - ws.count("feedback"))
    return run


@contextlib.contextmanager
def postgres_base(url: str | None) -> Iterator[tuple[str, Callable[[], int | None]]]:
    """A database to use (given, or a throwaway cluster) and a probe of its server's resident memory."""
    if url:
        yield url, lambda: None
        return
    from postgres_cluster import running_cluster

    with running_cluster() as base:
        def server_rss() -> int:
            # private memory (resident minus shared): the shared buffers would be counted once per process
            total = 0
            for process in psutil.process_iter(["name"]):
                if process.info["name"] in ("postgres", "postmaster"):
                    with contextlib.suppress(psutil.Error):
                        info = process.memory_info()
                        total += info.rss - getattr(info, "shared", 0)
            return total
        yield base, server_rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--editors", type=int, default=200)
    parser.add_argument("--communities", type=int, default=20)
    parser.add_argument("--saves", type=int, default=20, help="saves per editor")
    parser.add_argument("--pause", type=float, default=0.1, help="mean seconds between one editor's saves")
    parser.add_argument("--url", help="an existing PostgreSQL database (postgresql://user@host:port/db)")
    args = parser.parse_args()

    from cswb_widgets.store.postgres import drop_community

    runs: list[Run] = []
    with postgres_base(args.url) as (base, server_rss), tempfile.TemporaryDirectory(prefix="cswb-editors-") as tmp:
        slug = f"bench_{int(time.time())}"
        urls: list[str | Path] = [f"{base}?community={slug}_{c:02d}" for c in range(args.communities)]
        folders: list[str | Path] = [Path(tmp) / f"community-{c:02d}" for c in range(args.communities)]
        for location in [*urls, *folders]:
            Workspace.create(location, name=f"Community {location}", actor="setup").close()
        try:
            for backend, locations, probe in (("SQLite files", folders, lambda: None), ("PostgreSQL", urls, server_rss)):
                print(f"{backend}: {args.editors} editors × {args.saves} saves over {args.communities} communities …",
                      flush=True)
                runs.append(run_editors(backend, locations, args.editors, args.saves, args.pause, probe))
        finally:
            for url in urls:
                drop_community(str(url))
    sqlite, postgres = runs

    def row(label: str, get: Callable[[Run], float], fmt: str) -> None:
        a, b = get(sqlite), get(postgres)
        ratio = f"{b / a:.2f}" if a else "-"
        print(f"{label:<34}{format(a, fmt):>14}{format(b, fmt):>14}{ratio:>10}")

    print(f"\n{'':<34}{'SQLite files':>14}{'PostgreSQL':>14}{'PG/SQLite':>10}")
    row("saves", lambda r: len(r.latencies), "d")
    row("p50 save latency (ms)", lambda r: r.p(0.50) * 1000, ".1f")
    row("p95 save latency (ms)", lambda r: r.p(0.95) * 1000, ".1f")
    row("max save latency (ms)", lambda r: max(r.latencies, default=0) * 1000, ".1f")
    row("mean latency (ms)", lambda r: statistics.fmean(r.latencies) * 1000 if r.latencies else 0, ".1f")
    row("wall time (s)", lambda r: r.wall_s, ".1f")
    row("errors (target 0)", lambda r: len(r.errors), "d")
    row("saves not found after (target 0)", lambda r: r.lost, "d")
    row("peak memory of this process (MB)", lambda r: r.peak_rss / MB, ".0f")
    row("  of which added during the run", lambda r: (r.peak_rss - r.rss_before) / MB, ".0f")
    if postgres.server_rss is not None:
        print(f"{'peak PostgreSQL server memory (MB)':<34}{'-':>14}{postgres.server_rss / MB:>14.0f}"
              "   (resident minus shared, summed over its processes)")
    for run in runs:
        for error in run.errors[:5]:
            print(f"{run.backend}: {error}")


if __name__ == "__main__":
    main()
