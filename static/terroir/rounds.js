// The planned rounds: follows a run until it ends, then draws each round on the map in its colour.
// Names come from the coordinators' data: they reach the page as text nodes, never as HTML (Leaflet
// writes a string tooltip with innerHTML, so it gets an element).
(function () {
  "use strict";
  var job = document.getElementById("job");
  if (job) {
    var bar = document.getElementById("job-bar");
    var message = document.getElementById("job-message");
    var planning = message.textContent;
    var poll = function () {
      fetch(job.dataset.url, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (state) {
          bar.value = state.fraction || 0;
          if (state.status === "done") { window.location.reload(); return; }
          if (state.status === "failed") {
            message.textContent = job.dataset.failed + " " + (state.error || "");
            message.classList.add("error");
            return;
          }
          // A run waits in the queue until a worker takes it: say so rather than show a bar that does not move.
          message.textContent = state.status === "queued" ? job.dataset.queued : planning;
          setTimeout(poll, 500);
        })
        .catch(function () { setTimeout(poll, 2000); });
    };
    poll();
    return;
  }
  var el = document.getElementById("rounds-map");
  var data = document.getElementById("rounds-data");
  if (!el || !data || typeof L === "undefined") return;
  var rounds = JSON.parse(data.textContent);
  // The colour swatches of the list below: set through the CSSOM, as the policy refuses style attributes.
  document.querySelectorAll(".swatch[data-colour]").forEach(function (swatch) {
    swatch.style.backgroundColor = swatch.dataset.colour;
  });
  var map = L.map(el);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
  }
  var bounds = [];
  rounds.forEach(function (round) {
    if (!round.points.length) return;
    var label = document.createElement("span");
    label.textContent = round.label;
    L.polyline(round.points, { color: round.colour, weight: 4, opacity: 0.8 }).bindTooltip(label).addTo(map);
    round.points.forEach(function (point) {
      L.circleMarker(point, { radius: 4, color: round.colour, fillOpacity: 0.9 }).addTo(map);
      bounds.push(point);
    });
  });
  if (bounds.length) map.fitBounds(bounds, { padding: [20, 20] });
  else map.setView([46.5, 2.5], 6);
  el.dataset.rounds = String(rounds.length);
})();
