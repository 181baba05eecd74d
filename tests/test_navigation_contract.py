"""What the apps' step menu relies on, without a browser: each readiness check names a step that
exists; the header's "what to do next" list; the server console without routine noise."""

from __future__ import annotations

import logging

import pytest

from cswb_widgets.model.readiness import FIXED_IN_PART, Check, StageSummary, assess
from cswb_widgets.notebooks import parts_in, read_notebook
from cswb_widgets.paths import workbooks_dir
from cswb_widgets.render.header import next_steps_html
from cswb_widgets.serve.console import quiet_routine_lines


def test_every_readiness_check_names_a_part_of_its_own_workbook() -> None:
    checks = [check for stage in assess({}) for check in stage.checks]
    assert checks
    for check in checks:
        part = FIXED_IN_PART.get(check.key)
        assert part, f"check {check.key!r} names no part where it is met"
        parts = parts_in(read_notebook(workbooks_dir() / f"{check.stage}.ipynb"))
        assert part in parts, f"check {check.key!r}: {check.stage}.ipynb has no cell tagged part:{part}"


def test_next_steps_list_the_unmet_checks_of_this_stage_only_and_escape_what_people_typed() -> None:
    summaries = [
        StageSummary("commitment", "Commitment", (
            Check("commitment", "roles", "A champion and a coordinator are named", 1, 2, ("<b>coordinator</b>",)),
            Check("commitment", "terms_of_reference", "Terms of reference cover all five sections", 5, 5),
        )),
        StageSummary("risk", "Risk", (Check("risk", "risks", "Community risks are documented", 0, 1, ("x",)),)),
    ]
    html = next_steps_html(summaries, "commitment")
    assert 'data-part="leaders"' in html and "A champion and a coordinator are named" in html
    assert "&lt;b&gt;coordinator&lt;/b&gt;" in html and "<b>coordinator</b>" not in html
    assert "Terms of reference" not in html  # met
    assert "Community risks" not in html  # another stage's
    done = next_steps_html(summaries[1:2] + [StageSummary("commitment", "Commitment", summaries[0].checks[1:])],
                           "commitment")
    assert "This stage is complete" in done


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("Notebook risk.ipynb is not trusted", False),
        ("Kernel started: 1e9fc1f7-ffd5-4a42-a453-4de465c12b02", False),
        ("Using pre-heated kernel: 0db58898 for evaluation.ipynb", False),
        ("Kernel pool of risk.ipynb is filled with 1 kernel(s)", False),
        ("Voilà is running at:\nhttp://127.0.0.1:8866/", False),
        ("Uncaught exception GET /voila/render/risk.ipynb", True),
        ("Kernel died unexpectedly: 1e9fc1f7", True),
    ],
)
def test_the_console_keeps_what_needs_the_operator_and_drops_routine_lines(
    message: str, shown: bool, caplog: pytest.LogCaptureFixture
) -> None:
    app_log = logging.getLogger("cswb-test-console")
    app_log.setLevel(logging.DEBUG)  # as traitlets leaves an app's logger; its handler has the level
    caplog.handler.setLevel(logging.INFO)
    app_log.addHandler(caplog.handler)
    quiet_routine_lines(app_log)
    try:
        app_log.warning(message)
    finally:
        app_log.removeHandler(caplog.handler)
    assert (message in caplog.text) is shown
