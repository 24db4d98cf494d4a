"""Synthetic rrweb-shaped batches for the privacy tests and benchmark.

Everything here is generated: a loan-application page as rrweb would
serialise it (full snapshot with stylesheet, icons, a base64 logo, a form
whose text and inputs the capture script has masked), mutation, mouse and
input batches, and the small interaction events. ``json.dumps`` with compact
separators stands in for the browser's ``JSON.stringify``.
"""

from __future__ import annotations

import base64
import json
import random
from typing import Any

Node = dict[str, Any]

BASE_URL = "https://apply.examplebank.test"
FIELDS = (
    ("first_name", "text", "First name"),
    ("last_name", "text", "Last name"),
    ("email", "email", "Email address"),
    ("phone", "tel", "Mobile number"),
    ("dob", "text", "Date of birth"),
    ("address1", "text", "Address line 1"),
    ("postcode", "text", "Postcode"),
    ("income", "number", "Annual income"),
    ("amount", "number", "Loan amount"),
    ("term", "number", "Term (months)"),
    ("employer", "text", "Employer"),
    ("iban", "text", "IBAN for payouts"),
)
_ICON_PATHS = (
    "M12 2C6.48 2 2 6.48 2 12s4.48 10 10 10 10-4.48 10-10S17.52 2 12 2zm-2 15l-5-5 1.41-1.41"
    "L10 14.17l7.59-7.59L19 8l-9 9z",
    "M19 6.41L17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 "
    "17.59 13.41 12z",
    "M11 7h2v2h-2zm0 4h2v6h-2zm1-9C6.48 2 2 6.48 2 12s4.48 10 10 10 10-4.48 10-10S17.52 2 12 2z",
    "M3.5 18.49l6-6.01 4 4L22 6.92l-1.41-1.41-7.09 7.97-4-4L2 16.99z",
)


class Dom:
    """Builds serialised rrweb nodes with increasing ids."""

    def __init__(self, rng: random.Random, masked_text: float = 0.6) -> None:
        self.rng = rng
        self.next_id = 1
        self.masked_text = masked_text

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def el(self, tag: str, attrs: dict[str, str] | None = None, *kids: Node) -> Node:
        return {
            "type": 2,
            "tagName": tag,
            "attributes": attrs or {},
            "childNodes": list(kids),
            "id": self._id(),
        }

    def text(self, content: str, mask: bool | None = None) -> Node:
        if mask is None:
            mask = self.rng.random() < self.masked_text
        if mask:
            content = "".join(" " if c.isspace() else "*" for c in content)
        return {"type": 3, "textContent": content, "id": self._id()}

    def ws(self) -> Node:
        return {"type": 3, "textContent": "\n      ", "id": self._id()}


def stylesheet(rng: random.Random, rules: int) -> str:
    colors = ["#1a73e8", "#202124", "#5f6368", "#fff", "#f8f9fa", "#d93025", "#188038"]
    out = []
    for i in range(rules):
        sel = rng.choice(
            [
                f".loan-form .field-group:nth-child({i % 7 + 1}) > label",
                f"#step-{i % 5}-panel .btn-primary:hover",
                f".c-{rng.randrange(16**6):06x}",
                f'[data-testid="field-{i}"] input:focus-visible',
                f".grid > .col-md-{i % 12 + 1}",
                "a::before",
                f"h{i % 6 + 1}.title",
            ]
        )
        c1, c2 = rng.choice(colors), rng.choice(colors)
        a = rng.choice(["0.12", "0.5", ".08", "1"])
        props = rng.sample(
            [
                f"color:{c1}",
                f"background-color:{c2}",
                f"border:1px solid rgba(0, 0, 0, {a})",
                f"box-shadow:0 1px 3px rgba(60, 64, 67, {a}), 0 4px 8px 3px rgba(60,64,67,.15)",
                f"padding:{i % 4 * 4}px {i % 3 * 8}px",
                "transition:all 0.2s cubic-bezier(0.4, 0, 0.2, 1)",
                f'font:500 {12 + i % 6}px/1.5 Inter, "Helvetica Neue", Arial, sans-serif',
                "grid-template-columns:repeat(12, minmax(0, 1fr))",
                f"z-index:{1000 + i}",
                f"transform:translate3d(0, -{i % 9}px, 0) scale(1.02)",
                f"width:calc(100% - {i}px)",
                "margin:0 0 0 0",
                f"line-height:{1 + i % 5 / 10}",
                f"opacity:.{i % 9 + 1}",
            ],
            5,
        )
        out.append(f"{sel}{{{';'.join(props)}}}")
        if i % 40 == 0:
            out.append("@media (max-width: 768px){.grid>.col{flex:0 0 100%;max-width:100%}}")
        if i % 97 == 0:
            out.append(
                "@font-face{font-family:Inter;src:url(/static/fonts/inter-v12-latin-500."
                'woff2) format("woff2");unicode-range:U+0000-00FF, U+0131, U+2000-206F}'
            )
    return "".join(out)


