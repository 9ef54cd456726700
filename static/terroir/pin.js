/* A position edited by dragging a pin: the map's data-lat / data-lon name the inputs it keeps up to date. */
(function () {
  "use strict";
  var el = document.getElementById("pin-map");
  if (!el || typeof L === "undefined") { return; }
  var lat = document.getElementById(el.dataset.lat);
  var lon = document.getElementById(el.dataset.lon);
  var pinned = el.dataset.pinned ? document.getElementById(el.dataset.pinned) : null;
  if (!lat || !lon) { return; }
  var start = [parseFloat(lat.value), parseFloat(lon.value)];
  var known = isFinite(start[0]) && isFinite(start[1]);
  // Without a position yet: France, until the person clicks where the place is.
  var map = L.map(el, { scrollWheelZoom: false }).setView(known ? start : [46.6, 2.4], known ? 15 : 5);
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
  }
  var pin = L.marker(known ? start : map.getCenter(), { draggable: true, title: el.dataset.title, alt: el.dataset.title });
  if (known) { pin.addTo(map); }

  function keep(point) {
    lat.value = point.lat.toFixed(6);
    lon.value = point.lng.toFixed(6);
    if (pinned) { pinned.value = "True"; }  // the server keeps this point instead of geocoding the address
  }
  pin.on("dragend", function () { keep(pin.getLatLng()); });
  map.on("click", function (event) {
    pin.setLatLng(event.latlng);
    if (!map.hasLayer(pin)) { pin.addTo(map); }
    keep(event.latlng);
  });
})();
