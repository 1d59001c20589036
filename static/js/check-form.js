// The check form: big choices with a running count, "all the rest pass", the nearest sites once
// the position is known, and a review of the failed and unanswered items before saving. With the
// outbox loaded, saving keeps the check on the phone (the same body the server would build from
// the plain form) and sends it when it can; until then the half-filled form is kept as a draft.
// The position, photos, drafts and saving are field-kit.js's. Without JavaScript the plain form posts.
(function () {
  "use strict";
  var form = document.getElementById("check-form");
  if (!form) return;
  var Kit = window.XunchaField, MAX_PHOTOS = Kit.MAX_PHOTOS;
  var items = Array.prototype.slice.call(form.querySelectorAll("[data-item]"));
  var progress = form.querySelector("[data-progress]");
  var review = document.getElementById("check-review");
  var ctx = Kit.fieldForm(form, {
    i18n: "xuncha-check-i18n",
    draftKey: "check:" + form.dataset.campaign,
    onPosition: nearSites,
    onRestore: refresh,
    problem: problem,
    build: build,
    review: items.length ? openReview : null,
    outboxItem: function () {
      return { kind: "check", label: (document.querySelector("h1") || {}).textContent || form.dataset.campaign };
    }
  });
  var tr = ctx.tr, value = ctx.value;

  function nearSites(lat, lon) {
    var select = form.querySelector("[data-sites]");
    if (!select || !navigator.onLine || form.dataset.saved) return;
    var chosen = select.value;
    fetch(form.dataset.sitesUrl + "?lat=" + lat + "&lon=" + lon, { credentials: "same-origin" })
      // A session that has ended answers with the login page: that is no list of sites.
      .then(function (r) { return r.ok && !r.redirected ? r.text() : Promise.reject(r.status); })
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

  // ---- answering: a failed item opens its details; the count follows every answer -------------

  function resultOf(node) { return value("r_" + node.getAttribute("data-item")); }
  function unanswered() { return items.filter(function (node) { return !resultOf(node); }); }
  function refresh() {
    items.forEach(function (node) { node.classList.toggle("is-fail", resultOf(node) === "fail"); });
    var done = items.length - unanswered().length;
    if (progress) progress.textContent = tr("progress", "Checked {n}/{total}", { n: done, total: items.length });
    var rest = form.querySelector("[data-rest-pass]");
    if (rest) rest.disabled = done === items.length || !!form.dataset.saved;
  }
  form.addEventListener("change", function (e) {
    if (e.target.type === "radio" && e.target.name.indexOf("r_") === 0) refresh();
  });
  function answerRest(result) {
    unanswered().forEach(function (node) {
      var input = node.querySelector('input[type=radio][value="' + result + '"]');
      if (input) input.checked = true;
    });
    refresh();
    form.dispatchEvent(new Event("change", { bubbles: true })); // the draft follows
  }
  var restButton = form.querySelector("[data-rest-pass]");
  if (restButton) restButton.addEventListener("click", function () { answerRest("pass"); });

  // A supervisor's check is unannounced unless they choose otherwise, and saying so is deliberate.
  var kind = form.querySelector("select[name=kind]");
  if (kind && form.dataset.defaultKind === "unannounced") {
    kind.addEventListener("change", function () {
      if (kind.value !== "unannounced" &&
          !window.confirm(tr("openConfirm", "Make this an open check? The unit then knows of it at once."))) {
        kind.value = "unannounced";
      }
      form.querySelectorAll("[data-kind-help]").forEach(function (p) { p.hidden = p.dataset.kindHelp !== kind.value; });
    });
  }

  // ---- before saving: the failed items, and what is still unanswered --------------------------

  function openReview(keep, cancel) {
    var failed = items.filter(function (node) { return resultOf(node) === "fail"; });
    var missing = unanswered();
    if (!failed.length && !missing.length) return keep();
    function text(node) { return (node.querySelector("[data-item-text]") || node.querySelector("legend")).textContent.trim(); }
    function fill(list, nodes) {
      list.innerHTML = "";
      nodes.forEach(function (node) {
        var li = document.createElement("li");
        li.textContent = text(node);
        list.appendChild(li);
      });
    }
    function draw() {
      missing = unanswered();
      fill(review.querySelector("[data-review-failed]"), failed);
      review.querySelector("[data-review-failed-box]").hidden = !failed.length;
      fill(review.querySelector("[data-review-missing]"), missing);
      review.querySelector("[data-review-missing-box]").hidden = !missing.length;
      review.querySelector("[data-review-missing-count]").textContent =
        tr("unansweredCount", "{n} items are not answered yet.", { n: missing.length });
      review.querySelector("[data-review-save]").hidden = missing.length > 0;
    }
    review.querySelector("[data-review-na]").onclick = function () { answerRest("na"); draw(); };
    review.querySelector("[data-review-answer]").onclick = function () {
      review.close();
      cancel();
      var first = unanswered()[0];
      if (first) {
        first.scrollIntoView({ block: "center" });
        first.querySelector("input[type=radio]").focus();
      }
    };
    review.querySelector("[data-review-back]").onclick = function () { review.close(); cancel(); };
    review.oncancel = function () { cancel(); };
    review.querySelector("[data-review-save]").onclick = function () { review.close(); keep(); };
    draw();
    review.showModal();
  }

  // ---- the body: what server/checks/pages.py builds from the plain form ------------------------

  function answers() {
    var out = [];
    items.forEach(function (node) {
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
    var wrong = ctx.positionProblem();
    if (wrong) return wrong;
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
      var ready = await Promise.all(Array.prototype.map.call(inputs[i].files, ctx.prepare));
      ready.forEach(function (p) {
        var uuid = Kit.newUuid();
        var entry = { uuid: uuid, item: item };
        if (p.taken_at) entry.taken_at = p.taken_at;
        if (p.exif_location) entry.exif_location = p.exif_location;
        photos.push(entry);
        blobs.push({ uuid: uuid, type: p.type, blob: p.blob });
      });
    }
    var body = {
      campaign: form.dataset.campaign,
      // The list the officer saw: if the office changes it before this is sent, the
      // server still reads the answers against this version's items.
      checklist_version: Number(form.dataset.checklistVersion) || null,
      kind: value("kind") || "patrol",
      recorded_at: value("recorded_at"),
      location: ctx.position(),
      site: value("site") || null,
      target_unit: value("target_unit") || null,
      answers: answered,
      note: value("note") || "",
      photos: photos
    };
    return { body: body, photos: blobs };
  }

  refresh();
})();
