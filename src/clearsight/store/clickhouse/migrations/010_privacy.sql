-- 010: the privacy engine's rows (see DuckDB's 010). One row per kind of PII
-- the server masked in a batch, never the value; read per project and day.
CREATE TABLE {table:privacy_catches} (
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
) ENGINE = {engine:MergeTree}
PARTITION BY day ORDER BY (project, day, detector)
TTL day + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 1000;

-- The client's network when ip_mode = truncate (/24 or /48), else ''.
ALTER TABLE {alter:session_deltas} ADD COLUMN ip String DEFAULT '';

CREATE OR REPLACE VIEW {view:sessions} AS
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
FROM {ref:session_deltas} AS d
GROUP BY d.project, d.sid;
