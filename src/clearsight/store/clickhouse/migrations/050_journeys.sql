-- 050: journeys: server-side events and imported customer attributes (see DuckDB's 050).
--
-- Both are keyed by the customer token `uid`, not by session: funnels and segments
-- join them to `identities` on uid, so uid leads the sort key after the name they
-- are filtered by. In cluster mode they are sharded by uid (they have no sid).

CREATE TABLE {table:server_events} (
    project LowCardinality(String),
    eid String,
    uid String,
    name LowCardinality(String),
    ts Int64,
    day Date,
    received_at Int64
) ENGINE = {engine:MergeTree}
PARTITION BY day ORDER BY (project, name, uid, ts) TTL day + INTERVAL 400 DAY;

CREATE TABLE {table:customer_attributes} (
    project LowCardinality(String),
    uid String,
    name LowCardinality(String),
    value String,
    source LowCardinality(String),
    imported_at Int64
) ENGINE = {engine:MergeTree}
ORDER BY (project, name, uid);
