"""What a single edit costs, and how much of it is the check that the file is still the one opened.

    python benchmarks/workspace_writes.py [--edits 500] [--runs 5]

Creates a workspace in a temporary folder, then, in this process, the median over the runs of:

- one edit: `ws.add("feedback", ...)`, a transaction of its own (BEGIN IMMEDIATE, INSERT, the
  audit row, COMMIT with synchronous=FULL), including the file checks before and after it;
- the checks alone: `_check_same_file` (one os.stat before the write) and `_record_file_state`
  (one os.stat after the commit; the record beside the file is rewritten only after a checkpoint);
- open and close: `Workspace.open` (which also looks for a log left by a former file) and close.

It prints the three and the checks' share of an edit.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path


def per_call_us(action: object, count: int) -> float:
    assert callable(action)
    started = time.perf_counter()
    for _ in range(count):
        action()
    return (time.perf_counter() - started) / count * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    from cswb_widgets.store import Workspace

    with tempfile.TemporaryDirectory() as folder:
        ws = Workspace.create(Path(folder) / "bench", name="Benchmark")
        counter = iter(range(10**9))
        edits = [per_call_us(lambda: ws.add("feedback", text=f"item {next(counter)}"), args.edits)
                 for _ in range(args.runs)]

        def checks() -> None:
            ws._check_same_file()
            ws._record_file_state()

        checked = [per_call_us(checks, args.edits) for _ in range(args.runs)]

        def open_close() -> None:
            Workspace.open(Path(folder) / "bench").close()

        opens = [per_call_us(open_close, 20) for _ in range(args.runs)]
        ws.close()
    edit, check, opened = statistics.median(edits), statistics.median(checked), statistics.median(opens)
    print(f"one edit:        {edit:9.1f} µs  (min {min(edits):.1f})")
    print(f"file checks:     {check:9.1f} µs  (min {min(checked):.1f})  = {check / edit:.1%} of an edit")
    print(f"open and close:  {opened / 1000:9.2f} ms  (min {min(opens) / 1000:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
