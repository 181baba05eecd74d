"""What a weight change costs in the Risk app, against ranking the risks from scratch.

    python benchmarks/ranking.py [--risks 200] [--runs 15] [--workspace DIR]

Without --workspace it generates the synthetic city with `--risks` risks into a temporary
folder (its six criteria: three entered, and trend, community concern and capacity gap computed
from the indicators, the 20,000 feedback items and the 5,000 assets). Then, in this process,
the median over the runs of:

- weight change: what typing a weight does in the app - `PrioritizationPanel.set_weights`
  on the panel the Risk workbook builds in app mode: `prioritization.reweight`, then the
  ranking table, the sensitivity list and the selected risk's trace rendered to HTML;
- baseline: `prioritization.rank_risks(WorkspaceTables(ws))`, which reads the workspace and
  computes every criterion's evidence again (what opening the panel or a save does).

It prints both, their ratio, and whether a weight change stays within the 150 ms target.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TARGET_MS = 150.0


def timed_ms(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def describe(samples: list[float]) -> str:
    return f"{statistics.median(samples):8.1f} ms  (min {min(samples):.1f}, max {max(samples):.1f})"


def measure(workspace: Path, runs: int) -> int:
    from cswb_widgets.model import prioritization
    from cswb_widgets.render import WorkspaceTables
    from cswb_widgets.store import Workspace
    from cswb_widgets.widgets.risk import PrioritizationPanel
    from cswb_widgets.workbooks import RiskWorkbook

    book = RiskWorkbook.open(workspace, "app")
    panel = book.prioritization().content  # the deferred section, built as the browser would ask
    assert isinstance(panel, PrioritizationPanel), type(panel)
    ranking = panel.ranking
    risks, criteria = ranking.normalized.shape
    sources = sorted(set(ranking.inputs.sources.values()))
    print(f"{risks} risks x {criteria} criteria (values from: {', '.join(sources)})")
    saved = panel.weights()
    ids = list(saved)

    def weights_for(run: int) -> dict[str, float]:
        # A different weight each run, moved up or down, as someone trying out the sliders would.
        changed = dict(saved)
        criterion = ids[run % len(ids)]
        changed[criterion] = round(saved[criterion] * (0.5 if run % 2 else 1.5) + 0.05, 2)
        return changed

    ws = Workspace.open(workspace)
    try:
        rank_risks = lambda: prioritization.rank_risks(WorkspaceTables(ws))  # noqa: E731
        set_weights = [lambda run=run: panel.set_weights(weights_for(run)) for run in range(runs)]
        reweight_only = [lambda run=run: prioritization.reweight(ranking, weights_for(run)) for run in range(runs)]
        # One warm-up of each (imports, first reads of the catalogue, SQLite's page cache).
        panel.set_weights(weights_for(runs))
        rank_risks()
        changed, rebuilt, model_only = [], [], []
        for run in range(runs):  # interleaved, so both see the same load on a shared machine
            changed.append(timed_ms(set_weights[run]))
            model_only.append(timed_ms(reweight_only[run]))
            rebuilt.append(timed_ms(rank_risks))
    finally:
        ws.close()
        book.ws.close()

    weight_change, baseline = statistics.median(changed), statistics.median(rebuilt)
    print()
    rows = (
        ("weight change (PrioritizationPanel.set_weights)", describe(changed)),
        ("  prioritization.reweight alone", describe(model_only)),
        ("baseline: rank_risks from the workspace", describe(rebuilt)),
        ("ratio weight change / baseline", f"{weight_change / baseline:8.4f}"
         f"  (a weight change is {baseline / weight_change:.0f}x faster)"),
    )
    for label, value in rows:
        print(f"{label:<48}{value}")
    print(f"(medians of {runs} runs)")
    verdict = "met" if weight_change <= TARGET_MS else "NOT met"
    print(f"target: a weight change recomputes in at most {TARGET_MS:.0f} ms - {verdict} ({weight_change:.0f} ms)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--risks", type=int, default=200, help="risks in the generated city (default 200)")
    parser.add_argument("--runs", type=int, default=15, help="measured runs (after one warm-up)")
    parser.add_argument("--seed", type=int, default=1, help="the generated city's seed")
    parser.add_argument("--workspace", type=Path, help="measure this workspace instead of generating one")
    args = parser.parse_args()
    if args.workspace:
        return measure(args.workspace, args.runs)
    from cswb_widgets.store.synthetic import generate_city

    with tempfile.TemporaryDirectory(prefix="cswb-ranking-") as scratch:
        started = time.perf_counter()
        path = Path(scratch) / "city"
        generate_city(path, seed=args.seed, risks=args.risks).close()
        print(f"generated the synthetic city with {args.risks} risks in {time.perf_counter() - started:.1f} s")
        return measure(path, args.runs)


if __name__ == "__main__":
    sys.exit(main())
