"""`cswb report` over many communities, against the naive shell loop and the floor of papermill.

    python benchmarks/reports.py [--communities 20] [--naive-communities 3] [--jobs 2] [--city DIR]

Makes `--communities` workspaces from the three samples (in turn: `cswb init DIR --from SAMPLE`
once per sample, then a copy per community, renamed e.g. "Maple Falls 07"), and times in one run:

- (a) `cswb report DIRS... --out OUT --jobs N` (a subprocess, HTML only, as a user would run it);
- (b) the naive way: a shell loop that calls `papermill workbooks/X.ipynb out.ipynb -p workspace DIR
  -p mode report` and then `jupyter nbconvert --to html out.ipynb`, for each of the six notebooks of
  each community. It takes seconds per notebook, so it runs on `--naive-communities` of them and its
  time is scaled linearly to all (the output says so);
- (c) the floor: `papermill.execute_notebook` of `benchmarks/notebooks/trivial.ipynb`, once per
  community, in a loop inside this one process (a new kernel each time, nothing else).

It prints the seconds of each and the ratios (b)/(a) (target: at least 5x) and (a)/(c) (target:
at most 2x). Then (d): `cswb report` of the large synthetic city (target: at most 15 s) and the
size of its HTML (target: under 10 MB). With `--city` that workspace is copied (never changed);
without it the city is generated into a temporary folder first (not timed).

Then (e), what the Word document adds: the same command as (a) with `--format html,docx`, and
the Word writer alone (`report.docx.write_docx`) on each community's HTML from (a) and on the
city's, in this process, per community.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TRIVIAL = Path(__file__).resolve().parent / "notebooks" / "trivial.ipynb"
SAMPLES = ("maple-falls", "whitebirch-lake", "tamarack-county")
NOTEBOOKS = ("commitment", "buy_in", "risk", "assets", "evaluation", "implementation")
DEFAULT_CITY = Path("/tmp/cswb-bench/root/synthetic-city")
TARGET_NAIVE_RATIO = 5.0  # (b)/(a) at least
TARGET_FLOOR_RATIO = 2.0  # (a)/(c) at most
TARGET_CITY_SECONDS = 15.0
TARGET_CITY_BYTES = 10 * 10**6


def executable(name: str) -> Path:
    """A command of this virtualenv (next to the Python running the benchmark)."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        sys.exit(f"benchmarks/reports.py: {path} not found (install the package with its dev extras)")
    return path


def run(command: list[str], log: Path) -> float:
    """Run `command`, its output into `log`; seconds taken. Stops the benchmark if it fails."""
    started = time.perf_counter()
    with log.open("w") as out:
        status = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, cwd=REPO).returncode
    seconds = time.perf_counter() - started
    if status != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        sys.exit(f"failed ({status}): {shlex.join(command[:4])} ...\n{tail}\n(full output in {log})")
    return seconds


def make_communities(base: Path, count: int) -> list[Path]:
    from cswb_widgets.store import Workspace

    cswb = executable("cswb")
    originals = []
    for sample in SAMPLES:
        path = base / "samples" / sample
        run([str(cswb), "init", str(path), "--from", sample], base / f"init-{sample}.log")
        originals.append(path)
    communities = []
    for n in range(1, count + 1):
        original = originals[(n - 1) % len(originals)]
        path = base / "communities" / f"{original.name}-{n:02d}"
        shutil.copytree(original, path)
        ws = Workspace.open(path)
        try:
            ws.update("community", "community", name=f"{ws.community['name']} {n:02d}")
        finally:
            ws.close()
        communities.append(path)
    return communities


def time_cswb_report(workspaces: list[Path], out: Path, jobs: int, log: Path, formats: str = "html") -> float:
    command = [str(executable("cswb")), "report", *map(str, workspaces), "--out", str(out), "--jobs", str(jobs),
               "--format", formats]
    return run(command, log)


def time_docx_writer(documents: list[Path], out: Path) -> list[float]:
    """Seconds the Word writer takes for each HTML document (the imports are paid before, once)."""
    from cswb_widgets.report.docx import docx_bytes, write_docx

    docx_bytes("<html><body><p>warm-up</p></body></html>")
    out.mkdir(parents=True, exist_ok=True)
    seconds = []
    for n, document in enumerate(documents):
        html = document.read_text(encoding="utf-8")
        started = time.perf_counter()
        write_docx(html, out / f"{n:03d}.docx")
        seconds.append(time.perf_counter() - started)
    return seconds


def time_naive(workspaces: list[Path], out: Path, log: Path) -> float:
    """The shell loop an analyst would write: papermill, then nbconvert, per notebook per community."""
    papermill, jupyter = executable("papermill"), executable("jupyter")
    lines = ["set -e"]
    for workspace in workspaces:
        folder = out / workspace.name
        lines.append(f"mkdir -p {shlex.quote(str(folder))}")
        for name in NOTEBOOKS:
            executed = shlex.quote(str(folder / f"{name}.ipynb"))
            lines.append(
                f"{papermill} workbooks/{name}.ipynb {executed}"
                f" -p workspace {shlex.quote(str(workspace))} -p mode report"
            )
            lines.append(f"{jupyter} nbconvert --to html {executed}")
    return run(["bash", "-c", "\n".join(lines)], log)


