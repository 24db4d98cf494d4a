"""The PNG export: the heatmap drawn by the same renderer as the page, screenshotted by
server-side Chromium.

The page handed to Chromium is self-contained (player, renderer, snapshot and
map inlined), so Chromium never calls back into the server and needs no
credential: it sees exactly what the caller was allowed to see.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import msgspec

from clearsight.browser import html_to_png

STATIC = Path(__file__).parent / "static"

_BOOT = """
(function () {
  var data = JSON.parse(document.getElementById("cs-data").textContent);
  var stage = document.getElementById("stage");
  window.csHeatmap.render(stage, data.snapshot, data.map).then(function (out) {
    stage.style.width = out.width + "px";
    stage.style.height = out.height + "px";
    var note = document.getElementById("fallback");
    if (data.map.points) {
      note.textContent = out.fallback + " of " + out.placed +
        " points placed by recorded pixel position (their element is not on this page)";
    }
    document.body.setAttribute("data-ready", "yes");
  }).catch(function (e) {
    document.getElementById("fallback").textContent = "render failed: " + e;
    document.body.setAttribute("data-ready", "failed");
  });
})();
"""

_CSS = """
html, body { margin: 0; padding: 0; background: #fff; font: 14px/1.4 system-ui, sans-serif; }
#stage { position: relative; overflow: hidden; }
#stage .replayer-wrapper { position: absolute; top: 0; left: 0; }
#stage iframe { border: 0; display: block; background: #fff; }
.legend { padding: 10px 12px; border-top: 2px solid #0f172a; color: #0f172a; }
.legend .warn { color: #b91c1c; font-weight: 600; }
.legend .scale { height: 10px; width: 220px; margin: 6px 0;
  background: linear-gradient(90deg, #00f, #0ff, #0f0, #ff0, #f00); }
"""


def _inline_json(data: Any) -> str:
    return msgspec.json.encode(data).decode().replace("</", "<\\/")


def legend_lines(map_json: dict[str, Any]) -> list[str]:
    sample = map_json["sample"]
    lines = [
        f"{map_json['kind']} map · {', '.join(map_json['pages'])} · {map_json['bucket']} · "
        f"layer: {map_json['layer']}",
        f"sample: {sample['views']} page views, {sample['sessions']} sessions",
    ]
    if sample["too_small"]:
        lines.append(f"too small to trust: fewer than {sample['min']} page views in this selection")
    return lines


def export_html(snapshot_events: list[Any], map_json: dict[str, Any]) -> str:
    lines = legend_lines(map_json)
    legend = "".join(
        f'<div class="{"warn" if "too small" in line else ""}">{html.escape(line)}</div>'
        for line in lines
    )
    player, renderer = (
        (STATIC / name).read_text().replace("</script", "<\\/script")
        for name in ("player.js", "heatmap.js")
    )
    data = _inline_json({"snapshot": snapshot_events, "map": map_json})
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<style>{(STATIC / 'player.css').read_text()}{_CSS}</style></head><body>"
        f'<div id="stage"></div><div class="legend">{legend}<div class="scale"></div>'
        '<div id="fallback"></div></div>'
        f'<script type="application/json" id="cs-data">{data}</script>'
        f"<script>{player}</script><script>{renderer}</script><script>{_BOOT}</script>"
        "</body></html>"
    )


def export_png(snapshot_events: list[Any], map_json: dict[str, Any], width: int) -> bytes:
    return html_to_png(export_html(snapshot_events, map_json), width, "body[data-ready]")
