"""Leaflet for a map page that works with the network cut: the libraries inlined, plus our
own small script and styles.

folium's page would load Leaflet, jQuery, Bootstrap, Font Awesome and awesome-markers from CDNs.
:func:`offline_libraries` instead inlines Leaflet (and Leaflet.markercluster for clustered
assets) from the installed xstatic packages, their few CSS images as ``data:`` URIs, together
with the page's support script (``cswb.addAreas``, ``addAssets``, ``addLegend``, ``describe``)
and styles. Nothing else is needed: markers are CSS circles, not image icons. The result is
read from disk once per process.

The support script takes every piece of data as JSON and turns user text into text nodes
(``textContent``), never markup.
"""

from __future__ import annotations

import base64
import functools
import re
from pathlib import Path

from ..figures import TEXT_COLOUR
from .data import ASSET_COLOUR, PARTNER_ASSET_COLOUR

__all__ = ["offline_libraries"]

MAP_BACKGROUND = "#f5f3ef"

_SUPPORT_CSS = f"""
.leaflet-container {{
  background: {MAP_BACKGROUND};
  font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: {TEXT_COLOUR};
}}
.cswb-asset {{
  background: {ASSET_COLOUR};
  border: 2px solid #ffffff;
  border-radius: 50%;
  box-shadow: 0 0 0 1px {TEXT_COLOUR};
  box-sizing: border-box;
}}
.cswb-asset-partner {{ background: {PARTNER_ASSET_COLOUR}; border-radius: 2px; }}
.cswb-asset:focus-visible, .marker-cluster:focus-visible {{
  outline: 3px solid {TEXT_COLOUR};
  outline-offset: 2px;
}}
.marker-cluster-small, .marker-cluster-medium, .marker-cluster-large {{
  background-color: rgba(255, 255, 255, 0.55);
}}
.marker-cluster-small div, .marker-cluster-medium div, .marker-cluster-large div {{
  background-color: #ffffff;
  color: {TEXT_COLOUR};
  font-weight: 600;
  box-shadow: inset 0 0 0 2px {ASSET_COLOUR};
}}
.marker-cluster-medium div {{ box-shadow: inset 0 0 0 3px {ASSET_COLOUR}; }}
.marker-cluster-large div {{ box-shadow: inset 0 0 0 4px {ASSET_COLOUR}; }}
.cswb-legend {{
  background: rgba(255, 255, 255, 0.94);
  padding: 6px 8px;
  border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0, 0, 0, 0.3);
  max-width: 240px;
}}
.cswb-legend-title {{ font-weight: 600; margin-bottom: 4px; }}
.cswb-legend-row {{ display: flex; align-items: center; gap: 6px; margin: 2px 0; }}
.cswb-legend-swatch {{
  display: inline-block;
  width: 16px;
  height: 12px;
  border: 1px solid #595959;
  flex: none;
}}
.cswb-legend-marker {{ display: inline-block; width: 12px; height: 12px; flex: none; }}
.cswb-card-title {{ display: block; font-size: 14px; margin-bottom: 4px; }}
.cswb-card dl {{ margin: 0; }}
.cswb-card dt {{ font-weight: 600; }}
.cswb-card dd {{ margin: 0 0 4px 0; }}
.cswb-visually-hidden {{
  position: absolute;
  width: 1px;
  height: 1px;
  margin: -1px;
  padding: 0;
  overflow: hidden;
  clip: rect(0 0 0 0);
  white-space: nowrap;
  border: 0;
}}
"""

