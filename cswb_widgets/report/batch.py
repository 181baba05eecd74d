"""`cswb report`: the reports of many communities, side by side, each complete or clearly failed.

Work is split into tasks, one per (community, notebook), plus one per community that assembles
the document and prints it; `jobs` worker processes take them in turn, each keeping its kernel
(:mod:`.runner`). Each community is written into a hidden folder in OUT and renamed when it is
done: to ``OUT/<name>/`` (the document, its PDF, the executed notebooks, ``report.json``) when
everything worked, to ``OUT/<name>.FAILED/`` (the executed notebooks, ``error.txt``, no document)
when anything failed. One community's failure never stops the others.

A community's PDF and Word document are made in the same task from the same HTML, the Word
document on a thread while Chromium prints. `CSWB_REPORT_UNOPTIMISED=1` turns the speed-ups off
(:mod:`.baseline`), for checking that they change no byte of any document.

Runs are incremental and resumable: ``report.json`` records a fingerprint of what made the
report (the workspace's content, the notebooks, the package, the options); a community whose
fingerprint is unchanged since its last successful report is skipped (``force`` redoes it). A run
that was stopped, even by SIGKILL, leaves finished communities in place, so running it again
does only the rest. ``shard`` (I of N) takes a stable slice of the communities (by sorted
folder name), so that a scheduler can spread them over machines.
"""

from __future__ import annotations

import collections
import concurrent.futures as futures
import contextlib
import contextvars
import dataclasses
import datetime as dt
import functools
import glob
import hashlib
import itertools
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from .. import __version__
from ..errors import CswbError
from ..i18n import _
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
from .baseline import unoptimised
from .outline import OUTLINES, Outline
from .print_service import PARENT_CHECK_SECONDS, PrintService, use_print_service
from .runner import NotebookRun, kernel_socket_folder, run_notebook

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
SKIPPED = "skipped (unchanged)"
OWNER_FILE = ".owner"  # in an unfinished folder: "host pid" of the run writing it
# `--jobs auto`: one worker per core, as long as each has this much memory available: a worker's
# share of the peak in benchmarks/province.py (444 communities, HTML + PDF + DOCX, --jobs 2; PSS):
# 0.42 GB with its kernel, and half of the print service with the browser two workers share (0.91 GB), rounded up.
PER_WORKER_BYTES = 2**30
WAIT_TICK_SECONDS = 2.0  # how often the overall view refreshes its elapsed time and ETA
TOTALS_EVERY_SECONDS = 30.0  # in a log (no terminal): a line of totals at least this often
WORKERS_PER_BROWSER = 2  # workers that share one print service (print_services_for)


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
    status: str = "running"  # "ok", "failed" or SKIPPED at the end
    seconds: float = 0.0  # work time: notebooks, assembly and printing
    output: Path | None = None
    notebook: str | None = None  # for failures: where and why
    cell: str | None = None
    error: str | None = None
    runs: dict[str, NotebookRun] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """The community has its report: written by this run, or unchanged since the last one."""
        return self.status in ("ok", SKIPPED)

    @property
    def skipped(self) -> bool:
        return self.status == SKIPPED


def document_name(kind: str, fmt: str, language: str | None = None) -> str:
    """`plan.html`; one language's document of a bilingual plan: `plan.fr.html`."""
    return f"{kind}.{language}.{fmt}" if language else f"{kind}.{fmt}"


PLAN_LANGUAGES = ("en", "fr", "both")  # `community.plan_language`, `cswb report --lang`


def document_languages(choice: str | None) -> tuple[str, ...]:
    """The languages a plan is made in: "both" makes two documents (English, then French); blank is English."""
    code = (choice or "").strip().lower()
    if code == "both":
        return ("en", "fr")
    return (code,) if code in ("en", "fr") else ("en",)


def workspace_plan_language(workspace: Path) -> str:
    """The workspace's plan language (`community.plan_language`); "en" when blank, unknown, or before
    the schema had it."""
    from ..store import Workspace

    try:
        with Workspace.open(workspace, actor="cswb report", read_only=True) as ws:
            community = ws.table("community")
    except (CswbError, KeyError, ValueError):
        return "en"
    if "plan_language" not in community.columns or community.empty:
        return "en"
    value = str(community["plan_language"].iloc[0] or "").strip().lower()
    return value if value in PLAN_LANGUAGES else "en"


def task_key(notebook: str, language: str, languages: Sequence[str]) -> str:
    """A notebook's name in the community's folder: `risk`, or `risk.fr` when the plan is in two languages."""
    return f"{notebook}.{language}" if len(languages) > 1 else notebook


def parse_formats(text: str) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise CswbError(_("--format takes html, pdf, docx or a list of them such as html,pdf,docx, not {text}").format(text=repr(text)))
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


# -- which communities, how many workers ---------------------------------------------------------


def parse_shard(text: str) -> tuple[int, int]:
    """"I/N" (1 <= I <= N) as (I, N): the I-th of N slices of the communities."""
    index, sep, count = text.partition("/")
    try:
        shard = (int(index), int(count))
    except ValueError:
        shard = (0, 0)
    if not sep or not 1 <= shard[0] <= shard[1]:
        raise CswbError(_("--shard takes I/N with 1 <= I <= N (e.g. 2/4 for the second of four slices), not {text}").format(text=repr(text)))
    return shard


