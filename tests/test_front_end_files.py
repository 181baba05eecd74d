"""The widgets' JavaScript and CSS live in real files under cswb_widgets/widgets/static/."""

from __future__ import annotations

import gc
import re
import weakref
from pathlib import Path

import pytest

from cswb_widgets import render
from cswb_widgets.model.voting import RATINGS
from cswb_widgets.render.maps import offline
from cswb_widgets.widgets import (
    EditableTable,
    _static,
    _table_front,
    browser_memory,
    colour_field,
    editor_name,
    sections,
    voting,
)

FRONT_END = {
    "_table_front.TABLE_ESM": _table_front.TABLE_ESM,
    "_table_front.TABLE_CSS": _table_front.TABLE_CSS,
    "voting.RATINGS_ESM": voting.RATINGS_ESM,
    "voting.STATUS_ESM": voting.STATUS_ESM,
    "voting.TALLY_ESM": voting.TALLY_ESM,
    "voting.BALLOT_CSS": voting.BALLOT_CSS,
    "voting.STATUS_CSS": voting.STATUS_CSS,
    "voting.TALLY_CSS": voting.TALLY_CSS,
    "sections.SHOWN_ESM": sections.SHOWN_ESM,
    "editor_name.EDITOR_ESM": editor_name.EDITOR_ESM,
    "editor_name.EDITOR_CSS": editor_name.EDITOR_CSS,
    "sections.LIVE_REFRESH_ESM": sections.LIVE_REFRESH_ESM,
    "browser_memory.MEMORY_ESM": browser_memory.MEMORY_ESM,
    "colour_field.COLOUR_ESM": colour_field.COLOUR_ESM,
}


def test_every_static_file_is_used() -> None:
    names = {path.name for path in _static.STATIC_DIR.iterdir()}
    assert names, "no front-end files found"
    used = {name for name in names if any(_static._read(name) in source for source in FRONT_END.values())}
    css = {name for name in names if name.endswith(".css")}
    used |= {name for name in css if _static.stylesheet(name) in FRONT_END.values()}
    assert used == names


@pytest.mark.parametrize("name", sorted(FRONT_END))
def test_front_end_loads_nothing_and_keeps_no_placeholders(name: str) -> None:
    source = FRONT_END[name]
    assert "http://" not in source and "https://" not in source and "@import" not in source
    assert not re.search(r"^\s*import\s", source, flags=re.MULTILINE)  # one module, no imports
    assert "var(--cswb-palette-" not in source  # every palette colour was filled in


def test_the_offline_map_page_inlines_its_own_files_with_colours_filled_in() -> None:
    page = offline.offline_libraries(clustered=True)
    script = (offline._STATIC / "map_support.js").read_text(encoding="utf-8")
    assert script in page and "var(--cswb-map-" not in page
    assert {p.name for p in offline._STATIC.iterdir()} == {"map_support.css", "map_support.js"}
    assert f"background: {offline.MAP_BACKGROUND};" in page


def test_palette_colours_are_filled_in() -> None:
    assert f"border: 2px solid {render.PALETTE['error']}" in _table_front.TABLE_CSS
    assert f".cswb-vote-status {{ color: {render.PALETTE['ok']}; }}" in voting.STATUS_CSS


def test_an_unknown_palette_name_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "x.css").write_text(".a { color: var(--cswb-palette-no_such_colour); }")
    monkeypatch.setattr(_static, "STATIC_DIR", tmp_path)
    with pytest.raises(KeyError, match="no_such_colour"):
        _static.stylesheet("x.css")


def test_the_tally_bar_has_a_shade_for_every_rating() -> None:
    for rating in RATINGS:
        assert f".cswb-vote-r{rating} {{ background: #" in voting.TALLY_CSS


def test_widgets_carry_text_not_paths_and_are_freed() -> None:
    # anywidget keeps every instance of a class whose _esm/_css is a Path (a file-change signal
    # holds it); the files are read once and handed over as text instead.
    for cls in (EditableTable, voting._RiskRatings, voting._StatusLine, voting.VoteTally):
        assert isinstance(cls.__dict__["_esm"], str) and isinstance(cls.__dict__["_css"], str)
    widget = voting._RiskRatings()
    ref = weakref.ref(widget)
    widget.close()
    del widget
    gc.collect()
    assert ref() is None
