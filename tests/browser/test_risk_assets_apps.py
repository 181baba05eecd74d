"""The Risk and Assets apps in a real browser: live reweighting, escaping, a 5,000-asset map, axe.

Each workspace here is a folder of its own under the served root (other browser modules use
other ones), so the order in which modules run never matters.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from browser_harness import HOSTILE_NAME, axe, describe_violations, reveal, wait_for_app, wait_until
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError, expect
from sample_workspaces import sample_workspace
from shapely.geometry import shape
from shapely.ops import unary_union

from cswb_widgets.framework import load_catalogue
from cswb_widgets.render import maps
from cswb_widgets.store import Workspace
from cswb_widgets.store.synthetic import generate_city

pytestmark = pytest.mark.browser

MAPLE = "riskassets-maple"  # the sample as it is (weights are changed and saved here)
HOSTILE = "riskassets-hostile"  # the sample plus a hostile risk and asset
CITY = "riskassets-city"  # the synthetic city: 5,000 assets, plus a hostile one
CITY_ASSETS = 5000
LOAD_MS = 180_000  # a shared two-core machine; the city's page carries 5,000 assets
RANKING = "Risks ranked by priority score"
MAP_TITLE = "Community assets"
TYPED_NAME = HOSTILE_NAME + " typed"
KEPT_CRITERION = "Capacity gap"  # every other weight goes to 0


def _point_inside(ws: Workspace, ward: str) -> tuple[float, float]:
    """(latitude, longitude) of a point inside one of the workspace's wards."""
    areas = ws.table("areas")
    geometry = areas.loc[areas["name"] == ward, "geometry"].iloc[0]
    point = shape(json.loads(geometry)).representative_point()
    return round(point.y, 6), round(point.x, 6)


def _add_hostile_asset(ws: Workspace, ward: str, risk_id: str | None = None) -> str:
    latitude, longitude = _point_inside(ws, ward)
    return ws.add(
        "assets", name=HOSTILE_NAME, location_kind="site", latitude=latitude, longitude=longitude, area=ward,
        address=HOSTILE_NAME + " street", planning_areas=["prevention"], sector="other",
        risks_addressed=[risk_id] if risk_id else None,
    )


@pytest.fixture(scope="module")
def maple(workspace_root: Path) -> Path:
    return sample_workspace("maple-falls", workspace_root / MAPLE)


@pytest.fixture(scope="module")
def hostile(workspace_root: Path) -> Path:
    """Maple Falls with a priority risk and a mapped asset (in Ward 2) named HOSTILE_NAME."""
    path = sample_workspace("maple-falls", workspace_root / HOSTILE)
    with Workspace.open(path) as ws, ws.batch("hostile names"):
        risk_id = ws.add("risks", name=HOSTILE_NAME, description=HOSTILE_NAME, priority=True)
        _add_hostile_asset(ws, "Ward 2", risk_id)
    return path


@pytest.fixture(scope="module")
def city(workspace_root: Path) -> Path:
    """The synthetic city (5,000 assets; fewer feedback items than the default, which no test here
    reads, to generate faster), plus one more asset named HOSTILE_NAME."""
    path = workspace_root / CITY
    with generate_city(path, assets=CITY_ASSETS, feedback=1000) as ws:
        _add_hostile_asset(ws, "Ward 5")
    return path


# -- helpers -------------------------------------------------------------------------------------------


def _open(page, server, notebook: str, slug: str, step: str = "") -> None:
    """Open an app, on the step holding the part `step` if given (the apps show one step at a time)."""
    page.goto(server.url(f"voila/render/{notebook}.ipynb?workspace={slug}" + (f"#step-{step}" if step else "")))
    wait_for_app(page, LOAD_MS)


def _ranking(page):
    return reveal(page.get_by_role("table", name=RANKING, exact=True, include_hidden=True), LOAD_MS)


