// Logging out asks first; offline it says why it cannot, instead of the browser's error page.
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    if (!e.target.matches("[data-logout]")) return;
    var t = JSON.parse(document.getElementById("xuncha-i18n").textContent);
    if (!navigator.onLine) {
      e.preventDefault();
      window.alert(t.logoutOffline);
      return;
    }
    if (!window.confirm(t.logoutConfirm)) e.preventDefault();
  });
})();
