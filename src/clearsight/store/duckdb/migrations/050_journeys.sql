-- 050: journeys: server-side events and imported customer attributes.
--
-- Neither table is fed by ingest and neither has a session id: both are keyed
-- by `uid`, the server's keyed token of the customer id (the same token
-- `identities.uid` holds), never by the id itself. They reach sessions
-- through `identities`, which is also how a data-subject erasure finds them
-- (analyse/customer_data.py is its hook).

-- Events from the loan-origination system (approved, disbursed...), posted to
-- /api/v1/events. A funnel step can match them for the sessions in which
-- identify() named the same customer. `eid` makes re-sent events idempotent:
-- a hash of the token and the sender's event id (or of name and time).
-- Properties are not stored: an event says that something happened, not what.
CREATE TABLE server_events (
    project     VARCHAR NOT NULL,
    eid         VARCHAR NOT NULL,
    uid         VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    ts          BIGINT  NOT NULL,
    day         DATE    NOT NULL,
    received_at BIGINT  NOT NULL
);
CREATE INDEX server_events_uid ON server_events (uid);

-- Attributes from CRM or loan-system exports (`clearsight segments import`),
-- one row per customer and attribute, so a new column needs no migration.
-- An import replaces the values of the columns it carries for its customers.
CREATE TABLE customer_attributes (
    project     VARCHAR NOT NULL,
    uid         VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    value       VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,
    imported_at BIGINT  NOT NULL
);
CREATE INDEX customer_attributes_uid ON customer_attributes (uid);
