-- 040: frustration signals, derived from the analysis rows (analyse/signals*.py).
--
-- Both tables are derived: a full recompute (or the after-apply hook, for the
-- sessions a write touched) deletes a session's rows and inserts them again
-- from the raw rows, so they never need their own migration of values.

-- One row per detected occurrence: a rage burst, a dead click, a failed
-- attempt, an abandoned field... `sel` is the element ('' for page-level
-- signals such as u-turns); `page` is the path with id-like segments folded to
-- `*` (`/loan/706429/offer` → `/loan/*/offer`), the unit issues group by.
-- `n` is the signal's size: clicks in the burst, failed attempts, reversals,
-- ms of dwell. Issues, the session filter and the replay markers all read it
-- by project and time, which arrive in order, so zone maps on ts/day prune it.
CREATE TABLE signals (
    project VARCHAR NOT NULL, sid VARCHAR NOT NULL, pv VARCHAR NOT NULL,
    ts BIGINT NOT NULL, day DATE NOT NULL,
    signal VARCHAR NOT NULL, path VARCHAR NOT NULL, page VARCHAR NOT NULL,
    sel VARCHAR NOT NULL, n INTEGER NOT NULL
);
-- No index on sid: deleting a project's signals for a recompute would
-- maintain it row by row (seconds for a million rows), and a scan of this
-- small table by sid (the replay page, the hook) takes milliseconds.

-- The frustration score per session (formula in docs/friction.md). Only
-- sessions with at least one signal have a row: the rest score 0, and the
-- session list treats a missing row as 0.
CREATE TABLE session_frustration (
    project VARCHAR NOT NULL, sid VARCHAR NOT NULL,
    score DOUBLE NOT NULL, signals INTEGER NOT NULL
);

-- Detection works in two steps (analyse/signals.py). Features: what each
-- session did that could be a signal under any allowed rule, with its
-- measurements (a quiet click and its distance in time and space to the
-- previous one, a pointer rest of at least 1 s and its length, a form left with
-- n fields filled...), found by window functions over the raw rows, once per
-- session as its batches arrive. Signals: the project's rules applied to the
-- features, which are few and already ordered, so changing a threshold
-- re-derives every signal of a million sessions in about a second.
-- v1..v4, x, y and flags mean what analyse/features.py says per `kind`.
CREATE TABLE signal_features (
    project VARCHAR NOT NULL, sid VARCHAR NOT NULL, pv VARCHAR NOT NULL,
    ts BIGINT NOT NULL, day DATE NOT NULL,
    kind VARCHAR NOT NULL, path VARCHAR NOT NULL, sel VARCHAR NOT NULL,
    v1 BIGINT, v2 BIGINT, v3 BIGINT, v4 BIGINT, x REAL, y REAL,
    flags INTEGER NOT NULL
);
