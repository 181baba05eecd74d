"""How big and how fast is the offline asset map? Page size, build time, render time in Chromium.

    python benchmarks/map_assets.py                 # 5,000 assets, 3 browser runs
    python benchmarks/map_assets.py --assets 20000 --runs 5

Builds the synthetic city's tables in memory (no workspace on disk), then measures:

- build: ``area_map`` + ``map_html`` in Python (the libraries are inlined once per process;
  the first build includes reading them);
- page: bytes of the self-contained HTML, and gzipped (what a server would send);
- static: ``static_map`` SVG size and time (the print fallback);
- browser: Debian's Chromium loads the page from a file with every other request blocked;
  time from navigation start to all assets added to the cluster layer, then the time for a
  two-level zoom (re-clustering) to finish. Median of the runs, each in a fresh page.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from cswb_widgets.render.maps import area_map, indicator_by_area, map_html, static_map
from cswb_widgets.store.synthetic import build_city

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Runs before the page's own scripts: notes when the asset layer reports it is complete.
RECORD_LOADED = """
new MutationObserver((changes, observer) => {
  for (const change of changes) {
    if (change.attributeName === "data-assets-loaded") {
      window.__assetsLoadedAt = performance.now();
      observer.disconnect();
    }
  }
}).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-assets-loaded"] });
"""

ZOOM_IN = """
() => new Promise(resolve => {
  const map = window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))];
  const started = performance.now();
  map.once("zoomend", () => requestAnimationFrame(() => resolve({
    ms: performance.now() - started,
    clusters: document.querySelectorAll(".marker-cluster").length,
    markers: document.querySelectorAll(".leaflet-marker-pane .cswb-asset").length,
  })));
  map.setZoom(map.getZoom() + 2, { animate: false });
})
"""


def city_tables(assets: int, seed: int) -> dict[str, pd.DataFrame]:
    tables: dict[str, list[dict[str, Any]]] = {}
    for table, record in build_city(seed=seed, assets=assets, risks=20, feedback=10, actions=10):
        tables.setdefault(table, []).append(record)
    frames = {name: pd.DataFrame(records) for name, records in tables.items()}
    frames["areas"]["geometry"] = [json.dumps(g) for g in frames["areas"]["geometry"]]
    return frames


def build_page(frames: dict[str, pd.DataFrame]) -> tuple[str, float]:
    indicator = frames["indicators"]["indicator"].iloc[0]
    started = time.perf_counter()
    page = map_html(
        area_map(
            frames["areas"],
            assets=frames["assets"],
            organizations=frames["organizations"],
            member_communities=frames["member_communities"],
            choropleth=indicator_by_area(frames["indicators"], indicator),
            choropleth_label=indicator,
            title="Synthetic City",
        )
    )
    return page, time.perf_counter() - started


def _allow_only(route: Any, page_url: str, blocked: list[str]) -> None:
    url = route.request.url
    if url == page_url or url.startswith(("data:", "about:", "blob:")):
        route.continue_()
    else:
        blocked.append(url)
        route.abort()


def browser_runs(page_file: Path, runs: int) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    results = []
    page_url = page_file.as_uri()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            blocked: list[str] = []
            context.route("**/*", lambda route, blocked=blocked: _allow_only(route, page_url, blocked))
            context.add_init_script(RECORD_LOADED)
            page = context.new_page()
            page.goto(page_url, wait_until="load")
            page.wait_for_function("window.__assetsLoadedAt !== undefined", timeout=60_000)
            loaded_ms = page.evaluate("window.__assetsLoadedAt")
            dom_ms = page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
            clusters = page.locator(".marker-cluster").count()
            zoom = page.evaluate(ZOOM_IN)
            heap = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : null")
            results.append(
                {
                    "dom_content_loaded_ms": dom_ms,
                    "assets_loaded_ms": loaded_ms,
                    "clusters_at_start": clusters,
                    "zoom_two_levels_ms": zoom["ms"],
                    "after_zoom": {"clusters": zoom["clusters"], "single_markers": zoom["markers"]},
                    "js_heap_mb": round(heap / 2**20, 1) if heap else None,
                    "blocked_requests": blocked,
                }
            )
            context.close()
        browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--assets", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="also write the page here")
    args = parser.parse_args()

    frames = city_tables(args.assets, args.seed)
    _, first_build = build_page(frames)  # includes reading the inlined libraries once
    page, build = build_page(frames)
    started = time.perf_counter()
    svg = static_map(frames["areas"], assets=frames["assets"], title="Synthetic City")
    static_seconds = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as folder:
        page_file = Path(folder) / "map.html"
        page_file.write_text(page, encoding="utf-8")
        if args.keep:
            args.keep.write_text(page, encoding="utf-8")
        runs = browser_runs(page_file, args.runs)

    encoded = page.encode("utf-8")
    report = {
        "assets": args.assets,
        "assets_with_coordinates": int(frames["assets"]["latitude"].notna().sum()),
        "build_seconds": {"first": round(first_build, 3), "warm": round(build, 3)},
        "page_bytes": len(encoded),
        "page_gzip_bytes": len(gzip.compress(encoded)),
        "static_svg": {"bytes": len(svg.encode("utf-8")), "seconds": round(static_seconds, 3)},
        "browser_median": {
            key: round(statistics.median(r[key] for r in runs), 1)
            for key in ("dom_content_loaded_ms", "assets_loaded_ms", "zoom_two_levels_ms")
        },
        "browser_runs": runs,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
