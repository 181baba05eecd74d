"""The Assets workbook (Tool 3): report mode for every sample and a 5,000-asset city, app mode in-process."""

from __future__ import annotations

import json
import re
import time
import zipfile
from pathlib import Path

import ipywidgets
import nbformat
import papermill
import pytest
from jupyter_client.manager import KernelManager
from sample_workspaces import SAMPLES, built, copy_of

from cswb_widgets.model import gaps
from cswb_widgets.paths import workbooks_dir
from cswb_widgets.report.runner import private_kernel_manager
from cswb_widgets.store import Workspace
from cswb_widgets.store.synthetic import generate_city
from cswb_widgets.workbooks import AssetsWorkbook

PARTS = ["header", "guidance", "inventory", "import_assets", "missing_coordinates", "asset_map", "gap_matrix",
         "capacity_gaps", "french_services"]
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
HOSTILE = "<img src=x onerror=alert(1)>"
HSDS_EXAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "hsds-3.0-example"
# Everything the big city's report prints: the static map with its points drawn as one image
# (~270 KB), the sector summary, a 100-row listing and the matrix (~100 KB together). Printing all
# 5,000 assets would add about 1.5 MB on its own, so 1 MB tells a bounded report from an unbounded one.
LARGE_REPORT_LIMIT = 1_000_000


def _run_report(workspace: Path, out: Path, notebook: Path | None = None) -> nbformat.NotebookNode:
    papermill.execute_notebook(
        str(notebook or workbooks_dir() / "assets.ipynb"), str(out),
        parameters={"workspace": str(workspace), "mode": "report"}, progress_bar=False, kernel_name="python3",
        km=private_kernel_manager(KernelManager(kernel_name="python3")),  # no TCP port for another test's kernel to take first
    )
    return nbformat.read(out, as_version=4)


def _outputs(nb: nbformat.NotebookNode) -> list[dict]:
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]


def _check_report(nb: nbformat.NotebookNode) -> str:
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert not [o for o in outputs if WIDGET_MIME in o.get("data", {})], "report mode must be widget-free"
    part_cells = [c for c in nb.cells if c.cell_type == "code" and any(t.startswith("part:") for t in c.metadata.get("tags", []))]
    assert len(part_cells) == len(PARTS)
    assert all(c.get("outputs") for c in part_cells), "every part shows something"
    return "\n".join(json.dumps(o.get("data", {})) for o in outputs)


# -- the notebook -------------------------------------------------------------------------------


