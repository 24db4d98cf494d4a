CREATE TABLE IF NOT EXISTS clearsight_migrations (version UInt32, name String, applied_at DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY version;
-- 001_events.sql
CREATE TABLE batches (
    project LowCardinality(String),
    bid String,
    sid String,
    seq Int32,
    received_at Int64
) ENGINE = ReplacingMergeTree
ORDER BY bid
SETTINGS non_replicated_deduplication_window = 1000;
CREATE TABLE session_deltas (
    project LowCardinality(String),
    sid String,
    vid String,
    started_at Int64,
    ended_at Int64,
    entry_ts Nullable(Int64),
    entry_url String,
    exit_ts Nullable(Int64),
    exit_url String,
    pages Int32,
    clicks Int32,
    errors Int32,
    events Int64,
    device LowCardinality(String),
    browser LowCardinality(String),
    os LowCardinality(String),
    vw Int32,
    vh Int32
) ENGINE = MergeTree
PARTITION BY toYYYYMM(toDateTime(intDiv(started_at, 1000)))
ORDER BY (project, sid)
SETTINGS non_replicated_deduplication_window = 1000;
CREATE VIEW sessions AS
SELECT
    d.project AS project, d.sid AS sid, any(d.vid) AS vid,
    min(d.started_at) AS started_at, max(d.ended_at) AS ended_at,
    min(d.entry_ts) AS entry_ts,
    argMinIf(d.entry_url, d.entry_ts, d.entry_ts IS NOT NULL) AS entry_url,
    max(d.exit_ts) AS exit_ts,
    argMaxIf(d.exit_url, d.exit_ts, d.exit_ts IS NOT NULL) AS exit_url,
    toInt32(sum(d.pages)) AS pages, toInt32(sum(d.clicks)) AS clicks,
    toInt32(sum(d.errors)) AS errors, sum(d.events) AS events,
    any(d.device) AS device, any(d.browser) AS browser, any(d.os) AS os,
    toInt32(argMinIf(d.vw, d.entry_ts, d.entry_ts IS NOT NULL)) AS vw,
    toInt32(argMinIf(d.vh, d.entry_ts, d.entry_ts IS NOT NULL)) AS vh
FROM session_deltas AS d
GROUP BY d.project, d.sid;
CREATE TABLE replay_chunks (
    project LowCardinality(String),
    sid String,
    seq Int32,
    bid String,
    ts_first Int64,
    ts_last Int64,
    n_events Int32,
    codec LowCardinality(String),
    data String
) ENGINE = MergeTree
PARTITION BY toYYYYMMDD(toDateTime(intDiv(ts_first, 1000)))
ORDER BY (project, sid, ts_first, seq)
TTL toDateTime(intDiv(ts_first, 1000)) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;
CREATE TABLE pageviews (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    url String, path LowCardinality(String), ref String, title String,
    vw Int32, vh Int32, dh Int32,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = MergeTree
PARTITION BY day ORDER BY (project, path, day, ts) TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;
CREATE TABLE clicks (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    path LowCardinality(String), sel LowCardinality(String), tag LowCardinality(String),
    rect_x Float32, rect_y Float32, rect_w Float32, rect_h Float32,
    rx Float32, ry Float32, x Float32, y Float32,
    vw Int32, vh Int32, dh Int32, sy Float32,
    fixed Bool, inter Bool, dis Bool, reg Bool, n Int32,
    fx_known Bool, fx_mut Bool, fx_nav Bool, fx_scroll Bool, fx_focus Bool, fx_err Bool,
    fx_inval Bool,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = MergeTree
PARTITION BY day ORDER BY (project, path, day, ts) TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;
CREATE TABLE moves (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    path LowCardinality(String), sel LowCardinality(String),
    rx Float32, ry Float32, x Float32, y Float32, vw Int32, vh Int32, dh Int32,
    fixed Bool, dwell Int32,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = MergeTree
PARTITION BY day ORDER BY (project, path, day, ts) TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;
CREATE TABLE scrolls (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    path LowCardinality(String), sy Float32, max_depth Float32, vh Int32, dh Int32,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = MergeTree
PARTITION BY day ORDER BY (project, path, day, ts) TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;
CREATE TABLE errors (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    url String, path LowCardinality(String), msg String, src String, line Int32, col Int32,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = MergeTree
PARTITION BY day ORDER BY (project, path, day, ts) TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;
CREATE TABLE submits (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    path LowCardinality(String), sel LowCardinality(String),
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = MergeTree
PARTITION BY day ORDER BY (project, path, day, ts) TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;
CREATE TABLE fields (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    path LowCardinality(String), sel LowCardinality(String), ev LowCardinality(String),
    dur Int32, edits Int32, dels Int32, filled Bool,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = MergeTree
PARTITION BY day ORDER BY (project, path, day, ts) TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;
CREATE TABLE custom_events (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    path LowCardinality(String), name LowCardinality(String), props String,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = MergeTree
PARTITION BY day ORDER BY (project, name, day, ts) TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;
CREATE TABLE identities (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    uid String, traits String,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = MergeTree
PARTITION BY day ORDER BY (project, uid, ts) TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;
CREATE TABLE experiments (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    exp LowCardinality(String), variant LowCardinality(String),
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = MergeTree
PARTITION BY day ORDER BY (project, exp, day, ts) TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;
CREATE TABLE survey_answers (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    path LowCardinality(String), survey LowCardinality(String), question LowCardinality(String),
    qtype LowCardinality(String), answer String,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = MergeTree
PARTITION BY day ORDER BY (project, survey, day, ts) TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;
-- 002_segments.sql
CREATE TABLE segment_members (
    project LowCardinality(String),
    segment LowCardinality(String),
    sid String,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = MergeTree
ORDER BY (project, segment, sid);
-- 010_privacy.sql
CREATE TABLE privacy_catches (
    project LowCardinality(String),
    sid String,
    ts Int64,
    day Date,
    detector LowCardinality(String),
    location LowCardinality(String),
    selector String,
    url String,
    count Int32,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = MergeTree
PARTITION BY day ORDER BY (project, day, detector)
TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;
ALTER TABLE session_deltas ADD COLUMN ip String DEFAULT '';
CREATE OR REPLACE VIEW sessions AS
SELECT
    d.project AS project, d.sid AS sid, any(d.vid) AS vid,
    min(d.started_at) AS started_at, max(d.ended_at) AS ended_at,
    min(d.entry_ts) AS entry_ts,
    argMinIf(d.entry_url, d.entry_ts, d.entry_ts IS NOT NULL) AS entry_url,
    max(d.exit_ts) AS exit_ts,
    argMaxIf(d.exit_url, d.exit_ts, d.exit_ts IS NOT NULL) AS exit_url,
    toInt32(sum(d.pages)) AS pages, toInt32(sum(d.clicks)) AS clicks,
    toInt32(sum(d.errors)) AS errors, sum(d.events) AS events,
    any(d.device) AS device, any(d.browser) AS browser, any(d.os) AS os,
    toInt32(argMinIf(d.vw, d.entry_ts, d.entry_ts IS NOT NULL)) AS vw,
    toInt32(argMinIf(d.vh, d.entry_ts, d.entry_ts IS NOT NULL)) AS vh,
    anyIf(d.ip, d.ip != '') AS ip
FROM session_deltas AS d
GROUP BY d.project, d.sid;
-- 030_heatmaps.sql
CREATE TABLE heat_url_rules (
    project String, pos Int32, pattern String, replacement String, sid String DEFAULT ''
) ENGINE = MergeTree
ORDER BY (project, pos);
CREATE FUNCTION heat_key AS (proj, p) -> arrayStringConcat(arrayMap(seg -> multiIf(
    match(seg, '^(?:[0-9]+)$'), ':id',
    match(seg, '^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$'), ':uuid',
    match(seg, '^(?:[0-9a-fA-F]{16,})$'), ':hex',
    seg), splitByChar('/', p)), '/');
CREATE TABLE heat_views (
    project LowCardinality(String), page UInt64, bucket UInt8, day Date, ts Int64,
    sid String, pv String, vw Int32, vh Int32, dh Int32, key LowCardinality(String)
) ENGINE = MergeTree
PARTITION BY toYYYYMM(day) ORDER BY (project, page, bucket, day, ts)
TTL day + INTERVAL 400 DAY;
CREATE TABLE heat_clicks (
    project LowCardinality(String), page UInt64, bucket UInt8, day Date, ts Int64,
    sid String, pv String, sel LowCardinality(String), tag LowCardinality(String),
    fixed Bool, reg Bool, rx Float32, ry Float32, px Float32, py Float32, vw Int32
) ENGINE = MergeTree
PARTITION BY toYYYYMM(day) ORDER BY (project, page, bucket, day, ts)
TTL day + INTERVAL 400 DAY;
CREATE TABLE heat_moves (
    project LowCardinality(String), page UInt64, bucket UInt8, day Date, ts Int64,
    sid String, pv String, sel LowCardinality(String), fixed Bool,
    rx Float32, ry Float32, px Float32, py Float32, vw Int32, dwell Int32
) ENGINE = MergeTree
PARTITION BY toYYYYMM(day) ORDER BY (project, page, bucket, day, ts)
TTL day + INTERVAL 400 DAY;
CREATE TABLE heat_scrolls (
    project LowCardinality(String), page UInt64, day Date, ts Int64, sid String, pv String,
    sy Float32, max_depth Float32, vh Int32, dh Int32
) ENGINE = MergeTree
PARTITION BY toYYYYMM(day) ORDER BY (project, page, day, ts)
TTL day + INTERVAL 400 DAY;
CREATE VIEW heat_pages AS
SELECT project, key, any(page) AS page FROM heat_views GROUP BY project, key;
CREATE MATERIALIZED VIEW heat_views_mv TO heat_views AS
SELECT project, cityHash64(project, heat_key(project, path)) AS page,
    toUInt8(multiIf(vw < 768, 0, vw < 1200, 1, 2)) AS bucket, day, ts, sid, pv, vw, vh, dh,
    heat_key(project, path) AS key
FROM pageviews;
CREATE MATERIALIZED VIEW heat_clicks_mv TO heat_clicks AS
SELECT project, cityHash64(project, heat_key(project, path)) AS page,
    toUInt8(multiIf(vw < 768, 0, vw < 1200, 1, 2)) AS bucket, day, ts, sid, pv, sel, tag,
    fixed, reg, rx, ry, x AS px, if(fixed, y - sy, y) AS py, vw
FROM clicks;
CREATE MATERIALIZED VIEW heat_moves_mv TO heat_moves AS
SELECT project, cityHash64(project, heat_key(project, path)) AS page,
    toUInt8(multiIf(vw < 768, 0, vw < 1200, 1, 2)) AS bucket, day, ts, sid, pv, sel, fixed,
    rx, ry, x AS px, y AS py, vw, dwell
FROM moves;
CREATE MATERIALIZED VIEW heat_scrolls_mv TO heat_scrolls AS
SELECT project, cityHash64(project, heat_key(project, path)) AS page, day, ts, sid, pv,
    sy, max_depth, vh, dh
FROM scrolls;
-- 040_signals.sql
CREATE TABLE signal_features (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    fid UInt64, pvk UInt64, sk UInt64,
    kind LowCardinality(String), path LowCardinality(String),
    page LowCardinality(String), sel LowCardinality(String),
    v1 Nullable(Int64), v2 Nullable(Int64), v3 Nullable(Int64), v4 Nullable(Int64),
    x Nullable(Float32), y Nullable(Float32),
    flags Int32,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = MergeTree
PARTITION BY toYYYYMM(day) ORDER BY (project, kind, ts)
TTL day + INTERVAL 400 DAY;
CREATE TABLE signals (
    project LowCardinality(String), fid UInt64, sk UInt64,
    signal LowCardinality(String), n Int32
) ENGINE = MergeTree
ORDER BY (project, sk, fid);
CREATE TABLE session_frustration (
    project LowCardinality(String), sk UInt64,
    score Float64, signals Int32
) ENGINE = MergeTree
ORDER BY (project, sk);
-- 050_journeys.sql
CREATE TABLE server_events (
    project LowCardinality(String),
    eid String,
    uid String,
    name LowCardinality(String),
    ts Int64,
    day Date,
    received_at Int64
) ENGINE = MergeTree
PARTITION BY day ORDER BY (project, name, uid, ts) TTL day + INTERVAL 400 DAY;
CREATE TABLE customer_attributes (
    project LowCardinality(String),
    uid String,
    name LowCardinality(String),
    value String,
    source LowCardinality(String),
    imported_at Int64
) ENGINE = MergeTree
ORDER BY (project, name, uid);
