-- 002: saved-segment membership (see DuckDB's 002). Looked up by segment when a
-- view filters by it, hence the key.
CREATE TABLE {table:segment_members} (
    project LowCardinality(String),
    segment LowCardinality(String),
    sid String,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = {engine:MergeTree}
ORDER BY (project, segment, sid);
