-- 001: the event store on ClickHouse. Same tables and columns as DuckDB's 001.
--
-- {table} names a table. The runner writes them plainly on a single node. In
-- cluster mode it creates {table}_local ON CLUSTER with a Replicated engine,
-- plus a Distributed {table} over it, sharded by session so that one session's
-- rows stay together. {engine:X} is X, or ReplicatedX in cluster mode.
--
-- Layout choices, for every analysis table:
-- * PARTITION BY day: retention drops or deletes whole days, and a day is
--   the unit everything is reported in.
-- * ORDER BY (project, path, day, ts): one page's heatmap or funnel step is
--   a short range of the primary index. Session lookups use the sid bloom
--   filter instead of the sort key: they are few, and per-page scans are many.
-- * LowCardinality on project, path, selectors, tags and device fields: a
--   few thousand distinct values at most, so dictionary encoding pays.
-- * TTL is a safety net behind the retention job, which honours per-project
--   policies and legal holds; it only catches what a stopped job left behind
--   (400 days, just past the longest default policy).
-- * deduplicating inserts: the writer sends each micro-batch with a token, so a
--   retried insert after a failure is dropped rather than counted twice.

CREATE TABLE {table:batches} (
    project LowCardinality(String),
    bid String,
    sid String,
    seq Int32,
    received_at Int64
) ENGINE = {engine:ReplacingMergeTree}
ORDER BY bid
SETTINGS non_replicated_deduplication_window = 1000;

-- Session summaries are not upserted here: every write adds a delta row, and
-- the sessions view folds them. ClickHouse aggregates millions of small rows
-- faster than it could update them in place.
CREATE TABLE {table:session_deltas} (
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
) ENGINE = {engine:MergeTree}
PARTITION BY toYYYYMM(toDateTime(intDiv(started_at, 1000)))
ORDER BY (project, sid)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE VIEW {view:sessions} AS
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
FROM {ref:session_deltas} AS d
GROUP BY d.project, d.sid;

-- Replay chunks are read by session, so sid leads the key here.
CREATE TABLE {table:replay_chunks} (
    project LowCardinality(String),
    sid String,
    seq Int32,
    bid String,
    ts_first Int64,
    ts_last Int64,
    n_events Int32,
    codec LowCardinality(String),
    data String
) ENGINE = {engine:MergeTree}
PARTITION BY toYYYYMMDD(toDateTime(intDiv(ts_first, 1000)))
ORDER BY (project, sid, ts_first, seq)
TTL toDateTime(intDiv(ts_first, 1000)) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE {table:pageviews} (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    url String, path LowCardinality(String), ref String, title String,
    vw Int32, vh Int32, dh Int32,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = {engine:MergeTree}
PARTITION BY day ORDER BY (project, path, day, ts) TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE {table:clicks} (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    path LowCardinality(String), sel LowCardinality(String), tag LowCardinality(String),
    rect_x Float32, rect_y Float32, rect_w Float32, rect_h Float32,
    rx Float32, ry Float32, x Float32, y Float32,
    vw Int32, vh Int32, dh Int32, sy Float32,
    fixed Bool, inter Bool, dis Bool, reg Bool, n Int32,
    fx_known Bool, fx_mut Bool, fx_nav Bool, fx_scroll Bool, fx_focus Bool, fx_err Bool,
    fx_inval Bool,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = {engine:MergeTree}
PARTITION BY day ORDER BY (project, path, day, ts) TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE {table:moves} (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    path LowCardinality(String), sel LowCardinality(String),
    rx Float32, ry Float32, x Float32, y Float32, vw Int32, vh Int32, dh Int32,
    fixed Bool, dwell Int32,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = {engine:MergeTree}
PARTITION BY day ORDER BY (project, path, day, ts) TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE {table:scrolls} (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    path LowCardinality(String), sy Float32, max_depth Float32, vh Int32, dh Int32,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = {engine:MergeTree}
PARTITION BY day ORDER BY (project, path, day, ts) TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE {table:errors} (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    url String, path LowCardinality(String), msg String, src String, line Int32, col Int32,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = {engine:MergeTree}
PARTITION BY day ORDER BY (project, path, day, ts) TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE {table:submits} (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    path LowCardinality(String), sel LowCardinality(String),
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = {engine:MergeTree}
PARTITION BY day ORDER BY (project, path, day, ts) TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE {table:fields} (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    path LowCardinality(String), sel LowCardinality(String), ev LowCardinality(String),
    dur Int32, edits Int32, dels Int32, filled Bool,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = {engine:MergeTree}
PARTITION BY day ORDER BY (project, path, day, ts) TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE {table:custom_events} (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    path LowCardinality(String), name LowCardinality(String), props String,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = {engine:MergeTree}
PARTITION BY day ORDER BY (project, name, day, ts) TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE {table:identities} (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    uid String, traits String,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = {engine:MergeTree}
PARTITION BY day ORDER BY (project, uid, ts) TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE {table:experiments} (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    exp LowCardinality(String), variant LowCardinality(String),
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = {engine:MergeTree}
PARTITION BY day ORDER BY (project, exp, day, ts) TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE {table:survey_answers} (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    path LowCardinality(String), survey LowCardinality(String), question LowCardinality(String),
    qtype LowCardinality(String), answer String,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = {engine:MergeTree}
PARTITION BY day ORDER BY (project, survey, day, ts) TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;
