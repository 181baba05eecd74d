"""Screenshots of the launcher, every step of every app (1,366 x 768) and the ballot (390 x 844).

    python scripts/screenshots.py [--out screenshots] [--sample maple-falls] [--apps risk,assets] [--lang fr]

Starts a real `cswb serve` on a fresh copy of a sample community (in a temporary folder: the
demo community is not touched), drives Debian's Chromium and writes one PNG per page and step
into --out (git-ignored), named `<app>-<nn>-<step>.png`, plus `index.txt` listing each with its
page height. Look at every one: cut-off text, codes instead of labels, anything wider than the
screen. Nothing is fetched from off the machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))  # the browser tests' harness: server, Chromium

from browser_harness import Server, launch_chromium, wait_for_app  # noqa: E402

from cswb_widgets.notebooks import NOTEBOOKS  # noqa: E402

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
LOAD_MS = 180_000


def _shoot(page, path: Path, index: list[str]) -> None:
    page.wait_for_timeout(600)  # let a map or chart finish drawing after its step appeared
    size = page.evaluate(
        "() => { const c = document.getElementById('rendered_cells') || document.scrollingElement;"
        " return [c.scrollWidth, c.scrollHeight]; }"
    )
    page.screenshot(path=str(path))
    index.append(f"{path.name}\t{size[0]} x {size[1]} px")
    print(f"{path.name}: page {size[0]} x {size[1]} px", flush=True)


def run(out: Path, sample: str, apps: list[str], lang: str = "en") -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    index: list[str] = []
    with tempfile.TemporaryDirectory(prefix="cswb-screenshots-") as scratch:
        root = Path(scratch) / "workspaces"
        subprocess.run([sys.executable, "-m", "cswb_widgets.cli", "init", str(root / sample), "--from", sample],
                       check=True, capture_output=True)
        server = Server(root, Path(scratch) / "log").start()
        try:
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                page = browser.new_page(viewport=DESKTOP)
                page.goto(server.url(f"?lang={lang}"))  # the choice sticks (a cookie) for the apps
                page.locator("main a").first.wait_for()
                _shoot(page, out / "launcher.png", index)
                for app in apps:
                    page.goto(server.url(f"voila/render/{app}.ipynb?workspace={sample}"))
                    wait_for_app(page, LOAD_MS)
                    steps = page.locator(".cswb-steps a")
                    hrefs = steps.evaluate_all("links => links.map(a => a.getAttribute('href'))") or [""]
                    for number, href in enumerate(hrefs, start=1):
                        if href:
                            page.evaluate("hash => { window.location.hash = hash; }", href)
                            page.locator(".cswb-steps a[aria-current='step']").filter(
                                has=page.locator(f"xpath=self::*[@href='{href}']")
                            ).wait_for()
                        name = href.removeprefix("#step-") or "page"
                        _shoot(page, out / f"{app}-{number:02d}-{name}.png", index)
                phone = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
                # the old voting view now redirects to the server's kernel-less ballot page
                phone.goto(server.url(f"voila/render/risk.ipynb?workspace={sample}&view=vote&lang={lang}"))
                phone.locator("main h1").wait_for(timeout=LOAD_MS)
                _shoot(phone, out / "ballot-phone.png", index)
                browser.close()
        finally:
            server.stop()
    (out / "index.txt").write_text("\n".join(index) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "screenshots")
    parser.add_argument("--sample", default="maple-falls")
    parser.add_argument("--apps", default=",".join(NOTEBOOKS), help="comma-separated workbooks (default: all six)")
    parser.add_argument("--lang", default="en", help="the language of the pages (en or fr)")
    args = parser.parse_args()
    run(args.out, args.sample, [a for a in args.apps.split(",") if a], args.lang)


if __name__ == "__main__":
    main()
