-- 030: heatmaps on ClickHouse. The same heat_* tables and columns as DuckDB's
-- 030 (read that file for why heatmaps keep copies of their rows), kept by
-- materialized views instead of a roll-up: every insert into a raw table, by
-- the writer or a bulk import, fills its heat_* table too.
--
-- * page: cityHash64(project, normalised path), computed where the row is
--   written, so no dictionary needs a round trip; heat_pages is a view that
--   lists each page's key.
-- * ORDER BY (project, page, bucket, day, ts): one page's map at one viewport
--   bucket is one short range of the primary index.
-- * heat_key(project, path): the normalisation, a SQL function regenerated
--   from heat_url_rules when a project's rules change (store/clickhouse/
--   heatmaps.py). ClickHouse inlines a function into a materialized view when
--   the view is created, so the views are recreated with it, and the rows
--   re-derived.
-- * {local:x} is x, or x_local in cluster mode: a view fires on the shard
--   that stores the raw rows and writes that shard's heat rows; both are
--   sharded by session.

-- The rules mirrored from the control plane, read back to regenerate heat_key.
-- sid is always '': cluster mode shards every table by session.
CREATE TABLE {table:heat_url_rules} (
    project String, pos Int32, pattern String, replacement String, sid String DEFAULT ''
) ENGINE = {engine:MergeTree}
ORDER BY (project, pos);

CREATE FUNCTION {view:heat_key} AS (proj, p) -> arrayStringConcat(arrayMap(seg -> multiIf(
    match(seg, '^(?:[0-9]+)$'), ':id',
    match(seg, '^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$'), ':uuid',
    match(seg, '^(?:[0-9a-fA-F]{16,})$'), ':hex',
    seg), splitByChar('/', p)), '/');

CREATE TABLE {table:heat_views} (
    project LowCardinality(String), page UInt64, bucket UInt8, day Date, ts Int64,
    sid String, pv String, vw Int32, vh Int32, dh Int32, key LowCardinality(String)
) ENGINE = {engine:MergeTree}
PARTITION BY toYYYYMM(day) ORDER BY (project, page, bucket, day, ts)
TTL day + INTERVAL 400 DAY;

CREATE TABLE {table:heat_clicks} (
    project LowCardinality(String), page UInt64, bucket UInt8, day Date, ts Int64,
    sid String, pv String, sel LowCardinality(String), tag LowCardinality(String),
    fixed Bool, reg Bool, rx Float32, ry Float32, px Float32, py Float32, vw Int32
) ENGINE = {engine:MergeTree}
PARTITION BY toYYYYMM(day) ORDER BY (project, page, bucket, day, ts)
TTL day + INTERVAL 400 DAY;

CREATE TABLE {table:heat_moves} (
    project LowCardinality(String), page UInt64, bucket UInt8, day Date, ts Int64,
    sid String, pv String, sel LowCardinality(String), fixed Bool,
    rx Float32, ry Float32, px Float32, py Float32, vw Int32, dwell Int32
) ENGINE = {engine:MergeTree}
PARTITION BY toYYYYMM(day) ORDER BY (project, page, bucket, day, ts)
TTL day + INTERVAL 400 DAY;

CREATE TABLE {table:heat_scrolls} (
    project LowCardinality(String), page UInt64, day Date, ts Int64, sid String, pv String,
    sy Float32, max_depth Float32, vh Int32, dh Int32
) ENGINE = {engine:MergeTree}
PARTITION BY toYYYYMM(day) ORDER BY (project, page, day, ts)
TTL day + INTERVAL 400 DAY;

CREATE VIEW {view:heat_pages} AS
SELECT project, key, any(page) AS page FROM {ref:heat_views} GROUP BY project, key;

CREATE MATERIALIZED VIEW {view:heat_views_mv} TO {local:heat_views} AS
SELECT project, cityHash64(project, heat_key(project, path)) AS page,
    toUInt8(multiIf(vw < 768, 0, vw < 1200, 1, 2)) AS bucket, day, ts, sid, pv, vw, vh, dh,
    heat_key(project, path) AS key
FROM {local:pageviews};

CREATE MATERIALIZED VIEW {view:heat_clicks_mv} TO {local:heat_clicks} AS
SELECT project, cityHash64(project, heat_key(project, path)) AS page,
    toUInt8(multiIf(vw < 768, 0, vw < 1200, 1, 2)) AS bucket, day, ts, sid, pv, sel, tag,
    fixed, reg, rx, ry, x AS px, if(fixed, y - sy, y) AS py, vw
FROM {local:clicks};

CREATE MATERIALIZED VIEW {view:heat_moves_mv} TO {local:heat_moves} AS
SELECT project, cityHash64(project, heat_key(project, path)) AS page,
    toUInt8(multiIf(vw < 768, 0, vw < 1200, 1, 2)) AS bucket, day, ts, sid, pv, sel, fixed,
    rx, ry, x AS px, y AS py, vw, dwell
FROM {local:moves};

CREATE MATERIALIZED VIEW {view:heat_scrolls_mv} TO {local:heat_scrolls} AS
SELECT project, cityHash64(project, heat_key(project, path)) AS page, day, ts, sid, pv,
    sy, max_depth, vh, dh
FROM {local:scrolls};
