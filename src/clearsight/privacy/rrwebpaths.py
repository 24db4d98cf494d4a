"""Name a JSON path in a batch the way a developer fixing the client needs it.

A path like ``rrweb[3].data.adds[0].node.attributes.title`` becomes the kind
``rrweb.mutation.adds.attributes.title``, the CSS selector of the element
involved (``input#iban``, ``span.card-digits``) and the page URL. Selectors
and URLs are read from the masked batch, and attribute values that are not
plain identifiers are left out, so nothing reported can carry a value.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from clearsight.privacy import engine
from clearsight.privacy.elements import Elements

Path = tuple[str | int, ...]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_\-:.]{0,63}")
_FULL_SNAPSHOT, _INCREMENTAL, _META, _CUSTOM, _PLUGIN = 2, 3, 4, 5, 6
_SOURCES = {
    0: "mutation",
    2: "mouse",
    5: "input",
    8: "stylesheet",
    11: "log",
    13: "style",
    15: "adoptedstylesheet",
}
_DATA_ATTRS = ("data-testid", "data-test", "data-cs-id", "data-field", "data-name")
_ELEMENT = 2


@dataclass(frozen=True, slots=True)
class Location:
    where: str
    selector: str = ""
    url: str = ""


UNKNOWN = Location("unknown")


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def safe_name(name: object) -> str:
    """An identifier that can be shown: plain, short and not itself PII."""
    if not isinstance(name, str) or not _IDENT.fullmatch(name):
        return "*"
    return "*" if engine.find(name.encode()) else name


def dotted(path: Path) -> str:
    return ".".join("[]" if isinstance(p, int) else safe_name(p) for p in path).replace(".[]", "[]")


def selector(node: object) -> str:
    """tag#id, or tag[name=..] / [data-..=..] / .class hints for an element."""
    if not isinstance(node, dict):
        return ""
    tag = node.get("tagName")
    tag = tag.lower() if isinstance(tag, str) and tag.isalnum() else ""
    attrs = node.get("attributes")
    attrs = attrs if isinstance(attrs, dict) else {}
    ident = attrs.get("id")
    if safe_name(ident) != "*":
        return f"{tag}#{ident}"
    parts = [tag]
    if safe_name(attrs.get("name")) != "*":
        parts.append(f'[name="{attrs["name"]}"]')
    for key in (*_DATA_ATTRS, *sorted(k for k in attrs if isinstance(k, str))):
        value = attrs.get(key)
        if key.startswith("data-") and safe_name(key) != "*" and safe_name(value) != "*":
            parts.append(f'[{key}="{value}"]')
            break
    classes = attrs.get("class")
    if isinstance(classes, str):
        parts.extend("." + c for c in classes.split()[:2] if safe_name(c) != "*")
    return "".join(parts)


def page_url(url: object) -> str:
    """Scheme, host and path only: the query and fragment are not needed to
    find the page and are where identifiers tend to hide."""
    if not isinstance(url, str):
        return ""
    return re.split(r"[?#]", url, maxsplit=1)[0][:512]


def _event_name(kind: object, source: object, data: dict[str, Any]) -> str:
    if kind == _INCREMENTAL:
        return _SOURCES.get(source, "incremental") if isinstance(source, int) else "incremental"
    if kind == _PLUGIN:
        return "console" if "console" in str(data.get("plugin", "")) else "plugin"
    names = {_META: "meta", _CUSTOM: "custom", _FULL_SNAPSHOT: "fullsnapshot"}
    return names.get(kind, "event") if isinstance(kind, int) else "event"


