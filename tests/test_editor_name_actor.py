"""The editor's name: given once by the browser, it names the person in the change history."""

from __future__ import annotations

from pathlib import Path

from cswb_widgets.store import Workspace
from cswb_widgets.widgets.editor_name import DEFAULT_ACTOR, MAX_NAME_CHARACTERS, EditorName


def test_the_name_from_the_browser_becomes_the_actor_tidied_and_bounded(tmp_path: Path) -> None:
    with Workspace.create(tmp_path / "ws", name="Test Town", actor=DEFAULT_ACTOR) as ws:
        who = EditorName(ws)
        who.name = "  Alex   from the\tlibrary "  # as the browser's saved name arrives
        ws.add("risks", name="Housing")
        who.name = "x" * 500
        assert ws.actor == "x" * MAX_NAME_CHARACTERS
        who.name = "   "  # cleared: back to the default, never an empty actor
        ws.add("risks", name="Opioids")
        actors = ws.history()["actor"].tolist()
    assert "Alex from the library" in actors and DEFAULT_ACTOR in actors
    assert who.name == ""
