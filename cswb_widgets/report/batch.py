"""`cswb report`: the reports of many communities, side by side, each complete or clearly failed.

Work is split into tasks, one per (community, notebook), plus one per community that assembles
the document and prints it; `jobs` worker processes take them in turn, each keeping its kernel
(:mod:`.runner`). Each community is written into a hidden folder in OUT and renamed when it is
done: to ``OUT/<name>/`` (the document, its PDF, the executed notebooks, ``report.json``) when
everything worked, to ``OUT/<name>.FAILED/`` (the executed notebooks, ``error.txt``, no document)
when anything failed. One community's failure never stops the others.
"""

from __future__ import annotations

import concurrent.futures as futures
import contextlib
import datetime as dt
import functools
import itertools
import json
import multiprocessing
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from ..errors import CswbError
from ..notebooks import (
    NOTEBOOKS,
    ContractError,
    additions,
    check_additions,
    missing_parts,
    notebook_path,
    read_notebook,
)
from .assemble import Edition
from .outline import OUTLINES, Outline
from .runner import NotebookRun, run_notebook

FORMATS = ("html", "pdf", "docx")
FAILED_SUFFIX = ".FAILED"
MARKER = "report.json"  # in every folder this command writes: what it holds and how it was made
# Longest first, so the last notebook of a community does not start after the others are done:
# with only the document's parts, the Gantt charts make implementation the longest; with every
# part, the risk and evaluation charts.
EXPECTED_COST = ("implementation", "buy_in", "risk", "evaluation", "commitment", "assets")
EXPECTED_COST_ALL_PARTS = ("risk", "evaluation", "implementation", "buy_in", "commitment", "assets")
PARTIAL_PREFIX, PARTIAL_INFIX = ".", ".partial-"  # a community's unfinished folder: OUT/.<name>.partial-XXXX
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
EXIT_STATUS: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}  # 128 + the signal, as shells report it
WORKER_GRACE_SECONDS = 3.0  # after SIGTERM, before SIGKILL


class ReportInterrupted(CswbError):
    """`cswb report` was stopped by a signal; everything it started is gone, finished reports stay."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class _Stop(BaseException):
    """Raised by the signal handler, wherever the main process is: no `except Exception` stops it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def integrity_refusal(workspace: Path) -> str | None:
    """The line saying why the workspace fails `cswb validate`'s integrity check, or None.

    A workspace that cannot even be opened is left to the notebooks: their failure names the
    cell that opens it, and the executed notebooks show it.
    """
    from ..store import Workspace
    from ..store.integrity import integrity_problems, problems_line

    try:
        with Workspace.open(workspace, actor="cswb report") as ws:
            problems = integrity_problems(ws)
    except CswbError:
        return None
    if not problems:
        return None
    return f"the workspace fails 'cswb validate': {problems_line(problems, workspace)}; the first: {problems[0]}"


@dataclass(frozen=True)
class FinishRun:
    """The assembly (and printing) of one community's document."""

    seconds: float
    stage: str = "assemble"  # where it stopped, if it failed: "assemble", "pdf" or "docx"
    error: str | None = None


@dataclass
class CommunityResult:
    name: str
    workspace: Path
    status: str = "running"  # "ok" or "failed" at the end
    seconds: float = 0.0  # work time: notebooks, assembly and printing
    output: Path | None = None
    notebook: str | None = None  # for failures: where and why
    cell: str | None = None
    error: str | None = None
    runs: dict[str, NotebookRun] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def document_name(kind: str, fmt: str) -> str:
    return f"{kind}.{fmt}"


def parse_formats(text: str) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise CswbError(f"--format takes html, pdf, docx or a list of them such as html,pdf,docx, not {text!r}")
    return wanted


def output_names(workspaces: Sequence[Path]) -> list[str]:
    """A folder name for each community: its workspace folder's name, made unique."""
    names: list[str] = []
    for path in workspaces:
        base = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(path).resolve().name).strip(".-") or "community"
        name, n = base, 2
        while name in names:
            name, n = f"{base}-{n}", n + 1
        names.append(name)
    return names


# -- worker task: the document --------------------------------------------------------------------


