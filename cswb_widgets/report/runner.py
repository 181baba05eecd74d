"""Executing the workbook notebooks in report mode: papermill on one long-lived kernel.

Starting a kernel and importing the package takes seconds; the workbooks' report parts
take about as long again. So a worker starts one kernel and runs notebook after notebook in
it (papermill with that kernel's manager and client), clearing the namespace in between:
the imports stay loaded, the variables of the previous notebook do not. Each executed
notebook is written with papermill's metadata (parameters, timings, the failing cell), as
`papermill workbooks/risk.ipynb out.ipynb -p workspace PATH -p mode report` would write it.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import re
import shutil
import subprocess
import tempfile
import time
import weakref
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CswbError
from ..notebooks import for_report, read_notebook
from ..startup import skip_unused_slow_imports
from .baseline import unoptimised

skip_unused_slow_imports()  # workers import papermill (and so jsonschema) through this module

KERNEL_NAME = "python3"
CELL_TIMEOUT = 900  # seconds one cell may take before the notebook counts as failed
START_TIMEOUT = 120
KERNEL_SOCKETS_PREFIX = "cswb-kernel-"  # a report kernel's folder of Unix sockets, in the temporary folder
# Between notebooks: forget the previous notebook's variables (and its open workspace). What
# survives a reset (modules, caches) is then frozen out of the collector's sight: each full
# collection (a reset makes three) walked the whole pandas/matplotlib heap, 0.16 s apiece.
RESET_SOURCE = (
    "get_ipython().run_line_magic('reset', '-f')\nimport gc as _gc\n_gc.collect()\n_gc.freeze()\ndel _gc"
)
INJECTED_TAGS = frozenset({"injected-parameters", "papermill-error-cell-tag"})
# Before each notebook: the language its text and numbers are written in (one kernel may make an
# English plan, then a French one; `%reset` leaves the language as the last notebook set it).
LANGUAGE_SOURCE = "from cswb_widgets.i18n import set_language as _set_language\n_set_language({!r})\ndel _set_language"
# In a kept kernel, a community's notebooks read each table once between them (the plain way,
# a kernel per notebook, reads them notebook by notebook, part by part, as an analyst's run does).
# (A package that cannot be imported is left for the notebook's own cell to report, naming that cell.)
SHARE_TABLES_SOURCE = (
    "try:\n    from cswb_widgets.workbooks._base import share_report_tables as _share\nexcept ImportError:\n    pass\n"
    "else:\n    _share({!r})\n    del _share"
)


@dataclass(frozen=True)
class NotebookRun:
    """How one notebook's execution went: time taken and, if it failed, where and why."""

    notebook: str
    seconds: float
    error: str | None = None  # "ExceptionName: message"
    cell: str | None = None  # "cell 9, book.trends()"

    @property
    def ok(self) -> bool:
        return self.error is None


def report_parameters(workspace: Path, document: str | None = None, since: str | None = None,
                      declared: Collection[str] | None = None, version: int | None = None) -> dict[str, str | int]:
    """The notebook parameters: builtins only (papermill quotes anything else as a string).

    `document` ("plan" or "progress") tells the report parts which document they make; `since`
    (an ISO date) where a progress report's "what changed" starts; `version` which adopted version
    a progress report measures against. Each goes only to a notebook whose parameters cell
    `declared` it (an older, edited notebook may not know them).
    """
    parameters: dict[str, str | int] = {"workspace": str(Path(workspace).resolve()), "mode": "report"}
    for name, value in (("document", document), ("since", since), ("version", version)):
        if value and (declared is None or name in declared):
            parameters[name] = value
    return parameters


_PARAMETER = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(?::[^=]*)?=", re.MULTILINE)


def declared_parameters(notebook: dict[str, Any]) -> frozenset[str]:
    """The names the notebook's cell tagged `parameters` assigns."""
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell.get("source", "")
            return frozenset(_PARAMETER.findall(source if isinstance(source, str) else "".join(source)))
    return frozenset()


def private_kernel_manager(manager: Any) -> Any:
    """`manager` (a jupyter_client kernel manager, before its kernel starts), its kernel to talk over
    Unix sockets in a folder of its own, removed with the manager. Over TCP, the ports are picked
    free and then bound by the kernel a moment later; another process (a second worker's kernel, a
    server) can take one in between, and the kernel dies at start with "Address already in use"."""
    folder = tempfile.mkdtemp(prefix=KERNEL_SOCKETS_PREFIX)
    manager.transport = "ipc"
    manager.ip = str(Path(folder) / "kernel")  # the channels are kernel-1 … kernel-5 in it
    weakref.finalize(manager, shutil.rmtree, folder, True)
    return manager


