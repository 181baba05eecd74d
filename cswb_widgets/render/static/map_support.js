// Our code of the offline map page (render/maps/offline.py): areas, assets, legend and the text
// description. Everything data-dependent arrives as JSON; user text only ever becomes a text node.
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
