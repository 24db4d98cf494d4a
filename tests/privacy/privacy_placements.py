"""Put one text into a realistic batch in each place a client could leak it.

Each placement returns the raw batch bytes as the browser would send them:
the text in a snapshot text node or attribute, in a URL (percent- or
plus-encoded), in a mutation, an input event, console output, our own
events, or written with JSON escapes.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus

import privacy_batches as pb

Node = dict[str, Any]
TS = 1_700_000_000_000
_PAGE_RNG = random.Random(7)
_STATIC = pb.loan_page(_PAGE_RNG, 12)
_HEAD = _STATIC["childNodes"][1]["childNodes"][0]
_BODY_KIDS = _STATIC["childNodes"][1]["childNodes"][1]["childNodes"]


def page(*extra: Node) -> Node:
    """The static loan page with ``extra`` nodes first in <body>."""
    body = {
        "type": 2,
        "tagName": "body",
        "attributes": {"class": "theme-light"},
        "childNodes": [*extra, *_BODY_KIDS],
        "id": 90_001,
    }
    html = {
        "type": 2,
        "tagName": "html",
        "attributes": {"lang": "en"},
        "childNodes": [_HEAD, body],
        "id": 90_002,
    }
    return {"type": 0, "childNodes": [html], "id": 90_003}


def el(tag: str, attrs: dict[str, str], *kids: Node, node_id: int = 95_000) -> Node:
    return {"type": 2, "tagName": tag, "attributes": attrs, "childNodes": list(kids), "id": node_id}


def txt(content: str, node_id: int = 95_100) -> Node:
    return {"type": 3, "textContent": content, "id": node_id}


def snapshot_batch(*extra: Node, events: list[Any] | None = None) -> bytes:
    rrweb = [pb.meta(TS, "/apply/step-2"), pb.full_snapshot(page(*extra), TS + 1)]
    return pb.batch(rrweb, events)


def incremental(data: dict[str, Any], events: list[Any] | None = None) -> bytes:
    rrweb = [pb.meta(TS, "/apply/step-2"), {"type": 3, "data": data, "timestamp": TS + 5}]
    rrweb += pb.mouse_events(random.Random(1), TS + 10, 20)
    return pb.batch(rrweb, events)


def mutation(**parts: Any) -> bytes:
    data = {"source": 0, "texts": [], "attributes": [], "removes": [], "adds": []}
    data.update(parts)
    return incremental(data)


def events_batch(*events: dict[str, Any]) -> bytes:
    view = {"t": "pageview", "ts": TS, "pv": "pv1", "url": pb.BASE_URL + "/apply"}
    return pb.batch([pb.meta(TS, "/apply")], [view, *events])


def escaped(raw: bytes, text: str, chars: str) -> bytes:
    """The batch with ``text`` written using \\uXXXX escapes for ``chars``."""
    plain = json.dumps(text, ensure_ascii=False)[1:-1].encode()
    escaped_text = "".join(f"\\u{ord(c):04x}" if c in chars else c for c in text).encode()
    assert plain in raw
    return raw.replace(plain, escaped_text)


def _console(payload: list[str]) -> bytes:
    """rrweb's console plugin: each argument arrives JSON-stringified."""
    event = {
        "type": 6,
        "data": {
            "plugin": "rrweb/console@1",
            "payload": {
                "level": "error",
                "trace": ["at submit (https://apply.examplebank.test/main.js:1:2)"],
                "payload": payload,
            },
        },
        "timestamp": TS + 3,
    }
    return pb.batch(
        [pb.meta(TS, "/apply/step-2"), event, *pb.mouse_events(random.Random(1), TS + 10, 20)]
    )


