"""A project's capture rules, enforced again by the server on every batch.

The capture script applies the rules it fetched; a stale cached config, an
old script or a hand-written client may not. Before the scrubber runs, this
filter:

1. drops the whole batch when its session is outside the sample
   (``rules.in_sample``, the same function the script uses);
2. drops interaction events whose URL, and rrweb events whose page, matches
   an excluded-URL glob; a batch left empty is dropped whole. The page of an
   rrweb event is the ``href`` of the last Meta event before it (in this
   batch or an earlier one of the session), else the batch's first event URL;
3. empties blocked elements and masks text under mask selectors in full
   snapshots, mutations and input events (``domrules.py``).

A project without rules costs one cached lookup and a hash of the session id.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import msgspec

from clearsight import events as ev
from clearsight.privacy import urlrules
from clearsight.privacy.domrules import DomRules, head
from clearsight.privacy.filters import DROP, Filtered
from clearsight.privacy.memory import SessionMemory
from clearsight.privacy.rules import PrivacyRules, in_sample
from clearsight.privacy.selectors import SelectorSet
from clearsight.store.control import Project

_META = ev.RRWEB_META
_batch = msgspec.json.Decoder(ev.Batch)
_raw_list = msgspec.json.Decoder(list[msgspec.Raw])
_encode = msgspec.json.Encoder().encode


@dataclass
class _Page:
    url: str = ""


class EnforceRules:
    """A body filter: sampling, excluded URLs, block and mask selectors."""

    def __init__(self, rules_of: Callable[[str], PrivacyRules], limit: int = 20_000) -> None:
        self.rules_of = rules_of
        self.pages: SessionMemory[_Page] = SessionMemory(_Page, limit)
        self.dom = DomRules(limit)
        self._selectors: dict[tuple[str, ...], SelectorSet] = {}
        self._lock = threading.Lock()  # batches are filtered in worker threads

    def __call__(self, body: bytes, batch: ev.Batch, project: Project) -> bytes | Filtered:
        rules = self.rules_of(project.id)
        if not in_sample(batch.sid, rules.sample_rate):
            return DROP
        block = self._selector_set(rules.block_selectors)
        mask = self._selector_set(rules.mask_selectors)
        if not rules.exclude_urls and not block and not mask:
            return body
        current = _batch.decode(body)
        raws: list[bytes] = [bytes(r) for r in _raw_list.decode(bytes(current.rrweb))]
        events = current.events
        key = (project.id, current.sid)
        changed = False
        if rules.exclude_urls:
            with self._lock:
                raws, events, changed = self._exclude(key, raws, events, rules.exclude_urls)
            if changed and not raws and not events:
                return DROP
        if raws and (block or mask):
            raws, masked = self.dom.apply(key, raws, block, mask)
            changed |= masked
        if not changed:
            return body
        rrweb = msgspec.Raw(b"[" + b",".join(raws) + b"]")
        return _encode(msgspec.structs.replace(current, rrweb=rrweb, events=events))

    def _selector_set(self, selectors: list[str]) -> SelectorSet:
        key = tuple(selectors)
        found = self._selectors.get(key)
        if found is None:
            if len(self._selectors) > 1000:
                self._selectors.clear()
            found = self._selectors[key] = SelectorSet(selectors)
        return found

    def _exclude(
        self,
        key: tuple[str, str],
        raws: list[bytes],
        events: list[ev.InteractionEvent],
        patterns: list[str],
    ) -> tuple[list[bytes], list[ev.InteractionEvent], bool]:
        page = self.pages.get(key)
        url = page.url or next((e.url for e in events if e.url), "")

        def excluded(where: str) -> bool:
            return bool(where) and urlrules.matches_any(patterns, where)

        kept_raws = []
        for raw in raws:
            if head(raw)[0] == _META:
                url = _href(raw) or url
            if not excluded(url):
                kept_raws.append(raw)
        page.url = url
        kept_events = [e for e in events if not excluded(e.url or url)]
        changed = len(kept_raws) != len(raws) or len(kept_events) != len(events)
        return kept_raws, kept_events, changed


def _href(raw: bytes) -> str:
    try:
        event = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return ""
    data = event.get("data") if isinstance(event, dict) else None
    href = data.get("href") if isinstance(data, dict) else None
    return href if isinstance(href, str) else ""
