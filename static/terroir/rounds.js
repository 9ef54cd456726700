// The planned rounds, drawn on the map once the run is done (job.js follows it until then): each round in its colour.
// Names come from the coordinators' data: they reach the page as text nodes, never as HTML (Leaflet
// writes a string tooltip with innerHTML, so it gets an element).
(function () {
  "use strict";
  if (document.getElementById("job")) return;  // job.js follows the run; the page reloads when it is done
  var text = function (value) {
    var span = document.createElement("span");
    span.textContent = value;
    return span;
  };
  // The colour swatches of the legends and the lists: set through the CSSOM, as the policy refuses
  // style attributes.
  document.querySelectorAll(".swatch[data-colour]").forEach(function (swatch) {
    swatch.style.backgroundColor = swatch.dataset.colour;
  });
  document.querySelectorAll(".swatch-bg[data-colour]").forEach(function (mark) {
    mark.style.backgroundColor = mark.dataset.colour;
  });
  if (typeof L === "undefined") return;
  // A marker is a button that keyboard users reach with Tab; its title names the round, so the colour is
  // never the only clue; Enter opens the same words in a popup.
  var marker = function (lat, lon, className, label, colour, title) {
    var face = document.createElement("span");
    face.textContent = label;
    if (colour) face.style.backgroundColor = colour;
    var icon = L.divIcon({ className: className, html: face, iconSize: [24, 24], iconAnchor: [12, 12] });
    return L.marker([lat, lon], { icon: icon, title: title, keyboard: true }).bindPopup(text(title));
  };
  // The depots and every round of `drawn` on a map in `el`; `show(day)` draws one day's rounds ("" every
  // day) and fits the map to them.
  var draw = function (el, drawn) {
    var map = L.map(el);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
    }
    var depots = L.layerGroup().addTo(map);
    var depotPoints = [];
    drawn.depots.forEach(function (depot) {
      marker(depot.lat, depot.lon, "depot-marker", "D", null, depot.title).addTo(depots);
      depotPoints.push([depot.lat, depot.lon]);
    });
    var layers = drawn.rounds.map(function (round) {
      var group = L.layerGroup();
      if (round.points.length) {
        L.polyline(round.points, { color: round.colour, weight: 4, opacity: 0.8 }).bindTooltip(text(round.label)).addTo(group);
      }
      round.stops.forEach(function (stop) {
        marker(stop.lat, stop.lon, "stop-marker", String(stop.n), round.colour, stop.title).addTo(group);
      });
      return { round: round, group: group };
    });
    var bounds = [];
    var show = function (day) {
      bounds = depotPoints.slice();
      var shown = 0;
      layers.forEach(function (layer) {
        var visible = day === "" || String(layer.round.day) === day;
        if (visible) {
          layer.group.addTo(map);
          bounds = bounds.concat(layer.round.points);
          shown += 1;
        } else {
          map.removeLayer(layer.group);
        }
      });
      if (bounds.length) map.fitBounds(bounds, { padding: [24, 24] });
      else map.setView([46.5, 2.5], 6);
      el.dataset.shown = String(shown);
    };
    // Printing lays the page out anew (an A4 width): the map takes its new size and fits its round again.
    var refit = function () {
      map.invalidateSize(false);
      if (bounds.length) map.fitBounds(bounds, { padding: [24, 24], animate: false });
    };
    return { show: show, refit: refit };
  };

  var el = document.getElementById("rounds-map");
  var data = document.getElementById("rounds-data");
  if (el && data) {
    var drawnRun = JSON.parse(data.textContent);
    var runMap = draw(el, drawnRun);
    var show = function (day) {
      runMap.show(day);
      document.querySelectorAll("details.round[data-day]").forEach(function (details) {
        details.hidden = !(day === "" || details.dataset.day === day);
      });
    };
    var filter = document.getElementById("day-filter");
    if (filter) {
      filter.hidden = false;
      filter.addEventListener("change", function (event) {
        if (event.target.name === "day") show(event.target.value);
      });
    }
    show("");
    el.dataset.rounds = String(drawnRun.rounds.length);
  }

  // The route sheets: one map per sheet, its round alone.
  var sheetMaps = [];
  document.querySelectorAll(".sheet-map[data-source]").forEach(function (box) {
    var source = document.getElementById(box.dataset.source);
    if (!source) return;
    var drawnSheet = JSON.parse(source.textContent);
    var sheetMap = draw(box, drawnSheet);
    sheetMap.show("");
    sheetMaps.push(sheetMap);
    box.dataset.rounds = String(drawnSheet.rounds.length);
  });
  if (sheetMaps.length) {
    window.addEventListener("beforeprint", function () { sheetMaps.forEach(function (m) { m.refit(); }); });
    window.addEventListener("afterprint", function () { sheetMaps.forEach(function (m) { m.refit(); }); });
  }
})();
