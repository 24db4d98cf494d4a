"""Reading exported PNGs in the test browser: decoding and scanning pixels in JS is fast."""

from __future__ import annotations

import base64
from typing import Any

from playwright.sync_api import Browser

_SCAN = """async ([src, limit]) => {
  const img = new Image();
  img.src = src;
  await img.decode();
  const c = document.createElement('canvas');
  c.width = img.width; c.height = img.height;
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const h = Math.min(img.height, limit || img.height);
  const d = ctx.getImageData(0, 0, img.width, h).data;
  let best = -1, bx = 0, by = 0;
  for (let i = 0; i < d.length; i += 4) {
    const score = d[i] - (d[i + 1] + d[i + 2]) / 2;
    if (score > best) {
      best = score; bx = (i / 4) % img.width; by = Math.floor(i / 4 / img.width);
    }
  }
  const at = (x, y) => Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3));
  return {width: img.width, height: img.height, x: bx, y: by, score: best, rgb: at(bx, by)};
}"""


def hottest(browser: Browser, png: bytes, limit: int = 0) -> dict[str, Any]:
    """Size of the PNG and its reddest pixel (the heat palette's top) above row ``limit``."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    page = browser.new_page()
    try:
        src = "data:image/png;base64," + base64.b64encode(png).decode()
        result: dict[str, Any] = page.evaluate(_SCAN, [src, limit])
        return result
    finally:
        page.close()


def inside(point: dict[str, Any], box: dict[str, float]) -> bool:
    return (
        box["x"] <= point["x"] <= box["x"] + box["width"]
        and box["y"] <= point["y"] <= box["y"] + box["height"]
    )
