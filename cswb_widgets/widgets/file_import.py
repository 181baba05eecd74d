"""Upload a file in the app and import it with one of the store's importers."""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import ipywidgets
from markupsafe import Markup

from ..i18n import _
from ..store import Workspace
from ..store.limits import check_size
from ..store.tabular import ImportReport
from . import _failures, _sync

Importer = Callable[[Workspace, Path], ImportReport]


def say(kind: str, text: str) -> str:
    """A status line: errors are alerts (read out at once), the rest polite status messages."""
    role = "alert" if kind == "error" else "status"
    return str(Markup('<p role="{}" class="cswb-{}">{}</p>').format(role, kind, text))


UPLOAD_PREFIX = "cswb-upload-"  # the private temporary folders uploads are copied into
ABANDONED_AFTER_SECONDS = 3600


@contextmanager
def uploaded_copy(name: str, content: bytes) -> Iterator[Path]:
    """An uploaded file's bytes on disk, under its own name, for readers that want a path.

    The folder is private to this user (mode 0700) and deleted on leaving the block, whether the
    import worked or failed: uploads hold personal data (survey answers, contact lists).
    """
    _remove_abandoned_uploads()
    with tempfile.TemporaryDirectory(prefix=UPLOAD_PREFIX, ignore_cleanup_errors=True) as folder:
        path = Path(folder) / upload_name(name)
        path.write_bytes(content)
        yield path


def _remove_abandoned_uploads() -> None:
    """Delete upload folders left by a kernel killed mid-import (SIGKILL, or a SIGTERM from the
    culler, runs no cleanup). An hour is far longer than any import takes."""
    cutoff = time.time() - ABANDONED_AFTER_SECONDS
    for folder in Path(tempfile.gettempdir()).glob(UPLOAD_PREFIX + "*"):
        try:
            if folder.is_dir() and not folder.is_symlink() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)  # another user's cannot be removed: left
        except OSError:
            continue


def forget_upload(upload: ipywidgets.FileUpload) -> None:
    """Drop the uploaded bytes once read: otherwise they stay in the kernel, in the page's widget
    state, and in a notebook JupyterLab saves with its widget state."""
    if upload.value:
        upload.value = ()  # observers see an empty upload and do nothing


def take_upload(
    upload: ipywidgets.FileUpload, load: Callable[[str, bytes], object], status: ipywidgets.HTML, what: str
) -> None:
    """Hand the button's file to `load`, say any failure in `status`, then forget the bytes."""
    try:
        files = upload.value
        if files:
            item = files[0]
            load(item["name"], bytes(item["content"]))
    except Exception as error:  # noqa: BLE001 - the widget boundary: shown, and logged
        status.value = say("error", _("Something went wrong: ") + _failures.words(error, what))
    finally:
        forget_upload(upload)


def upload_name(name: str) -> str:
    """The uploaded file's own name, without any folder a browser sent with it."""
    own = Path(name).name
    return own if own not in ("", ".", "..") else "upload"


def without_upload_folder(text: str) -> str:
    """`text` with every temporary upload path cut down to the name the person uploaded."""
    return _UPLOAD_FOLDER.sub("", text)


# A path up to and including the upload's folder: "/tmp/cswb-upload-k3j_9x/" (also inside /vsizip/).
_UPLOAD_FOLDER = re.compile(r"[^\s'\"\[(]*" + re.escape(UPLOAD_PREFIX) + r"[A-Za-z0-9_]+[/\\]")


def upload_button(description: str, accept: str) -> ipywidgets.FileUpload:
    """A file picker labelled `description` alone: ipywidgets adds a count of chosen files
    ("Survey file (0)"), which the apps' theme.css hides behind the label (kept as the tooltip)."""
    upload = ipywidgets.FileUpload(accept=accept, multiple=False, description=description, tooltip=description)
    upload.add_class("cswb-upload")
    return upload


class FileImport(ipywidgets.VBox):
    """A labelled upload button; the file is imported whole or not at all, and the result said.

    ``importer(ws, path)`` gets a temporary copy under the uploaded file's own name (its suffix
    tells CSV from XLSX from ZIP); errors name the uploaded file, row and column.
    """

    def __init__(self, ws: Workspace, importer: Importer, *, description: str, accept: str, help_text: str = "") -> None:
        self._ws = ws
        self._importer = importer
        self.upload = upload_button(description, accept)
        self.upload.observe(lambda _change: self._uploaded(), names="value")
        self.status = ipywidgets.HTML("")
        children: list[ipywidgets.Widget] = [self.upload, self.status]
        if help_text:
            children.insert(0, ipywidgets.HTML(str(Markup("<p>{}</p>").format(help_text))))
        super().__init__(children)

    def _uploaded(self) -> None:
        take_upload(self.upload, self.load, self.status, "file import")

    def load(self, name: str, content: bytes) -> ImportReport | None:
        """Import an uploaded file's bytes (what the upload button calls)."""
        shown = upload_name(name)
        try:
            # The importer checks the file again (and inside it) as it does for the command line.
            check_size(len(content), shown)
            with uploaded_copy(name, content) as path:
                report = self._importer(self._ws, path)
        except Exception as error:  # noqa: BLE001 - said under the button (and logged if unexpected)
            # The store names the temporary path; the person uploaded a file by its own name.
            words = _failures.words(error, f"import of {shown}")
            self.status.value = say("error", _("Nothing imported: ") + without_upload_folder(words))
            return None
        notices = Markup("").join(Markup("<li>{}</li>").format(n) for n in report.notices)
        self.status.value = say("saved", _("Imported {shown}: {value}.").format(shown=shown, value=report.summary())) + (
            str(Markup("<ul>{}</ul>").format(notices)) if report.notices else ""
        )
        _sync.notify_saved(self._ws, self)
        return report