def data_uri(rng: random.Random, size: int) -> str:
    blob = bytes(rng.randrange(256) for _ in range(size))
    return "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + blob).decode()


def icon(dom: Dom) -> Node:
    path = dom.rng.choice(_ICON_PATHS)
    return dom.el(
        "svg",
        {"viewBox": "0 0 24 24", "width": "24", "height": "24", "aria-hidden": "true"},
        dom.el("path", {"d": path, "fill": "currentColor"}),
    )


def form_field(dom: Dom, name: str, kind: str, label: str) -> Node:
    value = "*" * dom.rng.randrange(0, 14)
    attrs = {
        "type": kind,
        "id": f"f-{name}",
        "name": name,
        "class": "input input--md",
        "autocomplete": "off",
        "aria-describedby": f"f-{name}-hint",
        "value": value,
    }
    return dom.el(
        "div",
        {"class": "field-group", "data-testid": f"field-{name}"},
        dom.ws(),
        dom.el("label", {"for": f"f-{name}", "class": "label"}, dom.text(label, mask=False)),
        dom.ws(),
        dom.el("input", attrs),
        dom.ws(),
        dom.el(
            "p",
            {"id": f"f-{name}-hint", "class": "hint"},
            dom.text("We use this to check your identity and affordance."),
        ),
        icon(dom),
    )


