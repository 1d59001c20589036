// The outbox: checks and rectifications, with their photos, kept in IndexedDB until the server has
// confirmed them, and the sender that replays them. Loaded by the pages and by the service worker
// (importScripts), so Background Sync can send with no page open. No DOM here. Needs idb
// (vendor/idb-8.0.3.umd.js).
(function (root) {
  "use strict";
  var idb = root.idb;
  var DB_NAME = "xuncha-outbox";
  var DB_VERSION = 2;
  var LOCK = "xuncha-outbox-send";
  var CHANNEL = "xuncha-outbox";
  var SYNC_TAG = "xuncha-outbox";
  var HISTORY_MAX = 20;
  var HISTORY_MS = 14 * 24 * 3600 * 1000;
  var BACKOFF_MIN_MS = 5000;
  var BACKOFF_MAX_MS = 15 * 60 * 1000;
  var LEASE_MS = 2 * 60 * 1000;

  // What the outbox carries, and where each kind goes: the record by PUT, then each photo by PUT,
  // all keyed by UUIDs made on the phone, so a replay is harmless (CONTRACT.md).
  var KINDS = {
    check: {
      url: function (item) { return "/api/v1/checks/" + item.uuid; },
      photoUrl: function (item, photo) { return "/api/v1/checks/" + item.uuid + "/photos/" + photo; }
    },
    rectification: {
      url: function (item) {
        return "/api/v1/findings/" + encodeURIComponent(item.finding) + "/rectifications/" + item.uuid;
      },
      photoUrl: function (item, photo) { return "/api/v1/rectifications/" + item.uuid + "/photos/" + photo; }
    },
    // A unit's answer to a public complaint: no photos.
    answer: {
      url: function (item) {
        return "/api/v1/complaints/" + encodeURIComponent(item.complaint) + "/answers/" + item.uuid;
      }
    }
  };
  // Items kept before rectifications existed carry no kind: they are checks.
  function kindOf(item) {
    return item && KINDS[item.kind] ? item.kind : "check";
  }

  // ---- the database -------------------------------------------------------------------------

  // Schema history; each step upgrades from the one before, and nothing queued is ever dropped.
  //   v1  one store "outbox": {uuid, body, photos: [{uuid, type, blob}], created}
  //   v2  "checks": the body and each photo's state, in the order checks were made [madeAt, seq];
  //       "photos": the blobs apart, read only when sent; "history": confirmed checks, kept a
  //       while so the officer sees they went; "meta": the sequence counter and the send lease.
  //       Later, with no new store or index: "checks" also holds rectifications, told apart by
  //       kind ("check" | "rectification", with the finding's id); an item without one is a check,
  //       so items queued before are read as they are, unchanged. Likewise answers to complaints
  //       (kind "answer", with the complaint's UUID).
  function upgrade(db, oldVersion, _newVersion, tx) {
    var rdb = idb.unwrap(db);
    var rtx = idb.unwrap(tx);
    if (oldVersion < 2) {
      var checks = rdb.createObjectStore("checks", { keyPath: "uuid" });
      checks.createIndex("order", ["madeAt", "seq"]);
      rdb.createObjectStore("photos", { keyPath: "uuid" }).createIndex("check", "check");
      rdb.createObjectStore("history", { keyPath: "uuid" }).createIndex("doneAt", "doneAt");
      rdb.createObjectStore("meta", { keyPath: "key" });
      if (oldVersion === 1) migrateV1(rdb, rtx);
    }
  }

  function migrateV1(rdb, rtx) {
    // Plain requests inside the upgrade transaction: it commits only when all of them have.
    rtx.objectStore("outbox").getAll().onsuccess = function (event) {
      var items = (event.target.result || []).slice().sort(function (a, b) {
        return (a.created || 0) - (b.created || 0);
      });
      items.forEach(function (old, i) {
        var photos = old.photos || [];
        rtx.objectStore("checks").put(record({
          uuid: old.uuid,
          user: old.user || null,
          campaign: (old.body && old.body.campaign) || "",
          label: old.label || "",
          body: old.body,
          photos: photos,
          madeAt: Date.parse(old.body && old.body.recorded_at) || old.created || Date.now(),
          savedAt: old.created || Date.now()
        }, i + 1));
        photos.forEach(function (p) {
          rtx.objectStore("photos").put({ uuid: p.uuid, check: old.uuid, type: p.type, blob: p.blob });
        });
      });
      rtx.objectStore("meta").put({ key: "seq", value: items.length });
      rdb.deleteObjectStore("outbox");
    };
  }

  var dbPromise = null;
  function open() {
    if (!dbPromise) {
      dbPromise = idb.openDB(DB_NAME, DB_VERSION, {
        upgrade: upgrade,
        // A newer release wants to upgrade the schema: step aside; the next call opens again.
        blocking: function () { close(); },
        terminated: function () { dbPromise = null; }
      });
      dbPromise.catch(function () { dbPromise = null; });
    }
    return dbPromise;
  }

  function close() {
    var pending = dbPromise;
    dbPromise = null;
    if (pending) pending.then(function (db) { db.close(); }, function () {});
  }

  function record(entry, seq) {
    return {
      uuid: entry.uuid,
      kind: kindOf(entry),
      finding: entry.finding === undefined ? null : entry.finding,
      complaint: entry.complaint === undefined ? null : entry.complaint,
      user: entry.user || null,
      campaign: entry.campaign,
      label: entry.label || entry.campaign,
      body: entry.body,
      photos: (entry.photos || []).map(function (p) {
        return { uuid: p.uuid, type: p.type, size: p.blob ? p.blob.size : 0, sent: false };
      }),
      madeAt: entry.madeAt,
      seq: seq,
      savedAt: entry.savedAt || Date.now(),
      state: "saved",
      attempts: 0,
      nextTryAt: 0,
      error: null,
      receipt: null
    };
  }

  // ---- change notices: this context's listeners and every other tab and the service worker ---

  var listeners = [];
  var channel = typeof root.BroadcastChannel === "function" ? new root.BroadcastChannel(CHANNEL) : null;
  if (channel) {
    channel.onmessage = function (event) {
      listeners.forEach(function (fn) { fn(event.data || {}); });
    };
  }
  function notify(detail) {
    detail = detail || { type: "changed" };
    listeners.forEach(function (fn) { fn(detail); });
    if (channel) channel.postMessage(detail);
  }
  function subscribe(fn) {
    listeners.push(fn);
    return function () { listeners = listeners.filter(function (f) { return f !== fn; }); };
  }

  // ---- keeping checks and rectifications -----------------------------------------------------

  // entry: {uuid, kind, finding (for a rectification), user, campaign, label, body, madeAt,
  //         photos: [{uuid, type, blob}]}
  async function enqueue(entry) {
    var db = await open();
    var tx = db.transaction(["checks", "photos", "meta"], "readwrite");
    var meta = tx.objectStore("meta");
    var seq = ((await meta.get("seq")) || { value: 0 }).value + 1;
    meta.put({ key: "seq", value: seq });
    tx.objectStore("checks").add(record(entry, seq)); // add, not put: saving twice never replaces
    (entry.photos || []).forEach(function (p) {
      tx.objectStore("photos").put({ uuid: p.uuid, check: entry.uuid, type: p.type, blob: p.blob });
    });
    await tx.done;
    notify({ type: "changed", uuid: entry.uuid });
    return entry.uuid;
  }

  async function list() {
    var db = await open();
    return db.getAllFromIndex("checks", "order");
  }

  async function history() {
    var db = await open();
    var done = await db.getAllFromIndex("history", "doneAt");
    return done.reverse();
  }

  async function get(uuid) {
    var db = await open();
    var item = await db.get("checks", uuid);
    if (item) return { queued: item };
    var done = await db.get("history", uuid);
    return done ? { done: done } : null;
  }

  // Only for a check the server refuses for good; the officer confirms it first.
  async function discard(uuid) {
    var db = await open();
    var tx = db.transaction(["checks", "photos"], "readwrite");
    var item = await tx.objectStore("checks").get(uuid);
    if (item) {
      tx.objectStore("checks").delete(uuid);
      item.photos.forEach(function (p) { tx.objectStore("photos").delete(p.uuid); });
    }
    await tx.done;
    notify({ type: "changed", uuid: uuid });
  }

  async function patch(db, uuid, changes) {
    var tx = db.transaction("checks", "readwrite");
    var item = await tx.store.get(uuid);
    if (item) {
      Object.assign(item, changes);
      await tx.store.put(item);
    }
    await tx.done;
    return item;
  }

  async function confirm(db, item, receipt) {
    var tx = db.transaction(["checks", "photos", "history"], "readwrite");
    tx.objectStore("checks").delete(item.uuid);
    item.photos.forEach(function (p) { tx.objectStore("photos").delete(p.uuid); });
    var done = tx.objectStore("history");
    var now = Date.now();
    done.put({
      uuid: item.uuid,
      kind: kindOf(item),
      finding: item.finding === undefined ? null : item.finding,
      complaint: item.complaint === undefined ? null : item.complaint,
      campaign: item.campaign,
      label: item.label,
      madeAt: item.madeAt,
      receivedAt: receipt.received_at,
      status: "complete",
      findings: (receipt.findings || []).length,
      photos: item.photos.length,
      doneAt: now
    });
    var kept = await done.index("doneAt").getAll(); // oldest first, the new entry included
    var excess = kept.length - HISTORY_MAX;
    kept.forEach(function (h, i) {
      if (i < excess || now - h.doneAt > HISTORY_MS) done.delete(h.uuid);
    });
    await tx.done;
  }

  // ---- talking to the server ----------------------------------------------------------------

  function outcomeOf(status) {
    if (status >= 200 && status < 300) return "ok";
    if (status === 401) return "login";
    if (status === 0 || status === 408 || status === 425 || status === 429 || status >= 500) return "retry";
    return "attention"; // 400, 403, 404, 409, 413, 415, 422: the server's message says what to do
  }

  async function readJson(response) {
    try { return await response.json(); } catch (e) { return null; }
  }

  async function whoAmI() {
    var response;
    try {
      response = await fetch("/api/v1/me", {
        credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" }
      });
    } catch (e) {
      return { kind: "retry", status: 0 };
    }
    var body = await readJson(response);
    if (!response.ok || !body) return { kind: outcomeOf(response.status || 500), status: response.status, body: body };
    return { kind: "ok", username: body.user && body.user.username, csrf: body.csrf_token };
  }

  async function put(url, payload, type, me) {
    for (var attempt = 0; ; attempt++) {
      var response;
      try {
        response = await fetch(url, {
          method: "PUT",
          body: payload,
          credentials: "same-origin",
          headers: { "Content-Type": type, "X-CSRF-Token": me.csrf || "", Accept: "application/json" }
        });
      } catch (e) {
        return { kind: "retry", status: 0 };
      }
      var body = await readJson(response);
      // A token from a cached page or an older session: fetch a fresh one, and try once more.
      if (response.status === 403 && attempt === 0) {
        var fresh = await whoAmI();
        if (fresh.kind === "ok") { me.csrf = fresh.csrf; continue; }
        if (fresh.kind === "login") return fresh;
      }
      return { kind: outcomeOf(response.status), status: response.status, body: body };
    }
  }

  function backoff(attempts) {
    var base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * Math.pow(2, Math.max(0, attempts - 1)));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  async function failed(db, uuid, outcome, photo) {
    var body = outcome.body || {};
    var changes = {
      error: {
        status: outcome.status || 0,
        code: body.error || "",
        message: body.message || "",
        errors: Array.isArray(body.errors) ? body.errors : [],
        photo: photo || null,
        at: Date.now()
      }
    };
    if (outcome.kind === "retry") {
      var item = await db.get("checks", uuid);
      var attempts = ((item && item.attempts) || 0) + 1;
      changes.state = "saved";
      changes.attempts = attempts;
      changes.nextTryAt = Date.now() + backoff(attempts);
    } else {
      changes.state = outcome.kind === "login" ? "login" : "attention";
    }
    await patch(db, uuid, changes);
    notify({ type: "changed", uuid: uuid });
    return outcome.kind;
  }

  async function sendOne(db, item, me, lease) {
    await patch(db, item.uuid, { state: "sending", sendingSince: Date.now() });
    notify({ type: "changed", uuid: item.uuid });
    var kind = KINDS[kindOf(item)];
    if (kind === KINDS.rectification && (item.finding === null || item.finding === undefined)) {
      return failed(db, item.uuid, { kind: "attention", status: 0, body: { error: "finding_lost" } });
    }
    var outcome = await put(kind.url(item), JSON.stringify(item.body), "application/json", me);
    if (outcome.kind !== "ok") return failed(db, item.uuid, outcome);
    var receipt = outcome.body || {};
    var missing = receipt.missing_photos || [];
    var photos = item.photos.map(function (p) {
      return Object.assign({}, p, { sent: p.sent || missing.indexOf(p.uuid) < 0 });
    });
    await patch(db, item.uuid, { photos: photos, receipt: receipt, error: null });
    notify({ type: "changed", uuid: item.uuid });
    for (var i = 0; i < photos.length; i++) {
      if (photos[i].sent) continue;
      if (lease) await lease();
      var stored = await db.get("photos", photos[i].uuid);
      if (!stored) {
        return failed(db, item.uuid, { kind: "attention", status: 0, body: { error: "photo_lost" } }, photos[i].uuid);
      }
      var url = kind.photoUrl(item, photos[i].uuid);
      outcome = await put(url, stored.blob, stored.type || "image/jpeg", me);
      if (outcome.kind !== "ok") return failed(db, item.uuid, outcome, photos[i].uuid);
      photos[i].sent = true;
      await patch(db, item.uuid, { photos: photos });
      notify({ type: "changed", uuid: item.uuid });
    }
    // Every photo is on the server (listed as received, or answered 200/201): the item leaves.
    await confirm(db, item, receipt);
    notify({ type: "sent", uuid: item.uuid, receivedAt: receipt.received_at });
    return "sent";
  }

  // One pass over the outbox, oldest check first. A check in backoff holds back the ones made
  // after it (the server sees checks in the order they were made); one that needs the officer
  // does not. opts.now: ignore backoff (the officer asked, or the connection came back);
  // opts.retryAttention: also try the checks the server refused.
  async function pass(opts, lease) {
    var db = await open();
    var items = await db.getAll("checks");
    for (var s = 0; s < items.length; s++) {
      // Left "sending" by a tab or worker that stopped half-way; we hold the lock, so no one is.
      if (items[s].state === "sending") await patch(db, items[s].uuid, { state: "saved" });
    }
    var result = { sent: 0, pending: 0, waiting: 0, login: false, offline: false };
    var tried = {};
    var me = null;
    for (;;) {
      var queue = await db.getAllFromIndex("checks", "order");
      var next = null;
      for (var i = 0; i < queue.length && !next; i++) {
        var item = queue[i];
        if (tried[item.uuid]) continue;
        if (item.state === "attention" && !opts.retryAttention) continue;
        if (item.user && me && item.user !== me.username) continue; // another officer's check waits for them
        next = item;
      }
      if (!next) break;
      if (!opts.now && next.nextTryAt > Date.now()) break;
      if (!me) {
        me = await whoAmI();
        if (me.kind !== "ok") {
          if (me.kind === "login") {
            result.login = true;
            for (var j = 0; j < queue.length; j++) {
              if (queue[j].state !== "attention") await patch(db, queue[j].uuid, { state: "login" });
            }
            notify();
          } else {
            result.offline = me.status === 0;
            await failed(db, next.uuid, me);
          }
          break;
        }
        if (next.user && next.user !== me.username) continue;
      }
      tried[next.uuid] = true;
      if (lease) await lease();
      var outcome = await sendOne(db, next, me, lease);
      if (outcome === "sent") result.sent++;
      else if (outcome === "retry") { result.offline = true; break; }
      else if (outcome === "login") { result.login = true; break; }
    }
    var left = await db.getAll("checks");
    result.pending = left.length;
    result.waiting = left.filter(function (i) {
      return i.state !== "attention" && !(i.user && me && me.username && i.user !== me.username);
    }).length;
    return result;
  }

  // One sender at a time across tabs and the service worker: the Web Locks API where there is
  // one, a lease in the database elsewhere. The PUTs are idempotent, so even a race is harmless.
  function withLock(fn) {
    var locks = root.navigator && root.navigator.locks;
    if (locks && typeof locks.request === "function") {
      return locks.request(LOCK, { ifAvailable: true }, function (lock) {
        return lock ? fn(null) : null;
      });
    }
    return withLease(fn);
  }

  async function withLease(fn) {
    var db = await open();
    var owner = Math.random().toString(36).slice(2);
    async function take() {
      var tx = db.transaction("meta", "readwrite");
      var lease = await tx.store.get("lease");
      var mine = !lease || lease.owner === owner || lease.until < Date.now();
      if (mine) tx.store.put({ key: "lease", owner: owner, until: Date.now() + LEASE_MS });
      await tx.done;
      return mine;
    }
    if (!(await take())) return null;
    try {
      return await fn(take);
    } finally {
      var tx = db.transaction("meta", "readwrite");
      var lease = await tx.store.get("lease");
      if (lease && lease.owner === owner) tx.store.delete("lease");
      await tx.done;
    }
  }

  // Resolves to the pass's result, or null when another tab or the service worker is sending.
  function sendAll(opts) {
    opts = opts || {};
    return withLock(function (lease) { return pass(opts, lease); }).then(function (result) {
      notify({ type: "pass", result: result });
      return result;
    });
  }

  // When the next check is due to be tried again, or null when nothing waits on a timer.
  async function nextDue() {
    var queue = await list();
    var due = null;
    queue.forEach(function (item) {
      if (item.state === "attention") return;
      var at = item.nextTryAt || 0;
      if (due === null || at < due) due = at;
    });
    return due;
  }

  root.XunchaOutbox = {
    DB_NAME: DB_NAME,
    DB_VERSION: DB_VERSION,
    SYNC_TAG: SYNC_TAG,
    kindOf: kindOf,
    open: open,
    close: close,
    enqueue: enqueue,
    list: list,
    history: history,
    get: get,
    discard: discard,
    sendAll: sendAll,
    nextDue: nextDue,
    subscribe: subscribe,
    notify: notify
  };
})(typeof self !== "undefined" ? self : this);