def _order(page) -> list[str]:
    return _ranking(page).get_by_role("rowheader").all_inner_texts()


def _weight(page, criterion: str):
    return page.get_by_label(f"Weight of {criterion}", exact=True)


def _no_injected_image(page) -> None:
    """No `<img src=x>` anywhere: not in the page, not in any map's iframe."""
    for frame in page.frames:
        expect(frame.locator("img[src='x']"), f"an injected image in {frame.url}").to_have_count(0)


def _map_frame(page):
    frame_element = page.locator(f'iframe[title="{MAP_TITLE}"]')
    frame_element.wait_for(state="attached", timeout=LOAD_MS)
    frame = frame_element.element_handle().content_frame()
    assert frame is not None
    return frame


def _assets_loaded(page, count: int, timeout_ms: float = LOAD_MS):
    """The map's frame once its markers are all in (the page sets data-assets-loaded)."""
    # A redraw replaces the iframe: the frame locator finds whichever one is there now.
    loaded = page.frame_locator(f'iframe[title="{MAP_TITLE}"]').locator(
        f'.leaflet-container[data-assets-loaded="{count}"]'
    )
    loaded.wait_for(state="attached", timeout=timeout_ms)
    return _map_frame(page)


# The page's Leaflet objects are globals of the map's frame (folium writes `var map_... = L.map(...)`).
_FIND = """
  const find = (kind) => {
    for (const key of Object.keys(window)) {
      try { if (window[key] instanceof kind) { return window[key]; } } catch (e) {}
    }
    return null;
  };
"""

# Does the map's view hold the whole community (every area), as area_map's fit_bounds intends?
_VIEW_HOLDS = "(bounds) => {" + _FIND + """
  const map = find(L.Map);
  return { zoom: map.getZoom(), holds: map.getBounds().contains(L.latLngBounds(bounds)),
           width: map.getSize().x, height: map.getSize().y };
}
"""

# What a visitor gets by zooming out to the whole community (the map's own fitBounds).
_FIT = "(bounds) => new Promise((resolve) => {" + _FIND + """
  const map = find(L.Map);
  map.once("moveend", () => resolve(map.getZoom()));
  map.fitBounds(L.latLngBounds(bounds), { animate: false });
})
"""

# Assets the view shows: the numbers on the clusters plus the markers standing alone.
_IN_VIEW = """(want) => [...document.querySelectorAll(".marker-cluster span")]
  .reduce((n, s) => n + Number(s.textContent), 0)
  + document.querySelectorAll(".leaflet-marker-icon.cswb-asset").length"""

# Zoom (and spiderfy) until the named marker is on the map by itself: true once it is, false when
# one try has not got there in 15 s (evaluate() never times out; the caller tries again).
_SHOW_MARKER = "(name) => new Promise((resolve, reject) => {" + _FIND + """
  const group = find(L.MarkerClusterGroup);
  if (!group) { reject(new Error("no marker cluster group on the map")); return; }
  const marker = group.getLayers().find((m) => m.options.title === name);
  if (!marker) { reject(new Error("no marker titled " + name)); return; }
  if (marker._icon) { resolve(true); return; }  // on the map by itself already
  setTimeout(() => resolve(false), 15000);
  group.zoomToShowLayer(marker, () => resolve(true));
})
"""


def _open_popup_of(frame, name: str):
    """Bring the named marker out of its cluster, click it as a visitor would, return the popup."""
    # On screen first: Chromium throttles animation frames in frames out of view, and
    # markercluster's zoom waits for its animation to end.
    frame.frame_element().scroll_into_view_if_needed()
    # On a loaded machine an animation can end after markercluster stopped listening: try again.
    popup = frame.locator(".leaflet-popup-content")

    def popup_opened() -> bool:
        # A click can land while markercluster still moves or redraws the marker (a loaded run lost
        # one): bring the marker out again and click again until its popup is open.
        if popup.is_visible():
            return True
        if frame.evaluate(_SHOW_MARKER, name):
            frame.get_by_title(name, exact=True).click()
            try:  # a second click on an opening popup's marker would close it: give this one time
                popup.wait_for(state="visible", timeout=15_000)
            except PlaywrightTimeoutError:
                return False
            return True
        return False

    wait_until(frame.page, popup_opened, f"the popup of the marker {name} opens", LOAD_MS)
    return popup


