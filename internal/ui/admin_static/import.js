// import.js: the import wizard. The file stays in its <input> and is sent
// again for each step (preview, dry run, import), so no node keeps an
// upload between requests. The preview is a server-rendered fragment
// (/import/preview); the dry run and the import go to the native API
// (POST /v1/imports) with the session and its CSRF token; progress is the
// job's status fragment (/import/{id}/status), read from the job row in the
// database, polled until the job ends — so it survives a reload and any
// node can answer.
(function () {
  "use strict";

  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }

  function post(url, fd) {
    return fetch(url, { method: "POST", body: fd, credentials: "same-origin", headers: { "X-CSRF-Token": csrf(), "Accept": "application/json, text/html" } });
  }

  // poll replaces el's content with the status fragment of job id until
  // the fragment no longer says it is running.
  function poll(el, id) {
    var tries = 0;
    function tick() {
      fetch("/import/" + encodeURIComponent(id) + "/status", { credentials: "same-origin" }).then(function (r) {
        return r.text().then(function (html) { return { ok: r.ok, html: html }; });
      }).then(function (res) {
        el.innerHTML = res.html;
        var live = el.querySelector("[data-running]");
        if (res.ok && live) {
          setTimeout(tick, Math.min(250 * (++tries), 1000));
        }
      }).catch(function () { setTimeout(tick, 2000); });
    }
    tick();
  }

  // A job page polls its own status panel.
  document.querySelectorAll("[data-import-job]").forEach(function (el) {
    if (el.querySelector("[data-running]")) poll(el, el.getAttribute("data-import-job"));
  });

  var form = document.getElementById("import-form");
  if (!form) return;
  var file = form.querySelector('input[type="file"]');
  var mapping = document.getElementById("import-mapping");
  var dry = document.getElementById("import-dry");
  var alertBox = document.getElementById("import-alert");

  function say(msg) {
    alertBox.textContent = msg;
    alertBox.hidden = !msg;
    if (msg) alertBox.focus();
  }

  function mappingJSON() {
    var m = {};
    var n = 0;
    mapping.querySelectorAll("select[data-header]").forEach(function (s) {
      if (s.value !== s.getAttribute("data-recognised")) {
        m[s.getAttribute("data-header")] = s.value;
        n++;
      }
    });
    return n ? JSON.stringify(m) : "";
  }

  function jobForm(dryRun) {
    var fd = new FormData();
    fd.append("file", file.files[0]);
    var mode = form.querySelector('input[name="onDuplicate"]:checked');
    if (mode) fd.append("onDuplicate", mode.value);
    fd.append("dryRun", dryRun ? "true" : "false");
    var keys = [];
    form.querySelectorAll('input[name="dedupeBy"]:checked').forEach(function (c) { keys.push(c.value); });
    if (keys.length) fd.append("dedupeBy", keys.join(","));
    var p = form.querySelector('select[name="projectId"]');
    if (p && p.value) fd.append("projectId", p.value);
    var mj = mappingJSON();
    if (mj) fd.append("mapping", mj);
    return fd;
  }

  function problemText(r) {
    return r.json().then(function (p) { return p.detail || p.title || ("HTTP " + r.status); }, function () { return "HTTP " + r.status; });
  }

  function preview() {
    say("");
    dry.innerHTML = "";
    if (!file.files.length) { mapping.innerHTML = ""; return; }
    var fd = new FormData();
    fd.append("file", file.files[0]);
    mapping.setAttribute("aria-busy", "true");
    post("/import/preview", fd).then(function (r) {
      return r.text().then(function (html) {
        mapping.innerHTML = html;
        mapping.removeAttribute("aria-busy");
        var first = mapping.querySelector("select, [role=alert]");
        if (first && !r.ok) first.focus();
      });
    }).catch(function () { mapping.removeAttribute("aria-busy"); say(form.getAttribute("data-network-error")); });
  }

  function start(dryRun, btn) {
    say("");
    if (!file.files.length) { say(form.getAttribute("data-need-file")); file.focus(); return; }
    btn.disabled = true;
    post("/v1/imports", jobForm(dryRun)).then(function (r) {
      if (r.status !== 202) {
        return problemText(r).then(function (msg) { btn.disabled = false; say(msg); });
      }
      return r.json().then(function (job) {
        if (dryRun) {
          btn.disabled = false;
          dry.hidden = false;
          poll(dry, job.id);
        } else {
          window.location.assign("/import/" + job.id);
        }
      });
    }).catch(function () { btn.disabled = false; say(form.getAttribute("data-network-error")); });
  }

  file.addEventListener("change", preview);
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var btn = ev.submitter || form.querySelector('[type="submit"]');
    start(btn && btn.value === "dry", btn);
  });
  if (file.files.length) preview();
})();
