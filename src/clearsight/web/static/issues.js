// The Issues page: analysts mark an issue as confirmed or not a problem.
(function () {
  "use strict";
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var project = (document.querySelector("select[name=project]") || {}).value || "";
  document.querySelectorAll("#issues tr[data-key] .mark button").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var row = btn.closest("tr");
      fetch("/api/v1/signals/marks", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ project: project, signal: row.dataset.signal, page: row.dataset.page,
          sel: row.dataset.sel, verdict: btn.dataset.verdict })
      }).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        row.querySelectorAll(".mark button").forEach(function (b) { b.classList.toggle("on", b === btn); });
      }).catch(function (e) { btn.title = "Could not save the mark: " + e.message; });
    });
  });
})();