def _community_bounds(ws_path: Path) -> list[list[float]]:
    """[[south, west], [north, east]] of every area of the workspace."""
    with Workspace.open(ws_path) as ws:
        geometries = [shape(json.loads(g)) for g in ws.table("areas")["geometry"].dropna()]
    west, south, east, north = unary_union(geometries).bounds
    return [[south, west], [north, east]]


def _mapped(ws_path: Path, **filters: str) -> tuple[int, int]:
    """(assets the filters let through, of which with coordinates) as the app should count them."""
    with Workspace.open(ws_path) as ws:
        assets = ws.table("assets")
    shown = maps.filter_assets(assets, **filters) if filters else assets
    return len(shown), int((shown["latitude"].notna() & shown["longitude"].notna()).sum())


# -- Risk: the weights move the ranking at once, and saving keeps them ------------------------------


def test_risk_app_passes_axe_then_reweighting_reorders_live_and_saved_weights_persist(
    server, page, guard, maple: Path
) -> None:
    _open(page, server, "risk", MAPLE)
    violations = axe(page)
    assert not violations, describe_violations(violations)

    first = _ranking(page).get_by_role("rowheader").first  # re-found each time: redraws replace the table
    expect(first).to_have_text(re.compile(r"^Mental health crises and substance-use harms"))  # then " (priority)"
    before = _order(page)
    with Workspace.open(maple) as ws:
        criteria = ws.table("criteria")
    names = list(criteria["name"])
    assert KEPT_CRITERION in names and len(names) == 5

    page.evaluate("window.cswbNotReloaded = true")
    for name in names:
        if name != KEPT_CRITERION:
            _weight(page, name).fill("0")
            _weight(page, name).press("Tab")  # a number field sends its value when it is left
    # Capacity gap alone: the risk with the fewest planning areas covered by assets comes first.
    expect(first).to_have_text(re.compile(r"^Racism, discrimination and hate incidents"), timeout=30_000)
    expect(page.get_by_role("status").filter(has_text="Not saved").first).to_be_visible()
    # the weight shares above the table: 100% once every other weight's 0 has arrived, so the
    # order read next is the final one (the first row can change before the last weight lands)
    expect(page.get_by_text(f"{KEPT_CRITERION} 100%").first).to_be_visible(timeout=30_000)
    changed = _order(page)
    assert changed != before and sorted(changed) == sorted(before)
    assert page.evaluate("window.cswbNotReloaded === true")  # it all happened in the page as it was
    with Workspace.open(maple) as ws:  # nothing stored until the facilitator saves
        assert dict(zip(ws.table("criteria")["name"], ws.table("criteria")["weight"], strict=True)) == dict(
            zip(criteria["name"], criteria["weight"], strict=True)
        )

    page.get_by_role("button", name="Save these weights").click()
    page.get_by_role("status").filter(has_text="Weights saved.").wait_for(timeout=30_000)
    with Workspace.open(maple) as ws:
        saved = dict(zip(ws.table("criteria")["name"], ws.table("criteria")["weight"], strict=True))
    assert saved == {name: (0.15 if name == KEPT_CRITERION else 0.0) for name in names}

    page.reload()
    wait_for_app(page, LOAD_MS)
    expect(_ranking(page).get_by_role("rowheader")).to_have_text(changed)
    for name in names:
        weight = _weight(page, name)
        wait_until(page, lambda weight=weight, name=name: float(weight.input_value()) == pytest.approx(saved[name]),
                   f"the saved weight of {name} is shown")
    assert not guard.dialogs


