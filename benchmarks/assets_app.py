"""The Assets app on the large synthetic city: time to the first control, and its kernel's peak memory.

    python benchmarks/assets_app.py [--runs 5] [--root DIR --workspace SLUG]

Without --root it generates the synthetic city (5,000 assets; `--assets` to change) into a
temporary folder. It starts a real `cswb serve` with the workbooks plus the trivial one-slider
notebook, drives Debian's Chromium, and prints:

- the median time from navigation to the first interactive widget of `assets.ipynb` and of the
  trivial notebook, measured alternately in the same run, each page with its kernel preheated,
  and their ratio (target: at most 2x);
- the peak resident memory (VmHWM) of the kernel behind each page, read from /proc once the
  page is up and, for the Assets app, once its deferred sections (the inventory table and the
  map) are on screen and the server is idle again (target: the Assets kernel under 500 MB).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from first_widget import (  # the same server, browser and idle-wait as the other page benchmark
    BENCHMARK_NOTEBOOKS,
    Server,
    Target,
    _proc_kib,
    _tree,
    launch_chromium,
    measure,
    wait_for_widgets,
    wait_until_quiet,
)

TARGET_RATIO = 2.0
TARGET_KERNEL_MEMORY = 500 * 10**6
MB = 10**6

# Every deferred section built: no placeholder left, the inventory's rows and the map's frame shown.
SECTIONS_BUILT = """
() => document.querySelectorAll(".cswb-loading").length === 0
   && document.querySelector("td.cswb-et-cell") !== null
   && document.querySelector("figure.cswb-map iframe") !== null
"""
KERNEL_ID = "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"


@dataclass(frozen=True)
class KernelMemory:
    pid: int
    peak: int  # VmHWM: the most the kernel has ever held resident, in bytes
    resident: int  # VmRSS now
    sections_s: float | None  # navigation -> every deferred section on screen


def kernel_pid(server: Server, kernel_id: str) -> int:
    """The process started with this kernel's connection file (kernel-<id>.json)."""
    assert server.process is not None
    for pid in _tree(server.process.pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(part.decode(errors="replace").endswith(f"kernel-{kernel_id}.json") for part in command):
            return pid
    raise RuntimeError(f"no process under the server runs kernel {kernel_id}")


def kernel_memory(context, server: Server, target: Target, *, sections: bool) -> KernelMemory:
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(server.url(target.path), wait_until="commit")
        wait_for_widgets(page, timeout_ms=120_000)
        sections_s = None
        if sections:
            page.wait_for_function(SECTIONS_BUILT, timeout=300_000, polling=100)
            sections_s = time.perf_counter() - start
        wait_until_quiet(server)  # whatever the kernel still does after the last paint is done
        pid = kernel_pid(server, page.evaluate(KERNEL_ID))
        return KernelMemory(
            pid, _proc_kib(pid, "status", "VmHWM") * 1024, _proc_kib(pid, "status", "VmRSS") * 1024, sections_s
        )
    finally:
        page.goto("about:blank")  # Voilà's page shuts its kernel down as it unloads
        page.close()


def make_root(base: Path, assets: int) -> tuple[Path, str]:
    from cswb_widgets.store.synthetic import generate_city

    root = base / "workspaces"
    started = time.perf_counter()
    generate_city(root / "synthetic-city", assets=assets).close()
    print(f"generated the synthetic city ({assets:,} assets) in {time.perf_counter() - started:.1f} s", flush=True)
    return root, "synthetic-city"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per page (after one warm-up)")
    parser.add_argument("--assets", type=int, default=5000, help="assets in the generated city (default 5000)")
    parser.add_argument("--root", type=Path, help="serve these workspaces instead of generating the city")
    parser.add_argument("--workspace", default=None, help="the workspace the Assets app opens (with --root)")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="cswb-bench-") as scratch:
        if args.root:
            root, slug = args.root, args.workspace or next(p.name for p in sorted(args.root.iterdir()) if p.is_dir())
        else:
            root, slug = make_root(Path(scratch), args.assets)
        assets = Target("assets", f"voila/render/assets.ipynb?workspace={slug}", None)
        trivial = Target("trivial", "voila/render/trivial.ipynb", None)
        server = Server(root, Path(scratch) / "log", extra_notebooks=(BENCHMARK_NOTEBOOKS,))
        print(f"starting cswb serve on {server.base_url} (workspace {slug}) ...", flush=True)
        started = time.perf_counter()
        server.start()
        try:
            wait_until_quiet(server)
            print(f"ready, every pool preheated, after {time.perf_counter() - started:.1f} s", flush=True)
            times: dict[str, list[float]] = {"assets": [], "trivial": []}
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                context = browser.new_context()
                for target in (trivial, assets):  # warm-up: browser cache, code cache
                    measure(context, server, target)
                    wait_until_quiet(server)
                for _ in range(args.runs):  # alternately, so both pages see the same load
                    for target in (trivial, assets):
                        times[target.name].append(measure(context, server, target).widget)
                        wait_until_quiet(server)
                for name, runs in times.items():
                    print(f"  {name:<8} {' '.join(f'{r:.2f}' for r in runs)}", flush=True)
                memory = {
                    "trivial": kernel_memory(context, server, trivial, sections=False),
                    "assets": kernel_memory(context, server, assets, sections=True),
                }
                browser.close()
        finally:
            server.stop()
    report(times, memory, args.runs)
    return 0


def report(times: dict[str, list[float]], memory: dict[str, KernelMemory], runs: int) -> None:
    baseline = statistics.median(times["trivial"])
    print()
    print(f"{'page':<10} {'widget s':>9} {'min s':>7} {'max s':>7} {'x trivial':>10}")
    for name in ("assets", "trivial"):
        samples = times[name]
        print(
            f"{name:<10} {statistics.median(samples):9.2f} {min(samples):7.2f} {max(samples):7.2f}"
            f" {statistics.median(samples) / baseline:10.2f}"
        )
    ratio = statistics.median(times["assets"]) / baseline
    print(f"(medians of {runs} runs: navigation -> the first control on screen, kernels preheated)")
    print(f"target: the Assets app's first control within {TARGET_RATIO:.0f}x the trivial notebook's -"
          f" {'met' if ratio <= TARGET_RATIO else 'NOT met'} ({ratio:.2f}x)")
    print()
    app, base = memory["assets"], memory["trivial"]
    print(f"kernel peak memory (VmHWM): assets {app.peak / MB:.0f} MB (now {app.resident / MB:.0f} MB),"
          f" trivial {base.peak / MB:.0f} MB (now {base.resident / MB:.0f} MB); ratio {app.peak / base.peak:.2f}")
    if app.sections_s is not None:
        print(f"  read once the inventory and the map were on screen ({app.sections_s:.1f} s after navigation)"
              " and the server was idle")
    print(f"target: the Assets app's kernel under {TARGET_KERNEL_MEMORY / MB:.0f} MB -"
          f" {'met' if app.peak < TARGET_KERNEL_MEMORY else 'NOT met'} ({app.peak / 1e6:.0f} MB)")


if __name__ == "__main__":
    sys.exit(main())
