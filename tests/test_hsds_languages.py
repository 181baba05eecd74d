"""HSDS `languages` become each asset's service languages; a language nobody can read is refused
with its file, row and column, and nothing lands."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from cswb_widgets.errors import InputError
from cswb_widgets.store import Workspace
from cswb_widgets.store.hsds import import_hsds
from cswb_widgets.store.tabular import export_csv

EXAMPLE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "hsds-3.0-example"
SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"
LOCATION_ID = "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
ASSET = f"hsds-svc-{SERVICE_ID}"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.create(tmp_path / "ws", name="Hearst", kind="municipality")


def _example_with_languages(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    """The real HSDS 3.0 example package with its languages.csv replaced by `rows`."""
    folder = tmp_path / "hsds"
    shutil.copytree(EXAMPLE, folder)
    for f in folder.iterdir():
        f.chmod(0o644)  # the shared copy is read-only
    with (folder / "languages.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "service_id", "location_id", "phone_id", "name", "code", "note"])
        writer.writeheader()
        for number, row in enumerate(rows, start=1):
            writer.writerow({"id": f"lang-{number}", **row})
    return folder


def test_the_real_example_service_serves_in_urdu(ws: Workspace) -> None:
    report = import_hsds(ws, EXAMPLE)
    assert ws.get("assets", ASSET)["service_languages"] == "ur"
    assert not any("languages.csv" in notice for notice in report.notices)  # read, not "recognized but not used"


def test_codes_names_and_the_location_s_languages_make_one_list(ws: Workspace, tmp_path: Path) -> None:
    package = _example_with_languages(tmp_path, [
        {"service_id": SERVICE_ID, "code": "fra"},  # ISO 639-2/3 for French
        {"service_id": SERVICE_ID, "name": "English"},
        {"location_id": LOCATION_ID, "name": "Ojibwa"},  # every service at that place
        {"phone_id": "1554f2e2-a373-45db-a3fa-9fc48a61c15e", "code": "es"},  # a phone line's, not the service's
        {"service_id": SERVICE_ID, "name": "français"},  # French again, named in French
    ])
    import_hsds(ws, package)
    assert ws.get("assets", ASSET)["service_languages"] == "fr; en; oj"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"service_id": SERVICE_ID, "code": "zz"},
         "languages.csv, row 3, column 'code': expected an ISO 639-1 or 639-3 language code such as 'fr', got 'zz'"),
        ({"service_id": SERVICE_ID, "name": "Elfique"},
         "languages.csv, row 3, column 'name': expected a language's name such as 'French' or 'français', got 'Elfique'"),
        ({"service_id": "no-such-service", "code": "fr"},
         "languages.csv, row 3, column 'service_id': expected the id of a service in services.csv, got 'no-such-service'"),
    ],
)
def test_a_language_row_nobody_can_read_is_refused_and_nothing_lands(
    ws: Workspace, tmp_path: Path, row: dict[str, str], message: str
) -> None:
    package = _example_with_languages(tmp_path, [{"service_id": SERVICE_ID, "code": "fr"}, row])
    with pytest.raises(InputError) as refused:
        import_hsds(ws, package)
    assert message in str(refused.value)
    assert ws.count("assets") == 0 and ws.count("organizations") == 0


def test_a_reimport_without_languages_keeps_what_planners_entered(ws: Workspace, tmp_path: Path) -> None:
    import_hsds(ws, _example_with_languages(tmp_path / "first", []))
    assert ws.get("assets", ASSET)["service_languages"] is None
    ws.update("assets", ASSET, service_languages="fr; en")
    import_hsds(ws, _example_with_languages(tmp_path / "again", []))
    assert ws.get("assets", ASSET)["service_languages"] == "fr; en"
    export_csv(ws, tmp_path / "out")
    assert "fr; en" in (tmp_path / "out" / "assets.csv").read_text(encoding="utf-8-sig")


def test_what_the_importer_writes_is_in_the_importing_persons_language(ws: Workspace, tmp_path: Path) -> None:
    # The importer composes some fields itself (where, when, for whom): a French import writes them in French.
    from cswb_widgets.i18n import use_language
    from cswb_widgets.store.hsds import _hours, _Mapper

    schedules = [{"weekday": "1", "opens_at": "09:00", "closes_at": "17:00"},
                 {"byday": "SA", "opens_at": "10:00", "closes_at": "12:00"}]
    with use_language("fr"):
        assert _hours(schedules) == "lun. 09:00-17:00; sam. 10:00-12:00"
        assert _Mapper.population({"minimum_age": "18"}, []) == "18 ans et plus"
        assert _Mapper.population({"minimum_age": "12", "maximum_age": "24"}, []) == "De 12 à 24 ans"
        assert _Mapper.delivery([], True, []) == "En ligne"
    assert _hours(schedules) == "Mon 09:00-17:00; Sat 10:00-12:00"
    assert _Mapper.population({"maximum_age": "5"}, []) == "Up to age 5"
