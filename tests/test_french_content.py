"""French data in, French out: the French of the data layer's messages, the view of services
offered in French per priority risk, and the French sample community."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from cswb_widgets.i18n import LOCALE_DIR, use_language
from cswb_widgets.model.gaps import language_coverage
from cswb_widgets.model.languages import parse_languages, plan_language
from cswb_widgets.paths import samples_dir
from cswb_widgets.render.service_languages import language_coverage_html
from cswb_widgets.store import Workspace
from cswb_widgets.store.tabular import export_workspace, import_bundle
from cswb_widgets.store.versions import adopt_bundle_versions

PACKAGE = Path(__file__).resolve().parents[1] / "cswb_widgets"
CONTENT_PO = LOCALE_DIR / "fr" / "LC_MESSAGES" / "content.po"
# The modules whose messages content.po translates.
TRANSLATED_MODULES = ("model/languages.py", "model/gaps.py", "model/readiness.py", "render/service_languages.py", "store/validation.py", "store/tabular.py", "store/hsds.py",
                      "store/schema.py", "model/evaluation.py", "model/risk_evidence.py", "model/voting.py", "errors.py", "access.py",
                      "kernel_errors.py")
SAMPLE = "lac-des-epinettes"


def _catalogue():
    with CONTENT_PO.open("rb") as handle:
        return read_po(handle, locale="fr")


def test_every_message_of_the_data_layer_has_its_french():
    catalogue = _catalogue()
    for module in TRANSLATED_MODULES:
        keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
        for _line, message, _comments, _context in extract_from_file("python", PACKAGE / module, keywords=keywords):
            msgid = message[0] if isinstance(message, tuple) else message
            entry = catalogue.get(msgid)
            assert entry is not None and entry.string and not entry.fuzzy, f"{module}: no French for {msgid!r}"


def test_every_french_message_keeps_the_placeholders_of_its_english():
    for message in _catalogue():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"\{\w+\}", ids[-1]))
        for string in strings:
            assert set(re.findall(r"\{\w+\}", string)) == wanted, message.id


# --- services offered in French per priority risk --------------------------------------------


def _tables(assets: list[dict]) -> dict[str, pd.DataFrame]:
    risks = pd.DataFrame([{"id": "r1", "name": "Logement", "priority": 1}, {"id": "r2", "name": "Jeu", "priority": 0}])
    return {"risks": risks, "assets": pd.DataFrame(assets)}


def _status(matrix: pd.DataFrame, area: str) -> tuple[str, int, int]:
    row = matrix[matrix["planning_area"] == area].iloc[0]
    return row["status"], row["in_language_count"], row["asset_count"]


def test_the_french_gap_view_tells_none_unknown_few_and_served_apart():
    matrix = language_coverage(_tables([
        {"name": "A", "planning_areas": ["prevention"], "risks_addressed": ["r1"], "service_languages": "fr; en"},
        {"name": "B", "planning_areas": ["prevention"], "risks_addressed": ["r1"], "service_languages": "fr"},
        {"name": "C", "planning_areas": ["social_development"], "risks_addressed": ["r1"], "service_languages": "fr"},
        {"name": "D", "planning_areas": ["social_development"], "risks_addressed": ["r1"], "service_languages": "en"},
        {"name": "E", "planning_areas": ["risk_intervention"], "risks_addressed": ["r1"], "service_languages": "en"},
        {"name": "F", "planning_areas": ["incident_response"], "risks_addressed": ["r1"], "service_languages": None},
        {"name": "G", "planning_areas": ["prevention"], "risks_addressed": ["r2"], "service_languages": "en"},
    ]))
    assert set(matrix["risk_id"]) == {"r1"}  # priority risks only
    assert _status(matrix, "prevention") == ("served", 2, 2)
    assert _status(matrix, "social_development") == ("few", 1, 2)
    assert _status(matrix, "risk_intervention") == ("none", 0, 1)
    assert _status(matrix, "incident_response") == ("unknown", 0, 1)
    english = language_coverage(_tables([
        {"name": "D", "planning_areas": ["prevention"], "risks_addressed": ["r1"], "service_languages": "en"}]), "en")
    assert _status(english, "prevention") == ("few", 1, 1)
    assert _status(english, "social_development") == ("no_assets", 0, 0)


def test_the_french_gap_view_reads_in_french_and_escapes_names():
    matrix = language_coverage(_tables([
        {"name": "<script>x</script>", "planning_areas": ["prevention"], "risks_addressed": ["r1"],
         "service_languages": "fr"},
    ]))
    with use_language("fr"):
        html = language_coverage_html(matrix)
    assert "Ressources qui servent la population en français" in html
    assert "Intervention en cas de risque" in html and "Aucune ressource" in html
    assert "seule la ressource &lt;script&gt;x&lt;/script&gt; sert la population en français" in html
    assert "<script>x" not in html
    for english in ("No asset", "Priority risk", "serves people", "Few"):
        assert english not in html
    with use_language("en"):
        assert "Assets serving people in French" in language_coverage_html(matrix)


# --- the French sample community -------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("sample") / "ws"
    with Workspace.create(target) as ws:
        import_bundle(ws, samples_dir() / SAMPLE)
        adopt_bundle_versions(ws, samples_dir() / SAMPLE)
    return target


def test_the_french_sample_exports_to_the_very_files_it_came_from(sample: Path, tmp_path: Path) -> None:
    with Workspace.open(sample, read_only=True) as ws:
        export_workspace(ws, tmp_path / "out")
    for exported in sorted((tmp_path / "out").iterdir()):
        assert exported.read_bytes() == (samples_dir() / SAMPLE / exported.name).read_bytes(), exported.name


def test_the_french_sample_is_a_french_plan_with_french_feedback_and_service_languages(sample: Path) -> None:
    with Workspace.open(sample, read_only=True) as ws:
        assert plan_language(ws.community["plan_language"]) == "fr"
        assert json.loads((samples_dir() / SAMPLE / "workspace.json").read_text())["schema_version"] == 6
        feedback = ws.table("feedback")
        assert len(feedback) >= 20
        tagged = [bool(tags) for tags in feedback["risk_categories"]]
        assert sum(tagged) >= 0.8 * len(tagged)
        languages = [parse_languages(v) for v in ws.table("assets")["service_languages"]]
        assert sum("fr" in codes for codes in languages) >= 8
        assert sum(codes == ["en"] for codes in languages) >= 3  # English-only services make the gap view real
        matrix = language_coverage({name: ws.table(name) for name in ("risks", "assets")})
    drugs = matrix[(matrix["risk_id"] == "risk-drogues") & (matrix["planning_area"] == "risk_intervention")]
    assert drugs["status"].tolist() == ["none"]


def test_the_readiness_checks_read_in_french(sample: Path) -> None:
    from cswb_widgets.model.readiness import assess, plan_readiness
    from cswb_widgets.store.schema import TABLES

    with Workspace.open(sample, read_only=True) as ws:
        tables = {spec.name: ws.table(spec.name) for spec in TABLES}
    with use_language("fr"):
        titles = [check.title for check in plan_readiness(tables)]
        details = [check.detail for stage in assess(tables) for check in stage.checks if check.detail]
    assert "Les groupes dont la consultation est exigée ont été consultés" in titles
    assert "Chaque risque prioritaire a des ressources de la collectivité qui lui sont associées" not in titles  # assess's
    assert "22 consignés" in details  # the feedback count, in French with its plural
    assert not any(title.startswith(("Required", "Each ", "Plan adopted")) for title in titles)


def test_a_refused_import_speaks_french_to_a_french_session(tmp_path: Path) -> None:
    from cswb_widgets.errors import InputError
    from cswb_widgets.store.tabular import import_file

    data = tmp_path / "assets.csv"
    data.write_text("name,numbers_served\nCentre Alpha,beaucoup\n", encoding="utf-8")
    with Workspace.create(tmp_path / "w", name="Hearst") as ws, use_language("fr"):
        with pytest.raises(InputError) as refused:
            import_file(ws, data)
        assert "attendu : un nombre entier d'au moins 0; reçu « beaucoup »" in str(refused.value)
        (tmp_path / "risks.csv").write_text("name,name\nA,B\n", encoding="utf-8")
        with pytest.raises(InputError, match="l'en-tête nomme cette colonne deux fois"):
            import_file(ws, tmp_path / "risks.csv")
