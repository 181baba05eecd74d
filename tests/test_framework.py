"""The framework catalogue: its invariants, its lookups and its load-time checks."""

from __future__ import annotations

import ast
import copy
import dataclasses
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from cswb_widgets.framework import (
    FRAMEWORK_FILE,
    LIST_NAMES,
    Catalogue,
    catalogue_from_dict,
    load_catalogue,
    read_catalogue,
)
from cswb_widgets.paths import data_dir, reference_dir

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture
def raw() -> dict:
    """The parsed framework file, safe to break in a test."""
    with (reference_dir() / FRAMEWORK_FILE).open("rb") as file:
        return copy.deepcopy(tomllib.load(file))


# --- loading --------------------------------------------------------------------------------


def test_loading_twice_returns_the_same_object():
    assert load_catalogue() is load_catalogue()


def test_reference_data_is_found_from_a_checkout():
    assert (data_dir() / "reference" / FRAMEWORK_FILE).is_file()


def test_reading_the_file_again_gives_an_equal_catalogue(catalogue):
    fresh = read_catalogue(reference_dir() / FRAMEWORK_FILE)
    assert fresh is not catalogue
    assert fresh == catalogue


def test_catalogue_and_entries_are_immutable(catalogue):
    with pytest.raises(dataclasses.FrozenInstanceError):
        catalogue.seats = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        catalogue.seats[0].name = "changed"  # type: ignore[misc]
    assert isinstance(catalogue.risk_categories[0].keywords, tuple)


