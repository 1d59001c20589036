// Xuncha's service worker, rendered by server/pwa.py. A release that changes any file of the app
// shell (or XUNCHA_RELEASE) changes the versioned URLs below, so this file differs byte for byte
// and phones install it on their next visit. Caches are replaced; the outbox (IndexedDB) is not.
/* global XunchaOutbox */
"use strict";

var VERSION = {{ version|tojson }};
var RELEASE = {{ release|tojson }};
var PRECACHE = {{ precache|tojson }};
var OFFLINE_PAGE = {{ offline_page|tojson }};
// Which pages a phone keeps, from server/pwa.py: what an officer or a handler needs with no signal.
var KEPT_PAGES = {{ kept_pages|tojson }}.map(function (re) { return new RegExp(re); });
// Kept pages that come and go with the work (a campaign's form, an open finding): dropped when a
// warm-up no longer asks for them.
var PRUNED_PAGES = {{ pruned_pages|tojson }}.map(function (re) { return new RegExp(re); });
// The home pages of the roles that keep pages, in the order "/" tries them with no signal.
var HOMES = {{ homes|tojson }};
// Thumbnails of the photos a kept page shows, kept beside it (only those a warm-up asked for).
var KEPT_PHOTO = /^\/api\/v1\/photos\/[0-9a-fA-F-]+$/;
importScripts.apply(self, {{ scripts|tojson }});

var PREFIX = "xuncha-";
var STATIC_CACHE = PREFIX + "static-" + VERSION;
// The person's own pages (and their thumbnails), kept across releases: refreshed while online,
// cleared at log-in and log-out.
var PAGES_CACHE = PREFIX + "pages";
// How long a navigation waits for the network before a kept copy is shown instead.
var NETWORK_GRACE_MS = 4000;

function isKeptPage(url) {
  return url.origin === self.location.origin && !url.search &&
    KEPT_PAGES.some(function (re) { return re.test(url.pathname); });
}

function isPruned(path) {
  return PRUNED_PAGES.some(function (re) { return re.test(path); });
}

function isKeptPhoto(url) {
  return url.origin === self.location.origin && KEPT_PHOTO.test(url.pathname) &&
    url.search === "?size=thumb";
}

function cacheable(response) {
  return response && response.ok && response.type === "basic" && !response.redirected &&
    (response.headers.get("Content-Type") || "").indexOf("text/html") === 0;
}

function delay(ms) {
  return new Promise(function (resolve) { setTimeout(resolve, ms); });
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(STATIC_CACHE)
      .then(function (cache) {
        return cache.addAll(PRECACHE.map(function (url) {
          return new Request(url, { cache: "reload", credentials: "same-origin" });
        }));
      })
      // A waiting worker helps no one in the field: take over now. Open pages keep working (their
      // files are fetched again or matched by name), and the outbox does not depend on the worker.
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name.indexOf(PREFIX + "static-") === 0 && name !== STATIC_CACHE;
        }).map(function (name) { return caches.delete(name); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && (url.pathname === "/logout" || url.pathname === "/login")) {
    // Someone else may use this phone next: the kept pages go. The outbox stays.
    event.waitUntil(caches.delete(PAGES_CACHE));
    return;
  }
  if (request.method !== "GET") return;
  // The API is never cached (the outbox and the pages speak to the server themselves), except the
  // thumbnails a warm-up kept for a page shown offline.
  if (isKeptPhoto(url)) {
    event.respondWith(keptPhoto(event));
    return;
  }
  if (url.pathname.indexOf("/api/") === 0) return;
  if (request.mode === "navigate") {
    event.respondWith(navigate(event, url));
  } else if (url.pathname.indexOf("/static/") === 0 || PRECACHE.indexOf(url.pathname) >= 0) {
    event.respondWith(fromCache(event, url));
  }
});

// Network first, so a page is always current when there is a signal; the kept copy when there is
// none (or after a grace period on a weak one); else the page that says it is not available offline.
async function navigate(event, url) {
  var kept = isKeptPage(url);
  // "/" sends each role to its home: with no signal, the home this phone keeps stands in.
  var keys = url.pathname === "/" ? HOMES : [url.pathname];
  var cachedCopy = (kept || url.pathname === "/")
    ? caches.open(PAGES_CACHE).then(async function (cache) {
      for (var i = 0; i < keys.length; i++) {
        var hit = await cache.match(keys[i], { ignoreVary: true });
        if (hit) return hit;
      }
      return undefined;
    })
    : Promise.resolve(undefined);
  var network = fetch(event.request);
  event.waitUntil(network.then(function (response) {
    if (kept && cacheable(response)) {
      var copy = response.clone();
      return caches.open(PAGES_CACHE).then(function (cache) { return cache.put(url.pathname, copy); });
    }
  }).catch(function () {}));
  var cached = await cachedCopy;
  try {
    if (!cached) return await network;
    return await Promise.race([network, delay(NETWORK_GRACE_MS).then(function () { return cached; })]);
  } catch (e) {
    if (cached) return cached;
    var offline = await caches.match(OFFLINE_PAGE, { cacheName: STATIC_CACHE, ignoreVary: true });
    return offline || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } });
  }
}

