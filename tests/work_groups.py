"""How one pytest run shares its work among pytest-xdist workers (`--dist loadgroup`, the Makefile's
`test`): tests/conftest.py gives each module the group work_group names, orders the modules by
module_cost, and hands xdist WorkGroupScheduling.

xdist 3.8's own loadgroup tells a group by a suffix it writes into each test's id, which pytest 9's
structured ids no longer take: every test was scheduled on its own, a module's fixtures were built on
every worker, and the session's server started on each. So the workers write the groups to a file
(GROUPS_FILE_VARIABLE names it) that the scheduler reads once they have collected.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from xdist.scheduler import LoadScopeScheduling

GROUPS_FILE_VARIABLE = "CSWB_TEST_WORK_GROUPS"

CONFTEST = Path(__file__).parent / "conftest.py"
BROWSER_CONFTEST = CONFTEST.parent / "browser" / "conftest.py"
# Session fixtures too costly to build on every worker: the modules using one share a worker (and so
# one build), as a run on one process does. (fixture, conftest that defines it) -> group.
SHARED_BUILDS = {
    ("server", BROWSER_CONFTEST): "served-apps",  # one `cswb serve`, its preheated kernels, one Chromium
    ("sample_reports", CONFTEST): "sample-reports",  # every sample's plan and progress report
}
FIRST_GROUPS = ("served-apps",)  # the longest chain of a run: started first


def work_group(module_items: list[pytest.Item]) -> str:
    """The xdist group of a module's tests: the module itself (its module fixtures are built once,
    as with `--dist loadfile`), or the group of a shared build (SHARED_BUILDS) that one of its tests uses."""
    for item in module_items:
        fixtureinfo = getattr(item, "_fixtureinfo", None)  # test functions have one
        for name, fixturedefs in (fixtureinfo.name2fixturedefs.items() if fixtureinfo else ()):
            group = SHARED_BUILDS.get((name, Path(fixturedefs[-1].func.__code__.co_filename)))
            if group:
                return group
    return module_of(module_items[0].nodeid)


def module_cost(module_items: list[pytest.Item], group: str) -> tuple[bool, int, int]:
    """Sort key, biggest first: the served apps, then modules by their slow tests, then by size. Starting
    the long ones first keeps one worker from finishing alone on them while the others wait."""
    slow = sum(1 for item in module_items if item.get_closest_marker("slow"))
    return (group not in FIRST_GROUPS, -slow, -len(module_items))


def module_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def write_groups(groups: dict[str, str], path: Path) -> None:
    """Each module's group, as a worker collected it (every worker collects the same tests)."""
    partial = path.with_name(f"{path.name}.{os.getpid()}")
    partial.write_text(json.dumps(groups), encoding="utf-8")
    partial.replace(path)  # whole or not at all, whichever worker writes last


class WorkGroupScheduling(LoadScopeScheduling):
    """xdist's scheduling by scope (a scope goes to one worker, the next scope to whichever worker runs
    low first), with each module's group as its scope."""

    def __init__(self, config: pytest.Config, log=None, *, groups_file: Path) -> None:
        super().__init__(config, log)
        self.groups_file = groups_file
        self._groups: dict[str, str] | None = None

    def _split_scope(self, nodeid: str) -> str:
        if self._groups is None:  # first asked once every worker has collected (and so written the file)
            self._groups = json.loads(self.groups_file.read_text(encoding="utf-8"))
        module = module_of(nodeid)
        return self._groups.get(module, module)
