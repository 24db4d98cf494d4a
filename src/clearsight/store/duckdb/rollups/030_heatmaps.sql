-- 030: copy new page views, clicks, moves and scrolls into the heat_* tables
-- (migrations/030_heatmaps.sql says why), normalising each distinct path of
-- the batch once. The rebuild (store/duckdb/heatmaps.py) runs this same text
-- over whole tables.

CREATE OR REPLACE TEMP TABLE heat_batch_paths AS
SELECT project, path, heat_key(project, path) AS key FROM (
    SELECT DISTINCT project, path FROM pageviews_in
    UNION SELECT DISTINCT project, path FROM clicks_in
    UNION SELECT DISTINCT project, path FROM moves_in
    UNION SELECT DISTINCT project, path FROM scrolls_in
) AS paths;

INSERT INTO heat_pages
SELECT n.project, n.key,
    (SELECT coalesce(max(page), 0) FROM heat_pages) + row_number() OVER (ORDER BY n.project, n.key)
FROM (SELECT DISTINCT project, key FROM heat_batch_paths) n
ANTI JOIN heat_pages h ON h.project = n.project AND h.key = n.key;

CREATE OR REPLACE TEMP TABLE heat_batch_pages AS
SELECT b.project, b.path, h.page
FROM heat_batch_paths b JOIN heat_pages h ON h.project = b.project AND h.key = b.key;

INSERT INTO heat_views
SELECT v.project, b.page, heat_bucket(v.vw), v.day, v.ts, v.sid, v.pv,
    v.vw, v.vh, v.dh
FROM pageviews_in v
JOIN heat_batch_pages b ON b.project = v.project AND b.path = v.path;

INSERT INTO heat_clicks
SELECT c.project, b.page, heat_bucket(c.vw), c.day, c.ts, c.sid, c.pv,
    c.sel, c.tag, c.fixed, c.reg, c.rx, c.ry, c.x, CASE WHEN c.fixed THEN c.y - c.sy ELSE c.y END,
    c.vw
FROM clicks_in c
JOIN heat_batch_pages b ON b.project = c.project AND b.path = c.path;

INSERT INTO heat_moves
SELECT m.project, b.page, heat_bucket(m.vw), m.day, m.ts, m.sid, m.pv,
    m.sel, m.fixed, m.rx, m.ry, m.x, m.y, m.vw, m.dwell
FROM moves_in m
JOIN heat_batch_pages b ON b.project = m.project AND b.path = m.path;

INSERT INTO heat_scrolls
SELECT r.project, b.page, r.day, r.ts, r.sid, r.pv, r.sy, r.max_depth, r.vh, r.dh
FROM scrolls_in r
JOIN heat_batch_pages b ON b.project = r.project AND b.path = r.path;
