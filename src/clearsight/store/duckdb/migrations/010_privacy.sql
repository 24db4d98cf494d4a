-- 010: the privacy engine's rows.
--
-- privacy_catches: one row per kind of PII the server masked in one batch
-- (detector, JSON location, the element's selector, the page), written in
-- the same transaction as the batch. Never the value. Read per project and
-- time range (the Privacy page, the compliance report), hence `day`; the
-- masking-coverage figure counts distinct sids, which the session filter's
-- `sid IN (...)` restricts. Small: a clean session adds no row at all.
CREATE TABLE privacy_catches (
    project  VARCHAR NOT NULL,
    sid      VARCHAR NOT NULL,
    ts       BIGINT  NOT NULL,
    day      DATE    NOT NULL,
    detector VARCHAR NOT NULL,
    location VARCHAR NOT NULL,
    selector VARCHAR NOT NULL,
    url      VARCHAR NOT NULL,
    count    INTEGER NOT NULL
);

-- The client's network, when ip_mode = truncate: the /24 (IPv4) or /48
-- (IPv6) prefix, else ''. Never a full address.
ALTER TABLE sessions ADD COLUMN ip VARCHAR NOT NULL DEFAULT '';
