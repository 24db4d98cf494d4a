// The session page: rrweb replay inside rrweb's own sandboxed iframe (no
// allow-scripts, so replayed markup can never run code), plus a scrub bar with
// page-view/click/error markers and a clickable timeline.
(function () {
  "use strict";
  var stage = document.getElementById("stage");
  var msg = document.getElementById("stage-msg");
  var playBtn = document.getElementById("play");
  var clock = document.getElementById("clock");
  var scrub = document.getElementById("scrub");
  var progress = document.getElementById("progress");
  var markers = document.getElementById("markers");
  var list = document.getElementById("timeline");
  var speed = document.getElementById("speed");
  var skip = document.getElementById("skip");
  if (!stage) return;
  var sid = stage.dataset.sid;
  var replayer = null, total = 0, start = 0, playing = false, items = [];

  function fmt(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  function fail(text) { msg.textContent = text; msg.hidden = false; }

  function fit(width, height) {
    var wrapper = stage.querySelector(".replayer-wrapper");
    if (!wrapper || !width || !height) return;
    var scale = Math.min(1, stage.clientWidth / width);
    wrapper.style.transform = "scale(" + scale + ")";
    stage.style.height = Math.min(height * scale, window.innerHeight * 0.75) + "px";
    if (height * scale > window.innerHeight * 0.75) {
      scale = (window.innerHeight * 0.75) / height;
      wrapper.style.transform = "scale(" + scale + ")";
    }
  }

  function seek(offset, andPlay) {
    offset = Math.max(0, Math.min(total, offset));
    if (andPlay) { replayer.play(offset); setPlaying(true); }
    else { replayer.pause(offset); setPlaying(false); }
    tick();
  }
  function setPlaying(on) { playing = on; playBtn.textContent = on ? "❚❚" : "▶"; playBtn.setAttribute("aria-label", on ? "Pause" : "Play"); }

  function tick() {
    if (!replayer) return;
    var now = Math.min(total, replayer.getCurrentTime());
    progress.style.width = (total ? (100 * now / total) : 0) + "%";
    scrub.setAttribute("aria-valuenow", String(Math.round(now)));
    clock.textContent = fmt(now) + " / " + fmt(total);
    var current = null;
    items.forEach(function (it) { if (it.offset <= now + 50) current = it; });
    items.forEach(function (it) { it.li.classList.toggle("current", it === current); });
  }
  function loop() { tick(); window.requestAnimationFrame(loop); }

  var SIGNAL_LABELS = {
    rage_click: "Rage click", dead_click: "Dead click", error_click: "Error click",
    failed_submit: "Repeated failed submit", form_abandon: "Form abandoned", u_turn: "U-turn",
    excessive_scroll: "Excessive scrolling", thrashed_cursor: "Thrashed cursor",
    hesitation: "Hesitation", toggling: "Toggling"
  };

  function addItem(kind, ts, label, what) {
    var offset = ts - start;
    var li = document.createElement("li");
    li.className = kind;
    li.innerHTML = '<span class="t"></span><span><span class="kind"></span> <span class="what"></span></span>';
    li.querySelector(".t").textContent = fmt(offset);
    li.querySelector(".kind").textContent = label;
    li.querySelector(".what").textContent = what || "";
    li.addEventListener("click", function () { seek(offset - 300, false); });
    list.appendChild(li);
    var m = document.createElement("span");
    m.className = "marker " + kind;
    m.style.left = (total ? (100 * offset / total) : 0) + "%";
    m.title = label + " " + (what || "");
    markers.appendChild(m);
    items.push({ offset: offset, li: li });
    return li;
  }

  // Frustration signals: a marker each, a skip-to button per signal, and (for analysts)
  // a verdict on each flag, which feeds the live precision on the Issues page.
  var LEAD = 2000;  // open a signal this long before it, as the Issues page's links do

  function signalRow(s) {
    return ["signal sig-" + s.signal, s.ts, SIGNAL_LABELS[s.signal] || s.signal,
      (s.sel ? s.sel + " · " : "") + s.page, s];
  }

  function addSkipBar(signals) {
    var bar = document.getElementById("signal-bar");
    var byKind = {};
    signals.forEach(function (s) { (byKind[s.signal] = byKind[s.signal] || []).push(s.ts - start); });
    Object.keys(byKind).forEach(function (kind) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "sig-" + kind;
      b.innerHTML = '<span class="dot"></span>';
      b.appendChild(document.createTextNode((SIGNAL_LABELS[kind] || kind) + " × " + byKind[kind].length + " →"));
      b.title = "Skip to the next " + (SIGNAL_LABELS[kind] || kind).toLowerCase();
      b.addEventListener("click", function () {
        var now = replayer ? replayer.getCurrentTime() : 0;
        var next = byKind[kind].filter(function (o) { return o - LEAD > now + 100; })[0];
        seek((next === undefined ? byKind[kind][0] : next) - LEAD, playing);
      });
      bar.appendChild(b);
    });
    bar.hidden = !signals.length;
  }

  function addVerdicts(li, s) {
    var box = document.createElement("span");
    box.className = "verdicts";
    [["confirmed", "✓", "Confirmed"], ["not_a_problem", "✗", "Not a problem"]].forEach(function (v) {
      var b = document.createElement("button");
      b.type = "button"; b.className = "small ghost"; b.dataset.verdict = v[0];
      b.textContent = v[1]; b.title = v[2];
      b.addEventListener("click", function (e) {
        e.stopPropagation();
        fetch("/api/v1/signals/marks", {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
          body: JSON.stringify({ project: replayBox.dataset.project, signal: s.signal, page: s.page,
            sel: s.sel, sid: sid, ts: s.ts, verdict: v[0] })
        }).then(function (r) {
          if (!r.ok) throw new Error("HTTP " + r.status);
          box.querySelectorAll("button").forEach(function (x) { x.classList.toggle("on", x === b); });
        }).catch(function (err) { b.title = "Could not save: " + err.message; });
      });
      box.appendChild(b);
    });
    li.appendChild(box);
  }

  function buildTimeline(tl) {
    var rows = [];
    tl.pageviews.forEach(function (p) { rows.push(["pageview", p.ts, "Page view", p.path]); });
    tl.clicks.forEach(function (c) { rows.push(["click", c.ts, c.dis ? "Click (disabled)" : "Click", c.sel]); });
    tl.errors.forEach(function (e) { rows.push(["error", e.ts, "JS error", e.msg]); });
    tl.submits.forEach(function (s) { rows.push(["submit", s.ts, "Form submit", s.sel]); });
    (tl.signals || []).forEach(function (s) { rows.push(signalRow(s)); });
    rows.sort(function (a, b) { return a[1] - b[1]; });
    rows.forEach(function (r) {
      var li = addItem(r[0], r[1], r[2], r[3]);
      if (r[4] && replayBox.dataset.mayMark === "yes") addVerdicts(li, r[4]);
    });
    addSkipBar(tl.signals || []);
  }

  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var replayBox = document.getElementById("replay");
  var purposeBox = document.getElementById("purpose");
  var purposeForm = document.getElementById("purpose-form");

  if (purposeForm) {
    purposeForm.addEventListener("submit", function (e) {
      e.preventDefault();
      var chosen = purposeForm.querySelector("input[name=purpose]:checked");
      var ref = document.getElementById("reference").value;
      var err = document.getElementById("purpose-error");
      err.hidden = true;
      fetch("/api/v1/sessions/" + encodeURIComponent(sid) + "/purpose", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ purpose: chosen ? chosen.value : "", reference: ref })
      }).then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) throw new Error(body.detail || ("HTTP " + r.status));
          purposeBox.hidden = true;
          replayBox.hidden = false;
          load();
        });
      }).catch(function (x) { err.textContent = x.message; err.hidden = false; });
    });
  }

  function load() {
  Promise.all([
    fetch("/api/v1/sessions/" + encodeURIComponent(sid) + "/events", { credentials: "same-origin" }),
    fetch("/api/v1/sessions/" + encodeURIComponent(sid) + "/timeline", { credentials: "same-origin" })
  ]).then(function (res) {
    if (!res[0].ok) throw new Error("The recording could not be loaded (HTTP " + res[0].status + ").");
    return Promise.all([res[0].json(), res[1].ok ? res[1].json() : null]);
  }).then(function (data) {
    var events = data[0];
    if (!events || events.length < 2) { fail("This session has no replayable recording."); return; }
    replayer = new window.rrwebReplay.Replayer(events, {
      root: stage, skipInactive: true, showWarning: false, mouseTail: false, speed: 2,
      insertStyleRules: ["html, body { cursor: default !important; }"]
    });
    window.csReplayer = replayer;
    var meta = replayer.getMetaData();
    total = meta.totalTime; start = meta.startTime;
    replayer.on("resize", function (d) { fit(d.width, d.height); });
    replayer.on("finish", function () { setPlaying(false); });
    msg.hidden = true;
    playBtn.disabled = false;
    if (data[1]) buildTimeline(data[1]);
    var t = Number(new URLSearchParams(location.search).get("t") || 0);
    seek(t, false);
    loop();
  }).catch(function (err) { fail(err.message || String(err)); });
  }
  if (replayBox && replayBox.dataset.granted === "yes") load();

  playBtn.addEventListener("click", function () {
    if (!replayer) return;
    var now = replayer.getCurrentTime();
    if (playing) seek(now, false); else seek(now >= total ? 0 : now, true);
  });
  scrub.addEventListener("click", function (e) {
    if (!replayer) return;
    var r = scrub.getBoundingClientRect();
    seek(total * (e.clientX - r.left) / r.width, playing);
  });
  scrub.addEventListener("keydown", function (e) {
    if (!replayer) return;
    if (e.key === "ArrowRight") seek(replayer.getCurrentTime() + 5000, playing);
    if (e.key === "ArrowLeft") seek(replayer.getCurrentTime() - 5000, playing);
  });
  speed.addEventListener("change", function () { if (replayer) replayer.setConfig({ speed: Number(speed.value) }); });
  skip.addEventListener("change", function () { if (replayer) replayer.setConfig({ skipInactive: skip.checked }); });
  window.addEventListener("resize", function () {
    var iframe = stage.querySelector("iframe");
    if (iframe) fit(Number(iframe.getAttribute("width")), Number(iframe.getAttribute("height")));
  });
})();
