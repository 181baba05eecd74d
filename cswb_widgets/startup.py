"""Process start-up: leave out an optional import that costs seconds and that nothing here uses.

jsonschema (imported by nbformat, papermill and jupyter_server's event system) imports
``rfc3987_syntax`` whenever it is installed, to check the "iri" string format. That package
builds its grammar at import time: 2.5-3 s on this project's machines, paid by every report
worker and every `cswb serve` before any work. No schema these processes validate (notebook
format, jupyter_server events) uses "iri"; without the package jsonschema simply does not
register that check (its documented behaviour for missing optional format libraries).
"""

from __future__ import annotations

import sys

SKIPPED_MODULE = "rfc3987_syntax"


def skip_unused_slow_imports() -> None:
    """Call before jsonschema is first imported; later it changes nothing (the cost is paid)."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault(SKIPPED_MODULE, None)  # type: ignore[arg-type]  # None makes its import fail