def finish_report(folder: str, kind: str, formats: Sequence[str]) -> FinishRun:
    """Assemble the document from the executed notebooks in `folder`/notebooks, and print it if asked."""
    from .assemble import assemble

    started = time.perf_counter()
    work = Path(folder)
    outline = OUTLINES[kind]
    html_path = work / document_name(kind, "html")
    try:
        notebooks = {path.stem: read_notebook(path) for path in sorted((work / "notebooks").glob("*.ipynb"))}
        html = assemble(notebooks, outline, edition=read_edition(work))
        html_path.write_text(html, encoding="utf-8")
    except Exception as exc:  # noqa: BLE001 - reported in the summary, the batch goes on
        return FinishRun(time.perf_counter() - started, "assemble", f"{type(exc).__name__}: {exc}")
    if "pdf" in formats:
        from .pdf import worker_printer

        try:  # the worker's one browser, kept for every document it prints
            worker_printer().print(html_path, work / document_name(kind, "pdf"))
        except Exception as exc:  # noqa: BLE001 - reported in the summary, the batch goes on
            return FinishRun(time.perf_counter() - started, "pdf", f"{type(exc).__name__}: {exc}")
    if "docx" in formats:  # from the same document, in the same pass: no notebook runs again
        from .docx import write_docx

        try:
            write_docx(html, work / document_name(kind, "docx"))
        except Exception as exc:  # noqa: BLE001 - reported in the summary, the batch goes on
            return FinishRun(time.perf_counter() - started, "docx", f"{type(exc).__name__}: {exc}")
    if "html" not in formats:
        html_path.unlink()
    return FinishRun(time.perf_counter() - started)


# -- which plan: an adopted version or the working draft ----------------------------------------------

EDITION_FILE = "edition.json"  # in the community's folder: which plan the notebooks ran on


def read_edition(folder: Path) -> Edition:
    path = folder / EDITION_FILE
    return Edition.from_json(json.loads(path.read_text(encoding="utf-8"))) if path.exists() else Edition()


def choose_edition(workspace: Path, kind: str, version: int | None, draft: bool, scratch: Path) -> tuple[Path, Edition]:
    """(the workspace the notebooks run on, the edition): a plan renders the adopted version asked for
    (default: the latest) from its snapshot, materialized read-only in `scratch`; the working draft when
    asked or before any adoption. A progress report runs on the live workspace and names the version
    it measures against."""
    from ..errors import WorkspaceError
    from ..model.adoption import council_adoptions
    from ..store import Workspace
    from ..store.versions import get_version, latest_version, materialize, workspace_tables

    try:
        ws = Workspace.open(workspace, actor="cswb report", read_only=True)
    except WorkspaceError:  # left to the notebooks: their failure names the cell that opens it
        return workspace, Edition()
    with ws:
        chosen = get_version(ws, version) if version is not None else (None if draft else latest_version(ws))
        if chosen is None:  # the draft says where each council stands (a joint plan may be adopted by some)
            standings = [c for c in council_adoptions(workspace_tables(ws)) if c.needs_resolution]
            return workspace, Edition(councils=tuple(
                f"{c.council}: {c.status}" + (f" ({c.adopted.isoformat()})" if c.adopted else "") for c in standings))
        edition = Edition(chosen.number, chosen.label, chosen.kind, chosen.adopted_on.isoformat(),
                          tuple(c.statement() for c in chosen.councils))
        if kind != "plan":
            return workspace, edition
        return materialize(ws, chosen.number, scratch / f"version-{chosen.number}"), edition


# -- the batch ---------------------------------------------------------------------------------------------


class _Progress:
    """One tqdm bar per community, stepping through its stages (notebooks, document, PDF)."""

    def __init__(self, names: Sequence[str], steps: int, enabled: bool | None) -> None:
        from tqdm import tqdm

        width = max((len(n) for n in names), default=10)
        self.bars = {
            name: tqdm(total=steps, desc=name.ljust(width), position=n, leave=True, file=sys.stderr,
                       disable=None if enabled is None else not enabled, unit="step", dynamic_ncols=True,
                       bar_format="{desc} {bar:20} {n_fmt}/{total_fmt}{postfix}")
            for n, name in enumerate(names)
        }

    def step(self, name: str, stage: str, done: bool = True) -> None:
        bar = self.bars[name]
        if done:
            bar.update(1)
        bar.set_postfix_str(stage)

    def end(self, name: str, text: str) -> None:
        bar = self.bars[name]
        bar.update(bar.total - bar.n)
        bar.set_postfix_str(text)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def community_notebooks(workspace: Path, outline: Outline, folder: Path | None = None) -> dict[str, Path]:
    """The notebooks a community's document runs, by name, checked against the report contract:
    those the outline draws on, and any other holding a cell an analyst added to this document.
    Raises `ContractError` naming the notebook and the part it lacks (or the tag that leads nowhere)."""
    chosen = {}
    for name in NOTEBOOKS:
        path = notebook_path(name, workspace=workspace, folder=folder)
        notebook = _read_cached(str(path), path.stat().st_mtime_ns)
        needed = outline.parts_of(name)
        missing = missing_parts(notebook, needed)
        if missing:
            raise ContractError(
                f"{name}.ipynb ({path}) has no cell tagged " + ", ".join(f"part:{p}" for p in missing)
                + f", which the {outline.kind} needs: tag the cell that shows it, or compare with a fresh copy "
                "from 'cswb notebooks DIR'")
        check_additions(notebook, name, outline.kind, outline.section_keys)
        if needed or additions(notebook, outline.kind):
            chosen[name] = path
    return chosen