def test_notebook_shows_every_part_and_defines_the_coverage_it_computes() -> None:
    nb = nbformat.read(workbooks_dir() / "assets.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    parts = [c for c in code if any(t.startswith("part:") for t in c.metadata.get("tags", []))]
    assert [c.source.strip() for c in parts] == [f"book.{part}()" for part in PARTS]
    assert [t for c in parts for t in c.metadata.tags if t.startswith("part:")] == [f"part:{part}" for part in PARTS]
    # the compute cell defines the function the parts use, and computes nothing at the top level
    compute = [c for c in code if "book.coverage = " in c.source]
    assert len(compute) == 1 and compute[0].source.lstrip().startswith("def coverage(")
    # the analysts' notes say how to change it, and are left out of the apps
    notes = [c for c in nb.cells if "analyst-notes" in c.metadata.get("tags", [])]
    assert notes and all(c.cell_type == "markdown" for c in notes)
    assert any("`gaps.coverage_matrix`" in c.source for c in notes)


@pytest.mark.slow
@pytest.mark.parametrize("sample", SAMPLES)
def test_report_mode_runs_for_every_sample(sample: str, sample_sources: dict[str, Path], tmp_path: Path) -> None:
    workspace = tmp_path / sample
    copy_of(sample_sources[sample], workspace)
    before = (workspace / "workspace.sqlite").read_bytes()
    text = _check_report(_run_report(workspace, tmp_path / "assets.ipynb"))
    ws = Workspace.open(workspace)
    for email in ws.table("people")["email"].dropna():
        assert email not in text, "contact data never appears in a report"
    assert not EMAIL.search(text), EMAIL.search(text)
    assert "Assets by priority risk and planning area" in text and "<svg" in text
    assert f"Where the {ws.count('assets')} assets came from" in text
    assert "Capacity gap by risk" in text
    ws.close()
    assert (workspace / "workspace.sqlite").read_bytes() == before, "report mode writes nothing"


@pytest.fixture(scope="module")
def big_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big-city") / "synthetic-city"
    generate_city(path).close()  # 5,000 assets, 100 risks
    return path


@pytest.mark.slow  # about 22 s: 13 s to generate the city, 9 s to run the notebook
def test_report_mode_on_a_5000_asset_city_is_bounded(big_city: Path, tmp_path: Path) -> None:
    out = tmp_path / "assets.ipynb"
    started = time.perf_counter()
    text = _check_report(_run_report(big_city, out))
    elapsed = time.perf_counter() - started
    assert out.stat().st_size < LARGE_REPORT_LIMIT, f"{out.stat().st_size:,} bytes"
    assert "the first 100 by name are listed below and the other 4,900 are omitted here" in text
    assert "Assets by sector and planning area (5,000 assets" in text
    assert not EMAIL.search(text), EMAIL.search(text)
    assert elapsed < 60, f"report took {elapsed:.1f} s"


# -- app mode -----------------------------------------------------------------------------------


def test_app_parts_are_widgets(maple: Path) -> None:
    book = AssetsWorkbook.open(maple, "app")
    for part in PARTS:
        assert isinstance(built(getattr(book, part)()), ipywidgets.Widget), part


def test_map_filters_change_the_asset_count(maple: Path) -> None:
    book = AssetsWorkbook.open(maple, "app")
    panel = built(book.asset_map())
    assets = book.ws.table("assets")
    assert panel.matched == len(assets)
    assert f"All {len(assets)} assets (no filter chosen)" in panel.caption.value
    assert 'role="status"' in panel.caption.value

    panel.planning_area.value = "risk_intervention"
    in_area = [a for a in assets.to_dict("records") if "risk_intervention" in a["planning_areas"]]
    assert panel.matched == len(in_area) < len(assets)
    assert f"{len(in_area)} of {len(assets)} assets, filtered by planning area: Risk intervention." in panel.caption.value
    placed = [a for a in in_area if a["latitude"] == a["latitude"]]  # NaN is not equal to itself
    assert f"{len(placed)} assets shown as points" in panel.view.value  # the map's own caption agrees
    if len(placed) < len(in_area):
        assert f"{len(in_area) - len(placed)} asset" in panel.caption.value.split("filtered by")[1]

    panel.risk.value = "risk-mha"
    both = [a for a in in_area if "risk-mha" in a["risks_addressed"]]
    assert panel.matched == len(both) < len(in_area)
    assert "risk: Mental health crises" in panel.caption.value
    labels = [label for label, _ in panel.risk.options]
    assert any(label.endswith("(priority)") for label in labels) and "(any)" == labels[0]

    panel.sector.value = "police"
    police = [a for a in both if a["sector"] == "police"]
    assert panel.matched == len(police)
    assert "sector: Police" in panel.caption.value

    for picker in (panel.planning_area, panel.risk, panel.sector):
        picker.value = ""
    assert panel.matched == len(assets)


def _upload(book: AssetsWorkbook) -> object:
    section = built(book.import_assets())
    return section.children[0]


def test_csv_upload_adds_assets_and_the_gap_matrix_follows(maple: Path) -> None:
    book = AssetsWorkbook.open(maple, "app")
    matrix = built(book.gap_matrix())
    assert "Youth disengagement from school and community: no asset in risk intervention." in matrix.view.value
    before = book.ws.count("assets")
    upload = _upload(book)
    report = upload.load(
        "new-assets.csv",
        b"name,organization_id,planning_areas,risks_addressed,sector,latitude,longitude,source\n"
        b"School attendance table,org-dsb,risk_intervention,risk-youth,education,44.0,-80.8,Workshop 2025\n"
        b"Youth outreach van,,prevention; risk_intervention,risk-youth,children_youth_services,,,Workshop 2025\n",
    )
    assert report is not None and report.inserted == {"assets": 2}
    assert book.ws.count("assets") == before + 2
    assert "Imported new-assets.csv: Asset inventory: 2 added" in upload.status.value
    assert "no asset in risk intervention" not in matrix.view.value.split("Youth disengagement")[-1].split("</li>")[0]
    provenance = built(book.import_assets()).children[1].view.value
    assert "2 from Workshop 2025" in provenance


def test_a_bad_csv_shows_the_error_and_writes_nothing(maple: Path) -> None:
    book = AssetsWorkbook.open(maple, "app")
    before, change = book.ws.count("assets"), book.ws.last_change()
    upload = _upload(book)
    report = upload.load(
        "bad.csv",
        b"name,latitude,longitude\nGood row,44.0,-80.8\nBad row,north,-80.8\n",
    )
    assert report is None
    assert 'role="alert"' in upload.status.value
    assert "bad.csv, row 3, column &#39;latitude&#39;" in upload.status.value
    assert "cswb-upload" not in upload.status.value  # the temporary path is not shown
    assert book.ws.count("assets") == before and book.ws.last_change() == change


def test_a_zip_that_is_not_hsds_is_refused(maple: Path, tmp_path: Path) -> None:
    book = AssetsWorkbook.open(maple, "app")
    archive = tmp_path / "photos.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("readme.txt", "not a data package")
    upload = _upload(book)
    assert upload.load("photos.zip", archive.read_bytes()) is None
    assert "photos.zip: expected an Open Referral HSDS data package" in upload.status.value


def test_an_hsds_package_imports_services_as_assets(maple: Path, tmp_path: Path) -> None:
    book = AssetsWorkbook.open(maple, "app")
    archive = tmp_path / "directory.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for file in sorted(HSDS_EXAMPLE.iterdir()):
            out.write(file, file.name)
    before = book.ws.count("assets")
    upload = _upload(book)
    report = upload.load("directory.zip", archive.read_bytes())
    assert report is not None, upload.status.value
    assert book.ws.count("assets") > before
    assert "Imported directory.zip" in upload.status.value


def test_hostile_names_are_escaped_in_the_map_and_the_matrix(maple: Path) -> None:
    book = AssetsWorkbook.open(maple, "app")
    organization = book.ws.add("organizations", name=HOSTILE, sector="other")
    # youth in risk intervention was a gap: now an overlap of two organizations serving the same group
    # in the same ward without coordinating, both named
    book.ws.add("assets", name=HOSTILE, organization_id=organization, planning_areas=["risk_intervention"],
                risks_addressed=["risk-youth"], latitude=44.0, longitude=-80.8, target_population="Youth aged 12 to 18",
                area="Ward 2")
    book.ws.add("assets", name=HOSTILE + " unplaced", planning_areas=["risk_intervention"], risks_addressed=["risk-youth"],
                target_population="Youth at risk", area="Ward 2")
    panel = built(book.asset_map())
    matrix = built(book.gap_matrix()).view.value
    assert "<img" not in panel.view.value and "<img" not in panel.caption.value
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in panel.view.value  # the name is there, as JSON text
    assert "<img" not in matrix
    assert "<span class=\"cswb-cell-word\">Overlap</span>: &lt;img src=x onerror=alert(1)&gt;" in matrix
    editor = built(book.missing_coordinates())
    assert "<img" not in editor.intro.value and "<img" not in "".join(
        row.children[0].value for row in editor.rows.children
    )
    report = AssetsWorkbook.open(maple, "report")
    for part in ("inventory", "gap_matrix", "missing_coordinates", "capacity_gaps"):
        assert "<img src=x" not in getattr(report, part)().data, part


def test_missing_coordinates_are_listed_and_saved_all_or_nothing(maple: Path) -> None:
    book = AssetsWorkbook.open(maple, "app")
    first = book.ws.add("assets", name="Drop-in centre", address="12 Main St", location_kind="site")
    second = book.ws.add("assets", name="Food bank depot")
    book.ws.add("assets", name="Crisis line", location_kind="virtual")  # needs no map point
    editor = built(book.missing_coordinates())
    assert set(editor.fields) == {first, second}
    assert "no geocoding service is contacted" in editor.intro.value
    assert editor.fields[first][1].description == "Latitude of Drop-in centre"

    change = book.ws.last_change()
    editor.fields[first][1].value, editor.fields[first][2].value = "44.01", "-80.79"
    editor.fields[second][1].value, editor.fields[second][2].value = "95", "-80.8"
    assert editor.save() is None
    assert 'role="alert"' in editor.status.value and "Food bank depot: latitude" in editor.status.value
    assert book.ws.last_change() == change  # the good row was not written either

    editor.fields[second][1].value = "44.02"
    assert editor.save() == 2
    assert book.ws.get("assets", first)["latitude"] == 44.01
    assert editor.fields == {}  # nothing left to place
    report = AssetsWorkbook.open(maple, "report").missing_coordinates().data
    assert "Every asset with a site has map coordinates" in report


def test_report_inventory_suppresses_small_numbers_served_but_not_service_counts(maple: Path) -> None:
    ws = Workspace.open(maple)
    # the only asset for youth in risk intervention (a gap until now)
    ws.add("assets", name="Tiny peer circle", numbers_served=3, planning_areas=["risk_intervention"],
           risks_addressed=["risk-youth"], sector="faith")
    book = AssetsWorkbook.open(maple, "report")
    inventory = book.inventory().data
    row = re.search(r"<th scope=\"row\">Tiny peer circle</th>(.*?)</tr>", inventory)
    assert row is not None and "&lt;5" in row.group(1)
    matrix = book.gap_matrix().data
    # counts of services are published exactly: a single asset in a cell reads "1", not "<5"
    assert "&lt;5" not in matrix and "<td>1</td>" in matrix


# -- the notebook's coverage function ------------------------------------------------------------


def _only_gaps(tables, risks="priority"):  # as an analyst writes it
    """Every cell a gap: what the parts show follows the book's `coverage`, not the model's."""
    matrix = gaps.coverage_matrix(tables, risks)
    matrix["status"] = "gap"
    return matrix


def test_the_books_coverage_decides_the_gap_matrix_and_capacity_gaps_in_both_modes(maple: Path) -> None:
    covered = "Youth disengagement from school and community: no asset in risk intervention."
    everywhere = "Youth disengagement from school and community: no asset in social development, prevention, " \
        "risk intervention, incident response."
    report = AssetsWorkbook.open(maple, "report")
    assert covered in report.gap_matrix().data and everywhere not in report.gap_matrix().data
    assert "No asset in: social development, prevention, risk intervention, incident response" not in \
        report.capacity_gaps().data
    report.coverage = _only_gaps
    assert everywhere in report.gap_matrix().data
    assert "<td>4</td>" in report.capacity_gaps().data and "<td>0</td>" not in report.capacity_gaps().data

    app = AssetsWorkbook.open(maple, "app")
    app.coverage = _only_gaps
    matrix, capacity = built(app.gap_matrix()), built(app.capacity_gaps())
    assert everywhere in matrix.view.value
    assert "<td>0</td>" not in capacity.view.value
    # after an edit the app asks the book's function again
    app.coverage = gaps.coverage_matrix
    matrix.refresh()
    assert covered in matrix.view.value and everywhere not in matrix.view.value


@pytest.mark.slow
def test_an_analysts_coverage_in_the_notebook_reaches_the_report(maple: Path, tmp_path: Path) -> None:
    nb = nbformat.read(workbooks_dir() / "assets.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "def coverage(" in c.source)
    anchor = "    return gaps.coverage_matrix(tables, risks)\n"
    assert anchor in cell.source
    cell.source = cell.source.replace(anchor, (
        "    matrix = gaps.coverage_matrix(tables, risks)\n"
        "    matrix.loc[matrix[\"risk_id\"] == \"risk-youth\", \"status\"] = \"gap\"  # the analyst's own rule\n"
        "    return matrix\n"
    ))
    edited = tmp_path / "edited.ipynb"
    nbformat.write(nb, edited)
    text = _check_report(_run_report(maple, tmp_path / "out.ipynb", edited))
    assert ("Youth disengagement from school and community: no asset in social development, prevention, "
            "risk intervention, incident response.") in text


def test_the_french_services_step_counts_assets_serving_in_french_and_follows_edits(tmp_path: Path) -> None:
    from sample_workspaces import sample_workspace

    from cswb_widgets import i18n

    workspace = sample_workspace("lac-des-epinettes", tmp_path / "lac")
    expected = gaps.language_coverage(AssetsWorkbook.open(workspace, "report").tables())
    served = expected[expected["status"] == "served"]
    assert not served.empty, "the French sample has priority risks served in French"
    first = served.iloc[0]
    with i18n.use_language("fr"):
        html = AssetsWorkbook.open(workspace, "report").french_services().data
    assert f"{first['in_language_count']} sur {first['asset_count']} en français" in html

    app = AssetsWorkbook.open(workspace, "app")
    shown = built(app.french_services())
    assert f"{first['in_language_count']} of {first['asset_count']} in French" in shown.view.value
    # an asset of that cell stops serving in French: the app's table follows
    with Workspace.open(workspace) as ws:
        assets = ws.table("assets")
        french = assets[assets["service_languages"].fillna("").str.contains("fr")]
        for asset_id in french["id"]:
            ws.update("assets", asset_id, service_languages="en")
    shown.refresh()
    assert f"{first['in_language_count']} of {first['asset_count']} in French" not in shown.view.value
