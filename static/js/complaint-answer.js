// A unit's answer to a complaint, kept in the phone's outbox (outbox-core.js, kind "answer") and
// sent by PUT under a UUID made here, so it arrives once however often it is sent. Without
// JavaScript (or IndexedDB) the form posts as a plain form.
(function () {
  "use strict";
  var form = document.getElementById("answer-form");
  var Outbox = window.XunchaOutbox;
  var Kit = window.XunchaField; // field-kit.js: the UUID and page-data readers the forms share
  if (!form || !Outbox || !Kit || !window.indexedDB) return;
  var t = Kit.readJson("xuncha-answer-i18n");
  var cfg = Kit.readJson("xuncha-pwa");
  var state = form.querySelector("[data-save-state]");
  var complaint = form.dataset.complaint;

  // A page kept on the phone names the same UUID each time it is opened: make a fresh one.
  form.elements.uuid.value = Kit.newUuid();

  function lock(text) {
    state.textContent = text;
    Array.prototype.forEach.call(form.elements, function (el) { el.disabled = true; });
    form.dataset.saved = "1";
  }

  // An answer to this complaint already waiting on the phone: show it instead of a second form.
  Promise.all([Outbox.list(), Outbox.history()]).then(function (all) {
    var mine = all[0].concat(all[1]).some(function (item) {
      return item.kind === "answer" && item.complaint === complaint && (!item.user || item.user === cfg.user);
    });
    if (mine) lock(t.saved || "");
  }).catch(function () {});

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (form.dataset.saved || form.dataset.submitting) return; // a double tap is one answer
    var result = form.elements.result.value.trim();
    if (!result) {
      state.textContent = t.empty || "";
      return;
    }
    form.dataset.submitting = "1";
    Outbox.enqueue({
      uuid: form.elements.uuid.value,
      kind: "answer",
      complaint: complaint,
      user: cfg.user,
      campaign: "",
      label: (t.label || "") + " · " + result.slice(0, 30),
      body: { result: result },
      photos: [],
      madeAt: Date.now()
    }).then(function () {
      lock(t.saved || "");
      if (window.XunchaPwa) window.XunchaPwa.afterSave();
    }, function (err) {
      delete form.dataset.submitting;
      state.textContent = String(err && err.message || err);
    });
  });
})();