@functools.lru_cache(maxsize=64)
def _read_cached(path: str, _mtime_ns: int) -> dict[str, Any]:
    return read_notebook(Path(path))


class _Batch:
    def __init__(self, workspaces: Sequence[Path], out: Path, kind: str, formats: Sequence[str], all_parts: bool,
                 notebooks: Path | None = None, since: str | None = None, version: int | None = None,
                 draft: bool = False) -> None:
        self.out = out
        self.since = since
        self.version, self.draft = version, draft
        self.run_on: dict[str, Path] = {}  # community -> the workspace its notebooks run on (a version's snapshot)
        self.scratch: Path | None = None  # where versions' snapshots are opened, made when the work starts
        self.notebooks = notebooks
        self.all_parts = all_parts
        self.kind = kind
        self.formats = tuple(formats)
        self.outline = OUTLINES[kind]
        self.names = output_names(workspaces)
        self.results = {n: CommunityResult(n, Path(w)) for n, w in zip(self.names, workspaces, strict=True)}
        self.work: dict[str, Path] = {}
        self.pending: dict[futures.Future[Any], tuple[str, str]] = {}  # future -> (community, notebook or "")

    def tasks(self) -> list[tuple[str, str]]:
        """(community, notebook) pairs in the order they are handed out: each community's longest first."""
        cost = EXPECTED_COST_ALL_PARTS if self.all_parts else EXPECTED_COST
        return [(name, notebook) for name in self.names for notebook in sorted(self.sources.get(name, {}), key=cost.index)]

    def start(self, executor: futures.Executor, progress: _Progress) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        self.scratch = Path(tempfile.mkdtemp(prefix="cswb-report-versions-"))
        umask = os.umask(0)
        os.umask(umask)
        self.sources: dict[str, dict[str, Path]] = {}
        refused: dict[str, tuple[str, str]] = {}  # community -> (where, why)
        for name in self.names:
            self.work[name] = Path(tempfile.mkdtemp(prefix=f"{PARTIAL_PREFIX}{name}{PARTIAL_INFIX}", dir=self.out))
            self.work[name].chmod(0o777 & ~umask)  # a finished report is as readable as any folder made here
            invalid = integrity_refusal(self.results[name].workspace)
            if invalid is not None:
                refused[name] = ("(validate)", invalid)
                continue
            try:
                self.sources[name] = community_notebooks(self.results[name].workspace, self.outline, self.notebooks)
                self.run_on[name], edition = choose_edition(self.results[name].workspace, self.kind, self.version,
                                                            self.draft, self.scratch / name)
                (self.work[name] / EDITION_FILE).write_text(json.dumps(edition.to_json()) + "\n", encoding="utf-8")
            except ContractError as exc:
                refused[name] = (str(exc).split(" ", 1)[0], f"{type(exc).__name__}: {exc}")
            except CswbError as exc:  # e.g. no such version
                self.sources.pop(name, None)
                refused[name] = ("(version)", str(exc))
        for name, (where, why) in refused.items():  # fails alone, before any kernel works for it
            result = self.results[name]
            result.notebook, result.error = where, why
            self.conclude(name, progress)
        for name, notebook in self.tasks():
            target = self.work[name] / "notebooks" / f"{notebook}.ipynb"
            workspace = str(self.run_on.get(name, self.results[name].workspace).resolve())
            parts = None if self.all_parts else self.outline.parts_of(notebook)
            source = str(self.sources[name][notebook])
            future = executor.submit(run_notebook, source, workspace, str(target), parts, self.kind, self.since)
            self.pending[future] = (name, notebook)

    def notebook_done(self, name: str, run: NotebookRun, executor: futures.Executor, progress: _Progress) -> None:
        result = self.results[name]
        result.runs[run.notebook] = run
        result.seconds += run.seconds
        if not run.ok and result.error is None:
            result.notebook, result.cell, result.error = f"{run.notebook}.ipynb", run.cell, run.error
            for future, (other, _notebook) in list(self.pending.items()):
                if other == name and future.cancel():  # no need to run the rest: this report cannot be made
                    del self.pending[future]
        progress.step(name, f"{run.notebook} {'done' if run.ok else 'FAILED'}")
        if any(other == name for other, _ in self.pending.values()):
            return
        if result.error is not None:
            self.conclude(name, progress)
            return
        progress.step(name, "assembling the document", done=False)
        future = executor.submit(finish_report, str(self.work[name]), self.kind, self.formats)
        self.pending[future] = (name, "")

    def document_done(self, name: str, run: FinishRun, progress: _Progress) -> None:
        result = self.results[name]
        result.seconds += run.seconds
        if run.error is not None:
            result.notebook = {"assemble": "(document)", "pdf": "(PDF)", "docx": "(Word)"}.get(run.stage, "(document)")
            result.error = run.error
        self.conclude(name, progress)

    def conclude(self, name: str, progress: _Progress) -> None:
        """Move the community's folder to its final name: complete, or plainly marked as failed."""
        result = self.results[name]
        work = self.work.pop(name)
        final = self.out / name
        failed = self.out / f"{name}{FAILED_SUFFIX}"
        result.status = "failed" if result.error is not None else "ok"
        (work / MARKER).write_text(json.dumps(self._marker(result), indent=2) + "\n", encoding="utf-8")
        _remove_report(failed)
        if result.ok:
            _remove_report(final)
            work.rename(final)
            result.output = final
            progress.end(name, "done")
            return
        for fmt in FORMATS:  # nothing that looks like a finished document
            (work / document_name(self.kind, fmt)).unlink(missing_ok=True)
        (work / "error.txt").write_text(self._error_text(result), encoding="utf-8")
        # An earlier run's document would pass for this run's: it goes too.
        _remove_report(final)
        work.rename(failed)
        result.output = failed
        progress.end(name, "FAILED")

    def _marker(self, result: CommunityResult) -> dict[str, Any]:
        return {
            "kind": self.kind, "status": result.status, "workspace": str(result.workspace.resolve()),
            **({"since": self.since} if self.since else {}),
            # an adopted version's plan ran on its snapshot, a read-only copy removed afterwards
            "ran_on": str(self.run_on.get(result.name, result.workspace).resolve()),
            "made": dt.datetime.now().isoformat(timespec="seconds"), "formats": list(self.formats),
            "cells_run": "all" if self.all_parts else "the parts the document uses",
            "notebooks": {n: {k: v for k, v in asdict(r).items() if k != "notebook"} for n, r in result.runs.items()},
            "error": result.error and {"where": result.notebook, "cell": result.cell, "error": result.error},
        }

    def _error_text(self, result: CommunityResult) -> str:
        lines = [f"The {self.kind} of {result.name} ({result.workspace}) could not be made.", ""]
        lines.append(f"{result.notebook}" + (f", {result.cell}" if result.cell else "") + f": {result.error}")
        for run in result.runs.values():
            if not run.ok and f"{run.notebook}.ipynb" != result.notebook:
                lines.append(f"{run.notebook}.ipynb" + (f", {run.cell}" if run.cell else "") + f": {run.error}")
        not_run = [n for n in self.sources.get(result.name, {}) if n not in result.runs]
        if not_run:
            lines.append("Not run after the failure: " + ", ".join(f"{n}.ipynb" for n in not_run))
        lines += ["", "The executed notebooks are in notebooks/ (the failing cell shows the traceback)."]
        return "\n".join(lines) + "\n"

    def fail_everything_left(self, error: str, progress: _Progress) -> None:
        for name in list(self.work):
            result = self.results[name]
            if result.error is None:
                result.notebook, result.error = "(batch)", error
            self.conclude(name, progress)

    def discard_work(self) -> int:
        """Remove the unfinished communities' folders; how many there were."""
        removed = 0
        for work in list(self.work.values()):
            shutil.rmtree(work, ignore_errors=True)
            removed += not work.exists()
        self.work.clear()
        return removed


