// One field form (a check, a rectification): its fields, its position block, its save states, its
// outbox entry and its draft. The form's own script (check-form.js, rectify-form.js) brings what
// differs: what may not be saved, the body, a review before saving. Helpers are field-kit.js's.
(function () {
  "use strict";
  var Kit = window.XunchaField;
  var newUuid = Kit.newUuid, localIso = Kit.localIso, readJson = Kit.readJson, translator = Kit.translator;
  var number = Kit.number, showPreviews = Kit.showPreviews;

  // One field form: its fields, its position block, its save states, its outbox entry and its draft.
  function fieldForm(form, opts) {
    form.classList.remove("no-js");
    var t = Object.assign({}, readJson("xuncha-i18n"), readJson("xuncha-pwa-i18n"), opts.i18n ? readJson(opts.i18n) : {});
    var ctx = {
      form: form,
      t: t,
      tr: translator(t),
      cfg: readJson("xuncha-pwa") || {},
      Outbox: window.XunchaOutbox,
      started: new Date(),
      saveButton: form.querySelector("[data-save]"),
      saveState: form.querySelector("[data-save-state]"),
      sendState: form.querySelector("[data-send-state]")
    };
    var tr = ctx.tr;
    ctx.field = function (name) { return form.elements.namedItem(name); };
    ctx.value = function (name) {
      var el = ctx.field(name);
      return el && typeof el.value === "string" ? el.value : "";
    };
    ctx.prepare = function (file) { return Kit.preparePhoto(file, ctx.cfg.exifr); };
    // Made here, on the phone, when the form opens: a new UUID (never the cached page's) and the
    // device's time. A restored draft brings back its own.
    ctx.field("uuid").value = newUuid();
    ctx.field("recorded_at").value = localIso(ctx.started);

    // The position block: what the plain form's server reads (server/forms.py location_from_form).
    ctx.position = function () {
      var lat = number(ctx.value("lat")), lon = number(ctx.value("lon")), source = ctx.value("source") || "gps";
      if (lat === null || lon === null) {
        lat = number(ctx.value("manual_lat"));
        lon = number(ctx.value("manual_lon"));
        source = "manual";
      }
      if (lat === null || lon === null) return null;
      return { lat: lat, lon: lon, accuracy_m: source === "manual" ? null : number(ctx.value("accuracy_m")), source: source };
    };
    ctx.positionProblem = function () {
      var pos = ctx.position();
      if (!pos || Math.abs(pos.lat) > 90 || Math.abs(pos.lon) > 180) {
        return tr("positionRequired", "The position is required: allow location access, or enter it by hand.");
      }
      return null;
    };
    var box = form.querySelector("[data-position]");
    var statusEl = form.querySelector("[data-position-status]");
    var again = form.querySelector("[data-locate]");
    var manual = form.querySelector("[data-manual]");
    function showLocated(lat, lon, accuracy) {
      box.className = "position ok";
      statusEl.textContent = tr("located", "Located") + " ±" + Math.round(accuracy) + " m";
      if (opts.onPosition) opts.onPosition(lat, lon);
    }
    function setPosition(pos) {
      if (form.dataset.saved) return;
      ctx.field("lat").value = pos.coords.latitude.toFixed(7);
      ctx.field("lon").value = pos.coords.longitude.toFixed(7);
      ctx.field("accuracy_m").value = Math.round(pos.coords.accuracy * 10) / 10;
      ctx.field("source").value = "gps";
      showLocated(pos.coords.latitude, pos.coords.longitude, pos.coords.accuracy);
      form.dispatchEvent(new CustomEvent("xuncha:position", { detail: pos.coords, bubbles: true }));
    }
    function noPosition(err) {
      box.className = "position bad";
      statusEl.textContent = tr("noPosition", "No position from the phone; enter it by hand.");
      // Location refused: how to allow it waits with the fields for typing, one tap away.
      var help = manual.querySelector("[data-allow-help]");
      if (help && err && err.code === 1) {
        help.textContent = tr("allowLocation", "");
        help.hidden = false;
      }
    }
    // The fields for a position typed in open on a tap, never by themselves: nothing moves under a thumb.
    var toggle = form.querySelector("[data-manual-toggle]");
    function openManual(open) {
      manual.classList.toggle("is-open", open);
      if (toggle) toggle.setAttribute("aria-expanded", String(open));
    }
    if (toggle) toggle.addEventListener("click", function () {
      var open = !manual.classList.contains("is-open");
      openManual(open);
      if (open) manual.querySelector("input").focus();
    });
    function locate() {
      if (!navigator.geolocation) return noPosition();
      statusEl.textContent = tr("locating", "Finding the position…");
      navigator.geolocation.getCurrentPosition(setPosition, noPosition,
        { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
    }
    again.addEventListener("click", locate);
    manual.addEventListener("input", function () {
      var pos = ctx.position();
      if (pos && pos.source === "manual" && opts.onPosition) opts.onPosition(pos.lat, pos.lon);
    });
    // The position is asked for once the page is painted, so the first paint waits for nothing;
    // a restored draft keeps the position it was started with.
    ctx.startPosition = function () {
      var lat = number(ctx.value("lat")), lon = number(ctx.value("lon"));
      if (lat !== null && lon !== null) {
        showLocated(lat, lon, number(ctx.value("accuracy_m")) || 0);
        return;
      }
      if (number(ctx.value("manual_lat")) !== null) openManual(true);
      afterPaint(locate);
    };

    ctx.say = function (node, text, kind, link) {
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
    };
    ctx.receivedText = function (receivedAt) {
      return tr("sentOk", "Confirmed by the server at {time}.", {
        time: new Date(receivedAt).toLocaleTimeString(document.documentElement.lang || undefined)
      });
    };
    function follow(uuid) {
      function show() {
        ctx.Outbox.get(uuid).then(function (found) {
          if (!found) return;
          if (found.done) {
            ctx.say(ctx.sendState, ctx.receivedText(found.done.receivedAt), "ok");
          } else if (found.queued.state === "sending") {
            ctx.say(ctx.sendState, tr("sending", "Sending…"), "busy");
          } else if (found.queued.state === "attention") {
            var err = found.queued.error || {};
            ctx.say(ctx.sendState, err.message || tr("httpError", "The server refused it (HTTP {status}).", { status: err.status }), "bad");
          } else if (found.queued.state === "login") {
            ctx.say(ctx.sendState, tr("loginAgain", "Your session has ended. Log in again."), "bad",
              { href: ctx.cfg.login || "/login", text: tr("loginLink", "Log in again") });
          } else {
            ctx.say(ctx.sendState, tr("waitingNet", "Waiting for a connection."), "");
          }
        }).catch(function () {});
      }
      ctx.Outbox.subscribe(function (detail) { if (!detail.uuid || detail.uuid === uuid) show(); });
      show();
    }
    // Saved (or found saved): the form is locked, its draft gone, and the outbox followed.
    ctx.lock = function (uuid, message) {
      form.dataset.saved = uuid;
      form.dataset.submitting = "1";
      form.classList.add("is-saved");
      ctx.say(ctx.saveState, message, "ok");
      ctx.saveButton.hidden = true;
      Array.prototype.forEach.call(form.querySelectorAll("input, select, textarea, button:not([data-save])"), function (el) {
        el.disabled = true;
      });
      var actions = form.querySelector("[data-saved-actions]");
      if (actions) actions.hidden = false;
      if (ctx.draft) ctx.draft.clear();
      follow(uuid);
    };

    // Save: checked first (opts.problem), perhaps reviewed (opts.review), then kept in the outbox.
    async function keepOnPhone() {
      var photosChosen = Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (i) { return i.files.length; });
      if (photosChosen) ctx.say(ctx.saveState, tr("preparingPhotos", "Preparing the photos…"), "busy");
      var built = await opts.build();
      ctx.say(ctx.saveState, tr("savingOnPhone", "Saving on this phone…"), "busy");
      var uuid = ctx.value("uuid");
      await ctx.Outbox.enqueue(Object.assign({
        uuid: uuid,
        user: ctx.cfg.user,
        campaign: form.dataset.campaign,
        body: built.body,
        photos: built.photos,
        madeAt: ctx.started.getTime()
      }, opts.outboxItem()));
      return uuid;
    }
    function keep() {
      form.dataset.submitting = "1";
      ctx.saveButton.disabled = true;
      keepOnPhone().then(function (uuid) {
        ctx.lock(uuid, tr("savedOnPhone", "Saved on this phone. It is sent as soon as there is a connection."));
        if (window.XunchaPwa) window.XunchaPwa.afterSave();
      }, function (err) {
        if (navigator.onLine) {
          // The phone would not keep it (storage refused, private mode): post the plain form instead.
          form.submit();
          return;
        }
        delete form.dataset.submitting;
        ctx.saveButton.disabled = false;
        ctx.say(ctx.saveState, tr("notSaved", "Could not save on this phone: {error}", { error: (err && err.message) || String(err) }), "bad");
      });
    }
    ctx.keep = keep;
    form.addEventListener("submit", function (e) {
      if (form.dataset.submitting) { e.preventDefault(); return; }
      if (!ctx.Outbox || !window.indexedDB || !ctx.cfg.user) {
        // No outbox here: the plain form posts, never twice.
        form.dataset.submitting = "1";
        ctx.saveButton.disabled = true;
        if (ctx.draft) ctx.draft.clear();
        return;
      }
      e.preventDefault();
      var wrong = opts.problem();
      if (wrong) { ctx.say(ctx.saveState, wrong, "bad"); return; }
      ctx.say(ctx.saveState, "", "");
      // Held from the first tap, so a double tap during the review is still one save.
      form.dataset.submitting = "1";
      if (opts.review) opts.review(keep, function () { delete form.dataset.submitting; }); else keep();
    });

    form.addEventListener("change", function (e) {
      if (e.target.type === "file") {
        if (ctx.Outbox) Array.prototype.forEach.call(e.target.files, ctx.prepare); // start early: saving is then quick
        showPreviews(e.target);
      }
    });

    ctx.draft = drafts(ctx, opts.draftKey);
    ctx.ready = ctx.draft.restore().then(function (restored) {
      if (opts.onRestore && restored) opts.onRestore();
      ctx.startPosition();
      return restored;
    });
    return ctx;
  }

  // After the first contentful paint (as the browser reports it), else after the next frame.
  function afterPaint(fn) {
    var done = false;
    function once() { if (!done) { done = true; setTimeout(fn, 0); } }
    try {
      var painted = performance.getEntriesByName("first-contentful-paint").length;
      if (painted) return once();
      new PerformanceObserver(function (list, observer) {
        if (list.getEntriesByName("first-contentful-paint").length) { observer.disconnect(); once(); }
      }).observe({ type: "paint", buffered: true });
      setTimeout(once, 3000); // a browser that reports no paint still asks, a little later
    } catch (e) {
      requestAnimationFrame(function () { requestAnimationFrame(once); });
    }
  }

  // ---- drafts: a half-filled form kept on the phone as it is typed, until saved or discarded ----

  var draftDb = null;
  function draftStore() {
    if (!draftDb) {
      draftDb = new Promise(function (resolve, reject) {
        var req = indexedDB.open("xuncha-drafts", 1);
        req.onupgradeneeded = function () { req.result.createObjectStore("drafts", { keyPath: "key" }); };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { reject(req.error); };
      });
    }
    return draftDb;
  }
  function draftOp(mode, fn) {
    return draftStore().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("drafts", mode);
        var req = fn(tx.objectStore("drafts"));
        tx.oncomplete = function () { resolve(req && req.result); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function drafts(ctx, key) {
    var form = ctx.form, tr = ctx.tr;
    var bar = form.querySelector("[data-draft-state]");
    var discardButton = form.querySelector("[data-discard-draft]");
    var usable = !!(window.indexedDB && key && ctx.cfg.user);
    var fullKey = key + ":" + ctx.cfg.user;
    var timer = null, cleared = false;

    function snapshot() {
      var values = {}, files = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.name === "_csrf" || el.disabled) return;
        if (el.type === "file") {
          if (el.files.length) files[el.name] = Array.prototype.slice.call(el.files);
        } else if (el.type === "radio" || el.type === "checkbox") {
          if (el.checked) values[el.name] = el.value;
        } else if (el.tagName !== "BUTTON") {
          values[el.name] = el.value;
        }
      });
      return { key: fullKey, user: ctx.cfg.user, savedAt: Date.now(), values: values, files: files };
    }
    function show(savedAt) {
      if (!bar) return;
      bar.textContent = tr("draftKept", "Draft kept on this phone at {time}.", {
        time: new Date(savedAt).toLocaleTimeString(document.documentElement.lang || undefined, { hour: "2-digit", minute: "2-digit" })
      });
      discardButton.classList.remove("is-off");
      discardButton.disabled = false;
    }
    function save() {
      timer = null;
      if (cleared || form.dataset.saved) return Promise.resolve();
      var data = snapshot();
      return draftOp("readwrite", function (s) { return s.put(data); }).then(function () {
        form.dataset.draftSaved = String(data.savedAt);
        show(data.savedAt);
      }).catch(function () {});
    }
    function soon() {
      if (!usable || form.dataset.saved) return;
      clearTimeout(timer);
      timer = setTimeout(save, 300);
    }
    function restore() {
      if (!usable) return Promise.resolve(false);
      return draftOp("readonly", function (s) { return s.get(fullKey); }).then(function (data) {
        if (!data || data.user !== ctx.cfg.user) return false;
        Array.prototype.forEach.call(form.elements, function (el) {
          if (!el.name || el.name === "_csrf") return;
          if (el.type === "file") {
            var chosen = data.files[el.name];
            if (!chosen || !chosen.length || !window.DataTransfer) return;
            var dt = new DataTransfer();
            chosen.forEach(function (f) {
              dt.items.add(f instanceof File ? f : new File([f], "photo.jpg", { type: f.type }));
            });
            el.files = dt.files;
            if (ctx.Outbox) Array.prototype.forEach.call(el.files, ctx.prepare);
            showPreviews(el);
          } else if (el.type === "radio" || el.type === "checkbox") {
            el.checked = data.values[el.name] === el.value;
          } else if (el.tagName !== "BUTTON" && el.name in data.values) {
            el.value = data.values[el.name];
          }
        });
        form.dataset.draftRestored = String(data.savedAt);
        ctx.started = new Date(Date.parse(ctx.value("recorded_at")) || data.savedAt);
        show(data.savedAt);
        return true;
      }).catch(function () { return false; });
    }
    function clear() {
      cleared = true;
      clearTimeout(timer);
      if (!usable) return Promise.resolve();
      return draftOp("readwrite", function (s) { return s.delete(fullKey); }).catch(function () {});
    }
    form.addEventListener("input", soon);
    form.addEventListener("change", soon);
    // A phone call or a closed tab: what is pending is written at once.
    document.addEventListener("visibilitychange", function () { if (document.hidden && timer) save(); });
    window.addEventListener("pagehide", function () { if (timer) save(); });
    if (discardButton) {
      discardButton.addEventListener("click", function () {
        if (!window.confirm(tr("discardDraftConfirm", "Discard this draft? What you entered is deleted from this phone."))) return;
        clear().then(function () { window.location.replace(window.location.pathname); });
      });
    }
    return { restore: restore, clear: clear, save: save };
  }

  Kit.fieldForm = fieldForm;
})();