def in_shard(names: Sequence[str], index: int, count: int) -> list[bool]:
    """Whether each community (by folder name) is in the `index`-th of `count` slices: the names in
    sorted order, dealt out in turn. Slices differ in size by at most one, none overlap, together
    they hold every community, and every machine given the same workspaces computes the same slices
    (whatever order its shell listed them in)."""
    position = {name: n for n, name in enumerate(sorted(names))}
    return [position[name] % count == index - 1 for name in names]


def auto_jobs(per_worker_bytes: int = PER_WORKER_BYTES) -> int:
    """`--jobs auto`: min(cores this process may use, available memory / one worker's peak), at least 1.

    Available memory is the machine's (psutil), capped by a cgroup limit if the process runs under
    one (a container, a Kubernetes pod)."""
    import psutil

    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    available = psutil.virtual_memory().available
    limit = _cgroup_memory_left()
    if limit is not None:
        available = min(available, limit)
    return max(1, min(cores, available // per_worker_bytes))


def _cgroup_memory_left() -> int | None:
    """Bytes the cgroup (v2) this process runs in may still use, or None if it has no limit."""
    folder = Path("/sys/fs/cgroup")
    try:
        limit = (folder / "memory.max").read_text().strip()
        if limit == "max":
            return None
        return max(0, int(limit) - int((folder / "memory.current").read_text().strip()))
    except (OSError, ValueError):
        return None


def parse_jobs(text: str) -> int:
    """`--jobs`: a number of workers (1 to 64), or "auto" (`auto_jobs`)."""
    if text.strip().lower() == "auto":
        return auto_jobs()
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if not 1 <= jobs <= 64:
        raise CswbError(_("--jobs takes a number from 1 to 64 or 'auto', not {text}").format(text=repr(text)))
    return jobs


# -- what a report was made from --------------------------------------------------------------------


def _file_digest(path: Path) -> str:
    state = path.stat()
    return _file_digest_of(str(path), state.st_size, state.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _file_digest_of(path: str, _size: int, _mtime_ns: int) -> str:
    """A file's SHA-256, read once per version of it in this process (the same notebooks serve
    every community)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def package_digest() -> str:
    """The package's version and a hash of its files and reference catalogues: a new release, or an
    edited checkout, remakes every report.

    Walked afresh on each call (about 0.05 s; each file is read again only if its size or mtime
    changed): a process that lives across an upgrade (a notebook, a service, a test session) must
    not judge today's reports by the files it saw first. `cswb report` calls it once per run."""
    from ..paths import reference_dir

    digest = hashlib.sha256(f"cswb-workbook {__version__}\n".encode())
    package = Path(__file__).resolve().parents[1]
    for folder in (package, reference_dir()):
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(f"{path.relative_to(folder)} {_file_digest(path)}\n".encode())
    return digest.hexdigest()


def fingerprint(workspace: Path, notebooks: Mapping[str, Path], options: Mapping[str, Any],
                known: Mapping[str, Any] | None = None, package: str | None = None) -> dict[str, Any]:
    """What a community's report is made from; equal digests make equal reports. `known`: the
    fingerprint of its last report, whose workspace digest stands if the file is exactly as it was
    then (`store.digest.file_state`). `package`: `package_digest()`, if the caller already has it."""
    from ..store.digest import content_digest, file_state

    try:
        state: list[int] | None = file_state(workspace)
    except OSError:
        state = None
    known = known or {}
    if state is not None and known.get("workspace_file") == state and isinstance(known.get("workspace"), str):
        workspace_digest = known["workspace"]
    else:
        workspace_digest = content_digest(workspace)
    parts: dict[str, Any] = {
        "workspace": workspace_digest,
        "notebooks": {name: _file_digest(path) for name, path in sorted(notebooks.items())},
        "package": f"{__version__} {package if package is not None else package_digest()}",
        "options": dict(sorted(options.items())),
    }
    parts["digest"] = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    parts["workspace_file"] = state  # not part of the digest: only says when to trust the recorded one
    return parts


def last_fingerprint(folder: Path) -> dict[str, Any] | None:
    """The fingerprint of the successful report in `folder`, if there is one."""
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("status") != "ok" or not isinstance(marker.get("fingerprint"), dict):
        return None
    return marker["fingerprint"]


def unchanged_report(folder: Path, digest: str, documents: Sequence[str]) -> bool:
    """Whether `folder` holds a successful report made from the fingerprint `digest`, documents and all."""
    known = last_fingerprint(folder)
    return (known is not None and known.get("digest") == digest
            and all((folder / document).is_file() for document in documents))


def _write_atomically(path: Path, text: str) -> None:
    """A reader (or a later run) sees the old file or the new one, never half of one."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def remove_abandoned_work(out: Path, names: Sequence[str]) -> int:
    """Remove unfinished folders of `names` that a run on this machine left when it was killed
    (SIGKILL, a power cut): their owner process is gone. How many were removed."""
    import psutil

    removed = 0
    host = socket.gethostname()
    for name in names:
        for work in out.glob(f"{PARTIAL_PREFIX}{glob.escape(name)}{PARTIAL_INFIX}*"):
            try:
                owner_host, owner_pid = (work / OWNER_FILE).read_text(encoding="utf-8").split()
                abandoned = owner_host == host and not psutil.pid_exists(int(owner_pid))
            except (OSError, ValueError):  # killed before it said whose it was
                abandoned = time.time() - work.stat().st_mtime > 3600
            if abandoned:
                shutil.rmtree(work, ignore_errors=True)
                removed += not work.exists()
    return removed


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


# -- worker task: the document --------------------------------------------------------------------


def finish_report(folder: str, kind: str, formats: Sequence[str], languages: Sequence[str] = ("en",)) -> FinishRun:
    """Assemble the document from the executed notebooks in `folder`/notebooks, and print it if asked;
    one document per language of a bilingual plan, each from its own language's notebooks."""
    from ..i18n import use_language
    from .assemble import assemble

    started = time.perf_counter()
    work = Path(folder)
    outline = OUTLINES[kind]
    executed = sorted((work / "notebooks").glob("*.ipynb"))
    for language in languages:
        named = language if len(languages) > 1 else None
        html_path = work / document_name(kind, "html", named)
        with use_language(language):
            try:
                notebooks = {path.stem.removesuffix(f".{named}"): read_notebook(path) for path in executed
                             if named is None or path.stem.endswith(f".{named}")}
                html = assemble(notebooks, outline, edition=read_edition(work))
                html_path.write_text(html, encoding="utf-8")
            except Exception as exc:  # noqa: BLE001 - reported in the summary, the batch goes on
                return FinishRun(time.perf_counter() - started, "assemble", f"{type(exc).__name__}: {exc}")
            failed = _print_and_write(html, html_path, work / document_name(kind, "pdf", named),
                                      work / document_name(kind, "docx", named), formats, started)
            if failed is not None:
                return failed
        if "html" not in formats:
            html_path.unlink()
    return FinishRun(time.perf_counter() - started)


def _print_and_write(html: str, html_path: Path, pdf_path: Path, docx_path: Path, formats: Sequence[str],
                     started: float) -> FinishRun | None:
    """The PDF and the Word document of one assembled document; the failure, if any."""
    docx_done: futures.Future[Any] | None = None
    # The Word document is written while Chromium prints (the worker only waits for it then), from
    # the same document: no notebook runs again. Plain way (baseline.unoptimised): one after the other.
    side = None if unoptimised() or "pdf" not in formats or "docx" not in formats else \
        futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="cswb-docx")
    try:
        if side is not None:  # in this document's language: a thread does not inherit the context
            docx_done = side.submit(contextvars.copy_context().run, _write_docx, html, docx_path)
        if "pdf" in formats:
            from .pdf import print_pdf
            from .print_service import batch_printer

            try:  # the batch's one browser (or the worker's own), kept for every document (plain way: one each)
                if unoptimised():
                    print_pdf(html_path, pdf_path)
                else:
                    batch_printer().print(html_path, pdf_path)
            except Exception as exc:  # noqa: BLE001 - reported in the summary, the batch goes on
                return FinishRun(time.perf_counter() - started, "pdf", f"{type(exc).__name__}: {exc}")
        if "docx" in formats:
            try:
                if docx_done is not None:
                    docx_done.result()
                else:
                    _write_docx(html, docx_path)
            except Exception as exc:  # noqa: BLE001 - reported in the summary, the batch goes on
                return FinishRun(time.perf_counter() - started, "docx", f"{type(exc).__name__}: {exc}")
    finally:
        if side is not None:
            side.shutdown(wait=True)  # a failed PDF still waits: nothing writes into the folder after this
        _return_freed_memory()
    return None


@functools.cache
def _malloc_trim() -> Any:
    import ctypes

    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to trim
        return None


def _return_freed_memory() -> None:
    """Give the heap pages the document's trees were freed from back to the system: glibc keeps
    them (in the Word thread's arena too), and a worker would stay as large as its largest document
    (a large city's plan: 42 MB given back)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _write_docx(html: str, path: Path) -> None:
    from .docx import write_docx

    write_docx(html, path)


# -- which plan: an adopted version or the working draft ----------------------------------------------

EDITION_FILE = "edition.json"  # in the community's folder: which plan the notebooks ran on


def read_edition(folder: Path) -> Edition:
    path = folder / EDITION_FILE
    return Edition.from_json(json.loads(path.read_text(encoding="utf-8"))) if path.exists() else Edition()


def choose_edition(workspace: Path, kind: str, version: int | None, draft: bool, scratch: Path) -> tuple[Path, Edition]:
    """(the workspace the notebooks run on, the edition): a plan renders the adopted version asked for
    (default: the latest) from its snapshot, materialized read-only in `scratch`; the working draft when
    asked or before any adoption. A progress report runs on the live workspace and measures against
    the version asked for (default: the latest), which its notebooks are told."""
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
                f"{c.council}: {c.status}" + (f" ({c.adopted.isoformat()})" if c.adopted else "") for c in standings),
                adoptions=tuple((c.council, c.status, c.adopted.isoformat() if c.adopted else "", "")
                                for c in standings))
        edition = Edition(chosen.number, chosen.label, chosen.kind, chosen.adopted_on.isoformat(),
                          tuple(c.statement() for c in chosen.councils),
                          tuple(_adoption_parts(c) for c in chosen.councils))
        if kind != "plan":
            return workspace, edition
        return materialize(ws, chosen.number, scratch / f"version-{chosen.number}"), edition


def _adoption_parts(council: Any) -> tuple[str, str, str, str]:
    """A council's adoption of a version as the document words it (`Edition.adoptions`): the reference
    keeps its own word ("Resolution CS-2024-061", "BCR 12"), or reads "resolution N" in the document's language."""
    reference = str(council.reference or "")
    named = re.match(r"(?i)(band council )?resolution\b|bcr\b", reference)
    shown = reference if not reference or named else "{resolution} " + reference
    return (council.council, "approved" if council.approval == "Endorsement" else "adopted",
            council.adopted.isoformat(), shown)


# -- the batch ---------------------------------------------------------------------------------------------


def clock(seconds: float) -> str:
    """Elapsed time or ETA as H:MM:SS (or M:SS under an hour)."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class _Progress:
    """The run as a whole (communities done / failed / skipped, elapsed, ETA) and each community.

    On a terminal: one tqdm bar for the whole run on top, then one per community stepping through
    its stages. In a log (no terminal): one line per community as it ends, with the run's totals,
    and a line of totals at least every TOTALS_EVERY_SECONDS while work goes on.
    `enabled`: None chooses by the terminal, False shows nothing.
    """

    def __init__(self, names: Sequence[str], steps: int, enabled: bool | None, stream: Any = None) -> None:
        from tqdm import tqdm

        self.stream = stream or sys.stderr
        self.total = len(names)
        self.counts = {"done": 0, "failed": 0, "skipped": 0}
        self.started = time.monotonic()
        self.last_totals = self.started
        terminal = enabled if enabled is not None else _is_terminal(self.stream)
        self.lines = enabled is None and not terminal  # a log: plain lines instead of bars
        self.quiet = enabled is False
        bars = terminal and not self.quiet
        width = max((len(n) for n in names), default=10)
        self.overall = tqdm(total=self.total, desc="All communities".ljust(width), position=0, leave=True,
                            file=self.stream, disable=not bars, unit="community", dynamic_ncols=True,
                            bar_format="{desc} {bar:20} {n_fmt}/{total_fmt}{postfix}")
        self.bars = {
            name: tqdm(total=steps, desc=name.ljust(width), position=n, leave=True, file=self.stream,
                       disable=not bars, unit="step", dynamic_ncols=True,
                       bar_format="{desc} {bar:20} {n_fmt}/{total_fmt}{postfix}")
            for n, name in enumerate(names, start=1)
        }

    def step(self, name: str, stage: str, done: bool = True) -> None:
        bar = self.bars[name]
        if done:
            bar.update(1)
        bar.set_postfix_str(stage)

    def end(self, name: str, status: str, seconds: float = 0.0) -> None:
        """A community is finished: `status` is "done", "failed" or "skipped"."""
        self.counts[status] += 1
        bar = self.bars[name]
        bar.update(bar.total - bar.n)
        bar.set_postfix_str({"failed": "FAILED", "skipped": SKIPPED}.get(status, "done"))
        self.overall.update(1)
        self.overall.set_postfix_str(self.totals(), refresh=True)
        if self.lines:
            took = f" in {seconds:.1f} s" if status != "skipped" else ""
            self._say(f"{name}: {SKIPPED if status == 'skipped' else status}{took} [{self.totals()}]")

    def tick(self) -> None:
        """While work goes on: refresh the elapsed time and ETA (and, in a log, the periodic totals)."""
        now = time.monotonic()
        self.overall.set_postfix_str(self.totals(), refresh=True)
        if self.lines and now - self.last_totals >= TOTALS_EVERY_SECONDS and self.finished < self.total:
            self._say(f"progress [{self.totals()}]")

    @property
    def finished(self) -> int:
        return sum(self.counts.values())

    def eta(self) -> float | None:
        """Seconds left: the communities still to make, at the pace of those made so far (skipped
        ones took no time and say nothing of the pace); None before the first is made."""
        made = self.counts["done"] + self.counts["failed"]
        if not made:
            return None
        return (self.total - self.finished) * (time.monotonic() - self.started) / made

    def totals(self) -> str:
        eta = self.eta()
        return (f"{self.finished}/{self.total}: {self.counts['done']} done, {self.counts['failed']} failed, "
                f"{self.counts['skipped']} skipped; elapsed {clock(time.monotonic() - self.started)}, "
                f"ETA {'unknown' if eta is None else clock(eta)}")

    def _say(self, line: str) -> None:
        self.last_totals = time.monotonic()
        print(f"cswb report: {line}", file=self.stream, flush=True)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
        self.overall.close()


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


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
            raise ContractError(_(
                "{notebook} ({path}) has no cell tagged {tags}, which the {document} needs: tag the cell that shows it, or "
                "compare with a fresh copy from 'cswb notebooks DIR'").format(
                    notebook=f"{name}.ipynb", path=path, tags=", ".join(f"part:{p}" for p in missing), document=outline.kind))
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
                 draft: bool = False, force: bool = False, names: Sequence[str] | None = None,
                 language: str | None = None) -> None:
        self.out = out
        self.language = language  # `--lang`; None: each workspace's plan language
        self.languages: dict[str, tuple[str, ...]] = {}  # community -> its documents' languages
        self.since = since
        self.version, self.draft = version, draft
        self.run_on: dict[str, Path] = {}  # community -> the workspace its notebooks run on (a version's snapshot)
        self.measured: dict[str, int | None] = {}  # community -> the version its progress report measures against
        self.scratch: Path | None = None  # where versions' snapshots are opened, made when the work starts
        self.force = force
        self.fingerprints: dict[str, dict[str, Any]] = {}
        self.notebooks = notebooks
        self.all_parts = all_parts
        self.kind = kind
        self.formats = tuple(formats)
        self.outline = OUTLINES[kind]
        self.names = list(names) if names is not None else output_names(workspaces)
        self.results = {n: CommunityResult(n, Path(w)) for n, w in zip(self.names, workspaces, strict=True)}
        self.work: dict[str, Path] = {}
        self.pending: dict[futures.Future[Any], tuple[str, str]] = {}  # future -> (community, notebook or "")
        self.queue: collections.deque[tuple[str, str]] = collections.deque()  # notebooks not handed out yet
        self.window = 1  # notebooks handed out at once: the workers, and one more each could take next
        self.unprepared: collections.deque[str] = collections.deque()  # communities not looked at yet
        self.umask = 0o022
        self.package = ""

    @property
    def options(self) -> dict[str, Any]:
        """The options a report depends on (its fingerprint holds them): another value remakes it.
        A progress report measures against today (overdue actions, days left), so its day counts too;
        a plan renders its content, whatever the day."""
        options: dict[str, Any] = {"kind": self.kind, "formats": sorted(self.formats), "all_parts": self.all_parts}
        if self.kind == "progress":
            options["as_of"] = dt.date.today().isoformat()
        if self.since:
            options["since"] = self.since
        # which plan: an adopted version (its number, or the latest) or the draft; a progress report's
        # measures against the version asked for or the latest, which the workspace's digest covers
        options["version"] = "draft" if self.draft else (self.version or "latest")
        return options

    def tasks(self, name: str) -> list[tuple[str, str]]:
        """The community's (community, notebook) pairs in the order they are handed out: longest first."""
        cost = EXPECTED_COST_ALL_PARTS if self.all_parts else EXPECTED_COST
        return [(name, key) for key in self.keys(name, sorted(self.sources.get(name, {}), key=cost.index))]

    def keys(self, name: str, notebooks: Sequence[str]) -> list[str]:
        """The community's notebook runs: each notebook once per language of its documents."""
        languages = self.languages.get(name, ("en",))
        return [task_key(notebook, language, languages) for language in languages for notebook in notebooks]

    def documents(self, name: str) -> list[str]:
        languages = self.languages.get(name, ("en",))
        return [document_name(self.kind, fmt, language if len(languages) > 1 else None)
                for language in languages for fmt in self.formats]

    def start(self, executor: futures.Executor, progress: _Progress) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        self.scratch = Path(tempfile.mkdtemp(prefix="cswb-report-versions-"))
        umask = os.umask(0)
        os.umask(umask)
        self.umask = umask
        self.sources: dict[str, dict[str, Path]] = {}
        self.progress = progress
        remove_abandoned_work(self.out, self.names)
        self.package = package_digest()  # once per run, read now: the files this run's workers will import
        # Communities are prepared as the workers need them, not all first: 444 of them took ~30 s
        # during which no worker had a notebook to run.
        self.unprepared = collections.deque(self.names)
        self.fill(executor)

    def prepare(self, name: str) -> None:
        """Skip the community if its report is unchanged, refuse it if it cannot run, else queue its notebooks."""
        result = self.results[name]
        self.languages[name] = document_languages(self.language or workspace_plan_language(result.workspace))
        documents = self.documents(name)
        refusal: tuple[str, str] | None = None
        try:
            sources = community_notebooks(result.workspace, self.outline, self.notebooks)
        except ContractError as exc:
            sources, refusal = None, (str(exc).split(" ", 1)[0], f"{type(exc).__name__}: {exc}")
        if sources is not None:
            with contextlib.suppress(CswbError):  # an unreadable workspace: its notebooks will say why
                self.fingerprints[name] = fingerprint(
                    result.workspace, sources, {**self.options, "languages": list(self.languages[name])},
                    last_fingerprint(self.out / name), self.package)
            digest = self.fingerprints.get(name, {}).get("digest")
            if not self.force and digest and unchanged_report(self.out / name, digest, documents):
                result.status, result.output = SKIPPED, self.out / name
                self.progress.end(name, "skipped")
                return
        self.open_work(name)
        invalid = integrity_refusal(result.workspace)
        if invalid is not None:
            refusal = ("(validate)", invalid)
        elif sources is not None:
            assert self.scratch is not None
            try:
                self.run_on[name], edition = choose_edition(result.workspace, self.kind, self.version,
                                                            self.draft, self.scratch / name)
            except CswbError as exc:  # e.g. no such version
                refusal = ("(version)", str(exc))
            else:
                self.measured[name] = edition.version
                (self.work[name] / EDITION_FILE).write_text(json.dumps(edition.to_json()) + "\n", encoding="utf-8")
                self.sources[name] = sources
                self.queue.extend(self.tasks(name))
                return
        if refusal is not None:  # fails alone, before any kernel works for it
            result.notebook, result.error = refusal
            self.conclude(name, self.progress)

    def open_work(self, name: str) -> None:
        """The community's unfinished folder, marked with who makes it."""
        self.work[name] = Path(tempfile.mkdtemp(prefix=f"{PARTIAL_PREFIX}{name}{PARTIAL_INFIX}", dir=self.out))
        self.work[name].chmod(0o777 & ~self.umask)  # a finished report is as readable as any folder made here
        (self.work[name] / OWNER_FILE).write_text(f"{socket.gethostname()} {os.getpid()}\n", encoding="utf-8")

    def fill(self, executor: futures.Executor) -> None:
        """Hand out notebooks, only as many as keep the workers busy: a community's document is
        then made as soon as its notebooks are done (before other communities' notebooks), so
        communities finish one after another and a stopped run keeps them."""
        while sum(bool(notebook) for _, notebook in self.pending.values()) < self.window:
            if not self.queue:
                if not self.unprepared:
                    break
                self.prepare(self.unprepared.popleft())
                continue
            name, key = self.queue.popleft()
            notebook, _, language = key.partition(".")
            language = language or self.languages[name][0]
            target = self.work[name] / "notebooks" / f"{key}.ipynb"
            workspace = str(self.run_on.get(name, self.results[name].workspace).resolve())
            parts = None if self.all_parts else self.outline.parts_of(notebook)
            source = str(self.sources[name][notebook])
            version = self.measured.get(name) if self.kind == "progress" else None
            future = executor.submit(run_notebook, source, workspace, str(target), parts, self.kind, self.since,
                                     version, language)
            self.pending[future] = (name, key)

    def notebook_done(self, name: str, run: NotebookRun, executor: futures.Executor, progress: _Progress) -> None:
        result = self.results[name]
        result.runs[run.notebook] = run
        result.seconds += run.seconds
        if not run.ok and result.error is None:
            result.notebook, result.cell, result.error = f"{run.notebook}.ipynb", run.cell, run.error
            for future, (other, _notebook) in list(self.pending.items()):
                if other == name and future.cancel():  # no need to run the rest: this report cannot be made
                    del self.pending[future]
            self.queue = collections.deque(task for task in self.queue if task[0] != name)
        progress.step(name, f"{run.notebook} {'done' if run.ok else 'FAILED'}")
        if any(other == name for other, _ in self.pending.values()) or any(other == name for other, _ in self.queue):
            return
        if result.error is not None:
            self.conclude(name, progress)
            return
        progress.step(name, "assembling the document", done=False)
        future = executor.submit(finish_report, str(self.work[name]), self.kind, self.formats,
                                 self.languages.get(name, ("en",)))
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
        (work / OWNER_FILE).unlink(missing_ok=True)
        _write_atomically(work / MARKER, json.dumps(self._marker(result), indent=2) + "\n")
        _remove_report(failed)
        if result.ok:
            _remove_report(final)
            work.rename(final)
            result.output = final
            progress.end(name, "done", result.seconds)
            return
        for fmt in FORMATS:  # nothing that looks like a finished document
            for language in (None, *self.languages.get(name, ())):
                (work / document_name(self.kind, fmt, language)).unlink(missing_ok=True)
        (work / "error.txt").write_text(self._error_text(result), encoding="utf-8")
        # An earlier run's document would pass for this run's: it goes too.
        _remove_report(final)
        work.rename(failed)
        result.output = failed
        progress.end(name, "failed", result.seconds)

    def _marker(self, result: CommunityResult) -> dict[str, Any]:
        return {
            "kind": self.kind, "status": result.status, "workspace": str(result.workspace.resolve()),
            **({"since": self.since} if self.since else {}),
            # the adopted version a progress report measured against (null: the working draft)
            **({"measured_against_version": self.measured.get(result.name)} if self.kind == "progress" else {}),
            # an adopted version's plan ran on its snapshot, a read-only copy removed afterwards
            "ran_on": str(self.run_on.get(result.name, result.workspace).resolve()),
            "made": dt.datetime.now().isoformat(timespec="seconds"), "formats": list(self.formats),
            # the documents' languages: one, or English and French (plan.en.html, plan.fr.html) for "both"
            "languages": list(self.languages.get(result.name, ("en",))),
            "documents": self.documents(result.name) if result.status == "ok" else [],
            "cells_run": "all" if self.all_parts else "the parts the document uses",
            "notebooks": {n: {k: v for k, v in asdict(r).items() if k != "notebook"} for n, r in result.runs.items()},
            "error": result.error and {"where": result.notebook, "cell": result.cell, "error": result.error},
            # What the report was made from: the next run skips this community while it is unchanged.
            "fingerprint": self.fingerprints.get(result.name),
        }

    def _error_text(self, result: CommunityResult) -> str:
        lines = [f"The {self.kind} of {result.name} ({result.workspace}) could not be made.", ""]
        lines.append(f"{result.notebook}" + (f", {result.cell}" if result.cell else "") + f": {result.error}")
        for run in result.runs.values():
            if not run.ok and f"{run.notebook}.ipynb" != result.notebook:
                lines.append(f"{run.notebook}.ipynb" + (f", {run.cell}" if run.cell else "") + f": {run.error}")
        not_run = [n for n in self.keys(result.name, list(self.sources.get(result.name, {}))) if n not in result.runs]
        if not_run:
            lines.append("Not run after the failure: " + ", ".join(f"{n}.ipynb" for n in not_run))
        lines += ["", "The executed notebooks are in notebooks/ (the failing cell shows the traceback)."]
        return "\n".join(lines) + "\n"

    def fail_everything_left(self, error: str, progress: _Progress) -> None:
        self.queue.clear()
        while self.unprepared:  # each still gets its folder saying why it was not made
            self.open_work(self.unprepared.popleft())
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
    refuse_if_not_ours(folder)
    if folder.is_dir():
        shutil.rmtree(folder)


def refuse_if_not_ours(folder: Path) -> None:
    """A folder in the way that this command did not write is never removed: say so in one line."""
    if folder.exists() and not (folder / MARKER).exists():
        raise CswbError(_("{folder} exists and was not written by 'cswb report': move it out of the way").format(folder=folder))


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
    force: bool = False,
    shard: tuple[int, int] | None = None,
    progress_stream: Any = None,
    language: str | None = None,
) -> list[CommunityResult]:
    """Make the `kind` report of every workspace into `out`, `jobs` at a time; one result per workspace
    (of the shard, with `shard`).

    Each notebook runs the cells the document uses (every cell but the part cells the document
    does not use and app-only cells; the executed notebook's metadata lists the parts left out); `all_parts` runs every
    cell. `progress`: show the progress bars (None: on a terminal; in a log, one line per community
    and periodic totals; False: nothing), on `progress_stream` (default stderr). `notebooks`: a
    folder of edited notebooks to run instead of the packaged ones (a workspace's own `notebooks/`
    come first). `since`: where a progress report's "what changed" starts (default: the last
    progress report recorded, else the latest adoption). `version`: the plan's adopted version to
    render, or a progress report measures against (default: the latest; the working draft before
    any adoption, or, for a plan, with `draft`). A
    community unchanged since its last successful report in `out` is skipped unless `force`.
    `shard=(I, N)`: only the communities of the I-th of N slices (`in_shard`). `language`: "en", "fr"
    or "both" (two documents, `<kind>.en.<format>` and `<kind>.fr.<format>`); default: each workspace's
    plan language (`community.plan_language`; blank is English).
    """
    if language is not None and language not in PLAN_LANGUAGES:
        raise CswbError(_("--lang takes en, fr or both, not {text}").format(text=repr(language)))
    if kind not in OUTLINES:
        raise CswbError(_("kind must be one of {choices}, not {value}").format(choices=", ".join(OUTLINES), value=repr(kind)))
    if "pdf" in formats:
        from .pdf import PdfError, find_chromium

        if find_chromium() is None:
            raise PdfError(_("PDF needs Chromium: install it (Debian: apt install chromium) or set CSWB_CHROMIUM"))
    if version is not None and draft:
        raise CswbError(_("--version and --draft exclude each other: a version is adopted, the draft is not"))
    if kind != "plan" and draft:
        raise CswbError(_("--draft chooses the plan to render; a progress report measures against an adopted version "
                          "(--version N, default the latest), or against the draft before any adoption"))
    names = output_names(workspaces)  # from every workspace given, so a name is the same in every shard
    if shard is not None:
        index, count = shard
        chosen = [n for n, member in enumerate(in_shard(names, index, count)) if member]
        workspaces, names = [workspaces[n] for n in chosen], [names[n] for n in chosen]
    batch = _Batch(workspaces, Path(out), kind, formats, all_parts, notebooks, since.isoformat() if since else None,
                   version, draft, force, names, language)
    for name in batch.names:  # refuse before any work rather than after
        for folder in (batch.out / name, batch.out / f"{name}{FAILED_SUFFIX}"):
            refuse_if_not_ours(folder)
    steps = len(batch.outline.notebooks) * (2 if language == "both" else 1) + 1 + ("pdf" in formats)
    bars = _Progress(batch.names, steps, progress, progress_stream)
    workers = max(1, min(jobs, len(batch.names) * len(batch.outline.notebooks)))
    handlers = _catch_stop_signals()
    # Two workers print through one browser (print_service): one browser's memory, not one each.
    printing = contextlib.ExitStack()
    services = [printing.enter_context(PrintService()) for _ in range(print_services_for(workers))] \
        if "pdf" in formats and not unoptimised() else []
    addresses = tuple(service.address for service in services if service.address is not None)
    context = multiprocessing.get_context("spawn")
    executor = futures.ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker,
                                           initargs=(addresses, context.Value("i", 0)))
    batch.window = 2 * workers
    try:
        batch.start(executor, bars)
        while batch.pending:
            done, _still_running = futures.wait(list(batch.pending), timeout=WAIT_TICK_SECONDS,
                                   return_when=futures.FIRST_COMPLETED)
            bars.tick()
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
                if notebook:  # a bilingual plan's runs are named by language too ("risk.fr")
                    batch.notebook_done(name, dataclasses.replace(outcome, notebook=notebook), executor, bars)
                else:
                    batch.document_done(name, outcome, bars)
            batch.fill(executor)
    except BaseException as exc:
        _ignore_stop_signals()  # a second Ctrl-C must not cut the clean-up short
        ended = end_child_processes()
        executor.shutdown(wait=False, cancel_futures=True)
        removed = batch.discard_work()
        if isinstance(exc, _Stop):
            signame = signal.Signals(exc.signum).name
            raise ReportInterrupted(_(
                "interrupted by {signal}: ended {ended} worker and kernel process(es), removed {removed} unfinished report "
                "folder(s); reports finished before stay in {out}").format(signal=signame, ended=ended, removed=removed, out=out),
                EXIT_STATUS.get(exc.signum, 1)) from None
        raise
    finally:
        _restore_signals(handlers)
        bars.close()
        if batch.scratch is not None:
            _remove_scratch(batch.scratch)
        printing.close()  # every document is printed (or the run is over)
    executor.shutdown(wait=True)
    return [batch.results[name] for name in batch.names]


