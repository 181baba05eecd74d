"""CSV and XLSX import/export: real-world files, a corpus of malformed ones, round trips."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from cswb_widgets.errors import InputError
from cswb_widgets.store import Workspace, table
from cswb_widgets.store.tabular import export_csv, export_xlsx, import_bundle, import_file

HOSTILE = '<img src=x onerror=alert(1)>'


def _small_workspace(location: Path | str) -> Workspace:
    ws = Workspace.create(location, name="Test Town", kind="municipality")
    ws.add("risks", id="risk-housing", name="Housing instability", category="housing")
    ws.add("engagement_activities", id="act-1", title="Town hall", method="town_hall")
    return ws


@pytest.fixture
def ws(workspace_location: Callable[[str], Path | str]) -> Workspace:
    """A small workspace, on SQLite and on PostgreSQL (conftest's `backend`)."""
    return _small_workspace(workspace_location("ws"))


@pytest.fixture
def ws_file(tmp_path: Path) -> Workspace:
    """The small workspace in a SQLite file only: for the corpus of malformed files, refused before the store
    is touched (the backends' atomicity is tested on the other tests' files)."""
    return _small_workspace(tmp_path / "ws")


def _snapshot(ws: Workspace, folder: Path) -> dict[str, bytes]:
    export_csv(ws, folder)
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# -- real-world files that must work -------------------------------------------------------


def test_utf8_bom_semicolons_header_variants_and_blank_trailing_rows(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "Feedback.csv"
    f.write_bytes(
        "\ufeff Text ; Risk Categories;DATE;Activity-ID\r\n"
        "Loyers trop élevés; housing ;2024-05-01;act-1\r\n"
        "\"Not enough; after-school programs\";\"school; supervision\";2024-05-02;\r\n"
        ";;;\r\n;;;\r\n\r\n".encode("utf-8")
    )
    report = import_file(ws, f)
    assert report.inserted == {"feedback": 2}
    feedback = ws.table("feedback")
    assert feedback["text"].tolist() == ["Loyers trop élevés", "Not enough; after-school programs"]
    assert feedback["risk_categories"].tolist() == [["housing"], ["school", "supervision"]]
    assert feedback["activity_id"].tolist() == ["act-1", None]


def test_windows_1252_from_excel_with_tabs(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "survey.txt"
    f.write_bytes("text\tparticipant group\n“Rent’s too high” – café owner\tBusiness\n".encode("cp1252"))
    import_file(ws, f, table="feedback")
    assert ws.table("feedback")["text"].tolist() == ["“Rent’s too high” – café owner"]
    assert ws.table("feedback")["participant_group"].tolist() == ["Business"]


def test_xlsx_single_sheet_with_typed_cells(ws: Workspace, tmp_path: Path) -> None:
    import datetime as dt

    book = Workbook()
    sheet = book.active
    sheet.title = "Survey export"
    sheet.append(["Indicator", "Area", "Year", "Value", "Unit", "Risk ID"])
    sheet.append(["Calls for service", "Ward 1", 2023, 412, "calls", "risk-housing"])
    sheet.append(["Calls for service", None, 2023.0, 1500.5, "calls", "risk-housing"])
    sheet.append([None, None, None, None, None, None])
    path = tmp_path / "indicators.xlsx"
    book.save(path)
    import_file(ws, path, table="indicators")
    frame = ws.table("indicators")
    assert frame["year"].tolist() == [2023, 2023]
    assert frame["value"].tolist() == [412.0, 1500.5]
    assert frame["area"].tolist() == ["Ward 1", None]
    book = Workbook()
    book.active.append(["date", "text"])
    book.active.append([dt.datetime(2024, 3, 5), "typed date cell"])
    book.save(tmp_path / "dates.xlsx")
    import_file(ws, tmp_path / "dates.xlsx", table="feedback")
    assert ws.get("feedback", ws.table("feedback")["id"].iloc[0])["date"] == dt.date(2024, 3, 5)


def test_reimport_with_ids_updates_instead_of_duplicating(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "risks.csv"
    f.write_text("id,name,priority\nrisk-housing,Housing and homelessness,yes\nrisk-new,Isolation of seniors,no\n")
    report = import_file(ws, f)
    assert report.updated == {"risks": 1} and report.inserted == {"risks": 1}
    assert ws.get("risks", "risk-housing")["name"] == "Housing and homelessness"
    assert ws.get("risks", "risk-housing")["category"] == "housing"  # columns not in the file are kept
    assert ws.count("risks") == 2


# -- the malformed corpus: each refused with the exact message, nothing written ---------------

RISK_COLUMNS = ", ".join(table("risks").column_names)

# (file name, content as bytes, --table, expected message with {f} for the file's path)
CORPUS: list[tuple[str, bytes, str | None, str]] = [
    ("risks.csv", b"", None, "{f}: the file is empty; expected a header row"),
    ("risks.csv", b"\r\n  \r\n,,,\n", None, "{f}: the file is empty; expected a header row"),
    ("risks.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None, "{f}: expected a CSV text file; this looks like a binary file"),
    ("risks.csv", b"name,caf\xe9\x81\n", None, "{f}, row 1: expected text in UTF-8 or Windows-1252; byte 0x81 at byte position 9"
     " (counted from 0) is neither: save the file as \"CSV UTF-8\" and import it again"),
    ("risks.csv", b"name,colour\nHousing,blue\n", None,
     "{f}, row 1, column 'colour': unknown column for table risks; expected some of: " + RISK_COLUMNS),
    ("risks.csv", b"category,priority\nhousing,yes\n", None,
     "{f}, row 1, column 'name': required column missing from the header for table risks"),
    ("risks.csv", b"name,Name\nA,B\n", None, "{f}, row 1, column 'name': the header names this column twice"),
    ("risks.csv", b"name,,category\nA,,housing\n", None, "{f}, row 1: column 2 has no name in the header row"),
    ("risks.csv", b"name,category\nA,housing\nB,housing,extra\n", None,
     "{f}, row 3: expected 2 cells as in the header row, found 3"),
    ("risks.csv", b"name,category\nA,housing\n   ,drugs\n", None, "{f}, row 3, column 'name': a value is required"),
    ("risks.csv", b'name,description\nA,"never closed\nB,x\n', None,
     "{f}, row 2: the file is not valid CSV (unexpected end of data)"),
    ("risks.csv", b"id,name\nrisk-a,A\nrisk-a,A again\n", None, "{f}, row 3, column 'id': id 'risk-a' is used again (first on row 2)"),
    ("risks.csv", b"id,name\nrisk a,A\n", None,
     "{f}, row 2, column 'id': expected an id of letters, digits and . _ : - (at most 64, starting with a letter or digit), got 'risk a'"),
    ("risks.csv", b"name,priority\nA,maybe\n", None, "{f}, row 2, column 'priority': expected yes or no, got 'maybe'"),
    ("risks.csv", b"name,current_approach\nA,incident response; wishful thinking\n", None,
     "{f}, row 2, column 'current_approach': expected items from: incident_response, rapid_intervention,"
     " changing_underlying_circumstances, coping_supports, got 'wishful thinking'"),
    ("indicators.csv", b"indicator,year,value\nCalls,twenty,5\n", None,
     "{f}, row 2, column 'year': expected a whole number at least 1800 and at most 2200, got 'twenty'"),
    ("indicators.csv", b"indicator;year;value\nCalls;2023;1.250\n", None,
     "{f}, row 2, column 'value': '1.250' is ambiguous in a file separated by ';' (a decimal point or a thousands"
     " separator?): write 1,250 for the decimal or 1250 for the whole number"),
    ("indicators.csv", b"indicator,year,value\nCalls,2023,\"0,125\"\n", None,
     "{f}, row 2, column 'value': expected a number, got '0,125'"),
    ("indicators.csv", b"indicator,year,value,risk_id\nCalls,2023,5,risk-missing\n", None,
     "{f}, row 2, column 'risk_id': expected the id of an existing risks record, got 'risk-missing'"),
    ("indicators.csv", b"indicator,area,year,value\nCalls,Ward 1,2023,5\nCalls,Ward 1,2023,6\n", None,
     "{f}, row 3, column 'year': duplicate: another indicators record already has indicator='Calls', area='Ward 1', year=2023"),
    ("feedback.csv", b"text,date\nToo few buses,05/01/2024\n", None,
     "{f}, row 2, column 'date': expected a date as YYYY-MM-DD, got '05/01/2024'"),
    ("feedback.csv", b"text,risk_categories\nToo few buses,transport; housing\n", None,
     "{f}, row 2, column 'risk_categories': expected items from: " + "{categories}" + ", got 'transport'"),
    ("engagement.csv", b"title,method\nForum,zoom call\n", "engagement_activities",
     "{f}, row 2, column 'method': expected one of: interview, focus_session, survey_online, survey_paper,"
     " drop_box, town_hall, forum, webinar, community_meeting, other, got 'zoom call'"),
    ("votes.csv", b"risk_id,participant,value\nrisk-housing,Ana,7\n", None,
     "{f}, row 2, column 'value': expected a whole number at least 1 and at most 5, got '7'"),
    ("assets.csv", b"name,latitude,longitude\nClinic,123.4,-80\n", None,
     "{f}, row 2, column 'latitude': expected a number at least -90 and at most 90, got '123.4'"),
    ("community.csv", b"id,name,kind\ntown,Test Town,municipality\n", None,
     "{f}, row 2, column 'id': the community profile's id must be 'community'"),
    ("notes.csv", b"name\nA\n", None, "{f}: cannot tell which table this file is for; name it after a table or pass --table"
     " (one of: " + ", ".join(t.name for t in __import__("cswb_widgets.store.schema", fromlist=["TABLES"]).TABLES) + ")"),
    ("risks.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", None,
     "{f}: expected an .xlsx workbook (Excel 2007 or later); save it as .xlsx or CSV"),
    ("risks.xlsx", b"this is not a zip file", "risks",
     "{f}: expected an Excel .xlsx workbook; it cannot be read (File is not a zip file)"),
    ("risks.pdf", b"%PDF-1.4", None, "{f}: expected a .csv or .xlsx file"),
]


@pytest.mark.parametrize(("name", "content", "target", "expected"), CORPUS, ids=[f"{i:02d}-{c[0]}" for i, c in enumerate(CORPUS)])
def test_malformed_file_is_refused_with_exact_message_and_nothing_changes(
    ws_file: Workspace, tmp_path: Path, name: str, content: bytes, target: str | None, expected: str
) -> None:
    from cswb_widgets.store.validation import choice_keys

    ws = ws_file

    before = _snapshot(ws, tmp_path / "before")
    audit_rows = len(ws.history())
    path = tmp_path / "in" / name
    path.parent.mkdir()
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        import_file(ws, path, table=target)
    message = expected.format(f=path, categories=", ".join(choice_keys("risk_categories")))
    assert str(caught.value.problems[0]) == message
    assert _snapshot(ws, tmp_path / "after") == before
    assert len(ws.history()) == audit_rows


def test_corpus_has_at_least_twenty_files() -> None:
    assert len(CORPUS) >= 20


def test_xlsx_problem_names_the_sheet(ws: Workspace, tmp_path: Path) -> None:
    book = Workbook()
    book.active.title = "feedback"
    book.active.append(["text", "date"])
    book.active.append(["ok", "2024-01-01"])
    book.active.append(["bad", "yesterday"])
    path = tmp_path / "survey.xlsx"
    book.save(path)
    with pytest.raises(InputError) as caught:
        import_file(ws, path, table="feedback")
    assert str(caught.value) == f"{path} [sheet feedback], row 3, column 'date': expected a date as YYYY-MM-DD, got 'yesterday'"
    assert ws.count("feedback") == 0


def test_every_problem_is_reported_not_just_the_first(ws: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "votes.csv"
    f.write_text("risk_id,participant,value\nrisk-housing,A,9\nrisk-nope,B,3\nrisk-housing,,2\n")
    with pytest.raises(InputError) as caught:
        import_file(ws, f)
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "value"), (4, "participant"), (3, "risk_id")]
    assert str(caught.value).endswith("(and 2 more problems)")


# -- exports: formula injection and exact round trips -------------------------------------------


def _rich_workspace(path: Path | str) -> Workspace:
    ws = Workspace.create(path, name="Round Trip", kind="joint_plan")
    ws.update("community", "community", population=12345, adoption_date="2024-02-29", illustrative=True,
              background="Line one\nLine two, with a comma and \"quotes\"")
    org = ws.add("organizations", id="org-1", name=HOSTILE, sector="police")
    ws.add("organizations", id="org-2", name="=HYPERLINK(\"http://evil\",\"click\")", sector="health")
    ws.add("people", name="+1 Ana", organization_id=org, email="@ana", phone="-555-0100")
    rid = ws.add("risks", id="risk-1", name="'quoted already", priority=True,
                 vulnerable_groups=["seniors; alone", "back\\slash", "=SUM(A1)"], current_approach=["coping_supports"])
    ws.add("indicators", risk_id=rid, indicator="Rate", year=2023, value=-0.1 + 0.3, comparator_value=1e-7, area="Ward 1")
    ws.add("assets", name="Clinic", latitude=43.123456789, longitude=-80.5, planning_areas=["prevention"], risks_addressed=[rid])
    ws.add("areas", name="Ward 1", kind="ward",
           geometry={"type": "Polygon", "coordinates": [[[-80.0 + i * 1e-4, 43.0] for i in range(3000)] + [[-80.0, 43.0]]]})
    ws.add("feedback", text="Tab\tstart", risk_categories=["housing"])
    ws.add("feedback", text="\tleading tab")
    return ws


def test_csv_export_neutralizes_formulas(tmp_path: Path) -> None:
    ws = _rich_workspace(tmp_path / "ws")
    export_csv(ws, tmp_path / "out")
    with (tmp_path / "out" / "organizations.csv").open(encoding="utf-8-sig", newline="") as handle:
        names = [row["name"] for row in csv.DictReader(handle)]
    assert names == [HOSTILE, "'=HYPERLINK(\"http://evil\",\"click\")"]
    with (tmp_path / "out" / "people.csv").open(encoding="utf-8-sig", newline="") as handle:
        person = next(csv.DictReader(handle))
    assert (person["name"], person["email"], person["phone"]) == ("'+1 Ana", "'@ana", "'-555-0100")
    with (tmp_path / "out" / "indicators.csv").open(encoding="utf-8-sig", newline="") as handle:
        indicator = next(csv.DictReader(handle))
    assert indicator["value"] == repr(-0.1 + 0.3)  # numbers stay numbers


def test_xlsx_export_neutralizes_formulas(tmp_path: Path) -> None:
    ws = _rich_workspace(tmp_path / "ws")
    path = export_xlsx(ws, tmp_path / "out.xlsx")
    book = load_workbook(path)
    cells = [c for row in book["organizations"].iter_rows(min_row=2) for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert book["organizations"]["B3"].value == "'=HYPERLINK(\"http://evil\",\"click\")"


def test_csv_round_trip_is_exact(tmp_path: Path, workspace_location: Callable[[str], Path | str]) -> None:
    ws = _rich_workspace(workspace_location("ws"))
    first = _snapshot(ws, tmp_path / "first")
    copy = Workspace.create(workspace_location("copy"))
    import_bundle(copy, tmp_path / "first")
    assert _snapshot(copy, tmp_path / "second") == first
    for spec in ("risks", "indicators", "areas", "people", "community", "assets"):
        original, imported = ws.table(spec), copy.table(spec)
        assert original.equals(imported), spec


def test_xlsx_round_trip_is_exact(tmp_path: Path, workspace_location: Callable[[str], Path | str]) -> None:
    ws = _rich_workspace(workspace_location("ws"))
    expected = _snapshot(ws, tmp_path / "csv")
    book = export_xlsx(ws, tmp_path / "ws.xlsx")
    assert "_long_cells" in load_workbook(book, read_only=True).sheetnames  # geometry over 32,767 chars
    copy = Workspace.create(workspace_location("copy"))
    import_bundle(copy, book)
    assert _snapshot(copy, tmp_path / "copy-csv") == expected
    assert json.loads(copy.get("areas", copy.table("areas")["id"].iloc[0])["geometry"])["type"] == "Polygon"


def test_bundle_with_an_unknown_file_is_refused(tmp_path: Path) -> None:
    ws = _rich_workspace(tmp_path / "ws")
    export_csv(ws, tmp_path / "out")
    (tmp_path / "out" / "notes.csv").write_text("a\n1\n")
    copy = Workspace.create(tmp_path / "copy")
    with pytest.raises(InputError, match=r"notes\.csv: not a workspace table file"):
        import_bundle(copy, tmp_path / "out")
    assert copy.count("organizations") == 0
