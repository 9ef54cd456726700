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
  var map = L.map(el, { zoomControl: true });
  // The map follows the search: the circle asked (and its centre), else the box of the results, else
  // the territory. The map asks the same search, so that it counts what the list counts.
  var searchArea = null;
  if (config.circle) {
    map.setView([config.circle.lat, config.circle.lon], config.zoom);
    var centre = [config.circle.lat, config.circle.lon];
    searchArea = L.circle(centre, {
      radius: config.circle.radiusKm * 1000, color: "#1f6b3a", weight: 2, fill: true, fillOpacity: 0.04,
      interactive: false, className: "search-circle",
    }).addTo(map);
    L.circleMarker(centre, {
      radius: 6, color: "#fff", weight: 2, fillColor: "#1f6b3a", fillOpacity: 1, interactive: false,
      className: "search-centre",
    }).addTo(map);
    el.dataset.circleKm = String(config.circle.radiusKm);
    el.setAttribute("aria-label", el.getAttribute("aria-label") + " — " + config.circle.label + ", " +
      text("radius", Math.round(config.circle.radiusKm)));
  }

  function fit() {
    if (!el.offsetWidth) {
      // Hidden (a phone showing the list): no size to fit yet, fitted when shown.
      map.setView(config.circle ? [config.circle.lat, config.circle.lon] : config.center, config.zoom);
      return;
    }
    if (searchArea) {
      // The circle's own bounds need a drawn map: its box from the centre instead.
      map.fitBounds(L.latLng(config.circle.lat, config.circle.lon).toBounds(config.circle.radiusKm * 2000), { padding: [8, 8] });
    } else if (config.bounds) {
      var b0 = config.bounds;
      if (b0[0][0] === b0[1][0] && b0[0][1] === b0[1][1]) {
        map.setView(b0[0], 13);
      } else {
        map.fitBounds(b0, { padding: [24, 24], maxZoom: 14 });
      }
    } else {
      map.setView(config.center, config.zoom);
    }
  }
  fit();
  baseLayer(map, config);
  var layer = L.layerGroup().addTo(map);
  var producerLayer = L.layerGroup().addTo(map);
  var producerStatus = document.getElementById("map-producers");
  var controller = null;
  var embedded = el.dataset.embedded === "1";

  function text(key, n) {
    // One of a count has its own sentence (the server's ngettext): "1 lieu", not "1 lieux".
    var texts = config.text || {};
    var chosen = n === 1 && texts[key + "One"] ? texts[key + "One"] : texts[key];
    return String(chosen || key).replace("%(n)s", String(n));
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

  function kindName(kind) {
    return (config.kinds || {})[kind] || kind;
  }

  function line(className, value) {
    var p = document.createElement("p");
    p.className = className;
    p.textContent = value;
    return p;
  }

  function placePopup(p) {
    // Built from text nodes only: a place's name never becomes HTML.
    var box = document.createElement("div");
    box.className = "place-popup";
    var title = document.createElement("p");
    title.className = "popup-title";
    var strong = document.createElement("strong");
    strong.textContent = p.name;
    title.appendChild(strong);
    box.appendChild(title);
    var kind = kindName(p.kind);
    box.appendChild(line("popup-kind", kind.charAt(0).toUpperCase() + kind.slice(1) + (p.commune ? " · " + p.commune : "")));
    if (p.hours_today) { box.appendChild(line("popup-hours", p.hours_today)); }
    if (p.hours_status) { box.appendChild(line("popup-hours hours-status", p.hours_status)); }
    var a = document.createElement("a");
    a.href = "/places/" + p.id + "/";
    a.textContent = text("details", 0);
    if (embedded) { a.target = "_blank"; a.rel = "noopener"; }
    box.appendChild(a);
    return box;
  }

  function placeIcon(kind) {
    // Shape and colour per kind (site.css .mk-*), the legend's; the marker's title says the kind too.
    var mark = document.createElement("span");
    mark.className = "mk mk-" + kind;
    mark.setAttribute("aria-hidden", "true");
    return L.divIcon({ className: "place-marker", html: mark, iconSize: [22, 22] });
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
    var producers = data.producers || [];
    keep(producerLayer, producerMarkers, producers, function (p) {
      var title = p.name + " — " + text("producer", 0);
      var m = L.marker([p.lat, p.lon], { icon: producerIcon(), title: title, alt: title, keyboard: true });
      m.bindPopup(producerPopup(p));
      return m;
    });
    el.dataset.producers = String(producers.length);
    if (!producerStatus) { return; }
    if (data.producers_shown) {
      producerStatus.textContent = producers.length ? text("producers", producers.length) : "";
    } else {
      producerStatus.textContent = text("producersZoom", 0);
    }
  }

  // Markers of the places still in view are kept as they are, not drawn again: moving the map (an open
  // popup pans it) asks the server again, and a marker drawn anew would close its popup and lose the
  // keyboard's focus.
  var placeLayer = L.layerGroup().addTo(map);
  var placeMarkers = {};
  var producerMarkers = {};

  function keep(group, markers, items, make) {
    var wanted = {};
    items.forEach(function (item) {
      var key = String(item.id);
      var same = JSON.stringify(item);
      wanted[key] = true;
      var old = markers[key];
      if (old && old.same === same) { return; }
      if (old) { group.removeLayer(old.marker); }
      var marker = make(item);
      markers[key] = { marker: marker, same: same };
      group.addLayer(marker);
    });
    Object.keys(markers).forEach(function (key) {
      if (!wanted[key]) {
        group.removeLayer(markers[key].marker);
        delete markers[key];
      }
    });
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
    keep(placeLayer, placeMarkers, data.places, function (p) {
      var title = p.name + " — " + kindName(p.kind);
      var m = L.marker([p.lat, p.lon], { icon: placeIcon(p.kind), title: title, alt: title, keyboard: true });
      m.bindPopup(placePopup(p));
      return m;
    });
    el.dataset.places = String(data.places.length);
    el.dataset.clusters = String(data.clusters.length);
    el.dataset.total = String(data.total);
    if (status) {
      status.textContent = data.clusters.length
        ? text("clustered", data.total)
        : text("places", data.places.length);
    }
  }

  function viewBox() {
    var b = map.getBounds();
    var west = Math.max(-180, b.getWest()), east = Math.min(180, b.getEast());
    var south = Math.max(-90, b.getSouth()), north = Math.min(90, b.getNorth());
    return [west, south, east, north].map(function (v) { return v.toFixed(5); }).join(",");
  }

  function refresh() {
    var params = new URLSearchParams(config.filters || {});
    params.set("bbox", viewBox());
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

  // Layers of other apps (the coming events): points asked for the map's view like the places, each
  // with its switch in the legend. A layer switched off is neither drawn nor asked for.
  var legendList = document.querySelector("#map-legend ul");
  var overlays = (config.layers || []).map(function (spec) {
    var overlay = { spec: spec, group: L.layerGroup().addTo(map), markers: {}, controller: null, on: true };
    el.setAttribute("data-layer-" + spec.key, "0");
    if (legendList) {
      var item = document.createElement("li");
      item.className = "legend-layer";
      var label = document.createElement("label");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.checked = true;
      box.id = "layer-" + spec.key;
      var mark = document.createElement("span");
      mark.className = "layer-mark layer-mark-" + spec.key;
      mark.setAttribute("aria-hidden", "true");
      label.appendChild(box);
      label.appendChild(mark);
      label.appendChild(document.createTextNode(" " + spec.label));
      item.appendChild(label);
      legendList.appendChild(item);
      box.addEventListener("change", function () {
        overlay.on = box.checked;
        if (overlay.on) {
          overlay.group.addTo(map);
          refreshOverlay(overlay);
        } else {
          if (overlay.controller) { overlay.controller.abort(); }
          map.removeLayer(overlay.group);
          el.setAttribute("data-layer-" + spec.key + "-loading", "0");
          el.setAttribute("data-layer-" + spec.key, "off");
        }
      });
    }
    return overlay;
  });

  function overlayIcon(key) {
    var badge = document.createElement("span");
    badge.className = "layer-mark layer-mark-" + key;
    badge.setAttribute("aria-hidden", "true");
    return L.divIcon({ className: "layer-marker", html: badge, iconSize: [24, 24] });
  }

  function overlayPopup(spec, p) {
    // Text nodes only: a title typed by an organiser never becomes HTML.
    var box = document.createElement("div");
    box.className = "layer-popup";
    var title = document.createElement("p");
    title.className = "popup-title";
    var strong = document.createElement("strong");
    strong.textContent = p.title;
    title.appendChild(strong);
    box.appendChild(title);
    if (p.kind) { box.appendChild(line("popup-kind", p.kind.charAt(0).toUpperCase() + p.kind.slice(1))); }
    if (p.when) { box.appendChild(line("popup-when", p.when)); }
    if (p.where) { box.appendChild(line("popup-where", p.where)); }
    if (p.url && p.url.charAt(0) === "/") {
      var a = document.createElement("a");
      a.href = p.url;
      a.textContent = spec.details;
      if (embedded) { a.target = "_blank"; a.rel = "noopener"; }
      box.appendChild(a);
    }
    return box;
  }

  function refreshOverlay(overlay) {
    if (!overlay.on) { return; }
    var spec = overlay.spec;
    var params = new URLSearchParams();
    params.set("bbox", viewBox());
    if (overlay.controller) { overlay.controller.abort(); }
    overlay.controller = new AbortController();
    el.setAttribute("data-layer-" + spec.key + "-loading", "1");
    fetch(spec.url + "?" + params.toString(), { signal: overlay.controller.signal, headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(function (body) {
        var items = (body.features || []).map(function (f) {
          var p = f.properties || {};
          return { id: p.id, lat: f.geometry.coordinates[1], lon: f.geometry.coordinates[0], p: p };
        });
        if (overlay.on) {
          keep(overlay.group, overlay.markers, items, function (item) {
            var m = L.marker([item.lat, item.lon], {
              icon: overlayIcon(spec.key), title: item.p.title, alt: item.p.title, keyboard: true, zIndexOffset: 500,
            });
            m.bindPopup(overlayPopup(spec, item.p));
            return m;
          });
          el.setAttribute("data-layer-" + spec.key, String(items.length));
        }
        el.setAttribute("data-layer-" + spec.key + "-loading", "0");
      })
      .catch(function (err) { if (err.name !== "AbortError") { el.setAttribute("data-layer-" + spec.key + "-loading", "0"); } });
  }

  function refreshAll() {
    refresh();
    overlays.forEach(refreshOverlay);
  }

  // A search the page refused (its message is above the map) is not asked again by the map.
  if (config.asks !== false) {
    map.on("moveend", refreshAll);
    refreshAll();
  } else {
    el.dataset.loading = "0";
  }

  // On a phone the list and the map take turns (site.css hides the other below 900 px).
  var layout = document.getElementById("search-layout");
  var toggle = document.getElementById("view-toggle");
  if (layout && toggle) {
    toggle.hidden = false;
    layout.classList.add("show-list");
    var shown = el.offsetWidth > 0;
    Array.prototype.forEach.call(toggle.querySelectorAll("button"), function (button) {
      button.addEventListener("click", function () {
        var view = button.dataset.view;
        layout.classList.toggle("show-list", view === "list");
        layout.classList.toggle("show-map", view === "map");
        Array.prototype.forEach.call(toggle.querySelectorAll("button"), function (other) {
          other.setAttribute("aria-pressed", String(other === button));
        });
        if (view === "map") {
          // Drawn while hidden, the map had no size: fit it again now that it has one.
          map.invalidateSize();
          if (!shown) {
            shown = true;
            fit();
            // The same view as the hidden map's leaves the circle clipped to a map of no size: a
            // moveend redraws it (and asks the server for this view).
            map.fire("moveend");
          }
        }
      });
    });
  }
})();
