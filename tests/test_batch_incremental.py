"""`cswb report` runs incrementally, resumes, shards, sizes its pool and shows one view of the run.

- a community whose workspace content, notebooks and options are unchanged since its last
  successful report is skipped; `--force`, an edit, an edited notebook or another option remakes it;
- a run killed mid-way (SIGKILL: no clean-up in the batch process) keeps its finished communities,
  its workers and kernels end themselves, and the next run makes only the rest;
- `--shard I/N` slices are disjoint and cover every community;
- `--jobs auto` is at least 1 and never more than the memory allows;
- the progress view's totals (in a log: one line per community) add up.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from cswb_widgets.cli import main
from cswb_widgets.errors import CswbError
from cswb_widgets.paths import workbooks_dir
from cswb_widgets.report import batch as batch_module, build_reports
from cswb_widgets.report.batch import (
    FAILED_SUFFIX,
    PARTIAL_INFIX,
    SKIPPED,
    _Progress,
    auto_jobs,
    in_shard,
    output_names,
    parse_jobs,
    parse_shard,
)
from cswb_widgets.store import Workspace
from cswb_widgets.store.digest import content_digest

BASELINE = ("maple-falls", "whitebirch-lake")
ORPHAN_DEADLINE = 30.0
KILL_DEADLINE = 240.0  # generous for a loaded two-core machine; the wait ends as soon as its condition holds
TOTALS = re.compile(r"\[(\d+)/(\d+): (\d+) done, (\d+) failed, (\d+) skipped; elapsed (\d+:\d\d(?::\d\d)?), "
                    r"ETA (unknown|\d+:\d\d(?::\d\d)?)\]$")


def _made(out: Path, name: str) -> str:
    return json.loads((out / name / "report.json").read_text(encoding="utf-8"))["made"] + \
        str((out / name / "report.json").stat().st_mtime_ns)


def _statuses(results) -> dict[str, str]:
    return {r.name: r.status for r in results}


def _break_a_reference(workspace: Path) -> None:
    """Make `cswb validate` refuse the workspace: its report fails before any kernel starts."""
    with contextlib.closing(sqlite3.connect(workspace / "workspace.sqlite")) as db, db:
        person = db.execute("SELECT id FROM people WHERE deleted_at IS NULL ORDER BY id LIMIT 1").fetchone()[0]
        db.execute("UPDATE people SET organization_id = 'no-such-organization' WHERE id = ?", (person,))


# -- fast: the pieces --------------------------------------------------------------------------------


def test_shards_are_disjoint_cover_everything_and_are_fair() -> None:
    names = output_names([Path(f"/x/community-{n:03d}") for n in range(444)])
    for count in (1, 2, 3, 4, 7, 444, 500):
        slices = [{n for n, member in zip(names, in_shard(names, index, count), strict=True) if member}
                  for index in range(1, count + 1)]
        assert set().union(*slices) == set(names)
        assert sum(len(s) for s in slices) == len(names)  # no community in two slices
        assert max(map(len, slices)) - min(map(len, slices)) <= 1
    # Every machine computes the same slice, whatever order its shell listed the workspaces in.
    shuffled = names[::-1]
    assert ({n for n, m in zip(names, in_shard(names, 2, 4), strict=True) if m}
            == {n for n, m in zip(shuffled, in_shard(shuffled, 2, 4), strict=True) if m})


def test_shard_and_jobs_options_refuse_bad_values_in_one_line() -> None:
    assert parse_shard("2/4") == (2, 4)
    for bad in ("0/4", "5/4", "2", "a/b", "2/0", ""):
        with pytest.raises(CswbError, match=r"--shard takes I/N with 1 <= I <= N"):
            parse_shard(bad)
    assert parse_jobs("3") == 3
    for bad in ("0", "65", "many"):
        with pytest.raises(CswbError, match=r"--jobs takes a number from 1 to 64 or 'auto'"):
            parse_jobs(bad)


@pytest.mark.parametrize(("option", "value", "expected"), [
    ("--jobs", "many", "--jobs takes a number from 1 to 64 or 'auto', not 'many'"),
    ("--shard", "5/4", "--shard takes I/N with 1 <= I <= N (e.g. 2/4 for the second of four slices), not '5/4'"),
])
def test_the_command_refuses_a_bad_jobs_or_shard_in_one_line(tmp_path: Path, option: str, value: str,
                                                            expected: str) -> None:
    stderr = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
        status = main(["report", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"), option, value])
    assert status != 0
    assert stderr.getvalue().strip() == f"cswb: error: {expected}"
    assert not (tmp_path / "out").exists()


def test_jobs_auto_is_at_least_one_and_respects_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    assert auto_jobs() >= 1
    assert parse_jobs("auto") == auto_jobs()
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(8)))
    monkeypatch.setattr(batch_module, "_cgroup_memory_left", lambda: None)

    class Memory:
        available = 3 * 2**30

    monkeypatch.setattr(psutil, "virtual_memory", lambda: Memory)
    assert auto_jobs(2**30) == 3  # memory for 3 workers, 8 cores
    assert auto_jobs(2**28) == 8  # memory for 12, cores for 8
    assert auto_jobs(2**40) == 1  # not even one worker's worth: still one
    monkeypatch.setattr(batch_module, "_cgroup_memory_left", lambda: 2**30)
    assert auto_jobs(2**29) == 2  # a container's limit counts, not the machine's memory
    monkeypatch.setattr(batch_module, "_cgroup_memory_left", lambda: 0)
    assert auto_jobs(2**29) == 1  # a container at its limit: one worker, never none


def test_the_progress_view_in_a_log_counts_every_community(monkeypatch: pytest.MonkeyPatch) -> None:
    log = io.StringIO()  # not a terminal: plain lines
    progress = _Progress(["a", "b", "c", "d"], steps=3, enabled=None, stream=log)
    progress.end("a", "skipped")
    progress.end("b", "done", 4.0)
    monkeypatch.setattr(batch_module, "TOTALS_EVERY_SECONDS", 0.0)
    progress.tick()  # work goes on: a line of totals
    progress.end("c", "failed", 2.0)
    progress.close()
    lines = log.getvalue().splitlines()
    assert [line.split(":")[1].strip() for line in lines] == ["a", "b", "progress [2/4", "c"]
    assert lines[0].startswith(f"cswb report: a: {SKIPPED} [")
    assert lines[1].startswith("cswb report: b: done in 4.0 s [")
    counts = [tuple(int(x) for x in TOTALS.search(line).groups()[:5]) for line in lines]
    assert counts == [(1, 4, 0, 0, 1), (2, 4, 1, 0, 1), (2, 4, 1, 0, 1), (3, 4, 1, 1, 1)]
    assert TOTALS.search(lines[0]).group(7) == "unknown"  # nothing made yet: no pace to tell
    assert TOTALS.search(lines[3]).group(7) != "unknown"


def test_sharded_runs_together_make_every_report_once(maple: Path, tmp_path: Path) -> None:
    _break_a_reference(maple)  # every report fails alone, before any kernel: fast
    workspaces = []
    for n in range(9):
        copy = tmp_path / f"community-{n}"
        shutil.copytree(maple, copy)
        workspaces.append(copy)
    out = tmp_path / "out"
    made: list[str] = []
    for index in (1, 2, 3):
        log = io.StringIO()
        results = build_reports(workspaces, out, shard=(index, 3), progress_stream=log)
        made += [r.name for r in results]
        lines = [line for line in log.getvalue().splitlines() if not line.startswith("cswb report: progress")]
        assert len(lines) == len(results)  # one line per community of this slice
        if results:
            assert TOTALS.search(lines[-1]).groups()[:5] == (
                str(len(results)), str(len(results)), "0", str(len(results)), "0")
    assert sorted(made) == sorted(p.name for p in workspaces)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{p.name}.FAILED" for p in workspaces)


def test_the_package_digest_sees_a_file_changed_while_the_process_lives(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A long-lived process (a test session, a notebook) that made reports earlier must see a package
    changed since: a digest kept from its first call judged a resumed run's finished reports by
    the old files and remade them (the resume test's flake while main was being merged into)."""
    from cswb_widgets import paths

    reference = tmp_path / "reference"
    shutil.copytree(paths.reference_dir(), reference)
    monkeypatch.setattr(paths, "reference_dir", lambda: reference)
    before = batch_module.package_digest()
    catalogue = next(p for p in sorted(reference.rglob("*")) if p.is_file())
    catalogue.write_bytes(catalogue.read_bytes() + b"\n")
    assert batch_module.package_digest() != before
    catalogue.write_bytes(catalogue.read_bytes()[:-1])
    assert batch_module.package_digest() == before


