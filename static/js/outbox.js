// On every page: registers the service worker. For those who record checks or rectifications it
// also keeps the outbox moving (on load, when the connection comes back, on a timer while items
// wait, on "send now", and through Background Sync), keeps their pages on the phone while online
// (an officer's checklists, a handler's open findings), and shows the outbox wherever the page
// has an element with data-outbox.
(function () {
  "use strict";
  var cfg = readJson("xuncha-pwa") || {};
  var t = readJson("xuncha-pwa-i18n") || {};
  var Outbox = window.XunchaOutbox;
  var TICK_MS = 15000;
  var WARM_EVERY_MS = 30 * 60 * 1000;
  var STORAGE_WARN = 0.8;

  function readJson(id) {
    var el = document.getElementById(id);
    try { return el ? JSON.parse(el.textContent) : null; } catch (e) { return null; }
  }
  function tr(key, fallback, vars) {
    return String(t[key] || fallback).replace(/\{(\w+)\}/g, function (m, name) {
      return vars && name in vars ? vars[name] : m;
    });
  }
  function when(value) {
    var d = typeof value === "number" ? new Date(value) : new Date(String(value));
    if (isNaN(d.getTime())) return "";
    var lang = document.documentElement.lang || undefined;
    try {
      return d.toLocaleString(lang, { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
    } catch (e) {
      return d.toLocaleString();
    }
  }

  // ---- the service worker ----------------------------------------------------------------

  var registration = null;
  if ("serviceWorker" in navigator && cfg.sw) {
    registration = navigator.serviceWorker.register(cfg.sw, { scope: "/", updateViaCache: "none" })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (r) { if (!navigator.serviceWorker.controller) r.active.postMessage({ type: "claim" }); return r; })
      .catch(function () { return null; });
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type === "warmed") {
        document.documentElement.setAttribute("data-offline-ready", data.version || "1");
      }
    });
  }

  if (!Outbox || !cfg.records || !cfg.user) return;

  // Keep this person's pages on the phone: after log-in, every half hour, on a new worker, and
  // when the page names one not kept yet.
  function warm(force) {
    if (!registration || !navigator.onLine) return;
    var mark = {};
    try { mark = JSON.parse(localStorage.getItem("xuncha.warmed") || "{}"); } catch (e) { /* none yet */ }
    var named = Array.prototype.map.call(document.querySelectorAll("a[data-offline-page]"), function (a) {
      return new URL(a.href, location.href).pathname;
    });
    registration.then(function (reg) {
      if (!reg || !reg.active) return null;
      var fresh = mark.user === cfg.user && Date.now() - (mark.at || 0) < WARM_EVERY_MS;
      var check = fresh && !force
        ? caches.open("xuncha-pages").then(function (c) {
          return Promise.all([cfg.home].concat(named).map(function (path) { return c.match(path); }));
        }).then(function (hits) { return hits.every(Boolean); })
        : Promise.resolve(false);
      return check.then(function (kept) {
        if (kept) {
          document.documentElement.setAttribute("data-offline-ready", "1");
          return null;
        }
        return pagesToKeep().then(function (wanted) {
          reg.active.postMessage({ type: "warm", urls: wanted.urls, photos: wanted.photos });
          localStorage.setItem("xuncha.warmed", JSON.stringify({ user: cfg.user, at: Date.now() }));
        });
      });
    }).catch(function () { /* no signal or logged out: try next time */ });
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); });
  }

  // A handler keeps the unit's list, the page of each finding that waits for the unit, and the
  // first before-photos of each as thumbnails; an officer the home, own checks and every form.
  var THUMBS_PER_FINDING = 4;
  function pagesToKeep() {
    if (cfg.keep) {
      // The unit's findings, and (cfg.keepAlso) its complaints: each list names its home and pages.
      var lists = [cfg.keep].concat(cfg.keepAlso || []).map(function (url, i) {
        return i ? getJson(url).catch(function () { return {}; }) : getJson(url);
      });
      return Promise.all(lists).then(function (works) {
        var urls = [cfg.home], photos = [];
        works.forEach(function (work) {
          if (work.home) urls.push(work.home);
          (work.waiting || []).forEach(function (f) {
            urls.push(f.page);
            (f.photos || []).slice(0, THUMBS_PER_FINDING).forEach(function (p) { photos.push(p.thumb_url); });
          });
        });
        return { urls: urls, photos: photos };
      });
    }
    return getJson("/api/v1/me").then(function (me) {
      var urls = [cfg.home, cfg.home + "/checks"].concat((me.campaigns || []).map(function (code) {
        return cfg.home + "/" + encodeURIComponent(code) + "/new";
      })).concat(cfg.keepPages || []);
      return { urls: urls, photos: [] };
    });
  }

  // ---- sending ---------------------------------------------------------------------------

  var sending = false;
  var again = null;
  function send(opts) {
    opts = opts || {};
    if (sending) {
      again = Object.assign(again || {}, opts);
      return Promise.resolve(null);
    }
    sending = true;
    return Outbox.sendAll(opts)
      .then(function (result) {
        // Another tab or the service worker holds the lock: look again shortly.
        if (result === null) setTimeout(function () { send(opts); }, 3000);
        return result;
      })
      .catch(function (err) { if (window.console) console.warn("outbox", err); return null; })
      .then(function (result) {
        sending = false;
        render();
        if (again) { var next = again; again = null; send(next); }
        return result;
      });
  }

  function requestSync() {
    if (!registration) return Promise.resolve();
    return registration.then(function (reg) {
      if (reg && reg.sync) return reg.sync.register(Outbox.SYNC_TAG);
      return null;
    }).catch(function () { /* no Background Sync here: the timer and the online event do it */ });
  }

  function persist() {
    if (navigator.storage && navigator.storage.persist) {
      return navigator.storage.persisted().then(function (already) {
        return already || navigator.storage.persist();
      }).catch(function () { return false; });
    }
    return Promise.resolve(false);
  }

  // Called by the check and rectification forms once an item is kept on the phone.
  function afterSave() {
    persist();
    requestSync();
    return send({ now: true });
  }

  function tick() {
    if (!navigator.onLine) return;
    Outbox.nextDue().then(function (due) {
      if (due !== null && due <= Date.now()) send({});
    }).catch(function () {});
  }

  window.addEventListener("online", function () { send({ now: true }); });
  setInterval(tick, TICK_MS);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") tick();
  });
  if (registration) {
    navigator.serviceWorker.addEventListener("controllerchange", function () { warm(true); });
  }

  // ---- the outbox view -------------------------------------------------------------------

  var box = document.querySelector("[data-outbox]");
  var storageNote = null;
  var storageCheckedAt = 0;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function photoText(item) {
    var n = item.photos.length;
    if (!n) return "";
    var sent = item.photos.filter(function (p) { return p.sent; }).length;
    if (sent && sent < n) return tr("photosSent", "{sent} of {n} photos sent", { sent: sent, n: n });
    return n === 1 ? tr("photoOne", "1 photo") : tr("photoMany", "{n} photos", { n: n });
  }

  function errorText(error) {
    if (!error) return "";
    var lines = [];
    lines.push(error.message || tr("httpError", "The server refused it (HTTP {status}).", { status: error.status }));
    (error.errors || []).forEach(function (e) {
      lines.push((e.field ? e.field + ": " : "") + (e.message || ""));
    });
    return lines.join(" ");
  }

  function stateOf(item) {
    if (item.user && item.user !== cfg.user) {
      return { key: "other", text: tr("otherUser", "Saved by {user}", { user: item.user }), badge: "" };
    }
    if (item.state === "sending") return { key: "sending", text: tr("sending", "Sending…"), badge: "new" };
    if (item.state === "attention") return { key: "attention", text: tr("attention", "Needs attention"), badge: "fail" };
    if (item.state === "login") return { key: "login", text: tr("saved", "Saved on this phone"), badge: "major" };
    return { key: "saved", text: tr("saved", "Saved on this phone"), badge: "major" };
  }

  // What tells two saved checks of one campaign apart besides the time: the site and the problems found.
  function contentText(item) {
    var body = item.body || {};
    var parts = [];
    if (body.site) parts.push(tr("atSite", "Site {site}", { site: body.site }));
    var failed = (body.answers || []).filter(function (a) { return a.result === "fail"; }).length;
    if (failed) parts.push(failed === 1 ? tr("problemOne", "1 problem found") : tr("problemMany", "{n} problems found", { n: failed }));
    return parts.join(" · ");
  }

  function itemNode(item) {
    var state = stateOf(item);
    var detail = [when(item.madeAt), contentText(item), photoText(item)].filter(Boolean).join(" · ");
    var note = null;
    if (state.key === "attention") {
      note = el("span", { class: "outbox-msg", text: errorText(item.error) });
    } else if (state.key === "saved" && item.error && item.nextTryAt > Date.now()) {
      note = el("span", { class: "outbox-msg muted", text: tr("retryAt", "Trying again at {time}.", { time: when(item.nextTryAt) }) });
    }
    var discard = null;
    if (state.key === "attention") {
      discard = el("button", { type: "button", class: "button outbox-discard", "data-discard": item.uuid, text: tr("discard", "Delete from this phone") });
    }
    return el("li", { "data-outbox-item": item.uuid, "data-state": state.key }, [
      el("div", { class: "row" }, [
        el("span", { class: "grow" }, [
          el("span", { class: "title", text: item.label || item.campaign }),
          el("br"),
          el("span", { class: "muted small", text: detail }),
          note ? el("br") : null,
          note
        ]),
        el("span", { class: "badge " + state.badge, text: state.text })
      ]),
      discard
    ]);
  }

  function doneNode(done) {
    var kind = Outbox.kindOf(done);
    var href = kind === "rectification" ? "/unit/findings/" + done.finding
      : kind === "answer" ? "/complaints/" + done.complaint : "/checks/" + done.uuid;
    return el("li", { "data-outbox-done": done.uuid, "data-state": "confirmed" }, [
      el("a", { href: href }, [
        el("span", { class: "grow" }, [
          el("span", { class: "title", text: done.label || done.campaign }),
          el("br"),
          el("span", { class: "muted small", text: [when(done.madeAt), tr("receivedAt", "Received by the server at {time}.", { time: when(done.receivedAt) })].join(" · ") })
        ]),
        el("span", { class: "badge complete", text: tr("confirmed", "Confirmed by the server") })
      ])
    ]);
  }

  function checkStorage() {
    if (!navigator.storage || !navigator.storage.estimate || Date.now() - storageCheckedAt < 60000) {
      return Promise.resolve(storageNote);
    }
    storageCheckedAt = Date.now();
    return navigator.storage.estimate().then(function (est) {
      var share = est.quota ? est.usage / est.quota : 0;
      storageNote = share > STORAGE_WARN ? Math.round(share * 100) + "%" : null;
      return storageNote;
    }).catch(function () { return null; });
  }

  // A stable frame (heading, "send now"), so a tap never lands on a node being replaced; the
  // parts inside it are redrawn on every change.
  var parts = null;
  function frame() {
    if (parts) return parts;
    parts = {
      send: el("button", { type: "button", class: "button", "data-send-now": "", text: tr("sendNow", "Send now") }),
      summary: el("p", { class: "outbox-summary", role: "status" }),
      body: el("div", { class: "outbox-body" })
    };
    box.replaceChildren(el("section", { class: "outbox card", "aria-labelledby": "outbox-h" }, [
      el("div", { class: "outbox-head" }, [el("h2", { id: "outbox-h", text: tr("outbox", "Outbox") }), parts.send]),
      parts.summary,
      parts.body
    ]));
    return parts;
  }

  var rendering = null;
  var stale = false;
  function render() {
    if (!box) return Promise.resolve();
    if (rendering) { stale = true; return rendering; }
    rendering = Promise.all([Outbox.list(), Outbox.history(), checkStorage()]).then(function (all) {
      rendering = null;
      if (stale) { stale = false; render(); return; }
      var queue = all[0], done = all[1], full = all[2];
      var mine = queue.filter(function (i) { return !i.user || i.user === cfg.user; });
      var p = frame();
      p.send.hidden = !queue.length;
      box.classList.toggle("holds-items", queue.length > 0); // the page may bring it to the top
      p.summary.textContent = mine.length === 0 ? tr("outboxEmpty", "Nothing is waiting to be sent.")
        : mine.length === 1 ? tr("waitingOne", "1 check is waiting to be sent.")
          : tr("waitingMany", "{n} checks are waiting to be sent.", { n: mine.length });
      var login = queue.some(function (i) { return i.state === "login"; });
      p.body.replaceChildren.apply(p.body, [
        login ? el("div", { class: "alert alert-warn", "data-outbox-login": "" }, [
          el("p", { text: tr("loginAgain", "Your session has ended. Log in again to send the saved checks.") }),
          el("a", { class: "button primary", href: cfg.login || "/login", text: tr("loginLink", "Log in again") })
        ]) : null,
        full ? el("div", { class: "alert alert-warn", "data-outbox-storage": "", text: tr("storageFull", "Storage is nearly full ({pct} used).", { pct: full }) }) : null,
        queue.length ? el("ul", { class: "list outbox-items" }, queue.map(itemNode)) : null,
        done.length ? el("h3", { text: tr("sentRecently", "Sent recently") }) : null,
        done.length ? el("ul", { class: "list outbox-done" }, done.map(doneNode)) : null
      ].filter(Boolean));
    }, function (err) {
      rendering = null;
      if (window.console) console.warn("outbox", err);
    });
    return rendering;
  }

  if (box) {
    box.addEventListener("click", function (event) {
      var target = event.target;
      if (target.closest("[data-send-now]")) {
        event.preventDefault();
        requestSync();
        send({ now: true, retryAttention: true });
      } else if (target.closest("[data-discard]")) {
        if (window.confirm(tr("discardConfirm", "Delete this check from the phone?"))) {
          Outbox.discard(target.closest("[data-discard]").getAttribute("data-discard"));
        }
      }
    });
  }

  var queued = false;
  Outbox.subscribe(function () {
    if (queued) return;
    queued = true;
    requestAnimationFrame(function () { queued = false; render(); });
  });

  window.XunchaPwa = { send: send, afterSave: afterSave, requestSync: requestSync, persist: persist, render: render };

  render();
  warm(false);
  Outbox.list().then(function (queue) {
    if (!queue.length) return;
    persist();
    requestSync();
    send({ now: true });
  }).catch(function () {});
})();
