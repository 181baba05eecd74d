"""Upload a file in the app and import it with one of the store's importers."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import ipywidgets
from markupsafe import Markup

from ..store import Workspace
from ..store.limits import check_size
from ..store.tabular import ImportReport
from . import _failures, _sync

Importer = Callable[[Workspace, Path], ImportReport]


def say(kind: str, text: str) -> str:
    """A status line: errors are alerts (read out at once), the rest polite status messages."""
    role = "alert" if kind == "error" else "status"
    return str(Markup('<p role="{}" class="cswb-{}">{}</p>').format(role, kind, text))


class FileImport(ipywidgets.VBox):
    """A labelled upload button; the file is imported whole or not at all, and the result said.

    ``importer(ws, path)`` gets a temporary copy under the uploaded file's own name (its suffix
    tells CSV from XLSX from ZIP); errors name the uploaded file, row and column.
    """

    def __init__(self, ws: Workspace, importer: Importer, *, description: str, accept: str, help_text: str = "") -> None:
        self._ws = ws
        self._importer = importer
        self.upload = ipywidgets.FileUpload(accept=accept, multiple=False, description=description)
        self.upload.observe(lambda _change: self._uploaded(), names="value")
        self.status = ipywidgets.HTML("")
        children: list[ipywidgets.Widget] = [self.upload, self.status]
        if help_text:
            children.insert(0, ipywidgets.HTML(str(Markup("<p>{}</p>").format(help_text))))
        super().__init__(children)

    def _uploaded(self) -> None:
        try:
            files = self.upload.value
            if files:
                item = files[0]
                self.load(item["name"], bytes(item["content"]))
        except Exception as error:  # noqa: BLE001 - the widget boundary: shown, and logged
            self.status.value = say("error", "Something went wrong: " + _failures.words(error, "file import"))

    def load(self, name: str, content: bytes) -> ImportReport | None:
        """Import an uploaded file's bytes (what the upload button calls)."""
        folder = Path(tempfile.mkdtemp(prefix="cswb-upload-"))
        path = folder / (Path(name).name or "upload")
        try:
            # The importer checks the file again (and inside it) as it does for the command line.
            check_size(len(content), path.name)
            path.write_bytes(content)
            report = self._importer(self._ws, path)
        except Exception as error:  # noqa: BLE001 - said under the button (and logged if unexpected)
            # The store names the temporary path; the person uploaded a file by its own name.
            words = _failures.words(error, f"import of {path.name}").replace(str(path), path.name)
            self.status.value = say("error", "Nothing imported: " + words)
            return None
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        notices = Markup("").join(Markup("<li>{}</li>").format(n) for n in report.notices)
        self.status.value = say("saved", f"Imported {path.name}: {report.summary()}.") + (
            str(Markup("<ul>{}</ul>").format(notices)) if report.notices else ""
        )
        _sync.notify_saved(self._ws, self)
        return report
