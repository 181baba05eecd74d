"""Offline maps: self-contained pages, escaping, clustering of thousands of assets, choropleth.

The browser tests load the page in Debian's Chromium with every request that is not a
``data:``/``about:`` URL blocked and recorded: a map that needed the network would show up as a
recorded request (and a missing ``window.L``).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import folium
import pandas as pd
import pytest
import shapely

from cswb_widgets.render.maps import (
    area_map,
    filter_assets,
    indicator_by_area,
    map_caption,
    map_html,
    map_png,
    map_summary_table,
    static_map,
)
from cswb_widgets.store.boundaries import read_boundaries
from cswb_widgets.store.synthetic import build_city, generate_city

HOSTILE = "<img src=x onerror=alert(1)>"
SCRIPT_BREAKER = "</script><script>alert(2)</script>"
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SUDBURY_DIR = SHARED_DATA / "boundaries" / "greater-sudbury-wards"


# --- Fixtures ----------------------------------------------------------------------------------


def square(west: float, south: float, size: float) -> str:
    ring = [
        [west, south],
        [west + size, south],
        [west + size, south + size],
        [west, south + size],
        [west, south],
    ]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


@pytest.fixture
def areas() -> pd.DataFrame:
    """A boundary around two side-by-side wards, one of them with a hostile name."""
    return pd.DataFrame(
        {
            "id": ["city", "w1", "w2"],
            "name": ["Smallville", "North & Centre", HOSTILE],
            "kind": ["boundary", "ward", "ward"],
            "geometry": [
                json.dumps(
                    {
                        "type": "Polygon",
                        "coordinates": [
                            [[-80.0, 44.0], [-79.8, 44.0], [-79.8, 44.1], [-80.0, 44.1], [-80.0, 44.0]]
                        ],
                    }
                ),
                square(-80.0, 44.0, 0.1),
                square(-79.9, 44.0, 0.1),
            ],
        }
    )


@pytest.fixture
def assets() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["a1", "a2", "a3", "a4"],
            "name": [HOSTILE, SCRIPT_BREAKER, "Food bank", "Phone line (no address)"],
            "organization_id": ["o1", "o2", "o1", None],
            "planning_areas": [
                ["prevention"],
                ["social_development", "risk_intervention"],
                [],
                ["made_up_area"],
            ],
            "risks_addressed": [["r1"], ["r2"], ["r1", "r2"], []],
            "sector": ["health", "education", "food_security", None],
            "address": ["1 Main St", "2 King St", None, None],
            "latitude": [44.05, 44.06, 44.02, None],
            "longitude": [-79.95, -79.85, -79.97, None],
        }
    )


@pytest.fixture
def organizations() -> pd.DataFrame:
    return pd.DataFrame({"id": ["o1", "o2"], "name": ['Org "One" & Co', "<b>Bold</b> Org"]})


@pytest.fixture(scope="module")
def city() -> dict[str, pd.DataFrame]:
    """The synthetic city's tables (12 wards, 5,000 assets, 1% without coordinates)."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for table, record in build_city(seed=7, assets=5000, risks=20, feedback=10, actions=10):
        tables.setdefault(table, []).append(record)
    frames = {name: pd.DataFrame(records) for name, records in tables.items()}
    frames["areas"]["geometry"] = [json.dumps(g) for g in frames["areas"]["geometry"]]
    return frames


@pytest.fixture(scope="module")
def city_page(city: dict[str, pd.DataFrame]) -> str:
    indicator = city["indicators"]["indicator"].iloc[0]
    return map_html(
        area_map(
            city["areas"],
            assets=city["assets"],
            organizations=city["organizations"],
            member_communities=city["member_communities"],
            choropleth=indicator_by_area(city["indicators"], indicator),
            choropleth_label=indicator,
            title="Synthetic City",
        )
    )