def time_floor(workspaces: list[Path], out: Path) -> float:
    """One trivial papermill execution per community, all in this process."""
    import papermill

    out.mkdir(parents=True)
    # The kernels inherit this process's stderr and log their transport warnings there: into a file.
    saved_stderr = os.dup(2)
    with (out / "kernels.log").open("w") as log:
        os.dup2(log.fileno(), 2)
        try:
            started = time.perf_counter()
            for workspace in workspaces:
                papermill.execute_notebook(
                    str(TRIVIAL), str(out / f"{workspace.name}.ipynb"), parameters={"workspace": str(workspace)},
                    kernel_name="python3", progress_bar=False,
                )
            return time.perf_counter() - started
        finally:
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--communities", type=int, default=20, help="communities made from the samples (default 20)")
    parser.add_argument("--naive-communities", type=int, default=3,
                        help="communities the naive loop is timed on, scaled to all (default 3)")
    parser.add_argument("--jobs", type=int, default=2, help="cswb report --jobs (default 2)")
    parser.add_argument("--city", type=Path, default=DEFAULT_CITY if DEFAULT_CITY.is_dir() else None,
                        help=f"the synthetic city workspace to copy (default {DEFAULT_CITY} if it exists,"
                             " else one is generated)")
    args = parser.parse_args()
    count, naive_count = args.communities, max(1, min(args.naive_communities, args.communities))

    with tempfile.TemporaryDirectory(prefix="cswb-bench-reports-") as scratch:
        base = Path(scratch)
        print(f"load average at start: {Path('/proc/loadavg').read_text().split()[:3]} ({os.cpu_count()} cores)")
        started = time.perf_counter()
        communities = make_communities(base, count)
        print(f"made {count} communities from {', '.join(SAMPLES)} in {time.perf_counter() - started:.1f} s", flush=True)

        floor = time_floor(communities, base / "floor")
        print(f"  (c) floor done: {floor:.1f} s", flush=True)
        batch = time_cswb_report(communities, base / "out-a", args.jobs, base / "a.log")
        print(f"  (a) cswb report done: {batch:.1f} s", flush=True)
        naive_measured = time_naive(communities[:naive_count], base / "out-b", base / "b.log")
        naive = naive_measured * count / naive_count
        print(f"  (b) naive loop done: {naive_measured:.1f} s for {naive_count}", flush=True)

        city = base / "city"
        if args.city:
            shutil.copytree(args.city, city)
            origin = f"copy of {args.city}"
        else:
            generated = time.perf_counter()
            run([sys.executable, "-m", "cswb_widgets.store.synthetic", str(city)], base / "city-generate.log")
            origin = f"generated in {time.perf_counter() - generated:.0f} s"
        city_seconds = time_cswb_report([city], base / "out-d", args.jobs, base / "d.log")
        city_html = base / "out-d" / city.name / "plan.html"
        city_bytes = city_html.stat().st_size

        with_docx = time_cswb_report(communities, base / "out-e", args.jobs, base / "e.log", "html,docx")
        print(f"  (e) cswb report --format html,docx done: {with_docx:.1f} s", flush=True)
        writer = time_docx_writer([base / "out-a" / c.name / "plan.html" for c in communities], base / "docx")
        city_writer = time_docx_writer([city_html], base / "docx-city")[0]
        city_docx_bytes = (base / "docx-city" / "000.docx").stat().st_size

        print()
        per = lambda seconds: f"{seconds / count:6.2f} s per community"  # noqa: E731
        print(f"{count} communities, {len(NOTEBOOKS)} notebooks each:")
        print(f"(a) cswb report --jobs {args.jobs} (HTML)            {batch:7.1f} s  {per(batch)}")
        print(f"(b) naive papermill + nbconvert loop          {naive:7.1f} s  {per(naive)}"
              f"  (measured on {naive_count}, scaled to {count}: {naive_measured:.1f} s measured)")
        print(f"(c) floor: trivial papermill run, one process {floor:7.1f} s  {per(floor)}")
        naive_ratio, floor_ratio = naive / batch, batch / floor
        print(f"(b)/(a) = {naive_ratio:5.2f}x  target at least {TARGET_NAIVE_RATIO:.0f}x - "
              f"{verdict(naive_ratio >= TARGET_NAIVE_RATIO)}")
        print(f"(a)/(c) = {floor_ratio:5.2f}x  target at most {TARGET_FLOOR_RATIO:.0f}x - "
              f"{verdict(floor_ratio <= TARGET_FLOOR_RATIO)}")
        print(f"(d) synthetic city ({origin}): cswb report {city_seconds:.1f} s, target at most "
              f"{TARGET_CITY_SECONDS:.0f} s - {verdict(city_seconds <= TARGET_CITY_SECONDS)}")
        print(f"    plan.html {city_bytes / 10**6:.2f} MB, target under {TARGET_CITY_BYTES / 10**6:.0f} MB - "
              f"{verdict(city_bytes < TARGET_CITY_BYTES)}")
        print(f"(e) cswb report --jobs {args.jobs} --format html,docx {with_docx:7.1f} s  {per(with_docx)}; "
              f"adds {(with_docx - batch) / count:+.2f} s per community to (a) ({with_docx / batch:.2f}x)")
        print(f"    the Word writer alone, one process: {sum(writer) / count:.2f} s per community "
              f"(min {min(writer):.2f}, max {max(writer):.2f}); the city's plan {city_writer:.1f} s, "
              f"{city_docx_bytes / 10**6:.2f} MB")
        print(f"(single runs, wall clock; load average at end: {Path('/proc/loadavg').read_text().split()[:3]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
