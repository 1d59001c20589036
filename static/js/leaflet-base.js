/* The base both maps share (the desk's findings, the office's site register): Leaflet on the
   bureau's configured tiles, or, with no tile source, a plain background with a scale and
   nothing fetched from outside; a layer for the points. */
(function () {
  "use strict";
  window.XunchaMap = function (el, options) {
    var L = window.L;
    var map = L.map(el, { attributionControl: Boolean(options.tileUrl) })
      .setView(options.center || [32.6293, 110.7981], 13);
    if (options.tileUrl) {
      L.tileLayer(options.tileUrl, { attribution: options.attribution || "", maxZoom: 19 }).addTo(map);
    }
    L.control.scale({ imperial: false }).addTo(map);
    return { map: map, layer: L.featureGroup().addTo(map) };
  };
})();
