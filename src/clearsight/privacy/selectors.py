"""Simple CSS selectors, matched against rrweb's serialised element nodes.

The server enforces a project's block and mask selectors again on the
rrweb it receives, without a DOM. It therefore understands compound
selectors that look at one element only: a tag, ``#id``, ``.class`` and
attribute tests (``[name]``, ``[name=value]``, ``~=``, ``^=``, ``$=``,
``*=``), written together without spaces (``input.iban[name="iban"]``), and
comma lists of them. Anything else (combinators, pseudo-classes) is refused
when the rule is set, so every rule the capture script gets is one the
server can also enforce. A subtree is covered because the walk carries an
ancestor's match down to its descendants.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_IDENT = r"-?[A-Za-z_][A-Za-z0-9_-]*"
_VALUE = r"\"[^\"]*\"|'[^']*'|[A-Za-z0-9_-]+"
_PART = re.compile(
    rf"#(?P<id>{_IDENT})|\.(?P<cls>{_IDENT})"
    rf"|\[\s*(?P<attr>{_IDENT})\s*(?:(?P<op>[~^$*]?=)\s*(?P<val>{_VALUE})\s*)?\]"
)
_TAG = re.compile(rf"\*|{_IDENT}")
_OPS: dict[str, Callable[[str, str], bool]] = {
    "=": lambda have, want: have == want,
    "~=": lambda have, want: want in have.split(),
    "^=": lambda have, want: bool(want) and have.startswith(want),
    "$=": lambda have, want: bool(want) and have.endswith(want),
    "*=": lambda have, want: bool(want) and want in have,
}


class SelectorError(ValueError):
    """A selector the server cannot enforce; the message says why."""


@dataclass(frozen=True, slots=True)
class Compound:
    tag: str
    ids: tuple[str, ...]
    classes: tuple[str, ...]
    attrs: tuple[tuple[str, str, str], ...]
    """(name, operator or "", value)."""

    def matches(self, node: dict[str, Any]) -> bool:
        tag = node.get("tagName")
        if self.tag and (not isinstance(tag, str) or tag.lower() != self.tag):
            return False
        attrs = node.get("attributes")
        attrs = attrs if isinstance(attrs, dict) else {}
        if self.ids and any(attrs.get("id") != i for i in self.ids):
            return False
        if self.classes:
            have = str(attrs.get("class") or "").split()
            if any(c not in have for c in self.classes):
                return False
        for name, op, want in self.attrs:
            value = attrs.get(name)
            if value is None or value is False:
                return False
            if op and not _OPS[op](str(value), want):
                return False
        return True


def parse_one(text: str) -> Compound:
    """One compound selector; raises ``SelectorError`` naming what is not supported."""
    source = text.strip()
    if not source:
        raise SelectorError("an empty selector")
    pos = 0
    tag = ""
    if m := _TAG.match(source):
        tag = "" if m.group() == "*" else m.group().lower()
        pos = m.end()
    ids: list[str] = []
    classes: list[str] = []
    attrs: list[tuple[str, str, str]] = []
    while pos < len(source):
        m = _PART.match(source, pos)
        if m is None:
            raise SelectorError(
                f"selector {text!r}: only tags, #id, .class and [attribute] tests on one "
                "element are enforced by the server (no spaces, >, + or :pseudo-classes)"
            )
        if m["id"]:
            ids.append(m["id"])
        elif m["cls"]:
            classes.append(m["cls"])
        else:
            attrs.append((m["attr"].lower(), m["op"] or "", (m["val"] or "").strip("\"'")))
        pos = m.end()
    return Compound(tag, tuple(ids), tuple(classes), tuple(attrs))


def split_list(text: str) -> list[str]:
    """A comma list split into its selectors (commas inside quotes stay)."""
    parts = re.findall(r"(?:\"[^\"]*\"|'[^']*'|[^,])+", text)
    return [p.strip() for p in parts if p.strip()]


class SelectorSet:
    """Any of several selectors (each may itself be a comma list)."""

    def __init__(self, selectors: list[str]) -> None:
        self.compounds = tuple(parse_one(s) for text in selectors for s in split_list(text))

    def __bool__(self) -> bool:
        return bool(self.compounds)

    def matches(self, node: dict[str, Any]) -> bool:
        return any(c.matches(node) for c in self.compounds)


def check(selector: str) -> str:
    """The selector, stripped, if the server can enforce it; else ``SelectorError``."""
    parts = split_list(selector)
    if not parts:
        raise SelectorError("an empty selector")
    for part in parts:
        parse_one(part)
    return selector.strip()
