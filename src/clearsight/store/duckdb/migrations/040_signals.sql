-- 040: frustration signals (analyse/signals.py, docs/friction.md).
--
-- Detection works in two steps, and each has its table. All three tables are
-- derived: they are rebuilt from the raw rows, per session by the after-apply
-- hook and for everything by a rebuild, so they need no migration of values.
--
-- 1. signal_features: what each session did that could be a signal under any
--    rule a project may set (a quiet click and its distance in time and space
--    to the previous one, a pointer rest of 3 s or more, a form left with n
--    fields filled...), with its measurements. Finding them takes window
--    functions over the raw rows; the hook does it for the sessions each
--    stored micro-batch touched. v1..v4, x, y and flags mean what
--    analyse/features.py says per `kind`. `page` is the path with id-like
--    segments folded to `*` (`/loan/706429/offer` → `/loan/*/offer`), the
--    unit issues group by. `fid` names the row; `pvk` is the page view as a
--    number (a hash of session and page-view id: replayed demo sessions share
--    page-view ids) and `sk` the session (a hash of its id), so step two
--    partitions and groups by integers instead of uuid strings.
-- 2. signals: the project's rules applied to the features, one narrow row per
--    signal pointing at the feature it was found on (`fid`; the session, page,
--    element and time are the feature's). Writing wide rows (a session id, a
--    page, an element per signal) costs more than finding them; this way a
--    change of rules re-derives every signal of a million sessions in about a
--    second.
--
-- No indexes on sid: deleting a project's rows for a rebuild would maintain
-- them row by row (seconds per million rows), while a scan of these tables by
-- sid (the replay page, the hook) takes milliseconds. Rows are appended in
-- time order, so zone maps on ts prune the hook's reads.
CREATE TABLE signal_features (
    project VARCHAR NOT NULL, sid VARCHAR NOT NULL, pv VARCHAR NOT NULL,
    ts BIGINT NOT NULL, day DATE NOT NULL,
    fid UBIGINT NOT NULL, pvk UBIGINT NOT NULL, sk UBIGINT NOT NULL,
    kind VARCHAR NOT NULL, path VARCHAR NOT NULL, page VARCHAR NOT NULL, sel VARCHAR NOT NULL,
    v1 BIGINT, v2 BIGINT, v3 BIGINT, v4 BIGINT, x REAL, y REAL,
    flags INTEGER NOT NULL
);

CREATE TABLE signals (
    project VARCHAR NOT NULL, fid UBIGINT NOT NULL, sk UBIGINT NOT NULL,
    signal VARCHAR NOT NULL, n INTEGER NOT NULL
);

-- The frustration score per session (formula in docs/friction.md), keyed by
-- `sk` for the same reason signals are narrow; the session list joins it on
-- the hash of the session id. Only sessions with at least one signal have a
-- row: the rest score 0.
CREATE TABLE session_frustration (
    project VARCHAR NOT NULL, sk UBIGINT NOT NULL,
    score DOUBLE NOT NULL, signals INTEGER NOT NULL
);
