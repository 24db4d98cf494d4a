-- 001: the event store.
--
-- Analysis rows arrive in time order, one Arrow micro-batch per writer
-- transaction. DuckDB keeps min/max zone maps per row group, so filters on
-- ts/day prune well as data ages; per-page reads (heatmaps) get their own
-- pre-aggregates in later migrations rather than a re-sort of the raw rows.
-- Timestamps are integer ms since the epoch, UTC; `day` is derived from ts
-- once, at insert, so retention and daily roll-ups never recompute it.

-- One row per stored batch: batch ids make retries idempotent.
CREATE TABLE batches (
    project     VARCHAR NOT NULL,
    bid         VARCHAR PRIMARY KEY,
    sid         VARCHAR NOT NULL,
    seq         INTEGER NOT NULL,
    received_at BIGINT  NOT NULL
);

-- The session summary, upserted by every writer transaction that touches
-- the session. entry_ts/exit_ts decide which page view is entry and exit
-- when batches arrive out of order.
CREATE TABLE sessions (
    project    VARCHAR NOT NULL,
    sid        VARCHAR NOT NULL,
    vid        VARCHAR NOT NULL,
    started_at BIGINT  NOT NULL,
    ended_at   BIGINT  NOT NULL,
    entry_ts   BIGINT,
    entry_url  VARCHAR NOT NULL,
    exit_ts    BIGINT,
    exit_url   VARCHAR NOT NULL,
    pages      INTEGER NOT NULL,
    clicks     INTEGER NOT NULL,
    errors     INTEGER NOT NULL,
    events     BIGINT  NOT NULL,
    device     VARCHAR NOT NULL,
    browser    VARCHAR NOT NULL,
    os         VARCHAR NOT NULL,
    vw         INTEGER NOT NULL,
    vh         INTEGER NOT NULL,
    PRIMARY KEY (project, sid)
);

-- Replay chunks: one per batch, the batch's rrweb array compressed (and
-- sealed, when encryption is on). Looked up by session only, hence the index.
CREATE TABLE replay_chunks (
    project  VARCHAR NOT NULL,
    sid      VARCHAR NOT NULL,
    seq      INTEGER NOT NULL,
    bid      VARCHAR NOT NULL,
    ts_first BIGINT  NOT NULL,
    ts_last  BIGINT  NOT NULL,
    n_events INTEGER NOT NULL,
    codec    VARCHAR NOT NULL,
    data     BLOB    NOT NULL
);
CREATE INDEX replay_chunks_sid ON replay_chunks (sid);

CREATE TABLE pageviews (
    project VARCHAR NOT NULL, sid VARCHAR NOT NULL, pv VARCHAR NOT NULL,
    ts BIGINT NOT NULL, day DATE NOT NULL,
    url VARCHAR NOT NULL, path VARCHAR NOT NULL, ref VARCHAR NOT NULL, title VARCHAR NOT NULL,
    vw INTEGER NOT NULL, vh INTEGER NOT NULL, dh INTEGER NOT NULL
);
-- Session pages list their page views; the session filter by URL probes it.
CREATE INDEX pageviews_sid ON pageviews (sid);

-- rect_* is the target's box in page coordinates; rx/ry the position inside
-- it (0..1), which is what keeps heatmaps right across viewport widths.
-- fx_known is false when the page ended before the click's observation window.
CREATE TABLE clicks (
    project VARCHAR NOT NULL, sid VARCHAR NOT NULL, pv VARCHAR NOT NULL,
    ts BIGINT NOT NULL, day DATE NOT NULL,
    path VARCHAR NOT NULL, sel VARCHAR NOT NULL, tag VARCHAR NOT NULL,
    rect_x REAL NOT NULL, rect_y REAL NOT NULL, rect_w REAL NOT NULL, rect_h REAL NOT NULL,
    rx REAL NOT NULL, ry REAL NOT NULL, x REAL NOT NULL, y REAL NOT NULL,
    vw INTEGER NOT NULL, vh INTEGER NOT NULL, dh INTEGER NOT NULL, sy REAL NOT NULL,
    fixed BOOLEAN NOT NULL, inter BOOLEAN NOT NULL, dis BOOLEAN NOT NULL, reg BOOLEAN NOT NULL,
    n INTEGER NOT NULL,
    fx_known BOOLEAN NOT NULL, fx_mut BOOLEAN NOT NULL, fx_nav BOOLEAN NOT NULL,
    fx_scroll BOOLEAN NOT NULL, fx_focus BOOLEAN NOT NULL, fx_err BOOLEAN NOT NULL,
    fx_inval BOOLEAN NOT NULL
);

