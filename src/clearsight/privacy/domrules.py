"""Block and mask selectors, enforced by the server on rrweb snapshots and mutations.

What the capture script does with the project's selectors, done again on the
serialised DOM it sent:

- a **block** selector's element keeps only its tag, ``id`` and ``class``:
  its children and other attributes are removed, and later mutations and
  input events inside it are dropped;
- inside a **mask** selector's element, text nodes and text attributes
  (``value``, ``title``, ``alt``, ``placeholder``, ``aria-label``, ...) are
  written as ``*`` (whitespace kept), and so are later text and attribute
  mutations and input events there.

Stylesheet text (``isStyle`` text nodes) is left alone: it is not customer
data, and masking it would break the replay. The walk carries a matched
ancestor down to its descendants, so selectors need only test one element
(``selectors.py``). Which node ids sit under a match is remembered per
session (``memory.py``): a mutation names its node by id only.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

import msgspec

from clearsight.privacy.memory import SessionMemory
from clearsight.privacy.selectors import SelectorSet

FULL_SNAPSHOT, INCREMENTAL = 2, 3
MUTATION, INPUT = 0, 5
_ELEMENT, _TEXT = 2, 3
OPEN, MASKED, BLOCKED = 0, 1, 2
# The attributes the capture script treats as text a visitor reads.
TEXT_ATTRIBUTE = re.compile(
    r"(?:value|title|alt|placeholder|label|summary"
    r"|aria-(?:label|description|placeholder|valuetext|roledescription))"
)
_KEPT_WHEN_BLOCKED = ("id", "class")
_HEAD = re.compile(rb'\s*\{\s*"type"\s*:\s*(\d+)\s*(?:,\s*"data"\s*:\s*\{\s*"source"\s*:\s*(\d+))?')
# Past this many remembered ids a session starts over (at its next snapshot).
MAX_IDS = 500_000
_encode = msgspec.json.Encoder().encode


@dataclass
class Nodes:
    """Ids of the nodes of one session's current page under a rule."""

    masked: set[int] = field(default_factory=set)
    blocked: set[int] = field(default_factory=set)

    def state(self, node_id: object) -> int:
        if node_id in self.blocked:
            return BLOCKED
        return MASKED if node_id in self.masked else OPEN


def mask_text(text: str) -> str:
    return re.sub(r"\S", "*", text)


def head(raw: bytes) -> tuple[int, int]:
    """(rrweb event type, incremental source or -1), read from the first bytes
    when the event starts with them, as browsers write it; else decoded."""
    m = _HEAD.match(raw, 0, 80)
    if m is not None and (m[2] is not None or m[1] != b"3"):
        return int(m[1]), int(m[2]) if m[2] is not None else -1
    try:
        event = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return -1, -1
    if not isinstance(event, dict):
        return -1, -1
    data = event.get("data")
    kind = event.get("type")
    source = data.get("source") if isinstance(data, dict) else None
    return (
        kind if isinstance(kind, int) else -1,
        source if isinstance(source, int) else -1,
    )


class DomRules:
    def __init__(self, limit: int = 20_000) -> None:
        self.memory: SessionMemory[Nodes] = SessionMemory(Nodes, limit)
        # Batches are filtered in worker threads; one session's state changes in order.
        self._lock = threading.Lock()

    def apply(
        self, key: tuple[str, str], raws: list[bytes], block: SelectorSet, mask: SelectorSet
    ) -> tuple[list[bytes], bool]:
        """The rrweb events with the rules applied, and whether any changed."""
        with self._lock:
            return self._apply(key, raws, block, mask)

    def _apply(
        self, key: tuple[str, str], raws: list[bytes], block: SelectorSet, mask: SelectorSet
    ) -> tuple[list[bytes], bool]:
        nodes = self.memory.get(key)
        out: list[bytes] = []
        changed = False
        for raw in raws:
            kind, source = head(raw)
            if kind == FULL_SNAPSHOT:
                nodes = self.memory.reset(key)
            elif not (kind == INCREMENTAL and source in (MUTATION, INPUT)):
                out.append(raw)
                continue
            if len(nodes.masked) + len(nodes.blocked) > MAX_IDS:
                nodes = self.memory.reset(key)
            event = msgspec.json.decode(raw)
            data = event.get("data") if isinstance(event, dict) else None
            if not isinstance(data, dict):
                out.append(raw)
                continue
            keep, edited = _apply_event(kind, source, data, nodes, block, mask)
            changed |= edited or not keep
            if keep:
                out.append(_encode(event) if edited else raw)
        return out, changed


