"""What undoing a large change costs, against making it.

    python benchmarks/undo.py [--rows 20000]

In a temporary workspace: one batch adds `--rows` risks (as an import does), then
`Workspace.undo` takes it back; then an organization referred to by `--rows` people is deleted
with cascade (clearing each person's reference) and that delete is undone. Undo checks every
touched value against later changes and looks for records referring to what it removes (a few
hundred ids per query), so it should stay within the time the change itself took.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    from cswb_widgets.store import Workspace

    with tempfile.TemporaryDirectory() as folder:
        ws = Workspace.create(Path(folder) / "ws", name="Benchmark", actor="bench")
        started = time.perf_counter()
        with ws.batch("import"):
            for n in range(args.rows):
                ws.add("risks", name=f"Risk {n}", category="housing")
        made = time.perf_counter() - started
        change = ws.last_change()
        assert change is not None
        started = time.perf_counter()
        ws.undo(change)
        undone = time.perf_counter() - started
        print(f"add {args.rows} risks in one batch: {made:6.2f} s; undo it: {undone:6.2f} s ({undone / made:.2f}x)")

        org = ws.add("organizations", name="Food Bank", sector="community_social_services")
        with ws.batch("people"):
            for n in range(args.rows):
                ws.add("people", name=f"Person {n}", organization_id=org)
        started = time.perf_counter()
        change = ws.delete("organizations", org, cascade=True)
        made = time.perf_counter() - started
        started = time.perf_counter()
        ws.undo(change)
        undone = time.perf_counter() - started
        print(f"cascade delete clearing {args.rows} references: {made:6.2f} s; undo it: {undone:6.2f} s "
              f"({undone / made:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
