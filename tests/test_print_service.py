"""The batch's print service: one browser prints for every worker; a stranger is turned away; a
worker whose service is gone prints with a browser of its own."""

from __future__ import annotations

import multiprocessing
import shutil
import subprocess
import threading
from concurrent import futures
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client
from pathlib import Path

import psutil
import pytest
from test_pdf import small_document

from cswb_widgets.report.batch import print_services_for, take_print_service
from cswb_widgets.report.pdf import PdfError, find_chromium
from cswb_widgets.report.print_service import PrintService, RemotePrinter

needs_chromium = pytest.mark.skipif(find_chromium() is None or shutil.which("pdftotext") is None,
                                    reason="needs Debian's chromium and poppler-utils (.ci/run installs both)")


def test_each_two_workers_share_a_browser_and_take_the_services_in_turn() -> None:
    assert [print_services_for(n) for n in (1, 2, 3, 4, 5, 8)] == [0, 1, 2, 2, 3, 4]
    started = multiprocessing.get_context("spawn").Value("i", 0)
    services = [("/run/a", b"key a"), ("/run/b", b"key b")]
    assert [take_print_service(services, started)[0] for _ in range(5)] == [  # type: ignore[index]
        "/run/a", "/run/b", "/run/a", "/run/b", "/run/a"]
    assert take_print_service((), started) is None  # a single worker prints for itself


def printed_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def documents(folder: Path, count: int, prefix: str) -> list[Path]:
    paths = []
    for n in range(count):
        path = folder / f"{prefix}-{n}.html"
        path.write_text(small_document(f"{prefix} {n}", sections=n + 1), encoding="utf-8")
        paths.append(path)
    return paths


def browsers_under(pid: int) -> list[psutil.Process]:
    """Chromium's browser processes (its other processes carry a --type) started under `pid`."""
    found = []
    for process in psutil.Process(pid).children(recursive=True):
        try:
            args = process.cmdline()
        except psutil.Error:
            continue
        if args and "chrom" in Path(args[0]).name and not any(a.startswith("--type=") for a in args):
            found.append(process)
    return found


@pytest.mark.slow
@needs_chromium
def test_one_browser_prints_for_two_workers_at_once_and_a_stranger_is_turned_away(tmp_path: Path) -> None:
    with PrintService() as service:
        assert service.address is not None
        errors: list[BaseException] = []

        def worker(paths: list[Path]) -> None:
            printer = RemotePrinter(service.address)  # type: ignore[arg-type]
            try:
                for path in paths:
                    printer.print(path, path.with_suffix(".pdf"))
            except BaseException as exc:  # noqa: BLE001 - the test reports it
                errors.append(exc)
            finally:
                printer.close()

        batches = [documents(tmp_path, 3, "first"), documents(tmp_path, 3, "second")]
        threads = [threading.Thread(target=worker, args=(paths,)) for paths in batches]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert errors == []
        for paths in batches:
            for n, path in enumerate(paths):
                assert f"Section {n + 1}" in printed_text(path.with_suffix(".pdf"))
        assert service._process.pid is not None
        assert len(browsers_under(service._process.pid)) == 1  # one browser printed all six

        with pytest.raises(AuthenticationError):  # the socket is reachable; the run's key is not known
            Client(service.address[0], family="AF_UNIX", authkey=b"not the key")
        unreadable = tmp_path / "missing.html"
        with pytest.raises(PdfError, match=r"cannot read .*missing\.html"):
            RemotePrinter(service.address).print(unreadable, tmp_path / "missing.pdf")
        after = documents(tmp_path, 1, "after")[0]  # and the service goes on
        RemotePrinter(service.address).print(after, after.with_suffix(".pdf"))
        assert "Section 1" in printed_text(after.with_suffix(".pdf"))
        process, folder = service._process, service._folder
    assert not process.is_alive()
    assert not folder.exists()


def print_without_the_service(address: tuple[str, bytes], path: str) -> int:
    """In a worker: print through a service that is gone; how many browsers the worker started."""
    printer = RemotePrinter(address)
    try:
        printer.print(Path(path), Path(path).with_suffix(".pdf"))
        return printer._own.launches if printer._own is not None else 0
    finally:
        printer.close()


@pytest.mark.slow
@needs_chromium
def test_a_worker_prints_with_its_own_browser_once_the_service_is_gone(tmp_path: Path) -> None:
    service = PrintService()
    assert service.address is not None
    address = service.address
    assert service._process.pid is not None
    top = psutil.Process(service._process.pid)
    everything = [top, *top.children(recursive=True)]
    for process in everything:  # as the OOM killer would
        process.kill()
    psutil.wait_procs(everything, timeout=10)
    path = documents(tmp_path, 1, "alone")[0]
    with futures.ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        launches = pool.submit(print_without_the_service, address, str(path)).result(timeout=300)
    assert launches == 1
    assert "Section 1" in printed_text(path.with_suffix(".pdf"))
    service.close()
    assert not service._folder.exists()
