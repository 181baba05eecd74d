"""Charts are saved through a canvas that measures each text once per process: same bytes, fewer measurements."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import pytest
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

from cswb_widgets.render import charts, svg_backend
from cswb_widgets.render.figures import chart_style


def criteria() -> pd.DataFrame:
    return pd.DataFrame({"Magnitude": [0.2, 0.9, 0.4], "Severity": [1.0, 0.3, 0.6]},
                        index=["Poverty", "Housing", "Mental health"])


@pytest.fixture
def measured(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts FreeType lays out for the SVG canvas, in order (the measurements kept so far forgotten)."""
    texts: list[str] = []
    measure = TextToPath.get_text_width_height_descent

    def counting(self: TextToPath, s: str, prop: Any, ismath: Any) -> Any:
        texts.append(s)
        return measure(self, s, prop, ismath)

    monkeypatch.setattr(TextToPath, "get_text_width_height_descent", counting)
    monkeypatch.setattr(svg_backend, "_extents", {})
    return texts


def _saved(figure: Any, backend: str | None) -> str:
    buffer = io.StringIO()
    with chart_style():
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, backend=backend)
    return buffer.getvalue()


def test_the_canvas_writes_what_matplotlibs_own_svg_canvas_writes() -> None:
    # A chart laid out by matplotlib's layout engine: its measuring runs through the canvas too.
    with chart_style():
        figure = charts._figure(3.0)
        axes = figure.add_subplot()
        axes.barh([0, 1, 2], [3, 1, 2], tick_label=["Poverty", "Housing", "Mental health"])
        axes.set_title("Criteria")
        axes.set_xlabel("Score\nsecond line")
    own = _saved(figure, None)
    assert _saved(figure, svg_backend.SVG_BACKEND) == own
    assert _saved(figure, svg_backend.SVG_BACKEND) == own  # again, every text remembered


def test_a_text_seen_before_is_not_laid_out_again(measured: list[str]) -> None:
    charts.heatmap(criteria(), title="Criteria values")
    first = list(measured)
    assert "Poverty" in first and "Criteria values" in first
    charts.heatmap(criteria(), title="Criteria values")
    assert measured == first  # the second chart: all its texts were measured for the first


def test_each_font_and_size_is_measured_on_its_own(measured: list[str]) -> None:
    with chart_style():
        normal = svg_backend.text_extent("Housing", FontProperties(size=10))
        bold = svg_backend.text_extent("Housing", FontProperties(size=10, weight="bold"))
        larger = svg_backend.text_extent("Housing", FontProperties(size=12))
    assert normal[0] < bold[0] and normal[0] < larger[0]
    assert measured == ["Housing"] * 3