def _remove_scratch(folder: Path) -> None:
    """The versions' snapshots the notebooks ran on (made read-only, so made writable to be removed)."""
    for path in folder.rglob("*"):
        with contextlib.suppress(OSError):
            path.chmod(0o700 if path.is_dir() else 0o600)
    shutil.rmtree(folder, ignore_errors=True)


def print_services_for(workers: int) -> int:
    """How many browsers print for `workers` workers: one for each two (one worker keeps its own).

    A browser prints for two workers with room to spare: a plan takes it about 0.7 s, so in the
    444-community run of benchmarks/province.py (546 s) it was busy about 57 % of the time; for
    more workers its queue would hold them up."""
    return 0 if workers < 2 else -(-workers // WORKERS_PER_BROWSER)


def take_print_service(print_services: Sequence[tuple[str, bytes]], started: Any) -> tuple[str, bytes] | None:
    """The print service of the worker starting now: the next in turn (None: there is none)."""
    if not print_services or started is None:
        return None
    with started.get_lock():
        turn, started.value = started.value, started.value + 1
    return print_services[turn % len(print_services)]


def _start_worker(print_services: Sequence[tuple[str, bytes]] = (), started: Any = None) -> None:
    """In each worker: Ctrl-C reaches the whole terminal's process group; the main process alone
    decides what happens then (it ends the workers and their kernels). If the main process is
    killed outright (SIGKILL, the OOM killer), nothing decides: the worker ends itself.
    `print_services`: where the batch's print services listen (none: the worker prints for itself);
    the workers take them in turn, counting in `started` (a shared integer)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    use_print_service(take_print_service(print_services, started))
    threading.Thread(target=_end_with_the_batch, args=(os.getppid(),), name="cswb-batch-watch", daemon=True).start()


def _end_with_the_batch(batch_pid: int) -> None:
    """Once the batch process is gone (this worker is re-parented), end this worker's kernel and
    browser and the worker itself: an orphan would go on writing into a folder the next run removes."""
    while os.getppid() == batch_pid:
        time.sleep(PARENT_CHECK_SECONDS)
    end_child_processes()
    os._exit(1)


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
    for _attempt in range(20):
        new = [p for p in _descendants(me) if p.pid not in frozen and p.pid not in spared]
        if not new:
            break
        for process in new:
            with contextlib.suppress(psutil.Error):
                process.suspend()
                frozen[process.pid] = process
    connection_files = [f for p in frozen.values() for f in _connection_files(p)]
    socket_folders = [folder for f in connection_files if (folder := kernel_socket_folder(f)) is not None]
    for process in frozen.values():
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(list(frozen.values()), timeout=WORKER_GRACE_SECONDS)
    for path in connection_files:
        path.unlink(missing_ok=True)
    for folder in socket_folders:
        shutil.rmtree(folder, ignore_errors=True)
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
    from ..i18n import _, ngettext
    from ..render.figures import fixed_decimal as seconds  # seconds keep one decimal: "20.0 s", "20,0 s"

    rows = [(_("Community"), _("Status"), _("Time"), _("Notebook"), _("Cell"), _("Error"))]
    for r in results:
        error = (r.error or "").splitlines()[0] if r.error else ""
        status = _(SKIPPED) if r.skipped else _("ok") if r.ok else _("FAILED")
        rows.append((r.name, status, "" if r.skipped else f"{seconds(r.seconds)} s", r.notebook or "",
                     r.cell or "", error if len(error) <= 200 else error[:199] + "…"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1] for row in rows]
    lines.insert(1, "-" * max(len(line) for line in lines))
    failed = sum(not r.ok for r in results)
    skipped = sum(r.skipped for r in results)
    total = _("{reports}: {written} written, {skipped}{failed} failed").format(
        reports=ngettext("{n} report", "{n} reports", len(results)).format(n=len(results)),
        written=len(results) - failed - skipped, failed=failed,
        skipped=_("{n} skipped (unchanged), ").format(n=skipped) if skipped else "")
    if wall_seconds is not None:
        total += _(", in {seconds} s").format(seconds=seconds(wall_seconds))
    return "\n".join(line.rstrip() for line in lines) + "\n" + total
