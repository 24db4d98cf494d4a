// Data-subject requests from the compliance page: find, export (downloads the ZIP), erase
// (after a confirmation). The customer id only ever travels in a POST body.
(function () {
  "use strict";
  var form = document.getElementById("subject-form");
  if (!form) return;
  var out = document.getElementById("subject-result");
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var action = "find";
  form.querySelectorAll("button[data-action]").forEach(function (b) {
    b.addEventListener("click", function () { action = b.dataset.action; });
  });
  function show(text, bad) {
    out.textContent = text;
    out.className = bad ? "alert" : "banner ok";
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var body = JSON.stringify({ project: form.project.value, customer_id: form.customer_id.value });
    if (action === "erase" && !window.confirm("Erase every session of this person? This cannot be undone.")) return;
    fetch("/api/v1/subjects/" + action, {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }
    }).then(function (r) {
      if (!r.ok) return r.json().then(function (p) { throw new Error(p.detail || ("HTTP " + r.status)); });
      if (action === "export") return r.blob().then(function (blob) {
        var a = document.createElement("a");
        a.href = URL.createObjectURL(blob); a.download = "subject-export.zip"; a.click();
        show("Export downloaded. Its receipt is inside the ZIP.");
      });
      return r.json().then(function (data) {
        if (action === "find") {
          var n = data.sessions.length;
          show(n + " session" + (n === 1 ? "" : "s") + " found for this customer id.");
        } else {
          show("Erased " + data.sessions + " session(s); " + data.held + " kept under legal hold. Receipt " + data.request_id + ".");
        }
      });
    }).catch(function (err) { show(err.message, true); });
  });
})();
