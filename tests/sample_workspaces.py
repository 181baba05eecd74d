"""The sample communities as test workspaces: each imported once per session, copied per test.

Fixtures in conftest.py: `sample_sources` (every sample, imported once; never changed by a
test), `maple` (a copy of Maple Falls one test may change) and `sample_reports` (every sample's
plan and progress report, made once per session by `build_sample_reports`). Helpers for modules that need a
workspace in a particular place (the browser tests' served root).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cswb_widgets.paths import samples_dir
from cswb_widgets.store import Workspace
from cswb_widgets.store.tabular import import_bundle
from cswb_widgets.store.versions import adopt_bundle_versions
from cswb_widgets.widgets.sections import Deferred

SAMPLES = ("maple-falls", "whitebirch-lake", "tamarack-county")


def sample_workspace(sample: str, target: Path) -> Path:
    """A new workspace at `target` holding the sample community `sample` (replacing one left there)."""
    if target.exists():
        shutil.rmtree(target)
    with Workspace.create(target) as ws:
        import_bundle(ws, samples_dir() / sample)
        adopt_bundle_versions(ws, samples_dir() / sample)  # as 'cswb init --from' does
    return target


def copy_of(workspace: Path, target: Path) -> Path:
    shutil.copytree(workspace, target)
    return target


def built(shown: Any) -> Any:
    """A workbook section as built: a deferred app section's content, anything else as it is."""
    return shown.content if isinstance(shown, Deferred) else shown


# -- every sample's plan and progress report, made once per session ------------------------------------------

REPORTS_SINCE = dt.date(2025, 1, 1)  # where the progress reports' "what changed" starts
REPORT_FORMATS = "html,pdf,docx"


@dataclass(frozen=True)
class SampleReports:
    """The samples' workspaces and their documents, as `cswb report` made them; tests read them, never change them."""

    root: Path
    workspaces: dict[str, Path]

    def document(self, kind: str, sample: str, extension: str) -> Path:
        return self.root / kind / sample / f"{kind}.{extension}"

    def fingerprint(self) -> dict[str, str]:
        """Each workspace file and document by its content, for telling that no test changed one."""
        files = [ws / "workspace.sqlite" for ws in self.workspaces.values()]
        files += [self.document(kind, sample, extension) for kind in ("plan", "progress") for sample in SAMPLES
                  for extension in REPORT_FORMATS.split(",")]
        return {str(path): hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "missing"
                for path in files}


def build_sample_reports(root: Path) -> SampleReports:
    """Every sample's plan, and its progress report since REPORTS_SINCE, in HTML, PDF and Word, by
    `cswb report --jobs 2` (one run per kind), as test_plan_content, test_pdf and test_docx read them."""
    from cswb_widgets.cli import main

    made = SampleReports(root, {sample: sample_workspace(sample, root / "ws" / sample) for sample in SAMPLES})
    for kind, extra in (("plan", []), ("progress", ["--since", REPORTS_SINCE.isoformat()])):
        said = io.StringIO()
        with contextlib.redirect_stdout(said):
            status = main(["report", *map(str, made.workspaces.values()), "--out", str(root / kind), "--kind", kind,
                           "--format", REPORT_FORMATS, "--jobs", "2", *extra])
        assert status == 0, f"cswb report --kind {kind} failed:\n{said.getvalue()}"
    return made