class _References(HTMLParser):
    """Every URL-valued attribute in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in {"src", "href", "srcset", "data", "action", "poster"} and value is not None:
                self.urls.append((tag, name, value))


def references(page: str) -> _References:
    parser = _References()
    parser.feed(page)
    return parser


AREAS_CALL = r"cswb\.addAreas\(\w+, (\{.*?\})\);\n"


def embedded_json(pattern: str, page: str) -> Any:
    """The JSON argument the page passes to one of its cswb.* calls."""
    found = re.search(pattern, page)
    assert found is not None, pattern
    return json.loads(found.group(1))


def off_machine(url: str) -> bool:
    return bool(re.match(r"^\s*(https?:)?//", url, re.IGNORECASE))


# --- The page is self-contained ----------------------------------------------------------------


def test_page_loads_nothing_from_the_network(areas: pd.DataFrame, assets: pd.DataFrame) -> None:
    page = map_html(area_map(areas, assets=assets, choropleth={"North & Centre": 3.0}))
    found = references(page)
    assert [u for u in found.urls if off_machine(u[2])] == []
    assert not [u for u in found.urls if u[0] in {"script", "link", "img", "iframe"}]
    # CSS images are inlined; url() only ever holds data: URIs (or a #fragment).
    for url in re.findall(r"url\(\s*['\"]?([^)'\"]+)", page):
        assert url.startswith(("data:", "#")), url
    assert "sourceMappingURL" not in page
    assert "L.markerClusterGroup" in page  # the plugin is inlined, not linked


def test_folium_defaults_are_not_changed_for_other_maps(areas: pd.DataFrame) -> None:
    cdn_links = list(folium.Map.default_js)
    area_map(areas)
    assert folium.Map.default_js == cdn_links  # only our map's instance lists are emptied


def test_no_tile_server_unless_configured(areas: pd.DataFrame) -> None:
    plain = map_html(area_map(areas))
    assert "L.tileLayer" not in plain and "openstreetmap" not in plain.lower()
    configured = map_html(
        area_map(areas, tiles="http://tiles.example.test/{z}/{x}/{y}.png", tiles_attribution="<b>Tiles</b>")
    )
    assert "tiles.example.test" in configured
    # Leaflet shows attributions as HTML: the user's text is escaped first (folium then
    # writes "&" as \u0026 inside the script)
    assert "\\u0026lt;b\\u0026gt;Tiles" in configured and "<b>Tiles</b>" not in configured


def test_page_has_language_title_and_zoomable_viewport(areas: pd.DataFrame) -> None:
    page = map_html(area_map(areas, title="Ward <map>"))
    assert '<html lang="en">' in page
    assert "<title>Ward &lt;map&gt;</title>" in page
    assert "user-scalable=no" not in page and "maximum-scale" not in page
    assert "<main>" in page


def test_same_input_gives_the_same_page(areas: pd.DataFrame, assets: pd.DataFrame) -> None:
    first = map_html(area_map(areas, assets=assets, choropleth={"North & Centre": 1.0}))
    second = map_html(area_map(areas, assets=assets, choropleth={"North & Centre": 1.0}))
    assert first == second


# --- Escaping ---------------------------------------------------------------------------------


def test_user_text_never_reaches_the_page_as_markup(
    areas: pd.DataFrame, assets: pd.DataFrame, organizations: pd.DataFrame
) -> None:
    page = map_html(
        area_map(
            areas,
            assets=assets,
            organizations=organizations,
            choropleth={"North & Centre": 1.0, HOSTILE: 2.0},
            choropleth_label="Rate <i>per</i> 1,000",
            title="A & B",
        )
    )
    for payload in (HOSTILE, SCRIPT_BREAKER, "<b>Bold</b>", "Rate <i>per</i>"):
        assert payload not in page
    # the script-breaking name cannot close the script element early
    assert page.count("<script") == page.count("</script>")
    assert "alert(2)" in page  # still there, as data: \u003c/script\u003e...
    assert "\\u003c/script\\u003e" in page
    assert "Rate &lt;i&gt;per&lt;/i&gt; 1,000" in page  # legend and caption, escaped in Python


# --- Content -----------------------------------------------------------------------------------


def test_map_fits_the_areas(areas: pd.DataFrame) -> None:
    page = map_html(area_map(areas))
    fit = re.search(r"map_\w+\.fitBounds\(\s*(\[\[.*?\]\])", page, re.DOTALL)
    assert fit is not None
    assert json.loads(fit.group(1)) == [[44.0, -80.0], [44.1, -79.8]]


def test_map_fits_the_assets_when_there_are_no_areas(assets: pd.DataFrame) -> None:
    page = map_html(area_map(None, assets=assets))
    fit = re.search(r"map_\w+\.fitBounds\(\s*(\[\[.*?\]\])", page, re.DOTALL)
    assert fit is not None
    assert json.loads(fit.group(1)) == [[44.02, -79.97], [44.06, -79.85]]


def test_choropleth_legend_classes_and_missing_values(areas: pd.DataFrame) -> None:
    values = {"North & Centre": 12.5}
    page = map_html(area_map(areas, choropleth=values, choropleth_label="ED visits"))
    legend = embedded_json(r"cswb\.addLegend\(\w+, (\".*?\")\);", page)
    assert "ED visits" in legend
    assert "12.5" in legend
    assert "No value" in legend  # the hostile-named ward has no value
    caption = map_caption(areas, choropleth=values, choropleth_label="ED visits")
    assert "Wards shaded by ED visits" in caption and "1 ward without a value" in caption


def test_choropleth_uses_at_most_five_ordered_classes(city: dict[str, pd.DataFrame]) -> None:
    values = {f"Ward {n}": float(n) for n in range(1, 13)}
    page = map_html(area_map(city["areas"], choropleth=values, choropleth_label="Rank"))
    collection = embedded_json(AREAS_CALL, page)
    fills = {
        f["properties"]["name"]: f["properties"]["style"].get("fillColor") for f in collection["features"]
    }
    assert len({fills[f"Ward {n}"] for n in range(1, 13)}) == 5
    assert fills["Ward 1"] == "#ffffcc" and fills["Ward 12"] == "#253494"  # light low, dark high
    boundary = [f for f in collection["features"] if f["properties"]["kind"] == "boundary"]
    assert boundary[0]["properties"]["style"]["fill"] is False
    assert collection["features"][-1]["properties"]["kind"] == "boundary"  # drawn on top


def test_values_for_unknown_areas_are_reported_not_dropped_silently(areas: pd.DataFrame) -> None:
    caption = map_caption(areas, choropleth={"North & Centre": 1.0, "Ward 99": 3.0})
    assert "Values for Ward 99 not shown: no such area on the map." in caption


def test_summary_table_counts_assets_by_location(
    city: dict[str, pd.DataFrame],
) -> None:
    table = map_summary_table(city["areas"], assets=city["assets"])
    wards = table[table["Kind"] == "Ward"]
    located = city["assets"]["latitude"].notna().sum()
    assert len(wards) == 12
    assert wards["Assets"].sum() == located  # every located asset is in exactly one ward
    assert table.loc[table["Kind"] == "Boundary", "Assets"].item() == located
    assert table.iloc[-1]["Area"] == "No coordinates (not on the map)"
    assert table.iloc[-1]["Assets"] == 5000 - located


def test_caption_describes_the_map(city: dict[str, pd.DataFrame]) -> None:
    caption = map_caption(city["areas"], assets=city["assets"], title="Synthetic City")
    assert caption.startswith("Synthetic City. The map shows the community boundary and 12 wards")
    assert "4,950 assets shown as points" in caption
    assert "50 assets without coordinates not shown" in caption


def test_partner_community_assets_are_marked(assets: pd.DataFrame) -> None:
    members = pd.DataFrame(
        {"id": ["home", "next"], "name": ["Home", "Next Door <Twp>"], "partner": [False, True]}
    )
    with_partner = assets.assign(member_community_id=["home", "next", "home", "home"])
    caption = map_caption(None, assets=with_partner, member_communities=members)
    assert "1 asset of partner communities shown as squares" in caption
    page = map_html(area_map(None, assets=with_partner, member_communities=members))
    assert "Partner community asset" in page
    assert "Next Door \\u003cTwp\\u003e" in page


def test_indicator_by_area_takes_the_latest_year_and_skips_community_rows() -> None:
    indicators = pd.DataFrame(
        {
            "indicator": ["Visits"] * 5 + ["Other"],
            "area": ["Ward 1", "Ward 1", "Ward 2", "", None, "Ward 1"],
            "year": [2020, 2021, 2021, 2021, 2021, 2021],
            "value": [1.0, 2.0, 3.0, 99.0, 98.0, 7.0],
        }
    )
    assert indicator_by_area(indicators, "Visits") == {"Ward 1": 2.0, "Ward 2": 3.0}
    assert indicator_by_area(indicators, "Visits", year=2020) == {"Ward 1": 1.0}
    assert indicator_by_area(indicators, "Missing") == {}


def test_filter_assets_by_planning_area_risk_and_sector(assets: pd.DataFrame) -> None:
    assert list(filter_assets(assets, planning_area="prevention")["id"]) == ["a1"]
    assert list(filter_assets(assets, risk="r2")["id"]) == ["a2", "a3"]
    assert list(filter_assets(assets, risk="r1", sector="food_security")["id"]) == ["a3"]
    assert len(filter_assets(assets)) == 4


def test_map_of_a_real_workspace(tmp_path: Path) -> None:
    """Frames exactly as the store returns them (Int64, list columns, GeoJSON text)."""
    workspace = generate_city(tmp_path / "ws", assets=40, risks=6, feedback=20, actions=5, wards=4)
    try:
        areas, assets = workspace.table("areas"), workspace.table("assets")
        page = map_html(area_map(areas, assets=assets, organizations=workspace.table("organizations")))
        table = map_summary_table(areas, assets=assets)
    finally:
        workspace.close()
    assert page.count("cswb.addAssets(") == 1
    assert int(table.loc[table["Kind"] == "Boundary", "Assets"].item()) == int(
        assets["latitude"].notna().sum()
    )


def test_detailed_real_wards_are_simplified_for_the_page() -> None:
    if not SUDBURY_DIR.exists():
        pytest.skip(f"real boundary files not found under {SUDBURY_DIR}")
    wards = read_boundaries(SUDBURY_DIR, "WardName_E")
    areas = pd.DataFrame(
        {
            "name": [f.name for f in wards.features],
            "kind": "ward",
            "geometry": [f.geometry for f in wards.features],
        }
    )
    raw_size = sum(len(f.geometry) for f in wards.features)
    page = map_html(area_map(areas))
    collection = embedded_json(AREAS_CALL, page)
    assert len(collection["features"]) == len(wards.features)
    for feature in collection["features"]:
        geometry = shapely.geometry.shape(feature["geometry"])
        assert geometry.is_valid and not geometry.is_empty
    # detail below a screen pixel at city scale is dropped: ~430 kB of outlines become ~70 kB
    assert len(json.dumps(collection)) < raw_size / 4


def test_5000_assets_page_stays_small(city_page: str) -> None:
    # One JSON array, not folium's several lines of JavaScript per marker.
    assert city_page.count("L.marker(") == 1
    assert len(city_page.encode("utf-8")) < 1_000_000


# --- Static map -------------------------------------------------------------------------------


def test_static_map_is_accessible_deterministic_svg(areas: pd.DataFrame, assets: pd.DataFrame) -> None:
    values = {"North & Centre": 2.0}
    svg = static_map(areas, assets=assets, choropleth=values, choropleth_label="Rate", title="Smallville map")
    root = ET.fromstring(svg)
    namespace = "{http://www.w3.org/2000/svg}"
    assert root.findtext(f"{namespace}title") == "Smallville map"
    assert "Wards shaded by Rate" in root.findtext(f"{namespace}desc", "")
    assert list(root.iter(f"{namespace}script")) == []
    assert HOSTILE not in svg and "&lt;img src=x onerror=alert(1)&gt;" in svg  # ward label, escaped
    assert svg == static_map(
        areas, assets=assets, choropleth=values, choropleth_label="Rate", title="Smallville map"
    )
    assert list(svg.table["Area"])[:3] == ["Smallville", "North & Centre", HOSTILE]


def test_map_png_is_a_png(areas: pd.DataFrame, assets: pd.DataFrame) -> None:
    png = map_png(areas, assets=assets, dpi=72)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


# --- In the browser, with the network cut -------------------------------------------------------


@pytest.fixture(scope="module")
def browser(chromium_browser: Any) -> Any:
    return chromium_browser


class OfflinePage:
    """A page whose only permitted requests are data:/about:/blob: URLs; others are recorded."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1000, "height": 640})
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _route(self, route: Any) -> None:
        if route.request.url.startswith(("data:", "about:", "blob:")):
            route.continue_()
        else:
            self.requests.append(route.request.url)
            route.abort()

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, page_html: str, *, with_assets: bool = True) -> Any:
        self.page.set_content(page_html, wait_until="load")
        ready = "[data-assets-loaded]" if with_assets else ".leaflet-overlay-pane path"
        self.page.wait_for_selector(ready, state="attached")
        return self.page


