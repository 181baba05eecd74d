"""Plan and progress reports: the six workbooks run in report mode, assembled into one document.

>>> from cswb_widgets.report import build_reports, summary_table
>>> results = build_reports(["ws/maple-falls"], "reports", kind="plan", formats=("html", "pdf"), jobs=2)  # doctest: +SKIP
>>> print(summary_table(results))  # doctest: +SKIP

`runner` executes the notebooks (papermill, one long-lived kernel per worker), `outline`
says which cells make which sections, `assemble` builds the HTML document from the executed
notebooks, `pdf` prints it with headless Chromium, `docx` writes it as an editable Word document,
`batch` runs many communities at once.
"""

from __future__ import annotations

from .batch import FORMATS, CommunityResult, build_reports, parse_formats, summary_table
from .outline import KINDS

__all__ = ["FORMATS", "KINDS", "CommunityResult", "build_reports", "parse_formats", "summary_table"]
