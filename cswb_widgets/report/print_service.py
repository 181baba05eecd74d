"""One browser for all of a batch's workers: a process that prints every PDF of the run, one at a time.

With a browser in each worker, two workers held two Chromiums, two Playwright drivers and, when
their prints met, two large layouts at once: half of a province run's peak memory. The batch
process starts one service for each two workers (:class:`PrintService`,
`batch.print_services_for`: one browser would hold up more); each worker's :class:`RemotePrinter`
sends it the paths of a document to print and waits for the answer, while the worker's Word
thread goes on. A document's layout is single-threaded in Chromium anyway, so printing one after
another costs the batch little time, and the workers' kernels keep the cores busy meanwhile.

The service listens on a Unix socket in a folder of its own (only this user can reach it) and
takes only connections that know the run's random key. If it is gone, a worker prints with a
browser of its own (:class:`~cswb_widgets.report.pdf.Printer`), as it did before.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import queue
import shutil
import signal
import tempfile
import threading
import time
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from typing import Any

from .pdf import PdfError, Printer, worker_printer

READY_SECONDS = 60.0  # for the service to listen; else the workers print for themselves
PARENT_CHECK_SECONDS = 0.5  # how soon a worker or the service notices that the batch process was killed
STOP = None  # a request that ends the service


class PrintService:
    """The batch process's handle on the print service (a context manager): :attr:`address` is what
    the workers are given (for their :class:`RemotePrinter`)."""

    def __init__(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="cswb-print-"))
        self.address: tuple[str, bytes] | None = (str(self._folder / "socket"), os.urandom(32))
        context = multiprocessing.get_context("spawn")
        ready = context.Event()
        self._process = context.Process(target=serve, args=(*self.address, ready, os.getpid()),
                                        name="cswb-print", daemon=True)
        self._process.start()
        deadline = time.monotonic() + READY_SECONDS
        while not ready.wait(0.1):
            if not self._process.is_alive() or time.monotonic() > deadline:  # the workers print for themselves
                self.close()
                break

    def __enter__(self) -> PrintService:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """End the service (its browser closes with it) and remove its folder."""
        address, self.address = self.address, None
        if address is not None and self._process.is_alive():
            with contextlib.suppress(OSError, EOFError), Client(address[0], family="AF_UNIX", authkey=address[1]) as conn:
                conn.send(STOP)
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        shutil.rmtree(self._folder, ignore_errors=True)


def serve(path: str, authkey: bytes, ready: Any, batch_pid: int) -> None:
    """The service's process: accept the workers' connections, print their documents in turn."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch process's to handle
    jobs: queue.Queue[tuple[Connection, tuple[str, str] | None]] = queue.Queue()
    listener = Listener(path, family="AF_UNIX", authkey=authkey)
    threading.Thread(target=_accept, args=(listener, jobs), name="cswb-print-accept", daemon=True).start()
    threading.Thread(target=_end_with_the_batch, args=(batch_pid,), name="cswb-print-watch", daemon=True).start()
    ready.set()
    printer = Printer()
    try:
        while True:
            conn, request = jobs.get()
            if request is STOP:
                break
            html_path, pdf_path = request
            try:
                printer.print(Path(html_path), Path(pdf_path))
                answer = None
            except PdfError as exc:
                answer = str(exc)
            except Exception as exc:  # noqa: BLE001 - the worker reports it; the service goes on
                answer = f"{type(exc).__name__}: {exc}"
            with contextlib.suppress(OSError):  # a worker that went away needs no answer
                conn.send(answer)
    finally:
        printer.close()
        listener.close()


def _accept(listener: Listener, jobs: queue.Queue[Any]) -> None:
    while True:
        try:
            conn = listener.accept()
        except (AuthenticationError, EOFError):  # a connection without the run's key: turned away
            continue
        except OSError:  # the listener is closed: the service is ending
            return
        threading.Thread(target=_receive, args=(conn, jobs), name="cswb-print-connection", daemon=True).start()


def _receive(conn: Connection, jobs: queue.Queue[Any]) -> None:
    """One worker's requests, in order (a worker waits for each answer before its next request)."""
    with conn:
        while True:
            try:
                request = conn.recv()
            except (EOFError, OSError):
                return
            jobs.put((conn, request))
            if request is STOP:
                return


def _end_with_the_batch(batch_pid: int) -> None:
    """If the batch process is killed outright, end the browser and this process, as a worker ends
    its kernel and itself: an orphan would hold memory."""
    while os.getppid() == batch_pid:
        time.sleep(PARENT_CHECK_SECONDS)
    from .batch import end_child_processes  # only now: the batch's imports (pandas) are no load for the service

    end_child_processes()
    os._exit(1)


_SERVICE: tuple[str, bytes] | None = None  # in a worker: where the batch's print service listens


def use_print_service(address: tuple[str, bytes] | None) -> None:
    """In a worker (its initializer): print through the service at `address` (None: a browser of its own)."""
    global _SERVICE
    _SERVICE = address


@functools.cache
def batch_printer() -> RemotePrinter | Printer:
    """This worker's printer for the whole run: the batch's print service, else a browser of its own."""
    return RemotePrinter(_SERVICE) if _SERVICE is not None else worker_printer()


class RemotePrinter:
    """A worker's printer that sends each document to the batch's print service; if the service
    cannot be reached, it prints with a browser of its own from then on."""

    def __init__(self, address: tuple[str, bytes]) -> None:
        self.address = address
        self._conn: Connection | None = None
        self._own: Printer | None = None

    def print(self, html_path: Path, pdf_path: Path) -> Path:
        if self._own is None:
            try:
                if self._conn is None:
                    self._conn = Client(self.address[0], family="AF_UNIX", authkey=self.address[1])
                self._conn.send((str(html_path), str(pdf_path)))
                answer = self._conn.recv()
            except (OSError, EOFError):  # the service is gone: this worker prints for itself
                self.close()
                self._own = Printer()
            else:
                if answer is not None:
                    raise PdfError(answer)
                return Path(pdf_path)
        return self._own.print(html_path, pdf_path)

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()
        if self._own is not None:
            self._own.close()

