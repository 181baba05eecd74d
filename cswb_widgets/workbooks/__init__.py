"""The six workbooks' logic: each notebook opens its stage's workbook and shows one part per cell.

>>> from cswb_widgets.workbooks import CommitmentWorkbook
>>> book = CommitmentWorkbook.open("ws/maple-falls", mode="report")  # doctest: +SKIP
>>> book.seat_coverage()  # doctest: +SKIP
"""

from ._base import MODES, Workbook
from .assets import AssetsWorkbook
from .buy_in import BuyInWorkbook
from .commitment import CommitmentWorkbook
from .evaluation import EvaluationWorkbook
from .implementation import ImplementationWorkbook
from .risk import RiskWorkbook

__all__ = ["MODES", "AssetsWorkbook", "BuyInWorkbook", "CommitmentWorkbook", "EvaluationWorkbook", "ImplementationWorkbook", "RiskWorkbook", "Workbook"]
