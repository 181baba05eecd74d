"""How one pytest run shares its work among pytest-xdist workers (`--dist loadgroup`, the Makefile's
`test`): tests/conftest.py marks each test with the group work_group names, and orders the modules by
module_cost.
"""

from __future__ import annotations

from pathlib import Path

import pytest

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
    return module_items[0].nodeid.split("::", 1)[0]


def module_cost(module_items: list[pytest.Item], group: str) -> tuple[bool, int, int]:
    """Sort key, biggest first: the served apps, then modules by their slow tests, then by size. Starting
    the long ones first keeps one worker from finishing alone on them while the others wait."""
    slow = sum(1 for item in module_items if item.get_closest_marker("slow"))
    return (group not in FIRST_GROUPS, -slow, -len(module_items))
