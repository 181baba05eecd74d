"""Interactive components bound to a community workspace, for JupyterLab and Voilà.

Each has a static twin in :mod:`cswb_widgets.render` (or a ``to_html()``) for report mode:

>>> from cswb_widgets.widgets import EditableTable
>>> EditableTable(ws, "people", columns=["name", "organization_id", "sector"])  # doctest: +SKIP
"""

from .coverage import CoverageIndicator
from .editable_table import EditableTable
from .file_import import FileImport
from .guidance import GuidancePanel
from .header import StageHeader
from .history import HistoryPanel
from .map_panel import MapPanel
from .pickers import catalogue_picker, options_picker
from .record_form import RecordForm
from .voting import Ballot, VoteTally

__all__ = [
    "Ballot",
    "CoverageIndicator",
    "EditableTable",
    "FileImport",
    "GuidancePanel",
    "HistoryPanel",
    "MapPanel",
    "RecordForm",
    "StageHeader",
    "VoteTally",
    "catalogue_picker",
    "options_picker",
]
