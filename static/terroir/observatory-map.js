/* The territory's access map: each commune a circle whose area grows with its population, coloured by
   the distance from its centre to the nearest place of the kind chosen (the legend's classes; the table
   below the map says the same). The data is the page's JSON script, never HTML. */
(function () {
  "use strict";
  var el = document.getElementById("access-map");
  var data = document.getElementById("access-map-data");
  if (!el || !data || typeof L === "undefined") { return; }
  var rows = JSON.parse(data.textContent);
  var select = document.getElementById("map-kind");
  // Same colours as .access-class-N in site.css; the class says it without the colour (title, popup).
  var COLOURS = ["#1a7f3c", "#8cc665", "#f2c14e", "#c8402b", "#9a9a9a"];
  var LIMITS = [5, 10, 20];
  var legend = Array.prototype.map.call(document.querySelectorAll("#access-legend li"), function (li) {
    return li.textContent.trim();
  });
  function classOf(km) {
    if (km === null || km === undefined) { return 4; }
    for (var i = 0; i < LIMITS.length; i++) { if (km <= LIMITS[i]) { return i; } }
    return 3;
  }
  var map = L.map(el, { scrollWheelZoom: false });
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
  }
  var biggest = rows.reduce(function (m, r) { return Math.max(m, r.population || 0); }, 1);
  var circles = rows.map(function (r) {
    // Area proportional to population: the radius grows with its square root, 3 to 28 pixels.
    var radius = 3 + 25 * Math.sqrt((r.population || 0) / biggest);
    var circle = L.circleMarker([r.lat, r.lon], { radius: radius, weight: 1, color: "#333", fillOpacity: 0.75 });
    circle.addTo(map);
    return { row: r, circle: circle };
  });
  function paint() {
    var kind = select ? select.value : "any";
    circles.forEach(function (c) {
      var km = c.row.km[kind];
      var cls = classOf(km);
      c.circle.setStyle({ fillColor: COLOURS[cls] });
      var words = c.row.name + " (" + c.row.code + "): " + (km === null ? legend[4] :
        km.toLocaleString(document.documentElement.lang || "fr", { maximumFractionDigits: 1 }) + " km — " + legend[cls]);
      var text = document.createElement("span");
      text.textContent = words;
      c.circle.unbindTooltip().bindTooltip(text);
    });
    el.dataset.kind = kind;
  }
  if (rows.length) {
    var bounds = L.latLngBounds(rows.map(function (r) { return [r.lat, r.lon]; }));
    map.fitBounds(bounds, { padding: [20, 20], maxZoom: 12 });
  } else {
    map.setView([46.6, 2.4], 5);
  }
  paint();
  if (select) { select.addEventListener("change", paint); }
  el.dataset.drawn = "1";
})();
