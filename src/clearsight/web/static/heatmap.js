// Heatmap renderer, shared by the heatmap page and the server-side PNG export.
//
// The page is rebuilt from a stored rrweb full snapshot by rrweb's Replayer,
// paused at time 0, inside its sandboxed iframe (allow-same-origin only,
// never allow-scripts: replayed markup cannot run code). Points anchored to
// elements are placed on those elements' live boxes, found with the stored
// selectors; a point whose element is missing (or has no box) falls back to
// its recorded pixel position, and is counted.
//
// window.csHeatmap.render(stage, snapshotEvents, map) -> Promise<{fallback, placed, height}>
(function () {
  "use strict";
  var PALETTE = [[0, 0, 255], [0, 255, 255], [0, 255, 0], [255, 255, 0], [255, 0, 0]];

  function wait(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  function colour(t) {
    t = Math.max(0, Math.min(1, t)) * (PALETTE.length - 1);
    var i = Math.min(PALETTE.length - 2, Math.floor(t)), f = t - i;
    var a = PALETTE[i], b = PALETTE[i + 1];
    return [0, 1, 2].map(function (k) { return Math.round(a[k] + (b[k] - a[k]) * f); });
  }

  function find(doc, sel) {
    try { return doc.querySelector(sel); } catch (e) { return null; }
  }

  // Fixed elements sit on the viewport: pin them where they are on the first
  // screen before the iframe grows to the document's height, so the sticky
  // layer shows them (and their clicks) as a visitor at the top sees them.
  function pinFixed(doc) {
    var win = doc.defaultView;
    Array.prototype.forEach.call(doc.querySelectorAll("body *"), function (el) {
      if (win.getComputedStyle(el).position !== "fixed") return;
      var r = el.getBoundingClientRect();
      el.style.setProperty("position", "absolute", "important");
      el.style.setProperty("top", r.top + win.scrollY + "px", "important");
      el.style.setProperty("left", r.left + win.scrollX + "px", "important");
      el.style.setProperty("bottom", "auto", "important");
      el.style.setProperty("right", "auto", "important");
      el.style.setProperty("width", r.width + "px", "important");
    });
  }

  function rebuild(stage, events) {
    var replayer = new window.rrwebReplay.Replayer(events, {
      root: stage, showWarning: false, mouseTail: false, triggerFocus: false,
      insertStyleRules: ["html, body { cursor: default !important; }"]
    });
    replayer.pause(0);
    var iframe = replayer.iframe;
    var mouse = stage.querySelector(".replayer-mouse");
    if (mouse) mouse.remove();
    return wait(250).then(function () {
      var doc = iframe.contentDocument;
      pinFixed(doc);
      var height = Math.max(doc.documentElement.scrollHeight, doc.body ? doc.body.scrollHeight : 0);
      iframe.setAttribute("height", String(height));
      iframe.style.height = height + "px";
      return wait(50).then(function () {
        var h2 = Math.max(doc.documentElement.scrollHeight, doc.body ? doc.body.scrollHeight : 0);
        iframe.setAttribute("height", String(h2));
        iframe.style.height = h2 + "px";
        return { iframe: iframe, doc: doc, width: Number(iframe.getAttribute("width")), height: h2 };
      });
    });
  }

  // The API sends points as columns: one array per field.
  function rows(cols) {
    if (!cols) return [];
    var out = [], names = Object.keys(cols);
    for (var i = 0; i < cols.sel.length; i++) {
      var p = {};
      names.forEach(function (k) { p[k] = cols[k][i]; });
      out.push(p);
    }
    return out;
  }

  function place(page, map) {
    var g = map.grid, placed = [], fallback = 0, boxes = {}, points = rows(map.points);
    points.forEach(function (p) {
      var box = boxes[p.sel];
      if (box === undefined) {
        var el = find(page.doc, p.sel);
        var r = el && el.getBoundingClientRect();
        box = boxes[p.sel] = r && r.width > 0 && r.height > 0 ? r : null;
      }
      if (box) {
        placed.push({ x: box.left + (p.gx + 0.5) / g * box.width, y: box.top + (p.gy + 0.5) / g * box.height, w: p.w, sel: p.sel });
      } else {
        fallback += p.n;
        placed.push({ x: p.ax * page.width / (p.aw || page.width), y: p.ay, w: p.w, sel: p.sel, fallback: true });
      }
    });
    return { points: placed, fallback: fallback, total: points.reduce(function (s, p) { return s + p.n; }, 0) };
  }

  function canvasOver(stage, page) {
    var c = document.createElement("canvas");
    c.width = page.width; c.height = page.height;
    c.className = "heat-canvas";
    c.style.cssText = "position:absolute;left:0;top:0;pointer-events:none;width:" + page.width + "px;height:" + page.height + "px";
    stage.querySelector(".replayer-wrapper").appendChild(c);
    return c;
  }

  function drawPoints(canvas, points, radius) {
    var ctx = canvas.getContext("2d");
    var max = points.reduce(function (m, p) { return Math.max(m, p.w); }, 0) || 1;
    var shadow = document.createElement("canvas");
    shadow.width = canvas.width; shadow.height = canvas.height;
    var s = shadow.getContext("2d");
    points.forEach(function (p) {
      var grad = s.createRadialGradient(p.x, p.y, 0, p.x, p.y, radius);
      grad.addColorStop(0, "rgba(0,0,0,1)");
      grad.addColorStop(1, "rgba(0,0,0,0)");
      s.globalAlpha = Math.max(0.08, Math.min(1, p.w / max));
      s.fillStyle = grad;
      s.fillRect(p.x - radius, p.y - radius, radius * 2, radius * 2);
    });
    var img = s.getImageData(0, 0, shadow.width, shadow.height), d = img.data;
    for (var i = 0; i < d.length; i += 4) {
      var a = d[i + 3] / 255;
      if (!a) continue;
      var rgb = colour(a);
      d[i] = rgb[0]; d[i + 1] = rgb[1]; d[i + 2] = rgb[2]; d[i + 3] = Math.round(90 + 140 * a);
    }
    ctx.putImageData(img, 0, 0);
  }

  function drawBands(canvas, values, label, fold) {
    var ctx = canvas.getContext("2d"), n = values.length, h = canvas.height;
    var max = values.reduce(function (m, v) { return Math.max(m, v); }, 0) || 1;
    values.forEach(function (v, k) {
      var rgb = colour(v / max);
      ctx.fillStyle = "rgba(" + rgb.join(",") + ",0.38)";
      ctx.fillRect(0, k * h / n, canvas.width, h / n + 1);
      ctx.fillStyle = "rgba(15,23,42,0.85)";
      ctx.fillRect(4, k * h / n + 4, 86, 18);
      ctx.fillStyle = "#fff";
      ctx.font = "12px sans-serif";
      ctx.fillText(label(v, k), 8, k * h / n + 17);
    });
    if (fold) {
      ctx.setLineDash([8, 6]); ctx.strokeStyle = "#111"; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.moveTo(0, fold); ctx.lineTo(canvas.width, fold); ctx.stroke();
      ctx.fillStyle = "#111"; ctx.fillText("average fold", canvas.width - 90, fold - 6);
    }
  }

  function render(stage, events, map) {
    stage.style.position = "relative";
    return rebuild(stage, events).then(function (page) {
      var canvas = canvasOver(stage, page), out = { fallback: 0, placed: 0, height: page.height, width: page.width };
      if (map.kind === "click" || map.kind === "move") {
        var res = place(page, map);
        drawPoints(canvas, res.points, map.kind === "click" ? 16 : 22);
        out.fallback = res.fallback; out.placed = res.total;
      } else if (map.kind === "scroll") {
        var s = map.scroll;
        drawBands(canvas, s.bands.map(function (b) { return b.share; }),
          function (v) { return Math.round(v * 100) + "% reached"; }, s.fold_share * page.height);
      } else {
        drawBands(canvas, map.attention.bands.map(function (b) { return b.ms; }),
          function (v) { return (v / 1000).toFixed(1) + " s"; }, 0);
      }
      stage.dataset.fallback = String(out.fallback);
      stage.dataset.placed = String(out.placed);
      stage.dataset.ready = "yes";
      return out;
    });
  }

  window.csHeatmap = { render: render, colour: colour, rows: rows };
})();
