/* The lead's desk: how htmx treats the desk's answers, the list following the live feed, and
   the notice's print button. The feed and the filtered list are plain htmx attributes in the
   templates; the map follows them by itself (map.js). */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });

  var htmx = window.htmx;
  if (!htmx) return;

  // A filter with a mistake answers 422 with a message that says which: show it where the list
  // was. Other errors are not swapped in (the list stays as it was).
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "422", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
  ];

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    // A session that has ended answers with the log-in page: go there, not into the list.
    var xhr = event.detail.xhr;
    var url = xhr && xhr.responseURL ? new URL(xhr.responseURL) : null;
    if (url && url.pathname === "/login") {
      event.detail.shouldSwap = false;
      window.location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
    }
  });

  // The feed says a finding arrived or moved (its counters are already swapped in): the list,
  // filtered as the address says, is fetched again so that it shows the same. Not while the
  // lead is changing a filter: that request brings the fresh list anyway.
  var refreshing = false;
  document.body.addEventListener("desk-changed", function () {
    var results = document.getElementById("desk-results");
    if (!results || refreshing || results.getAttribute("aria-busy") === "true") return;
    refreshing = true;
    htmx
      .ajax("GET", location.pathname + location.search, { target: "#desk-results", swap: "outerHTML" })
      .then(
        function () { refreshing = false; },
        function () { refreshing = false; }
      );
  });

  document.body.addEventListener("htmx:responseError", function (event) {
    // The feed polls again on its own; a failed filter request says so where the list is.
    var target = event.detail.target;
    if (target && target.id === "desk-results") {
      target.setAttribute("aria-busy", "false");
      target.classList.add("is-stale");
    }
  });
})();
