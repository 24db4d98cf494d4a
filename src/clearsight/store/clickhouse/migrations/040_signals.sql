-- 040: frustration signals (see DuckDB's 040, analyse/signals.py and
-- docs/friction.md). Same tables and columns. All three are derived: the
-- detector deletes a session's rows and finds them again from the raw rows
-- as its batches arrive, and a recompute does the same for a whole project.
--
-- * No deduplication window, unlike the raw tables: detection inserts the
--   same rows again after a delete (a session whose new batch changed
--   nothing), and a window would silently drop that insert as a retry.
-- * The detector's deletes are lightweight (DELETE FROM): they mark rows
--   rather than rewrite parts, which is what a delete per stored micro-batch
--   can afford. Erasure still rewrites parts (ALTER TABLE ... DELETE).
-- * sk is cityHash64(sid) (Dialect.hash64), the Distributed tables' sharding
--   key, so in cluster mode signals and scores, which carry sk but no sid,
--   are sharded by sk and sit on the shard that holds their session's rows
--   (schema.SHARD_KEYS).

-- Read per kind for a recompute (each rule reads one or two kinds), and per
-- session by the after-apply hook (the sid bloom filter, and ts >= the
-- session's start within each kind). Monthly partitions: about a tenth of the
-- rows of the raw tables, so daily parts would be tiny.
CREATE TABLE {table:signal_features} (
    project LowCardinality(String), sid String, pv String, ts Int64, day Date,
    fid UInt64, pvk UInt64, sk UInt64,
    kind LowCardinality(String), path LowCardinality(String),
    page LowCardinality(String), sel LowCardinality(String),
    v1 Nullable(Int64), v2 Nullable(Int64), v3 Nullable(Int64), v4 Nullable(Int64),
    x Nullable(Float32), y Nullable(Float32),
    flags Int32,
    INDEX sid_bf sid TYPE bloom_filter GRANULARITY 4
) ENGINE = {engine:MergeTree}
PARTITION BY toYYYYMM(day) ORDER BY (project, kind, ts)
TTL day + INTERVAL 400 DAY;

-- One narrow row per signal, pointing at its feature (fid). Deleted and
-- scored per session, hence sk leads the key after project.
CREATE TABLE {table:signals} (
    project LowCardinality(String), fid UInt64, sk UInt64,
    signal LowCardinality(String), n Int32
) ENGINE = {engine:MergeTree}
ORDER BY (project, sk, fid);

-- The frustration score of each session with at least one signal; the
-- session list joins it on cityHash64(sid).
CREATE TABLE {table:session_frustration} (
    project LowCardinality(String), sk UInt64,
    score Float64, signals Int32
) ENGINE = {engine:MergeTree}
ORDER BY (project, sk);