def _remove_report(folder: Path) -> None:
    """Remove a folder this command wrote earlier (never a folder it did not write)."""
    if folder.is_dir() and (folder / MARKER).exists():
        shutil.rmtree(folder)
    elif folder.exists():
        raise CswbError(f"{folder} exists and was not written by 'cswb report': move it out of the way")


def build_reports(
    workspaces: Sequence[Path],
    out: Path,
    *,
    kind: str = "plan",
    formats: Sequence[str] = ("html",),
    jobs: int = 1,
    all_parts: bool = False,
    progress: bool | None = None,
    notebooks: Path | None = None,
    since: dt.date | None = None,
    version: int | None = None,
    draft: bool = False,
) -> list[CommunityResult]:
    """Make the `kind` report of every workspace into `out`, `jobs` at a time; one result per workspace.

    Each notebook runs the cells the document uses (every cell but the part cells the document
    does not use and app-only cells; the executed notebook's metadata lists the parts left out); `all_parts` runs every
    cell. `progress`: show the progress bars (None: only on a terminal). `notebooks`: a folder of
    edited notebooks to run instead of the packaged ones (a workspace's own `notebooks/` come first).
    `since`: where a progress report's "what changed" starts (default: the last progress report
    recorded, else the latest adoption).
    `version`: the plan's adopted version to render (default: the latest; the working draft before any
    adoption, or with `draft`).
    """
    if kind not in OUTLINES:
        raise CswbError(f"kind must be one of {', '.join(OUTLINES)}, not {kind!r}")
    if "pdf" in formats:
        from .pdf import PdfError, find_chromium

        if find_chromium() is None:
            raise PdfError("PDF needs Chromium: install it (Debian: apt install chromium) or set CSWB_CHROMIUM")
    if version is not None and draft:
        raise CswbError("--version and --draft exclude each other: a version is adopted, the draft is not")
    if kind != "plan" and (version is not None or draft):
        raise CswbError("--version and --draft choose which plan to render; a progress report always measures "
                        "against the latest adopted version (or the draft before any adoption)")
    batch = _Batch(workspaces, Path(out), kind, formats, all_parts, notebooks, since.isoformat() if since else None,
                   version, draft)
    for name in batch.names:  # refuse before any work rather than after
        for folder in (batch.out / name, batch.out / f"{name}{FAILED_SUFFIX}"):
            if folder.exists() and not (folder / MARKER).exists():
                raise CswbError(f"{folder} exists and was not written by 'cswb report': move it out of the way")
    steps = len(batch.outline.notebooks) + 1 + ("pdf" in formats)
    bars = _Progress(batch.names, steps, progress)
    workers = max(1, min(jobs, len(batch.names) * len(batch.outline.notebooks)))
    executor = futures.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                           initializer=_leave_interrupts_to_the_batch)
    handlers = _catch_stop_signals()
    try:
        batch.start(executor, bars)
        while batch.pending:
            done, _ = futures.wait(list(batch.pending), return_when=futures.FIRST_COMPLETED)
            for future in done:
                name, notebook = batch.pending.pop(future)
                try:
                    outcome = future.result()
                except BrokenProcessPool as exc:
                    batch.pending.clear()
                    batch.fail_everything_left(f"a worker process died: {exc}", bars)
                    break
                except Exception as exc:  # noqa: BLE001 - a task that could not even report
                    outcome = (NotebookRun(notebook, 0.0, f"{type(exc).__name__}: {exc}") if notebook
                               else FinishRun(0.0, "assemble", f"{type(exc).__name__}: {exc}"))
                if notebook:
                    batch.notebook_done(name, outcome, executor, bars)
                else:
                    batch.document_done(name, outcome, bars)
    except BaseException as exc:
        _ignore_stop_signals()  # a second Ctrl-C must not cut the clean-up short
        ended = end_child_processes()
        executor.shutdown(wait=False, cancel_futures=True)
        removed = batch.discard_work()
        if isinstance(exc, _Stop):
            signame = signal.Signals(exc.signum).name
            raise ReportInterrupted(
                f"interrupted by {signame}: ended {ended} worker and kernel process(es), removed {removed} unfinished "
                f"report folder(s); reports finished before stay in {out}", EXIT_STATUS.get(exc.signum, 1)) from None
        raise
    finally:
        _restore_signals(handlers)
        bars.close()
        if batch.scratch is not None:
            _remove_scratch(batch.scratch)
    executor.shutdown(wait=True)
    return [batch.results[name] for name in batch.names]


