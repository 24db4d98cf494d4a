"""Keyed tokenization of the customer ids passed to ``identify()``, on ingest.

The site's customer id never reaches disk: the batch is rewritten with
``tokenize(project secret, id)`` before the spool sees it. Analysts and
imports join on the token; a data-subject request tokenizes the id it is
given the same way.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from clearsight import events as ev
from clearsight.privacy.secrets import project_secret
from clearsight.privacy.tokenize import tokenize
from clearsight.store.control import Project

_decode = msgspec.json.Decoder(ev.Batch)
_encode = msgspec.json.Encoder().encode


class TokenizeIdentities:
    """A body filter: ``identify`` events carry the token, never the id."""

    def __init__(self, keys_dir: Path) -> None:
        self.keys_dir = keys_dir
        self._secrets: dict[str, bytes] = {}

    def __call__(self, body: bytes, batch: ev.Batch, project: Project) -> bytes:
        if b'"identify"' not in body:
            return body
        current = _decode.decode(body)
        if not any(isinstance(e, ev.Identify) and e.uid for e in current.events):
            return body
        secret = self._secrets.get(project.id)
        if secret is None:
            secret = self._secrets[project.id] = project_secret(self.keys_dir, project.id)
        events = [
            msgspec.structs.replace(e, uid=tokenize(secret, e.uid))
            if isinstance(e, ev.Identify) and e.uid
            else e
            for e in current.events
        ]
        return _encode(msgspec.structs.replace(current, events=events))
