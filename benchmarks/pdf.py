"""PDF printing: one kept Chromium for a whole run against one browser start per document.

    python benchmarks/pdf.py [--documents 12]

Makes the three samples' plans as HTML once (`cswb report --format html`, not timed), then prints
`--documents` of them (the samples in turn) three ways, measured in the same run and alternating
round by round (one document per sample each) so that the machine's load falls on both alike:

- (a) kept: one :class:`cswb_widgets.report.pdf.Printer` for every document (what a batch worker does);
- (b) per document: :func:`cswb_widgets.report.pdf.print_pdf`, which starts a browser for the document;
- (c) kept, the plain way (`Printer(quick=False)`: laid out for the screen too, a new page per
  document, a full page-finding print), as `CSWB_REPORT_UNOPTIMISED=1` prints.

All include the two passes that give the contents their page numbers. Prints the seconds per
document (mean and median) of each, the CPU per document of (a) and (c) (this process and its
browser, reaped processes included), the kept browser's start, and the ratios.

Measured 2026-12-05 with `--documents 6`, load average 39 at the start and 17 at the end (other
work running): (a) 4.15 s, (b) 12.73 s, (c) 9.45 s per document; CPU (a) 1.56 s, (c) 3.59 s per
document, 2.31x.

Earlier (before the quick print), load 10-20: (a) 6.20 s, (b) 11.25 s per document, ratio 1.81x;
the kept browser's start cost 6.4 s once.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = ("maple-falls", "whitebirch-lake", "tamarack-county")


def sample_plans(base: Path) -> list[Path]:
    cswb = Path(sys.executable).parent / "cswb"
    workspaces = []
    for sample in SAMPLES:
        workspaces.append(base / "ws" / sample)
        subprocess.run([str(cswb), "init", str(workspaces[-1]), "--from", sample], check=True, capture_output=True)
    subprocess.run([str(cswb), "report", *map(str, workspaces), "--out", str(base / "out"), "--jobs", "2",
                    "--format", "html"], check=True, capture_output=True)
    return [base / "out" / sample / "plan.html" for sample in SAMPLES]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=12)
    args = parser.parse_args()
    from cswb_widgets.report.pdf import Printer, print_pdf

    with tempfile.TemporaryDirectory(prefix="cswb-bench-pdf-") as tmp:
        base = Path(tmp)
        plans = sample_plans(base)
        kept_times: list[float] = []
        plain_times: list[float] = []
        kept_cpu: list[float] = []
        plain_cpu: list[float] = []
        fresh_times: list[float] = []
        launch_times: list[float] = []
        # Playwright's sync API runs once per process at a time, so the two ways alternate in rounds
        # of one document per sample; the kept printer's start is timed apart from its documents.
        for round_number in range(max(1, args.documents // len(plans))):
            started = time.perf_counter()
            with Printer() as printer:
                printer.print(plans[0], base / f"start-{round_number}.pdf")  # start, plus one print
                launch_times.append(time.perf_counter() - started)
                for n, plan in enumerate(plans):
                    started, cpu = time.perf_counter(), tree_cpu()
                    printer.print(plan, base / f"kept-{round_number}-{n}.pdf")
                    kept_times.append(time.perf_counter() - started)
                    kept_cpu.append(tree_cpu() - cpu)
                if printer.launches != 1:
                    sys.exit(f"the kept printer started {printer.launches} browsers")
            with Printer(quick=False) as printer:
                printer.print(plans[0], base / f"start-plain-{round_number}.pdf")
                for n, plan in enumerate(plans):
                    started, cpu = time.perf_counter(), tree_cpu()
                    printer.print(plan, base / f"plain-{round_number}-{n}.pdf")
                    plain_times.append(time.perf_counter() - started)
                    plain_cpu.append(tree_cpu() - cpu)
            for n, plan in enumerate(plans):
                started = time.perf_counter()
                print_pdf(plan, base / f"fresh-{round_number}-{n}.pdf")
                fresh_times.append(time.perf_counter() - started)
        start_cost = statistics.mean(launch_times) - statistics.mean(kept_times)
    kept, fresh = statistics.mean(kept_times), statistics.mean(fresh_times)
    print(f"{len(kept_times)} documents each way (the three samples' plans in turn), two passes each for the "
          "contents' page numbers")
    print(f"(a) kept browser:         {kept:.2f} s per document (median {statistics.median(kept_times):.2f} s); "
          f"its start costs {start_cost:.2f} s once per worker")
    print(f"(b) browser per document: {fresh:.2f} s per document (median {statistics.median(fresh_times):.2f} s)")
    print(f"ratio (b)/(a): {fresh / kept:.2f}x; saved {fresh - kept:.2f} s per document")
    plain = statistics.mean(plain_times)
    print(f"(c) kept, the plain way:  {plain:.2f} s per document (median {statistics.median(plain_times):.2f} s)")
    print(f"CPU per document (median): (a) {statistics.median(kept_cpu):.2f} s, (c) {statistics.median(plain_cpu):.2f} s; "
          f"ratio (c)/(a) {statistics.median(plain_cpu) / statistics.median(kept_cpu):.2f}x (wall {plain / kept:.2f}x)")
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


def tree_cpu() -> float:
    """CPU seconds of this process and its descendants (the browser's), reaped ones included."""
    import psutil

    me = psutil.Process()
    total = 0.0
    for process in [me, *me.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.Error:  # ended between the listing and the reading
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


if __name__ == "__main__":
    main()
