"""The Word document's own cost: `report.docx.docx_bytes` on the samples' plans, drawing and the rest.

    python benchmarks/word.py [--rounds 3] [--html PLAN.html ...]

Makes the three samples' plans as HTML once (`cswb report --format html`, not timed; or takes the
`--html` files given, e.g. a large city's plan), then writes each plan's Word document `--rounds`
times in this process and prints, per plan, the best CPU seconds of a write and how much of it
went to drawing the figures (libvips and librsvg, and the PNG: `_draw_svg`, its own threads
included) and to the rest (paragraphs, tables, pictures, the zip). CPU time, not wall time: other
work on the machine weighs less on it.

Measured 2026-12-05 on the 2-core machine (load average 12-15, one run each, same HTML files):
Maple Falls' plan 1.41 s before this lane's changes (drawing 0.59 s, the rest 0.82 s) and 0.74 s
after (0.47 s and 0.27 s); a synthetic city's plan (5,000 assets, 300 actions, 105 tables, 13
figures) 7.27 s and 3.9 s. Later the same day (load average 9-10, two runs each, alternating, the
samples' plans as `cswb report` wrote them): figures drawn by CairoSVG with Pillow's PNG, then by
libvips: Maple Falls 0.61-0.67 s (figures 0.41-0.45 s) -> 0.39-0.43 s (0.17-0.20 s), Whitebirch
Lake 0.54-0.59 s -> 0.33-0.35 s, Tamarack County 0.59-0.65 s -> 0.36-0.41 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pdf import sample_plans  # the benchmark next to this one

import cswb_widgets.report.docx as word


def measure(html: str, rounds: int) -> tuple[float, float, int]:
    """(best CPU seconds of a whole write, the drawing's part of that write, the document's bytes)."""
    draw = word._draw_svg
    drawing = [0.0]

    def timed(svg: str) -> tuple[bytes, float]:
        started = time.process_time()
        try:
            return draw(svg)
        finally:
            drawing[0] += time.process_time() - started

    word._draw_svg = timed
    best = (float("inf"), 0.0, 0)
    try:
        for _ in range(rounds):
            drawing[0] = 0.0
            started = time.process_time()
            data = word.docx_bytes(html)
            seconds = time.process_time() - started
            if seconds < best[0]:
                best = (seconds, drawing[0], len(data))
    finally:
        word._draw_svg = draw
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="writes per plan; the best counts (default 3)")
    parser.add_argument("--html", type=Path, nargs="*", help="plans (HTML) to use instead of the samples'")
    args = parser.parse_args()
    print(f"load average at start: {Path('/proc/loadavg').read_text().split()[:3]}")
    with tempfile.TemporaryDirectory(prefix="cswb-bench-docx-") as scratch:
        plans = args.html or sample_plans(Path(scratch))
        word.docx_bytes(Path(plans[0]).read_text(encoding="utf-8"))  # imports and fonts, not counted
        for plan in plans:
            html = Path(plan).read_text(encoding="utf-8")
            seconds, drawing, size = measure(html, args.rounds)
            print(f"{plan.parent.name}/{plan.name}: {len(html) / 1024:.0f} KB HTML -> {size / 1024:.0f} KB Word, "
                  f"{seconds:.2f} s CPU (figures {drawing:.2f} s, the rest {seconds - drawing:.2f} s)")
    print(f"(best of {args.rounds}; load average at end: {Path('/proc/loadavg').read_text().split()[:3]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