# -- hostile names stay text -------------------------------------------------------------------------


def test_hostile_risk_names_show_as_text_in_the_risk_app(server, page, guard, hostile: Path) -> None:
    _open(page, server, "risk", HOSTILE)
    ranking = _ranking(page)
    expect(ranking.get_by_role("rowheader", name=f"{HOSTILE_NAME} (priority)", exact=True)).to_have_count(1)
    # And one typed into the app's own form (another step).
    reveal(page.get_by_role("textbox", name="Risk", exact=True, include_hidden=True), LOAD_MS).fill(TYPED_NAME)
    page.get_by_role("button", name="Add risk").click()
    page.get_by_role("status").filter(has_text="Added").first.wait_for(timeout=30_000)
    ranking = _ranking(page)
    ranking.get_by_role("rowheader", name=TYPED_NAME, exact=True).wait_for(timeout=30_000)
    wait_for_app(page, LOAD_MS)
    expect(page.get_by_text(HOSTILE_NAME, exact=True).first).to_be_attached()  # an element whose whole text it is
    expect(page.locator("body")).to_contain_text(HOSTILE_NAME)
    expect(page.locator("body")).to_contain_text(TYPED_NAME)
    _no_injected_image(page)
    assert not guard.dialogs
    with Workspace.open(hostile) as ws:
        assert TYPED_NAME in set(ws.table("risks")["name"])


def test_hostile_asset_and_risk_names_show_as_text_in_the_assets_app(server, page, guard, hostile: Path) -> None:
    _open(page, server, "assets", HOSTILE, step="asset_map")
    total, mapped = _mapped(hostile)
    frame = _assets_loaded(page, mapped)
    wait_for_app(page, LOAD_MS)
    # The risk filter offers it by name; the capacity gap table lists it; the gap matrix (it is a priority) too.
    risk_filter = page.get_by_label("Risk", exact=True)
    # (ipywidgets writes an option's spaces as no-break spaces; its value keeps the label as given)
    spaced_any_way = r"\s".join(re.escape(word) for word in f"{HOSTILE_NAME} (priority)".split(" "))
    option = risk_filter.locator("option").filter(has_text=re.compile(spaced_any_way))
    expect(option).to_have_attribute("value", f"{HOSTILE_NAME} (priority)")
    # (Those two are other steps of the app, hidden while the map's is shown.)
    gaps = page.get_by_role("table", name="Capacity gap by risk", exact=True, include_hidden=True)
    expect(gaps.get_by_role("rowheader", name=HOSTILE_NAME, exact=True, include_hidden=True)).to_have_count(1)
    matrix = page.get_by_role("table", name="Assets by priority risk and planning area", exact=True, include_hidden=True)
    expect(matrix.get_by_role("rowheader", name=HOSTILE_NAME, exact=True, include_hidden=True)).to_have_count(1)
    # On the map: the marker's popup names the asset, as text.
    popup = _open_popup_of(frame, HOSTILE_NAME)
    expect(popup.locator(".cswb-card-title")).to_have_text(HOSTILE_NAME)
    expect(popup).to_contain_text(HOSTILE_NAME + " street")
    expect(popup.locator("img")).to_have_count(0)
    # Filtering by the hostile risk leaves exactly its one asset.
    risk_filter.select_option(value=f"{HOSTILE_NAME} (priority)")
    page.locator(".cswb-map-filter").filter(
        has_text=f"1 of {total:,} assets, filtered by risk: {HOSTILE_NAME} (priority)."
    ).wait_for(timeout=30_000)
    _assets_loaded(page, 1, 30_000)
    _no_injected_image(page)
    assert not guard.dialogs


# -- the asset map --------------------------------------------------------------------------------------


