"""Keyed tokenization of identifiers, on ingest.

The site's customer id never reaches disk: the batch is rewritten with
``tokenize(project secret, id)`` before the spool sees it. Analysts and
imports join on the token; a data-subject request tokenizes the id it is
given the same way.

Always tokenized: the uid passed to ``identify()``. Per project
(``PrivacyRules``): the custom-event properties named in ``tokenize_props``
and the ``identify()`` traits named in ``tokenize_traits``. A number or
boolean under such a name is tokenized as its JSON text; null stays null.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from clearsight import events as ev
from clearsight.privacy.rules import DEFAULT, PrivacyRules
from clearsight.privacy.secrets import project_secret
from clearsight.privacy.tokenize import tokenize
from clearsight.store.control import Project

_decode = msgspec.json.Decoder(ev.Batch)
_encode = msgspec.json.Encoder().encode
Props = dict[str, str | int | float | bool | None]


class TokenizeIdentities:
    """A body filter: identifiers carry their token, never their value."""

    def __init__(
        self, keys_dir: Path, rules_of: Callable[[str], PrivacyRules] = lambda _: DEFAULT
    ) -> None:
        self.keys_dir = keys_dir
        self.rules_of = rules_of
        self._secrets: dict[str, bytes] = {}

    def __call__(self, body: bytes, batch: ev.Batch, project: Project) -> bytes:
        # The batch as decoded on arrival: earlier filters may drop events,
        # never add them, so what it lacks the body lacks too.
        kinds = {type(e) for e in batch.events}
        rules = self.rules_of(project.id)
        props = frozenset(rules.tokenize_props) if ev.Custom in kinds else frozenset()
        if ev.Identify not in kinds and not props:
            return body
        traits = frozenset(rules.tokenize_traits)
        current = _decode.decode(body)
        if not any(_names(e, props, traits) for e in current.events):
            return body
        secret = self._secret(project.id)
        events = [_tokenized(e, secret, props, traits) for e in current.events]
        return _encode(msgspec.structs.replace(current, events=events))

    def _secret(self, project: str) -> bytes:
        secret = self._secrets.get(project)
        if secret is None:
            secret = self._secrets[project] = project_secret(self.keys_dir, project)
        return secret


def _names(event: Any, props: frozenset[str], traits: frozenset[str]) -> bool:
    """Whether the event holds something to tokenize."""
    if isinstance(event, ev.Identify):
        return bool(event.uid) or not traits.isdisjoint(event.traits)
    return isinstance(event, ev.Custom) and not props.isdisjoint(event.props)


def _tokenized(event: Any, secret: bytes, props: frozenset[str], traits: frozenset[str]) -> Any:
    if isinstance(event, ev.Identify):
        uid = tokenize(secret, event.uid) if event.uid else ""
        return msgspec.structs.replace(
            event, uid=uid, traits=_tokenize_named(event.traits, traits, secret)
        )
    if isinstance(event, ev.Custom):
        return msgspec.structs.replace(event, props=_tokenize_named(event.props, props, secret))
    return event


def _tokenize_named(values: Props, names: frozenset[str], secret: bytes) -> Props:
    if names.isdisjoint(values):
        return values
    out: Props = {}
    for name, value in values.items():
        if name in names and value is not None:
            text = value if isinstance(value, str) else _encode(value).decode()
            out[name] = tokenize(secret, text) if text else text
        else:
            out[name] = value
    return out