def test_the_content_digest_follows_the_records_not_the_file(maple: Path) -> None:
    before = content_digest(maple)
    os.utime(maple / "workspace.sqlite", (1, 1))
    with contextlib.closing(sqlite3.connect(maple / "workspace.sqlite")) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("VACUUM")
    assert content_digest(maple) == before
    with Workspace.open(maple) as ws:
        ws.update("community", "community", name="Maple Falls (renamed)")
    assert content_digest(maple) != before


def test_a_recorded_digest_stands_only_while_the_file_is_exactly_as_it_was(maple: Path) -> None:
    from cswb_widgets.report.batch import fingerprint

    first = fingerprint(maple, {}, {})
    assert first["workspace"] == content_digest(maple)
    trusted = fingerprint(maple, {}, {}, {**first, "workspace": "recorded"})
    assert trusted["workspace"] == "recorded"  # same inode, size and mtime: not read again
    with Workspace.open(maple) as ws:
        ws.update("community", "community", name="Maple Falls (renamed)")
    again = fingerprint(maple, {}, {}, {**first, "workspace": "recorded"})
    assert again["workspace"] == content_digest(maple) != first["workspace"]
    assert again["digest"] != first["digest"]


# -- slow: real reports --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def baseline(sample_sources: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two communities and their reports, made once: each test works on a copy of the whole folder."""
    root = tmp_path_factory.mktemp("incremental")
    for sample in BASELINE:
        shutil.copytree(sample_sources[sample], root / "ws" / sample)
    results = build_reports([root / "ws" / s for s in BASELINE], root / "out", jobs=2, progress=False)
    assert _statuses(results) == dict.fromkeys(BASELINE, "ok")
    return root