def test_assets_app_passes_axe_and_its_map_opens_on_the_whole_community(server, page, guard, maple: Path) -> None:
    _open(page, server, "assets", MAPLE, step="asset_map")
    frame = _assets_loaded(page, _mapped(maple)[1])
    wait_for_app(page, LOAD_MS)
    violations = axe(page)
    assert not violations, describe_violations(violations)
    # area_map fits the view to the areas; in the app the map must open showing all of them.
    # (A frame not laid out yet has no size; the map fits itself again once it has one: wait for that.
    # Chromium lays out and runs ResizeObserver in a frame only once it is on screen, as a visitor scrolls to it.)
    frame.frame_element().scroll_into_view_if_needed()
    bounds = _community_bounds(maple)
    wait_until(page, lambda: frame.evaluate(_VIEW_HOLDS, bounds)["holds"],
               "the asset map shows the whole community", LOAD_MS)
    assert guard.requests, "the guard saw the page's requests"


def test_a_5000_asset_map_is_clustered_local_and_stays_responsive(server, page, guard, city: Path) -> None:
    started = time.monotonic()
    _open(page, server, "assets", CITY, step="asset_map")
    total, mapped = _mapped(city)
    assert total == CITY_ASSETS + 1
    caption = page.locator(".cswb-map-filter")
    caption.filter(has_text=f"All {total:,} assets (no filter chosen).").wait_for(timeout=LOAD_MS)
    frame = _assets_loaded(page, mapped)
    # The whole city in view (whatever view the map opened on; see the test above): clusters, not 5,000 markers.
    # (On screen, as a visitor sees it: Chromium throttles animation frames in frames out of view.)
    page.locator(f'iframe[title="{MAP_TITLE}"]').scroll_into_view_if_needed()
    frame.evaluate(_FIT, _community_bounds(city))
    frame.locator(".marker-cluster").first.wait_for(state="visible", timeout=30_000)
    try:  # markercluster fades the previous view's markers out: wait for the new view to settle
        # (polling on a timer, not on animation frames)
        frame.wait_for_function(_IN_VIEW + " === want", arg=mapped, timeout=15_000, polling=250)
    finally:
        clusters = frame.locator(".marker-cluster").count()
        single = frame.locator(".leaflet-marker-icon.cswb-asset").count()
        in_view = frame.evaluate(_IN_VIEW)
    assert in_view == mapped, f"{in_view} assets in clusters or markers in view, of {mapped} mapped"
    assert clusters > 0 and clusters + single < 500, f"{clusters} clusters and {single} markers in the DOM"

    # The hostile asset's popup shows its name as text.
    popup = _open_popup_of(frame, HOSTILE_NAME)
    expect(popup.locator(".cswb-card-title")).to_have_text(HOSTILE_NAME)
    expect(popup.locator("img")).to_have_count(0)

    # Still usable once every section is built: a filter redraws the caption and the map (times printed).
    wait_for_app(page, LOAD_MS)
    print(f"\n5,000-asset app: every section built {time.monotonic() - started:.1f} s after the page was asked for")
    catalogue = load_catalogue()
    with Workspace.open(city) as ws:
        sector = ws.table("assets")["sector"].value_counts().index[3]
    sector_name = catalogue.name_of("sectors", sector)
    matched, matched_mapped = _mapped(city, sector=sector)
    assert 0 < matched < total
    started = time.monotonic()
    # the map's filter (the inventory list has a Sector filter of its own)
    page.locator(".widget-dropdown").get_by_label("Sector", exact=True).select_option(value=sector_name)
    caption.filter(has_text=f"{matched:,} of {total:,} assets, filtered by sector: {sector_name}.").wait_for(
        timeout=30_000
    )
    captioned = time.monotonic() - started
    _assets_loaded(page, matched_mapped, 60_000)
    redrawn = time.monotonic() - started
    print(f"sector filter: caption after {captioned:.1f} s, map redrawn after {redrawn:.1f} s")

    _no_injected_image(page)
    assert guard.requests and not guard.problems(), guard.problems()