def _remove_scratch(folder: Path) -> None:
    """The versions' snapshots the notebooks ran on (made read-only, so made writable to be removed)."""
    for path in folder.rglob("*"):
        with contextlib.suppress(OSError):
            path.chmod(0o700 if path.is_dir() else 0o600)
    shutil.rmtree(folder, ignore_errors=True)


def _leave_interrupts_to_the_batch() -> None:
    """In each worker: Ctrl-C reaches the whole terminal's process group; the main process alone
    decides what happens then (it ends the workers and their kernels)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _raise_stop(signum: int, _frame: FrameType | None) -> None:
    raise _Stop(signum)


def _catch_stop_signals() -> dict[int, Any]:
    """SIGINT and SIGTERM raise _Stop in the main thread (only it may set handlers); the old handlers."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {signum: signal.signal(signum, _raise_stop) for signum in STOP_SIGNALS}


def _ignore_stop_signals() -> None:
    if threading.current_thread() is threading.main_thread():
        for signum in STOP_SIGNALS:
            signal.signal(signum, signal.SIG_IGN)


def _restore_signals(handlers: dict[int, Any]) -> None:
    for signum, handler in handlers.items():
        signal.signal(signum, handler)


def end_child_processes() -> int:
    """Kill every process under this one (workers, and their kernels, which run in sessions of
    their own so no process-group signal reaches them); how many there were.

    The tree is frozen first (SIGSTOP, again until no new process appears) so that a worker
    cannot start a kernel while the others die: that kernel would outlive everything as an
    orphan. Killed kernels' connection files (their `-f` argument) are removed too.
    """
    import psutil

    me = psutil.Process()
    spared = {_resource_tracker_pid()}  # multiprocessing's helper: it ends with this process
    frozen: dict[int, psutil.Process] = {}
    for _ in range(20):
        new = [p for p in _descendants(me) if p.pid not in frozen and p.pid not in spared]
        if not new:
            break
        for process in new:
            with contextlib.suppress(psutil.Error):
                process.suspend()
                frozen[process.pid] = process
    connection_files = [f for p in frozen.values() for f in _connection_files(p)]
    for process in frozen.values():
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(list(frozen.values()), timeout=WORKER_GRACE_SECONDS)
    for path in connection_files:
        path.unlink(missing_ok=True)
    return len(frozen)


