"""Control-plane tables (SQLAlchemy Core)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

projects = sa.Table(
    "projects",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    # The public key the capture script sends; it identifies, it does not authorise reads.
    sa.Column("key", sa.String(128), nullable=False, unique=True),
    sa.Column("origins", sa.JSON, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

# The consent ledger: every decision a visitor made, append-only.
consent_decisions = sa.Table(
    "consent_decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project", sa.String(64), nullable=False, index=True),
    sa.Column("vid", sa.String(128), nullable=False, index=True),
    sa.Column("sid", sa.String(128), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("policy", sa.String(64), nullable=False),
    sa.Column("banner_hash", sa.String(64), nullable=False),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("client_ts", sa.BigInteger, nullable=False),
    sa.Column("received_at", sa.BigInteger, nullable=False, index=True),
)

# -- accounts -------------------------------------------------------------------------------

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(128), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(256), nullable=False),
    sa.Column("role", sa.String(32), nullable=False),
    # {"projects": [...], "url_patterns": [...], "segments": [...]}; absent key = no limit
    sa.Column("scopes", sa.JSON, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
)

# Bearer tokens: only a SHA-256 of the secret is kept (the secret is 32 random bytes).
api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("name", sa.String(128), nullable=False),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("scopes", sa.JSON, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=True),
    sa.Column("revoked_at", sa.BigInteger, nullable=True),
)

# Role-wide scopes, intersected with each user's own.
role_scopes = sa.Table(
    "role_scopes",
    metadata,
    sa.Column("role", sa.String(32), primary_key=True),
    sa.Column("scopes", sa.JSON, nullable=False),
)

# Browser log-in sessions: the cookie carries the id; only its hash is stored.
web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, nullable=False, index=True),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False),
)

# Failed log-ins, for rate limiting across every server process.
login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(128), nullable=False, index=True),
    sa.Column("ip", sa.String(64), nullable=False, index=True),
    sa.Column("at", sa.BigInteger, nullable=False, index=True),
)

# -- purpose-bound access ---------------------------------------------------------------------

purposes = sa.Table(
    "purposes",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("needs_reference", sa.Boolean, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
)

# A stated purpose opens one session's replay to one actor for a while.
replay_grants = sa.Table(
    "replay_grants",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("actor", sa.String(160), nullable=False),
    sa.Column("sid", sa.String(128), nullable=False),
    sa.Column("purpose", sa.String(64), nullable=False),
    sa.Column("reference", sa.String(200), nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False),
    sa.Index("replay_grants_lookup", "actor", "sid"),
)

# -- the audit log ------------------------------------------------------------------------------

# Append-only and hash-chained: hash = SHA-256(prev_hash || canonical entry). No code
# path updates or deletes rows, except the audit-retention purge, which leaves a signed
# checkpoint naming the first kept entry.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("ts", sa.BigInteger, nullable=False, index=True),
    sa.Column("actor", sa.String(160), nullable=False),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("object", sa.String(256), nullable=False),
    sa.Column("project", sa.String(64), nullable=False),
    sa.Column("purpose", sa.String(64), nullable=False),
    sa.Column("reference", sa.String(200), nullable=False),
    sa.Column("client_ip", sa.String(64), nullable=False),
    sa.Column("result", sa.String(16), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

# One row: the chain head. Appenders lock it (UPDATE first), which serialises
# appends across processes on PostgreSQL and SQLite alike.
audit_head = sa.Table(
    "audit_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

# Ed25519 signatures over (seq, hash), made with a key kept outside the database.
audit_checkpoints = sa.Table(
    "audit_checkpoints",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("ts", sa.BigInteger, nullable=False),
    sa.Column("key_id", sa.String(32), nullable=False),
    sa.Column("signature", sa.String(128), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
)

# -- keys ------------------------------------------------------------------------------------

# Per-session data keys, wrapped by the project's key-encryption key. Deleting
# the row is crypto-shredding: what it encrypted can no longer be read. Two kinds
# per session, because replays and analysis text expire at different ages:
# "replay" seals replay chunks, "text" seals free-text columns of analysis rows.
data_keys = sa.Table(
    "data_keys",
    metadata,
    sa.Column("project", sa.String(64), primary_key=True),
    sa.Column("sid", sa.String(128), primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("kek_id", sa.String(64), nullable=False, index=True),
    sa.Column("wrapped", sa.LargeBinary, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

# The current key-encryption key of each project (the key itself lives in the key source).
project_keks = sa.Table(
    "project_keks",
    metadata,
    sa.Column("project", sa.String(64), primary_key=True),
    sa.Column("kek_id", sa.String(64), nullable=False),
    sa.Column("rotated_at", sa.BigInteger, nullable=False),
)

# -- retention --------------------------------------------------------------------------------

retention_policies = sa.Table(
    "retention_policies",
    metadata,
    sa.Column("project", sa.String(64), primary_key=True),
    sa.Column("replay_days", sa.Integer, nullable=False),
    sa.Column("analysis_days", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
)

legal_holds = sa.Table(
    "legal_holds",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project", sa.String(64), nullable=False),
    sa.Column("sid", sa.String(128), nullable=False, index=True),
    sa.Column("reason", sa.String(300), nullable=False),
    sa.Column("created_by", sa.String(160), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("released_at", sa.BigInteger, nullable=True),
)

retention_runs = sa.Table(
    "retention_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ts", sa.BigInteger, nullable=False),
    sa.Column("project", sa.String(64), nullable=False),
    sa.Column("replays_purged", sa.Integer, nullable=False),
    sa.Column("sessions_purged", sa.Integer, nullable=False),
    sa.Column("held", sa.Integer, nullable=False),
)

# -- per-project settings ------------------------------------------------------------------

# One JSON value per (project, key). Features keep their own keys here (capture rules,
# URL normalisation, goal, signal thresholds...) so adding one needs no migration.
project_settings = sa.Table(
    "project_settings",
    metadata,
    sa.Column("project", sa.String(64), primary_key=True),
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.JSON, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
)

# -- ingest workers ------------------------------------------------------------------------

# Which worker stores a batch id, when several share one ClickHouse: the primary key
# makes exactly one of them win. A worker may re-claim its own ids (its spool replays
# them after a crash); a claim older than an hour may be taken over.
batch_claims = sa.Table(
    "batch_claims",
    metadata,
    sa.Column("bid", sa.String(128), primary_key=True),
    sa.Column("worker", sa.String(128), nullable=False),
    sa.Column("claimed_at", sa.BigInteger, nullable=False, index=True),
)

# Batches refused because they carried no granted consent, per project and
# UTC day (days since the epoch). Counted in memory by ingest and added here
# every few seconds: a refused batch costs no write of its own.
consent_refusals = sa.Table(
    "consent_refusals",
    metadata,
    sa.Column("project", sa.String(64), primary_key=True),
    sa.Column("day", sa.Integer, primary_key=True),
    sa.Column("batches", sa.BigInteger, nullable=False),
)

# -- frustration signals (store/control/friction.py) --------------------------------

# A verdict on one flag (session_ref and ts set) or on an issue (page/sel/signal only).
signal_marks = sa.Table(
    "signal_marks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project", sa.String(64), nullable=False, index=True),
    sa.Column("signal", sa.String(32), nullable=False),
    sa.Column("page", sa.String(2000), nullable=False),
    sa.Column("sel", sa.String(2000), nullable=False),
    sa.Column("session_ref", sa.String(64), nullable=True),
    sa.Column("ts", sa.BigInteger, nullable=True),
    sa.Column("verdict", sa.String(16), nullable=False),
    sa.Column("note", sa.String(500), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

# One row per anomaly alert raised; delivery is recorded on it.
anomaly_alerts = sa.Table(
    "anomaly_alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project", sa.String(64), nullable=False, index=True),
    sa.Column("page", sa.String(2000), nullable=False),
    sa.Column("metric", sa.String(32), nullable=False),
    sa.Column("period", sa.String(8), nullable=False),
    sa.Column("bucket_start", sa.BigInteger, nullable=False),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("baseline", sa.Float, nullable=False),
    sa.Column("spread", sa.Float, nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("volume", sa.Integer, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False, index=True),
    sa.Column("delivery", sa.String(200), nullable=False),
)