# Everything data-dependent arrives as JSON; user text only ever becomes a text node.
_SUPPORT_JS = """
var cswb = (function () {
  "use strict";
  function textElement(tag, text, className) {
    var element = document.createElement(tag);
    element.textContent = text;
    if (className) { element.className = className; }
    return element;
  }
  function assetCard(data, index) {
    var asset = data.assets[index];
    var card = document.createElement("div");
    card.className = "cswb-card";
    card.appendChild(textElement("strong", asset[2], "cswb-card-title"));
    var fields = document.createElement("dl");
    function field(label, value) {
      if (value === undefined || value === null || value === "") { return; }
      fields.appendChild(textElement("dt", label));
      fields.appendChild(textElement("dd", value));
    }
    field("Organization", data.organizations[asset[3]]);
    field("Planning areas", asset[4].map(function (i) { return data.planningAreas[i]; }).join(", "));
    field("Sector", data.sectors[asset[5]]);
    field("Address", asset[6]);
    field("Partner community", data.communities[asset[7]]);
    card.appendChild(fields);
    return card;
  }
  function addAreas(map, collection) {
    return L.geoJSON(collection, {
      style: function (feature) { return feature.properties.style; },
      onEachFeature: function (feature, layer) {
        var label = feature.properties.label;
        if (label) { layer.bindTooltip(textElement("span", label), { sticky: true }); }
      }
    }).addTo(map);
  }
  function addAssets(map, data, clustered) {
    var container = map.getContainer();
    var icons = [
      L.divIcon({ className: "cswb-asset", iconSize: [14, 14] }),
      L.divIcon({ className: "cswb-asset cswb-asset-partner", iconSize: [14, 14] })
    ];
    function loaded() { container.setAttribute("data-assets-loaded", String(data.assets.length)); }
    var group = clustered
      ? L.markerClusterGroup({
          chunkedLoading: true,
          showCoverageOnHover: false,
          chunkProgress: function (done, total) { if (done === total) { loaded(); } }
        })
      : L.featureGroup();
    var markers = data.assets.map(function (asset, index) {
      return L.marker([asset[0], asset[1]], { icon: icons[asset[8]], title: asset[2], assetIndex: index });
    });
    var popup = L.popup({ maxWidth: 320 });
    function openCard(event) {
      var index = event.layer && event.layer.options.assetIndex;
      if (index === undefined) { return; }
      popup.setLatLng(event.layer.getLatLng()).setContent(assetCard(data, index)).openOn(map);
    }
    group.on("click", openCard);
    // Enter on a focused marker, as Leaflet does for popups bound to one marker
    group.on("keypress", function (event) { if (event.originalEvent.keyCode === 13) { openCard(event); } });
    group.addTo(map);
    if (clustered) {
      group.addLayers(markers);
    } else {
      markers.forEach(function (marker) { group.addLayer(marker); });
      loaded();
    }
    return group;
  }
  function addLegend(map, legendHtml) {
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var box = L.DomUtil.create("div", "cswb-legend");
      box.innerHTML = legendHtml;  // built and escaped in Python
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    return legend.addTo(map);
  }
  function describe(map, label, descriptionId) {
    var container = map.getContainer();
    container.setAttribute("role", "region");
    container.setAttribute("aria-label", label);
    container.setAttribute("aria-describedby", descriptionId);
  }
  return { addAreas: addAreas, addAssets: addAssets, addLegend: addLegend, describe: describe };
})();
"""


@functools.cache
def offline_libraries(*, clustered: bool) -> str:
    """Leaflet (and markercluster) inlined from the installed xstatic packages."""
    import xstatic.pkg.leaflet_markercluster as markercluster
    from xstatic.pkg import leaflet

    leaflet_dir, cluster_dir = Path(leaflet.BASE_DIR), Path(markercluster.BASE_DIR)
    styles = [_css_with_inline_images(leaflet_dir / "leaflet.css", leaflet_dir)]
    scripts = [_script_text(leaflet_dir / "leaflet.js")]
    if clustered:
        styles += [
            _css_with_inline_images(cluster_dir / "MarkerCluster.css", cluster_dir),
            _css_with_inline_images(cluster_dir / "MarkerCluster.Default.css", cluster_dir),
        ]
        scripts.append(_script_text(cluster_dir / "leaflet.markercluster.js"))
    styles.append(_SUPPORT_CSS)
    scripts.append(_SUPPORT_JS)
    return "".join(f"<style>\n{s}\n</style>\n" for s in styles) + "".join(
        f"<script>\n{s}\n</script>\n" for s in scripts
    )


_CSS_URL = re.compile(r"url\((?!#)['\"]?([^)'\"]+)['\"]?\)")


def _css_with_inline_images(path: Path, base: Path) -> str:
    # A relative url() would resolve against the page (or the app's URL in an iframe srcdoc).
    def inline(match: re.Match[str]) -> str:
        image = base / match.group(1)
        encoded = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{encoded})"

    return _CSS_URL.sub(inline, path.read_text(encoding="utf-8"))


def _script_text(path: Path) -> str:
    code = path.read_text(encoding="utf-8")
    # The source map comment would make open developer tools fetch a file that is not there.
    code = re.sub(r"^//# sourceMappingURL=.*$", "", code, flags=re.MULTILINE)
    if re.search(r"</script|<!--", code, flags=re.IGNORECASE):
        raise RuntimeError(f"{path} cannot be inlined safely in a <script> element")
    return code
