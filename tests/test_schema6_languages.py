"""Schema 6: the plan's language and each asset's service languages, on both backends: the
upgrade from schema 5, the door's one-line refusals, and the export/import round trip."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from store_backends import set_stored_schema_version

from cswb_widgets.errors import CswbWarning, InputError
from cswb_widgets.model.languages import parse_languages, plan_document_languages, plan_language
from cswb_widgets.store import SCHEMA_VERSION, Workspace
from cswb_widgets.store.tabular import export_workspace, import_bundle, import_file

NEW_COLUMNS = {"community": "plan_language", "assets": "service_languages"}


def test_schema_6_is_current():
    assert SCHEMA_VERSION == 6


def test_a_schema_5_workspace_gains_both_columns_blank_and_keeps_its_records(
    workspace_location: Callable[[str], str | Path],
) -> None:
    where = workspace_location("old")
    ws = Workspace.create(where, name="Hearst")
    asset = ws.add("assets", name="Centre de santé communautaire", purpose="Soins primaires")
    for table, column in NEW_COLUMNS.items():  # as schema 5 left it
        ws._conn.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    set_stored_schema_version(ws, 5)
    ws.close()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CswbWarning)  # "upgraded this workspace from schema 5 to 6"
        upgraded = Workspace.open(where)
        assert upgraded.schema_version == 6
        assert upgraded.get("assets", asset)["purpose"] == "Soins primaires"
        assert upgraded.get("assets", asset)["service_languages"] is None
        assert upgraded.community["plan_language"] is None
        assert plan_language(upgraded.community["plan_language"]) == "en"  # blank reads as English
        upgraded.update("community", "community", plan_language="fr")
        upgraded.update("assets", asset, service_languages="français, English")
        assert upgraded.community["plan_language"] == "fr"
        assert upgraded.get("assets", asset)["service_languages"] == "fr; en"
        upgraded.close()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("fr", "fr"), ("FR", "fr"), ("Français", "fr"), ("French", "fr"), ("both", "both"), ("Bilingue", "both"),
     ("en", "en"), ("", None)],
)
def test_the_plan_language_is_read_from_a_code_or_a_name(tmp_path: Path, typed: str, stored: str | None) -> None:
    with Workspace.create(tmp_path / "w", name="Kapuskasing") as ws:
        ws.update("community", "community", plan_language=typed)
        assert ws.community["plan_language"] == stored


def test_an_unknown_plan_language_is_refused_in_one_line(tmp_path: Path) -> None:
    with Workspace.create(tmp_path / "w", name="Kapuskasing") as ws:
        with pytest.raises(InputError) as refused:
            ws.update("community", "community", plan_language="allemand")
        assert str(refused.value) == "column 'plan_language': expected one of: en, fr, both, got 'allemand'"
        assert ws.community["plan_language"] is None


def test_a_bilingual_plan_is_written_in_both_languages():
    assert plan_document_languages("both") == ("en", "fr")
    assert plan_document_languages(None) == ("en",)
    assert plan_document_languages("fr") == ("fr",)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("en; fr", "en; fr"), ("French", "fr"), ("fra, eng", "fr; en"), ("fr; FR; français", "fr"),
     ("Ojibwa; crk", "oj; crk"), ("  ", None)],
)
def test_service_languages_are_stored_as_codes_separated_by_semicolons(
    tmp_path: Path, typed: str, stored: str | None
) -> None:
    with Workspace.create(tmp_path / "w", name="Timmins") as ws:
        asset = ws.add("assets", name="Clinique", service_languages=typed)
        assert ws.get("assets", asset)["service_languages"] == stored


def test_a_bad_service_language_in_a_file_names_file_row_and_column(tmp_path: Path) -> None:
    data = tmp_path / "assets.csv"
    data.write_text(
        "name,service_languages\nCentre Alpha,en; fr\nCentre Bêta,fr; franglais\n", encoding="utf-8"
    )
    with Workspace.create(tmp_path / "w", name="Timmins") as ws:
        with pytest.raises(InputError) as refused:
            import_file(ws, data)
        assert str(refused.value) == f"{data}, row 3," + (
            " column 'service_languages': expected languages as ISO 639-1 codes or names"
            " separated by ';' (such as 'en; fr'), got 'franglais'"
        )
        assert ws.count("assets") == 0  # nothing of the file landed


def test_both_columns_survive_an_export_and_an_import(tmp_path: Path) -> None:
    with Workspace.create(tmp_path / "a", name="Hearst") as ws:
        ws.update("community", "community", plan_language="both")
        ws.add("assets", id="a1", name="Centre de santé", service_languages="fr; en; cr")
        export_workspace(ws, tmp_path / "bundle")
    first = {p.name: p.read_bytes() for p in (tmp_path / "bundle").iterdir()}
    with Workspace.create(tmp_path / "b", name="Autre") as again:
        import_bundle(again, tmp_path / "bundle")
        assert again.community["plan_language"] == "both"
        assert again.get("assets", "a1")["service_languages"] == "fr; en; cr"
        export_workspace(again, tmp_path / "bundle2")
    assert {p.name: p.read_bytes() for p in (tmp_path / "bundle2").iterdir()} == first


def test_parsing_refuses_what_names_no_language():
    with pytest.raises(ValueError, match="got 'xx'"):
        parse_languages("fr; xx")