@pytest.fixture
def offline(browser: Any) -> Iterator[OfflinePage]:
    page = OfflinePage(browser)
    yield page
    page.context.close()


@pytest.mark.browser
def test_5000_assets_render_clustered_offline(
    offline: OfflinePage, city_page: str, city: dict[str, pd.DataFrame]
) -> None:
    page = offline.open(city_page)
    # markercluster animates its first layout: icons of both zoom levels are in the DOM until
    # the animation ends, so read the map once it has settled.
    page.wait_for_function("() => !document.querySelector('.leaflet-cluster-anim')", timeout=10_000)
    page.wait_for_timeout(400)
    state = page.evaluate(
        """() => ({
            leaflet: typeof window.L,
            clusters: document.querySelectorAll('.marker-cluster').length,
            clustered: [...document.querySelectorAll('.marker-cluster span')]
                .reduce((sum, span) => sum + parseInt(span.textContent, 10), 0),
            single: document.querySelectorAll('.leaflet-marker-pane .cswb-asset').length,
            wards: document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length,
            outlines: document.querySelectorAll('.leaflet-overlay-pane path').length,
            images: document.querySelectorAll('img').length,
            legendRows: document.querySelectorAll('.cswb-legend .cswb-legend-swatch').length,
            label: document.querySelector('.folium-map').getAttribute('aria-label'),
        })"""
    )
    located = int(city["assets"]["latitude"].notna().sum())
    assert state["leaflet"] == "object"
    assert 0 < state["clusters"] < 100  # clustered, not thousands of DOM markers
    assert state["clustered"] + state["single"] == located
    assert state["wards"] == 12 and state["outlines"] == 13  # 12 wards + the boundary
    assert state["images"] == 0
    assert state["legendRows"] == 5
    assert state["label"] == "Map: Synthetic City"
    assert offline.requests == [] and offline.errors == []


