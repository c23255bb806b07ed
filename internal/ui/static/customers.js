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

  // The rows come first (total=later), the exact total after them from
  // the URL the rows carry: counting every match of a one-character search
  // at 1M customers takes far longer than finding the first 50.
  var counting = null;
  function loadTotal() {
    var el = document.getElementById("total-n");
    if (counting) counting.abort();
    if (!el || !el.dataset.totalUrl) return;
    counting = new AbortController();
    fetch(el.dataset.totalUrl, { signal: counting.signal, credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        el.textContent = new DOMParser().parseFromString(html, "text/html").body.textContent.trim();
        el.removeAttribute("data-total-url");
      })
      .catch(function () {});
  }

  function load(p, push) {
    var qs = p.toString();
    if (qs === last && !push) return;
    last = qs;
    if (inflight) inflight.abort();
    inflight = new AbortController();
    rows.setAttribute("aria-busy", "true");
    var fq = new URLSearchParams(p);
    fq.set("total", "later");
    fetch("/customers/rows?" + fq.toString(), { signal: inflight.signal, credentials: "same-origin", headers: { Accept: "text/html" } })
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
        loadTotal();
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

// The filter builder: field, operator and value become a condition of the
// compact filter language, added to the filter with && or ||.
(function () {
  var field = document.getElementById("b-field"), op = document.getElementById("b-op"),
    value = document.getElementById("b-value"), text = document.getElementById("filter");
  if (!field || !op || !value || !text) return;
  function fitOps() {
    var t = field.selectedOptions[0] ? field.selectedOptions[0].dataset.type : "";
    Array.from(op.options).forEach(function (o) {
      var types = o.dataset.types;
      o.hidden = !!types && types.split(" ").indexOf(t) < 0;
    });
    if (op.selectedOptions[0] && op.selectedOptions[0].hidden) {
      var first = Array.from(op.options).find(function (o) { return !o.hidden; });
      if (first) op.value = first.value;
    }
    fitValue();
  }
  function fitValue() {
    var o = op.selectedOptions[0];
    value.disabled = !!(o && o.dataset.noval);
  }
  function quote(v) {
    if (/^-?\d+(\.\d+)?$/.test(v) || v === "true" || v === "false") return v;
    return JSON.stringify(v);
  }
  function cond() {
    var o = op.selectedOptions[0], f = field.value;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(f)) f = "`" + f.replace(/`/g, "\\`") + "`";
    if (o.dataset.noval) return f + " " + o.value;
    var v = value.value.trim();
    if (o.value === "?=" || o.value === "?!") {
      return f + " " + o.value + " (" + v.split(/[,，]/).map(function (x) { return quote(x.trim()); }).join(", ") + ")";
    }
    return f + " " + o.value + " " + quote(v);
  }
  function add(join) {
    var c = cond(), cur = text.value.trim();
    text.value = cur ? cur + " " + join + " " + c : c;
    value.value = "";
    text.dispatchEvent(new Event("change"));
  }
  field.addEventListener("change", fitOps);
  op.addEventListener("change", fitValue);
  document.getElementById("b-and").addEventListener("click", function () { add("&&"); });
  document.getElementById("b-or").addEventListener("click", function () { add("||"); });
  document.getElementById("b-group").addEventListener("click", function () {
    var cur = text.value.trim();
    if (cur) text.value = "(" + cur + ")";
  });
  fitOps();
})();

// Bulk selection: "select all" ticks the page's rows; the value picker of
// the chosen action is the only one shown.
(function () {
  function wire() {
    var all = document.getElementById("sel-all"), action = document.getElementById("bulk-action");
    if (all) all.addEventListener("change", function () {
      document.querySelectorAll('#customers-table input[name="ids"]').forEach(function (b) { b.checked = all.checked; });
    });
    if (action) {
      var fit = function () {
        document.querySelectorAll("#bulk-form [data-for]").forEach(function (s) {
          s.hidden = s.dataset.for !== action.value;
          s.disabled = s.hidden;
        });
      };
      action.addEventListener("change", fit);
      fit();
    }
  }
  wire();
  document.addEventListener("kehu:rows", wire);
})();

// Saved views: a form that saves the list's state (save as, update) takes
// it from the address bar at submit time — the search box and sorting
// change the list without a reload, and the URL is what the list shows.
(function () {
  document.querySelectorAll("form[data-list-state]").forEach(function (f) {
    f.addEventListener("submit", function () {
      var p = new URLSearchParams(location.search);
      var cols = p.getAll("col").join(",") || p.get("cols") || "";
      var set = function (name, v) { var i = f.querySelector('input[name="' + name + '"]'); if (i) i.value = v; };
      set("q", p.get("q") || "");
      set("filter", p.get("filter") || "");
      set("sort", p.get("sort") || "");
      if (cols) set("cols", cols);
    });
  });
})();
