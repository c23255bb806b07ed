// admin-api.js: forms of the catalogue and administration pages that call
// the native API (/v1/…) with the session cookie and its CSRF token, so the
// console writes through exactly the handlers API clients use — the same
// validation, the same messages, the same audit entries. A form says what
// it calls with data-api="METHOD /path"; named controls become the JSON
// body (data-type="int" | "bool" | "list" | "lines"; checkboxes with
// data-type="list" collect their values). On success the page reloads, or
// with data-then="secret" shows the answer's clientSecret once. A problem
// answer is shown at the field it names (aria-invalid, aria-describedby)
// and in the form's alert.
(function () {
  "use strict";

  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }

  function body(form) {
    var out = {};
    var els = form.elements;
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (!el.name || el.disabled || el.type === "submit" || el.type === "button") continue;
      var t = el.getAttribute("data-type") || "";
      if (el.type === "checkbox") {
        if (t === "list") {
          if (!out[el.name]) out[el.name] = [];
          if (el.checked) out[el.name].push(el.value);
        } else {
          out[el.name] = el.checked;
        }
        continue;
      }
      if (el.type === "radio") {
        if (el.checked) out[el.name] = t === "int" ? parseInt(el.value, 10) : el.value;
        continue;
      }
      var v = el.value;
      if (t === "int") {
        if (v === "") continue;
        out[el.name] = parseInt(v, 10);
      } else if (t === "bool") {
        out[el.name] = v === "true";
      } else if (t === "lines") {
        var ls = v.split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
        if (ls.length) out[el.name] = ls.map(function (s) { return { label: s }; });
      } else if (t === "optional") {
        if (v !== "") out[el.name] = v;
      } else {
        out[el.name] = v;
      }
    }
    return out;
  }

  function clearErrors(form) {
    form.querySelectorAll("[aria-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
    });
    form.querySelectorAll(".field-error").forEach(function (el) {
      el.remove();
    });
    var a = form.querySelector("[data-alert]");
    if (a) { a.textContent = ""; a.hidden = true; }
  }

  function showError(form, p) {
    var msg = p.detail || p.title || ("HTTP " + p.status);
    var a = form.querySelector("[data-alert]");
    var field = p.field ? form.querySelector('[name="' + CSS.escape(p.field.replace(/\[.*$/, "")) + '"]') : null;
    if (field) {
      field.setAttribute("aria-invalid", "true");
      var e = document.createElement("span");
      e.className = "field-error";
      e.id = (field.id || field.name) + "-error";
      e.textContent = msg;
      field.setAttribute("aria-describedby", e.id);
      field.insertAdjacentElement("afterend", e);
      field.focus();
    }
    if (a) { a.textContent = msg; a.hidden = false; if (!field) a.focus(); }
  }

  function send(method, path, payload) {
    var init = { method: method, credentials: "same-origin", headers: { "X-CSRF-Token": csrf(), "Accept": "application/json" } };
    if (payload !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    return fetch(path, init).then(function (r) {
      if (r.status === 204) return {};
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) { j.status = r.status; throw j; }
        return j;
      });
    });
  }

  function onSubmit(ev) {
    var form = ev.target.closest("form[data-api]");
    if (!form) return;
    ev.preventDefault();
    var conf = form.getAttribute("data-confirm");
    if (conf && !window.confirm(conf)) return;
    clearErrors(form);
    var spec = form.getAttribute("data-api").split(" ");
    var method = spec[0], path = spec[1];
    var payload = method === "DELETE" || form.hasAttribute("data-empty") ? undefined : body(form);
    if (form.hasAttribute("data-empty")) payload = {};
    var btn = form.querySelector('[type="submit"]');
    if (btn) btn.disabled = true;
    send(method, path, payload).then(function (j) {
      var then = form.getAttribute("data-then") || "reload";
      if (then === "secret") {
        var out = document.querySelector(form.getAttribute("data-secret-out"));
        out.querySelector("[data-client-id]").textContent = j.clientId || "";
        out.querySelector("[data-client-secret]").textContent = j.clientSecret || "";
        out.hidden = false;
        out.focus();
        form.reset();
        if (btn) btn.disabled = false;
        return;
      }
      window.location.reload();
    }).catch(function (p) {
      if (btn) btn.disabled = false;
      showError(form, p && typeof p === "object" ? p : { detail: String(p) });
    });
  }

  // The API validates: its messages are the ones shown, not the browser's.
  document.querySelectorAll("form[data-api]").forEach(function (f) { f.noValidate = true; });
  document.addEventListener("submit", onSubmit);
  document.addEventListener("click", function (ev) {
    if (ev.target.closest("[data-reload]")) { window.location.reload(); return; }
    var b = ev.target.closest("[data-copy]");
    if (!b) return;
    var src = document.querySelector(b.getAttribute("data-copy"));
    if (src && navigator.clipboard) navigator.clipboard.writeText(src.textContent);
  });
})();
