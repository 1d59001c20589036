// The rectification form of a unit's handler: the position (with its accuracy) and the time taken
// when the form opens, the distance to the finding, after-photos from the camera shrunk on the
// phone with their EXIF position and time read first, and a UUID made here, so a double tap or a
// replay never makes two rectifications. With the outbox loaded, saving keeps the rectification on
// the phone, in the same outbox as checks, and it is sent when there is a connection. Without
// JavaScript the plain form posts as is. The photo, time and UUID helpers are in field-kit.js.
(function () {
  "use strict";
  var form = document.getElementById("rectify-form");
  if (!form) return;
  form.classList.remove("no-js");
  var t = Object.assign({}, readJson("xuncha-i18n"), readJson("xuncha-pwa-i18n"), readJson("xuncha-rectify-i18n"));
  var cfg = readJson("xuncha-pwa") || {};
  var Outbox = window.XunchaOutbox;
  // The UUID, time and photo helpers shared with the other field form (field-kit.js).
  var Kit = window.XunchaField;
  var newUuid = Kit.newUuid, localIso = Kit.localIso;
  function prepare(file) { return Kit.preparePhoto(file, cfg.exifr); }
  var MAX_PHOTOS = 20;
  var findingId = Number(form.dataset.finding);
  var target = { lat: Number(form.dataset.lat), lon: Number(form.dataset.lon) };
  var field = function (name) { return form.elements.namedItem(name); };
  var saveButton = form.querySelector("[data-save]");
  var saveState = form.querySelector("[data-save-state]");
  var sendState = form.querySelector("[data-send-state]");
  var photoInput = field("photos");

  function readJson(id) {
    var el = document.getElementById(id);
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  }
  function tr(key, fallback, vars) {
    return String(t[key] || fallback).replace(/\{(\w+)\}/g, function (m, name) {
      return vars && name in vars ? vars[name] : m;
    });
  }
  function value(name) {
    var el = field(name);
    return el && typeof el.value === "string" ? el.value : "";
  }

  // The rectification is made here, when the form opens: a new UUID (never the cached page's)
  // and the device's time.
  var started = new Date();
  field("uuid").value = newUuid();
  field("recorded_at").value = localIso(started);


  // ---- position: taken once, when the form opens; "Locate again" is explicit ------------------

  var box = form.querySelector("[data-position]");
  var statusEl = form.querySelector("[data-position-status]");
  var again = form.querySelector("[data-locate]");
  var manual = form.querySelector("[data-manual]");
  var distanceEl = document.querySelector("[data-distance]");

  function metresBetween(lat1, lon1, lat2, lon2) {
    var rad = Math.PI / 180, r = 6371008.8;
    var dLat = (lat2 - lat1) * rad, dLon = (lon2 - lon1) * rad;
    var a = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * r * Math.asin(Math.min(1, Math.sqrt(a)));
  }
  function showDistance(lat, lon) {
    if (!distanceEl || !isFinite(target.lat) || !isFinite(target.lon)) return;
    if (lat === null || lon === null) { distanceEl.hidden = true; return; }
    var m = metresBetween(lat, lon, target.lat, target.lon);
    var text = m >= 1000 ? (m / 1000).toFixed(1) + " km" : Math.round(m) + " m";
    distanceEl.textContent = tr("distance", "{distance} from the finding", { distance: text });
    distanceEl.setAttribute("data-metres", String(Math.round(m)));
    distanceEl.hidden = false;
  }

  function setPosition(pos) {
    field("lat").value = pos.coords.latitude.toFixed(7);
    field("lon").value = pos.coords.longitude.toFixed(7);
    field("accuracy_m").value = Math.round(pos.coords.accuracy * 10) / 10;
    field("source").value = "gps";
    box.className = "position ok";
    statusEl.textContent = (t.located || "Located") + " ±" + Math.round(pos.coords.accuracy) + " m";
    manual.hidden = true;
    again.hidden = false;
    showDistance(pos.coords.latitude, pos.coords.longitude);
  }
  function noPosition(err) {
    box.className = "position bad";
    statusEl.textContent = (t.noPosition || "No position from the phone; enter it by hand.") +
      (err && err.message ? " (" + err.message + ")" : "");
    manual.hidden = false;
    again.hidden = false;
  }
  function locate() {
    if (!navigator.geolocation) return noPosition();
    statusEl.textContent = t.locating || "Finding the position…";
    navigator.geolocation.getCurrentPosition(setPosition, noPosition,
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
  }
  again.addEventListener("click", locate);
  manual.addEventListener("input", function () {
    var pos = position();
    if (pos && pos.source === "manual") showDistance(pos.lat, pos.lon);
  });
  locate();

  photoInput.addEventListener("change", function () {
    if (Outbox) Array.prototype.forEach.call(photoInput.files, prepare); // start early: saving is then quick
    var previews = form.querySelector("[data-previews]");
    previews.innerHTML = "";
    Array.prototype.forEach.call(photoInput.files, function (file) {
      var img = document.createElement("img");
      img.alt = file.name;
      img.src = URL.createObjectURL(file);
      img.onload = function () { URL.revokeObjectURL(img.src); };
      previews.appendChild(img);
    });
  });

  // ---- the body: what server/findings/unit_pages.py _body_from_form builds from the plain form --

  function number(text) {
    if (String(text).trim() === "") return null;
    var n = Number(text);
    return isFinite(n) ? n : null;
  }

  function position() {
    var lat = number(value("lat")), lon = number(value("lon")), source = value("source") || "gps";
    if (lat === null || lon === null) {
      lat = number(value("manual_lat"));
      lon = number(value("manual_lon"));
      source = "manual";
    }
    if (lat === null || lon === null) return null;
    return { lat: lat, lon: lon, accuracy_m: source === "manual" ? null : number(value("accuracy_m")), source: source };
  }

  function problem() {
    var count = photoInput.files.length;
    if (!count) return tr("photoRequired", "Add at least one after-photo.");
    if (count > MAX_PHOTOS) return tr("tooManyPhotos", "At most {n} after-photos.", { n: MAX_PHOTOS });
    var pos = position();
    if (!pos || Math.abs(pos.lat) > 90 || Math.abs(pos.lon) > 180) {
      return tr("positionRequired", "The position is required: allow location access, or enter it by hand.");
    }
    return null;
  }

  async function build() {
    var photos = [], blobs = [];
    var ready = await Promise.all(Array.prototype.map.call(photoInput.files, prepare));
    ready.forEach(function (p) {
      var uuid = newUuid();
      var entry = { uuid: uuid };
      if (p.taken_at) entry.taken_at = p.taken_at;
      if (p.exif_location) entry.exif_location = p.exif_location;
      photos.push(entry);
      blobs.push({ uuid: uuid, type: p.type, blob: p.blob });
    });
    var body = {
      note: value("note") || "",
      recorded_at: value("recorded_at"),
      location: position(),
      photos: photos
    };
    return { body: body, photos: blobs };
  }

  // ---- saving ---------------------------------------------------------------------------

  function say(node, text, kind, link) {
    if (!node) return;
    node.textContent = text;
    node.className = node.className.replace(/\s*is-\w+/g, "") + (kind ? " is-" + kind : "");
    if (link) {
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      node.appendChild(document.createTextNode(" "));
      node.appendChild(a);
    }
  }

  function receivedText(receivedAt) {
    return tr("sentOk", "Confirmed by the server at {time}.", {
      time: new Date(receivedAt).toLocaleTimeString(document.documentElement.lang || undefined)
    });
  }

  function follow(uuid) {
    function show() {
      Outbox.get(uuid).then(function (found) {
        if (!found) return;
        if (found.done) {
          say(sendState, receivedText(found.done.receivedAt), "ok");
        } else if (found.queued.state === "sending") {
          say(sendState, tr("sending", "Sending…"), "busy");
        } else if (found.queued.state === "attention") {
          var err = found.queued.error || {};
          say(sendState, err.message || tr("httpError", "The server refused it (HTTP {status}).", { status: err.status }), "bad");
        } else if (found.queued.state === "login") {
          say(sendState, tr("loginAgain", "Your session has ended. Log in again to send the saved rectifications."), "bad",
            { href: cfg.login || "/login", text: tr("loginLink", "Log in again") });
        } else {
          say(sendState, tr("waitingNet", "Waiting for a connection."), "");
        }
      }).catch(function () {});
    }
    Outbox.subscribe(function (detail) { if (!detail.uuid || detail.uuid === uuid) show(); });
    show();
  }

  function lock(uuid, message) {
    form.dataset.saved = uuid;
    form.dataset.submitting = "1";
    form.classList.add("is-saved");
    say(saveState, message, "ok");
    saveButton.hidden = true;
    Array.prototype.forEach.call(form.querySelectorAll("input, select, textarea, button[data-locate]"), function (el) {
      el.disabled = true;
    });
    var actions = form.querySelector("[data-saved-actions]");
    if (actions) actions.hidden = false;
    follow(uuid);
  }

  function saved(uuid) {
    lock(uuid, tr("savedOnPhone", "Saved on this phone. It is sent as soon as there is a connection."));
    if (window.XunchaPwa) window.XunchaPwa.afterSave();
  }

  async function keepOnPhone() {
    if (photoInput.files.length) say(saveState, tr("preparingPhotos", "Preparing the photos…"), "busy");
    var built = await build();
    say(saveState, tr("savingOnPhone", "Saving on this phone…"), "busy");
    var uuid = value("uuid");
    await Outbox.enqueue({
      uuid: uuid,
      kind: "rectification",
      finding: findingId,
      user: cfg.user,
      campaign: form.dataset.campaign,
      label: tr("label", "Rectification of #{id}", { id: findingId }) + " " +
        ((document.querySelector("h1") || {}).textContent || "").replace(/^#\d+\s*/, ""),
      body: built.body,
      photos: built.photos,
      madeAt: started.getTime()
    });
    return uuid;
  }

  // One rectification per finding at a time: one already kept on this phone (or sent since this
  // copy of the page was kept) is shown instead of a second form.
  function earlier() {
    if (!Outbox || !window.indexedDB) return;
    var since = Date.parse(form.dataset.statusSince || "") || 0;
    Promise.all([Outbox.list(), Outbox.history()]).then(function (all) {
      if (form.dataset.submitting) return;
      var mine = function (item) {
        return Outbox.kindOf(item) === "rectification" && Number(item.finding) === findingId &&
          (!item.user || item.user === cfg.user);
      };
      var queued = all[0].filter(mine)[0];
      if (queued) {
        lock(queued.uuid, tr("alreadySaved", "A rectification of this finding is already saved on this phone."));
        return;
      }
      var done = all[1].filter(function (h) { return mine(h) && Date.parse(h.receivedAt) >= since; })[0];
      if (done) lock(done.uuid, receivedText(done.receivedAt));
    }).catch(function () {});
  }
  earlier();

  form.addEventListener("submit", function (e) {
    if (form.dataset.submitting) { e.preventDefault(); return; }
    if (!Outbox || !window.indexedDB || !cfg.user) {
      // No outbox here: the plain form posts, never twice.
      form.dataset.submitting = "1";
      saveButton.disabled = true;
      return;
    }
    e.preventDefault();
    var wrong = problem();
    if (wrong) { say(saveState, wrong, "bad"); return; }
    form.dataset.submitting = "1";
    saveButton.disabled = true;
    keepOnPhone().then(saved, function (err) {
      if (navigator.onLine) {
        // The phone would not keep it (storage refused, private mode): post the plain form instead.
        form.submit();
        return;
      }
      delete form.dataset.submitting;
      saveButton.disabled = false;
      say(saveState, tr("notSaved", "Could not save on this phone: {error}", { error: (err && err.message) || String(err) }), "bad");
    });
  });
})();
