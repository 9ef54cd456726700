/* Terroir map: the server filters by bounding box and clusters; the browser only draws what it gets. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || typeof L === "undefined") { return; }
  var status = document.getElementById("map-status");

  function baseLayer(map, config) {
    if (config.tileUrl) {
      // Without network the tiles fail quietly and the markers still show on a plain background.
      L.tileLayer(config.tileUrl, { maxZoom: 19, attribution: config.attribution || "" }).addTo(map);
    }
  }

  if (el.dataset.point) {
    // A single place or producer page: one marker, no search.
    var parts = el.dataset.point.split(",").map(Number);
    var single = L.map(el, { scrollWheelZoom: false }).setView(parts, 13);
    baseLayer(single, { tileUrl: el.dataset.tiles, attribution: el.dataset.attribution });
    L.marker(parts, { title: el.dataset.name, alt: el.dataset.name }).addTo(single);
    return;
  }

  var config = JSON.parse(el.dataset.config);
  var map = L.map(el, { zoomControl: true }).setView(config.center, config.zoom);
  baseLayer(map, config);
  var layer = L.layerGroup().addTo(map);
  var producerLayer = L.layerGroup().addTo(map);
  var producerStatus = document.getElementById("map-producers");
  var controller = null;
  var embedded = el.dataset.embedded === "1";

  function text(key, n) {
    return String((config.text || {})[key] || key).replace("%(n)s", String(n));
  }

  function clusterIcon(count) {
    var size = count < 10 ? 30 : count < 100 ? 38 : count < 1000 ? 46 : 54;
    var label = document.createElement("span");
    label.textContent = String(count);
    return L.divIcon({
      className: "cluster",
      html: label,
      iconSize: [size, size],
    });
  }

  function placeLink(p) {
    var a = document.createElement("a");
    a.href = "/places/" + p.id + "/";
    a.textContent = p.name;
    if (embedded) { a.target = "_blank"; a.rel = "noopener"; }
    return a;
  }

  function placePopup(p) {
    // The link, then today's hours and the open-now line when the place has hours (text, never HTML).
    var box = document.createElement("div");
    box.appendChild(placeLink(p));
    [p.hours_today, p.hours_status].forEach(function (line) {
      if (!line) return;
      var small = document.createElement("small");
      small.className = "popup-hours";
      small.textContent = line;
      box.appendChild(document.createElement("br"));
      box.appendChild(small);
    });
    return box;
  }

  function producerIcon() {
    // A square badge, not a pin: a producer without a place of sale is not somewhere to go and buy.
    var badge = document.createElement("span");
    badge.className = "producer-badge";
    badge.setAttribute("aria-hidden", "true");
    return L.divIcon({ className: "producer-marker", html: badge, iconSize: [22, 22] });
  }

  function producerPopup(p) {
    var box = document.createElement("div");
    var a = document.createElement("a");
    a.href = "/producers/" + p.id + "/";
    a.textContent = p.name;
    if (embedded) { a.target = "_blank"; a.rel = "noopener"; }
    box.appendChild(a);
    var note = document.createElement("p");
    note.className = "producer-note";
    note.textContent = text("producer", 0) + (p.commune ? " · " + p.commune : "");
    box.appendChild(note);
    if (p.approximate) {
      var approx = document.createElement("p");
      approx.className = "producer-note";
      approx.textContent = text("approximate", 0);
      box.appendChild(approx);
    }
    return box;
  }

  function drawProducers(data) {
    producerLayer.clearLayers();
    var producers = data.producers || [];
    producers.forEach(function (p) {
      var title = p.name + " — " + text("producer", 0);
      var m = L.marker([p.lat, p.lon], { icon: producerIcon(), title: title, alt: title, keyboard: true });
      m.bindPopup(producerPopup(p));
      producerLayer.addLayer(m);
    });
    el.dataset.producers = String(producers.length);
    if (!producerStatus) { return; }
    if (data.producers_shown) {
      producerStatus.textContent = producers.length ? text("producers", producers.length) : "";
    } else {
      producerStatus.textContent = text("producersZoom", 0);
    }
  }

  function draw(data) {
    drawProducers(data);
    layer.clearLayers();
    data.clusters.forEach(function (c) {
      var m = L.marker([c.lat, c.lon], {
        icon: clusterIcon(c.count), title: text("cluster", c.count), alt: text("cluster", c.count), keyboard: true,
      });
      m.on("click keypress", function () {
        map.fitBounds([[c.south, c.west], [c.north, c.east]]);
      });
      layer.addLayer(m);
    });
    data.places.forEach(function (p) {
      var m = L.marker([p.lat, p.lon], { title: p.name, alt: p.name, keyboard: true });
      m.bindPopup(placePopup(p));
      layer.addLayer(m);
    });
    el.dataset.places = String(data.places.length);
    el.dataset.clusters = String(data.clusters.length);
    if (status) {
      status.textContent = data.clusters.length
        ? text("clustered", data.total)
        : text("places", data.places.length);
    }
  }

  function refresh() {
    var b = map.getBounds();
    var west = Math.max(-180, b.getWest()), east = Math.min(180, b.getEast());
    var south = Math.max(-90, b.getSouth()), north = Math.min(90, b.getNorth());
    var params = new URLSearchParams(config.filters || {});
    params.set("bbox", [west, south, east, north].map(function (v) { return v.toFixed(5); }).join(","));
    params.set("zoom", String(map.getZoom()));
    if (controller) { controller.abort(); }
    controller = new AbortController();
    el.dataset.loading = "1";
    fetch(config.mapUrl + "?" + params.toString(), { signal: controller.signal, headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        el.dataset.loading = "0";
        if (!res.ok) {
          if (status) { status.textContent = res.body.error ? res.body.error.message : text("error", 0); }
          return;
        }
        draw(res.body);
      })
      .catch(function (err) { if (err.name !== "AbortError") { el.dataset.loading = "0"; } });
  }

  map.on("moveend", refresh);
  refresh();
})();