def _descendants(process: Any) -> list[Any]:
    import psutil

    try:
        return list(process.children(recursive=True))
    except psutil.Error:
        return []


def _resource_tracker_pid() -> int | None:
    from multiprocessing import resource_tracker

    return getattr(resource_tracker._resource_tracker, "_pid", None)


def _connection_files(process: Any) -> list[Path]:
    """A Jupyter kernel's connection file, from its command line (`-m ipykernel_launcher -f X.json`)."""
    import psutil

    try:
        args = process.cmdline()
    except psutil.Error:
        return []
    if "ipykernel_launcher" not in args and "ipykernel" not in args:
        return []
    return [Path(value) for flag, value in itertools.pairwise(args) if flag == "-f" and value.endswith(".json")]


def summary_table(results: Sequence[CommunityResult], wall_seconds: float | None = None) -> str:
    """The batch summary: one row per community; for failures the notebook, cell and error."""
    rows = [("Community", "Status", "Time", "Notebook", "Cell", "Error")]
    for r in results:
        error = (r.error or "").splitlines()[0] if r.error else ""
        rows.append((r.name, "ok" if r.ok else "FAILED", f"{r.seconds:.1f} s", r.notebook or "", r.cell or "",
                     error if len(error) <= 200 else error[:199] + "…"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1] for row in rows]
    lines.insert(1, "-" * max(len(line) for line in lines))
    failed = sum(not r.ok for r in results)
    total = f"{len(results)} report{'s' if len(results) != 1 else ''}: {len(results) - failed} written, {failed} failed"
    if wall_seconds is not None:
        total += f", in {wall_seconds:.1f} s"
    return "\n".join(line.rstrip() for line in lines) + "\n" + total