@pytest.fixture
def copy(baseline: Path, tmp_path: Path) -> Path:
    shutil.copytree(baseline, tmp_path / "run")
    return tmp_path / "run"


def _run(root: Path, **options) -> dict[str, str]:
    return _statuses(build_reports([root / "ws" / s for s in BASELINE], root / "out", jobs=2, progress=False,
                                   **options))


@pytest.mark.slow
def test_unchanged_communities_are_skipped_and_force_remakes_them(copy: Path) -> None:
    before = {name: _made(copy / "out", name) for name in BASELINE}
    assert _run(copy) == dict.fromkeys(BASELINE, SKIPPED)
    assert {name: _made(copy / "out", name) for name in BASELINE} == before  # not touched
    assert _run(copy, force=True) == dict.fromkeys(BASELINE, "ok")
    assert all(_made(copy / "out", name) != before[name] for name in BASELINE)


@pytest.mark.slow
def test_an_edited_workspace_alone_is_remade(copy: Path) -> None:
    with Workspace.open(copy / "ws" / "maple-falls") as ws:
        ws.update("community", "community", name="Maple Falls Township")
    assert _run(copy) == {"maple-falls": "ok", "whitebirch-lake": SKIPPED}
    # Remade, and still the adopted version's plan: the edit is to the working draft.
    assert "Maple Falls Township" not in (copy / "out" / "maple-falls" / "plan.html").read_text(encoding="utf-8")
    assert _run(copy, draft=True) == dict.fromkeys(BASELINE, "ok")  # another plan asked for: both remade
    assert "Maple Falls Township" in (copy / "out" / "maple-falls" / "plan.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_an_edited_notebook_or_another_option_remakes_the_report(copy: Path) -> None:
    own = copy / "ws" / "whitebirch-lake" / "notebooks"  # this community's own copy of one workbook
    own.mkdir()
    notebook = json.loads((workbooks_dir() / "risk.ipynb").read_text(encoding="utf-8"))
    notebook["cells"].append({"cell_type": "markdown", "metadata": {}, "source": "An analyst's note."})
    (own / "risk.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    assert _run(copy) == {"maple-falls": SKIPPED, "whitebirch-lake": "ok"}
    assert _run(copy, all_parts=True) == dict.fromkeys(BASELINE, "ok")
    assert _run(copy, all_parts=True) == dict.fromkeys(BASELINE, SKIPPED)


@pytest.mark.slow
def test_the_summary_says_skipped_unchanged(copy: Path) -> None:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = main(["report", *(str(copy / "ws" / s) for s in BASELINE), "--out", str(copy / "out"),
                       "--jobs", "auto"])
    assert status == 0
    rows = {line.split()[0]: line for line in stdout.getvalue().splitlines()[2:4]}
    assert all(f"{SKIPPED}" in rows[name] for name in BASELINE)
    assert "2 reports: 0 written, 2 skipped (unchanged), 0 failed" in stdout.getvalue()
    last = [line for line in stderr.getvalue().splitlines() if TOTALS.search(line)][-1]
    assert TOTALS.search(last).groups()[:5] == ("2", "2", "0", "0", "2")


@pytest.mark.slow
def test_a_killed_run_resumes_where_it_stopped(sample_sources: dict[str, Path], tmp_path: Path) -> None:
    names = ["maple-falls", "whitebirch-lake", "tamarack-county"]
    for name in names:
        shutil.copytree(sample_sources[name], tmp_path / "ws" / name)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "cswb_widgets.cli", "report", *(str(tmp_path / "ws" / n) for n in names),
               "--out", str(out), "--jobs", "1"]
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    parent = psutil.Process(run.pid)
    tree: dict[int, psutil.Process] = {}
    try:
        deadline = time.monotonic() + KILL_DEADLINE
        finished: list[str] = []
        while time.monotonic() < deadline and not finished:
            with contextlib.suppress(psutil.Error):
                tree.update({p.pid: p for p in parent.children(recursive=True)})
            finished = [n for n in names if (out / n / "report.json").exists()]
            time.sleep(0.1)
        assert finished, "no community finished in time"
        assert run.poll() is None, "the run ended before it could be killed mid-way"
        with contextlib.suppress(psutil.Error):
            tree.update({p.pid: p for p in parent.children(recursive=True)})
        assert any("ipykernel" in " ".join(p.cmdline()) for p in tree.values() if p.is_running())
        run.send_signal(signal.SIGKILL)  # no handler runs in the batch process
        run.wait(timeout=30)
        # Its workers notice and end themselves with their kernels (no orphan goes on writing).
        _gone, alive = psutil.wait_procs(list(tree.values()), timeout=ORPHAN_DEADLINE)
        assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE], [p.cmdline()[:3] for p in alive]
    finally:
        for process in tree.values():
            with contextlib.suppress(psutil.Error):
                process.kill()
    finished = [n for n in names if (out / n / "report.json").exists()]  # some may have ended meanwhile
    left = [p for p in out.iterdir() if PARTIAL_INFIX in p.name]
    assert left and len(finished) < len(names), "killed mid-way: an unfinished folder is left"
    done_before = {n: _made(out, n) for n in finished}

    results = build_reports([tmp_path / "ws" / n for n in names], out, jobs=1, progress=False)
    statuses = _statuses(results)
    assert {n for n, s in statuses.items() if s == SKIPPED} == set(finished)
    assert {n for n, s in statuses.items() if s == "ok"} == set(names) - set(finished)
    assert {n: _made(out, n) for n in finished} == done_before
    assert not [p for p in out.iterdir() if PARTIAL_INFIX in p.name], "the killed run's unfinished folder is gone"
    assert all((out / n / "plan.html").is_file() for n in names)


