/* The office's site register on a map: the sites as points, and a click puts its position into
   the form. Tiles only when the bureau configured a source; otherwise a plain background with
   a scale, and nothing is fetched from outside. */
(function () {
  "use strict";
  var el = document.getElementById("site-map");
  if (!el || !window.L || !window.XunchaMap) return;
  var base = window.XunchaMap(el, { tileUrl: el.getAttribute("data-tile-url") });
  var map = base.map;
  var layer = base.layer;
  var L = window.L;
  var points = JSON.parse(el.getAttribute("data-points") || "[]");
  points.forEach(function (p) {
    L.circleMarker([p.lat, p.lon], { radius: 6, color: p.active ? "#0b5d4b" : "#6b7280" })
      .bindTooltip(p.name + " (" + p.code + ")")
      .on("click", function () { window.location.search = "?edit=" + encodeURIComponent(p.code); })
      .addTo(layer);
  });
  if (points.length) map.fitBounds(layer.getBounds().pad(0.1));
  var form = document.getElementById("admin-form");
  var picked = null;
  map.on("click", function (event) {
    form.elements.lat.value = event.latlng.lat.toFixed(6);
    form.elements.lon.value = event.latlng.lng.toFixed(6);
    if (picked) picked.remove();
    picked = L.marker(event.latlng).addTo(map);
  });
})();
