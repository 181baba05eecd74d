"""Time from navigation to the first interactive widget, for the launcher and each workbook.

    python benchmarks/first_widget.py [--runs 5] [--root DIR] [--workspace SLUG]

Starts a real `cswb serve` with the workbooks plus `benchmarks/notebooks/trivial.ipynb` (one
slider: the floor of what a Voilà page can cost here), drives Debian's Chromium, and prints
the median over the runs for each page and its ratio to the trivial notebook (target: each
app within 1.3x, issue 13). Every run starts with the page's kernel preheated: between runs the script
waits until the server and its kernels are idle again, so the pool has been refilled. Then it
prints the resident memory of the server with its preheated kernels (target: under 1.5 GB).

Without --root it makes a workspace to open: the `maple-falls` sample when it is installed,
an empty community otherwise.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))  # the browser tests' harness: server, Chromium

from browser_harness import Server, launch_chromium, wait_for_widgets  # noqa: E402

from cswb_widgets.paths import samples_dir, workbooks_dir  # noqa: E402

BENCHMARK_NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
TARGET_RATIO = 1.3
TARGET_MEMORY = 1.5 * 2**30
QUIET_CPU_SHARE = 0.05  # of one core, for the whole server tree


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    ready_selector: str | None  # None: an interactive widget


def targets(slug: str) -> list[Target]:
    pages = [Target("launcher", "", "main a")]
    try:
        workbooks = sorted(workbooks_dir().glob("*.ipynb"))
    except FileNotFoundError:
        workbooks = []
    pages += [Target(p.stem, f"voila/render/{p.name}?workspace={slug}", None) for p in workbooks]
    return pages + [Target("trivial", "voila/render/trivial.ipynb", None)]


# -- the server's processes --------------------------------------------------------------------

def _tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    try:
        import psutil

        parent = psutil.Process(pid)
        return [pid, *(child.pid for child in parent.children(recursive=True))]
    except ImportError:
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        found, todo = [], [pid]
        while todo:
            current = todo.pop()
            found.append(current)
            todo += children.get(current, [])
        return found


def _proc_kib(pid: int, path: str, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass(frozen=True)
class Memory:
    """Resident memory of the server (first) and of each process under it (its kernels), in bytes.

    RSS counts the pages processes share (Python, libraries) once per process; PSS splits them
    among the processes that share them, so its sum is what the tree really occupies.
    """

    rss: tuple[int, ...]
    pss: tuple[int, ...]

    @classmethod
    def of_tree(cls, pid: int) -> Memory:
        pids = _tree(pid)
        return cls(
            tuple(_proc_kib(p, "status", "VmRSS") * 1024 for p in pids),
            tuple(_proc_kib(p, "smaps_rollup", "Pss") * 1024 for p in pids),
        )


def _cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def wait_until_quiet(server: Server, settle: float = 1.5, timeout: float = 120.0) -> None:
    """Wait until the server tree has been (almost) idle for a second: kernel pools refilled."""
    time.sleep(settle)  # Voilà waits a moment before refilling a pool
    assert server.process is not None
    deadline = time.monotonic() + timeout
    quiet = 0
    while time.monotonic() < deadline and quiet < 2:
        pids = _tree(server.process.pid)
        before = _cpu_seconds(pids)
        time.sleep(0.5)
        quiet = quiet + 1 if _cpu_seconds(pids) - before < QUIET_CPU_SHARE * 0.5 else 0


# -- measuring ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    html: float  # navigation -> the whole page's HTML is in (the server and its kernel are done)
    widget: float  # navigation -> first interactive widget visible


def measure(context, server: Server, target: Target) -> Run:
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(server.url(target.path), wait_until="commit")
        page.wait_for_load_state("domcontentloaded", timeout=120_000)
        html = time.perf_counter() - start
        if target.ready_selector:
            page.locator(f"{target.ready_selector} >> visible=true").first.wait_for(timeout=120_000)
        else:
            wait_for_widgets(page, timeout_ms=120_000)
        return Run(html, time.perf_counter() - start)
    finally:
        page.goto("about:blank")  # Voilà's page shuts its kernel down as it unloads
        page.close()


def make_root(base: Path) -> tuple[Path, str]:
    from cswb_widgets.store import Workspace

    root = base / "workspaces"
    if (samples_dir() / "maple-falls").is_dir():
        from cswb_widgets.store.tabular import import_bundle

        import_bundle(Workspace.create(root / "maple-falls"), samples_dir() / "maple-falls")
    else:
        Workspace.create(root / "maple-falls", name="Maple Falls", kind="municipality").close()
    return root, "maple-falls"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per page (after one warm-up)")
    parser.add_argument("--root", type=Path, help="serve these workspaces instead of a temporary one")
    parser.add_argument("--workspace", default=None, help="the workspace the apps open (with --root)")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="cswb-bench-") as scratch:
        if args.root:
            root, slug = args.root, args.workspace or next(p.name for p in sorted(args.root.iterdir()) if p.is_dir())
        else:
            root, slug = make_root(Path(scratch))
        server = Server(root, Path(scratch) / "log", extra_notebooks=(BENCHMARK_NOTEBOOKS,))
        print(f"starting cswb serve on {server.base_url} (workspace {slug}) ...", flush=True)
        started = time.perf_counter()
        server.start()
        try:
            wait_until_quiet(server)
            print(f"ready, every pool preheated, after {time.perf_counter() - started:.1f} s", flush=True)
            assert server.process is not None
            memory = Memory.of_tree(server.process.pid)
            results: dict[str, list[Run]] = {}
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                context = browser.new_context()
                for target in targets(slug):
                    measure(context, server, target)  # warm-up: browser cache, code cache
                    wait_until_quiet(server)
                    runs = []
                    for _ in range(args.runs):
                        runs.append(measure(context, server, target))
                        wait_until_quiet(server)
                    results[target.name] = runs
                    print(f"  {target.name:<16} {' '.join(f'{r.widget:.2f}' for r in runs)}", flush=True)
                browser.close()
        finally:
            server.stop()
    report(results, memory)
    return 0


def report(results: dict[str, list[Run]], memory: Memory) -> None:
    trivial = statistics.median(r.widget for r in results["trivial"])
    print()
    print(f"{'page':<16} {'HTML in s':>9} {'widget s':>9} {'min s':>7} {'max s':>7} {'x trivial':>10}")
    for name, runs in results.items():
        widget = [r.widget for r in runs]
        ratio = statistics.median(widget) / trivial
        flag = "" if name in ("trivial", "launcher") or ratio <= TARGET_RATIO else f"  over {TARGET_RATIO}x"
        print(
            f"{name:<16} {statistics.median(r.html for r in runs):9.2f} {statistics.median(widget):9.2f}"
            f" {min(widget):7.2f} {max(widget):7.2f} {ratio:10.2f}{flag}"
        )
    print("(medians; 'HTML in': the server has run the notebook; 'widget': the first control is on screen)")
    print()
    pss, mib = sum(memory.pss), 2**20
    verdict = "within" if pss < TARGET_MEMORY else "OVER"
    print(
        f"server memory with preheated kernels ({len(memory.pss)} processes): PSS {pss / mib:.0f} MiB,"
        f" RSS summed {sum(memory.rss) / mib:.0f} MiB ({verdict} the {TARGET_MEMORY / 2**30:.1f} GiB target)"
    )
    print(
        f"  server {memory.pss[0] / mib:.0f} MiB; other processes (kernels): "
        + ", ".join(f"{p / mib:.0f}" for p in sorted(memory.pss[1:], reverse=True))
        + " MiB"
    )


if __name__ == "__main__":
    sys.exit(main())