@pytest.mark.browser
def test_hostile_names_show_as_text_and_run_nothing(
    offline: OfflinePage, areas: pd.DataFrame, assets: pd.DataFrame, organizations: pd.DataFrame
) -> None:
    page = offline.open(map_html(area_map(areas, assets=assets, organizations=organizations, cluster=False)))
    scripts_before = page.locator("script").count()

    marker = page.get_by_title(HOSTILE)
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    assert HOSTILE in popup.inner_text()
    assert 'Org "One" & Co' in popup.inner_text()
    assert "Prevention" in popup.inner_text() and "Health" in popup.inner_text()

    # keyboard: focus the next marker and press Enter
    page.get_by_title(SCRIPT_BREAKER).focus()
    page.keyboard.press("Enter")
    assert SCRIPT_BREAKER in popup.inner_text()
    assert "<b>Bold</b> Org" in popup.inner_text()
    assert "Social development, Risk intervention" in popup.inner_text()

    # the ward with the hostile name: hover shows its name as a tooltip, as text
    page.locator(".leaflet-overlay-pane path.leaflet-interactive").nth(1).hover()
    assert page.get_by_role("tooltip", name=HOSTILE, exact=True).inner_text() == HOSTILE

    assert page.locator("img").count() == 0
    assert page.locator("script").count() == scripts_before
    assert offline.dialogs == [] and offline.requests == [] and offline.errors == []


@pytest.mark.browser
def test_choropleth_legend_and_fills_in_the_browser(offline: OfflinePage, areas: pd.DataFrame) -> None:
    page = offline.open(
        map_html(
            area_map(
                areas, choropleth={"North & Centre": 4.0, HOSTILE: 9.0}, choropleth_label="Visits <per> 1,000"
            )
        ),
        with_assets=False,
    )
    legend = page.locator(".cswb-legend")
    assert legend.locator(".cswb-legend-title").inner_text() == "Visits <per> 1,000"
    assert legend.locator(".cswb-legend-swatch").count() == 2
    fills = page.eval_on_selector_all(
        ".leaflet-overlay-pane path.leaflet-interactive", "paths => paths.map(p => p.getAttribute('fill'))"
    )
    assert len(set(fills)) == 2
    assert offline.requests == []


@pytest.mark.browser
def test_map_page_has_no_serious_accessibility_violations(
    offline: OfflinePage, areas: pd.DataFrame, assets: pd.DataFrame
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = offline.open(map_html(area_map(areas, assets=assets, choropleth={"North & Centre": 1.0})))
    results = Axe().run(page)
    serious = [
        (v["id"], v["impact"])
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert serious == []
