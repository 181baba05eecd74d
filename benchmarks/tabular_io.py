"""What exporting and re-reading a whole workspace costs, as CSV and as an Excel workbook.

    python benchmarks/tabular_io.py [--runs 3] [--workspace DIR]

Without --workspace it generates the synthetic city (20,000 feedback items, 5,000 assets) into a
temporary folder. Then, in this process, the median over the runs of: export_csv, export_xlsx,
reading every exported CSV (read_csv), reading the workbook (read_xlsx, with its scan for formulas
without saved values), and import_bundle of each into an empty workspace. Run it on two branches
to compare them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def timed_s(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(workspace: Path, runs: int) -> int:
    from cswb_widgets.store import Workspace
    from cswb_widgets.store.tabular import export_csv, export_xlsx, import_bundle, read_csv, read_xlsx

    ws = Workspace.open(workspace)
    with tempfile.TemporaryDirectory(prefix="cswb-tabular-") as scratch:
        root = Path(scratch)
        steps: dict[str, Callable[[int], object]] = {
            "export_csv": lambda run: export_csv(ws, root / f"csv{run}"),
            "export_xlsx": lambda run: export_xlsx(ws, root / f"book{run}.xlsx"),
            "read_csv (all tables)": lambda run: [read_csv(p) for p in sorted((root / f"csv{run}").glob("*.csv"))],
            "read_xlsx": lambda run: read_xlsx(root / f"book{run}.xlsx"),
            "import_bundle csv": lambda run: import_bundle(Workspace.create(root / f"from-csv{run}"), root / f"csv{run}"),
            "import_bundle xlsx": lambda run: import_bundle(Workspace.create(root / f"from-xlsx{run}"),
                                                            root / f"book{run}.xlsx"),
        }
        samples: dict[str, list[float]] = {name: [] for name in steps}
        for run in range(runs):
            for name, step in steps.items():
                samples[name].append(timed_s(lambda step=step, run=run: step(run)))  # type: ignore[misc]
        for name, values in samples.items():
            print(f"{name:24s} {statistics.median(values):7.2f} s  (min {min(values):.2f}, max {max(values):.2f})")
    ws.close()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="measured runs")
    parser.add_argument("--workspace", type=Path, help="measure this workspace instead of generating one")
    args = parser.parse_args()
    if args.workspace:
        return measure(args.workspace, args.runs)
    from cswb_widgets.store.synthetic import generate_city

    with tempfile.TemporaryDirectory(prefix="cswb-tabular-city-") as scratch:
        path = Path(scratch) / "city"
        generate_city(path).close()
        return measure(path, args.runs)


if __name__ == "__main__":
    sys.exit(main())
