"""Which languages' app pages `cswb serve` preheats (serve/preheat.py): French only where French
pages will be asked for, since each language's pools cost about six kernels of 110-160 MB."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sample_workspaces import copy_of, sample_workspace

from cswb_widgets.notebooks import NOTEBOOKS, copy_for_app
from cswb_widgets.paths import workbooks_dir
from cswb_widgets.serve.preheat import preheated_languages, served_plan_languages, write_preheated_copies
from cswb_widgets.store import Workspace


@pytest.mark.parametrize(("plans", "server", "expected"), [
    ([], "en", ("en",)),
    (["en", None, ""], "en", ("en",)),  # blank is English
    (["en", "fr"], "en", ("en", "fr")),
    (["both"], "en", ("en", "fr")),  # a bilingual plan's people may work in either language
    (["en"], "fr", ("en", "fr")),  # a francophone facilitator's server: the first pages are French
    (["en"], "fr_CA.UTF-8", ("en", "fr")),
    (["fr"], "de", ("en", "fr")),  # English stays: the pages' default language
    (["xx"], "en", ("en",)),  # not a plan language: English, as the plan reads it
])
def test_french_is_preheated_only_when_someone_will_ask_for_it(plans: list[object], server: str,
                                                                expected: tuple[str, ...]) -> None:
    assert preheated_languages(plans, server) == expected


@pytest.fixture
def served(sample_sources: dict[str, Path], tmp_path: Path) -> Path:
    """A served folder: Maple Falls (English plan) and the French sample, and a broken folder."""
    root = tmp_path / "served"
    copy_of(sample_sources["maple-falls"], root / "maple-falls")
    sample_workspace("lac-des-epinettes", root / "lac-des-epinettes")
    (root / "broken").mkdir()
    (root / "broken" / "workspace.sqlite").write_bytes(b"not a database")
    return root


def _site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    for name in NOTEBOOKS:
        copy_for_app(workbooks_dir() / f"{name}.ipynb", site / f"{name}.ipynb")
    return site


def test_the_served_communities_plan_languages_are_read_and_a_broken_one_skipped(served: Path) -> None:
    assert sorted(served_plan_languages(served)) == ["en", "fr"]


def test_a_french_plan_gets_its_french_app_copies_written_before_voila_starts(served: Path, tmp_path: Path) -> None:
    site = _site(tmp_path)
    names = [f"{name}.ipynb" for name in NOTEBOOKS]
    written = write_preheated_copies(site, names, served, "en")
    assert sorted(p.as_posix() for p in written) == sorted(f"_lang/fr/{name}" for name in names)
    for path in written:
        notebook = json.loads((site / path).read_text(encoding="utf-8"))
        assert notebook["metadata"]["cswb"]["language"] == "fr"
    # Voilà finds them at start (it preheats every notebook under its root, recursively).
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*.ipynb")) == sorted([*names, *map(str, written)])


def test_english_plans_on_an_english_server_preheat_no_french_copy(served: Path, tmp_path: Path) -> None:
    with Workspace.open(served / "lac-des-epinettes") as ws:
        ws.update("community", "community", plan_language="en")
    site = _site(tmp_path)
    assert write_preheated_copies(site, [f"{name}.ipynb" for name in NOTEBOOKS], served, "en") == []
    assert not (site / "_lang").exists()