CREATE TABLE moves (
    project VARCHAR NOT NULL, sid VARCHAR NOT NULL, pv VARCHAR NOT NULL,
    ts BIGINT NOT NULL, day DATE NOT NULL,
    path VARCHAR NOT NULL, sel VARCHAR NOT NULL,
    rx REAL NOT NULL, ry REAL NOT NULL, x REAL NOT NULL, y REAL NOT NULL,
    vw INTEGER NOT NULL, vh INTEGER NOT NULL, dh INTEGER NOT NULL,
    fixed BOOLEAN NOT NULL, dwell INTEGER NOT NULL
);

CREATE TABLE scrolls (
    project VARCHAR NOT NULL, sid VARCHAR NOT NULL, pv VARCHAR NOT NULL,
    ts BIGINT NOT NULL, day DATE NOT NULL,
    path VARCHAR NOT NULL, sy REAL NOT NULL, max_depth REAL NOT NULL,
    vh INTEGER NOT NULL, dh INTEGER NOT NULL
);

-- msg, custom_events.props and free-text survey answers are sealed with the
-- session's "text" data key (see govern/keys.py) when encryption is on.
CREATE TABLE errors (
    project VARCHAR NOT NULL, sid VARCHAR NOT NULL, pv VARCHAR NOT NULL,
    ts BIGINT NOT NULL, day DATE NOT NULL,
    url VARCHAR NOT NULL, path VARCHAR NOT NULL, msg VARCHAR NOT NULL, src VARCHAR NOT NULL,
    line INTEGER NOT NULL, col INTEGER NOT NULL
);

CREATE TABLE submits (
    project VARCHAR NOT NULL, sid VARCHAR NOT NULL, pv VARCHAR NOT NULL,
    ts BIGINT NOT NULL, day DATE NOT NULL,
    path VARCHAR NOT NULL, sel VARCHAR NOT NULL
);

-- Form-field metadata: focus/blur/invalid, time and edit counts. Never values.
CREATE TABLE fields (
    project VARCHAR NOT NULL, sid VARCHAR NOT NULL, pv VARCHAR NOT NULL,
    ts BIGINT NOT NULL, day DATE NOT NULL,
    path VARCHAR NOT NULL, sel VARCHAR NOT NULL, ev VARCHAR NOT NULL,
    dur INTEGER NOT NULL, edits INTEGER NOT NULL, dels INTEGER NOT NULL, filled BOOLEAN NOT NULL
);

CREATE TABLE custom_events (
    project VARCHAR NOT NULL, sid VARCHAR NOT NULL, pv VARCHAR NOT NULL,
    ts BIGINT NOT NULL, day DATE NOT NULL,
    path VARCHAR NOT NULL, name VARCHAR NOT NULL, props VARCHAR NOT NULL
);

-- uid is the server-side token of the site's customer id, never the id itself.
CREATE TABLE identities (
    project VARCHAR NOT NULL, sid VARCHAR NOT NULL, pv VARCHAR NOT NULL,
    ts BIGINT NOT NULL, day DATE NOT NULL,
    uid VARCHAR NOT NULL, traits VARCHAR NOT NULL
);

CREATE TABLE experiments (
    project VARCHAR NOT NULL, sid VARCHAR NOT NULL, pv VARCHAR NOT NULL,
    ts BIGINT NOT NULL, day DATE NOT NULL,
    exp VARCHAR NOT NULL, variant VARCHAR NOT NULL
);

CREATE TABLE survey_answers (
    project VARCHAR NOT NULL, sid VARCHAR NOT NULL, pv VARCHAR NOT NULL,
    ts BIGINT NOT NULL, day DATE NOT NULL,
    path VARCHAR NOT NULL, survey VARCHAR NOT NULL, question VARCHAR NOT NULL,
    qtype VARCHAR NOT NULL, answer VARCHAR NOT NULL
);
