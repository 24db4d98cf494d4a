// The heatmap page: fetches the map, the page snapshot and the element
// statistics for the filters in the query string, then draws with csHeatmap.
(function () {
  "use strict";
  var stage = document.getElementById("heat-stage");
  if (!stage) return;
  var msg = document.getElementById("stage-msg");
  var form = document.getElementById("heat-controls");
  var params = new URLSearchParams(new FormData(form));
  Array.from(params.keys()).forEach(function (k) { if (!params.get(k)) params.delete(k); });
  var qs = params.toString();
  document.getElementById("export-png").href = "/api/v1/heatmaps/export.png?" + qs;
  document.getElementById("export-csv").href = "/api/v1/heatmaps/elements.csv?" + qs;
  var BUCKET_LABEL = { mobile: "mobile < 768 px", tablet: "tablet 768–1199 px", desktop: "desktop ≥ 1200 px" };

  function get(path) {
    return fetch(path + "?" + qs, { credentials: "same-origin" }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.detail || ("HTTP " + r.status));
        return body;
      });
    });
  }
  function text(id, value) { document.getElementById(id).textContent = value; }
  function pct(v) { return (v * 100).toFixed(v < 0.1 ? 1 : 0) + "%"; }
  function cell(tr, value, cls) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    if (value instanceof Node) td.appendChild(value); else td.textContent = value;
    tr.appendChild(td);
  }
  function badge(label, cls) {
    var s = document.createElement("span");
    s.className = "badge " + cls; s.textContent = label;
    return s;
  }
  function selCell(e) {
    var span = document.createElement("span");
    span.textContent = e.sel + " ";
    if (e.layer === "sticky") span.appendChild(badge("sticky", "sticky"));
    if (e.regulatory) span.appendChild(badge("regulatory", "reg"));
    return span;
  }

  function legend(map) {
    var s = map.sample;
    var opts = document.querySelectorAll("#bucket option");
    opts.forEach(function (o) { if (o.value && map.buckets[o.value]) o.textContent = o.textContent.replace(/ \(.*$/, "") + " (" + map.buckets[o.value].views + ")"; });
    text("legend-title", map.kind + " map of " + map.pages.join(", ") + " · " + BUCKET_LABEL[map.bucket] + " · layer: " + map.layer);
    text("legend-sample", "Sample: " + s.views + " page views in " + s.sessions + " sessions.");
    var warn = document.getElementById("legend-warning");
    warn.hidden = !s.too_small;
    warn.textContent = "Too small to trust: fewer than " + s.min + " page views match these filters. Widen the date range or filters.";
  }

  function ranking(data) {
    var body = document.querySelector("#ranking tbody");
    if (!data.elements.length) none(body, 5, "No clicks in this selection.");
    data.elements.slice(0, 40).forEach(function (e) {
      var tr = document.createElement("tr");
      cell(tr, e.rank === null ? "–" : String(e.rank));
      cell(tr, selCell(e), "sel");
      cell(tr, String(e.clicks), "num");
      cell(tr, pct(e.share), "num");
      cell(tr, String(e.sessions), "num");
      body.appendChild(tr);
    });
    var qbody = document.querySelector("#quadrants tbody");
    if (!data.goal) { text("quadrant-note", "Set the project's conversion goal to compare clicks with conversion."); return; }
    text("quadrant-note", "Converted: reached " + data.goal + ". Split at the median click share (" + pct(data.totals.click_share_cut || 0) + ") and the page's conversion rate (" + pct(data.totals.conversion_cut || 0) + ").");
    data.elements.filter(function (e) { return e.quadrant; }).forEach(function (e) {
      var tr = document.createElement("tr");
      cell(tr, selCell(e), "sel"); cell(tr, pct(e.share), "num"); cell(tr, pct(e.conversion), "num"); cell(tr, e.quadrant);
      qbody.appendChild(tr);
    });
  }

  function none(body, cols, what) {
    var tr = document.createElement("tr"), td = document.createElement("td");
    td.colSpan = cols; td.className = "muted"; td.textContent = what;
    tr.appendChild(td); body.appendChild(tr);
  }

  function regulatory(reg) {
    var body = document.querySelector("#regulatory tbody");
    if (!reg.elements.length) none(body, 4, "No regulatory element was clicked in this selection.");
    reg.elements.forEach(function (e) {
      var tr = document.createElement("tr");
      cell(tr, e.sel, "sel"); cell(tr, e.kind); cell(tr, e.visitors + " (" + pct(e.share_of_visitors) + ")", "num");
      cell(tr, e.kind === "consent" ? "ticked after " + (e.time_to_tick_ms.median / 1000).toFixed(1) + " s (median), " + (e.time_to_tick_ms.p90 / 1000).toFixed(1) + " s (p90)"
        : e.kind === "disclosure" ? pct(e.share_of_visitors) + " of visitors opened it" : e.views + " page views");
      body.appendChild(tr);
    });
  }

  function fit(out) {
    var frame = stage.parentElement;
    var scale = Math.min(1, frame.clientWidth / out.width);
    stage.style.width = out.width + "px";
    stage.style.height = out.height + "px";
    stage.style.transform = "scale(" + scale + ")";
    frame.style.height = Math.min(1400, out.height * scale) + "px";
  }

  get("/api/v1/heatmaps/map").then(function (map) {
    legend(map);
    get("/api/v1/heatmaps/elements").then(function (data) { ranking(data); regulatory(data.regulatory); })
      .catch(function (e) { text("quadrant-note", e.message); });
    return get("/api/v1/heatmaps/snapshot").then(function (events) {
      msg.hidden = true;
      return window.csHeatmap.render(stage, events, map);
    }).then(function (out) {
      fit(out);
      if (map.points) text("legend-fallback", out.fallback + " of " + out.placed + " points placed by recorded pixel position (their element is not on this page).");
    });
  }).catch(function (e) { msg.hidden = false; msg.textContent = e.message; text("legend-title", "No map"); });
})();
