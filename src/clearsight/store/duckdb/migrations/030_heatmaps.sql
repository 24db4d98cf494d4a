-- 030: heatmaps' own storage, kept in step by rollups/030_heatmaps.sql.
--
-- Why copies and not the raw tables: a heatmap reads one normalised page
-- (`/loan/:id/offer`), which is thousands of raw paths, at one viewport
-- bucket. Normalising with regexes and bucketing at read time costs more
-- than the whole aggregate. So the writer does it once: every page view,
-- click, pointer-move sample and scroll row is copied here, narrowed to the
-- columns heatmaps read, with
--   * `page`: a small integer naming (project, normalised path), from
--     heat_pages. An integer, not the path, because DuckDB's zone maps keep
--     min/max per row group, exact for integers but only an 8-byte prefix for
--     strings (every `/demo/loan/...` shares it), so filters on `page` skip
--     the row groups of other pages once the table is clustered (below).
--     Analyses write the page numbers into the SQL as literals
--     (`page IN (7)`): a list parameter (`list_contains`) is not pushed
--     into the scan, and read every row group;
--   * `bucket`: the viewport bucket (0 mobile < 768, 1 tablet 768–1199,
--     2 desktop >= 1200 CSS px wide), so a map never mixes layouts;
--   * for clicks in fixed or sticky containers, `py` in viewport coordinates
--     (page y minus scrollY): the sticky layer is placed relative to the
--     viewport, not spread down the document.
-- Rows keep sid and pv: distinct page views and sessions per element
-- (element ranking) and session-level filters (converted, new vs returning,
-- segments, access scopes) need them, and erasure deletes by sid.
--
-- Not a pre-aggregate by cell and day: at a realistic spread (a busy page's
-- clicks over 30 days, 3 devices, ~25 elements, 144 cells each) it holds
-- nearly as many rows as the clicks themselves, and exact distinct counts
-- (page views and sessions per element) cannot be summed across days anyway.
--
-- Sort order: rows arrive in time order, interleaving every page. The rebuild
-- (`clearsight heatmap rebuild`, and after a change of URL rules) rewrites
-- each table ordered by (project, page, bucket, day), so one page's map reads
-- a few row groups instead of all of them; rows written since then sit in a
-- short unsorted tail that every query scans whole. See docs/heatmaps.md.

-- URL normalisation rules mirrored from the control plane, so the writer can
-- normalise inside its transaction. Each rule replaces a whole path segment
-- that fully matches `pattern` (RE2) with `replacement`; the first matching
-- rule wins. A project without rows here uses the defaults
-- (analyse/heatmap_urls.py:DEFAULT_RULES).
CREATE TABLE heat_url_rules (
    project     VARCHAR NOT NULL,
    pos         INTEGER NOT NULL,
    pattern     VARCHAR NOT NULL,
    replacement VARCHAR NOT NULL
);

-- heat_key(project, path): the normalised path. Regenerated from
-- heat_url_rules whenever they change (store/duckdb/heatmaps.py), with each
-- pattern a constant: DuckDB compiles a constant regex once per query, but a
-- pattern read from a column once per row, which made normalising a million
-- distinct paths take minutes instead of seconds. These are the defaults.
CREATE MACRO heat_key(proj, p) AS array_to_string(list_transform(string_split(p, '/'),
    lambda seg: CASE
        WHEN regexp_full_match(seg, '[0-9]+') THEN ':id'
        WHEN regexp_full_match(seg, '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}') THEN ':uuid'
        WHEN regexp_full_match(seg, '[0-9a-fA-F]{16,}') THEN ':hex'
        ELSE seg END), '/');

-- The dictionary of normalised pages. `page` never changes for a key.
CREATE TABLE heat_pages (
    project VARCHAR NOT NULL,
    key     VARCHAR NOT NULL,
    page    INTEGER NOT NULL,
    PRIMARY KEY (project, key)
);

CREATE TABLE heat_views (
    project VARCHAR NOT NULL, page INTEGER NOT NULL, bucket UTINYINT NOT NULL,
    day DATE NOT NULL, ts BIGINT NOT NULL, sid VARCHAR NOT NULL, pv VARCHAR NOT NULL,
    vw INTEGER NOT NULL, vh INTEGER NOT NULL, dh INTEGER NOT NULL
);

-- px/py: page coordinates; viewport coordinates when `fixed`.
CREATE TABLE heat_clicks (
    project VARCHAR NOT NULL, page INTEGER NOT NULL, bucket UTINYINT NOT NULL,
    day DATE NOT NULL, ts BIGINT NOT NULL, sid VARCHAR NOT NULL, pv VARCHAR NOT NULL,
    sel VARCHAR NOT NULL, tag VARCHAR NOT NULL,
    fixed BOOLEAN NOT NULL, reg BOOLEAN NOT NULL,
    rx REAL NOT NULL, ry REAL NOT NULL, px REAL NOT NULL, py REAL NOT NULL, vw INTEGER NOT NULL
);

-- Moves carry no scrollY, so a fixed element's samples keep page coordinates.
CREATE TABLE heat_moves (
    project VARCHAR NOT NULL, page INTEGER NOT NULL, bucket UTINYINT NOT NULL,
    day DATE NOT NULL, ts BIGINT NOT NULL, sid VARCHAR NOT NULL, pv VARCHAR NOT NULL,
    sel VARCHAR NOT NULL, fixed BOOLEAN NOT NULL,
    rx REAL NOT NULL, ry REAL NOT NULL, px REAL NOT NULL, py REAL NOT NULL, vw INTEGER NOT NULL,
    dwell INTEGER NOT NULL
);

-- Scroll rows carry no width: their bucket is their page view's (join on pv).
CREATE TABLE heat_scrolls (
    project VARCHAR NOT NULL, page INTEGER NOT NULL, day DATE NOT NULL, ts BIGINT NOT NULL,
    sid VARCHAR NOT NULL, pv VARCHAR NOT NULL, sy REAL NOT NULL, max_depth REAL NOT NULL,
    vh INTEGER NOT NULL, dh INTEGER NOT NULL
);

-- The viewport bucket of a width in CSS px: 0 mobile, 1 tablet, 2 desktop.
CREATE MACRO heat_bucket(w) AS CASE WHEN w < 768 THEN 0 WHEN w < 1200 THEN 1 ELSE 2 END;