@pytest.mark.slow
def test_a_dead_worker_fails_every_community_left_each_with_its_reason(
        sample_sources: dict[str, Path], tmp_path: Path) -> None:
    # Communities are looked at only as workers need them; those never reached when the pool dies
    # must still end failed, each with a folder saying why (not vanish from the summary).
    names = ["maple-falls", "whitebirch-lake", "tamarack-county"]
    for name in names:
        shutil.copytree(sample_sources[name], tmp_path / "ws" / name)
    own = tmp_path / "ws" / "maple-falls" / "notebooks"
    own.mkdir(exist_ok=True)
    notebook = json.loads((workbooks_dir() / "commitment.ipynb").read_text(encoding="utf-8"))
    notebook["cells"].insert(0, {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                                 "source": "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)  # the worker"})
    (own / "commitment.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    out = tmp_path / "out"
    results = build_reports([tmp_path / "ws" / n for n in names], out, jobs=1, progress=False)
    assert _statuses(results) == dict.fromkeys(names, "failed")
    for name in names:
        assert "a worker process died" in (out / f"{name}{FAILED_SUFFIX}" / "error.txt").read_text(encoding="utf-8")
        assert not (out / name).exists()
    assert not [p for p in out.iterdir() if PARTIAL_INFIX in p.name]
