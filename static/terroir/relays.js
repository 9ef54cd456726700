// A relay siting study, drawn once it is done (job.js follows it until then): the scenario shown: candidate sites (open or
// not), farms, customers, and the goods' ways (farm → platform, platform → customer, direct). Names come
// from the coordinators' data: they reach the page as text nodes, never as HTML.
(function () {
  "use strict";
  if (document.getElementById("job")) return;  // job.js follows the run; the page reloads when it is done
  var el = document.getElementById("relay-map");
  var data = document.getElementById("relay-data");
  if (!el || !data || typeof L === "undefined") return;
  var drawn = JSON.parse(data.textContent);
  var text = function (value) {
    var span = document.createElement("span");
    span.textContent = value;
    return span;
  };
  var LETTERS = { open: "P", closed: "P", farm: "F", customer: "C" };
  var STYLES = {
    trunk: { color: "#762a83", weight: 4, opacity: 0.8 },
    last_mile: { color: "#1b7837", weight: 3, opacity: 0.8 },
    direct: { color: "#b2182b", weight: 2, opacity: 0.7, dashArray: "6 6" }
  };
  var map = L.map(el);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
  }
  var bounds = [];
  drawn.lines.forEach(function (line) {
    L.polyline(line.points, STYLES[line.kind]).bindTooltip(text(line.title)).addTo(map);
  });
  // A marker is a button in the tab order; its title says what it is, so the shape is never the only clue.
  drawn.marks.forEach(function (mark) {
    var face = document.createElement("span");
    face.textContent = LETTERS[mark.kind];
    var icon = L.divIcon({ className: "relay-marker " + mark.kind, html: face, iconSize: [22, 22], iconAnchor: [11, 11] });
    L.marker([mark.lat, mark.lon], { icon: icon, title: mark.title, keyboard: true,
      zIndexOffset: mark.kind === "open" ? 1000 : 0 }).bindPopup(text(mark.title)).addTo(map);
    bounds.push([mark.lat, mark.lon]);
  });
  if (bounds.length) map.fitBounds(bounds, { padding: [24, 24] });
  else map.setView([46.5, 2.5], 6);
  el.dataset.drawn = String(drawn.lines.length);
})();
