/* The desk's map: Leaflet on the configured tiles, or, with no tile source, the findings on a
   plain background with a scale (nothing is fetched from anywhere but this server). Points come
   from /desk/map.json, already in the tiles' coordinates (GCJ-02 for the Chinese providers);
   the map reloads them when the filtered list is swapped or the live feed brings new findings. */
(function () {
  "use strict";
  var el = document.getElementById("desk-map");
  if (!el || !window.L || !window.XunchaMap) return;
  var L = window.L;
  var config = JSON.parse(el.getAttribute("data-map") || "{}");
  var labels = config.labels || {};
  var COLORS = {
    new: "#1d4ed8", assigned: "#a15c07", rework: "#a15c07",
    submitted: "#7c3aed", closed: "#0b5d4b", merged: "#6b7280",
  };

  var base = window.XunchaMap(el, config);
  var map = base.map;
  var layer = base.layer;
  var lastSrc = null;
  var lastAfter = null;
  var generation = 0;

  function text(tag, value) {
    var node = document.createElement(tag);
    node.textContent = value;
    return node;
  }

  function popup(point) {
    var box = document.createElement("div");
    box.className = "map-popup";
    box.appendChild(text("strong", "#" + point.id + " " + point.title));
    box.appendChild(document.createElement("br"));
    box.appendChild(text("span", (labels[point.status] || point.status) + (point.overdue ? " · " + (labels.overdue || "") : "")));
    box.appendChild(document.createElement("br"));
    var link = text("a", labels.open || "#" + point.id);
    link.href = point.url;
    box.appendChild(link);
    return box;
  }

  function draw(data) {
    layer.clearLayers();
    data.points.forEach(function (point) {
      L.circleMarker([point.lat, point.lon], {
        radius: 7, color: "#fff", weight: 2, fillOpacity: 0.9,
        fillColor: point.overdue ? "#b42318" : (COLORS[point.status] || "#1d4ed8"),
      }).bindPopup(popup(point)).addTo(layer);
    });
    el.setAttribute("data-points", String(data.points.length));
    el.setAttribute("data-crs", data.crs);
    el.title = data.truncated ? (labels.truncated || "") : "";
    if (data.points.length) map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 16 });
  }

  function load(src) {
    var mine = ++generation;
    lastSrc = src;
    if (!src) {
      layer.clearLayers();
      el.setAttribute("data-points", "0");
      return;
    }
    fetch(src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) { if (mine === generation) draw(data); })
      .catch(function () { /* the list says what went wrong; the map keeps what it shows */ });
  }

  function sync() {
    var results = document.getElementById("desk-results");
    var poll = document.getElementById("feed-poll");
    var src = results ? results.getAttribute("data-map-src") : el.getAttribute("data-points-url");
    var after = poll ? poll.getAttribute("data-after") : null;
    if (src !== lastSrc || after !== lastAfter) {
      lastAfter = after;
      load(src);
    }
  }

  sync();
  document.body.addEventListener("htmx:afterSettle", sync);
  window.XunchaMap = { map: map, reload: function () { load(lastSrc); } };
})();
