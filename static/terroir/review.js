// Coordinators' pages on pairs of records: a small map of both positions per pair, and "tick all".
// Strict CSP: no inline script; each map reads its points from the data attributes of its element.
(function () {
  "use strict";
  if (typeof L !== "undefined") {
    document.querySelectorAll(".pair-map").forEach(function (el) {
      var points = JSON.parse(el.dataset.points || "[]");
      if (!points.length) return;
      var map = L.map(el, { scrollWheelZoom: false, attributionControl: Boolean(el.dataset.tiles) });
      if (el.dataset.tiles) {
        L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
      }
      var latlngs = points.map(function (p) {
        var label = document.createElement("span");
        label.textContent = String(p.n);
        L.marker([p.lat, p.lon], {
          icon: L.divIcon({ className: "pair-marker pair-marker-" + p.n, html: label, iconSize: [26, 26] }),
          title: p.n + " · " + p.name, alt: p.n + " · " + p.name, keyboard: false,
        }).addTo(map);
        return [p.lat, p.lon];
      });
      if (latlngs.length > 1) {
        L.polyline(latlngs, { color: "#8a1c1c", weight: 2, dashArray: "4 4" }).addTo(map);
        map.fitBounds(L.latLngBounds(latlngs), { padding: [30, 30], maxZoom: 16 });
      } else {
        map.setView(latlngs[0], 14);
      }
    });
  }
  var all = document.getElementById("tick-all");
  if (all) {
    all.closest("label").hidden = false;
    all.addEventListener("change", function () {
      document.querySelectorAll("input.tick").forEach(function (box) { box.checked = all.checked; });
    });
  }
})();
