// kehu console: behaviour shared by every page. No inline scripts (CSP).
"use strict";

// kehu.csrf is the session's CSRF token, for fetches that change state.
window.kehu = {
  csrf: function () {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : "";
  },
};

// Buttons with data-confirm ask before their form is sent.
document.addEventListener("submit", function (ev) {
  var b = ev.submitter;
  var msg = (b && b.dataset.confirm) || ev.target.dataset.confirm;
  if (msg && !window.confirm(msg)) ev.preventDefault();
});
