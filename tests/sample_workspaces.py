"""The sample communities as test workspaces: each imported once per session, copied per test.

Fixtures in conftest.py: `sample_sources` (every sample, imported once; never changed by a
test) and `maple` (a copy of Maple Falls one test may change). Helpers for modules that need a
workspace in a particular place (the browser tests' served root).
"""

from __future__ import annotations

import shutil
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
