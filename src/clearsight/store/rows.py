"""Accepted batches → Arrow tables, one per analysis table, for any backend.

The column lists here and the numbered migrations of each backend describe the
same tables; the backend tests insert through both, so a drift fails them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import msgspec
import pyarrow as pa

from clearsight import events as ev
from clearsight.store import chunks
from clearsight.store.accepted import AcceptedBatch, Incident

DAY_MS = 86_400_000

_S, _I64, _I32, _F, _B = pa.string(), pa.int64(), pa.int32(), pa.float32(), pa.bool_()
_BASE = [("project", _S), ("sid", _S), ("pv", _S), ("ts", _I64), ("day", pa.date32())]

SCHEMAS: dict[str, pa.Schema] = {
    "pageviews": pa.schema(
        [
            *_BASE,
            ("url", _S),
            ("path", _S),
            ("ref", _S),
            ("title", _S),
            ("vw", _I32),
            ("vh", _I32),
            ("dh", _I32),
        ]
    ),
    "clicks": pa.schema(
        [
            *_BASE,
            ("path", _S),
            ("sel", _S),
            ("tag", _S),
            ("rect_x", _F),
            ("rect_y", _F),
            ("rect_w", _F),
            ("rect_h", _F),
            ("rx", _F),
            ("ry", _F),
            ("x", _F),
            ("y", _F),
            ("vw", _I32),
            ("vh", _I32),
            ("dh", _I32),
            ("sy", _F),
            ("fixed", _B),
            ("inter", _B),
            ("dis", _B),
            ("reg", _B),
            ("n", _I32),
            ("fx_known", _B),
            ("fx_mut", _B),
            ("fx_nav", _B),
            ("fx_scroll", _B),
            ("fx_focus", _B),
            ("fx_err", _B),
            ("fx_inval", _B),
        ]
    ),
    "moves": pa.schema(
        [
            *_BASE,
            ("path", _S),
            ("sel", _S),
            ("rx", _F),
            ("ry", _F),
            ("x", _F),
            ("y", _F),
            ("vw", _I32),
            ("vh", _I32),
            ("dh", _I32),
            ("fixed", _B),
            ("dwell", _I32),
        ]
    ),
    "scrolls": pa.schema(
        [*_BASE, ("path", _S), ("sy", _F), ("max_depth", _F), ("vh", _I32), ("dh", _I32)]
    ),
    "errors": pa.schema(
        [*_BASE, ("url", _S), ("path", _S), ("msg", _S), ("src", _S), ("line", _I32), ("col", _I32)]
    ),
    "submits": pa.schema([*_BASE, ("path", _S), ("sel", _S)]),
    "fields": pa.schema(
        [
            *_BASE,
            ("path", _S),
            ("sel", _S),
            ("ev", _S),
            ("dur", _I32),
            ("edits", _I32),
            ("dels", _I32),
            ("filled", _B),
        ]
    ),
    "custom_events": pa.schema([*_BASE, ("path", _S), ("name", _S), ("props", _S)]),
    "identities": pa.schema([*_BASE, ("uid", _S), ("traits", _S)]),
    "experiments": pa.schema([*_BASE, ("exp", _S), ("variant", _S)]),
    "survey_answers": pa.schema(
        [*_BASE, ("path", _S), ("survey", _S), ("question", _S), ("qtype", _S), ("answer", _S)]
    ),
    "replay_chunks": pa.schema(
        [
            ("project", _S),
            ("sid", _S),
            ("seq", _I32),
            ("bid", _S),
            ("ts_first", _I64),
            ("ts_last", _I64),
            ("n_events", _I32),
            ("codec", _S),
            ("data", pa.binary()),
        ]
    ),
    "batches": pa.schema(
        [("project", _S), ("bid", _S), ("sid", _S), ("seq", _I32), ("received_at", _I64)]
    ),
    "session_deltas": pa.schema(
        [
            ("project", _S),
            ("sid", _S),
            ("vid", _S),
            ("started_at", _I64),
            ("ended_at", _I64),
            ("entry_ts", _I64),
            ("entry_url", _S),
            ("exit_ts", _I64),
            ("exit_url", _S),
            ("pages", _I32),
            ("clicks", _I32),
            ("errors", _I32),
            ("events", _I64),
            ("device", _S),
            ("browser", _S),
            ("os", _S),
            ("vw", _I32),
            ("vh", _I32),
            ("ip", _S),
        ]
    ),
    # PII the server masked (migration 010): where it was, never the value.
    "privacy_catches": pa.schema(
        [
            ("project", _S),
            ("sid", _S),
            ("ts", _I64),
            ("day", pa.date32()),
            ("detector", _S),
            ("location", _S),
            ("selector", _S),
            ("url", _S),
            ("count", _I32),
        ]
    ),
}

_TIMESTAMP = b'"timestamp":'
_batch_decoder = msgspec.json.Decoder(ev.Batch)
_dumps = msgspec.json.Encoder().encode


def path_of(url: str) -> str:
    try:
        return urlsplit(url).path or "/"
    except ValueError:
        return ""


def rrweb_time_range(raw: bytes) -> tuple[int, int, int]:
    """(first timestamp, last timestamp, count) of a raw rrweb array, without parsing it."""
    count = raw.count(_TIMESTAMP)
    if not count:
        return 0, 0, 0
    return (
        _number_after(raw, raw.find(_TIMESTAMP)),
        _number_after(raw, raw.rfind(_TIMESTAMP)),
        count,
    )


def _number_after(raw: bytes, at: int) -> int:
    start = end = at + len(_TIMESTAMP)
    while end < len(raw) and raw[end] in b"0123456789.-":
        end += 1
    try:
        return int(float(raw[start:end]))
    except ValueError:
        return 0


@dataclass
class _Session:
    vid: str
    device: str
    browser: str
    os: str
    started_at: int
    ended_at: int
    ip: str = ""
    entry: tuple[int, str] | None = None
    exit: tuple[int, str] | None = None
    pages: int = 0
    clicks: int = 0
    errors: int = 0
    events: int = 0
    viewport: tuple[int, int] = (0, 0)


@dataclass
class Rows:
    """Columns being filled, per table."""

    columns: dict[str, dict[str, list[Any]]] = field(
        default_factory=lambda: {t: {n: [] for n in s.names} for t, s in SCHEMAS.items()}
    )
    sessions: dict[tuple[str, str], _Session] = field(default_factory=dict)

    def add(self, table: str, values: dict[str, Any]) -> None:
        cols = self.columns[table]
        for name, column in cols.items():
            column.append(values[name])

    def tables(self) -> dict[str, pa.Table]:
        self._flush_sessions()
        return {
            name: pa.Table.from_pydict(cols, schema=SCHEMAS[name])
            for name, cols in self.columns.items()
            if next(iter(cols.values()))
        }

    def _flush_sessions(self) -> None:
        for (project, sid), s in self.sessions.items():
            entry = s.entry or (None, "")
            exit_ = s.exit or (None, "")
            self.add(
                "session_deltas",
                {
                    "project": project,
                    "sid": sid,
                    "vid": s.vid,
                    "started_at": s.started_at,
                    "ended_at": s.ended_at,
                    "entry_ts": entry[0],
                    "entry_url": entry[1],
                    "exit_ts": exit_[0],
                    "exit_url": exit_[1],
                    "pages": s.pages,
                    "clicks": s.clicks,
                    "errors": s.errors,
                    "events": s.events,
                    "device": s.device,
                    "browser": s.browser,
                    "os": s.os,
                    "vw": s.viewport[0],
                    "vh": s.viewport[1],
                    "ip": s.ip,
                },
            )
        self.sessions.clear()


def build_rows(batches: Sequence[AcceptedBatch], sealer: chunks.ChunkSealer) -> dict[str, pa.Table]:
    """Decode each batch's body and spread it over the analysis tables.

    Replay chunks are compressed and sealed; free-text columns (error messages,
    custom-event properties, free-text survey answers) are sealed per session.
    """
    rows = Rows()
    decoded = [(accepted, _batch_decoder.decode(accepted.body)) for accepted in batches]
    sealer.prepare(
        list(dict.fromkeys((a.project, b.sid) for a, b in decoded)),
        list(
            dict.fromkeys(
                (a.project, b.sid)
                for a, b in decoded
                if any(isinstance(e, _SEALED_TEXT) for e in b.events)
            )
        ),
    )
    for accepted, batch in decoded:
        _add_batch(rows, accepted, batch, sealer)
    return rows.tables()


def _add_batch(rows: Rows, acc: AcceptedBatch, batch: ev.Batch, sealer: chunks.ChunkSealer) -> None:
    raw = bytes(batch.rrweb).strip()
    first, last, n_rrweb = rrweb_time_range(raw)
    key = (acc.project, batch.sid)
    stamps = [e.ts for e in batch.events] + ([first, last] if n_rrweb else [])
    lo, hi = (min(stamps), max(stamps)) if stamps else (batch.sent, batch.sent)
    session = rows.sessions.get(key)
    if session is None:
        session = rows.sessions[key] = _Session(batch.vid, acc.device, acc.browser, acc.os, lo, hi)
    session.ip = session.ip or acc.ip
    session.started_at = min(session.started_at, lo)
    session.ended_at = max(session.ended_at, hi)
    session.events += n_rrweb + len(batch.events)
    rows.add(
        "batches",
        {
            "project": acc.project,
            "bid": acc.bid,
            "sid": batch.sid,
            "seq": batch.seq,
            "received_at": acc.received_at,
        },
    )
    for caught in acc.catches:
        rows.add("privacy_catches", catch_row(acc.project, batch.sid, acc.received_at, caught))
    if n_rrweb:
        codec, data = sealer.codec, sealer.seal(acc.project, batch.sid, chunks.compress(raw))
        rows.add(
            "replay_chunks",
            {
                "project": acc.project,
                "sid": batch.sid,
                "seq": batch.seq,
                "bid": acc.bid,
                "ts_first": first,
                "ts_last": last,
                "n_events": n_rrweb,
                "codec": codec,
                "data": data,
            },
        )
    for event in batch.events:
        base = {
            "project": acc.project,
            "sid": batch.sid,
            "pv": event.pv,
            "ts": event.ts,
            "day": event.ts // DAY_MS,
        }
        if isinstance(event, _SEALED_TEXT):
            event = _seal_text(event, acc.project, batch.sid, sealer)
        _EVENT_ROWS[type(event)](rows, session, base, event)


def _pageview(rows: Rows, s: _Session, base: dict[str, Any], e: Any) -> None:
    rows.add(
        "pageviews",
        base
        | {
            "url": e.url,
            "path": path_of(e.url),
            "ref": e.ref,
            "title": e.title,
            "vw": e.vw,
            "vh": e.vh,
            "dh": e.dh,
        },
    )
    s.pages += 1
    if s.entry is None or e.ts < s.entry[0]:
        s.entry = (e.ts, e.url)
        s.viewport = (e.vw, e.vh)
    if s.exit is None or e.ts >= s.exit[0]:
        s.exit = (e.ts, e.url)


def _click(rows: Rows, s: _Session, base: dict[str, Any], e: ev.Click) -> None:
    fx = e.fx or ev.Effects()
    rx, ry, rw, rh = e.rect
    rows.add(
        "clicks",
        base
        | {
            "path": path_of(e.url),
            "sel": e.sel,
            "tag": e.tag,
            "rect_x": rx,
            "rect_y": ry,
            "rect_w": rw,
            "rect_h": rh,
            "rx": e.rx,
            "ry": e.ry,
            "x": e.x,
            "y": e.y,
            "vw": e.vw,
            "vh": e.vh,
            "dh": e.dh,
            "sy": e.sy,
            "fixed": e.fixed,
            "inter": e.inter,
            "dis": e.dis,
            "reg": e.reg,
            "n": e.n,
            "fx_known": e.fx is not None,
            "fx_mut": fx.mut,
            "fx_nav": fx.nav,
            "fx_scroll": fx.scroll,
            "fx_focus": fx.focus,
            "fx_err": fx.err,
            "fx_inval": fx.inval,
        },
    )
    s.clicks += 1


def _move(rows: Rows, s: _Session, base: dict[str, Any], e: ev.Move) -> None:
    rows.add(
        "moves",
        base
        | {
            "path": path_of(e.url),
            "sel": e.sel,
            "rx": e.rx,
            "ry": e.ry,
            "x": e.x,
            "y": e.y,
            "vw": e.vw,
            "vh": e.vh,
            "dh": e.dh,
            "fixed": e.fixed,
            "dwell": e.dwell,
        },
    )


def _scroll(rows: Rows, s: _Session, base: dict[str, Any], e: ev.Scroll) -> None:
    rows.add(
        "scrolls",
        base | {"path": path_of(e.url), "sy": e.sy, "max_depth": e.max, "vh": e.vh, "dh": e.dh},
    )


def _error(rows: Rows, s: _Session, base: dict[str, Any], e: ev.JsError) -> None:
    rows.add(
        "errors",
        base
        | {
            "url": e.url,
            "path": path_of(e.url),
            "msg": e.msg,
            "src": e.src,
            "line": e.line,
            "col": e.col,
        },
    )
    s.errors += 1


def _submit(rows: Rows, s: _Session, base: dict[str, Any], e: ev.Submit) -> None:
    rows.add("submits", base | {"path": path_of(e.url), "sel": e.sel})


def _field(rows: Rows, s: _Session, base: dict[str, Any], e: ev.Field) -> None:
    rows.add(
        "fields",
        base
        | {
            "path": path_of(e.url),
            "sel": e.sel,
            "ev": e.ev,
            "dur": e.dur,
            "edits": e.edits,
            "dels": e.dels,
            "filled": e.filled,
        },
    )


def _custom(rows: Rows, s: _Session, base: dict[str, Any], e: ev.Custom) -> None:
    sealed = e.props.get("sealed")
    props = sealed if isinstance(sealed, str) else _dumps(e.props).decode()
    rows.add("custom_events", base | {"path": path_of(e.url), "name": e.name, "props": props})


def _identify(rows: Rows, s: _Session, base: dict[str, Any], e: ev.Identify) -> None:
    rows.add("identities", base | {"uid": e.uid, "traits": _dumps(e.traits).decode()})


def _experiment(rows: Rows, s: _Session, base: dict[str, Any], e: ev.Experiment) -> None:
    rows.add("experiments", base | {"exp": e.exp, "variant": e.variant})


def _survey(rows: Rows, s: _Session, base: dict[str, Any], e: ev.SurveyAnswer) -> None:
    rows.add(
        "survey_answers",
        base
        | {
            "path": path_of(e.url),
            "survey": e.survey,
            "question": e.question,
            "qtype": e.qtype,
            "answer": e.answer,
        },
    )


def catch_row(project: str, sid: str, ts: int, caught: Incident) -> dict[str, Any]:
    """A ``privacy_catches`` row: where PII was masked, never the value."""
    return {
        "project": project,
        "sid": sid,
        "ts": ts,
        "day": ts // DAY_MS,
        "detector": caught.detector,
        "location": caught.where,
        "selector": caught.selector,
        "url": caught.url,
        "count": caught.count,
    }


def catches_table(rows: Sequence[tuple[str, str, int, Incident]]) -> pa.Table:
    """``privacy_catches`` rows from (project, sid, ts, incident)."""
    out = Rows()
    for project, sid, ts, caught in rows:
        out.add("privacy_catches", catch_row(project, sid, ts, caught))
    return out.tables().get("privacy_catches", SCHEMAS["privacy_catches"].empty_table())


_SEALED_TEXT = (ev.JsError, ev.Custom, ev.SurveyAnswer)


def _seal_text(event: Any, project: str, sid: str, sealer: chunks.ChunkSealer) -> Any:
    """Free text that can hold customer-level content is sealed with the session's text key."""
    if isinstance(event, ev.JsError):
        return msgspec.structs.replace(event, msg=sealer.seal_text(project, sid, event.msg))
    if isinstance(event, ev.Custom):
        props = sealer.seal_text(project, sid, _dumps(event.props).decode())
        return msgspec.structs.replace(event, props={"sealed": props})
    if event.qtype == "text":
        return msgspec.structs.replace(event, answer=sealer.seal_text(project, sid, event.answer))
    return event


_EVENT_ROWS: dict[type, Callable[[Rows, _Session, dict[str, Any], Any], None]] = {
    ev.PageView: _pageview,
    ev.Click: _click,
    ev.Move: _move,
    ev.Scroll: _scroll,
    ev.JsError: _error,
    ev.Submit: _submit,
    ev.Field: _field,
    ev.Custom: _custom,
    ev.Identify: _identify,
    ev.Experiment: _experiment,
    ev.SurveyAnswer: _survey,
}
