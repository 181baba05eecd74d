"""How fast the importers refuse decompression bombs, against reading a two-row workbook.

    python benchmarks/hostile_files.py [--runs 7]

Builds the bombs of tests/test_hostile_files.py (a 1 GB sharedStrings in an .xlsx, an .xlsx whose
sheet claims A1:XFD1048576, a 1 GB GeoJSON in a zip, a 480 MB services.csv in an HSDS zip), then
times, median over the runs, each importer refusing its bomb, and reading a two-row workbook
(the baseline: what any import costs at least). It prints both, their ratio, whether each refusal
stays under the 100 ms target, and the process's peak memory (which the bombs must not raise).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

TARGET_MS = 100.0


def timed_ms(action: Callable[[], object]) -> tuple[float, bool]:
    """Milliseconds `action` took, and whether it ended in a refusal (InputError)."""
    from cswb_widgets.errors import InputError

    started = time.perf_counter()
    try:
        action()
    except InputError:
        return (time.perf_counter() - started) * 1000, True
    return (time.perf_counter() - started) * 1000, False


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    from bomb_files import MIB, sheet_xml, write_zip, xlsx_parts
    from test_hostile_files import billion_cell_xlsx, geojson_zip, hsds_zip, shared_strings_xlsx

    from cswb_widgets.store import Workspace
    from cswb_widgets.store.boundaries import read_boundaries
    from cswb_widgets.store.hsds import import_hsds
    from cswb_widgets.store.tabular import read_xlsx

    with tempfile.TemporaryDirectory(prefix="cswb-bench-bombs-") as scratch:
        folder = Path(scratch)
        plain = write_zip(folder / "plain.xlsx", xlsx_parts(sheet_xml([["name", "category"], ["Youth", "school"]])))
        ws = Workspace.create(folder / "ws")
        bombs: dict[str, tuple[Path, Callable[[Path], object]]] = {
            "xlsx, sharedStrings 1 GB": (shared_strings_xlsx(folder / "ss.xlsx", 1024 * MIB), read_xlsx),
            "xlsx, A1:XFD1048576": (billion_cell_xlsx(folder / "cells.xlsx"), read_xlsx),
            "zip, GeoJSON 1 GB": (geojson_zip(folder / "wards.zip", 1024 * MIB), lambda p: read_boundaries(p, "name")),
            "HSDS zip, services.csv 480 MB": (hsds_zip(folder / "hsds.zip", 480 * MIB), lambda p: import_hsds(ws, p)),
        }
        read_xlsx(plain)  # imports openpyxl, as any first import would
        memory_before = peak_mb()
        baseline = [timed_ms(lambda: read_xlsx(plain))[0] for _ in range(args.runs)]
        base = statistics.median(baseline)
        print(f"{'two-row workbook read (baseline)':36} {base:8.1f} ms")
        for name, (path, importer) in bombs.items():
            runs = [timed_ms(lambda p=path, f=importer: f(p)) for _ in range(args.runs)]  # type: ignore[misc]
            median = statistics.median(ms for ms, _ in runs)
            refused = all(was_refused for _, was_refused in runs)
            verdict = ("ok" if median <= TARGET_MS else "OVER TARGET") if refused else "NOT REFUSED"
            print(f"{name:36} {median:8.1f} ms  {median / base:5.2f}x baseline  "
                  f"({path.stat().st_size / MIB:.1f} MB on disk; target {TARGET_MS:.0f} ms: {verdict})")
        print(f"peak memory {peak_mb():.0f} MB (before the bombs: {memory_before:.0f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
