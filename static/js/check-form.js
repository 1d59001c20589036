// The check form: position and time captured when the check starts, big choices,
// nearest sites, photo previews, and one save per tap. The form still works without it.
(function () {
  "use strict";
  var form = document.getElementById("check-form");
  if (!form) return;
  form.classList.remove("no-js");
  var t = {};
  try { t = JSON.parse(document.getElementById("xuncha-i18n").textContent); } catch (e) { /* English fallbacks */ }
  var field = function (name) { return form.elements.namedItem(name); };

  // A fresh UUID per check started on this page: the cached page's UUID is never reused.
  if (window.crypto && crypto.randomUUID) field("uuid").value = crypto.randomUUID();
  field("recorded_at").value = localIso(new Date());

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function localIso(d) {
    var off = -d.getTimezoneOffset(), sign = off >= 0 ? "+" : "-";
    off = Math.abs(off);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" +
      pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + sign + pad(Math.floor(off / 60)) + ":" + pad(off % 60);
  }

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

  // A failed item opens its details: severity, note, photos.
  form.addEventListener("change", function (e) {
    var input = e.target;
    if (input.type === "radio" && input.name.indexOf("r_") === 0) {
      input.closest("[data-item]").classList.toggle("is-fail", input.value === "fail");
    }
    if (input.type === "file") {
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

  // Plain submission (the outbox takes over when it is loaded): never twice.
  form.addEventListener("submit", function (e) {
    if (e.defaultPrevented) return;
    if (form.dataset.submitting) { e.preventDefault(); return; }
    form.dataset.submitting = "1";
    form.querySelector("[data-save]").disabled = true;
  });
})();
