// Shared by the officer's check form and the handler's rectification form (field-form.js builds on
// it): a UUID made on the phone, local times with their offset, texts, numbers, distances, previews
// that open full size, and photos shrunk on the phone (long side 2048 px, JPEG
// at 0.7) after their EXIF position and time are read from the original (the canvas drops them).
(function () {
  "use strict";
  var MAX_SIDE = 2048;
  var QUALITY = 0.7;
  var KEEP_AS_IS_BYTES = 1024 * 1024;

  function newUuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function offsetOf(d) {
    var off = -d.getTimezoneOffset(), sign = off >= 0 ? "+" : "-";
    off = Math.abs(off);
    return sign + pad(Math.floor(off / 60)) + ":" + pad(off % 60);
  }
  function localIso(d) {
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" +
      pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + offsetOf(d);
  }

  var prepared = new WeakMap(); // File -> Promise of {type, blob, taken_at?, exif_location?}
  function preparePhoto(file, exifrUrl) {
    if (!prepared.has(file)) prepared.set(file, prepareFile(file, exifrUrl));
    return prepared.get(file);
  }
  async function prepareFile(file, exifrUrl) {
    var facts = await readExif(file, exifrUrl).catch(function () { return {}; });
    var shrunk = await shrink(file).catch(function () { return null; });
    return Object.assign({ type: shrunk ? shrunk.type : (file.type || "image/jpeg"), blob: shrunk ? shrunk.blob : file }, facts);
  }

  // exifr is loaded when the first photo is chosen, not with the form (the service worker keeps it).
  var exifrLoading = null;
  function loadExifr(url) {
    if (window.exifr) return Promise.resolve(window.exifr);
    if (!exifrLoading) {
      exifrLoading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = url;
        script.async = true;
        script.onload = function () { return window.exifr ? resolve(window.exifr) : reject(new Error("exifr")); };
        script.onerror = function () { exifrLoading = null; reject(new Error("exifr")); };
        document.head.appendChild(script);
      });
    }
    return exifrLoading;
  }

  async function readExif(file, exifrUrl) {
    var exifr = await loadExifr(exifrUrl);
    // Per-block picks (a top-level pick breaks the lite build); raw values keep the camera's offset.
    var tags = await exifr.parse(file, {
      ifd0: false,
      exif: ["DateTimeOriginal", "OffsetTimeOriginal"],
      gps: ["GPSLatitude", "GPSLatitudeRef", "GPSLongitude", "GPSLongitudeRef"],
      reviveValues: false
    });
    var facts = {};
    if (!tags) return facts;
    var taken = exifTime(tags.DateTimeOriginal, tags.OffsetTimeOriginal);
    if (taken) facts.taken_at = taken;
    var lat = tags.latitude, lon = tags.longitude;
    if (isFinite(lat) && isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && (lat || lon)) {
      facts.exif_location = { lat: Math.round(lat * 1e7) / 1e7, lon: Math.round(lon * 1e7) / 1e7 };
    }
    return facts;
  }

  // "2026:11:28 09:29:12" and "+08:00" -> ISO with the offset; the phone's own offset when the
  // camera wrote none. A time the server would refuse (future, or over a year old) is left out
  // rather than holding the whole record back.
  function exifTime(text, offset) {
    var m = /^(\d{4}):(\d\d):(\d\d) (\d\d):(\d\d):(\d\d)/.exec(String(text || ""));
    if (!m) return null;
    var local = new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
    var off = /^[+-]\d\d:\d\d$/.test(String(offset || "")) ? offset : offsetOf(local);
    var iso = m[1] + "-" + m[2] + "-" + m[3] + "T" + m[4] + ":" + m[5] + ":" + m[6] + off;
    var at = Date.parse(iso);
    if (isNaN(at) || at > Date.now() + 5 * 60000 || at < Date.now() - 360 * 24 * 3600 * 1000) return null;
    return iso;
  }

  async function decode(file) {
    if (window.createImageBitmap) {
      try { return await createImageBitmap(file, { imageOrientation: "from-image" }); } catch (e) { /* try an <img> */ }
    }
    return new Promise(function (resolve, reject) {
      var img = new Image();
      var url = URL.createObjectURL(file);
      img.onload = function () { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("decode")); };
      img.src = url;
    });
  }

  // Long side at most 2048 px, JPEG at 0.7: a 4 MB phone photo becomes a few hundred kB.
  // A photo the phone cannot decode (HEIC on most browsers) goes as it is; the server decides.
  async function shrink(file) {
    var image = await decode(file);
    var w = image.width, h = image.height;
    var scale = Math.min(1, MAX_SIDE / Math.max(w, h));
    if (scale === 1 && file.type === "image/jpeg" && file.size <= KEEP_AS_IS_BYTES) {
      if (image.close) image.close();
      return { blob: file, type: "image/jpeg" };
    }
    var canvas = document.createElement("canvas");
    canvas.width = Math.round(w * scale);
    canvas.height = Math.round(h * scale);
    var ctx = canvas.getContext("2d");
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
    if (image.close) image.close();
    var blob = await new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", QUALITY); });
    canvas.width = canvas.height = 0;
    if (!blob) throw new Error("encode");
    return { blob: blob, type: "image/jpeg" };
  }


  // ---- what both forms read: texts, numbers, the position ----------------------------------

  function readJson(id) {
    var el = document.getElementById(id);
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  }
  function translator(t) {
    return function tr(key, fallback, vars) {
      return String(t[key] || fallback).replace(/\{(\w+)\}/g, function (m, name) {
        return vars && name in vars ? vars[name] : m;
      });
    };
  }
  function number(text) {
    if (String(text).trim() === "") return null;
    var n = Number(text);
    return isFinite(n) ? n : null;
  }
  function metresBetween(lat1, lon1, lat2, lon2) {
    var rad = Math.PI / 180, r = 6371008.8;
    var dLat = (lat2 - lat1) * rad, dLon = (lon2 - lon1) * rad;
    var a = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * r * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  // ---- photos shown as photos: thumbnails keep their proportions, a tap opens them full size ----

  function showPreviews(input) {
    var box = input.closest("[data-photo-field]");
    var previews = box && box.querySelector("[data-previews]");
    if (!previews) return;
    // The object URLs live as long as their previews: a tap opens the photo from them.
    (previews.objectUrls || []).forEach(function (u) { URL.revokeObjectURL(u); });
    previews.objectUrls = [];
    previews.innerHTML = "";
    Array.prototype.forEach.call(input.files, function (file, i) {
      var url = URL.createObjectURL(file);
      previews.objectUrls.push(url);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "preview";
      button.setAttribute("aria-label", (pageText().openPhoto || "Open photo full size") + " " + (i + 1));
      var img = document.createElement("img");
      img.alt = file.name;
      img.src = url;
      button.appendChild(img);
      button.addEventListener("click", function () { openFull(url, file.name); });
      previews.appendChild(button);
    });
  }
  var texts = null;
  function pageText() { return texts || (texts = readJson("xuncha-i18n")); }
  var viewer = null;
  function openFull(url, alt) {
    if (!viewer) {
      viewer = document.createElement("dialog");
      viewer.className = "photo-viewer";
      viewer.innerHTML = '<form method="dialog"><button class="button">×</button></form><img alt="">';
      viewer.querySelector("button").setAttribute("aria-label", pageText().close || "Close");
      viewer.addEventListener("click", function (e) { if (e.target === viewer || e.target.tagName === "IMG") viewer.close(); });
      document.body.appendChild(viewer);
    }
    var img = viewer.querySelector("img");
    img.src = url;
    img.alt = alt;
    viewer.showModal();
  }

  window.XunchaField = {
    MAX_PHOTOS: 20, // per check or rectification, as the server allows
    newUuid: newUuid,
    localIso: localIso,
    offsetOf: offsetOf,
    preparePhoto: preparePhoto,
    readJson: readJson,
    translator: translator,
    number: number,
    metresBetween: metresBetween,
    showPreviews: showPreviews
  };
})();