class BatchIndex:
    """Lookups over one masked batch: nodes by rrweb id, page URLs. Elements
    are decoded only as a lookup reaches them."""

    def __init__(self, rrweb: Elements, events: Elements) -> None:
        self.rrweb = rrweb
        self.events = events
        self._nodes: dict[Any, tuple[dict[str, Any], Any]] = {}
        self._indexed: set[int] = set()
        self._metas: list[int] | None = None
        self._pageview_list: list[int] | None = None

    def locate(self, path: Path) -> Location:
        if len(path) > 1 and path[0] == "rrweb" and isinstance(path[1], int):
            return self._rrweb(path[1], path[2:])
        if len(path) > 1 and path[0] == "events" and isinstance(path[1], int):
            return self._event(path[1], path[2:])
        return Location("batch." + dotted(path)) if path else UNKNOWN

    # --- interaction events ---------------------------------------------------

    def _event(self, i: int, rest: Path) -> Location:
        event = _dict(self.events[i])
        where = "events[]." + dotted(
            rest[:2] if rest[:1] in (("props",), ("traits",)) else rest[:1]
        )
        url = event.get("url") or self._pageview_url(event.get("pv"))
        sel = event.get("sel")
        return Location(where, sel if isinstance(sel, str) else "", page_url(url))

    def _pageview_url(self, pv: object) -> object:
        for j in self._pageviews():
            if _dict(self.events[j]).get("pv") == pv:
                return self.events[j].get("url")
        return None

    def _pageviews(self) -> list[int]:
        if self._pageview_list is None:
            events = self.events
            self._pageview_list = events.with_tag("t", "pageview")
        return self._pageview_list

    # --- rrweb ------------------------------------------------------------------

    def _rrweb(self, i: int, rest: Path) -> Location:
        event = _dict(self.rrweb[i])
        data = _dict(event.get("data"))
        url = page_url(self._rrweb_url(i))
        inner = rest[1:] if rest[:1] == ("data",) else rest
        kind, source = event.get("type"), data.get("source")
        if kind == _FULL_SNAPSHOT and inner[:1] == ("node",):
            where, sel = self._in_node(data["node"], inner[1:], "rrweb.fullsnapshot", None)
        elif kind == _INCREMENTAL and source == 0:
            where, sel = self._mutation(data, inner)
        elif kind == _INCREMENTAL and source == 5:
            where, sel = "rrweb.input.text", self._selector_of(data.get("id"))
        else:
            # Plugin payloads nest once more: name the part (payload, trace).
            tail = inner[1:2] if kind == _PLUGIN else inner
            where, sel = f"rrweb.{_event_name(kind, source, data)}.{dotted(tail)}", ""
        return Location(where, sel, url)

    def rrweb_page(self, i: int) -> str:
        """The page URL (scheme, host, path) of rrweb event ``i``."""
        return page_url(self._rrweb_url(i))

    def _rrweb_url(self, i: int) -> object:
        """The href of the last Meta event at or before ``i``, else the last
        page view's URL."""
        if self._metas is None:
            rrweb = self.rrweb
            self._metas = rrweb.with_tag("type", _META)
        for j in reversed(self._metas[: bisect_right(self._metas, i)]):
            href = _dict(_dict(self.rrweb[j]).get("data")).get("href")
            if href:
                return href
        views = self._pageviews()
        return _dict(self.events[views[-1]]).get("url") if views else None

    def _mutation(self, data: dict[str, Any], inner: Path) -> tuple[str, str]:
        part = inner[0] if inner else ""
        if part == "adds" and len(inner) > 3 and inner[2] == "node":
            add = data["adds"][inner[1]]
            parent = (self._node(add.get("parentId")) or ({}, None))[0]
            return self._in_node(add["node"], inner[3:], "rrweb.mutation.adds", parent)
        if part == "texts" and len(inner) > 1:
            text_id = data["texts"][inner[1]].get("id")
            parent_id = (self._node(text_id) or ({}, None))[1]
            return "rrweb.mutation.text", self._selector_of(parent_id)
        if part == "attributes" and len(inner) > 3:
            element_id = data["attributes"][inner[1]].get("id")
            return f"rrweb.mutation.attributes.{safe_name(inner[3])}", self._selector_of(element_id)
        return f"rrweb.mutation.{dotted(inner)}", ""

    def _in_node(
        self, node: Any, steps: Path, prefix: str, parent: dict[str, Any] | None
    ) -> tuple[str, str]:
        """Follow ``steps`` down from ``node``; name the field at the end."""
        element = parent
        for step in steps[:-1]:
            if isinstance(node, dict) and node.get("type") == _ELEMENT:
                element = node
            node = node[step]
        if isinstance(node, dict) and node.get("type") == _ELEMENT:
            element = node
        last = steps[-1] if steps else ""
        tag = str(element.get("tagName", "")).lower() if element else ""
        if last == "textContent":
            return (f"{prefix}.css" if tag == "style" else f"{prefix}.text"), selector(element)
        if len(steps) >= 2 and steps[-2] == "attributes":
            name = "css" if last == "_cssText" else f"attributes.{safe_name(last)}"
            return f"{prefix}.{name}", selector(element)
        return f"{prefix}.{dotted(steps)}", selector(element)

    def _selector_of(self, node_id: object) -> str:
        entry = self._node(node_id)
        return selector(entry[0]) if entry else ""

    def _node(self, node_id: object) -> tuple[dict[str, Any], Any] | None:
        """The node serialised with rrweb id ``node_id`` in this batch (in a
        snapshot or an added subtree) and its parent's id. Only elements
        whose bytes mention that id are decoded."""
        if not isinstance(node_id, int) or isinstance(node_id, bool):
            return None
        if node_id not in self._nodes:
            for needle in (b'"id":%d' % node_id, b'"id": %d' % node_id):
                for j in self.rrweb.mentioning(needle):
                    if j not in self._indexed:
                        self._indexed.add(j)
                        self._index_event(_dict(_dict(self.rrweb[j]).get("data")))
        return self._nodes.get(node_id)

    def _index_event(self, data: dict[str, Any]) -> None:
        if isinstance(data.get("node"), dict):
            self._index(data["node"], None)
        for add in data.get("adds") or []:
            if isinstance(add, dict) and isinstance(add.get("node"), dict):
                self._index(add["node"], add.get("parentId"))

    def _index(self, root: dict[str, Any], parent: Any) -> None:
        stack: list[tuple[Any, Any]] = [(root, parent)]
        while stack:
            node, parent_id = stack.pop()
            if not isinstance(node, dict):
                continue
            self._nodes[node.get("id")] = (node, parent_id)
            for child in node.get("childNodes") or []:
                stack.append((child, node.get("id")))