def _apply_event(
    kind: int,
    source: int,
    data: dict[str, Any],
    nodes: Nodes,
    block: SelectorSet,
    mask: SelectorSet,
) -> tuple[bool, bool]:
    """(keep the event, it was edited)."""
    if kind == FULL_SNAPSHOT:
        return True, walk(data.get("node"), OPEN, nodes, block, mask)
    if source == INPUT:
        state = nodes.state(data.get("id"))
        if state == BLOCKED:
            return False, False
        text = data.get("text")
        if state == MASKED and isinstance(text, str) and text:
            data["text"] = "*" * len(text)
            return True, True
        return True, False
    return True, _mutation(data, nodes, block, mask)


def _mutation(data: dict[str, Any], nodes: Nodes, block: SelectorSet, mask: SelectorSet) -> bool:
    edited = False
    adds = [a for a in data.get("adds") or [] if isinstance(a, dict)]
    # A child may be listed before the parent added in the same mutation:
    # a second pass catches what the first could not place.
    for _ in range(2):
        kept = []
        for add in adds:
            state = nodes.state(add.get("parentId"))
            if state == BLOCKED:
                walk(add.get("node"), BLOCKED, nodes, block, mask)
                edited = True
                continue
            edited |= walk(add.get("node"), state, nodes, block, mask)
            kept.append(add)
        adds = kept
    if "adds" in data:
        data["adds"] = adds
    for name, attr in (("texts", "value"), ("attributes", "attributes")):
        entries = data.get(name)
        if not isinstance(entries, list):
            continue
        kept = []
        for entry in entries:
            state = nodes.state(entry.get("id")) if isinstance(entry, dict) else OPEN
            if state == BLOCKED:
                edited = True
                continue
            if state == MASKED:
                edited |= _mask_field(entry, attr)
            kept.append(entry)
        data[name] = kept
    return edited


def _mask_field(entry: dict[str, Any], attr: str) -> bool:
    value = entry.get(attr)
    if attr == "value":
        if isinstance(value, str) and value.strip():
            entry["value"] = mask_text(value)
            return True
        return False
    return isinstance(value, dict) and mask_attributes(value)


def mask_attributes(attrs: dict[str, Any]) -> bool:
    edited = False
    for name, value in attrs.items():
        if isinstance(value, str) and value.strip() and TEXT_ATTRIBUTE.fullmatch(name):
            attrs[name] = "*" * len(value) if name == "value" else mask_text(value)
            edited = True
    return edited


def walk(root: Any, inherited: int, nodes: Nodes, block: SelectorSet, mask: SelectorSet) -> bool:
    """Apply the rules to a serialised subtree whose parent is in ``inherited``
    state; remember the ids under a rule. True when something was changed."""
    edited = False
    stack: list[tuple[Any, int]] = [(root, inherited)]
    while stack:
        node, state = stack.pop()
        if not isinstance(node, dict):
            continue
        kind = node.get("type")
        if kind == _ELEMENT and state != BLOCKED:
            if block and block.matches(node):
                state = BLOCKED
                stack.extend((child, BLOCKED) for child in _empty(node))
                edited = True
            elif state == OPEN and mask and mask.matches(node):
                state = MASKED
            attrs = node.get("attributes")
            if state == MASKED and isinstance(attrs, dict):
                edited |= mask_attributes(attrs)
        elif kind == _TEXT and state == MASKED and not node.get("isStyle"):
            text = node.get("textContent")
            if isinstance(text, str) and text.strip():
                node["textContent"] = mask_text(text)
                edited = True
        node_id = node.get("id")
        if state == BLOCKED and isinstance(node_id, int):
            nodes.blocked.add(node_id)
        elif state == MASKED and isinstance(node_id, int):
            nodes.masked.add(node_id)
        children = node.get("childNodes")
        if isinstance(children, list):
            stack.extend((child, state) for child in children)
    return edited


def _empty(node: dict[str, Any]) -> list[Any]:
    """Reduce a blocked element to its tag, id and class; returns the children
    it had, so the walk can remember their ids as blocked."""
    attrs = node.get("attributes")
    attrs = attrs if isinstance(attrs, dict) else {}
    node["attributes"] = {k: attrs[k] for k in _KEPT_WHEN_BLOCKED if isinstance(attrs.get(k), str)}
    children = node.get("childNodes")
    node["childNodes"] = []
    return children if isinstance(children, list) else []
