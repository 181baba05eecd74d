"""The framework catalogue in French: complete, in the French edition's terms, chosen by the
current language, and tag suggestions for feedback written in French."""

from __future__ import annotations

import copy
import tomllib

import pytest

from cswb_widgets.framework import (
    FRAMEWORK_FILE,
    LIST_NAMES,
    TRANSLATED_FIELDS,
    catalogue_from_dict,
    load_catalogue,
    missing_translations,
)
from cswb_widgets.i18n import use_language
from cswb_widgets.paths import reference_dir

# The same word in both languages: proper names and words French borrowed as they are.
SAME_IN_BOTH = {"Police", "Forum", "Champion", "Suicide", "Supervision", "Gangs", "Alcool"}


@pytest.fixture
def raw() -> dict:
    with (reference_dir() / FRAMEWORK_FILE).open("rb") as file:
        return copy.deepcopy(tomllib.load(file))


def test_every_catalogue_text_has_its_french():
    assert missing_translations() == []


def test_a_text_without_french_is_reported_by_list_key_and_field(raw, tmp_path):
    import tomlkit

    del raw["seats"][2]["description_fr"]
    broken = tmp_path / FRAMEWORK_FILE
    broken.write_text(tomlkit.dumps(raw), encoding="utf-8")
    assert missing_translations(broken) == ["seats 'community_social_services': description_fr"]


def test_the_french_catalogue_replaces_every_display_text():
    english, french = load_catalogue("en"), load_catalogue("fr")
    for list_name in LIST_NAMES:
        for before, after in zip(getattr(english, list_name), getattr(french, list_name), strict=True):
            assert before.key == after.key
            for field in TRANSLATED_FIELDS[type(before)]:
                was, now = getattr(before, field), getattr(after, field)
                if not was or (field == "name" and was in SAME_IN_BOTH):
                    continue
                assert now != was, f"{list_name} {before.key!r}: {field} is still English: {was!r}"


def test_the_french_edition_terms_name_the_planning_areas_and_concepts():
    french = load_catalogue("fr")
    assert [area.name for area in french.planning_areas] == [
        "Développement social",
        "Prévention",
        "Intervention en cas de risque",
        "Intervention en cas d'incident",
    ]
    assert [stage.concept for stage in french.stages] == [
        "Obtenir un engagement de collaboration",
        "Créer une mobilisation",
        "Mettre l'accent sur le risque",
        "Évaluer les forces de la collectivité et miser sur celles-ci",
        "Données probantes et évaluation",
        "Mise en œuvre",
    ]


def test_the_catalogue_follows_the_current_language():
    with use_language("fr"):
        assert load_catalogue().name_of("planning_areas", "risk_intervention") == "Intervention en cas de risque"
        assert load_catalogue().get("seats", "police").if_exists is False  # data other than text is shared
    assert load_catalogue().name_of("planning_areas", "risk_intervention") == "Risk intervention"
    with use_language("fr-CA"):
        assert load_catalogue() is load_catalogue("fr")


def test_english_and_french_catalogues_share_keys_and_rules():
    english, french = load_catalogue("en"), load_catalogue("fr")
    for list_name in LIST_NAMES:
        assert english.keys(list_name) == french.keys(list_name)
    assert english.plan_rules == french.plan_rules
    assert [c.keywords_fr for c in english.risk_categories] == [c.keywords_fr for c in french.risk_categories]


def test_a_translated_list_of_another_length_is_refused(raw):
    raw["planning_areas"][0]["examples_fr"] = ["un seul exemple"]
    with pytest.raises(ValueError, match=r"planning_areas: 'social_development': examples_fr must list as many"):
        catalogue_from_dict(raw, language="fr")


def test_an_empty_french_name_is_refused_like_an_empty_english_one(raw):
    raw["sectors"][0]["name_fr"] = "  "
    with pytest.raises(ValueError, match=r"sectors entry 1 \('health'\): field 'name' must be non-empty"):
        catalogue_from_dict(raw, language="fr")


def test_a_french_keyword_shared_with_another_category_is_refused(raw):
    raw["risk_categories"][0]["keywords_fr"].append("logement")  # a housing keyword
    with pytest.raises(ValueError, match=r"risk_categories 'housing': keyword 'logement' is also in 'antisocial_behaviour'"):
        catalogue_from_dict(raw)


# --- tag suggestions for feedback written in French --------------------------------------------


def test_every_french_keyword_suggests_its_own_category_first():
    catalogue = load_catalogue()
    for category in catalogue.risk_categories:
        for keyword in category.keywords_fr:
            assert catalogue.suggest_categories(keyword, limit=1) == [category.key], keyword
            assert catalogue.suggest_categories(keyword.upper(), limit=1) == [category.key], keyword


@pytest.mark.parametrize(
    ("feedback", "expected"),
    [
        # Sentences as residents write them at a town hall or on a paper survey.
        ("Les loyers ont doublé et plusieurs familles se retrouvent en situation d'itinérance.", ["housing"]),
        ("Il y a eu trois surdoses d'opioïdes près du parc depuis l'été.", ["drugs"]),
        ("Mon fils est très isolé depuis qu'il a perdu son emploi à la mine.", ["social_environment", "unemployment"]),
        ("Les adolescentes déprimées n'ont nulle part où aller le soir.", ["mental_health"]),
        ("On voit des jeunes laissés seuls à la maison jusqu'à minuit, sans surveillance.", ["supervision"]),
        ("Beaucoup d'aînés vivent de la maltraitance financière et de la solitude.", ["elderly_abuse", "social_environment"]),
        ("La violence conjugale augmente l'hiver, et les refuges sont pleins.", ["housing", "physical_violence"]),
        ("Le décrochage scolaire est élevé à l'école secondaire du canton.", ["school"]),
        ("La banque alimentaire manque de nourriture à la fin du mois.", ["basic_needs"]),
    ],
)
def test_french_feedback_gets_tag_suggestions(feedback, expected):
    assert sorted(load_catalogue().suggest_categories(feedback)) == sorted(expected)


def test_suggestions_ignore_accents_and_case():
    catalogue = load_catalogue()
    written = ["ITINÉRANCE au centre-ville", "itinerance au centre-ville", "Itinérance au centre‑ville"]
    assert {tuple(catalogue.suggest_categories(text)) for text in written} == {("housing",)}


def test_suggestions_do_not_depend_on_the_language_people_see():
    text = "Les chômeuses du quartier parlent de pauvreté; eviction notices too"
    with use_language("fr"):
        in_french = load_catalogue().suggest_categories(text, limit=5)
    assert in_french == load_catalogue("en").suggest_categories(text, limit=5)
    assert set(in_french) == {"unemployment", "social_environment", "poverty", "housing"}
