"""The optional import left out at start-up: gone where it is skipped, and nothing else lost."""

from __future__ import annotations

import subprocess
import sys

import pytest


def python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_report_workers_never_import_the_iri_grammar_and_still_validate_notebooks() -> None:
    out = python(
        "import sys, cswb_widgets.report.runner, papermill, nbformat\n"
        "nbformat.validate(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')]))\n"
        "try:\n    nbformat.validate({'cells': 1})\nexcept nbformat.ValidationError:\n    print('refused')\n"
        "print(sys.modules.get('rfc3987_syntax'))"
    )
    assert out.splitlines() == ["refused", "None"]


@pytest.mark.slow
def test_without_it_jsonschema_checks_every_other_format() -> None:
    code = (
        "import sys\n{skip}"
        "import jsonschema\n"
        "checker = jsonschema.Draft7Validator.FORMAT_CHECKER\n"
        "print(sorted(f for f in ('iri', 'iri-reference', 'uri', 'date-time', 'email') if f in checker.checkers))"
    )
    skipped = python(code.format(skip="from cswb_widgets.startup import skip_unused_slow_imports\nskip_unused_slow_imports()\n"))
    full = python(code.format(skip=""))
    assert full == "['date-time', 'email', 'iri', 'iri-reference', 'uri']"  # the package is installed here
    assert skipped == "['date-time', 'email', 'uri']"


@pytest.mark.slow
def test_once_jsonschema_is_loaded_skipping_changes_nothing() -> None:
    out = python(
        "import sys, jsonschema\n"
        "from cswb_widgets.startup import skip_unused_slow_imports\n"
        "skip_unused_slow_imports()\n"
        "print(sys.modules.get('rfc3987_syntax') is not None)"
    )
    assert out == "True"