def test_the_framework_module_imports_only_the_standard_library():
    # Analysts import it from any script: it must not need widgets, maps, the store or pandas.
    package = REPO_ROOT / "cswb_widgets"
    for source in (package / "framework" / "__init__.py", package / "paths.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [("." * node.level) + (node.module or "")]
            else:
                continue
            for module in modules:
                # The language module says which language the catalogue speaks (Babel, no widgets).
                allowed = module.split(".")[0] in sys.stdlib_module_names or module in {
                    "cswb_widgets.paths",
                    "..paths",
                    "cswb_widgets.i18n",
                }
                assert allowed, f"{source.name} imports {module}"


@pytest.mark.slow
def test_importing_the_framework_loads_no_widgets_or_maps():
    heavy = ["ipywidgets", "folium"]
    code = (
        "import sys, cswb_widgets.framework as f; f.load_catalogue(); "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# --- structure ------------------------------------------------------------------------------


@pytest.mark.parametrize("list_name", LIST_NAMES)
def test_every_list_is_non_empty_with_unique_keys(catalogue, list_name):
    keys = catalogue.keys(list_name)
    assert keys
    assert len(set(keys)) == len(keys)
    assert keys == tuple(entry.key for entry in getattr(catalogue, list_name))


@pytest.mark.parametrize("list_name", LIST_NAMES)
def test_every_entry_has_a_display_name(catalogue, list_name):
    for key in catalogue.keys(list_name):
        assert catalogue.name_of(list_name, key).strip()


# Keys are stored in workspaces and used by other modules: renaming one breaks them.
CONTRACT_KEYS = {
    "planning_areas": {"social_development", "prevention", "risk_intervention", "incident_response"},
    "seats": {
        "health_mental_health", "education", "community_social_services",
        "children_youth_services", "custodial_youth_services", "municipal", "police",
    },
    "roles": {"champion", "coordinator", "chair", "member", "elder_knowledge_keeper"},
    "group_kinds": {"advisory_committee", "implementation_team"},
    "community_kinds": {"municipality", "first_nation", "joint_plan"},
    "current_approaches": {
        "incident_response", "rapid_intervention",
        "changing_underlying_circumstances", "coping_supports",
    },
}


@pytest.mark.parametrize("list_name", sorted(CONTRACT_KEYS))
def test_keys_other_modules_depend_on_are_present(catalogue, list_name):
    assert set(catalogue.keys(list_name)) == CONTRACT_KEYS[list_name]


def test_the_risk_catalogue_has_the_27_tracking_database_categories(catalogue):
    assert len(catalogue.risk_categories) == 27


def test_stages_follow_the_six_workbooks_in_order(catalogue):
    assert catalogue.keys("stages") == (
        "commitment", "buy_in", "risk", "assets", "evaluation", "implementation",
    )
    for stage in catalogue.stages:
        sentences = re.split(r"(?<=[.?!])\s+", stage.guidance.strip())
        assert 2 <= len(sentences) <= 4, stage.key
        assert catalogue.name_of("stages", stage.key) == stage.title


def test_logic_model_levels_run_from_inputs_to_long_term(catalogue):
    levels = catalogue.logic_model_levels
    assert [level.order for level in levels] == sorted(level.order for level in levels)
    assert levels[0].key == "inputs"
    assert levels[-1].key == "long_term"


def test_plan_rules_follow_the_act(catalogue):
    assert catalogue.plan_rules.publication_days == 30
    assert catalogue.plan_rules.review_years == 4


# --- planning areas and approaches ----------------------------------------------------------


def test_most_effort_sits_outside_incident_response(catalogue):
    emphasised = {area.key for area in catalogue.planning_areas if area.emphasis}
    assert emphasised == {"social_development", "prevention", "risk_intervention"}
    assert all(area.examples for area in catalogue.planning_areas)


def test_current_approaches_cover_all_four_planning_areas(catalogue):
    areas = [catalogue.approach_area(key) for key in catalogue.keys("current_approaches")]
    assert sorted(areas) == sorted(catalogue.keys("planning_areas"))
    assert catalogue.approach_area("rapid_intervention") == "risk_intervention"
    assert catalogue.approach_area("changing_underlying_circumstances") == "social_development"
    assert catalogue.approach_area("coping_supports") == "prevention"


def test_approach_area_of_an_unknown_approach_is_a_key_error(catalogue):
    with pytest.raises(KeyError, match="current_approaches"):
        catalogue.approach_area("wishful_thinking")


# --- seats ----------------------------------------------------------------------------------


def test_every_eligible_sector_is_a_known_sector(catalogue):
    sectors = set(catalogue.keys("sectors"))
    for seat in catalogue.seats:
        assert seat.eligible_sectors, seat.key
        assert set(seat.eligible_sectors) <= sectors, seat.key


def test_seats_that_depend_on_a_local_provider(catalogue):
    conditional = {seat.key for seat in catalogue.seats if seat.if_exists}
    assert conditional == {
        "community_social_services", "children_youth_services", "custodial_youth_services",
    }


def test_who_can_fill_the_health_municipal_and_police_seats(catalogue):
    health = catalogue.get("seats", "health_mental_health")
    assert {"health", "mental_health_addictions", "public_health"} <= set(health.eligible_sectors)
    assert catalogue.get("seats", "municipal").eligible_sectors == ("municipal_government", "first_nation_government")
    assert catalogue.get("seats", "police").eligible_sectors == ("police",)


# --- lookups --------------------------------------------------------------------------------


def test_get_returns_the_entry_and_name_of_its_name(catalogue):
    seat = catalogue.get("seats", "police")
    assert seat.key == "police"
    assert catalogue.name_of("seats", "police") == seat.name
    question = catalogue.get("risk_questions", "evidence")
    assert catalogue.name_of("risk_questions", "evidence") == question.question


def test_unknown_key_error_suggests_the_closest_key(catalogue):
    with pytest.raises(KeyError) as caught:
        catalogue.get("risk_categories", "housng")
    message = str(caught.value)
    assert "risk_categories" in message
    assert "Did you mean 'housing'?" in message
    assert not message.startswith('"')  # reads as a sentence, not a quoted key


def test_unknown_list_name_is_a_key_error_that_names_the_lists(catalogue):
    with pytest.raises(KeyError, match="Did you mean 'risk_categories'"):
        catalogue.keys("risk_category")
    with pytest.raises(KeyError):
        catalogue.keys("plan_rules")  # a table, not a list


# --- risk categories and keyword suggestions ------------------------------------------------


def test_every_risk_category_has_a_definition_and_enough_keywords(catalogue):
    for category in catalogue.risk_categories:
        assert category.definition.strip(), category.key
        assert 5 <= len(category.keywords) <= 12, category.key
        assert all(keyword == keyword.lower() for keyword in category.keywords), category.key


def test_every_keyword_suggests_its_own_category_first(catalogue):
    for category in catalogue.risk_categories:
        for keyword in category.keywords:
            assert catalogue.suggest_categories(keyword, limit=1) == [category.key], keyword


def test_suggests_housing_for_evictions_and_rent(catalogue):
    assert catalogue.suggest_categories("eviction and rent increases") == ["housing"]


def test_suggestions_ignore_case_and_allow_plurals(catalogue):
    assert catalogue.suggest_categories("EVICTIONS, Shelters FULL") == ["housing"]


def test_suggestions_match_whole_words_only(catalogue):
    # "rent" must not fire inside "parent", "apparent" or "current".
    assert "housing" not in catalogue.suggest_categories("an apparent current parent", limit=27)


def test_suggestions_treat_hyphens_as_spaces(catalogue):
    assert catalogue.suggest_categories("self-harm") == ["self_harm"]
    assert catalogue.suggest_categories("self harm") == ["self_harm"]
    assert catalogue.suggest_categories("self\u2013harm") == ["self_harm"]


def test_suggestions_are_ranked_by_hits(catalogue):
    text = "An overdose crisis: fentanyl, opioids everywhere, and some drinking."
    assert catalogue.suggest_categories(text) == ["drugs", "alcohol"]


def test_the_longest_overlapping_keyword_wins(catalogue):
    assert catalogue.suggest_categories("a sexual assault downtown") == ["sexual_violence"]


def test_suggestions_respect_the_limit(catalogue):
    text = "gangs, evictions, overdoses, truancy and gambling debts"
    assert len(catalogue.suggest_categories(text)) == 3
    assert len(catalogue.suggest_categories(text, limit=10)) == 6
    assert catalogue.suggest_categories(text, limit=0) == []
    with pytest.raises(ValueError, match="limit must be zero or more"):
        catalogue.suggest_categories(text, limit=-1)


def test_text_without_keywords_suggests_nothing(catalogue):
    assert catalogue.suggest_categories("") == []
    assert catalogue.suggest_categories("The weather was lovely at the picnic.") == []


# --- load-time checks -----------------------------------------------------------------------


def _entry(raw: dict, list_name: str, key: str) -> dict:
    return next(item for item in raw[list_name] if item["key"] == key)


def test_an_unknown_eligible_sector_is_refused_by_name(raw):
    _entry(raw, "seats", "police")["eligible_sectors"].append("polise")
    with pytest.raises(ValueError, match=r"seats 'police'.*'polise'"):
        catalogue_from_dict(raw)


def test_an_unknown_planning_area_of_an_approach_is_refused_by_name(raw):
    _entry(raw, "current_approaches", "coping_supports")["planning_area"] = "prevnetion"
    with pytest.raises(ValueError, match=r"coping_supports.*'prevnetion'"):
        catalogue_from_dict(raw)


def test_a_duplicate_key_is_refused(raw):
    raw["roles"].append(dict(raw["roles"][0]))
    with pytest.raises(ValueError, match="roles: duplicate key 'champion'"):
        catalogue_from_dict(raw)


def test_a_misspelt_field_is_refused_rather_than_ignored(raw):
    seat = _entry(raw, "seats", "education")
    seat["eligible_sector"] = seat.pop("eligible_sectors")
    with pytest.raises(ValueError, match=r"'education'.*unknown field.*eligible_sector"):
        catalogue_from_dict(raw)


def test_a_wrongly_typed_field_is_refused(raw):
    _entry(raw, "seats", "police")["if_exists"] = "no"
    with pytest.raises(ValueError, match="'if_exists' must be true or false"):
        catalogue_from_dict(raw)


def test_a_missing_list_is_refused(raw):
    del raw["risk_questions"]
    with pytest.raises(ValueError, match=r"missing table.*risk_questions"):
        catalogue_from_dict(raw)


def test_a_keyword_shared_by_two_categories_is_refused(raw):
    _entry(raw, "risk_categories", "poverty")["keywords"].append("eviction")
    with pytest.raises(ValueError, match="'eviction' is also in 'housing'"):
        catalogue_from_dict(raw)


def test_an_uppercase_keyword_is_refused(raw):
    _entry(raw, "risk_categories", "housing")["keywords"].append("Shelter Bed")
    with pytest.raises(ValueError, match="'Shelter Bed' must be lowercase"):
        catalogue_from_dict(raw)


def test_broken_toml_names_the_file(tmp_path):
    broken = tmp_path / "framework.toml"
    broken.write_text("[[sectors]\nkey = ", encoding="utf-8")
    with pytest.raises(ValueError, match=r"framework\.toml"):
        read_catalogue(broken)
