// The check form: position and time captured when the check starts, big choices, nearest sites,
// photo previews. With the outbox loaded, saving keeps the check on the phone (the same body the
// server would build from the plain form, photos shrunk on the phone with their EXIF position
// and time read first) and sends it when it can. Without JavaScript the plain form posts as is.
(function () {
  "use strict";
  var form = document.getElementById("check-form");
  if (!form) return;
  form.classList.remove("no-js");
  var t = Object.assign({}, readJson("xuncha-i18n"), readJson("xuncha-pwa-i18n"));
  var cfg = readJson("xuncha-pwa") || {};
  var Outbox = window.XunchaOutbox;
  // The UUID, time and photo helpers shared with the other field form (field-kit.js).
  var Kit = window.XunchaField;
  var newUuid = Kit.newUuid, localIso = Kit.localIso;
  function prepare(file) { return Kit.preparePhoto(file, cfg.exifr); }
  var MAX_PHOTOS = 20;
  var field = function (name) { return form.elements.namedItem(name); };
  var saveButton = form.querySelector("[data-save]");
  var saveState = form.querySelector("[data-save-state]");
  var sendState = form.querySelector("[data-send-state]");

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

  // The check is made here, on the phone, when it starts: a new UUID (never the cached page's)
  // and the device's time.
  var started = new Date();
  field("uuid").value = newUuid();
  field("recorded_at").value = localIso(started);


  // Position: taken once, when the check starts, with its accuracy. "Locate again" is explicit.
  var box = form.querySelector("[data-position]");
  var statusEl = form.querySelector("[data-position-status]");
  var again = form.querySelector("[data-locate]");
  var manual = form.querySelector("[data-manual]");
  function setPosition(pos) {
    field("lat").value = pos.coords.latitude.toFixed(7);
    field("lon").value = pos.coords.longitude.toFixed(7);
    field("accuracy_m").value = Math.round(pos.coords.accuracy * 10) / 10;
    field("source").value = "gps";
    box.className = "position ok";
    statusEl.textContent = (t.located || "Located") + " ±" + Math.round(pos.coords.accuracy) + " m";
    manual.hidden = true;
    again.hidden = false;
    nearSites(pos.coords.latitude, pos.coords.longitude);
    form.dispatchEvent(new CustomEvent("xuncha:position", { detail: pos.coords }));
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
  locate();

  function nearSites(lat, lon) {
    var select = form.querySelector("[data-sites]");
    if (!select || !navigator.onLine) return;
    var chosen = select.value;
    fetch(form.dataset.sitesUrl + "?lat=" + lat + "&lon=" + lon, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var keep = chosen && select.querySelector('option[value="' + CSS.escape(chosen) + '"]');
        select.innerHTML = html;
        if (keep && !select.querySelector('option[value="' + CSS.escape(chosen) + '"]')) select.appendChild(keep);
        if (chosen) select.value = chosen;
      })
      .catch(function () { /* offline or server busy: the full list stays */ });
  }

  // The unit checked follows the site's unit until the person chooses one themselves.
  var targetUnit = form.querySelector("[data-target-unit]");
  if (targetUnit) {
    targetUnit.addEventListener("change", function () { targetUnit.dataset.chosen = "1"; });
    form.addEventListener("change", function (e) {
      if (e.target.name !== "site" || targetUnit.dataset.chosen) return;
      var option = e.target.selectedOptions[0];
      var unit = option ? option.getAttribute("data-unit") || "" : "";
      if (!unit || targetUnit.querySelector('option[value="' + CSS.escape(unit) + '"]')) targetUnit.value = unit;
    });
  }

  // A failed item opens its details: severity, note, photos.
  form.addEventListener("change", function (e) {
    var input = e.target;
    if (input.type === "radio" && input.name.indexOf("r_") === 0) {
      input.closest("[data-item]").classList.toggle("is-fail", input.value === "fail");
    }
    if (input.type === "file") {
      if (Outbox) Array.prototype.forEach.call(input.files, prepare); // start early: saving is then quick
      var previews = input.closest("label").nextElementSibling;
      if (!previews || !previews.hasAttribute("data-previews")) return;
      previews.innerHTML = "";
      Array.prototype.forEach.call(input.files, function (file) {
        var img = document.createElement("img");
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        img.onload = function () { URL.revokeObjectURL(img.src); };
        previews.appendChild(img);
      });
    }
  });

  // ---- the body: what server/checks/pages.py _body_from_form builds from the plain form -------

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

  function answers() {
    var out = [];
    Array.prototype.forEach.call(form.querySelectorAll("[data-item]"), function (node) {
      var code = node.getAttribute("data-item");
      var result = value("r_" + code);
      if (["pass", "fail", "na"].indexOf(result) < 0) return;
      var answer = { item: code, result: result };
      if (result === "fail") {
        answer.severity = value("s_" + code) || null;
        answer.note = value("n_" + code) || "";
      }
      out.push(answer);
    });
    return out;
  }

  // Photos of answered items and of the whole scene, in the form's order.
  function photoInputs(answered) {
    var codes = answered.map(function (a) { return a.item; });
    return Array.prototype.filter.call(form.querySelectorAll("input[type=file]"), function (input) {
      if (input.name === "p__check") return true;
      return codes.indexOf(input.name.slice(2)) >= 0;
    });
  }

  function problem() {
    var answered = answers();
    if (!answered.length) return tr("answerOne", "Answer at least one checklist item.");
    var pos = position();
    if (!pos || Math.abs(pos.lat) > 90 || Math.abs(pos.lon) > 180) {
      return tr("positionRequired", "The position is required: allow location access, or enter it by hand.");
    }
    var count = photoInputs(answered).reduce(function (n, input) { return n + input.files.length; }, 0);
    if (count > MAX_PHOTOS) return tr("tooManyPhotos", "At most {n} photos per check.", { n: MAX_PHOTOS });
    return null;
  }

  async function build() {
    var answered = answers();
    var photos = [], blobs = [];
    var inputs = photoInputs(answered);
    for (var i = 0; i < inputs.length; i++) {
      var item = inputs[i].name === "p__check" ? null : inputs[i].name.slice(2);
      var files = Array.prototype.slice.call(inputs[i].files);
      var ready = await Promise.all(files.map(prepare));
      ready.forEach(function (p) {
        var uuid = newUuid();
        var entry = { uuid: uuid, item: item };
        if (p.taken_at) entry.taken_at = p.taken_at;
        if (p.exif_location) entry.exif_location = p.exif_location;
        photos.push(entry);
        blobs.push({ uuid: uuid, type: p.type, blob: p.blob });
      });
    }
    var body = {
      campaign: form.dataset.campaign,
      kind: value("kind") || "patrol",
      recorded_at: value("recorded_at"),
      location: position(),
      site: value("site") || null,
      target_unit: value("target_unit") || null,
      answers: answered,
      note: value("note") || "",
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

  function follow(uuid) {
    function show() {
      Outbox.get(uuid).then(function (found) {
        if (!found) return;
        if (found.done) {
          say(sendState, tr("sentOk", "Confirmed by the server at {time}.", {
            time: new Date(found.done.receivedAt).toLocaleTimeString(document.documentElement.lang || undefined)
          }), "ok");
        } else if (found.queued.state === "sending") {
          say(sendState, tr("sending", "Sending…"), "busy");
        } else if (found.queued.state === "attention") {
          var err = found.queued.error || {};
          say(sendState, err.message || tr("httpError", "The server refused it (HTTP {status}).", { status: err.status }), "bad");
        } else if (found.queued.state === "login") {
          say(sendState, tr("loginAgain", "Your session has ended. Log in again to send the saved checks."), "bad",
            { href: cfg.login || "/login", text: tr("loginLink", "Log in again") });
        } else {
          say(sendState, tr("waitingNet", "Waiting for a connection."), "");
        }
      }).catch(function () {});
    }
    Outbox.subscribe(function (detail) { if (!detail.uuid || detail.uuid === uuid) show(); });
    show();
  }

  function saved(uuid) {
    form.dataset.saved = uuid;
    form.classList.add("is-saved");
    say(saveState, tr("savedOnPhone", "Saved on this phone. It is sent as soon as there is a connection."), "ok");
    saveButton.hidden = true;
    Array.prototype.forEach.call(form.querySelectorAll("input, select, textarea"), function (el) { el.disabled = true; });
    var actions = form.querySelector("[data-saved-actions]");
    if (actions) actions.hidden = false;
    follow(uuid);
    if (window.XunchaPwa) window.XunchaPwa.afterSave();
  }

  async function keepOnPhone() {
    var photosChosen = Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (i) { return i.files.length; });
    if (photosChosen) say(saveState, tr("preparingPhotos", "Preparing the photos…"), "busy");
    var built = await build();
    say(saveState, tr("savingOnPhone", "Saving on this phone…"), "busy");
    var uuid = value("uuid");
    await Outbox.enqueue({
      uuid: uuid,
      kind: "check",
      user: cfg.user,
      campaign: form.dataset.campaign,
      label: (document.querySelector("h1") || {}).textContent || form.dataset.campaign,
      body: built.body,
      photos: built.photos,
      madeAt: started.getTime()
    });
    return uuid;
  }

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