// Static files carry their content hash in the URL: the cached copy is always right.
async function fromCache(event, url) {
  var cache = await caches.open(STATIC_CACHE);
  var hit = await cache.match(event.request, { ignoreVary: true });
  if (hit) return hit;
  try {
    var response = await fetch(event.request);
    if (response.ok && response.type === "basic" && url.searchParams.has("v")) {
      event.waitUntil(cache.put(event.request, response.clone()));
    }
    return response;
  } catch (e) {
    // A page kept from an older release names older versions of the files: today's will do.
    var same = await cache.match(url.pathname, { ignoreSearch: true, ignoreVary: true });
    if (same) return same;
    throw e;
  }
}

// A kept thumbnail never changes (a photo's UUID names its bytes): the kept copy when there is
// one, the network otherwise.
async function keptPhoto(event) {
  var cache = await caches.open(PAGES_CACHE);
  var hit = await cache.match(event.request, { ignoreVary: true });
  return hit || fetch(event.request);
}

// The pages asked for are fetched with the person's session and kept; forms of campaigns no
// longer offered, findings no longer open and their thumbnails are dropped. The offline page is
// fetched again in the person's language.
async function warm(urls, photos) {
  var cache = await caches.open(PAGES_CACHE);
  var wanted = {};
  var kept = [];
  var photoWanted = {};
  await Promise.all(photos.map(async function (href) {
    var url = new URL(href, self.location.origin);
    if (!isKeptPhoto(url)) return;
    var key = url.pathname + url.search;
    photoWanted[key] = true;
    if (await cache.match(key)) return;
    try {
      var response = await fetch(key, { credentials: "same-origin" });
      if (response.ok && response.type === "basic") await cache.put(key, response);
    } catch (e) { /* no signal: the page shows without it */ }
  }));
  await Promise.all(urls.map(async function (href) {
    var url = new URL(href, self.location.origin);
    if (!isKeptPage(url)) return;
    wanted[url.pathname] = true;
    try {
      var response = await fetch(url.pathname, { credentials: "same-origin", cache: "no-store" });
      if (cacheable(response)) {
        await cache.put(url.pathname, response);
        kept.push(url.pathname);
      }
    } catch (e) { /* no signal: keep what there is */ }
  }));
  var old = await cache.keys();
  await Promise.all(old.map(function (request) {
    var url = new URL(request.url);
    if (isKeptPhoto(url)) return photoWanted[url.pathname + url.search] ? null : cache.delete(request);
    return isPruned(url.pathname) && !wanted[url.pathname] ? cache.delete(request) : null;
  }));
  try {
    var offline = await fetch(OFFLINE_PAGE, { credentials: "same-origin", cache: "no-store" });
    if (cacheable(offline)) await (await caches.open(STATIC_CACHE)).put(OFFLINE_PAGE, offline);
  } catch (e) { /* the precached copy stays */ }
  return kept.sort();
}

function reply(event, message) {
  if (event.ports && event.ports[0]) event.ports[0].postMessage(message);
  else if (event.source) event.source.postMessage(message);
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "warm") {
    event.waitUntil(warm(data.urls || [], data.photos || []).then(function (kept) {
      reply(event, { type: "warmed", pages: kept, version: VERSION });
    }));
  } else if (data.type === "version") {
    reply(event, { type: "version", version: VERSION, release: RELEASE });
  } else if (data.type === "send") {
    event.waitUntil(XunchaOutbox.sendAll({ now: true }));
  } else if (data.type === "claim") {
    // A page whose load began before this worker was active (the log-in's redirect, racing the
    // activation's own claim) asks to be taken over, so that it too works without signal.
    event.waitUntil(self.clients.claim());
  }
});

// Background Sync: the browser wakes this worker when it has a connection, even with no page open.
self.addEventListener("sync", function (event) {
  if (event.tag !== XunchaOutbox.SYNC_TAG) return;
  event.waitUntil(XunchaOutbox.sendAll({ now: true }).then(function (result) {
    // Rejecting asks the browser to fire the sync again later, with its own backoff.
    if (result && result.waiting > 0 && !event.lastChance) throw new Error("the outbox is still waiting");
  }));
});