def kernel_socket_folder(connection_file: Path) -> Path | None:
    """The socket folder of a kernel started by :func:`private_kernel_manager`, read from its
    connection file (for whoever kills the kernel: the folder outlives a killed process)."""
    try:
        info = json.loads(Path(connection_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict) or info.get("transport") != "ipc":
        return None
    folder = Path(str(info.get("ip", ""))).parent
    return folder if folder.name.startswith(KERNEL_SOCKETS_PREFIX) else None


ENGINE_NAME = "cswb-kept-kernel"


@functools.cache
def _register_engine() -> None:
    """A papermill engine that runs the notebook on a kernel (manager and client) it is handed.

    papermill's own nbclient engine can take a kernel manager but always opens a new client,
    and clients of one manager share a session identity: the kernel's replies then reach only
    the newest client. So the worker's one client is handed over, and kept open.
    """
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger
    from papermill.utils import remove_args

    class KeptKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(
            cls, nb_man: Any, kernel_name: str, log_output: bool = False, stdout_file: Any = None,
            stderr_file: Any = None, start_timeout: int = 60, execution_timeout: int | None = None, **kwargs: Any,
        ) -> Any:
            km, kc, source_name = kwargs.pop("km"), kwargs.pop("kc"), kwargs.pop("source_name", None)
            if source_name is not None:  # written with the notebook, not by rewriting it afterwards
                nb_man.nb.metadata.papermill["input_path"] = source_name
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            client = PapermillNotebookClient(
                nb_man, km=km, timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name,
                log=logger, log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file, **kwargs,
            )
            client.kc = kc  # NotebookClient.__init__ forgets any client it is given
            return client.execute()

    papermill_engines.register(ENGINE_NAME, KeptKernelEngine)


class KernelSession:
    """One kernel that executes notebook after notebook (papermill), its namespace reset in between."""

    def __init__(self, kernel_name: str = KERNEL_NAME) -> None:
        import nbformat
        from nbclient import NotebookClient

        _register_engine()
        self._client = NotebookClient(
            nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell()]), kernel_name=kernel_name,
            startup_timeout=START_TIMEOUT,
            timeout=60, allow_errors=False,
            # A report kernel holds nothing worth a graceful goodbye, which took seconds at exit.
            shutdown_kernel="immediate",
        )
        self._client.km = private_kernel_manager(self._client.create_kernel_manager())
        # The kernel's own log lines are not the report's business;
        # everything a notebook prints goes into the executed notebook.
        self._client.start_new_kernel(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._client.start_new_kernel_client()
        self.notebooks_run = 0

    def reset(self) -> bool:
        """Clear the namespace for the next notebook; False if the kernel does not answer (dead or stuck)."""
        import nbformat

        try:  # a new cell each time: nbclient puts each cell it runs in the notebook's cell 0, the prelude too
            self._client.execute_cell(nbformat.v4.new_code_cell(RESET_SOURCE), 0, store_history=False)
        except Exception:  # noqa: BLE001 - whatever went wrong, this kernel is done with
            return False
        return True

    def execute(self, source: Path, target: Path, parameters: dict[str, Any], language: str = "en",
                source_name: str | None = None) -> None:
        """Run `source` into `target` with papermill, its text in `language` (raises what papermill
        raises); `source_name`: the input the executed notebook names (default: `source`)."""
        import nbformat
        import papermill

        prelude = LANGUAGE_SOURCE.format(language) + "\n" + SHARE_TABLES_SOURCE.format(not unoptimised())
        self._client.execute_cell(nbformat.v4.new_code_cell(prelude), 0, store_history=False)
        self.notebooks_run += 1
        papermill.execute_notebook(
            str(source), str(target), parameters=parameters, engine_name=ENGINE_NAME,
            kernel_name=self._client.kernel_name, progress_bar=False, request_save_on_cell_execute=False,
            execution_timeout=CELL_TIMEOUT, km=self._client.km, kc=self._client.kc, source_name=source_name,
        )

    def close(self) -> None:
        client, self._client = self._client, None  # type: ignore[assignment]
        if client is not None and client.km is not None:
            client._cleanup_kernel()  # nbclient's own teardown: shut the kernel down, close the client


def describe_failure(exc: BaseException, target: Path) -> tuple[str, str | None]:
    """(error, cell) for the summary: the exception, and the failing cell as the executed notebook
    numbers it (papermill's own cells aside) with its last line, e.g. "cell 3, book = ....open(...)"."""
    from papermill.exceptions import PapermillExecutionError

    if not isinstance(exc, PapermillExecutionError):
        return f"{type(exc).__name__}: {exc}".strip(), None
    error = f"{exc.ename}: {exc.evalue}".strip().rstrip(":")
    number = exc.cell_index + 1
    try:
        cells = json.loads(target.read_text(encoding="utf-8"))["cells"]
        executed = [c for c in cells if not INJECTED_TAGS & set(c.get("metadata", {}).get("tags", []))]
        failed = next((n for n, c in enumerate(executed, start=1)
                       if c.get("metadata", {}).get("papermill", {}).get("exception")), None)
        number = failed or number
    except (OSError, ValueError, KeyError):
        pass
    lines = [line.strip() for line in str(exc.source).splitlines() if line.strip()]
    return error, f"cell {number}" + (f", {lines[-1]}" if lines else "")


class Runner:
    """Executes notebooks on a kernel it keeps between them (a fresh one after a crash or a timeout)."""

    def __init__(self) -> None:
        self._session: KernelSession | None = None
        self._sources: dict[tuple[str, int, tuple[str, ...] | None, str | None], Path] = {}
        self._declared: dict[Path, frozenset[str]] = {}
        self._folder: Path | None = None

    def source(self, notebook: Path, parts: Collection[str] | None, kind: str | None = None) -> Path:
        """The notebook to execute: a copy of `notebook` as a report runs it (`notebooks.for_report`:
        no app-only cells and, with `parts`, only those part cells), made once per version of it."""
        key = (str(notebook), notebook.stat().st_mtime_ns, None if parts is None else tuple(sorted(parts)), kind)
        if key not in self._sources:
            if self._folder is None:
                self._folder = Path(tempfile.mkdtemp(prefix="cswb-report-notebooks-"))
            trimmed, omitted = for_report(read_notebook(notebook), parts, kind)
            trimmed["metadata"] = dict(trimmed.get("metadata", {}), cswb_report={
                "source": str(notebook), "parts_left_out": omitted,
                "note": "cswb report ran only the cells its document uses (no app-only cells, no part it "
                        "does not use); the parts left out are listed here",
            })
            path = self._folder / f"{notebook.stem}-{len(self._sources)}.ipynb"
            path.write_text(json.dumps(trimmed, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            self._sources[key] = path
            self._declared[path] = declared_parameters(trimmed)
        return self._sources[key]

    def run(self, notebook: Path, workspace: Path, target: Path, parts: Collection[str] | None = None,
            kind: str | None = None, since: str | None = None, version: int | None = None,
            language: str = "en") -> NotebookRun:
        """Execute `notebook` for `workspace` into `target`; with `parts`, only those part cells
        (and the cells an analyst added to the `kind` of document, which its report parts are
        told). `since`: where a progress report's "what changed" starts (ISO date); `version`: the
        adopted version it measures against (None: the latest); `language`: the document's."""
        from papermill.exceptions import PapermillExecutionError

        started = time.perf_counter()
        target.parent.mkdir(parents=True, exist_ok=True)
        failure: tuple[str | None, str | None] = (None, None)
        try:
            source = self.source(notebook, parts, kind)
        except (OSError, CswbError) as exc:  # an unreadable notebook: the kernel is not involved
            return NotebookRun(notebook.stem, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
        try:
            if self._session is not None and self._session.notebooks_run and not self._session.reset():
                self.close()  # the last notebook left the kernel dead or stuck: this one gets a new kernel
            if self._session is None:
                self._session = KernelSession()
            self._session.execute(source, target, report_parameters(workspace, kind, since, self._declared.get(source),
                                                                          version), language, str(notebook))
        except PapermillExecutionError as exc:  # a cell raised: the kernel is fine, the notebook is saved
            failure = describe_failure(exc, target)
        except Exception as exc:  # noqa: BLE001 - the kernel died, timed out or never started: start afresh
            self.close()
            failure = describe_failure(exc, target)
        if unoptimised():  # the plain way: a new kernel for every notebook
            self.close()
        return NotebookRun(notebook.stem, time.perf_counter() - started, *failure)

    def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            with contextlib.suppress(Exception):  # a kernel that is already gone is closed enough
                session.close()

    def discard(self) -> None:
        """Close the kernel and remove the notebook copies (at the worker's exit)."""
        self.close()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)


@functools.cache
def worker_runner() -> Runner:
    """This process's runner (a worker keeps its kernel for every notebook it is given)."""
    runner = Runner()
    atexit.register(runner.discard)
    return runner


def run_notebook(notebook: str, workspace: str, target: str, parts: tuple[str, ...] | None = None,
                 kind: str | None = None, since: str | None = None, version: int | None = None,
                 language: str = "en") -> NotebookRun:
    """A worker's task: execute one notebook for one community (picklable arguments and result)."""
    return worker_runner().run(Path(notebook), Path(workspace), Path(target), parts, kind, since, version, language)
