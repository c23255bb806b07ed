// The customers list: the search box answers as you type (a debounced
// fetch of the server-rendered rows; a newer keystroke cancels the request
// in flight), and sorting and paging replace the rows without a reload.
"use strict";
(function () {
  var form = document.getElementById("list-form");
  var box = document.getElementById("q");
  var rows = document.getElementById("rows");
  if (!form || !box || !rows) return;
  var timer = 0, inflight = null, last = null;

  function paramsOf(extra) {
    var p = new URLSearchParams(new FormData(form));
    for (var k of Array.from(p.keys())) if (p.get(k) === "") p.delete(k);
    if (extra) extra.forEach(function (v, k) { p.set(k, v); });
    return p;
  }

  function load(p, push) {
    var qs = p.toString();
    if (qs === last && !push) return;
    last = qs;
    if (inflight) inflight.abort();
    inflight = new AbortController();
    rows.setAttribute("aria-busy", "true");
    fetch("/customers/rows" + (qs ? "?" + qs : ""), { signal: inflight.signal, credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) {
        if (r.status === 401) { window.location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search); return null; }
        return r.text();
      })
      .then(function (html) {
        if (html === null) return;
        rows.innerHTML = html;
        rows.removeAttribute("aria-busy");
        var url = "/customers" + (qs ? "?" + qs : "");
        history.replaceState(null, "", url);
        document.dispatchEvent(new CustomEvent("kehu:rows"));
      })
      .catch(function (e) { if (e.name !== "AbortError") rows.removeAttribute("aria-busy"); });
  }

  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { load(paramsOf()); }, 180);
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    clearTimeout(timer);
    load(paramsOf(), true);
  });
  // Sort headers and pager links: fetch their rows instead of navigating.
  rows.addEventListener("click", function (ev) {
    var a = ev.target.closest("a[data-sort], a[data-page]");
    if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
    ev.preventDefault();
    var u = new URL(a.href, location.href);
    if (a.dataset.sort) { var s = form.querySelector('input[name="sort"]'); if (s) s.value = u.searchParams.get("sort") || ""; }
    load(u.searchParams, true);
    if (a.dataset.page) rows.scrollIntoView();
  });
  window.kehuList = { reload: function () { last = null; load(paramsOf(), true); }, form: form };
})();
