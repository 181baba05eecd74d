"""Plan and progress reports: the six workbooks run in report mode, assembled into one document.

>>> from cswb_widgets.report import build_reports, summary_table
>>> results = build_reports(["ws/maple-falls"], "reports", kind="plan", formats=("html", "pdf"), jobs=2)  # doctest: +SKIP
>>> print(summary_table(results))  # doctest: +SKIP

`runner` executes the notebooks (papermill, one long-lived kernel per worker), `outline`
says which cells make which sections, `assemble` builds the HTML document from the executed
notebooks, `pdf` prints it with headless Chromium (`print_service`: one browser for a batch's
workers), `docx` writes it as an editable Word document, `batch` runs many communities at once.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .batch import FORMATS, CommunityResult, build_reports, parse_formats, summary_table
    from .outline import KINDS

__all__ = ["FORMATS", "KINDS", "CommunityResult", "build_reports", "parse_formats", "summary_table"]
_MODULE_OF = {"FORMATS": "batch", "CommunityResult": "batch", "build_reports": "batch", "parse_formats": "batch",
              "summary_table": "batch", "KINDS": "outline"}


def __getattr__(name: str) -> Any:
    """The names above, imported on first use: the print service, which needs only `pdf`, does not
    load the batch and everything it imports (pandas among them: 86 MB against 25 MB)."""
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_MODULE_OF[name]}", __name__), name)