PLACEMENTS: dict[str, Callable[[str], bytes]] = {
    "snapshot.text": lambda t: snapshot_batch(el("p", {"class": "summary"}, txt(t))),
    "snapshot.attr.value": lambda t: snapshot_batch(el("input", {"name": "x", "value": t})),
    "snapshot.attr.placeholder": lambda t: snapshot_batch(el("input", {"placeholder": t})),
    "snapshot.attr.title": lambda t: snapshot_batch(el("div", {"title": t})),
    "snapshot.attr.alt": lambda t: snapshot_batch(el("img", {"alt": t, "src": "/a.png"})),
    "snapshot.attr.aria-label": lambda t: snapshot_batch(el("button", {"aria-label": t})),
    "snapshot.attr.data": lambda t: snapshot_batch(el("div", {"data-account": t})),
    "snapshot.href.path": lambda t: snapshot_batch(
        el("a", {"href": f"{pb.BASE_URL}/customers/{quote(t, safe='')}/statements"})
    ),
    "snapshot.src.query": lambda t: snapshot_batch(
        el("img", {"src": f"https://px.tracker.test/p.gif?u={quote(t, safe='')}&v=2"})
    ),
    "snapshot.css": lambda t: snapshot_batch(
        el(
            "style",
            {},
            {
                "type": 3,
                "textContent": f'.hint::after{{content:"{t}";color:#5f6368}}',
                "id": 95_200,
            },
        )
    ),
    "mutation.text": lambda t: mutation(texts=[{"id": 5, "value": t}]),
    "mutation.adds.text": lambda t: mutation(
        adds=[{"parentId": 40, "nextId": None, "node": txt(t)}]
    ),
    "mutation.adds.attr": lambda t: mutation(
        adds=[{"parentId": 40, "nextId": None, "node": el("span", {"title": t})}]
    ),
    "mutation.attr": lambda t: mutation(attributes=[{"id": 41, "attributes": {"aria-label": t}}]),
    "input": lambda t: incremental({"source": 5, "text": t, "isChecked": False, "id": 42}),
    # JSON.stringify in the browser keeps non-ASCII letters as they are.
    "console.string": lambda t: _console(
        [json.dumps(f"submit failed for {t}", ensure_ascii=False)]
    ),
    "console.object": lambda t: _console(
        [json.dumps({"customer": {"note": t}}, ensure_ascii=False)]
    ),
    "meta.href": lambda t: pb.batch(
        [
            {
                "type": 4,
                "data": {
                    "href": f"{pb.BASE_URL}/apply?ref={quote_plus(t)}",
                    "width": 1280,
                    "height": 800,
                },
                "timestamp": TS,
            }
        ]
    ),
    "pageview.url": lambda t: events_batch(
        {"t": "pageview", "ts": TS, "pv": "pv2", "url": f"{pb.BASE_URL}/u/{quote(t)}?s=1"}
    ),
    "pageview.url.twice": lambda t: events_batch(
        {"t": "pageview", "ts": TS, "pv": "pv2", "url": f"{pb.BASE_URL}/r?next={quote(quote(t))}"}
    ),
    "pageview.ref": lambda t: events_batch(
        {"t": "pageview", "ts": TS, "pv": "pv2", "ref": f"https://mail.test/?q={quote_plus(t)}"}
    ),
    "error.msg": lambda t: events_batch(
        {"t": "error", "ts": TS, "pv": "pv1", "msg": f"TypeError: bad value {t}"}
    ),
    "custom.props": lambda t: events_batch(
        {"t": "custom", "ts": TS, "pv": "pv1", "name": "quote", "props": {"note": t}}
    ),
    "survey.answer": lambda t: events_batch(
        {"t": "survey", "ts": TS, "pv": "pv1", "survey": "nps", "question": "why", "answer": t}
    ),
    "escaped.unicode": lambda t: escaped(snapshot_batch(el("p", {}, txt(t))), t, "@0123456789"),
    "escaped.slash": lambda t: snapshot_batch(
        el("a", {"href": f"{pb.BASE_URL}/x?q={quote(t, safe='')}"})
    ).replace(b"/", b"\\/"),
}


def named_input(name: str, value: str) -> bytes:
    """A (hidden) input whose name says what its value is."""
    return snapshot_batch(el("input", {"type": "hidden", "name": name, "value": value}))


def split_card(value: str) -> dict[str, bytes]:
    """A card number rendered in groups: spans, inputs, mutations, keystrokes."""
    groups = (
        [value[i : i + 4] for i in (0, 4, 8, 12)]
        if len(value) == 16
        else [value[:4], value[4:10], value[10:]]
    )
    spans = [
        el("span", {"class": "cc-group"}, txt(g, 96_000 + 2 * i), node_id=96_001 + 2 * i)
        for i, g in enumerate(groups)
    ]
    inputs = [
        el("input", {"class": "cc", "value": g}, node_id=97_000 + i) for i, g in enumerate(groups)
    ]
    adds = [
        {"parentId": 40, "nextId": None, "node": txt(g, 98_000 + i)} for i, g in enumerate(groups)
    ][::-1]
    keys: list[dict[str, Any]] = []
    for i, g in enumerate(groups):
        keys += [
            {
                "type": 3,
                "data": {"source": 5, "text": g[:k], "isChecked": False, "id": 99_000 + i},
                "timestamp": TS + 10 * k,
            }
            for k in range(1, len(g) + 1)
        ]
    halves = (" ".join(groups[:2]), " ".join(groups[2:]))
    return {
        "split.snapshot.spans": snapshot_batch(el("p", {"class": "card"}, *spans)),
        "split.snapshot.halves": snapshot_batch(
            el("p", {}, txt(halves[0], 96_600), txt(halves[1], 96_601))
        ),
        "split.snapshot.inputs": snapshot_batch(el("div", {}, *inputs)),
        "split.mutation.adds": mutation(adds=adds),
        "split.mutation.texts": mutation(
            texts=[{"id": 60 + i, "value": g} for i, g in enumerate(groups)]
        ),
        "split.input.keystrokes": pb.batch([pb.meta(TS), *keys]),
    }


def split_iban(value: str) -> dict[str, bytes]:
    spaced = " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    half = len(spaced) // 2
    cut = spaced.rfind(" ", 0, half)
    first, second = spaced[:cut], spaced[cut + 1 :]
    return {
        "split.snapshot.textnodes": snapshot_batch(
            el("p", {}, txt(first, 96_500), txt(second, 96_501))
        ),
        "split.mutation.texts": mutation(
            texts=[{"id": 70, "value": first}, {"id": 71, "value": second}]
        ),
    }
