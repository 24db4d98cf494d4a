-- 002: saved-segment membership, materialised per session.
--
-- Segments are defined in the control plane (attribute conditions); the
-- journeys analysis keeps this table in step. Access scopes and every view's
-- segment filter read it, so a segment means the same set of sessions
-- everywhere.
CREATE TABLE segment_members (
    project VARCHAR NOT NULL,
    segment VARCHAR NOT NULL,
    sid     VARCHAR NOT NULL
);
CREATE INDEX segment_members_sid ON segment_members (sid);
