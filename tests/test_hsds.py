"""Open Referral HSDS data packages into the asset inventory: the real 3.0 example, a 1.x package, bad input."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from cswb_widgets.cli import cli, main
from cswb_widgets.errors import InputError
from cswb_widgets.store import Workspace
from cswb_widgets.store.hsds import import_hsds, looks_like_hsds
from cswb_widgets.store.tabular import export_csv

EXAMPLE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "hsds-3.0-example"
SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"
PERSONAL = ("Ann Persona", "A. Persona", "email@example.com", "1234 234567")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.create(tmp_path / "ws", name="Test Town", kind="municipality")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _snapshot(ws: Workspace, folder: Path) -> dict[str, bytes]:
    export_csv(ws, folder)
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _all_text(ws: Workspace, tmp_path: Path) -> str:
    return "\n".join(b.decode("utf-8-sig") for b in _snapshot(ws, tmp_path / "all-text").values())


def _copy_example(tmp_path: Path) -> Path:
    folder = tmp_path / "hsds3"
    shutil.copytree(EXAMPLE, folder)
    for f in folder.iterdir():
        f.chmod(0o644)  # the shared copy is read-only
    return folder


def _zip(folder: Path, target: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for f in sorted(folder.iterdir()):
            archive.write(f, prefix + f.name)
    return target


# -- an HSDS 1.x package written by hand, with 1.x table and column names ---------------------------

V1_TABLES: dict[str, list[list[str]]] = {
    "organizations.csv": [
        ["id", "name", "description", "url", "email"],
        ["o1", "Ottawa Food Network", "<p>Food banks &amp; <b>meal</b> programs.</p>", "https://food.example.ca", "info@food.example.ca"],
        ["o2", "Youth Services Bureau", "Youth drop-in and counselling.", "", ""],
    ],
    "services.csv": [
        ["id", "organization_id", "name", "description", "status", "email"],
        ["s1", "o1", "Community Meals", "Hot meals. Call Jane at 613-555-0199 or jane.doe@example.org.", "active", "jane@example.org"],
        ["s2", "o2", "Youth Helpline Chat", "Chat with a counsellor online, since 2019-01-15.", "active", ""],
        ["s3", "o2", "Closed Drop-in", "No longer offered.", "defunct", ""],
        ["a-very-long-service-identifier-from-a-211-system/with/slashes/0001", "o1", "Food Hamper Delivery",
         "Hampers delivered to homes.", "active", ""],
    ],
    "locations.csv": [
        ["id", "organization_id", "name", "description", "latitude", "longitude"],
        ["l1", "o1", "City Hall Kitchen", "", "45.4215", "-75.6972"],
        ["l2", "o2", "", "", "", ""],
    ],
    "services_at_location.csv": [
        ["id", "service_id", "location_id", "description"],
        ["sal1", "s1", "l1", ""],
    ],
    "physical_addresses.csv": [
        ["id", "location_id", "attention", "address_1", "city", "state_province", "postal_code", "country"],
        ["a1", "l1", "Jane Doe", "110 Laurier Ave W", "Ottawa", "ON", "K1P 1J1", "CA"],
    ],
    "eligibility.csv": [
        ["id", "service_id", "eligibility"],
        ["e1", "s1", "adult"],
        ["e2", "s1", "family"],
        ["e3", "s2", "teen"],
    ],
    "funding.csv": [
        ["id", "organization_id", "service_id", "source"],
        ["f1", "", "s1", "City of Ottawa community funding"],
        ["f2", "o1", "", "United Way"],
    ],
    "regular_schedules.csv": [
        ["id", "service_id", "location_id", "weekday", "opens_at", "closes_at"],
        ["r1", "s1", "", "1", "11:30", "13:30"],
        ["r2", "s1", "", "3", "11:30", "13:30"],
        ["r3", "s1", "", "6", "10:00", "12:00"],
    ],
    "phones.csv": [
        ["id", "service_id", "number"],
        ["p1", "s1", "613-555-0100"],
    ],
    "contacts.csv": [
        ["id", "service_id", "name", "email"],
        ["c1", "s1", "Jane Doe", "jane.doe@example.org"],
    ],
}


def _write_v1(folder: Path, tables: dict[str, list[list[str]]] | None = None, version: str = "1.1") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    tables = tables if tables is not None else V1_TABLES
    for name, rows in tables.items():
        with (folder / name).open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
    resources = [{"name": name.removesuffix(".csv").rstrip("s"), "path": name, "format": "csv"} for name in tables]
    (folder / "datapackage.json").write_text(json.dumps({"name": "ottawa", "version": version, "resources": resources}))
    return folder


# -- the real HSDS 3.0 example ---------------------------------------------------------------------


def test_real_3_0_example_lands_in_organizations_and_assets(ws: Workspace, tmp_path: Path) -> None:
    services = [r for r in _rows(EXAMPLE / "services.csv") if r["status"] not in ("inactive", "defunct")]
    organizations = _rows(EXAMPLE / "organizations.csv")
    report = import_hsds(ws, EXAMPLE)
    assert report.inserted == {"organizations": len(organizations), "assets": len(services)}
    assert ws.count("assets") == len(services) and ws.count("organizations") == len(organizations)

    asset = ws.get("assets", f"hsds-svc-{SERVICE_ID}")
    assert asset is not None
    assert asset["name"] == "Community Counselling"
    assert asset["organization_id"] == "hsds-org-d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
    assert asset["purpose"].startswith("Counselling Services provided by trained professionals.")
    assert asset["funding_source"].startswith("This service is funded partially by the MyCity local government")
    assert asset["target_population"].startswith("This service is intended for all people aged 12 and over")
    assert asset["service_delivery"].startswith("At MyCity Civic Center. The service is available from 10 am to 6pm weekdays")
    assert "in-person or remotely via video conferencing" in asset["service_delivery"]
    # The location's only address is typed "postal"; the attention line (a person) is left out.
    assert asset["address"] == "1-30 Main Street, MyVillage, MyCity, MyState ABC 1234"
    assert asset["source"] == f"HSDS 3.0.0 service {SERVICE_ID}"
    # The example's latitude is 100: not a place on Earth, so no coordinates and no "site".
    assert asset["latitude"] is None and asset["longitude"] is None and asset["location_kind"] is None
    assert any("Community Counselling" in n and "latitude 100 is outside -90 to 90" in n for n in report.notices)

    organization = ws.get("organizations", "hsds-org-d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610")
    assert organization is not None
    assert (organization["name"], organization["website"], organization["sector"]) == (
        "Example Organization Inc.", "http://example.com", "other")
    unused = next(n for n in report.notices if n.startswith("HSDS tables recognized but not used"))
    for name in ("programs.csv", "service_areas.csv", "taxonomy_terms.csv", "cost_options.csv", "metadata.csv"):
        assert name in unused
    assert any("phones.csv, contacts.csv" in n and "personal contact data" in n for n in report.notices)
    assert any("sector 'Other'" in n and "Example Organization Inc." in n for n in report.notices)
    text = _all_text(ws, tmp_path)
    for personal in PERSONAL:
        assert personal not in text


def test_coordinates_land_in_latitude_longitude_and_make_a_site(ws: Workspace, tmp_path: Path) -> None:
    folder = _copy_example(tmp_path)
    rows = _rows(folder / "locations.csv")
    rows[0].update(latitude="45.4215", longitude="-75.6972")
    with (folder / "locations.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    report = import_hsds(ws, folder / "datapackage.json")  # the descriptor's own path works too
    asset = ws.get("assets", f"hsds-svc-{SERVICE_ID}")
    assert asset is not None
    assert (asset["latitude"], asset["longitude"], asset["location_kind"]) == (45.4215, -75.6972, "site")
    assert not any("coordinates" in n for n in report.notices)


@pytest.mark.parametrize("prefix", ["", "hsds-export/"])
def test_zip_of_the_example_imports_like_the_folder(prefix: str, tmp_path: Path) -> None:
    from_folder = Workspace.create(tmp_path / "a", name="A")
    from_zip = Workspace.create(tmp_path / "b", name="B")
    import_hsds(from_folder, EXAMPLE)
    # An upload arrives as a temporary file with no .zip suffix: it is recognized by content.
    upload = _zip(EXAMPLE, tmp_path / "upload.tmp", prefix)
    assert looks_like_hsds(upload)
    report = import_hsds(from_zip, upload)
    assert report.inserted == {"organizations": 1, "assets": 1}
    assert from_zip.table("assets").equals(from_folder.table("assets"))
    assert from_zip.table("organizations").equals(from_folder.table("organizations"))
    assert any(f"upload.tmp/{prefix}locations.csv row 2" in n for n in report.notices)


def test_looks_like_hsds(tmp_path: Path) -> None:
    assert looks_like_hsds(EXAMPLE) and looks_like_hsds(EXAMPLE / "datapackage.json")
    assert looks_like_hsds(str(EXAMPLE))
    nested = tmp_path / "unzipped"
    shutil.copytree(EXAMPLE, nested / "hsds")
    assert looks_like_hsds(nested)
    (tmp_path / "risks.csv").write_text("name\nHousing\n")
    assert not looks_like_hsds(tmp_path / "risks.csv")
    assert not looks_like_hsds(tmp_path / "missing")
    ws = Workspace.create(tmp_path / "ws", name="T")
    export_csv(ws, tmp_path / "bundle")
    assert not looks_like_hsds(tmp_path / "bundle")
    with zipfile.ZipFile(tmp_path / "wards.zip", "w") as archive:
        archive.writestr("wards.shp", b"not really")
    assert not looks_like_hsds(tmp_path / "wards.zip")


def test_unknown_extra_table_is_ignored_with_a_notice(ws: Workspace, tmp_path: Path) -> None:
    folder = _copy_example(tmp_path)
    (folder / "my_custom_table.csv").write_text("id,colour\n1,blue\n", encoding="utf-8")
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"].append({"name": "volunteer_roster", "path": "volunteer_roster.csv"})
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    (folder / "volunteer_roster.csv").write_text("id,volunteer\n1,Someone\n", encoding="utf-8")
    report = import_hsds(ws, folder)
    assert report.inserted == {"organizations": 1, "assets": 1}
    ignored = next(n for n in report.notices if n.startswith("Ignored"))
    assert "my_custom_table.csv" in ignored and "volunteer_roster.csv" in ignored
    assert "Someone" not in _all_text(ws, tmp_path)


# -- HSDS 1.x ------------------------------------------------------------------------------------------


def test_hsds_1_x_names_and_columns(ws: Workspace, tmp_path: Path) -> None:
    package = _write_v1(tmp_path / "v1")
    report = import_hsds(ws, package)
    assert report.inserted == {"organizations": 2, "assets": 3}  # the defunct service is skipped

    meals = ws.get("assets", "hsds-svc-s1")
    assert meals is not None
    assert meals["organization_id"] == "hsds-org-o1"
    assert meals["address"] == "110 Laurier Ave W, Ottawa, ON K1P 1J1"
    assert (meals["latitude"], meals["longitude"], meals["location_kind"]) == (45.4215, -75.6972, "site")
    assert meals["target_population"] == "adult, family"
    assert meals["funding_source"] == "City of Ottawa community funding"
    assert meals["service_delivery"] == "At City Hall Kitchen. Mon, Wed 11:30-13:30; Sat 10:00-12:00"
    assert meals["source"] == "HSDS 1.1 service s1"
    assert meals["purpose"] == "Hot meals. Call Jane at [phone removed] or [e-mail removed]."

    chat = ws.get("assets", "hsds-svc-s2")
    assert chat is not None
    assert chat["purpose"] == "Chat with a counsellor online, since 2019-01-15."  # a date is not a phone number
    assert chat["address"] is None and chat["location_kind"] is None and chat["target_population"] == "teen"
    # A service with no funding of its own shows its organization's.
    hampers = ws.table("assets").set_index("name").loc["Food Hamper Delivery"]
    assert hampers["id"].startswith("hsds-svc-") and len(hampers["id"]) <= 64
    assert hampers["funding_source"] == "United Way"
    assert hampers["source"] == "HSDS 1.1 service a-very-long-service-identifier-from-a-211-system/with/slashes/0001"

    food = ws.get("organizations", "hsds-org-o1")
    assert food is not None
    assert (food["description"], food["website"]) == ("Food banks & meal programs.", "https://food.example.ca")

    assert any("Skipped 1 service" in n and "'Closed Drop-in'" in n for n in report.notices)
    assert any("without coordinates" in n and "'Youth Helpline Chat'" in n and "'Food Hamper Delivery'" in n
               for n in report.notices)
    assert any("Removed 1 phone number and 1 e-mail address" in n for n in report.notices)
    assert any("phones.csv, contacts.csv" in n for n in report.notices)
    text = _all_text(ws, tmp_path)
    for personal in ("Jane Doe", "jane", "613-555", "info@food.example.ca"):
        assert personal not in text


def test_virtual_location_and_postal_address_fallback(ws: Workspace, tmp_path: Path) -> None:
    tables = {
        "organizations.csv": [["id", "name", "description"], ["o1", "Distress Centre", "Crisis line."]],
        "services.csv": [["id", "organization_id", "name", "status"], ["s1", "o1", "Online Chat", "active"],
                         ["s2", "o1", "Walk-in Clinic", "active"]],
        "locations.csv": [["id", "location_type", "name", "latitude", "longitude"], ["l1", "virtual", "Website", "", ""],
                          ["l2", "physical", "Clinic", "", ""]],
        "service_at_location.csv": [["id", "service_id", "location_id"], ["x1", "s1", "l1"], ["x2", "s2", "l2"]],
        "addresses.csv": [["id", "location_id", "attention", "address_1", "city", "state_province", "postal_code", "address_type"],
                          ["a1", "l2", "", "PO Box 12", "Ottawa", "ON", "K1A 0B1", "postal"],
                          ["a2", "l2", "", "5 Bank St", "Ottawa", "ON", "K1A 0B2", "physical"]],
        "schedules.csv": [["id", "service_id", "byday", "opens_at", "closes_at"], ["h1", "s2", "MO,TU", "09:00:00", "17:00:00"]],
    }
    import_hsds(ws, _write_v1(tmp_path / "v3", tables, version="3.0"))
    chat, clinic = ws.get("assets", "hsds-svc-s1"), ws.get("assets", "hsds-svc-s2")
    assert chat is not None and clinic is not None
    assert (chat["location_kind"], chat["service_delivery"], chat["address"]) == ("virtual", "Online", None)
    assert clinic["address"] == "5 Bank St, Ottawa, ON K1A 0B2"  # the physical address wins over the postal one
    assert clinic["service_delivery"] == "At Clinic. Mon, Tue 09:00-17:00"
    assert clinic["source"] == "HSDS 3.0 service s2"


# -- importing again --------------------------------------------------------------------------------


def test_reimport_updates_and_keeps_what_planners_added(ws: Workspace, tmp_path: Path) -> None:
    package = _write_v1(tmp_path / "v1")
    import_hsds(ws, package)
    ws.add("risks", id="risk-food", name="Food insecurity", category="basic_needs")
    ws.update("assets", "hsds-svc-s1", planning_areas=["social_development"], risks_addressed=["risk-food"])
    ws.update("organizations", "hsds-org-o1", sector="community_social_services")
    ws.update("assets", "hsds-svc-s2", location_kind="community_wide")
    first = _snapshot(ws, tmp_path / "first")

    again = import_hsds(ws, package)
    assert again.inserted == {} and again.updated == {"organizations": 2, "assets": 3}
    assert _snapshot(ws, tmp_path / "second") == first  # nothing duplicated, nothing changed

    tables = {**V1_TABLES, "services.csv": [list(r) for r in V1_TABLES["services.csv"]]}
    tables["services.csv"][1][2] = "Community Meals and Groceries"
    import_hsds(ws, _write_v1(tmp_path / "v1b", tables))
    meals = ws.get("assets", "hsds-svc-s1")
    assert meals is not None and meals["name"] == "Community Meals and Groceries"
    assert meals["planning_areas"] == ["social_development"] and meals["risks_addressed"] == ["risk-food"]
    assert ws.get("organizations", "hsds-org-o1")["sector"] == "community_social_services"  # type: ignore[index]
    assert ws.get("assets", "hsds-svc-s2")["location_kind"] == "community_wide"  # type: ignore[index]
    assert ws.count("assets") == 3 and ws.count("organizations") == 2


def test_confidential_site_stays_hidden_on_reimport(ws: Workspace, tmp_path: Path) -> None:
    package = _write_v1(tmp_path / "v1")
    import_hsds(ws, package)
    ws.update("assets", "hsds-svc-s1", location_kind="confidential", address=None, latitude=None, longitude=None)
    report = import_hsds(ws, package)
    meals = ws.get("assets", "hsds-svc-s1")
    assert meals is not None
    assert (meals["location_kind"], meals["address"], meals["latitude"]) == ("confidential", None, None)
    assert any("confidential" in n and "'Community Meals'" in n for n in report.notices)


def test_services_link_to_an_organization_entered_by_hand(ws: Workspace, tmp_path: Path) -> None:
    ws.add("organizations", id="ysb", name="Youth Services Bureau", sector="children_youth_services")
    report = import_hsds(ws, _write_v1(tmp_path / "v1"))
    assert report.inserted == {"organizations": 1, "assets": 3}
    assert ws.get("assets", "hsds-svc-s2")["organization_id"] == "ysb"  # type: ignore[index]
    assert ws.get("organizations", "ysb")["sector"] == "children_youth_services"  # type: ignore[index]
    assert any("already in the workspace" in n and "Youth Services Bureau" in n for n in report.notices)


# -- bad input: a clear message, and the workspace unchanged --------------------------------------------


def _replace(name: str, row: int, column: str, value: str) -> dict[str, list[list[str]]]:
    tables = {k: [list(r) for r in v] for k, v in V1_TABLES.items()}
    tables[name][row][tables[name][0].index(column)] = value
    return tables


MALFORMED = {
    "missing organization": (
        _replace("services.csv", 2, "organization_id", "o9"),
        "services.csv, row 3, column 'organization_id': expected the id of an organization in organizations.csv, got 'o9'",
    ),
    "latitude not a number": (
        _replace("locations.csv", 1, "latitude", "45° 25′ N"),
        "locations.csv, row 2, column 'latitude': expected a number in decimal degrees (WGS 84), got '45° 25′ N'",
    ),
    "link to a missing location": (
        _replace("services_at_location.csv", 1, "location_id", "l7"),
        "services_at_location.csv, row 2, column 'location_id': expected the id of a location in locations.csv, got 'l7'",
    ),
    "repeated service id": (
        _replace("services.csv", 2, "id", "s1"),
        "services.csv, row 3, column 'id': id 's1' is used again (first on row 2)",
    ),
    "service without a name": (
        _replace("services.csv", 1, "name", ""),
        "services.csv, row 2, column 'name': a value is required",
    ),
    "no organization_id column": (
        {**V1_TABLES, "services.csv": [r[:1] + r[2:] for r in V1_TABLES["services.csv"]]},
        "services.csv, row 1, column 'organization_id': required column missing from the header",
    ),
}


@pytest.fixture
def imported(ws: Workspace, tmp_path: Path) -> Workspace:
    """A workspace that already holds an import, so a partial write would show."""
    import_hsds(ws, _write_v1(tmp_path / "good"))
    return ws


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_package_is_refused_and_nothing_changes(case: str, imported: Workspace, tmp_path: Path) -> None:
    tables, message = MALFORMED[case]
    # The good rows differ from what was imported, so that any partial write would show.
    header, *rows = tables["organizations.csv"]
    tables = {**tables, "organizations.csv": [header, *(r[:2] + ["Changed"] + r[3:] for r in rows)]}
    before = _snapshot(imported, tmp_path / "before")
    with pytest.raises(InputError) as caught:
        import_hsds(imported, _write_v1(tmp_path / "bad", tables))
    assert message in str(caught.value), str(caught.value)
    assert _snapshot(imported, tmp_path / "after") == before


def test_non_utf8_file_is_refused(imported: Workspace, tmp_path: Path) -> None:
    package = _write_v1(tmp_path / "bad")
    (package / "services.csv").write_bytes((package / "services.csv").read_bytes() + "s9,o1,Café,,active,\n".encode("cp1252"))
    before = _snapshot(imported, tmp_path / "before")
    with pytest.raises(InputError) as caught:
        import_hsds(imported, package)
    assert f"{package}/services.csv, row 6: expected UTF-8 text" in str(caught.value)
    assert "byte 0xe9" in str(caught.value)
    assert _snapshot(imported, tmp_path / "after") == before


def test_datapackage_json_that_is_not_json(imported: Workspace, tmp_path: Path) -> None:
    package = _write_v1(tmp_path / "bad")
    (package / "datapackage.json").write_text('{\n  "name": "x",\n  "resources": [,]\n}\n')
    before = _snapshot(imported, tmp_path / "before")
    with pytest.raises(InputError) as caught:
        import_hsds(imported, package)
    assert f"{package}/datapackage.json, row 3: expected JSON" in str(caught.value)
    assert _snapshot(imported, tmp_path / "after") == before


def test_zips_without_hsds_tables(imported: Workspace, tmp_path: Path) -> None:
    before = _snapshot(imported, tmp_path / "before")
    with zipfile.ZipFile(tmp_path / "wards.zip", "w") as archive:
        archive.writestr("datapackage.json", json.dumps({"resources": [{"name": "wards", "path": "wards.csv"}]}))
        archive.writestr("wards.csv", "id,name\n1,Ward 1\n")
    with pytest.raises(InputError, match=r"wards.zip/datapackage.json: no HSDS tables found: expected organizations.csv"):
        import_hsds(imported, tmp_path / "wards.zip")
    with zipfile.ZipFile(tmp_path / "plain.zip", "w") as archive:
        archive.writestr("risks.csv", "name\nHousing\n")
    with pytest.raises(InputError, match=r"plain.zip: the zip holds no HSDS tables"):
        import_hsds(imported, tmp_path / "plain.zip")
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(InputError, match=r"broken.zip: expected an HSDS data package"):
        import_hsds(imported, tmp_path / "broken.zip")
    assert _snapshot(imported, tmp_path / "after") == before


def test_resource_outside_the_package_is_refused(ws: Workspace, tmp_path: Path) -> None:
    package = _write_v1(tmp_path / "v1")
    descriptor = json.loads((package / "datapackage.json").read_text())
    descriptor["resources"].append({"name": "services", "path": "../../etc/services.csv"})
    (package / "datapackage.json").write_text(json.dumps(descriptor))
    with pytest.raises(InputError, match=r"expected a file inside the package, got '../../etc/services.csv'"):
        import_hsds(ws, package)
    assert ws.count("assets") == 0


# -- the command line ----------------------------------------------------------------------------------


def test_cswb_import_of_an_hsds_folder_and_zip(ws: Workspace, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["import", str(ws.path), str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "imported from hsds-3.0-example: Organizations: 1 added; Asset inventory: 1 added" in result.output
    assert "note: Not read, so that personal contact data stays out of the workspace: phones.csv, contacts.csv." in result.output
    upload = _zip(EXAMPLE, tmp_path / "hsds.zip")
    result = runner.invoke(cli, ["import", str(ws.path), str(upload)])
    assert result.exit_code == 0, result.output
    assert "imported from hsds.zip: Organizations: 0 added, 1 updated; Asset inventory: 0 added, 1 updated" in result.output
    assert ws.count("assets") == 1


def test_cswb_import_of_a_bad_package_prints_one_line(ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    package = _write_v1(tmp_path / "bad", _replace("services.csv", 2, "organization_id", "o9"))
    assert main(["import", str(ws.path), str(package)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("cswb: error: ")
    assert "services.csv, row 3, column 'organization_id'" in err[0]
    assert ws.count("assets") == 0 and ws.count("organizations") == 0
