CREATE TABLE IF NOT EXISTS clearsight_migrations ON CLUSTER analytics (version UInt32, name String, applied_at DateTime DEFAULT now()) ENGINE = ReplicatedMergeTree ORDER BY version;
-- 001_events.sql
CREATE TABLE batches_local ON CLUSTER analytics (
    project LowCardinality(String),
    bid String,
    sid String,
    seq Int32,
    received_at Int64
) ENGINE = ReplicatedReplacingMergeTree
ORDER BY bid;
CREATE TABLE batches ON CLUSTER analytics AS batches_local ENGINE = Distributed(analytics, currentDatabase(), batches_local, cityHash64(sid));
CREATE TABLE session_deltas_local ON CLUSTER analytics (
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
) ENGINE = ReplicatedMergeTree
PARTITION BY toYYYYMM(toDateTime(intDiv(started_at, 1000)))
ORDER BY (project, sid);
CREATE TABLE session_deltas ON CLUSTER analytics AS session_deltas_local ENGINE = Distributed(analytics, currentDatabase(), session_deltas_local, cityHash64(sid));
CREATE VIEW sessions ON CLUSTER analytics AS
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
CREATE TABLE replay_chunks_local ON CLUSTER analytics (
    project LowCardinality(String),
    sid String,
    seq Int32,
    bid String,
    ts_first Int64,
    ts_last Int64,
    n_events Int32,
    codec LowCardinality(String),
    data String
) ENGINE = ReplicatedMergeTree
PARTITION BY toYYYYMMDD(toDateTime(intDiv(ts_first, 1000)))
ORDER BY (project, sid, ts_first, seq)
TTL toDateTime(intDiv(ts_first, 1000)) + INTERVAL 400 DAY;
CREATE TABLE replay_chunks ON CLUSTER analytics AS replay_chunks_local ENGINE = Distributed(analytics, currentDatabase(), replay_chunks_local, cityHash64(sid));
CREATE TABLE pageviews_local ON CLUSTER analytics (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    url String, path LowCardinality(String), ref String, title String,
    vw Int32, vh Int32, dh Int32,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplicatedMergeTree
PARTITION BY day ORDER BY (project, path, day, ts) TTL day + INTERVAL 400 DAY;
CREATE TABLE pageviews ON CLUSTER analytics AS pageviews_local ENGINE = Distributed(analytics, currentDatabase(), pageviews_local, cityHash64(sid));
CREATE TABLE clicks_local ON CLUSTER analytics (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    path LowCardinality(String), sel LowCardinality(String), tag LowCardinality(String),
    rect_x Float32, rect_y Float32, rect_w Float32, rect_h Float32,
    rx Float32, ry Float32, x Float32, y Float32,
    vw Int32, vh Int32, dh Int32, sy Float32,
    fixed Bool, inter Bool, dis Bool, reg Bool, n Int32,
    fx_known Bool, fx_mut Bool, fx_nav Bool, fx_scroll Bool, fx_focus Bool, fx_err Bool,
    fx_inval Bool,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplicatedMergeTree
PARTITION BY day ORDER BY (project, path, day, ts) TTL day + INTERVAL 400 DAY;
CREATE TABLE clicks ON CLUSTER analytics AS clicks_local ENGINE = Distributed(analytics, currentDatabase(), clicks_local, cityHash64(sid));
CREATE TABLE moves_local ON CLUSTER analytics (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    path LowCardinality(String), sel LowCardinality(String),
    rx Float32, ry Float32, x Float32, y Float32, vw Int32, vh Int32, dh Int32,
    fixed Bool, dwell Int32,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplicatedMergeTree
PARTITION BY day ORDER BY (project, path, day, ts) TTL day + INTERVAL 400 DAY;
CREATE TABLE moves ON CLUSTER analytics AS moves_local ENGINE = Distributed(analytics, currentDatabase(), moves_local, cityHash64(sid));
CREATE TABLE scrolls_local ON CLUSTER analytics (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    path LowCardinality(String), sy Float32, max_depth Float32, vh Int32, dh Int32,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplicatedMergeTree
PARTITION BY day ORDER BY (project, path, day, ts) TTL day + INTERVAL 400 DAY;
CREATE TABLE scrolls ON CLUSTER analytics AS scrolls_local ENGINE = Distributed(analytics, currentDatabase(), scrolls_local, cityHash64(sid));
CREATE TABLE errors_local ON CLUSTER analytics (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    url String, path LowCardinality(String), msg String, src String, line Int32, col Int32,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplicatedMergeTree
PARTITION BY day ORDER BY (project, path, day, ts) TTL day + INTERVAL 400 DAY;
CREATE TABLE errors ON CLUSTER analytics AS errors_local ENGINE = Distributed(analytics, currentDatabase(), errors_local, cityHash64(sid));
CREATE TABLE submits_local ON CLUSTER analytics (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    path LowCardinality(String), sel LowCardinality(String),
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplicatedMergeTree
PARTITION BY day ORDER BY (project, path, day, ts) TTL day + INTERVAL 400 DAY;
CREATE TABLE submits ON CLUSTER analytics AS submits_local ENGINE = Distributed(analytics, currentDatabase(), submits_local, cityHash64(sid));
CREATE TABLE fields_local ON CLUSTER analytics (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    path LowCardinality(String), sel LowCardinality(String), ev LowCardinality(String),
    dur Int32, edits Int32, dels Int32, filled Bool,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplicatedMergeTree
PARTITION BY day ORDER BY (project, path, day, ts) TTL day + INTERVAL 400 DAY;
CREATE TABLE fields ON CLUSTER analytics AS fields_local ENGINE = Distributed(analytics, currentDatabase(), fields_local, cityHash64(sid));
CREATE TABLE custom_events_local ON CLUSTER analytics (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    path LowCardinality(String), name LowCardinality(String), props String,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplicatedMergeTree
PARTITION BY day ORDER BY (project, name, day, ts) TTL day + INTERVAL 400 DAY;
CREATE TABLE custom_events ON CLUSTER analytics AS custom_events_local ENGINE = Distributed(analytics, currentDatabase(), custom_events_local, cityHash64(sid));
CREATE TABLE identities_local ON CLUSTER analytics (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    uid String, traits String,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplicatedMergeTree
PARTITION BY day ORDER BY (project, uid, ts) TTL day + INTERVAL 400 DAY;
CREATE TABLE identities ON CLUSTER analytics AS identities_local ENGINE = Distributed(analytics, currentDatabase(), identities_local, cityHash64(sid));
CREATE TABLE experiments_local ON CLUSTER analytics (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    exp LowCardinality(String), variant LowCardinality(String),
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplicatedMergeTree
PARTITION BY day ORDER BY (project, exp, day, ts) TTL day + INTERVAL 400 DAY;
CREATE TABLE experiments ON CLUSTER analytics AS experiments_local ENGINE = Distributed(analytics, currentDatabase(), experiments_local, cityHash64(sid));
CREATE TABLE survey_answers_local ON CLUSTER analytics (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    path LowCardinality(String), survey LowCardinality(String), question LowCardinality(String),
    qtype LowCardinality(String), answer String,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplicatedMergeTree
PARTITION BY day ORDER BY (project, survey, day, ts) TTL day + INTERVAL 400 DAY;
CREATE TABLE survey_answers ON CLUSTER analytics AS survey_answers_local ENGINE = Distributed(analytics, currentDatabase(), survey_answers_local, cityHash64(sid));
-- 002_segments.sql
CREATE TABLE segment_members_local ON CLUSTER analytics (
    project LowCardinality(String),
    segment LowCardinality(String),
    sid String,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplicatedMergeTree
ORDER BY (project, segment, sid);
CREATE TABLE segment_members ON CLUSTER analytics AS segment_members_local ENGINE = Distributed(analytics, currentDatabase(), segment_members_local, cityHash64(sid));
-- 010_privacy.sql
CREATE TABLE privacy_catches_local ON CLUSTER analytics (
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
) ENGINE = ReplicatedMergeTree
PARTITION BY day ORDER BY (project, day, detector)
TTL day + INTERVAL 400 DAY;
CREATE TABLE privacy_catches ON CLUSTER analytics AS privacy_catches_local ENGINE = Distributed(analytics, currentDatabase(), privacy_catches_local, cityHash64(sid));
ALTER TABLE session_deltas_local ON CLUSTER analytics ADD COLUMN ip String DEFAULT '';
ALTER TABLE session_deltas ON CLUSTER analytics ADD COLUMN ip String DEFAULT '';
CREATE OR REPLACE VIEW sessions ON CLUSTER analytics AS
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
CREATE TABLE heat_url_rules_local ON CLUSTER analytics (
    project String, pos Int32, pattern String, replacement String, sid String DEFAULT ''
) ENGINE = ReplicatedMergeTree
ORDER BY (project, pos);
CREATE TABLE heat_url_rules ON CLUSTER analytics AS heat_url_rules_local ENGINE = Distributed(analytics, currentDatabase(), heat_url_rules_local, cityHash64(sid));
CREATE FUNCTION heat_key ON CLUSTER analytics AS (proj, p) -> arrayStringConcat(arrayMap(seg -> multiIf(
    match(seg, '^(?:[0-9]+)$'), ':id',
    match(seg, '^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$'), ':uuid',
    match(seg, '^(?:[0-9a-fA-F]{16,})$'), ':hex',
    seg), splitByChar('/', p)), '/');
CREATE TABLE heat_views_local ON CLUSTER analytics (
    project LowCardinality(String), page UInt64, bucket UInt8, day Date, ts Int64,
    sid String, pv String, vw Int32, vh Int32, dh Int32, key LowCardinality(String)
) ENGINE = ReplicatedMergeTree
PARTITION BY toYYYYMM(day) ORDER BY (project, page, bucket, day, ts)
TTL day + INTERVAL 400 DAY;
CREATE TABLE heat_views ON CLUSTER analytics AS heat_views_local ENGINE = Distributed(analytics, currentDatabase(), heat_views_local, cityHash64(sid));
CREATE TABLE heat_clicks_local ON CLUSTER analytics (
    project LowCardinality(String), page UInt64, bucket UInt8, day Date, ts Int64,
    sid String, pv String, sel LowCardinality(String), tag LowCardinality(String),
    fixed Bool, reg Bool, rx Float32, ry Float32, px Float32, py Float32, vw Int32
) ENGINE = ReplicatedMergeTree
PARTITION BY toYYYYMM(day) ORDER BY (project, page, bucket, day, ts)
TTL day + INTERVAL 400 DAY;
CREATE TABLE heat_clicks ON CLUSTER analytics AS heat_clicks_local ENGINE = Distributed(analytics, currentDatabase(), heat_clicks_local, cityHash64(sid));
CREATE TABLE heat_moves_local ON CLUSTER analytics (
    project LowCardinality(String), page UInt64, bucket UInt8, day Date, ts Int64,
    sid String, pv String, sel LowCardinality(String), fixed Bool,
    rx Float32, ry Float32, px Float32, py Float32, vw Int32, dwell Int32
) ENGINE = ReplicatedMergeTree
PARTITION BY toYYYYMM(day) ORDER BY (project, page, bucket, day, ts)
TTL day + INTERVAL 400 DAY;
CREATE TABLE heat_moves ON CLUSTER analytics AS heat_moves_local ENGINE = Distributed(analytics, currentDatabase(), heat_moves_local, cityHash64(sid));
CREATE TABLE heat_scrolls_local ON CLUSTER analytics (
    project LowCardinality(String), page UInt64, day Date, ts Int64, sid String, pv String,
    sy Float32, max_depth Float32, vh Int32, dh Int32
) ENGINE = ReplicatedMergeTree
PARTITION BY toYYYYMM(day) ORDER BY (project, page, day, ts)
TTL day + INTERVAL 400 DAY;
CREATE TABLE heat_scrolls ON CLUSTER analytics AS heat_scrolls_local ENGINE = Distributed(analytics, currentDatabase(), heat_scrolls_local, cityHash64(sid));
CREATE VIEW heat_pages ON CLUSTER analytics AS
SELECT project, key, any(page) AS page FROM heat_views GROUP BY project, key;
CREATE MATERIALIZED VIEW heat_views_mv ON CLUSTER analytics TO heat_views_local AS
SELECT project, cityHash64(project, heat_key(project, path)) AS page,
    toUInt8(multiIf(vw < 768, 0, vw < 1200, 1, 2)) AS bucket, day, ts, sid, pv, vw, vh, dh,
    heat_key(project, path) AS key
FROM pageviews_local;
CREATE MATERIALIZED VIEW heat_clicks_mv ON CLUSTER analytics TO heat_clicks_local AS
SELECT project, cityHash64(project, heat_key(project, path)) AS page,
    toUInt8(multiIf(vw < 768, 0, vw < 1200, 1, 2)) AS bucket, day, ts, sid, pv, sel, tag,
    fixed, reg, rx, ry, x AS px, if(fixed, y - sy, y) AS py, vw
FROM clicks_local;
CREATE MATERIALIZED VIEW heat_moves_mv ON CLUSTER analytics TO heat_moves_local AS
SELECT project, cityHash64(project, heat_key(project, path)) AS page,
    toUInt8(multiIf(vw < 768, 0, vw < 1200, 1, 2)) AS bucket, day, ts, sid, pv, sel, fixed,
    rx, ry, x AS px, y AS py, vw, dwell
FROM moves_local;
CREATE MATERIALIZED VIEW heat_scrolls_mv ON CLUSTER analytics TO heat_scrolls_local AS
SELECT project, cityHash64(project, heat_key(project, path)) AS page, day, ts, sid, pv,
    sy, max_depth, vh, dh
FROM scrolls_local;
-- 040_signals.sql
CREATE TABLE signal_features_local ON CLUSTER analytics (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    fid UInt64, pvk UInt64, sk UInt64,
    kind LowCardinality(String), path LowCardinality(String),
    page LowCardinality(String), sel LowCardinality(String),
    v1 Nullable(Int64), v2 Nullable(Int64), v3 Nullable(Int64), v4 Nullable(Int64),
    x Nullable(Float32), y Nullable(Float32),
    flags Int32,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = ReplicatedMergeTree
PARTITION BY toYYYYMM(day) ORDER BY (project, kind, ts)
TTL day + INTERVAL 400 DAY;
CREATE TABLE signal_features ON CLUSTER analytics AS signal_features_local ENGINE = Distributed(analytics, currentDatabase(), signal_features_local, cityHash64(sid));
CREATE TABLE signals_local ON CLUSTER analytics (
    project LowCardinality(String), fid UInt64, sk UInt64,
    signal LowCardinality(String), n Int32
) ENGINE = ReplicatedMergeTree
ORDER BY (project, sk, fid);
CREATE TABLE signals ON CLUSTER analytics AS signals_local ENGINE = Distributed(analytics, currentDatabase(), signals_local, sk);
CREATE TABLE session_frustration_local ON CLUSTER analytics (
    project LowCardinality(String), sk UInt64,
    score Float64, signals Int32
) ENGINE = ReplicatedMergeTree
ORDER BY (project, sk);
CREATE TABLE session_frustration ON CLUSTER analytics AS session_frustration_local ENGINE = Distributed(analytics, currentDatabase(), session_frustration_local, sk);
-- 050_journeys.sql
CREATE TABLE server_events_local ON CLUSTER analytics (
    project LowCardinality(String),
    eid String,
    uid String,
    name LowCardinality(String),
    ts Int64,
    day Date,
    received_at Int64
) ENGINE = ReplicatedMergeTree
PARTITION BY day ORDER BY (project, name, uid, ts) TTL day + INTERVAL 400 DAY;
CREATE TABLE server_events ON CLUSTER analytics AS server_events_local ENGINE = Distributed(analytics, currentDatabase(), server_events_local, cityHash64(uid));
CREATE TABLE customer_attributes_local ON CLUSTER analytics (
    project LowCardinality(String),
    uid String,
    name LowCardinality(String),
    value String,
    source LowCardinality(String),
    imported_at Int64
) ENGINE = ReplicatedMergeTree
ORDER BY (project, name, uid);
CREATE TABLE customer_attributes ON CLUSTER analytics AS customer_attributes_local ENGINE = Distributed(analytics, currentDatabase(), customer_attributes_local, cityHash64(uid));
