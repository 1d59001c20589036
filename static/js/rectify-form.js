// The rectification form of a unit's handler: the distance to the finding, after-photos checked
// on the phone before they are sent (the same picture as a before-photo, or taken far from the
// finding according to its EXIF position), and one rectification per finding kept on this phone.
// The position, photos, drafts and saving are field-kit.js's. Without JavaScript the plain form posts.
(function () {
  "use strict";
  var form = document.getElementById("rectify-form");
  if (!form) return;
  var findingId = Number(form.dataset.finding);
  var Kit = window.XunchaField, MAX_PHOTOS = Kit.MAX_PHOTOS;
  var target = { lat: Number(form.dataset.lat), lon: Number(form.dataset.lon) };
  var farM = Number(form.dataset.farM) || 50;
  var distanceEl = document.querySelector("[data-distance]");
  var warningsEl = form.querySelector("[data-photo-warnings]");
  var photoInput = form.elements.namedItem("photos");
  var ctx = Kit.fieldForm(form, {
    i18n: "xuncha-rectify-i18n",
    draftKey: "rectification:" + findingId,
    onPosition: showDistance,
    problem: problem,
    build: build,
    review: confirmWarnings,
    outboxItem: function () {
      return {
        kind: "rectification",
        finding: findingId,
        label: tr("label", "Rectification of #{id}", { id: findingId }) + " " +
          ((document.querySelector("h1") || {}).textContent || "").replace(/^#\d+\s*/, "")
      };
    }
  });
  var tr = ctx.tr, value = ctx.value;

  function distanceText(m) {
    return m >= 1000 ? (m / 1000).toFixed(1) + " km" : Math.round(m) + " m";
  }
  function showDistance(lat, lon) {
    if (!distanceEl || !isFinite(target.lat) || !isFinite(target.lon)) return;
    var m = Kit.metresBetween(lat, lon, target.lat, target.lon);
    distanceEl.textContent = tr("distance", "{distance} from the finding", { distance: distanceText(m) });
    distanceEl.setAttribute("data-metres", String(Math.round(m)));
  }

  // ---- after-photos checked before they are sent -----------------------------------------------

  // A difference hash: 9x8 grey pixels, one bit per neighbour pair. The same picture sent again
  // (even shrunk or re-encoded) differs in a few bits at most.
  // Shrunk in two smoothed steps: one jump from a full-size photo to 9x8 samples a few pixels
  // only, so the photo and its thumbnail would hash apart.
  function shrunk(source, width, height) {
    var canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    var c = canvas.getContext("2d", { willReadFrequently: true });
    c.imageSmoothingEnabled = true;
    c.imageSmoothingQuality = "high";
    c.drawImage(source, 0, 0, width, height);
    return { canvas: canvas, context: c };
  }
  function dhash(source) {
    var c = shrunk(shrunk(source, 72, 64).canvas, 9, 8).context;
    var px = c.getImageData(0, 0, 9, 8).data, bits = [];
    for (var y = 0; y < 8; y++) {
      for (var x = 0; x < 8; x++) {
        var i = (y * 9 + x) * 4, j = i + 4;
        bits.push(px[i] * 3 + px[i + 1] * 6 + px[i + 2] > px[j] * 3 + px[j + 1] * 6 + px[j + 2] ? 1 : 0);
      }
    }
    return bits;
  }
  function differing(a, b) {
    var n = 0;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
    return n;
  }
  function loaded(img) {
    return img.complete && img.naturalWidth ? Promise.resolve(img) : new Promise(function (resolve, reject) {
      img.addEventListener("load", function () { resolve(img); }, { once: true });
      img.addEventListener("error", reject, { once: true });
    });
  }
  var beforeHashes = null;
  function beforeHashesOnce() {
    if (!beforeHashes) {
      var imgs = Array.prototype.slice.call(document.querySelectorAll(".before-photos img"));
      beforeHashes = Promise.all(imgs.map(function (img) {
        return loaded(img).then(dhash).catch(function () { return null; });
      })).then(function (all) { return all.filter(Boolean); });
    }
    return beforeHashes;
  }
  async function fileHash(file) {
    var bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    try { return dhash(bitmap); } finally { if (bitmap.close) bitmap.close(); }
  }
  async function warningsFor(files) {
    var out = [], before = await beforeHashesOnce();
    for (var n = 0; n < files.length; n++) {
      var file = files[n], label = tr("photoN", "Photo {n}", { n: n + 1 });
      var hash = await fileHash(file).catch(function () { return null; });
      if (hash && before.some(function (b) { return differing(hash, b) <= 5; })) {
        out.push(tr("samePhoto", "{photo} looks the same as a photo of the finding: take a new one of the place as it is now.", { photo: label }));
      }
      var facts = await ctx.prepare(file).catch(function () { return {}; });
      if (facts.exif_location && isFinite(target.lat)) {
        var m = Kit.metresBetween(facts.exif_location.lat, facts.exif_location.lon, target.lat, target.lon);
        if (m > farM) out.push(tr("farPhoto", "{photo} was taken {distance} from the finding.", { photo: label, distance: distanceText(m) }));
      }
    }
    return out;
  }
  var checking = Promise.resolve([]);
  function checkPhotos() {
    var files = Array.prototype.slice.call(photoInput.files);
    checking = warningsFor(files).then(function (found) {
      warningsEl.innerHTML = "";
      found.forEach(function (text) {
        var p = document.createElement("p");
        p.textContent = text;
        warningsEl.appendChild(p);
      });
      warningsEl.hidden = !found.length;
      return found;
    }, function () { return []; });
    return checking;
  }
  photoInput.addEventListener("change", checkPhotos);
  ctx.ready.then(function () { if (photoInput.files.length) checkPhotos(); });

  function confirmWarnings(keep, cancel) {
    checking.then(function (found) {
      if (found.length && !window.confirm(found.join("\n") + "\n\n" + tr("sendAnyway", "Save it anyway?"))) return cancel();
      keep();
    });
  }

  // ---- the body: what server/findings/unit_pages.py builds from the plain form -----------------

  function problem() {
    var count = photoInput.files.length;
    if (!count) return tr("photoRequired", "Add at least one after-photo.");
    if (count > MAX_PHOTOS) return tr("tooManyPhotos", "At most {n} after-photos.", { n: MAX_PHOTOS });
    return ctx.positionProblem();
  }

  async function build() {
    var photos = [], blobs = [];
    var ready = await Promise.all(Array.prototype.map.call(photoInput.files, ctx.prepare));
    ready.forEach(function (p) {
      var uuid = Kit.newUuid();
      var entry = { uuid: uuid };
      if (p.taken_at) entry.taken_at = p.taken_at;
      if (p.exif_location) entry.exif_location = p.exif_location;
      photos.push(entry);
      blobs.push({ uuid: uuid, type: p.type, blob: p.blob });
    });
    var body = { note: value("note") || "", recorded_at: value("recorded_at"), location: ctx.position(), photos: photos };
    return { body: body, photos: blobs };
  }

  // One rectification per finding at a time: one already kept on this phone (or sent since this
  // copy of the page was kept) is shown instead of a second form.
  function earlier() {
    var Outbox = ctx.Outbox;
    if (!Outbox || !window.indexedDB) return;
    var since = Date.parse(form.dataset.statusSince || "") || 0;
    Promise.all([Outbox.list(), Outbox.history()]).then(function (all) {
      if (form.dataset.submitting) return;
      var mine = function (item) {
        return Outbox.kindOf(item) === "rectification" && Number(item.finding) === findingId &&
          (!item.user || item.user === ctx.cfg.user);
      };
      var queued = all[0].filter(mine)[0];
      if (queued) {
        ctx.lock(queued.uuid, tr("alreadySaved", "A rectification of this finding is already saved on this phone."));
        return;
      }
      var done = all[1].filter(function (h) { return mine(h) && Date.parse(h.receivedAt) >= since; })[0];
      if (done) ctx.lock(done.uuid, ctx.receivedText(done.receivedAt));
    }).catch(function () {});
  }
  earlier();
})();