def loan_page(rng: random.Random, target_kb: int) -> Node:
    """A serialised document of about ``target_kb`` kilobytes of JSON."""
    dom = Dom(rng)
    css = stylesheet(rng, rules=max(10, target_kb * 3))
    head = dom.el(
        "head",
        {},
        dom.el("meta", {"charset": "utf-8"}),
        dom.el("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}),
        dom.el("title", {}, dom.text("Personal loan application | Example Bank", mask=False)),
        dom.el(
            "link", {"rel": "stylesheet", "href": "/static/css/main.3f9a2c1e.css", "_cssText": css}
        ),
        dom.el("script", {"src": "/static/js/main.8f3e2a1c.chunk.js", "defer": ""}),
    )
    body_kids: list[Node] = [
        dom.el(
            "header",
            {"class": "site-header"},
            dom.el("img", {"src": data_uri(rng, 1500), "alt": "Example Bank", "width": "120"}),
            *[
                dom.el(
                    "a", {"href": f"/loans/{p}", "class": "nav-link"}, dom.text(p.title(), False)
                )
                for p in ("personal", "car", "home-improvement", "debt-consolidation")
            ],
        ),
    ]
    fields = []
    while len(json.dumps(body_kids)) + len(css) < target_kb * 1024 - 4000:
        for name, kind, label in FIELDS:
            fields.append(form_field(dom, name, kind, label))
        body_kids.append(
            dom.el(
                "form",
                {"id": f"apply-{len(body_kids)}", "class": "loan-form", "novalidate": ""},
                *fields,
            )
        )
        fields = []
        body_kids.append(
            dom.el(
                "footer",
                {"class": "legal"},
                dom.text(
                    "Representative 9.9% APR (variable). Borrow 7,500.00 over 36 months at "
                    "9.5% p.a. Total repayable 8,642.16. FRN 123456. v2.14.0",
                    mask=False,
                ),
            )
        )
    body = dom.el("body", {"class": "theme-light"}, *body_kids)
    return {
        "type": 0,
        "childNodes": [
            {"type": 1, "name": "html", "publicId": "", "systemId": "", "id": dom._id()},
            dom.el("html", {"lang": "en"}, head, body),
        ],
        "id": dom._id(),
    }


def meta(ts: int, path: str = "/apply") -> dict[str, Any]:
    return {
        "type": 4,
        "data": {"href": BASE_URL + path, "width": 1280, "height": 800},
        "timestamp": ts,
    }


def full_snapshot(node: Node, ts: int) -> dict[str, Any]:
    return {
        "type": 2,
        "data": {"node": node, "initialOffset": {"left": 0, "top": 0}},
        "timestamp": ts,
    }


def mouse_events(rng: random.Random, ts: int, n: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(n):
        kind = rng.random()
        if kind < 0.7:
            pos = [
                {
                    "x": rng.randrange(1280),
                    "y": rng.randrange(3000),
                    "id": rng.randrange(400),
                    "timeOffset": -50 * k,
                }
                for k in range(rng.randrange(3, 12))
            ]
            data: dict[str, Any] = {"source": 1, "positions": pos}
        elif kind < 0.85:
            data = {
                "source": 2,
                "type": rng.choice([0, 1, 2, 5, 6]),
                "id": rng.randrange(400),
                "x": rng.randrange(1280),
                "y": rng.randrange(800),
            }
        elif kind < 0.95:
            data = {"source": 3, "id": 1, "x": 0, "y": rng.randrange(3000)}
        else:
            data = {
                "source": 5,
                "text": "*" * rng.randrange(1, 12),
                "isChecked": False,
                "id": rng.randrange(400),
            }
        out.append({"type": 3, "data": data, "timestamp": ts + 37 * i})
    return out


def mutation_events(rng: random.Random, ts: int, n: int, first_id: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    dom = Dom(rng)
    dom.next_id = first_id
    for i in range(n):
        field = rng.choice(FIELDS)[0]
        err = dom.el(
            "p",
            {"class": "error", "role": "alert", "id": f"f-{field}-err"},
            dom.text("Please enter a valid value"),
        )
        data = {
            "source": 0,
            "texts": [
                {
                    "id": rng.randrange(first_id),
                    "value": f"{rng.randrange(60):02d}:{rng.randrange(60):02d} remaining",
                }
            ],
            "attributes": [
                {
                    "id": rng.randrange(first_id),
                    "attributes": {
                        "class": "input input--md input--invalid",
                        "aria-invalid": "true",
                        "style": f"width: {rng.randrange(100)}%; transform: translateY({i}px);",
                    },
                }
            ],
            "removes": [{"parentId": rng.randrange(first_id), "id": rng.randrange(first_id)}],
            "adds": [{"parentId": rng.randrange(first_id), "nextId": None, "node": err}],
        }
        out.append({"type": 3, "data": data, "timestamp": ts + 120 * i})
    return out


def interaction_events(rng: random.Random, ts: int, n: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {
            "t": "pageview",
            "ts": ts,
            "pv": "pv1",
            "url": BASE_URL + "/apply",
            "ref": "https://www.examplebank.test/loans",
            "title": "Apply",
            "vw": 1280,
            "vh": 800,
            "dh": 3100,
        }
    ]
    for i in range(n):
        x, y = rng.random() * 1280, rng.random() * 3000
        out.append(
            {
                "t": rng.choice(["click", "move"]),
                "ts": ts + 91 * i,
                "pv": "pv1",
                "url": BASE_URL + "/apply",
                "sel": f"#f-{rng.choice(FIELDS)[0]}",
                "rx": round(rng.random(), 4),
                "ry": round(rng.random(), 4),
                "x": round(x, 1),
                "y": round(y, 1),
                "vw": 1280,
                "vh": 800,
                "dh": 3100,
            }
        )
    return out


def batch(rrweb: list[Any], events: list[Any] | None = None, seq: int = 0) -> bytes:
    doc = {
        "v": 1,
        "key": "pk_proj_7f3a9c",
        "sid": "6f1c2d7e-4b0a-4c1e-9a77-2f3b8e5d0c11",
        "vid": "v-2b9d4e",
        "seq": seq,
        "bid": f"b-{seq:06d}",
        "sent": 1_700_000_000_000 + seq,
        "consent": {"state": "granted", "policy": "2024-05"},
        "rrweb": rrweb,
        "events": events or [],
        "ua": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) "
        "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    }
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def snapshot_batch(
    rng: random.Random, target_kb: int, ts: int = 1_700_000_000_000, leaks: int = 0
) -> bytes:
    page = loan_page(rng, target_kb)
    body = page["childNodes"][1]["childNodes"][1]["childNodes"]
    dom = Dom(rng)
    dom.next_id = 800_000
    planted = [
        dom.el("p", {"class": "greeting"}, dom.text("Welcome back, jane.doe@example.com", False)),
        dom.el(
            "input", {"type": "hidden", "name": "csrf_token", "value": "Xk9fQ2mPz8LrT4vWq1Zy7B"}
        ),
        dom.el("div", {"class": "payout", "data-iban": "GB82 WEST 1234 5698 7654 32"}),
    ]
    body[1:1] = planted[:leaks]
    return batch([meta(ts), full_snapshot(page, ts + 1)], interaction_events(rng, ts, 3))


def activity_batch(
    rng: random.Random, seq: int, ts: int = 1_700_000_100_000, leaks: int = 0
) -> bytes:
    rrweb = mouse_events(rng, ts, rng.randrange(40, 160))
    rrweb += mutation_events(rng, ts, rng.randrange(2, 25), first_id=900)
    planted: list[dict[str, Any]] = [
        {
            "type": 3,
            "data": {"source": 5, "text": "+44 20 7946 0958", "isChecked": False, "id": 77},
            "timestamp": ts + 5,
        },
        {
            "type": 6,
            "data": {
                "plugin": "rrweb/console@1",
                "payload": {
                    "level": "error",
                    "trace": [],
                    "payload": ['"charge failed for 4111 1111 1111 1111"'],
                },
            },
            "timestamp": ts + 6,
        },
    ]
    rrweb += planted[:leaks]
    rrweb.sort(key=lambda e: e["timestamp"])
    return batch(rrweb, interaction_events(rng, ts, rng.randrange(5, 60)), seq=seq)
